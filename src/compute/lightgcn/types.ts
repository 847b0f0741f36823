/**
 * @module compute/lightgcn/types
 * The one model interface every recommender implements (LightGCN, and the evaluation baselines), after STYLE.md #6:
 * score given (user, item) pairs, and score every item for a batch of users. Indices are 0-based, row-major outputs.
 */
import type { FoldInBasis } from './fold-in.ts';

export interface Recommender {
  readonly nUsers: number;
  readonly nItems: number;
  /** Scores of the pairs (users[t], items[t]) → Float32Array[pairs]. */
  score(users: Int32Array, items: Int32Array): Float32Array;
  /** Scores of all items for each user → Float32Array[users.length × nItems] (written into `out` when given). */
  scoreAll(users: Int32Array, out?: Float32Array): Float32Array;
}

/**
 * A trained LightGCN as its users see it (the full-graph `LightGcnModel`, or `SampledLightGcn` trained on a user
 * sample): final vectors, the fold-in basis for new users, and `close()` for the worker thread a model may hold.
 */
export interface TrainedLightGcn extends Recommender {
  readonly d: number;
  readonly nLayers: number;
  /** Copy of the final user vectors [nUsers × d]. */
  userEmbeddings(): Float32Array;
  /** Copy of the final item vectors [nItems × d]. */
  itemEmbeddings(): Float32Array;
  foldInBasis(): FoldInBasis;
  close(): Promise<void>;
}
