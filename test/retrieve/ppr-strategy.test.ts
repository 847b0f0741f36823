import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { makeSeedVector, type SeedVector } from '../../src/compute/ppr/seed-vector.ts';
import { INTERACTION_RELATION } from '../../src/project/csr.ts';
import { createRecommendContext, type RecommendContext } from '../../src/retrieve/context.ts';
import { createPprStrategy } from '../../src/retrieve/ppr-strategy.ts';
import type { CandidateRequest } from '../../src/retrieve/strategy.ts';
import { topKDense } from '../../src/retrieve/top-k.ts';
import { tinyCsr } from '../explain/fixtures.ts';

/**
 * A random user–item–knowledge graph in several components: a large one (with entity–entity edges, so not
 * bipartite), a small bipartite one, and a few isolated items and an isolated user.
 */
function randomGraph(seed: number) {
  const rng = createRng(seed);
  const nodes: Array<[string, 0 | 1 | 2]> = [];
  const edges: Array<[string, string, string, number]> = [];
  const users = (prefix: string, count: number) => Array.from({ length: count }, (_, j) => (nodes.push([`User:${prefix}u${j}`, 0]), `User:${prefix}u${j}`));
  const items = (prefix: string, count: number) => Array.from({ length: count }, (_, j) => (nodes.push([`Item:${prefix}i${j}`, 1]), `Item:${prefix}i${j}`));
  const entities = (prefix: string, count: number) => Array.from({ length: count }, (_, j) => (nodes.push([`Entity:${prefix}e${j}`, 2]), `Entity:${prefix}e${j}`));
  const bigUsers = users('a', 40);
  const bigItems = items('a', 60);
  const bigEntities = entities('a', 8);
  // Popular items (low index) get many more ratings; weights 1–5.
  for (const u of bigUsers) for (let k = 0; k < 3 + rng.int(8); k++) edges.push([u, bigItems[Math.floor(60 * rng.float() ** 2)]!, INTERACTION_RELATION, 1 + rng.int(5)]);
  for (const i of bigItems) if (rng.float() < 0.7) edges.push([i, bigEntities[rng.int(8)]!, 'genre', 1]);
  edges.push([bigEntities[0]!, bigEntities[1]!, 'related', 1]);
  const smallUsers = users('b', 4);
  const smallItems = items('b', 5);
  for (const u of smallUsers) for (let k = 0; k < 2; k++) edges.push([u, smallItems[rng.int(5)]!, INTERACTION_RELATION, 1 + rng.int(5)]);
  items('c', 3); // isolated items
  users('c', 1); // an isolated user
  return tinyCsr(nodes, [INTERACTION_RELATION, 'genre', 'related'], edges);
}

function requestFor(ctx: RecommendContext, seeds: SeedVector, seen: number[], pool: number, rng: ReturnType<typeof createRng>): CandidateRequest {
  const mask = new Uint8Array(ctx.csr.nodeCount);
  for (const v of ctx.items) mask[v] = rng.float() < 0.85 ? 1 : 0; // some items filtered out
  for (const v of seen) mask[v] = 0;
  return { user: -1, seeds, profile: new Uint32Array(0), profileWeights: new Float64Array(0), mask, pool };
}

describe('ppr strategy (sparse candidates)', () => {
  it('ranks exactly as the dense scores would, over components, discounts, thresholds and pools', () => {
    for (const graphSeed of [1, 2, 3]) {
      const csr = randomGraph(graphSeed);
      const rng = createRng(100 + graphSeed);
      for (const beta of [0, 0.5, 0.75, 1.5]) {
        for (const threshold of [1e-2, 1e-4, 1e-8]) {
          const ctx = createRecommendContext(csr, { options: { pprDegreeDiscount: beta }, push: { threshold } });
          const strategy = createPprStrategy(ctx);
          for (let q = 0; q < 6; q++) {
            // Seeds: a few random nodes of any kind (items, users, entities, sometimes an isolated node).
            const seedNodes = [...new Set(Array.from({ length: 1 + rng.int(4) }, () => rng.int(csr.nodeCount)))];
            const seeds = makeSeedVector(seedNodes, seedNodes.map(() => 1 + rng.int(3)), csr.nodeCount);
            const pool = 1 + rng.int(12);
            const request = requestFor(ctx, seeds, seedNodes, pool, rng);
            const got = strategy.score(request)!;
            // The reference: dense scores from the solver, discounted, top-k over every item.
            const dense = ctx.solver.query(seeds).scores;
            const ref = new Float64Array(csr.nodeCount).fill(-Infinity);
            for (const v of ctx.items) {
              const w = ctx.transition.strength[v]!;
              const s = dense[v]! * (w > 0 ? Math.pow(w, -beta) : 0);
              ref[v] = s > 0 ? s : -Infinity;
            }
            const want = topKDense(ctx.items, ref, pool, request.mask);
            const label = JSON.stringify({ graphSeed, beta, threshold, q, seedNodes, pool });
            expect(Array.from(got.top.ids), label).toEqual(Array.from(want.ids));
            for (let j = 0; j < want.ids.length; j++) expect(got.top.scores[j], label).toBeCloseTo(want.scores[j]!, 14);
            // Any item's score through `parts` (the same query's solver state).
            const again = strategy.score(request)!;
            for (const v of ctx.items) expect(again.parts.ppr!(v), label).toBeCloseTo(ref[v]! === -Infinity ? -Infinity : ref[v]!, 14);
          }
        }
      }
    }
  });

  it('reads only the nodes the push touched: every other node scores its tail', () => {
    const csr = randomGraph(7);
    const ctx = createRecommendContext(csr, { push: { threshold: 1e-3 } });
    const result = ctx.solver.query(makeSeedVector([0, 5], [1, 2], csr.nodeCount));
    const touched = new Set(result.touched);
    expect(touched.size).toBe(result.touched.length);
    expect(touched.size).toBeLessThan(csr.nodeCount);
    const dense = result.scores;
    for (let v = 0; v < csr.nodeCount; v++) {
      expect(result.scoreOf(v)).toBeCloseTo(dense[v]!, 15);
      if (!touched.has(v)) expect(result.scoreOf(v)).toBe(result.tailOf(v));
    }
  });
});
