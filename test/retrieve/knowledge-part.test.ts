import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { makeSeedVector } from '../../src/compute/ppr/seed-vector.ts';
import { INTERACTION_RELATION, KIND_CODES } from '../../src/project/csr.ts';
import { createRecommendContext, RECOMMEND_DEFAULTS, type RecommendOptions } from '../../src/retrieve/context.ts';
import { createKnowledgePart } from '../../src/retrieve/knowledge-part.ts';
import { recommend } from '../../src/retrieve/recommend.ts';
import type { CandidateRequest } from '../../src/retrieve/strategy.ts';
import { tinyCsr } from '../explain/fixtures.ts';

const I = INTERACTION_RELATION;
// Entities: e1 (director of i1, i2), e2 (genre of i1, i3, i4), e3 (genre of i5 only). u1 rated i1; u2 rated i2, i3.
const CSR = tinyCsr(
  [
    ['User:u1', 0],
    ['User:u2', 0],
    ['Item:i1', 1],
    ['Item:i2', 1],
    ['Item:i3', 1],
    ['Item:i4', 1],
    ['Item:i5', 1],
    ['Entity:e1', 2],
    ['Entity:e2', 2],
    ['Entity:e3', 2],
  ],
  [I, 'director', 'genre'],
  [
    ['User:u1', 'Item:i1', I, 5],
    ['User:u2', 'Item:i2', I, 4],
    ['User:u2', 'Item:i3', I, 4],
    ['Item:i1', 'Entity:e1', 'director', 1],
    ['Item:i2', 'Entity:e1', 'director', 1],
    ['Item:i1', 'Entity:e2', 'genre', 1],
    ['Item:i3', 'Entity:e2', 'genre', 1],
    ['Item:i4', 'Entity:e2', 'genre', 1],
    ['Item:i5', 'Entity:e3', 'genre', 1],
  ],
);
const node = (key: string): number => CSR.index.get(key)!;
const ONLY_KNOWLEDGE: Partial<RecommendOptions> = { weights: { ppr: 0, embedding: 0, knowledge: 1, popular: 0 } };

/** A request seeded at `seeds` (node key → weight) with every item but `seen` eligible. */
function request(seeds: Record<string, number>, seen: string[]): CandidateRequest {
  const mask = new Uint8Array(CSR.nodeCount);
  for (let v = 0; v < CSR.nodeCount; v++) if (CSR.kinds[v] === 1) mask[v] = 1;
  for (const key of seen) mask[node(key)] = 0;
  const keys = Object.keys(seeds);
  return {
    user: -1,
    seeds: makeSeedVector(keys.map(node), Object.values(seeds), CSR.nodeCount),
    profile: new Uint32Array(0),
    profileWeights: new Float64Array(0),
    mask,
    pool: 10,
  };
}

describe('knowledge part (item → entity → item walk)', () => {
  it('walks the hand-computed probabilities (γ = 1)', () => {
    const part = createKnowledgePart(createRecommendContext(CSR));
    // i1 splits its mass over e1 and e2 (½ each); e1 passes ½ · ½ to i2, e2 passes ½ · ⅓ to i3 and i4; i5 is unreached.
    const r = part.score(request({ 'Item:i1': 1 }, ['Item:i1']))!;
    expect(Array.from(r.top.ids, (v) => CSR.ids.at(v))).toEqual(['Item:i2', 'Item:i3', 'Item:i4']);
    expect(Array.from(r.top.scores)).toEqual([expect.closeTo(0.25, 12), expect.closeTo(1 / 6, 12), expect.closeTo(1 / 6, 12)]);
    // Unreached items score −Infinity and are never kept, though the pool (10) has room.
    expect(Array.from(r.top.ids)).not.toContain(node('Item:i5'));
    expect(r.parts).toEqual({});
    // The next request starts clean: a seed entity keeps its mass and passes it on (e3 → i5 only).
    const cold = part.score(request({ 'Entity:e3': 1 }, []))!;
    expect(Array.from(cold.top.ids, (v) => CSR.ids.at(v))).toEqual(['Item:i5']);
    expect(cold.top.scores[0]).toBeCloseTo(1, 12);
    expect(Array.from(cold.top.ids)).not.toContain(node('Item:i2'));
  });

  it('follows the entity discount and the relation weights of the walk', () => {
    // γ = 0: every entity passes its whole mass to each of its items (i2, i3, i4 all ½).
    const flat = createKnowledgePart(createRecommendContext(CSR, { options: { knowledgeEntityDiscount: 0 } }));
    expect(Array.from(flat.score(request({ 'Item:i1': 1 }, ['Item:i1']))!.top.scores)).toEqual([0.5, 0.5, 0.5]);
    // director ×3: i1 sends ¾ to e1 and ¼ to e2; e1's items weigh 3 each (D = 6) → i2 ¾ · 3/6, i3 = i4 = ¼ · ⅓.
    const ctx = createRecommendContext(CSR, { transition: { relationWeights: { director: 3 } } });
    const r = createKnowledgePart(ctx).score(request({ 'Item:i1': 1 }, ['Item:i1']))!;
    expect(Array.from(r.top.scores)).toEqual([expect.closeTo(0.375, 12), expect.closeTo(1 / 12, 12), expect.closeTo(1 / 12, 12)]);
  });

  it('is a part of hybrid: knowledge alone ranks by it, and weight 0 leaves it out', () => {
    const ctx = createRecommendContext(CSR, { options: ONLY_KNOWLEDGE });
    // u2 rated i2 and i3 (restart ½ each): e1 gets ½ → i1 ¼; e2 gets ½ → i1, i4 ⅙ each. i1 (5/12) first, then i4.
    const r = recommend(ctx, { user: 'u2', k: 3 });
    expect(r.items.slice(0, 2).map((i) => i.id)).toEqual(['i1', 'i4']);
    expect(r.items.slice(0, 2).map((i) => i.via)).toEqual(['hybrid', 'hybrid']);
    // i5 is unreached by the walk: it comes from the fallback chain.
    expect(r.items[2]).toMatchObject({ id: 'i5' });
    expect(r.fallbackUsed).toBe(true);
    // PPR alone through hybrid ranks as the ppr strategy (min-max blending of one part keeps its order).
    const ppr = createRecommendContext(CSR, { options: { weights: { ppr: 1, embedding: 0, knowledge: 0, popular: 0 } } });
    expect(recommend(ppr, { user: 'u1', k: 4 }).items.map((i) => i.id)).toEqual(recommend(ppr, { user: 'u1', k: 4, strategy: 'ppr' }).items.map((i) => i.id));
  });

  it('switches hybrid to weightsNoEmbedding when the embedding part cannot score', () => {
    // No vectors loaded: the knowledge-only weights would rank i1, i4; the fallback weights keep PPR alone.
    const ctx = createRecommendContext(CSR, {
      options: { weights: { ppr: 0, embedding: 1, knowledge: 1, popular: 0 }, weightsNoEmbedding: { ppr: 1, embedding: 0, knowledge: 0, popular: 0 } },
    });
    const hybrid = recommend(ctx, { user: 'u2', k: 3 });
    expect(hybrid.items.map((i) => i.id)).toEqual(recommend(ctx, { user: 'u2', k: 3, strategy: 'ppr' }).items.map((i) => i.id));
    expect(hybrid.items[0]!.sources).toMatchObject({ ppr: expect.any(Number) });
    expect(hybrid.items[0]!.sources).not.toHaveProperty('embedding');
    const knowledgeOnly = createRecommendContext(CSR, { options: { weights: { ppr: 0, embedding: 1, knowledge: 1, popular: 0 }, weightsNoEmbedding: { ppr: 0, embedding: 0, knowledge: 1, popular: 0 } } });
    expect(recommend(knowledgeOnly, { user: 'u2', k: 2 }).items.map((i) => i.id)).toEqual(['i1', 'i4']);
  });

  it('lets a broad entity pass mass to its most popular items only, each with its uncapped share', () => {
    // Popularity (users per item): i1, i2, i3 one each, i4 and i5 none. A cap of 1 keeps each entity's single most
    // popular item, ties to the lower index: i1 for both e1 (i1, i2) and e2 (i1, i3, i4).
    const capped = createKnowledgePart(createRecommendContext(CSR, { options: { knowledgeMaxEntityItems: 1 } }));
    const r = capped.score(request({ 'Item:i1': 1 }, ['Item:i1']))!;
    // e1 (i1, i2) keeps i1 as well: nothing but the seed itself is reached, and the seed is not eligible.
    expect(Array.from(r.top.ids)).toEqual([]);
    const two = createKnowledgePart(createRecommendContext(CSR, { options: { knowledgeMaxEntityItems: 2 } }));
    const r2 = two.score(request({ 'Item:i1': 1 }, ['Item:i1']))!;
    // e1 keeps i1, i2 (all it has); e2 keeps i1, i3 (i4 is the least popular). Shares are the uncapped ones (D = 3).
    expect(Array.from(r2.top.ids, (v) => CSR.ids.at(v))).toEqual(['Item:i2', 'Item:i3']);
    expect(Array.from(r2.top.scores)).toEqual([expect.closeTo(0.25, 12), expect.closeTo(1 / 6, 12)]);
    expect(() => createRecommendContext(CSR, { options: { knowledgeMaxEntityItems: 0 } })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('scores and ranks as the formula over its lists, with kinds interleaved in node order', () => {
    // A reference read off the same lists (the formula of the module comment, every reached item sorted by score, ties
    // to the lower node): the part's pool, its scores and its tie order must equal it, under masks, cuts and pools.
    for (let graphSeed = 1; graphSeed <= 6; graphSeed++) {
      const rng = createRng(graphSeed);
      const nodes: Array<[string, 0 | 1 | 2]> = [];
      // Ids drawn so that users, items and entities alternate irregularly in node order.
      for (let j = 0; j < 90; j++) {
        const kind = rng.int(3) as 0 | 1 | 2;
        nodes.push([`${['User', 'Item', 'Entity'][kind]}:n${String(rng.int(1e6)).padStart(6, '0')}x${j}`, kind]);
      }
      nodes.sort((a, b) => (a[0].slice(a[0].indexOf(':')) < b[0].slice(b[0].indexOf(':')) ? -1 : 1));
      const of = (kind: number) => nodes.filter((x) => x[1] === kind).map((x) => x[0]);
      const [users, items, entities] = [of(0), of(1), of(2)];
      const edges: Array<[string, string, string, number]> = [];
      for (const u of users) for (let k = 0; k < 1 + rng.int(5); k++) edges.push([u, items[rng.int(items.length)]!, I, 1 + rng.int(5)]);
      // A few broad entities (many items) and narrow ones; two relations with different weights.
      for (const i of items) for (let k = 0; k < rng.int(4); k++) edges.push([i, entities[Math.floor(entities.length * rng.float() ** 2)]!, rng.float() < 0.5 ? 'genre' : 'director', 1]);
      const csr = tinyCsr(nodes, [I, 'genre', 'director'], edges);
      for (const cap of [2000, 3]) {
        const ctx = createRecommendContext(csr, { options: { knowledgeMaxEntityItems: cap, knowledgeEntityDiscount: 0.5 + rng.float() }, transition: { relationWeights: { director: 2 } } });
        const part = createKnowledgePart(ctx);
        const { step, listStart, listNode, listWeight } = ctx.knowledgeLists();
        for (let q = 0; q < 8; q++) {
          const seedNodes = [...new Set(Array.from({ length: 1 + rng.int(4) }, () => rng.int(csr.nodeCount)))].filter((v) => csr.kinds[v] !== KIND_CODES.User);
          if (seedNodes.length === 0) continue;
          const seeds = makeSeedVector(seedNodes, seedNodes.map(() => 1 + rng.int(3)), csr.nodeCount);
          const mask = new Uint8Array(csr.nodeCount);
          for (const v of ctx.items) mask[v] = rng.float() < 0.8 ? 1 : 0;
          const pool = 1 + rng.int(10);
          const got = part.score({ user: -1, seeds, profile: new Uint32Array(0), profileWeights: new Float64Array(0), mask, pool })!;
          const mass = new Map<number, number>();
          for (let s = 0; s < seeds.nodes.length; s++) {
            const v = seeds.nodes[s]!;
            const x = seeds.weights[s]!;
            if (csr.kinds[v] === KIND_CODES.Entity) mass.set(v, (mass.get(v) ?? 0) + x);
            else if (step[v]! > 0) for (let e = listStart[v]!; e < listStart[v + 1]!; e++) mass.set(listNode[e]!, (mass.get(listNode[e]!) ?? 0) + x * step[v]! * listWeight[e]!);
          }
          const score = new Map<number, number>();
          for (const [ent, m] of mass) for (let e = listStart[ent]!; e < listStart[ent + 1]!; e++) score.set(listNode[e]!, (score.get(listNode[e]!) ?? 0) + m * step[ent]! * listWeight[e]!);
          const want = [...score].filter(([v]) => mask[v] === 1).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, pool);
          expect(Array.from(got.top.ids)).toEqual(want.map(([v]) => v));
          want.forEach(([, w], r) => expect(got.top.scores[r]).toBeCloseTo(w, 12));
        }
      }
    }
  });

  it('rejects bad knowledge settings', () => {
    expect(() => createRecommendContext(CSR, { options: { knowledgeEntityDiscount: -1 } })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createRecommendContext(CSR, { options: { weights: { ...RECOMMEND_DEFAULTS.weights, knowledge: Number.NaN } } })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createRecommendContext(CSR, { options: { weightsNoEmbedding: { ...RECOMMEND_DEFAULTS.weightsNoEmbedding, ppr: -1 } } })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
