/**
 * @module retrieve/hybrid-strategy
 * `hybrid`: fuses the candidate pools of its parts — the strategies `ppr`, `embedding` and `popular`, and the
 * `knowledge` content walk (item → entity → item, see `knowledge-part.ts`; internal to hybrid). Each part runs with
 * the same request and selects its best `pool` eligible items. Two fusions, chosen by `fusion`:
 *
 * - `blend` (default): each part's pool is min-max normalised — its best item gets 1, its pool-th item 1/pool, items
 *   outside the pool 0 — and the fused score is Σ weight_part · norm_part(item). Normalising over the pool (not the
 *   whole catalogue) gives every part the same spread where it matters, whatever its raw scale (PPR probabilities
 *   are heavy-tailed, dot products are not).
 * - `rrf`: reciprocal-rank fusion, Σ weight_part / (rrfK + rank_part(item)) over the pools containing the item.
 *
 * Parts with weight 0 are skipped; a part that cannot score the request (no seeds, no vectors) is left out and the
 * others fused. When the embedding part cannot score the request, the whole fusion switches to `weightsNoEmbedding`
 * (the knowledge walk is tuned as a complement of the embedding, not of PPR). With no personal part (only `popular`
 * left) hybrid returns undefined so `recommend` reports the fallback. Only items in some pool get a finite score;
 * `parts` (→ `sources`) lists the strategies that ran, not the knowledge walk. Cost: the parts plus O(parts · pool).
 */
import { claimer, SparseScores } from '../core/scratch-pool.ts';
import type { RecommendContext } from './context.ts';
import { createKnowledgePart, type KnowledgePart } from './knowledge-part.ts';
import type { CandidateRequest, HybridPartName, Strategy, StrategyScores } from './strategy.ts';
import { topKDense } from './top-k.ts';

export const HYBRID_PARTS: readonly HybridPartName[] = ['ppr', 'embedding', 'knowledge', 'popular'];

/**
 * The fusion's per-node scratch, handed on between versions (core/scratch-pool): the fused scores of the last request's
 * union and a membership mark (zero between requests).
 */
class FusionScratch extends SparseScores {
  readonly inUnion: Uint8Array;

  constructor(capacity: number) {
    super(capacity);
    this.inUnion = new Uint8Array(capacity);
  }
}

export function createHybridStrategy(ctx: RecommendContext): Strategy {
  const scratchOf = claimer(ctx.scratchPool, 'hybrid', ctx.csr.nodeCount, (capacity) => new FusionScratch(capacity));
  const { fusion, rrfK } = ctx.options;
  const knowledge = ctx.options.weights.knowledge > 0 || ctx.options.weightsNoEmbedding.knowledge > 0 ? createKnowledgePart(ctx) : undefined;
  const part = (name: HybridPartName): Strategy | KnowledgePart | undefined => (name === 'knowledge' ? knowledge : ctx.strategies[name]);

  return {
    name: 'hybrid',
    score(request: CandidateRequest): StrategyScores | undefined {
      const scratch = scratchOf();
      scratch.reset();
      const { scores: fused, inUnion } = scratch;
      const results: Array<{ name: HybridPartName; result: StrategyScores }> = [];
      let weights = ctx.options.weights;
      if (weights.embedding > 0) {
        const result = ctx.strategies.embedding.score(request);
        if (result) results.push({ name: 'embedding', result });
        else weights = ctx.options.weightsNoEmbedding;
      }
      for (const name of HYBRID_PARTS) {
        if (name === 'embedding' || !(weights[name] > 0)) continue;
        const result = part(name)?.score(request);
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
      const touched = (scratch.set = Uint32Array.from(union));
      for (const v of touched) inUnion[v] = 0;
      return { top: topKDense(touched, fused, request.pool), parts };
    },
  };
}
