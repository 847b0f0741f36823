/**
 * @module explain/llm/policy
 * Which source writes the served explanations — the LLM (whose answers the claim verifier gates) or the deterministic
 * template — decided once at boot from `explain.llm` (GRAPHREC_EXPLAIN_LLM):
 *
 * - `auto` (default): the LLM only when one was chosen explicitly — `LLM_BASE_URL` (an endpoint) or `LLM_MODEL_PATH`
 *   (a GGUF other than the bundled one) — or when the fine-tuned explainer exists and its manifest reports
 *   `llmServedRate` ≥ {@link AUTO_MIN_SERVED_RATE}; otherwise the template is served at once and no model is loaded
 *   (the bundled SmolLM2-135M's answers fail the checks: measured in docs/llm.md).
 * - `always`: the model regardless: the endpoint, else an explicit `LLM_MODEL_PATH`, else the explainer, else the
 *   bundled GGUF.
 * - `never` (or `LLM_PROVIDER=none`): the template only.
 *
 * The explainer contract (written by `graphrec train-explainer`, explain/finetune): `.cache/models/graphrec-explainer/
 * manifest.json` = `{ model, base, createdAt, llmServedRate, verifiedRate, p50Ms, pairs, trainSeconds }`, the GGUF
 * beside it (`model` is its file name).
 *
 * @example
 * const policy = chooseExplainer(loadConfig());
 * policy.source; // 'template'
 * policy.reason; // 'explain.llm=auto: no model chosen …'
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULTS, type Config } from '../../core/config.ts';
import { log } from '../../core/log.ts';
import { fromRoot } from '../../core/paths.ts';
import type { GuardedLlm } from './client.ts';
import { createLlm } from './index.ts';

/** Folder of the fine-tuned explainer and its manifest (relative to the project root). */
export const EXPLAINER_DIR = '.cache/models/graphrec-explainer';
/** Under `auto`, the explainer is used when its measured served share reaches this. */
export const AUTO_MIN_SERVED_RATE = 0.5;

const ManifestSchema = z.object({
  model: z.string().min(1).regex(/^[^/\\]+$/, 'a file name in the explainer folder'),
  base: z.string(),
  createdAt: z.string(),
  llmServedRate: z.number().min(0).max(1),
  verifiedRate: z.number().min(0).max(1),
  p50Ms: z.number().min(0),
  pairs: z.number().int().min(0),
  trainSeconds: z.number().min(0),
});
export type ExplainerManifest = z.infer<typeof ManifestSchema>;

/** The explainer's manifest with the absolute path of its model, or undefined (none, unreadable, or its model is missing). */
export function readExplainerManifest(dir = fromRoot(EXPLAINER_DIR)): (ExplainerManifest & { modelPath: string }) | undefined {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      log.warn('explain: invalid explainer manifest; ignoring it', { file, reason: `${issue.path.join('.')}: ${issue.message}` });
      return undefined;
    }
    const manifest = parsed.data;
    const modelPath = path.join(dir, manifest.model);
    if (!existsSync(modelPath)) {
      log.warn('explain: the explainer manifest names a missing model; ignoring it', { file, model: manifest.model });
      return undefined;
    }
    return { ...manifest, modelPath };
  } catch (error) {
    log.warn('explain: unreadable explainer manifest; ignoring it', { file, reason: (error as Error).message });
    return undefined;
  }
}

export interface ExplainPolicy {
  /** `explain.llm` as configured. */
  mode: Config['explain']['llm'];
  /** Who writes explanations: the LLM (verified, template when an answer fails) or the template alone. */
  source: 'llm' | 'template';
  /** Why, in words (readiness detail, `fallbackReason` of template explanations). */
  reason: string;
  /** Provider and model when `source` is `llm` (e.g. `local:SmolLM2-135M-Instruct.Q4_1.gguf`). */
  model?: string;
}

export interface ChosenExplainer {
  policy: ExplainPolicy;
  /** The guarded LLM when `policy.source` is `llm` (loaded lazily on first use). */
  llm?: GuardedLlm;
}

/**
 * Decides the source (see the module comment) and creates the LLM client when one is used. `explainerDir` is for
 * tests; `llm: false` decides without creating a client (commands that never explain with it).
 */
export function chooseExplainer(cfg: Config, options: { explainerDir?: string; llm?: boolean } = {}): ChosenExplainer {
  const mode = cfg.explain.llm;
  const template = (reason: string): ChosenExplainer => ({ policy: { mode, source: 'template', reason } });
  if (mode === 'never') return template('explain.llm=never: the verified template is served');
  if (cfg.llm.provider === 'none') return template('LLM_PROVIDER=none: the verified template is served');
  const explicitPath = cfg.llm.modelPath !== DEFAULTS.llm.modelPath;
  const endpoint = cfg.llm.provider === 'openai' || (cfg.llm.provider === 'auto' && cfg.llm.baseUrl !== '');
  const explainer = readExplainerManifest(options.explainerDir);
  let llmCfg: Config['llm'] | undefined;
  let why: string;
  if (endpoint) {
    llmCfg = cfg.llm;
    why = `${mode === 'auto' ? 'LLM_BASE_URL is set' : 'explain.llm=always'}: the endpoint's verified answers are served`;
  } else if (explicitPath) {
    llmCfg = { ...cfg.llm, provider: 'local' };
    why = `${mode === 'auto' ? 'LLM_MODEL_PATH is set' : 'explain.llm=always'}: that model's verified answers are served`;
  } else if (explainer && (mode === 'always' || explainer.llmServedRate >= AUTO_MIN_SERVED_RATE)) {
    llmCfg = { ...cfg.llm, provider: 'local', modelPath: explainer.modelPath };
    why = `${mode === 'auto' ? `the fine-tuned explainer measured llmServedRate ${explainer.llmServedRate} ≥ ${AUTO_MIN_SERVED_RATE}` : 'explain.llm=always'}: its verified answers are served`;
  } else if (mode === 'always') {
    llmCfg = { ...cfg.llm, provider: cfg.llm.provider === 'auto' ? 'local' : cfg.llm.provider };
    why = 'explain.llm=always: the bundled model is asked; its answers are served only when verified';
  } else {
    const measured = explainer ? `the fine-tuned explainer measured llmServedRate ${explainer.llmServedRate} < ${AUTO_MIN_SERVED_RATE}` : 'no model was chosen and no fine-tuned explainer is trained';
    return template(`explain.llm=auto: ${measured}, and the bundled model's answers fail the checks (docs/llm.md); the verified template is served at once (GRAPHREC_EXPLAIN_LLM=always asks the model)`);
  }
  if (options.llm === false) return { policy: { mode, source: 'llm', reason: why } };
  const llm = createLlm(llmCfg);
  if (!llm) return template(`explain.llm=${mode}: no model available (${llmCfg.modelPath} missing); the verified template is served`);
  return { policy: { mode, source: 'llm', reason: why, model: llm.name }, llm };
}
