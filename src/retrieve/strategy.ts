/**
 * @module retrieve/strategy
 * The one interface every retrieval strategy implements — "score a user's candidates" — so the API, the CLI and the
 * evaluation harness run the same code. A strategy is bound to a {@link RecommendContext} (one per projection
 * snapshot) and owns its scratch; `score` selects the best `pool` eligible items with a size-`pool` heap and
 * answers any item's score on request (`parts`; −Infinity = no evidence), so no strategy has to fill a dense array
 * over every node per request.
 *
 * Strategies: `ppr` (request-time push PPR from the seeds), `embedding` (dot/cosine against the item matrix),
 * `popular` (interaction count) and `hybrid` (fusion of the three plus an internal item → entity → item walk). A
 * strategy that cannot score the request at all (no seeds for `ppr`, no vectors for `embedding`) returns `undefined`,
 * and `recommend` moves down its fallback chain.
 */
import type { SeedVector } from '../compute/ppr/seed-vector.ts';
import type { Ranked } from './top-k.ts';

export const STRATEGY_NAMES = ['hybrid', 'ppr', 'embedding', 'popular'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
/** The strategies that score on their own (the parts `hybrid` fuses). */
export type BaseStrategyName = Exclude<StrategyName, 'hybrid'>;
/** What `hybrid` fuses: the base strategies plus the `knowledge` content walk (internal to hybrid). */
export type HybridPartName = BaseStrategyName | 'knowledge';

/** What a strategy gets for one request (built by `recommend`). */
export interface CandidateRequest {
  /** Node index of the user, or −1 (cold start / anonymous). */
  user: number;
  /** Restart vector: the user's history and/or the request's seeds; undefined when there is none. */
  seeds: SeedVector | undefined;
  /** Item node indices describing the user (history or seed items), for embedding fold-in. */
  profile: Uint32Array;
  /** Weight of each profile item. */
  profileWeights: Float64Array;
  /** Eligibility over node indices: 1 = may be recommended (unseen item passing every filter). */
  mask: Uint8Array;
  /** How many candidates to select. */
  pool: number;
}

/** One node's score under a strategy (−Infinity: no evidence); valid until the strategy's next call. */
export type ScoreOf = (v: number) => number;

export interface StrategyScores {
  /** The best `pool` eligible items, best first. */
  top: Ranked;
  /** The score of any item under each base strategy that ran for this result (for `sources`). */
  parts: Partial<Record<BaseStrategyName, ScoreOf>>;
}

export interface Strategy {
  readonly name: StrategyName;
  /** Scores the request's candidates, or undefined when this strategy has nothing to score them with. */
  score(request: CandidateRequest): StrategyScores | undefined;
}
