/**
 * @module retrieve/ppr-strategy
 * `ppr`: request-time Personalized PageRank from the request's restart vector (the user's rated items, cold-start
 * seeds, or both), through the context's push solver (scratch reused, no allocation per request).
 *
 *     score(item) = π(item) / W(item)^β        (β = `pprDegreeDiscount`, W = weighted degree in the walk)
 *
 * Raw PPR on a user–item graph is dominated by popular items (π ∝ W at long walk lengths), so raw scores rank close to
 * `popular`; dividing by W^β (the RP³β idea of Paudel et al. 2016) keeps the personal part of the walk. Items PPR does
 * not reach score −Infinity (no evidence). Cost: the push work (bounded by `1 / ((1 − d) · threshold)` edge visits)
 * plus O(n) to clear and collect, plus O(I) over the items and O(I log pool) for the heap.
 */
import type { RecommendContext } from './context.ts';
import type { CandidateRequest, Strategy, StrategyScores } from './strategy.ts';
import { topKDense } from './top-k.ts';

export function createPprStrategy(ctx: RecommendContext): Strategy {
  const out = new Float64Array(ctx.csr.nodeCount).fill(-Infinity);
  const beta = ctx.options.pprDegreeDiscount;
  const { items, transition } = ctx;
  // W(item)^−β once per context.
  const discount = new Float64Array(items.length);
  for (let j = 0; j < items.length; j++) {
    const w = transition.strength[items[j]!]!;
    discount[j] = w > 0 ? Math.pow(w, -beta) : 0;
  }
  return {
    name: 'ppr',
    score(request: CandidateRequest): StrategyScores | undefined {
      if (!request.seeds) return undefined;
      const { scores } = ctx.solver.query(request.seeds);
      for (let j = 0; j < items.length; j++) {
        const v = items[j]!;
        const s = scores[v]! * discount[j]!;
        out[v] = s > 0 ? s : -Infinity;
      }
      return { scores: out, top: topKDense(items, out, request.pool, request.mask), parts: { ppr: out } };
    },
  };
}
