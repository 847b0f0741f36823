import { describe, expect, it } from 'vitest';
import { similarCommand } from '../../src/cli/commands/similar.ts';
import { createRecommendContext } from '../../src/retrieve/context.ts';
import { createEmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { demoGraph } from '../retrieve/fixtures.ts';

describe('graphrec similar: similarCommand', () => {
  const g = demoGraph({ users: 60, items: 80 });
  const ppr = createRecommendContext(g.csr, { labels: g.labels });

  it('resolves a bare item id, labels the item and ranks k other items (graph walk without vectors)', () => {
    const r = similarCommand(ppr, '7', 5);
    expect(r.item).toBe('demo:i:7');
    expect(r.title).toBe(g.labels('Item:demo:i:7'));
    expect(r.method).toBe('ppr');
    expect(r.items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(r.items.every((i) => i.id !== 'demo:i:7' && i.id.startsWith('demo:i:'))).toBe(true);
    const scores = r.items.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(r.items[0]!.title).toBe(g.labels(`Item:${r.items[0]!.id}`));
  });

  it('uses the embedding cosine when the item has a vector', () => {
    const itemKeys = g.cat.items.map((it) => `Item:${it.id}`);
    const dim = 4;
    const itemVectors = Float32Array.from({ length: itemKeys.length * dim }, (_, i) => Math.sin(i * 1.7));
    const embeddings = createEmbeddingIndex({ dim, itemKeys, itemVectors, userKeys: [], userVectors: new Float32Array(0) });
    const ctx = createRecommendContext(g.csr, { labels: g.labels, embeddings });
    const r = similarCommand(ctx, 'demo:i:3', 3);
    expect(r.method).toBe('embedding');
    expect(r.items).toHaveLength(3);
    expect(r.items[0]!.score).toBeLessThanOrEqual(1);
  });

  it('rejects unknown items (NOT_FOUND) and bad k (BAD_REQUEST)', () => {
    expect(() => similarCommand(ppr, 'demo:i:99999', 5)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => similarCommand(ppr, '7', 0)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
