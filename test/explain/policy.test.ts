import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.ts';
import { chooseExplainer, readExplainerManifest } from '../../src/explain/llm/policy.ts';

const root = mkdtempSync(path.join(tmpdir(), 'graphrec-policy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An explainer folder with a manifest (and its model file unless `withModel` is false). */
function explainer(name: string, servedRate: number, withModel = true): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const manifest = { model: 'explainer.gguf', base: 'SmolLM2-135M-Instruct', createdAt: '2026-12-04T00:00:00Z', llmServedRate: servedRate, verifiedRate: 1, p50Ms: 900, pairs: 2000, trainSeconds: 1800 };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  if (withModel) writeFileSync(path.join(dir, 'explainer.gguf'), 'not a real model: the policy only decides, it never loads it');
  return dir;
}
const none = path.join(root, 'absent');
const cfgOf = (env: Record<string, string>) => loadConfig({ env, file: '' });

describe('explanation source policy (explain.llm)', () => {
  it('reads GRAPHREC_EXPLAIN_LLM, auto by default, and refuses other values', () => {
    expect(cfgOf({}).explain.llm).toBe('auto');
    expect(cfgOf({ GRAPHREC_EXPLAIN_LLM: 'always' }).explain.llm).toBe('always');
    expect(() => cfgOf({ GRAPHREC_EXPLAIN_LLM: 'sometimes' })).toThrowError(expect.objectContaining({ code: 'CONFIG' }));
  });

  it('auto serves the template at once when no model was chosen and no good explainer exists', () => {
    const chosen = chooseExplainer(cfgOf({}), { explainerDir: none });
    expect(chosen.llm).toBeUndefined();
    expect(chosen.policy).toMatchObject({ mode: 'auto', source: 'template' });
    expect(chosen.policy.reason).toMatch(/no model was chosen.*bundled model's answers fail the checks/);
    const weak = chooseExplainer(cfgOf({}), { explainerDir: explainer('weak', 0.3) });
    expect(weak.policy).toMatchObject({ source: 'template' });
    expect(weak.policy.reason).toMatch(/llmServedRate 0.3 < 0.5/);
  });

  it('auto uses the LLM when one is set explicitly or the explainer measured a served rate ≥ 0.5', () => {
    const endpoint = chooseExplainer(cfgOf({ LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_MODEL: 'm' }), { explainerDir: none });
    expect(endpoint.policy).toMatchObject({ source: 'llm', model: 'openai:m' });
    expect(endpoint.policy.reason).toMatch(/LLM_BASE_URL is set/);
    const good = explainer('good', 0.62);
    const chosen = chooseExplainer(cfgOf({}), { explainerDir: good, llm: false });
    expect(chosen.policy).toMatchObject({ source: 'llm' });
    expect(chosen.policy.reason).toMatch(/llmServedRate 0.62 ≥ 0.5/);
    const path_ = chooseExplainer(cfgOf({ LLM_MODEL_PATH: '/models/other.gguf' }), { explainerDir: none, llm: false });
    expect(path_.policy.reason).toMatch(/LLM_MODEL_PATH is set/);
  });

  it('always asks a model (explainer before the bundled one); never and LLM_PROVIDER=none never do', () => {
    const weak = explainer('weak-always', 0.1);
    expect(chooseExplainer(cfgOf({ GRAPHREC_EXPLAIN_LLM: 'always' }), { explainerDir: weak, llm: false }).policy).toMatchObject({ mode: 'always', source: 'llm' });
    expect(chooseExplainer(cfgOf({ GRAPHREC_EXPLAIN_LLM: 'always' }), { explainerDir: none, llm: false }).policy.reason).toMatch(/bundled model is asked/);
    expect(chooseExplainer(cfgOf({ GRAPHREC_EXPLAIN_LLM: 'never', LLM_BASE_URL: 'http://127.0.0.1:9/v1' }), { explainerDir: weak }).policy).toMatchObject({ source: 'template' });
    expect(chooseExplainer(cfgOf({ GRAPHREC_EXPLAIN_LLM: 'always', LLM_PROVIDER: 'none' }), { explainerDir: weak }).policy).toMatchObject({ source: 'template' });
  });

  it('ignores a manifest whose model is missing or whose fields are wrong', () => {
    expect(readExplainerManifest(explainer('no-model', 0.9, false))).toBeUndefined();
    const bad = explainer('bad', 0.9);
    writeFileSync(path.join(bad, 'manifest.json'), JSON.stringify({ model: '../escape.gguf', llmServedRate: 2 }));
    expect(readExplainerManifest(bad)).toBeUndefined();
    expect(readExplainerManifest(explainer('ok', 0.7))).toMatchObject({ llmServedRate: 0.7, modelPath: path.join(root, 'ok', 'explainer.gguf') });
  });
});

describe('the engine serves as the policy says', () => {
  it('gives the policy reason as fallbackReason, the interaction kind to the evidence, and the chosen style', async () => {
    const { Engine } = await import('../../src/engine/engine.ts');
    const { MOVIE_LABELS, MOVIES } = await import('./fixtures.ts');
    const labels = new Map(Object.entries(MOVIE_LABELS));
    const { policy } = chooseExplainer(cfgOf({}), { explainerDir: none });
    const engine = new Engine({ csr: MOVIES, labels, explainPolicy: policy, interactionKind: { kind: 'listen', rated: false } });
    expect(engine.explainPolicy).toEqual(policy);
    const { evidence, explanation } = await engine.explain({ user: 'ann', item: 'blade' }, 'text');
    expect(explanation).toMatchObject({ source: 'template', fallbackReason: policy.reason });
    expect(evidence!.subgraph.edges.filter((e) => e.relation === 'INTERACTED').every((e) => e.kind === 'listen' && e.rating === undefined)).toBe(true);
    expect(explanation!.text).toMatch(/which you listened to/);
    expect(`${explanation!.text} ${explanation!.facts.join(' ')}`).not.toMatch(/★|\brated\b/);
    const full = await engine.explain({ user: 'ann', item: 'blade' }, 'text', undefined, { style: 'full' });
    expect(full.explanation!.text).toBe(full.explanation!.facts.join(' '));
  });
});
