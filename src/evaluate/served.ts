/**
 * @module evaluate/served
 * Offline evaluation of the SERVED strategies: the evaluated lists come from `retrieve/recommend` — the function behind
 * `GET /v1/users/{id}/recommendations` — called once per evaluated user, not from a copy of its scoring.
 *
 * The graph the context serves is built from the training part only: one `INTERACTED` edge per (user, item) training
 * pair (weight = the pair's weight, 1 when the dataset has none), plus the dataset's item → entity knowledge edges;
 * nodes are added users first, then items, then entities, each in index order, so node order (and with it the tie
 * order of every strategy) depends on the indices only, not on the id strings. `recommend` masks the user's own
 * training items itself; further masked items (valid at test time, under the `early-stop` protocol) go in its
 * `exclude`. Embeddings (for `embedding` and `hybrid`) are the LightGCN vectors the pipeline trained on the same part.
 *
 * @example
 *   const g = buildServedGraph(ds, train);
 *   const ctx = createRecommendContext(g.csr, { embeddings: servedEmbeddings(g, model) });
 *   const input = servedRankingInput(ctx, g, 'hybrid', test, { depth: 20, masked: valid, popularityFrom: train });
 */
import { AppError } from '../core/errors.ts';
import { pairsToCsr, userItemCsr, type Interactions } from '../compute/lightgcn/graph.ts';
import type { Progress } from '../core/progress.ts';
import { CsrBuilder, INTERACTION_RELATION, KIND_CODES, type Csr } from '../project/csr.ts';
import type { RecommendContext } from '../retrieve/context.ts';
import { createEmbeddingIndex, type EmbeddingIndex } from '../retrieve/embedding-index.ts';
import { recommend } from '../retrieve/recommend.ts';
import type { StrategyName } from '../retrieve/strategy.ts';
import type { SplitDataset, WeightedInteractions } from './datasets.ts';
import type { RankingInput } from './metrics.ts';
import { itemPopularity } from '../compute/popularity.ts';

/** The served strategies `graphrec evaluate` ranks through `recommend()`. */
export const SERVED_MODELS = ['hybrid', 'ppr', 'embedding', 'popular'] as const satisfies readonly StrategyName[];
export type ServedModel = (typeof SERVED_MODELS)[number];

/** What the served graph needs besides the training pairs (a {@link SplitDataset} has all of it). */
export type ServedSource = Pick<SplitDataset, 'name' | 'nUsers' | 'nItems' | 'userIds' | 'itemIds' | 'knowledge' | 'relations'>;

export interface ServedGraph {
  csr: Csr;
  userIds: readonly string[];
  itemIds: readonly string[];
  /** Item graph id → item index. */
  itemIndex: Map<string, number>;
}

/** The projection `recommend` serves for a training part (see the module header). */
export function buildServedGraph(source: ServedSource, train: WeightedInteractions): ServedGraph {
  const userIds = source.userIds ?? Array.from({ length: source.nUsers }, (_, u) => `${source.name}:u:${u}`);
  const itemIds = source.itemIds ?? Array.from({ length: source.nItems }, (_, i) => `${source.name}:i:${i}`);
  if (userIds.length !== source.nUsers || itemIds.length !== source.nItems) throw new AppError('BAD_REQUEST', 'evaluate/served: one id per user and per item is needed');
  const b = new CsrBuilder([INTERACTION_RELATION, ...(source.relations ?? [])]);
  const userNode = userIds.map((id) => b.node(`User:${id}`, KIND_CODES.User));
  const itemNode = itemIds.map((id) => b.node(`Item:${id}`, KIND_CODES.Item));
  // One edge per (user, item): the last weight seen wins (the datasets hand over one pair once).
  const seen = new Map<number, number>();
  for (let t = 0; t < train.users.length; t++) {
    const key = train.users[t]! * source.nItems + train.items[t]!;
    seen.set(key, train.weights ? train.weights[t]! : 1);
  }
  for (const [key, w] of seen) {
    const u = Math.floor(key / source.nItems);
    b.edge(userNode[u]!, itemNode[key - u * source.nItems]!, 0, w);
  }
  for (const e of source.knowledge ?? []) {
    const item = itemNode[e.item];
    if (item === undefined) throw new AppError('BAD_REQUEST', `evaluate/served: knowledge edge names item index ${e.item} outside the catalogue`);
    b.edge(item, b.node(`Entity:${e.entity}`, KIND_CODES.Entity), b.relationId(e.relation), 1);
  }
  return { csr: b.build(), userIds, itemIds, itemIndex: new Map(itemIds.map((id, i) => [id, i])) };
}

/** LightGCN vectors as the served embedding index (keys `User:<id>` / `Item:<id>`, as the engine loads them). */
export function servedEmbeddings(graph: ServedGraph, vectors: { dim: number; userVectors: Float32Array; itemVectors: Float32Array }): EmbeddingIndex {
  return createEmbeddingIndex({
    dim: vectors.dim,
    itemKeys: graph.itemIds.map((id) => `Item:${id}`),
    itemVectors: vectors.itemVectors,
    userKeys: graph.userIds.map((id) => `User:${id}`),
    userVectors: vectors.userVectors,
  });
}

export interface ServedRankingOptions {
  /** List length asked of `recommend` (≥ every K). */
  depth: number;
  /** Items masked besides the training items `recommend` masks itself (passed as `exclude`). */
  masked?: Interactions;
  /** Popularity of the metric input (novelty, ARP) [the training part]. */
  popularityFrom: Interactions;
  /** Rank only every ⌈n / sample⌉-th of the n users (deterministic; benches that sweep many settings). [all] */
  sample?: number;
  progress?: Progress;
  label?: string;
}

/**
 * Metric input for the users with items in `truth`, each ranked by `recommend(ctx, { user, k: depth, strategy,
 * exclude })` — exactly the request the API serves.
 */
export function servedRankingInput(ctx: RecommendContext, graph: ServedGraph, strategy: StrategyName, truth: Interactions, options: ServedRankingOptions): RankingInput {
  const { depth } = options;
  const truthCsr = userItemCsr(truth);
  const maskCsr = options.masked ? pairsToCsr(truth.nUsers, options.masked.users, options.masked.items) : undefined;
  const all: number[] = [];
  for (let u = 0; u < truth.nUsers; u++) if (truthCsr.indptr[u + 1]! > truthCsr.indptr[u]!) all.push(u);
  const stride = options.sample !== undefined && options.sample < all.length ? Math.ceil(all.length / options.sample) : 1;
  const users = stride === 1 ? all : all.filter((_, r) => r % stride === 0);
  const topK = new Int32Array(users.length * depth).fill(-1);
  const truthIndptr = new Int32Array(users.length + 1);
  const truthIdx: number[] = [];
  const every = Math.max(1, Math.floor(users.length / 100));
  users.forEach((u, r) => {
    const exclude = maskCsr ? Array.from(maskCsr.indices.subarray(maskCsr.indptr[u]!, maskCsr.indptr[u + 1]!), (i) => graph.itemIds[i]!) : [];
    const res = recommend(ctx, { user: graph.userIds[u]!, k: depth, strategy, ...(exclude.length ? { exclude } : {}) });
    res.items.forEach((it, j) => {
      const i = graph.itemIndex.get(it.id);
      if (i === undefined) throw new AppError('INTERNAL', `evaluate/served: recommend returned an item outside the catalogue (${it.id})`);
      topK[r * depth + j] = i;
    });
    const t = Array.from(truthCsr.indices.subarray(truthCsr.indptr[u]!, truthCsr.indptr[u + 1]!)).sort((a, b) => a - b);
    truthIdx.push(...t);
    truthIndptr[r + 1] = truthIdx.length;
    if (options.progress && (r + 1) % every === 0) options.progress.update(options.label ?? 'rank', r + 1, users.length);
  });
  options.progress?.done();
  return {
    users: Int32Array.from(users),
    depth,
    topK,
    truthIndptr,
    truthIndices: Int32Array.from(truthIdx),
    nItems: truth.nItems,
    nUsers: truth.nUsers,
    itemPopularity: itemPopularity(options.popularityFrom),
  };
}
