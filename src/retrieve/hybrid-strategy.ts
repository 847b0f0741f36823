/**
 * @module retrieve/hybrid-strategy
 * `hybrid`: fuses the candidate pools of `ppr`, `embedding` and `popular` (each part runs with the same request and
 * selects its best `pool` eligible items). Two fusions, chosen by `fusion`:
 *
 * - `blend` (default): each part's pool is min-max normalised — its best item gets 1, its pool-th item 1/pool, items
 *   outside the pool 0 — and the fused score is Σ weight_part · norm_part(item). Normalising over the pool (not the
 *   whole catalogue) gives every part the same spread where it matters, whatever its raw scale (PPR probabilities
 *   are heavy-tailed, dot products are not).
 * - `rrf`: reciprocal-rank fusion, Σ weight_part / (rrfK + rank_part(item)) over the pools containing the item.
 *
 * Parts with weight 0 are skipped; a part that cannot score the request (no seeds, no vectors) is left out and the
 * others fused. With no personal part (only `popular` left) hybrid returns undefined so `recommend` reports the
 * fallback. Only items in some pool get a finite score. Cost: the parts plus O(parts · pool).
 */
import type { RecommendContext } from './context.ts';
import type { BaseStrategyName, CandidateRequest, Strategy, StrategyScores } from './strategy.ts';
import { topKDense } from './top-k.ts';

const PARTS: readonly BaseStrategyName[] = ['ppr', 'embedding', 'popular'];

export function createHybridStrategy(ctx: RecommendContext): Strategy {
  const fused = new Float64Array(ctx.csr.nodeCount).fill(-Infinity);
  const inUnion = new Uint8Array(ctx.csr.nodeCount);
  let touched = new Uint32Array(0);
  const { fusion, rrfK, weights } = ctx.options;

  return {
    name: 'hybrid',
    score(request: CandidateRequest): StrategyScores | undefined {
      for (const v of touched) fused[v] = -Infinity;
      touched = new Uint32Array(0);
      const results: Array<{ name: BaseStrategyName; result: StrategyScores }> = [];
      for (const name of PARTS) {
        if (!(weights[name] > 0)) continue;
        const result = ctx.strategies[name].score(request);
        if (result) results.push({ name, result });
      }
      if (!results.some((r) => r.name !== 'popular')) return undefined;
      const union: number[] = [];
      const parts: StrategyScores['parts'] = {};
      for (const { name, result } of results) {
        Object.assign(parts, result.parts);
        const { ids, scores } = result.top;
        const m = ids.length;
        if (m === 0) continue;
        const w = weights[name];
        const hi = scores[0]!;
        const lo = scores[m - 1]!;
        const span = hi - lo;
        for (let r = 0; r < m; r++) {
          const v = ids[r]!;
          if (!inUnion[v]) {
            inUnion[v] = 1;
            fused[v] = 0;
            union.push(v);
          }
          let add: number;
          if (fusion === 'rrf') add = w / (rrfK + r + 1);
          else add = w * (span > 0 ? (scores[r]! - lo + span / m) / (span + span / m) : 1);
          fused[v]! += add;
        }
      }
      touched = Uint32Array.from(union);
      for (const v of touched) inUnion[v] = 0;
      return { scores: fused, top: topKDense(touched, fused, request.pool), parts };
    },
  };
}
