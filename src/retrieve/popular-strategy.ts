/**
 * @module retrieve/popular-strategy
 * `popular`: items by interaction count (users who interacted with them), most popular first, ties to the lower node
 * index. Every item has a score (0 for items nobody has rated), so this is the last link of every fallback chain: it
 * returns `pool` items whenever the catalogue has that many eligible ones. The order is sorted once per context, so a
 * request walks it in O(pool + skipped ineligible items).
 */
import type { RecommendContext } from './context.ts';
import type { CandidateRequest, Strategy, StrategyScores } from './strategy.ts';

export function createPopularStrategy(ctx: RecommendContext): Strategy {
  const { popularity, popularOrder } = ctx;
  return {
    name: 'popular',
    score(request: CandidateRequest): StrategyScores {
      const ids: number[] = [];
      for (let j = 0; j < popularOrder.length && ids.length < request.pool; j++) {
        const v = popularOrder[j]!;
        if (request.mask[v] !== 0) ids.push(v);
      }
      return {
        top: { ids: Uint32Array.from(ids), scores: Float64Array.from(ids, (v) => popularity[v]!) },
        parts: { popular: (v) => popularity[v]! },
      };
    },
  };
}
