import { describe, expect, it } from 'vitest';
import { Ease, invertSpdInPlace, ItemKnn, Rp3Beta } from '../../src/evaluate/baselines.ts';
import { itemPopularity } from '../../src/compute/popularity.ts';

// u0: {0, 1}   u1: {0, 1, 2}   u2: {2}
const train = { nUsers: 3, nItems: 3, users: Int32Array.of(0, 0, 1, 1, 1, 2), items: Int32Array.of(0, 1, 0, 1, 2, 2) };

describe('evaluate/baselines', () => {
  it('popularity counts training pairs per item (the one definition, compute/popularity)', () => {
    expect(Array.from(itemPopularity(train))).toEqual([2, 2, 2]);
    expect(Array.from(itemPopularity({ ...train, items: Int32Array.of(0, 0, 0, 1, 1, 2) }))).toEqual([3, 2, 1]);
  });

  it('inverts a symmetric positive definite matrix in place', () => {
    const a = Float64Array.of(4, 1, 0, 1, 3, 1, 0, 1, 2);
    const orig = Float64Array.from(a);
    invertSpdInPlace(a, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += orig[i * 3 + k]! * a[k * 3 + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    expect(() => invertSpdInPlace(Float64Array.of(0, 1, 1, 0), 2)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('EASE^R: B = −P/diag(P) with a zero diagonal, hand-checked on a 3-item example', () => {
    const lambda = 1;
    const m = new Ease(train, { lambda });
    // G = XᵀX + λI for u0 {0,1}, u1 {0,1,2}, u2 {2}: [[3,2,1],[2,3,1],[1,1,3]]
    const g = Float64Array.of(3, 2, 1, 2, 3, 1, 1, 1, 3);
    invertSpdInPlace(g, 3);
    const b = (i: number, j: number) => (i === j ? 0 : -g[i * 3 + j]! / g[j * 3 + j]!);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(m.weights[i * 3 + j]).toBeCloseTo(b(i, j), 6);
    // score(u2, j) = B[2, j]; score(u0, j) = B[0, j] + B[1, j]
    const s = m.scoreAll(Int32Array.of(2, 0));
    for (let j = 0; j < 3; j++) {
      expect(s[j]).toBeCloseTo(b(2, j), 6);
      expect(s[3 + j]).toBeCloseTo(b(0, j) + b(1, j), 6);
    }
    // items below the count threshold are not modelled and score 0
    const few = new Ease({ ...train, users: Int32Array.of(0, 0, 1, 1, 2), items: Int32Array.of(0, 1, 0, 1, 2) }, { lambda, minItemCount: 2 });
    expect(Array.from(few.modelled)).toEqual([0, 1]);
    expect(few.scoreAll(Int32Array.of(0))[2]).toBe(0);
    expect(() => new Ease(train, { lambda: 0 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('item-kNN cosine: hand-computed similarities', () => {
    const plain = { normalize: false, averageBias: false };
    const m = new ItemKnn(train, { shrink: 0, ...plain });
    // sim(0,1) = 2/√(2·2) = 1, sim(0,2) = sim(1,2) = 1/√(2·2) = 0.5
    const s = m.scoreAll(Int32Array.of(2, 0));
    expect(Array.from(s.subarray(0, 3))).toEqual([0.5, 0.5, 0]);
    expect(Array.from(s.subarray(3, 6))).toEqual([1, 1, 1]);
    expect(m.score(Int32Array.of(0), Int32Array.of(2))[0]).toBe(1);
    // one neighbour per target: N(0) = {1}, N(1) = {0} (tie with 2 broken by index), N(2) = {0}
    // shrinkage: sim(i, j) = |U_i ∩ U_j| / (√(|U_i|·|U_j|) + shrink) → sim(0,1) = 2/(2+2), sim(0,2) = 1/(2+2)
    const shrunk = new ItemKnn(train, { shrink: 2, ...plain });
    expect(Array.from(shrunk.scoreAll(Int32Array.of(2)))).toEqual([0.25, 0.25, 0]);
    const pruned = new ItemKnn(train, { neighbours: 1, shrink: 0, ...plain });
    expect(Array.from(pruned.scoreAll(Int32Array.of(0)))).toEqual([1, 1, 0.5]);
    expect(Array.from(pruned.scoreAll(Int32Array.of(2)))).toEqual([0, 0, 0]);
  });

  it('item-kNN normalized weighted sum and average bias (BARS ItemCF scoring): hand-computed', () => {
    // N(0) = {1: 1, 2: 0.5} → {2/3, 1/3}; N(1) = {0: 2/3, 2: 1/3}; N(2) = {0: 1/2, 1: 1/2}
    const m = new ItemKnn(train, { shrink: 0, normalize: true, averageBias: false });
    const s = m.scoreAll(Int32Array.of(2, 0));
    [1 / 3, 1 / 3, 0, 2 / 3, 2 / 3, 1].forEach((x, k) => expect(s[k]).toBeCloseTo(x, 6));
    // equal popularity: the bias μ_j − Σ_i w_ij μ_i is 0 for every item
    const unbiased = new ItemKnn(train, { shrink: 0, normalize: true, averageBias: true }).scoreAll(Int32Array.of(2));
    [1 / 3, 1 / 3, 0].forEach((x, k) => expect(unbiased[k]).toBeCloseTo(x, 6));
    // u0 {0, 1}, u1 {0, 2}, u2 {0}: sim(0,1) = sim(0,2) = 1/√3, sim(1,2) = 0; μ = [1, 1/3, 1/3]
    // bias: item 0: 1 − (½·⅓ + ½·⅓) = ⅔, items 1 and 2: ⅓ − 1·1 = −⅔
    const skewed = { nUsers: 3, nItems: 3, users: Int32Array.of(0, 0, 1, 1, 2), items: Int32Array.of(0, 1, 0, 2, 0) };
    const biased = new ItemKnn(skewed, { shrink: 0, normalize: true, averageBias: true });
    const b = biased.scoreAll(Int32Array.of(2));
    [2 / 3, 1 / 3, 1 / 3].forEach((x, k) => expect(b[k]).toBeCloseTo(x, 6));
    expect(biased.score(Int32Array.of(2, 2), Int32Array.of(0, 1))[0]).toBeCloseTo(2 / 3, 6);
    expect(biased.score(Int32Array.of(2, 2), Int32Array.of(0, 1))[1]).toBeCloseTo(1 / 3, 6);
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
