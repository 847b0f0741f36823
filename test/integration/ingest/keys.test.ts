/**
 * The 64-bit relationship keys (`tupleKey`, behind `interactionKey`/`knowledgeKey`): deterministic, sensitive to where
 * one part ends and the next begins, and spread like random 64-bit values over the structured ids datasets use (no
 * collision among 600,000 keys; each 32-bit half collides about as often as the birthday bound predicts).
 */
import { describe, expect, it } from 'vitest';
import { interactionKey, knowledgeKey, tupleKey } from '../../../src/store/neo4j-graph-store.ts';

describe('relationship keys', () => {
  it('are deterministic and depend on every part and on part boundaries', () => {
    expect(tupleKey(['u1', 'i1', 'rating']).equals(tupleKey(['u1', 'i1', 'rating']))).toBe(true);
    expect(interactionKey('u1', 'i1', 'rating').equals(tupleKey(['u1', 'i1', 'rating']))).toBe(true);
    expect(tupleKey(['ab', 'c']).equals(tupleKey(['a', 'bc']))).toBe(false);
    expect(tupleKey(['a', '']).equals(tupleKey(['', 'a']))).toBe(false);
    expect(tupleKey(['u1', 'i1', 'rating']).equals(tupleKey(['u1', 'i1', 'click']))).toBe(false);
    const k = { headKind: 'Item', headId: 'i1', relation: 'director', tailKind: 'Entity', tailId: 'e1' } as const;
    expect(knowledgeKey(k).equals(knowledgeKey({ ...k, relation: 'writer' }))).toBe(false);
    expect(knowledgeKey(k).equals(knowledgeKey({ ...k, tailKind: 'Item' }))).toBe(false);
  });

  it('do not collide on 600,000 structured keys, and each half behaves like a random 32-bit value', () => {
    const n = 600_000;
    const full = new BigUint64Array(n);
    const low = new Uint32Array(n);
    const high = new Uint32Array(n);
    let at = 0;
    for (let u = 1; u <= 600; u++) {
      for (let i = 1; i <= 500; i++) {
        for (const kind of ['rating', 'click']) {
          const key = interactionKey(`ml100k:u:${u}`, `ml100k:i:${i}`, kind);
          low[at] = key.low >>> 0;
          high[at] = key.high >>> 0;
          full[at] = (BigInt(key.high >>> 0) << 32n) | BigInt(key.low >>> 0);
          at++;
        }
      }
    }
    expect(at).toBe(n);
    const repeats = (a: Uint32Array | BigUint64Array) => {
      a.sort();
      let r = 0;
      for (let k = 1; k < a.length; k++) if (a[k] === a[k - 1]) r++;
      return r;
    };
    expect(repeats(full)).toBe(0);
    // Birthday bound for n values in 2^32: n²/2^33 ≈ 41.9 expected repeats (standard deviation ≈ 6.5).
    for (const half of [low, high]) {
      const r = repeats(half);
      expect(r).toBeGreaterThan(15);
      expect(r).toBeLessThan(75);
    }
  });
});
