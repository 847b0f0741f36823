import { describe, expect, it } from 'vitest';
import { computeMetrics, METRICS, type RankingInput } from '../../src/evaluate/metrics.ts';
import { rankTopK, topKRow } from '../../src/evaluate/ranking.ts';
import type { Recommender } from '../../src/compute/lightgcn/types.ts';

// Two users, lists of depth 3 over 10 items.
// user row 0: ranked [5, 2, 7], test {2, 9}  → one hit at rank 2
// user row 1: ranked [1, 4, −1], test {1}    → one hit at rank 1
const input: RankingInput = {
  users: Int32Array.of(0, 1),
  depth: 3,
  topK: Int32Array.of(5, 2, 7, 1, 4, -1),
  truthIndptr: Int32Array.of(0, 2, 3),
  truthIndices: Int32Array.of(2, 9, 1),
  nItems: 10,
  nUsers: 8,
  itemPopularity: Float64Array.of(0, 4, 2, 0, 1, 8, 0, 3, 0, 0),
};

describe('evaluate/metrics on hand-computed lists', () => {
  it('recall, precision, ndcg, mrr, hit @3', () => {
    const m = computeMetrics(input, [3], ['recall', 'precision', 'ndcg', 'mrr', 'hit']);
    expect(m['recall@3']).toBeCloseTo((1 / 2 + 1) / 2, 10);
    expect(m['precision@3']).toBeCloseTo((1 / 3 + 1 / 3) / 2, 10);
    // user 0: DCG = 1/log2(3); IDCG over min(|T|=2, 3) = 2 positions = 1 + 1/log2(3); user 1: 1
    const u0 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
    expect(m['ndcg@3']).toBeCloseTo((u0 + 1) / 2, 10);
    expect(m['ndcg@3']).toBeCloseTo(0.6934264036, 8);
    expect(m['mrr@3']).toBeCloseTo((1 / 2 + 1) / 2, 10);
    expect(m['hit@3']).toBe(1);
  });

  it('cuts at K=1', () => {
    const m = computeMetrics(input, [1], ['recall', 'precision', 'ndcg', 'mrr', 'hit', 'coverage']);
    expect(m).toEqual({ 'recall@1': 0.5, 'precision@1': 0.5, 'ndcg@1': 0.5, 'mrr@1': 0.5, 'hit@1': 0.5, 'coverage@1': 0.2 });
  });

  it('coverage, novelty and average recommendation popularity @3', () => {
    const m = computeMetrics(input, [3], ['coverage', 'novelty', 'arp']);
    expect(m['coverage@3']).toBeCloseTo(5 / 10, 10);
    expect(m['arp@3']).toBeCloseTo((13 / 3 + 5 / 2) / 2, 10);
    const nov0 = (0 + 2 + -Math.log2(3 / 8)) / 3;
    const nov1 = (1 + 3) / 2;
    expect(m['novelty@3']).toBeCloseTo((nov0 + nov1) / 2, 10);
  });

  it('tells |T| from min(|T|, K): a user with more test items than K and hits', () => {
    // one user, test {1, 2, 3, 4, 5} (|T| = 5), ranked [1, 9, 2, 8]: hits at ranks 1 and 3
    const many: RankingInput = { ...input, users: Int32Array.of(0), depth: 4, topK: Int32Array.of(1, 9, 2, 8), truthIndptr: Int32Array.of(0, 5), truthIndices: Int32Array.of(1, 2, 3, 4, 5) };
    const m = computeMetrics(many, [2, 3], ['recall', 'ndcg', 'precision']);
    // recall divides by |T| = 5 (not by min(|T|, K) = 2 or 3)
    expect(m['recall@2']).toBeCloseTo(1 / 5, 12);
    expect(m['recall@3']).toBeCloseTo(2 / 5, 12);
    expect(m['precision@3']).toBeCloseTo(2 / 3, 12);
    // NDCG's ideal DCG spans min(|T|, K) positions (not |T| = 5): @2 → 1 / (1 + 1/log2 3); @3 → (1 + 1/2) / (1 + 1/log2 3 + 1/2)
    const d = (r: number) => 1 / Math.log2(r + 1);
    expect(m['ndcg@2']).toBeCloseTo(1 / (d(1) + d(2)), 12);
    expect(m['ndcg@3']).toBeCloseTo((d(1) + d(3)) / (d(1) + d(2) + d(3)), 12);
    expect(m['ndcg@3']).not.toBeCloseTo((d(1) + d(3)) / (d(1) + d(2) + d(3) + d(4) + d(5)), 3);
  });

  it('registers every metric by name with one signature', () => {
    expect(Object.keys(METRICS).sort()).toEqual(['arp', 'coverage', 'hit', 'mrr', 'ndcg', 'novelty', 'precision', 'recall']);
  });

  it('rejects unknown metrics and K beyond the ranked depth', () => {
    expect(() => computeMetrics(input, [3], ['auc'])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => computeMetrics(input, [4], ['recall'])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('evaluate/ranking', () => {
  it('topKRow keeps the k best, lower index first on ties, and skips masked items', () => {
    const scores = Float32Array.of(0.5, 0.9, -Infinity, 0.9, 0.1, 0.7);
    const out = new Int32Array(4);
    topKRow(scores, 0, 6, 4, out, 0);
    expect(Array.from(out)).toEqual([1, 3, 5, 0]);
    const short = new Int32Array(3);
    topKRow(Float32Array.of(-Infinity, 2, Number.NaN), 0, 3, 3, short, 0);
    expect(Array.from(short)).toEqual([1, -1, -1]);
  });

  it('rankTopK masks each user’s training items', () => {
    const fixed: Recommender = {
      nUsers: 2,
      nItems: 4,
      score: () => new Float32Array(0),
      scoreAll: (users, out = new Float32Array(users.length * 4)) => {
        users.forEach((_, r) => out.set([4, 3, 2, 1], r * 4));
        return out;
      },
    };
    const exclude = { indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(0, 0, 2) };
    expect(Array.from(rankTopK(fixed, Int32Array.of(0, 1), 2, exclude, { blockSize: 1 }))).toEqual([1, 2, 1, 3]);
  });
});
