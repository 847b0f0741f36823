import { describe, expect, it } from 'vitest';
import { INTERACTION_RELATION } from '../../src/project/csr.ts';
import { createRecommendContext } from '../../src/retrieve/context.ts';
import { createEmbeddingIndex, itemRowsOf } from '../../src/retrieve/embedding-index.ts';
import { foldInItems } from '../../src/retrieve/item-fold-in.ts';
import { recommend } from '../../src/retrieve/recommend.ts';
import { tinyCsr } from '../explain/fixtures.ts';

// u rated a and b. c has no interactions (its trained vector is noise) and shares director x with a; d is not in the
// artifact and stars y, like a and b; e has no interactions and no knowledge neighbour.
const I = INTERACTION_RELATION;
const csr = tinyCsr(
  [
    ['User:u', 0],
    ['Item:a', 1],
    ['Item:b', 1],
    ['Item:c', 1],
    ['Item:d', 1],
    ['Item:e', 1],
    ['Entity:x', 2],
    ['Entity:y', 2],
  ],
  [I, 'director', 'starring'],
  [
    ['User:u', 'Item:a', I, 5],
    ['User:u', 'Item:b', I, 4],
    ['Item:a', 'Entity:x', 'director', 1],
    ['Item:c', 'Entity:x', 'director', 1],
    ['Item:a', 'Entity:y', 'starring', 1],
    ['Item:b', 'Entity:y', 'starring', 1],
    ['Item:d', 'Entity:y', 'starring', 1],
  ],
);
const trained = createEmbeddingIndex({
  dim: 2,
  itemKeys: ['Item:a', 'Item:b', 'Item:c', 'Item:e'],
  itemVectors: Float32Array.of(1, 0, 0, 1, 9, 9, 7, 7),
  userKeys: ['User:u'],
  userVectors: Float32Array.of(1, 1),
});

/** Users per item, as the context counts them (its `popularity`). */
const usersPerItem = (graph: typeof csr) => createRecommendContext(graph).popularity;

function vectorOf(index: ReturnType<typeof foldInItems>, key: string): number[] {
  const row = itemRowsOf(index, csr)[csr.index.get(key)!]!;
  return row < 0 ? [] : [...index.itemVectors.subarray(row * 2, row * 2 + 2)];
}

describe('item fold-in from knowledge neighbours', () => {
  const folded = foldInItems(trained, csr, usersPerItem(csr));

  it('keeps learned vectors and replaces the untrained vector of an item without interactions', () => {
    expect(vectorOf(folded, 'Item:a')).toEqual([1, 0]);
    expect(vectorOf(folded, 'Item:b')).toEqual([0, 1]);
    // c's only neighbour through director x (degree 2) is a.
    expect(vectorOf(folded, 'Item:c')).toEqual([1, 0]);
  });

  it('adds a vector for an item missing from the artifact: the entity-weighted mean of its neighbours', () => {
    // d stars y with a and b (y has degree 3): (a + b) / 2.
    expect(vectorOf(folded, 'Item:d')).toEqual([0.5, 0.5]);
    expect(folded.itemKeys).toHaveLength(5);
  });

  it('zeroes the untrained vector of an item with no neighbour, and returns the index unchanged when nothing is missing', () => {
    expect(vectorOf(folded, 'Item:e')).toEqual([0, 0]);
    const pair = createEmbeddingIndex({ dim: 2, itemKeys: ['Item:a', 'Item:b'], itemVectors: Float32Array.of(1, 0, 0, 1) });
    const pairGraph = tinyCsr([['User:u', 0], ['Item:a', 1], ['Item:b', 1]], [I], [['User:u', 'Item:a', I, 1], ['User:u', 'Item:b', I, 1]]);
    expect(foldInItems(pair, pairGraph, usersPerItem(pairGraph))).toBe(pair);
    const complete = createEmbeddingIndex({ dim: 2, itemKeys: ['Item:a', 'Item:b', 'Item:c', 'Item:d', 'Item:e'], itemVectors: new Float32Array(10).fill(1) });
    const allRated = tinyCsr(
      [['User:u', 0], ['Item:a', 1], ['Item:b', 1], ['Item:c', 1], ['Item:d', 1], ['Item:e', 1]],
      [I],
      ['a', 'b', 'c', 'd', 'e'].map((x): [string, string, string, number] => ['User:u', `Item:${x}`, I, 1]),
    );
    expect(foldInItems(complete, allRated, usersPerItem(allRated))).toBe(complete);
  });

  it('lets the served embedding strategy rank the new item by its neighbours, never the untrained noise', () => {
    const ctx = createRecommendContext(csr, { embeddings: trained });
    const ids = recommend(ctx, { user: 'User:u', k: 3, strategy: 'embedding' }).items.map((i) => i.id);
    // Unfolded, c (9, 9) and e (7, 7) would win on noise; folded, c = a's vector and d = (a + b) / 2 score 1 each, e 0.
    expect(ids.slice(0, 2).sort()).toEqual(['c', 'd']);
  });
});
