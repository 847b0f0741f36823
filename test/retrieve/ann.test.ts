import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { KIND_CODES } from '../../src/project/csr.ts';
import { annReady, embeddingSearch, setAnnBuildThread } from '../../src/retrieve/ann.ts';
import { createRecommendContext } from '../../src/retrieve/context.ts';
import { createEmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { recommend } from '../../src/retrieve/recommend.ts';
import { similarItems } from '../../src/retrieve/similar.ts';
import { demoGraph } from './fixtures.ts';

const g = demoGraph();
const dim = 8;

/** Seeded vectors for every user and item of the demo graph. */
function vectors(seed: number) {
  const rng = createRng(seed);
  const itemKeys: string[] = [];
  const userKeys: string[] = [];
  for (let v = 0; v < g.csr.nodeCount; v++) {
    if (g.csr.kinds[v] === KIND_CODES.Item) itemKeys.push(g.csr.ids.at(v)!);
    else if (g.csr.kinds[v] === KIND_CODES.User) userKeys.push(g.csr.ids.at(v)!);
  }
  const draw = (n: number) => Float32Array.from({ length: n * dim }, () => rng.normal(0, 1));
  return createEmbeddingIndex({ dim, itemKeys, itemVectors: draw(itemKeys.length), userKeys, userVectors: draw(userKeys.length) });
}

const users = Array.from({ length: g.csr.nodeCount }, (_, v) => v)
  .filter((v) => g.csr.kinds[v] === KIND_CODES.User)
  .slice(0, 40)
  .map((v) => g.csr.ids.at(v)!);

afterAll(() => setAnnBuildThread('worker'));

describe('retrieve/ann: the embedding part on an IVF index', () => {
  it('scans a catalogue under annMinItems and never builds an index for it', () => {
    const ctx = createRecommendContext(g.csr, { embeddings: vectors(1) });
    recommend(ctx, { user: users[0]!, strategy: 'embedding' });
    expect(embeddingSearch(ctx.embeddings, 'dot', ctx.options)).toBe('exact');
  });

  it('answers with the scan while the index builds, then with the index: the same ranking when it reads every list', async () => {
    setAnnBuildThread('inline');
    const embeddings = vectors(2);
    const ctx = createRecommendContext(g.csr, { embeddings, options: { annMinItems: 1, annProbe: 1000 } });
    const before = users.map((user) => recommend(ctx, { user, strategy: 'embedding', k: 20 }));
    expect(embeddingSearch(ctx.embeddings, 'dot', ctx.options)).toBe('building');
    await annReady(ctx.embeddings!, 'dot');
    expect(embeddingSearch(ctx.embeddings, 'dot', ctx.options)).toBe('ivf');
    const after = users.map((user) => recommend(ctx, { user, strategy: 'embedding', k: 20 }));
    expect(after.map((r) => r.items.map((i) => [i.id, i.score]))).toEqual(before.map((r) => r.items.map((i) => [i.id, i.score])));
    expect(after.every((r) => !r.fallbackUsed && r.items.length === 20)).toBe(true);
  });

  it('reading one list still fills the page with eligible items, exact scores, and hybrid fuses them', async () => {
    setAnnBuildThread('inline');
    const ctx = createRecommendContext(g.csr, { embeddings: vectors(3), options: { annMinItems: 1, annProbe: 1 } });
    recommend(ctx, { user: users[0]!, strategy: 'embedding' });
    await annReady(ctx.embeddings!, 'dot');
    const exact = createRecommendContext(g.csr, { embeddings: ctx.embeddings! });
    let overlap = 0;
    for (const user of users) {
      const got = recommend(ctx, { user, strategy: 'embedding', k: 10 });
      const want = recommend(exact, { user, strategy: 'embedding', k: 10 });
      expect(got.items.length).toBe(10);
      expect(got.fallbackUsed).toBe(false);
      // Each returned score is the item's exact dot product (the scan's score of the same item).
      const wantAll = new Map(recommend(exact, { user, strategy: 'embedding', k: 800 }).items.map((i) => [i.id, i.score]));
      for (const item of got.items) expect(item.score).toBeCloseTo(wantAll.get(item.id)!, 5);
      const ids = new Set(want.items.map((i) => i.id));
      overlap += got.items.filter((i) => ids.has(i.id)).length;
      const fused = recommend(ctx, { user, strategy: 'hybrid', k: 10 });
      expect(fused.items.length).toBe(10);
    }
    // One list of √800 ≈ 28 is a small part of the catalogue: the answer differs from the scan's, and the test says so.
    expect(overlap).toBeLessThan(users.length * 10);
  });

  it('similar items read the cosine index: every list read gives the scan\'s answer', async () => {
    setAnnBuildThread('inline');
    const ctx = createRecommendContext(g.csr, { embeddings: vectors(5), options: { annMinItems: 1, annProbe: 1000 } });
    const exact = createRecommendContext(g.csr, { embeddings: ctx.embeddings! });
    const item = g.cat.items[3]!.id;
    const before = similarItems(ctx, item, 15);
    expect(embeddingSearch(ctx.embeddings, 'cosine', ctx.options)).toBe('building');
    await annReady(ctx.embeddings!, 'cosine');
    const after = similarItems(ctx, item, 15);
    expect(after.map((r) => r.id)).toEqual(similarItems(exact, item, 15).map((r) => r.id));
    after.forEach((r, j) => expect(r.score).toBeCloseTo(before[j]!.score, 5));
    expect(after.some((r) => r.id === item)).toBe(false);
  });

  it('builds in a worker thread', async () => {
    setAnnBuildThread('worker');
    const ctx = createRecommendContext(g.csr, { embeddings: vectors(4), options: { annMinItems: 1 } });
    expect(embeddingSearch(ctx.embeddings, 'dot', ctx.options)).toBe('building');
    await annReady(ctx.embeddings!, 'dot');
    expect(embeddingSearch(ctx.embeddings, 'dot', ctx.options)).toBe('ivf');
    expect(recommend(ctx, { user: users[1]!, strategy: 'embedding' }).items.length).toBe(10);
  });
});
