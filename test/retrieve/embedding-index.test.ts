import { describe, expect, it } from 'vitest';
import { buildCsr, INTERACTION_RELATION } from '../../src/project/csr.ts';
import { createEmbeddingIndex, embeddingTopK, foldInFromItems, itemRowsOf } from '../../src/retrieve/embedding-index.ts';
import { TopKHeap, topKDense } from '../../src/retrieve/top-k.ts';

const index = createEmbeddingIndex({
  dim: 2,
  itemKeys: ['Item:a', 'Item:b', 'Item:c'],
  itemVectors: Float32Array.of(3, 4, 1, 0, 0, 2),
  userKeys: ['User:u'],
  userVectors: Float32Array.of(1, 1),
});

describe('embedding index', () => {
  it('ranks by dot product and by cosine', () => {
    // dot with (1, 1): a 7, b 1, c 2; cosine: a 7/(5√2), b 1/√2, c 2/(2√2).
    expect(embeddingTopK(index, Float32Array.of(1, 1), 3).map((r) => [r.key, r.score])).toEqual([['Item:a', 7], ['Item:c', 2], ['Item:b', 1]]);
    const cos = embeddingTopK(index, Float32Array.of(1, 1), 2, { metric: 'cosine' });
    expect(cos.map((r) => r.key)).toEqual(['Item:a', 'Item:b']);
    expect(cos[0]!.score).toBeCloseTo(7 / (5 * Math.SQRT2), 6);
    expect(embeddingTopK(index, Float32Array.of(1, 1), 3, { keep: (row) => row !== 0 }).map((r) => r.key)).toEqual(['Item:c', 'Item:b']);
    expect(index.userVector('User:u')).toEqual(Float32Array.of(1, 1));
    expect(index.userVector('User:v')).toBeUndefined();
  });

  it('folds a user in as the weighted mean of item vectors', () => {
    expect(foldInFromItems(index, [0, 2])).toEqual(Float32Array.of(1.5, 3));
    expect(foldInFromItems(index, [0, -1, 1], [1, 5, 3])).toEqual(Float32Array.of(1.5, 1));
    expect(foldInFromItems(index, [-1])).toBeUndefined();
  });

  it('maps item keys onto CSR nodes under either id convention', () => {
    const csr = buildCsr({
      ids: ['User:u', 'Item:b', 'Item:a', 'Item:z'],
      kinds: [0, 1, 1, 1],
      relations: [INTERACTION_RELATION],
      edges: { src: new Uint32Array(0), dst: new Uint32Array(0), weight: new Float32Array(0), relation: new Uint16Array(0) },
    });
    expect(Array.from(itemRowsOf(index, csr))).toEqual([-1, 1, 0, -1]);
    const plain = createEmbeddingIndex({ dim: 2, itemKeys: ['b'], itemVectors: Float32Array.of(1, 1) });
    expect(Array.from(itemRowsOf(plain, csr))).toEqual([-1, 0, -1, -1]);
  });

  it('guards shapes', () => {
    expect(() => createEmbeddingIndex({ dim: 2, itemKeys: ['a'], itemVectors: Float32Array.of(1) })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createEmbeddingIndex({ dim: 0, itemKeys: [], itemVectors: new Float32Array(0) })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createEmbeddingIndex({ dim: 1, itemKeys: ['a'], itemVectors: Float32Array.of(NaN) })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => embeddingTopK(index, Float32Array.of(1), 1)).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('top-k heap', () => {
  it('keeps the k best, ties to the lower id, and skips −Infinity/NaN', () => {
    const heap = new TopKHeap(3);
    [[7, 0.5], [3, 0.9], [1, 0.5], [9, -Infinity], [4, NaN], [2, 0.1], [0, 0.5]].forEach(([id, s]) => heap.push(id!, s!));
    const { ids, scores } = heap.drain();
    expect(Array.from(ids)).toEqual([3, 0, 1]);
    expect(Array.from(scores)).toEqual([0.9, 0.5, 0.5]);
    const dense = Float64Array.of(1, 5, 3, 5, -Infinity);
    expect(Array.from(topKDense(Uint32Array.of(0, 1, 2, 3, 4), dense, 10, Uint8Array.of(1, 1, 1, 0, 1)).ids)).toEqual([1, 2, 0]);
    expect(new TopKHeap(0).push(1, 1)).toBe(false);
  });
});
