import { describe, expect, it } from 'vitest';
import { ItemKnn, MostPopular, Rp3Beta } from '../../src/evaluate/baselines.ts';

// u0: {0, 1}   u1: {0, 1, 2}   u2: {2}
const train = { nUsers: 3, nItems: 3, users: Int32Array.of(0, 0, 1, 1, 1, 2), items: Int32Array.of(0, 1, 0, 1, 2, 2) };

describe('evaluate/baselines', () => {
  it('most popular scores by training count', () => {
    const m = new MostPopular(train);
    expect(Array.from(m.scoreAll(Int32Array.of(2)))).toEqual([2, 2, 2]);
    expect(Array.from(m.score(Int32Array.of(0, 1), Int32Array.of(2, 0)))).toEqual([2, 2]);
  });

  it('item-kNN cosine: hand-computed similarities', () => {
    const m = new ItemKnn(train);
    // sim(0,1) = 2/√(2·2) = 1, sim(0,2) = sim(1,2) = 1/√(2·2) = 0.5
    const s = m.scoreAll(Int32Array.of(2, 0));
    expect(Array.from(s.subarray(0, 3))).toEqual([0.5, 0.5, 0]);
    expect(Array.from(s.subarray(3, 6))).toEqual([1, 1, 1]);
    expect(m.score(Int32Array.of(0), Int32Array.of(2))[0]).toBe(1);
    // one neighbour per target: N(0) = {1}, N(1) = {0} (tie with 2 broken by index), N(2) = {0}
    const pruned = new ItemKnn(train, { neighbours: 1 });
    expect(Array.from(pruned.scoreAll(Int32Array.of(0)))).toEqual([1, 1, 0.5]);
    expect(Array.from(pruned.scoreAll(Int32Array.of(2)))).toEqual([0, 0, 0]);
  });

  it('RP3β: hand-computed walk probabilities, β dividing by popularity', () => {
    // W(2,0) = (1/|U_2|) · Σ_{u ∈ U_2 ∩ U_0} 1/|I_u| = 1/2 · 1/3
    const p3 = new Rp3Beta(train, { alpha: 1, beta: 0 });
    const s = p3.scoreAll(Int32Array.of(2));
    expect(s[0]).toBeCloseTo(1 / 6, 6);
    expect(s[1]).toBeCloseTo(1 / 6, 6);
    // u0 = {0, 1}: item 2 gets W(0,2) + W(1,2) = 1/2·1/3 + 1/2·1/3
    expect(p3.scoreAll(Int32Array.of(0))[2]).toBeCloseTo(1 / 3, 6);
    const rp3 = new Rp3Beta(train, { alpha: 1, beta: 1 });
    expect(rp3.scoreAll(Int32Array.of(2))[0]).toBeCloseTo(1 / 6 / 2, 6);
  });

  it('rejects bad options with BAD_REQUEST', () => {
    expect(() => new ItemKnn(train, { neighbours: 0 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => new Rp3Beta(train, { alpha: -1 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
