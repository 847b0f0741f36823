/**
 * The fine-tuned explainer that `graphrec train-explainer` writes (.cache/models/graphrec-explainer/, not in the
 * repository: the test says so and skips when it is absent), served the way `npm start` serves it: `createLlm` sees the
 * manifest, runs the GGUF with its raw ChatML prompt, and `explainEvidence` gates every answer with the verifier.
 * On demo-catalogue validation users (never trained on): the model answers (no provider error), and every text served
 * as `llm` is verified.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.ts';
import { fromRoot } from '../../../src/core/paths.ts';
import { explainEvidence } from '../../../src/explain/explain.ts';
import { demoSourceGraph } from '../../../src/explain/finetune/graphs.ts';
import { generatePairs } from '../../../src/explain/finetune/pairs.ts';
import { EXPLAINER_PROMPT, isExplainerModel } from '../../../src/explain/finetune/prompt.ts';
import { TRAIN_EXPLAINER_DEFAULTS } from '../../../src/explain/finetune/train.ts';
import { createLlm } from '../../../src/explain/llm/index.ts';
import { verifyExplanation } from '../../../src/explain/verify/verify.ts';

const modelPath = fromRoot(path.join(TRAIN_EXPLAINER_DEFAULTS.out, 'graphrec-explainer.gguf'));
const present = existsSync(modelPath) && isExplainerModel(modelPath);
if (!present) console.warn(`[graphrec] no fine-tuned explainer at ${modelPath}: run \`npx graphrec train-explainer\` (≈ 1 h) to test it`);

describe.skipIf(!present)('the fine-tuned explainer through the serving gate', () => {
  const llm = present ? createLlm(loadConfig({ overrides: { llm: { provider: 'local', modelPath, timeoutMs: 60_000 } } }).llm)! : undefined;
  afterAll(async () => llm?.close());

  it('is prompted with its training prompt and serves only verified texts', async () => {
    expect(llm!.promptName).toBe(EXPLAINER_PROMPT);
    const { pairs, evidence, names } = generatePairs(demoSourceGraph(), { maxUsers: 60, validationShare: 0.2 });
    const cases = pairs.filter((p) => p.split === 'validation').slice(0, 6);
    expect(cases.length).toBeGreaterThan(0);
    for (const pair of cases) {
      const ev = evidence.get(pair)!;
      const ex = await explainEvidence({ llm: llm!, names }, ev);
      expect(ex.fallbackReason ?? '').not.toMatch(/^llm:/);
      if (ex.source === 'llm') expect(verifyExplanation(ex.text, ev, names).ok, ex.text).toBe(true);
    }
  }, 300_000);
});
