import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { demoSourceGraph } from '../../src/explain/finetune/graphs.ts';
import { generatePairs, isValidationUser, verifiedTargets, type TrainingPair } from '../../src/explain/finetune/pairs.ts';
import { explainerChatPrompt, isExplainerModel } from '../../src/explain/finetune/prompt.ts';
import type { Evidence } from '../../src/explain/evidence.ts';
import type { NameIndex } from '../../src/explain/grounding.ts';
import { chatmlText } from '../../src/explain/llm/chatml.ts';
import { verifyExplanation } from '../../src/explain/verify/verify.ts';

describe('explainer training pairs (demo catalogue)', () => {
  let pairs: TrainingPair[];
  let evidence: Map<TrainingPair, Evidence>;
  let names: NameIndex;
  const graph = demoSourceGraph();

  beforeAll(() => {
    ({ pairs, evidence, names } = generatePairs(graph, { maxUsers: 25, validationShare: 0.25 }));
  }, 120_000);

  it('every target is a text the serving gate verifies, for its own evidence', () => {
    const withTarget = pairs.filter((p) => p.target !== '');
    expect(withTarget.length).toBeGreaterThan(40);
    // Validation pairs keep their evidence: re-check them through the gate itself.
    let checked = 0;
    for (const [pair, ev] of evidence) {
      if (pair.target === '') continue;
      expect(verifyExplanation(pair.target, ev, names).ok, pair.target).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('re-derives and verifies training targets from the same evidence', () => {
    const rng = createRng(3);
    for (const ev of [...evidence.values()].slice(0, 5)) {
      for (const t of verifiedTargets(ev, names, rng, 6)) expect(verifyExplanation(t, ev, names).ok).toBe(true);
    }
  });

  it('varies the wording: many distinct sentence shapes, one or two sentences each', () => {
    const targets = pairs.map((p) => p.target).filter((t) => t !== '');
    // The shape of a target with names masked.
    const shapes = new Set(targets.map((t) => t.replace(/\*[^*]+\*/g, 'X').replace(/\d★/g, 'N★').replace(/[A-Z][a-z]+ [A-Z][a-z]+/g, 'E')));
    expect(shapes.size).toBeGreaterThan(10);
    const openings = new Set(targets.map((t) => t.replace(/\*[^*]+\*/g, 'X').split(' ').slice(0, 2).join(' ')));
    expect(openings.size).toBeGreaterThan(4);
    for (const t of targets) expect(t.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== '').length).toBeLessThanOrEqual(2);
    // Several facts merged in one target.
    expect(targets.some((t) => /, and |; /.test(t))).toBe(true);
  });

  it('holds out whole users: no validation user has a training pair', () => {
    const trainUsers = new Set(pairs.filter((p) => p.split === 'train').map((p) => p.user));
    const validUsers = new Set(pairs.filter((p) => p.split === 'validation').map((p) => p.user));
    expect(validUsers.size).toBeGreaterThan(0);
    for (const u of validUsers) expect(trainUsers.has(u)).toBe(false);
    for (const p of pairs) expect(p.split === 'validation').toBe(isValidationUser(p.user, 0.25));
  });

  it('prompts with exactly the serving prompt text, names only what the facts show', () => {
    for (const [pair, ev] of evidence) {
      const { prompt, facts } = explainerChatPrompt(ev);
      expect(pair.prompt).toBe(chatmlText(prompt));
      expect(pair.prompt.endsWith('<|im_start|>assistant\n')).toBe(true);
      for (const m of pair.target.matchAll(/\*[^*]+\*/g)) expect(facts.join(' ')).toContain(m[0]);
    }
  });
});

describe('isExplainerModel', () => {
  it('is true only for the GGUF its folder manifest names', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'explainer-'));
    expect(isExplainerModel(path.join(dir, 'm.gguf'))).toBe(false);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ model: 'm.gguf' }));
    expect(isExplainerModel(path.join(dir, 'm.gguf'))).toBe(true);
    expect(isExplainerModel(path.join(dir, 'other.gguf'))).toBe(false);
    writeFileSync(path.join(dir, 'manifest.json'), '{not json');
    expect(isExplainerModel(path.join(dir, 'm.gguf'))).toBe(false);
  });
});
