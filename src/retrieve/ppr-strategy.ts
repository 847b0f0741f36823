/**
 * @module retrieve/ppr-strategy
 * `ppr`: request-time Personalized PageRank from the request's restart vector (the user's rated items, cold-start
 * seeds, or both), through the context's push solver (scratch reused, no allocation per request).
 *
 *     score(item) = π(item) / W(item)^β        (β = `pprDegreeDiscount`, W = weighted degree in the walk)
 *
 * Raw PPR on a user–item graph is dominated by popular items (π ∝ W at long walk lengths), so raw scores rank close to
 * `popular`; dividing by W^β (the RP³β idea of Paudel et al. 2016) keeps the personal part of the walk. Items PPR does
 * not reach score −Infinity (no evidence).
 *
 * Cost: the push work (bounded by `1 / ((1 − d) · threshold)` edge visits, whatever the graph size), then the top
 * `pool` among the items the push reached plus, per component side the leftover residual spreads over, the best
 * `pool` eligible items it did not reach — taken from one order of the items sorted once per context (an untouched
 * item's score is W^(1−β) times its side's tail factor). No pass over all nodes or items: at 50M interactions
 * (2.6M nodes) this is what keeps a request's cost at the push's own work (docs/scaling.md).
 */
import { claimer, SparseScores } from '../core/scratch-pool.ts';
import { KIND_CODES } from '../project/csr.ts';
import type { RecommendContext } from './context.ts';
import type { CandidateRequest, Strategy, StrategyScores } from './strategy.ts';
import { topKDense } from './top-k.ts';

// Imported constant copied into module scope: the hot loop then reads a local binding, not an import accessor.
const KIND_ITEM: number = KIND_CODES.Item;

/**
 * The strategy's per-node scratch, handed on between versions (core/scratch-pool): the scores of the last request's
 * candidates and the degree discount per node (NaN until computed for the holder's graph).
 */
class PprScratch extends SparseScores {
  readonly discount: Float64Array;

  constructor(capacity: number) {
    super(capacity);
    this.discount = new Float64Array(capacity);
  }
}

/** The degree discount W^−β of a node of weighted degree `w` (0 without edges): what `ppr` divides π by. */
export function degreeDiscount(w: number, beta: number): number {
  return w > 0 ? Math.pow(w, -beta) : 0;
}

export function createPprStrategy(ctx: RecommendContext): Strategy {
  const beta = ctx.options.pprDegreeDiscount;
  const { items, transition } = ctx;
  const { strength, kinds } = transition;
  // W(v)^−β per node (0 without edges), computed on a node's first use (NaN until then) and kept while this version
  // holds the scratch: a request scores thousands of reached items, and a live write's new context would pay O(n)
  // powers for computing them all up front.
  const scratchOf = claimer(ctx.scratchPool, 'ppr', transition.nodeCount, (capacity) => new PprScratch(capacity), (s) => s.discount.fill(NaN));
  let discount: Float64Array = new Float64Array(0);
  const discountOf = (v: number): number => {
    let f = discount[v]!;
    if (f !== f) {
      discount[v] = f = degreeDiscount(strength[v]!, beta);
    }
    return f;
  };
  // Items by W · W^−β descending (ties: lower index first): an untouched item's score is that times its side's tail
  // factor, so within one component side this is their score order (the context's, carried over by live writes).
  const tailOrder = ctx.tailOrder;
  // Items per component side (by the solver's side numbering, known once it has computed a tail).
  let itemsBySide: Map<number, number> | undefined;
  const kept = new Map<number, number>();

  return {
    name: 'ppr',
    score(request: CandidateRequest): StrategyScores | undefined {
      if (!request.seeds) return undefined;
      const scratch = scratchOf();
      scratch.reset();
      const out = scratch.scores;
      discount = scratch.discount;
      const result = ctx.solver.query(request.seeds);
      const { mask, pool } = request;
      const scoreOf = (v: number): number => {
        const s = result.scoreOf(v) * discountOf(v);
        return s > 0 ? s : -Infinity;
      };
      // Candidates: the items the push reached (their own scores), then per component side with a tail the best
      // `pool` eligible items it did not reach (their order is the tail order). Every other item ranks below these.
      const list: number[] = [];
      for (const v of result.touched) {
        if (kinds[v] !== KIND_ITEM) continue;
        out[v] = scoreOf(v);
        list.push(v);
      }
      if (result.tailedSides.length > 0) {
        const order = tailOrder();
        if (!itemsBySide) {
          itemsBySide = new Map();
          for (const v of items) itemsBySide.set(result.sideOf(v), (itemsBySide.get(result.sideOf(v)) ?? 0) + 1);
        }
        // Sides without items (the users' side of a bipartite component) have nothing to offer.
        let open = 0;
        for (const side of result.tailedSides) if ((itemsBySide.get(side) ?? 0) > 0) open++;
        kept.clear();
        for (let j = 0; j < order.length && open > 0; j++) {
          const v = order[j]!;
          if (mask[v] === 0 || out[v] !== -Infinity || !(result.tailOf(v) > 0)) continue;
          const side = result.sideOf(v);
          const count = kept.get(side) ?? 0;
          if (count >= pool) continue;
          kept.set(side, count + 1);
          if (count + 1 === pool) open--;
          out[v] = scoreOf(v);
          list.push(v);
        }
      }
      const candidates = (scratch.set = Uint32Array.from(list));
      return { top: topKDense(candidates, out, pool, mask), parts: { ppr: scoreOf } };
    },
  };
}
