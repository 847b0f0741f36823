import { describe, expect, it } from 'vitest';
import type { Props } from '../../src/core/model.ts';
import { INTERACTION_RELATION } from '../../src/project/csr.ts';
import { createRecommendContext, RECOMMEND_DEFAULTS, resolveRecommendOptions } from '../../src/retrieve/context.ts';
import { createEmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { mmr } from '../../src/retrieve/diversity.ts';
import { recommend, type RecommendRequest } from '../../src/retrieve/recommend.ts';
import { tinyCsr } from '../explain/fixtures.ts';
import { demoGraph } from './fixtures.ts';

const I = INTERACTION_RELATION;
// u1..u4 share one component; u5/u6 with i8/i9 form another; i7 has no edges at all.
const CSR = tinyCsr(
  [
    ...(['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((u) => [`User:${u}`, 0]) as Array<[string, 0]>),
    ...(['i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9'].map((i) => [`Item:${i}`, 1]) as Array<[string, 1]>),
    ['Entity:e1', 2],
    ['Entity:e2', 2],
  ],
  [I, 'director', 'genre'],
  [
    ['User:u1', 'Item:i1', I, 5],
    ['User:u1', 'Item:i2', I, 4],
    ['User:u2', 'Item:i1', I, 5],
    ['User:u2', 'Item:i3', I, 5],
    ['User:u2', 'Item:i4', I, 4],
    ['User:u3', 'Item:i2', I, 5],
    ['User:u3', 'Item:i3', I, 4],
    ['User:u3', 'Item:i5', I, 2],
    ['User:u4', 'Item:i6', I, 3],
    ['User:u5', 'Item:i8', I, 5],
    ['User:u6', 'Item:i8', I, 4],
    ['User:u6', 'Item:i9', I, 4],
    ['Item:i1', 'Entity:e1', 'director', 1],
    ['Item:i4', 'Entity:e1', 'director', 1],
    ['Item:i3', 'Entity:e2', 'genre', 1],
    ['Item:i5', 'Entity:e2', 'genre', 1],
    ['Item:i6', 'Entity:e2', 'genre', 1],
  ],
);
const YEARS: Record<string, number> = { 'Item:i3': 1979, 'Item:i4': 1982, 'Item:i5': 1979, 'Item:i6': 1979 };
const ctx = createRecommendContext(CSR, {
  labels: (key) => key.replace('Item:', 'Title ').toUpperCase(),
  itemProps: (key): Props => (key in YEARS ? { year: YEARS[key]! } : {}),
  names: new Map([['Entity:e1', 'Ridley Scott'], ['Entity:e2', 'Science Fiction'], ['Item:i1', 'Alien (1979)']]),
});
const ids = (req: RecommendRequest): string[] => recommend(ctx, req).items.map((i) => i.id);
const expectCode = (f: () => unknown, code: string): void => {
  expect(f).toThrowError(expect.objectContaining({ code }));
};

describe('recommend', () => {
  it('never returns seen items and returns ranks, titles and sources', () => {
    const r = recommend(ctx, { user: 'u1', k: 3 });
    expect(r.strategy).toBe('hybrid');
    expect(r.fallbackUsed).toBe(false);
    expect(r.items.map((i) => i.rank)).toEqual([1, 2, 3]);
    for (const it of r.items) {
      expect(['i1', 'i2']).not.toContain(it.id);
      expect(it.key).toBe(`Item:${it.id}`);
      expect(it.title).toBe(`TITLE ${it.id.toUpperCase()}`);
      expect(it.sources.ppr).toBeGreaterThan(0);
      // No vectors: hybrid fuses with weightsNoEmbedding, whose popularity weight is 0, so popular does not run.
      expect(it.sources).not.toHaveProperty('popular');
    }
    // PPR: i3 (co-rated with both of u1's items) leads; u1's component has nothing to do with i8/i9. Hybrid (no vectors:
    // PPR + 0.2 · knowledge walk) lifts i4, which shares a director with u1's 5★ i1, to the top.
    expect(ids({ user: 'u1', k: 3, strategy: 'ppr' })[0]).toBe('i3');
    expect(r.items.slice(0, 2).map((i) => i.id)).toEqual(['i4', 'i3']);
  });

  it('fills up along the fallback chain and reports it', () => {
    // u5's component holds one unseen item (i9); popular fills: i1, i2, i3 have 2 ratings (ties → lower index).
    const r = recommend(ctx, { user: 'u5', k: 3, strategy: 'ppr' });
    expect(r.items.map((i) => [i.id, i.via])).toEqual([['i9', 'ppr'], ['i1', 'popular'], ['i2', 'popular']]);
    expect(r.fallbackUsed).toBe(true);
    expect(r.fallbacks).toEqual(['popular']);
    // Everything unseen comes back when k exceeds the catalogue, including the never-rated i7.
    expect(ids({ user: 'u5', k: 100, strategy: 'ppr' }).sort()).toEqual(['i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i9']);
    expect(ids({ user: 'u5', k: 100 }).length).toBe(8);
    // Anonymous: popularity order.
    const anon = recommend(ctx, { k: 4 });
    expect(anon.items.map((i) => i.id)).toEqual(['i1', 'i2', 'i3', 'i8']);
    expect(anon.fallbackUsed).toBe(true);
    // No embedding index: the embedding strategy falls back to ppr.
    const emb = recommend(ctx, { user: 'u1', k: 2, strategy: 'embedding' });
    expect(emb.fallbacks).toEqual(['ppr']);
    expect(emb.items.map((i) => i.id)).toEqual(ids({ user: 'u1', k: 2, strategy: 'ppr' }));
  });

  it('applies exclusions and business filters', () => {
    expect(ids({ user: 'u1', k: 10, exclude: ['i3', 'Item:i4', 'unknown'] })).not.toEqual(expect.arrayContaining(['i3']));
    expect(ids({ user: 'u1', k: 10, exclude: ['i3', 'Item:i4', 'unknown'] })).not.toContain('i4');
    expect(ids({ user: 'u1', k: 5, filters: { entity: ['e1'] } })).toEqual(['i4']);
    expect(ids({ user: 'u1', k: 5, filters: { entity: ['e1', 'Entity:e2'] } })).toEqual([]);
    expect(ids({ user: 'u1', k: 5, filters: { itemProps: { year: 1979 } } }).sort()).toEqual(['i3', 'i5', 'i6']);
    const bare = createRecommendContext(CSR);
    expectCode(() => recommend(bare, { user: 'u1', filters: { itemProps: { year: 1979 } } }), 'BAD_REQUEST');
    expectCode(() => recommend(bare, { keywords: 'ridley' }), 'BAD_REQUEST');
    expectCode(() => recommend(ctx, { user: 'u1', filters: { entity: ['nope'] } }), 'BAD_REQUEST');
  });

  it('paginates consistently', () => {
    const full = recommend(ctx, { user: 'u2', k: 6 }).items;
    const page = recommend(ctx, { user: 'u2', k: 2, offset: 2 }).items;
    expect(page.map((i) => i.id)).toEqual(full.slice(2, 4).map((i) => i.id));
    expect(page.map((i) => i.rank)).toEqual([3, 4]);
  });

  it('starts cold from entities, items and keywords', () => {
    const r = recommend(ctx, { seeds: [{ kind: 'Entity', id: 'e1' }], k: 2, strategy: 'ppr' });
    expect(r.items.map((i) => i.id).sort()).toEqual(['i1', 'i4']);
    expect(r.seeds).toEqual(['Entity:e1']);
    expect(ids({ seeds: [{ kind: 'Item', id: 'i1' }], k: 10 })).not.toContain('i1');
    const kw = recommend(ctx, { keywords: 'Films by RIDLEY SCOTT', k: 2, strategy: 'ppr' });
    expect(kw.seeds).toEqual(['Entity:e1']);
    expect(kw.items.map((i) => i.id).sort()).toEqual(['i1', 'i4']);
    // A user plus seeds: the user's seen items stay excluded.
    expect(ids({ user: 'u1', seeds: [{ kind: 'Entity', id: 'e2' }], k: 10 })).not.toContain('i1');
  });

  it('rejects bad requests with coded errors', () => {
    expectCode(() => recommend(ctx, { user: 'nobody' }), 'NOT_FOUND');
    expectCode(() => recommend(ctx, { seeds: [{ kind: 'Item', id: 'nope' }] }), 'NOT_FOUND');
    expectCode(() => recommend(ctx, { user: 'i1' }), 'NOT_FOUND');
    for (const bad of [
      { k: 0 },
      { k: 1.5 },
      { k: RECOMMEND_DEFAULTS.maxK + 1 },
      { offset: -1 },
      { strategy: 'magic' },
      { seeds: [{ kind: 'User', id: 'u1' }] },
      { seeds: 'i1' },
      { exclude: [1] },
      { diversity: 2 },
      { filters: { itemProps: { year: [1979] } } },
      { user: '' },
    ]) {
      expectCode(() => recommend(ctx, bad as unknown as RecommendRequest), 'BAD_REQUEST');
    }
    expectCode(() => recommend(ctx, null as unknown as RecommendRequest), 'BAD_REQUEST');
    expectCode(() => createRecommendContext(CSR, { options: { pprDegreeDiscount: -1 } }), 'BAD_REQUEST');
    expectCode(() => createRecommendContext(CSR, { options: { pprDegreeDiscountHeavyTail: 3 } }), 'BAD_REQUEST');
    expectCode(() => createRecommendContext(CSR, { heavyTailed: true, options: { pprDegreeDiscountHeavyTail: Number.NaN } }), 'BAD_REQUEST');
    expectCode(() => createRecommendContext(CSR, { options: { fallbacks: { ...RECOMMEND_DEFAULTS.fallbacks, ppr: ['ppr'] } } }), 'BAD_REQUEST');
  });

  it('takes the degree discount of the interactions\' regime: heavy-tailed counts get pprDegreeDiscountHeavyTail unless β is set', () => {
    expect(RECOMMEND_DEFAULTS.pprDegreeDiscountHeavyTail).not.toBe(RECOMMEND_DEFAULTS.pprDegreeDiscount);
    expect(resolveRecommendOptions().pprDegreeDiscount).toBe(RECOMMEND_DEFAULTS.pprDegreeDiscount);
    expect(resolveRecommendOptions({ heavyTailed: false }).pprDegreeDiscount).toBe(RECOMMEND_DEFAULTS.pprDegreeDiscount);
    expect(resolveRecommendOptions({ heavyTailed: true }).pprDegreeDiscount).toBe(RECOMMEND_DEFAULTS.pprDegreeDiscountHeavyTail);
    expect(resolveRecommendOptions({ heavyTailed: true, options: { pprDegreeDiscountHeavyTail: 0.1 } }).pprDegreeDiscount).toBe(0.1);
    expect(resolveRecommendOptions({ heavyTailed: true, options: { pprDegreeDiscount: 1 } }).pprDegreeDiscount).toBe(1);
    // The context scores with the resolved β: heavy-tailed = the same context with that β set, and β changes the scores.
    const heavy = createRecommendContext(CSR, { heavyTailed: true });
    const same = createRecommendContext(CSR, { options: { pprDegreeDiscount: RECOMMEND_DEFAULTS.pprDegreeDiscountHeavyTail } });
    const scores = (c: typeof ctx) => recommend(c, { user: 'u1', k: 5, strategy: 'ppr' }).items.map((i) => [i.id, i.score]);
    expect(scores(heavy)).toEqual(scores(same));
    expect(scores(heavy)).not.toEqual(scores(createRecommendContext(CSR)));
  });

  it('scores by embeddings, with fold-in for users without a vector', () => {
    const vec: Record<string, [number, number]> = { i1: [0, 1], i2: [0.2, 0.2], i3: [1, 0], i4: [0.5, 0], i5: [0, 1], i6: [1, 1] };
    const itemKeys = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9'].map((i) => `Item:${i}`);
    const embeddings = createEmbeddingIndex({
      dim: 2,
      itemKeys,
      itemVectors: Float32Array.from(itemKeys.flatMap((k) => vec[k.slice(5)] ?? [0, 0])),
      userKeys: ['u1'],
      userVectors: Float32Array.of(1, 0),
    });
    const ectx = createRecommendContext(CSR, { embeddings });
    // u1 (own vector, graph id lookup): dot = i3 1, i6 1 (tie → lower index), i4 0.5.
    const own = recommend(ectx, { user: 'u1', k: 3, strategy: 'embedding' });
    expect(own.items.map((i) => i.id)).toEqual(['i3', 'i6', 'i4']);
    expect(own.items[2]!.score).toBeCloseTo(0.5, 6);
    // u2 folds in from i1, i3, i4 weighted 3, 3, 2 (rating − 2): (0.5, 0.375) → i6 0.875, i5 0.375, i2 0.175.
    const folded = recommend(ectx, { user: 'u2', k: 3, strategy: 'embedding' });
    expect(folded.items.map((i) => i.id)).toEqual(['i6', 'i5', 'i2']);
    expect(folded.items.map((i) => i.score)).toEqual([expect.closeTo(0.875, 6), expect.closeTo(0.375, 6), expect.closeTo(0.175, 6)]);
    expect(folded.fallbackUsed).toBe(false);
    const hybrid = recommend(ectx, { user: 'u2', k: 3 });
    expect(hybrid.items[0]!.sources).toEqual({ ppr: expect.any(Number), embedding: expect.any(Number), popular: expect.any(Number) });
    // RRF: weights 1/(60 + rank) — i6 is first by embeddings; the result is still a permutation of unseen items.
    const rrf = createRecommendContext(CSR, { embeddings, options: { fusion: 'rrf' }, prebuiltTransition: ectx.transition });
    expect(recommend(rrf, { user: 'u2', k: 6 }).items.map((i) => i.id)).not.toContain('i1');
  });

  it('diversifies with MMR', () => {
    // sim(10, 11) = 1: with λ = 0.5 the second pick skips 11 (0.5·2/3 − 0.5·1 < 0.5·1/3).
    const sim = (a: number, b: number): number => (a + b === 21 ? 1 : 0);
    expect(mmr([10, 11, 12], 3, 0.5, sim)).toEqual([0, 2, 1]);
    expect(mmr([10, 11, 12], 2, 0, sim)).toEqual([0, 1]);
    const plain = ids({ user: 'u2', k: 4 });
    const diverse = ids({ user: 'u2', k: 4, diversity: 0.5 });
    expect(diverse).toHaveLength(4);
    expect(diverse[0]).toBe(plain[0]);
    expect(ids({ user: 'u2', k: 4, diversity: 0 })).toEqual(plain);
  });
});

describe('recommend on the demo catalogue (planted tastes)', () => {
  it('ppr and hybrid beat popularity on held-out liked items', () => {
    const g = demoGraph({ seed: 7, users: 300, items: 500 }, 0.2);
    const dctx = createRecommendContext(g.csr, { labels: g.labels });
    const recall = (strategy: 'ppr' | 'hybrid' | 'popular'): number => {
      let sum = 0;
      for (const [user, liked] of g.heldOut) {
        const got = recommend(dctx, { user: user.slice('User:'.length), k: 10, strategy }).items;
        const set = new Set(liked);
        sum += got.filter((i) => set.has(i.key)).length / Math.min(10, liked.length);
      }
      return sum / g.heldOut.size;
    };
    const popular = recall('popular');
    const ppr = recall('ppr');
    const hybrid = recall('hybrid');
    // Measured: popular ≈ 0.08, ppr ≈ 0.27, hybrid ≈ 0.29 (recall@10 over held-out items rated ≥ 4; no vectors, so
    // hybrid fuses with weightsNoEmbedding: PPR plus the knowledge walk).
    expect(g.heldOut.size).toBeGreaterThan(200);
    expect(ppr).toBeGreaterThan(1.5 * popular);
    expect(hybrid).toBeGreaterThan(1.5 * popular);
  });
});
