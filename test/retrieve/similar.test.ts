/**
 * `similarItems`: embedding cosine neighbours when the context has vectors, item-seeded PPR otherwise (and for items
 * the model has no vector for); never the item itself; coded errors for unknown items and bad `k`.
 */
import { describe, expect, it } from 'vitest';
import { INTERACTION_RELATION } from '../../src/project/csr.ts';
import { createRecommendContext } from '../../src/retrieve/context.ts';
import { createEmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { similarItems } from '../../src/retrieve/similar.ts';
import { expectCode } from '../helpers/errors.ts';
import { tinyCsr } from '../explain/fixtures.ts';

const I = INTERACTION_RELATION;
// u1: a; u2: a, b; u3: b, c; a and d share director rs; e is isolated.
const NODES: Array<[string, 0 | 1 | 2]> = [
  ['User:u1', 0],
  ['User:u2', 0],
  ['User:u3', 0],
  ['Item:a', 1],
  ['Item:b', 1],
  ['Item:c', 1],
  ['Item:d', 1],
  ['Item:e', 1],
  ['Entity:rs', 2],
];
const EDGES: Array<[string, string, string, number]> = [
  ['User:u1', 'Item:a', I, 5],
  ['User:u2', 'Item:a', I, 4],
  ['User:u2', 'Item:b', I, 5],
  ['User:u3', 'Item:b', I, 4],
  ['User:u3', 'Item:c', I, 5],
  ['Item:a', 'Entity:rs', 'director', 1],
  ['Item:d', 'Entity:rs', 'director', 1],
];
const CSR = tinyCsr(NODES, [I, 'director'], EDGES);
// The same graph where d was also rated (by u3), so its vector counts as learned (see retrieve/item-fold-in).
const CSR_D_RATED = tinyCsr(NODES, [I, 'director'], [...EDGES, ['User:u3', 'Item:d', I, 1]]);
const TITLES = new Map([
  ['Item:a', 'Alien'],
  ['Item:b', 'Blade Runner'],
  ['Item:c', 'Casablanca'],
  ['Item:d', 'Gladiator'],
]);
const labels = (key: string) => TITLES.get(key);

describe('similarItems', () => {
  it('ranks by embedding cosine (not dot), excluding the item itself, with labels', () => {
    // a = (1, 0); b points the same way but short; c is orthogonal and long; d is opposite; e has no vector.
    const embeddings = createEmbeddingIndex({
      dim: 2,
      itemKeys: ['Item:a', 'Item:b', 'Item:c', 'Item:d'],
      itemVectors: Float32Array.of(1, 0, 0.3, 0.1, 0, 9, -1, 0),
    });
    const ctx = createRecommendContext(CSR_D_RATED, { embeddings, labels });
    const out = similarItems(ctx, 'a', 3);
    expect(out.map((x) => x.id)).toEqual(['b', 'c', 'd']);
    expect(out[0]!.score).toBeCloseTo(0.3 / Math.hypot(0.3, 0.1), 6);
    expect(out[1]!.score).toBeCloseTo(0, 6);
    expect(out[2]!.score).toBeCloseTo(-1, 6);
    expect(out[0]!.label).toBe('Blade Runner');
    expect(similarItems(ctx, 'Item:a', 1)).toEqual([out[0]]);
  });

  it('walks the graph (PPR from the item) without embeddings: neighbours via users and entities first', () => {
    const ctx = createRecommendContext(CSR, { labels });
    const out = similarItems(ctx, 'a', 10);
    const ids = out.map((x) => x.id);
    expect(ids).not.toContain('a');
    expect(ids).not.toContain('e'); // unreachable
    expect(new Set(ids.slice(0, 2))).toEqual(new Set(['b', 'd']));
    expect(ids[2]).toBe('c');
    for (let j = 1; j < out.length; j++) expect(out[j]!.score).toBeLessThanOrEqual(out[j - 1]!.score);
    expect(out.every((x) => x.score > 0)).toBe(true);
  });

  it('falls back to the walk for an item without a vector', () => {
    const embeddings = createEmbeddingIndex({ dim: 2, itemKeys: ['Item:a', 'Item:b', 'Item:c'], itemVectors: Float32Array.of(1, 0, 1, 0, 0, 1) });
    const ctx = createRecommendContext(CSR, { embeddings, labels });
    expect(similarItems(ctx, 'd', 1)).toEqual([{ id: 'a', score: expect.any(Number) as number, label: 'Alien' }]);
  });

  it('throws NOT_FOUND for an unknown item (or a non-item) and BAD_REQUEST for a bad k', () => {
    const ctx = createRecommendContext(CSR, { labels });
    expectCode(() => similarItems(ctx, 'zzz', 5), 'NOT_FOUND');
    expectCode(() => similarItems(ctx, 'rs', 5), 'NOT_FOUND');
    expectCode(() => similarItems(ctx, 'u1', 5), 'NOT_FOUND');
    expectCode(() => similarItems(ctx, 'a', 0), 'BAD_REQUEST');
    expectCode(() => similarItems(ctx, 'a', 1.5), 'BAD_REQUEST');
  });
});
