import { describe, expect, it } from 'vitest';
import { topKDense } from '../../src/core/top-k.ts';

/** A small seeded generator (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The reference: every kept candidate sorted by score descending, ties to the lower id, the first k. */
function reference(candidates: Uint32Array, scores: Float64Array, k: number, mask?: Uint8Array): number[] {
  return Array.from(candidates)
    .filter((v) => (!mask || mask[v] !== 0) && scores[v]! > -Infinity)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, Math.max(k, 0));
}

describe('topKDense', () => {
  it('equals a full sort for negative, tied, non-finite and masked scores, whatever k', () => {
    const next = rng(7);
    for (let round = 0; round < 400; round++) {
      const n = 1 + Math.floor(next() * 300);
      const scores = new Float64Array(n);
      for (let v = 0; v < n; v++) {
        const x = next();
        // Few distinct values (ties), some negative, some −Infinity or NaN.
        scores[v] = x < 0.05 ? -Infinity : x < 0.08 ? NaN : Math.round((next() - 0.4) * 8) / 2;
      }
      const candidates = Uint32Array.from({ length: Math.floor(next() * n) + 1 }, () => Math.floor(next() * n)).filter((v, i, all) => all.indexOf(v) === i);
      const mask = next() < 0.5 ? Uint8Array.from({ length: n }, () => (next() < 0.7 ? 1 : 0)) : undefined;
      const k = Math.floor(next() * (candidates.length + 3));
      const got = topKDense(candidates, scores, k, mask);
      const want = reference(candidates, scores, k, mask);
      expect(Array.from(got.ids)).toEqual(want);
      expect(Array.from(got.scores)).toEqual(want.map((v) => scores[v]!));
    }
  });
});
