/**
 * @module retrieve/context
 * Everything request-time retrieval precomputes once per projection snapshot: the PPR transition and one push
 * solver (its O(n) scratch reused by every request), the item list, popularity and its order, the embedding row map,
 * the keyword matcher, the strategies (each with its own dense scratch), and the resolved {@link RECOMMEND_DEFAULTS}.
 * Building costs O(n + m) plus one O(I log I) sort of the items by popularity; swap in a new context when the
 * projection changes. A context is single-threaded (Node's event loop): `recommend` is synchronous and never
 * interleaves with another call on the same context.
 *
 * @example
 * const ctx = createRecommendContext(csr, { embeddings, labels: (key) => titles.get(key) });
 * recommend(ctx, { user: 'ml100k:u:1', k: 10 });
 */
import { AppError } from '../core/errors.ts';
import type { Props } from '../core/model.ts';
import { createPushSolver, patchComponentSides, renumberComponentSides, type PushOptions, type PushSolver } from '../compute/ppr/push.ts';
import { graphItemInteractions, graphItemPopularity } from '../compute/popularity.ts';
import { buildTransition, patchTransition, type Transition, type TransitionOptions } from '../compute/ppr/transition.ts';
import { assertValidCsr, KIND_CODES, type Csr } from '../project/csr.ts';
import { insertedNodes, mergeAscending, oldIndexOf, remapNodes, scatter, type Renumbering } from '../project/renumber.ts';
import { assertEmbeddingIndex, itemRowsOf, type EmbeddingIndex, type EmbeddingMetric } from './embedding-index.ts';
import { createEmbeddingStrategy } from './embedding-strategy.ts';
import { createEligibilityScratch, type EligibilityScratch } from './eligibility.ts';
import type { ScratchPool } from '../core/scratch-pool.ts';
import { createHybridStrategy } from './hybrid-strategy.ts';
import { foldInItems } from './item-fold-in.ts';
import { createKeywordMatcher, type KeywordMatcher } from './keywords.ts';
import { buildKnowledgeLists, patchKnowledgeLists, renumberKnowledgeLists, type KnowledgeLists } from './knowledge-part.ts';
import { createPopularStrategy } from './popular-strategy.ts';
import { createPprStrategy, degreeDiscount } from './ppr-strategy.ts';
import { STRATEGY_NAMES, type HybridPartName, type Strategy, type StrategyName } from './strategy.ts';

// Imported constants copied into module scope: hot loops then read a local binding, not an import accessor.
const KIND_ITEM: number = KIND_CODES.Item;
export interface RecommendOptions {
  /** Strategy when the request names none. ['hybrid'] */
  strategy: StrategyName;
  /** Items per page when the request gives no `k`. [10] */
  k: number;
  /** Largest `k` a request may ask for. [1000] */
  maxK: number;
  /** Largest `offset`. [10000] */
  maxOffset: number;
  /** Candidates each strategy selects for fusion (at least `2 · (offset + k)`). [100] */
  candidatePool: number;
  /** How `hybrid` fuses: min-max-normalised score blending, or reciprocal-rank fusion. ['blend'] */
  fusion: 'blend' | 'rrf';
  /**
   * Weight of each part of `hybrid` (`knowledge` = the item → entity → item walk); 0 switches a part off.
   * [{ ppr: 0.05, embedding: 1, knowledge: 0.4, popular: 0.03 }] (tuned on ML-100K valid, see docs/evaluation.md)
   */
  weights: Readonly<Record<HybridPartName, number>>;
  /**
   * The weights `hybrid` uses instead when the embedding part cannot score the request (no vectors loaded): the
   * knowledge walk complements the embedding but not PPR, which already walks the knowledge edges.
   * [{ ppr: 1, embedding: 0, knowledge: 0.2, popular: 0 }] (tuned on ML-100K valid without vectors)
   */
  weightsNoEmbedding: Readonly<Record<HybridPartName, number>>;
  /** RRF constant: a part contributes weight / (rrfK + rank). [60] */
  rrfK: number;
  /**
   * PPR item score = π(item) / W(item)^β, W = weighted degree; 0 = raw PPR (close to popularity). [0.75] (chosen on
   * ML-100K ratings). The β of every walk score (ppr, similar items, the conversation's negative seeds); on a graph
   * whose interactions are heavy-tailed counts (`RecommendContextInput.heavyTailed`) it defaults to
   * `pprDegreeDiscountHeavyTail` instead ({@link resolveRecommendOptions}).
   */
  pprDegreeDiscount: number;
  /** `pprDegreeDiscount` when the interactions are heavy-tailed counts and it is not set. [0.25] (chosen on valid of two listen-count datasets, docs/evaluation.md#weights-of-implicit-counts) */
  pprDegreeDiscountHeavyTail: number;
  /** Knowledge walk (hybrid part): entity → item step divided by D(entity)^γ, D = its item edges' weight; 1 = walk. [1] */
  knowledgeEntityDiscount: number;
  /**
   * Knowledge walk: an entity linked to more items than this passes mass to its this-many most popular items only
   * (its D still counts every item). A cost bound for graphs with very broad entities; it binds on none of the
   * knowledge-graph datasets in ../shared/data (broadest entity: 1,435 items, ML-100K Freebase;
   * test/integration/retrieve/entity-breadth.test.ts). [2000]
   */
  knowledgeMaxEntityItems: number;
  /** Embedding score. ['dot'] */
  embeddingMetric: EmbeddingMetric;
  /**
   * A catalogue of at least this many item vectors is searched through an IVF index (retrieve/ann, built in a worker
   * thread; the exact scan answers until it is ready); a smaller one is scanned whole. [50000] (below it the scan
   * costs < 8 ms per request; `npm run bench -- ann`, docs/recommend.md#the-embedding-part-on-large-catalogues)
   */
  annMinItems: number;
  /** IVF lists the embedding part reads per request, more until its pool is filled. [16] (chosen with `npm run bench -- ann`) */
  annProbe: number;
  /** Interaction weights are ratings (seed weight = rating − floor) rather than counts. [true] */
  rated: boolean;
  /** Ratings at or below this do not seed PPR (when `rated`). [2] */
  ratingFloor: number;
  /** When a request gives both a user and seeds, the share of the restart mass on the seeds. [0.5] */
  seedShare: number;
  /** Keyword matches used as seeds. [5] */
  keywordSeeds: number;
  /** With diversity on, MMR re-ranks this many times (offset + k) candidates. [3] */
  diversityPoolFactor: number;
  /** Where a strategy falls back when it returns fewer than offset + k items. */
  fallbacks: Readonly<Record<StrategyName, readonly StrategyName[]>>;
}

/** Documented defaults of request-time retrieval (see docs/recommend.md for how they were chosen). */
export const RECOMMEND_DEFAULTS = {
  strategy: 'hybrid',
  k: 10,
  maxK: 1000,
  maxOffset: 10_000,
  candidatePool: 100,
  fusion: 'blend',
  weights: { ppr: 0.05, embedding: 1, knowledge: 0.4, popular: 0.03 },
  weightsNoEmbedding: { ppr: 1, embedding: 0, knowledge: 0.2, popular: 0 },
  rrfK: 60,
  pprDegreeDiscount: 0.75,
  pprDegreeDiscountHeavyTail: 0.25,
  knowledgeEntityDiscount: 1,
  knowledgeMaxEntityItems: 2000,
  embeddingMetric: 'dot',
  annMinItems: 50_000,
  annProbe: 16,
  rated: true,
  ratingFloor: 2,
  seedShare: 0.5,
  keywordSeeds: 5,
  diversityPoolFactor: 3,
  fallbacks: { hybrid: ['ppr', 'popular'], ppr: ['popular'], embedding: ['ppr', 'popular'], popular: [] },
} as const satisfies RecommendOptions;

export interface RecommendContextInput {
  /** Overrides of {@link RECOMMEND_DEFAULTS}. */
  options?: Partial<RecommendOptions>;
  /**
   * The graph's interaction weights are heavy-tailed counts (core/weight-transform `interactionsHeavyTailed`): the
   * walk's degree discount then defaults to `pprDegreeDiscountHeavyTail`. [false]
   */
  heavyTailed?: boolean;
  /** Relation weights of the PPR walk (see compute/ppr/transition). */
  transition?: Partial<TransitionOptions>;
  /** Push-solver settings (see compute/ppr/push). */
  push?: Partial<PushOptions>;
  /** A prebuilt transition of `csr` (skips building one). */
  prebuiltTransition?: Transition;
  /**
   * Build the transition and the knowledge lists on shared buffers (core/shared-arrays): an engine's first version,
   * which its copies in worker threads read, and every version of an engine whose copies adopt its versions
   * (engine/replicas). [false]
   */
  sharedArrays?: boolean;
  /**
   * The knowledge walk's lists of a context over the same `csr` and options (skips building them; engine/replicas hands
   * a copy of the engine the serving engine's lists, on shared buffers).
   */
  prebuiltKnowledgeLists?: KnowledgeLists;
  /** Trained vectors; without them `embedding` falls back and `hybrid` fuses PPR and popularity only. */
  embeddings?: EmbeddingIndex;
  /** Display name of a node key (item titles for the response; undefined = no title). */
  labels?: (key: string) => string | undefined;
  /** Scalar properties of an item node key (for `filters.itemProps`). */
  itemProps?: (key: string) => Props | undefined;
  /** Names to match free-text keywords against (node key → display name): item titles, entity names. */
  names?: ReadonlyMap<string, string>;
  /** The keyword matcher of an earlier context whose `names` are unchanged (skips rebuilding it; live updates). */
  prebuiltKeywords?: KeywordMatcher;
  /**
   * Where the request scratch of the solver, the strategies and the path search comes from: one pool per engine hands
   * it from version to version (core/scratch-pool). Without one, each context makes its own.
   */
  scratchPool?: ScratchPool;
}

export interface RecommendContext {
  readonly csr: Csr;
  readonly transition: Transition;
  readonly solver: PushSolver;
  readonly options: RecommendOptions;
  /** Item node indices, ascending. */
  readonly items: Uint32Array;
  /** Interaction count per node (items; 0 elsewhere). */
  readonly popularity: Float64Array;
  /** Items by popularity, most popular first (ties: lower index). */
  readonly popularOrder: Uint32Array;
  /** Items by the PPR tail's key ({@link tailKey}) descending (ties: lower index), built on first use (retrieve/ppr-strategy). */
  readonly tailOrder: Lazy<Uint32Array>;
  /** The knowledge walk's item ↔ entity lists (retrieve/knowledge-part), built on first use. */
  readonly knowledgeLists: Lazy<KnowledgeLists>;
  readonly embeddings: EmbeddingIndex | undefined;
  /** Row of `embeddings.itemVectors` per node, −1 when none. */
  readonly itemRows: Int32Array | undefined;
  readonly labels: ((key: string) => string | undefined) | undefined;
  readonly itemProps: ((key: string) => Props | undefined) | undefined;
  /**
   * The items' properties in `items` order, built on first use (a `filters.itemProps` request compares every item's):
   * the node ids live off the JS heap (project/node-ids), and decoding 400k of them on each such request cost it 2×.
   * A write that changes an item's props builds a new context (engine), so the list is never stale for its version.
   */
  readonly itemPropsOfItems: Lazy<ReadonlyArray<Props | undefined>> | undefined;
  readonly keywords: KeywordMatcher | undefined;
  readonly strategies: Readonly<Record<StrategyName, Strategy>>;
  /** Per-request scratch owned by `recommend`. */
  readonly scratch: EligibilityScratch;
  /** The pool the solver, the strategies and the path search take their scratch from (see the input's). */
  readonly scratchPool: ScratchPool | undefined;
}

function assertOptions(o: RecommendOptions): void {
  const bad = (message: string): never => {
    throw new AppError('BAD_REQUEST', `retrieve: ${message}`);
  };
  if (!STRATEGY_NAMES.includes(o.strategy)) bad(`unknown default strategy ${JSON.stringify(o.strategy)}`);
  for (const key of ['k', 'maxK', 'candidatePool', 'keywordSeeds', 'diversityPoolFactor', 'annMinItems', 'annProbe'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) bad(`${key} must be a positive integer`);
  }
  if (!Number.isInteger(o.maxOffset) || o.maxOffset < 0) bad('maxOffset must be an integer ≥ 0');
  if (o.k > o.maxK) bad('k exceeds maxK');
  if (o.fusion !== 'blend' && o.fusion !== 'rrf') bad(`fusion must be blend or rrf (got ${String(o.fusion)})`);
  for (const set of ['weights', 'weightsNoEmbedding'] as const) {
    for (const name of ['ppr', 'embedding', 'knowledge', 'popular'] as const) {
      const w = o[set]?.[name];
      if (!(typeof w === 'number' && Number.isFinite(w) && w >= 0)) bad(`${set}.${name} must be finite and ≥ 0`);
    }
  }
  if (!(o.rrfK >= 0 && Number.isFinite(o.rrfK))) bad('rrfK must be finite and ≥ 0');
  if (!(o.pprDegreeDiscount >= 0 && o.pprDegreeDiscount <= 2)) bad('pprDegreeDiscount must be in [0, 2]');
  if (!(o.pprDegreeDiscountHeavyTail >= 0 && o.pprDegreeDiscountHeavyTail <= 2)) bad('pprDegreeDiscountHeavyTail must be in [0, 2]');
  if (!(o.knowledgeEntityDiscount >= 0 && o.knowledgeEntityDiscount <= 2)) bad('knowledgeEntityDiscount must be in [0, 2]');
  if (!(Number.isInteger(o.knowledgeMaxEntityItems) && o.knowledgeMaxEntityItems >= 1)) bad('knowledgeMaxEntityItems must be an integer ≥ 1');
  if (o.embeddingMetric !== 'dot' && o.embeddingMetric !== 'cosine') bad('embeddingMetric must be dot or cosine');
  if (!Number.isFinite(o.ratingFloor)) bad('ratingFloor must be finite');
  if (!(o.seedShare > 0 && o.seedShare < 1)) bad('seedShare must be in (0, 1)');
  for (const name of STRATEGY_NAMES) {
    const chain = o.fallbacks[name];
    if (!Array.isArray(chain) || chain.some((s) => !STRATEGY_NAMES.includes(s) || s === name)) bad(`fallbacks.${name} must list other strategies`);
  }
}

/**
 * The options of a context: {@link RECOMMEND_DEFAULTS} under `input.options`, with the degree discount of the
 * interactions' regime — `pprDegreeDiscountHeavyTail` on heavy-tailed counts unless `pprDegreeDiscount` is set.
 * Throws `AppError('BAD_REQUEST')` for an invalid option.
 */
export function resolveRecommendOptions(input: Pick<RecommendContextInput, 'options' | 'heavyTailed'> = {}): RecommendOptions {
  const options: RecommendOptions = { ...RECOMMEND_DEFAULTS, ...input.options };
  assertOptions(options);
  if (input.heavyTailed === true && input.options?.pprDegreeDiscount === undefined) options.pprDegreeDiscount = options.pprDegreeDiscountHeavyTail;
  return options;
}

/** A value built on first call; `peek` tells whether it has been (without building it). */
export interface Lazy<T> {
  (): T;
  peek(): T | undefined;
}

function lazy<T>(make: () => T): Lazy<T> {
  let value: T | undefined;
  const get = (() => (value ??= make())) as Lazy<T>;
  get.peek = () => value;
  return get;
}

/** The lazy list of {@link RecommendContext.itemPropsOfItems}: each item's props through `itemProps`, in `items` order. */
function propsOfItems(csr: Csr, items: Uint32Array, itemProps: RecommendContextInput['itemProps']): Lazy<ReadonlyArray<Props | undefined>> | undefined {
  return itemProps ? lazy(() => Array.from(items, (v) => itemProps(csr.ids.at(v)!))) : undefined;
}

/** Builds the request-time context of a projection snapshot. */
export function createRecommendContext(csr: Csr, input: RecommendContextInput = {}): RecommendContext {
  assertValidCsr(csr);
  const options = resolveRecommendOptions(input);
  if (input.embeddings) assertEmbeddingIndex(input.embeddings);
  const shared = input.sharedArrays === true;
  const transition = input.prebuiltTransition ?? buildTransition(csr, input.transition, shared);
  if (transition.nodeCount !== csr.nodeCount) throw new AppError('BAD_REQUEST', 'retrieve: the prebuilt transition belongs to another graph');
  if (input.prebuiltKnowledgeLists && input.prebuiltKnowledgeLists.listStart.length !== csr.nodeCount + 1) throw new AppError('BAD_REQUEST', 'retrieve: the prebuilt knowledge lists belong to another graph');
  const solver = createPushSolver(transition, input.push, { pool: input.scratchPool });
  const n = csr.nodeCount;
  const itemList: number[] = [];
  for (let v = 0; v < n; v++) if (csr.kinds[v] === KIND_ITEM) itemList.push(v);
  const items = Uint32Array.from(itemList);
  const popularity = graphItemPopularity(csr, items);
  // Items the model could not learn (not in the artifact, or no interactions) take their knowledge neighbours' mean.
  const embeddings = input.embeddings ? foldInItems(input.embeddings, csr, popularity) : undefined;
  const popularOrder = Uint32Array.from(itemList).sort(byPopularity(popularity));
  return withStrategies({
    csr,
    transition,
    solver,
    options,
    items,
    popularity,
    popularOrder,
    tailOrder: lazy(() => buildTailOrder(items, transition.strength, options.pprDegreeDiscount)),
    knowledgeLists: lazy(() => input.prebuiltKnowledgeLists ?? buildKnowledgeLists(transition, popularity, options.knowledgeEntityDiscount, options.knowledgeMaxEntityItems, shared)),
    embeddings,
    itemRows: embeddings ? itemRowsOf(embeddings, csr) : undefined,
    labels: input.labels,
    itemProps: input.itemProps,
    itemPropsOfItems: propsOfItems(csr, items, input.itemProps),
    keywords: input.prebuiltKeywords ?? (input.names ? createKeywordMatcher(input.names) : undefined),
    scratch: createEligibilityScratch(n),
    scratchPool: input.scratchPool,
  });
}

const STRATEGY_MAKERS: Record<StrategyName, (ctx: RecommendContext) => Strategy> = {
  ppr: createPprStrategy,
  embedding: createEmbeddingStrategy,
  popular: createPopularStrategy,
  hybrid: createHybridStrategy,
};

/**
 * Completes a context with its strategies (each with its own scratch), each built on first use: a live write replaces
 * the context many times a second, and most versions serve only one or two strategies (building `hybrid`'s knowledge
 * part alone is an O(m) pass).
 */
function withStrategies(base: Omit<RecommendContext, 'strategies'>): RecommendContext {
  const strategies = {} as Record<StrategyName, Strategy>;
  const ctx: RecommendContext = { ...base, strategies };
  for (const name of Object.keys(STRATEGY_MAKERS) as StrategyName[]) {
    Object.defineProperty(strategies, name, {
      enumerable: true,
      configurable: true,
      get(): Strategy {
        const strategy = STRATEGY_MAKERS[name](ctx);
        Object.defineProperty(strategies, name, { value: strategy, enumerable: true, writable: false, configurable: false });
        return strategy;
      },
    });
  }
  return ctx;
}

/** Items by popularity, most popular first (ties: lower index): the order `popularOrder` holds. */
function byPopularity(popularity: Float64Array): (a: number, b: number) => number {
  return (a, b) => popularity[b]! - popularity[a]! || a - b;
}

/**
 * The PPR tail's key of node v: W · W^−β (0 without edges), β = `pprDegreeDiscount`. An item the push did not reach
 * scores this times its component side's tail factor (retrieve/ppr-strategy).
 */
export function tailKey(strength: Float64Array, beta: number, v: number): number {
  const w = strength[v]!;
  return w * degreeDiscount(w, beta);
}

function buildTailOrder(items: Uint32Array, strength: Float64Array, beta: number): Uint32Array {
  const key = new Float64Array(strength.length);
  for (let j = 0; j < items.length; j++) key[items[j]!] = tailKey(strength, beta, items[j]!);
  return Uint32Array.from(items).sort((a, b) => key[b]! - key[a]! || a - b);
}

/**
 * `prev` (items by `key` descending, ties: lower index) with the `moved` items, whose keys changed, taken out and put
 * back where their keys place them now. The other items keep their keys and their order, so each moved item's place
 * is a binary search among them: O(items) copies and O(moved · log items) keys, where sorting again costs
 * O(items · log items) comparisons.
 */
function reorder(prev: Uint32Array, moved: readonly number[], key: (v: number) => number): Uint32Array {
  const set = new Set(moved);
  const rest = new Uint32Array(prev.length - set.size);
  let r = 0;
  for (const v of prev) if (!set.has(v)) rest[r++] = v;
  const sorted = [...set].map((v) => ({ v, k: key(v) })).sort((a, b) => b.k - a.k || a.v - b.v);
  const out = new Uint32Array(prev.length);
  let o = 0;
  let from = 0;
  for (const { v, k } of sorted) {
    // The first of rest[from..] that ranks after v (key below k, or the same key and a higher index).
    let lo = from;
    let hi = rest.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const w = rest[mid]!;
      const kw = key(w);
      if (kw > k || (kw === k && w < v)) lo = mid + 1;
      else hi = mid;
    }
    out.set(rest.subarray(from, lo), o);
    o += lo - from;
    from = lo;
    out[o++] = v;
  }
  out.set(rest.subarray(from), o);
  return out;
}

/**
 * The context of `csr` from `prev`, the context of an earlier version of it with the same nodes, relations and
 * knowledge edges whose interaction edges changed only at the nodes in `touched` (users and items of the written
 * pairs; more is allowed), under the same `input` (but `prebuiltKeywords`, which the caller passes when the names did
 * not change). Equal to `createRecommendContext(csr, input)` in every array and every answer, at the cost of the
 * touched rows plus block copies: the transition is patched (compute/ppr `patchTransition`), popularity recounted for
 * the touched items only and their places in `popularOrder` merged in, the items, the embedding fold-in and the item
 * rows reused unless an item gained its first interaction (the fold-in then runs again). Live writes (engine/engine)
 * use it. `patched` = `patchTransition(prev.transition, csr, touched, …, r)` when the caller made it already (its copies
 * drained, engine/engine).
 *
 * With `r`, the write also inserted users or items (project/csr-update `insertNodes` gave `r`; `touched` are new
 * indices): every part is carried to the new indices as it is copied (project/renumber) — the transition, the
 * component sides, the knowledge lists, the popularity and both item orders, where the new items take their places —
 * instead of being derived again from every edge.
 */
export function patchRecommendContext(prev: RecommendContext, csr: Csr, touched: ArrayLike<number>, input: RecommendContextInput = {}, patched?: Transition, r?: Renumbering): RecommendContext {
  if (r ? prev.csr.nodeCount !== r.oldToNew.length || csr.nodeCount !== r.nodeCount : prev.csr.nodeCount !== csr.nodeCount) {
    throw new AppError('BAD_REQUEST', 'retrieve: patchRecommendContext needs the same nodes, or a renumbering from the old ones (else use createRecommendContext)');
  }
  const shared = input.sharedArrays === true;
  const transition = patched ?? patchTransition(prev.transition, csr, touched, undefined, shared, r);
  // The tail's component sides carry over unless the write may have split a component (then the first query builds them).
  const prevSides = prev.solver.sides;
  const sides = prevSides ? patchComponentSides(r ? renumberComponentSides(prevSides, transition, r) : prevSides, prev.transition, transition, touched, r) : undefined;
  const solver = createPushSolver(transition, input.push, { ...(sides ? { sides } : {}), pool: input.scratchPool });
  const newItems = r ? insertedNodes(r).filter((v) => csr.kinds[v] === KIND_ITEM) : [];
  const popularity = r ? scatter(Float64Array, prev.popularity, r, false) : prev.popularity.slice();
  const changed: number[] = [];
  // A new item is not learned: the fold-in runs again (it gives the item its knowledge neighbours' mean).
  let learnedChanged = newItems.length > 0;
  const written = new Set(Array.from(touched));
  for (const v of written) {
    if (csr.kinds[v] !== KIND_ITEM) continue;
    const count = graphItemInteractions(csr, v);
    if (count === popularity[v]) continue;
    if (count > 0 !== popularity[v]! > 0) learnedChanged = true;
    popularity[v] = count;
    changed.push(v);
  }
  // An order of the old items at the new indices, the new items after them: each new item is then placed by its key.
  const withNew = (order: Uint32Array): Uint32Array => {
    if (!r) return order;
    const all = new Uint32Array(order.length + newItems.length);
    all.set(remapNodes(order, r, false));
    all.set(newItems, order.length);
    return all;
  };
  const popMoved = [...new Set([...changed, ...newItems])];
  const popularOrder = popMoved.length > 0 ? reorder(withNew(prev.popularOrder), popMoved, (v) => popularity[v]!) : withNew(prev.popularOrder);
  // The tail order carries over the same way: only the touched items' strengths moved.
  const prevTail = prev.tailOrder.peek();
  const strengthMoved = new Set(newItems);
  const prevStrength = prev.transition.strength;
  if (prevTail) {
    for (const v of written) {
      if (csr.kinds[v] !== KIND_ITEM) continue;
      const s = r ? oldIndexOf(r, v) : v;
      if (s < 0 || transition.strength[v] !== prevStrength[s]) strengthMoved.add(v);
    }
  }
  const beta = prev.options.pprDegreeDiscount;
  // No closure here may reference `prev`: the new context would then hold every earlier version (the lazy values keep
  // their closures), which `test/retrieve/context-patch.test.ts` checks.
  const items = r ? mergeAscending(prev.items, r, newItems, false) : prev.items;
  const tailOrder = prevTail
    ? lazy(() => (strengthMoved.size > 0 ? reorder(withNew(prevTail), [...strengthMoved], (v) => tailKey(transition.strength, beta, v)) : withNew(prevTail)))
    : lazy(() => buildTailOrder(items, transition.strength, beta));
  const embeddings = learnedChanged && input.embeddings ? foldInItems(input.embeddings, csr, popularity) : prev.embeddings;
  // The knowledge edges did not change: the lists carry over, re-cut where a broad entity links an item that moved.
  const prevLists = prev.knowledgeLists.peek();
  const opts = prev.options;
  const given = input.prebuiltKnowledgeLists;
  if (given && given.listStart.length !== csr.nodeCount + 1) throw new AppError('BAD_REQUEST', 'retrieve: the prebuilt knowledge lists belong to another graph');
  const knowledgeLists = given
    ? lazy(() => given)
    : prevLists
      ? lazy(() => patchKnowledgeLists(r ? renumberKnowledgeLists(prevLists, r, shared) : prevLists, transition, popularity, changed, shared))
      : lazy(() => buildKnowledgeLists(transition, popularity, opts.knowledgeEntityDiscount, opts.knowledgeMaxEntityItems, shared));
  return withStrategies({
    csr,
    transition,
    solver,
    options: prev.options,
    items,
    popularity,
    popularOrder,
    tailOrder,
    knowledgeLists,
    embeddings,
    itemRows: embeddings === prev.embeddings && !r ? prev.itemRows : embeddings ? itemRowsOf(embeddings, csr) : undefined,
    labels: input.labels,
    itemProps: input.itemProps,
    itemPropsOfItems: propsOfItems(csr, items, input.itemProps),
    keywords: input.prebuiltKeywords ?? (input.names ? createKeywordMatcher(input.names) : undefined),
    scratch: createEligibilityScratch(csr.nodeCount),
    scratchPool: input.scratchPool,
  });
}
