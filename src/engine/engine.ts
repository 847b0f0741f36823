/**
 * @module engine/engine
 * The running recommender of a serving process: the current projection with its retrieval context (PPR solver,
 * popularity, embeddings, keyword matcher), the display names read from Neo4j, and the explanation pipeline. Writes
 * reach it through `applyUpdates` (engine/live coalesces them): the committed state of each touched (user, item) pair,
 * turned into edge weights exactly as the projection reload does (per-kind transforms, then core/interactions
 * `edgeWeight`; project/interaction-values), new users and items at their canonical position, new titles into the
 * labels, the grounding name index and the keyword/search index. The result is a new immutable CSR and a context
 * patched at the touched rows (retrieve/context `patchRecommendContext`), swapped in by one assignment, so a request
 * in flight keeps the version it started with. The API, the
 * CLI and the evaluation harness call the same `recommend`.
 */
import { CopyQueue, copyNow, type BlockCopier } from '../core/block-copy.ts';
import { dropShared, typedArraysOf } from '../core/shared-arrays.ts';
import { ScratchPool } from '../core/scratch-pool.ts';
import { AppError } from '../core/errors.ts';
import { edgeWeight, INTERACTION_DEFAULTS, type InteractionSettings, type PairState } from '../core/interactions.ts';
import { NOT_ITEM_PROPS, scalarProps, type NodeRef, type Props } from '../core/model.ts';
import { patchTransition, type Transition } from '../compute/ppr/transition.ts';
import { KIND_CODES, type Csr } from '../project/csr.ts';
import { fromIdParts, idParts, PackedIdIndex, type PackedIdParts } from '../project/node-ids.ts';
import { addInteractions, insertNodes, type NewNode } from '../project/csr-update.ts';
import { insertedNodes, renumberedIndex, type Renumbering } from '../project/renumber.ts';
import { nodeKey } from '../project/load.ts';
import { resolveNodeId } from '../project/resolve-id.ts';
import { createRecommendContext, patchRecommendContext, resolveRecommendOptions, type RecommendContext, type RecommendContextInput } from '../retrieve/context.ts';
import type { KnowledgeLists } from '../retrieve/knowledge-part.ts';
import { keyedPairs, LiveInteractionWeights, type InteractionValues } from '../project/interaction-values.ts';
import { DEFAULTS } from '../core/config.ts';
import type { WeightsConfig } from '../core/weight-transform.ts';
import { embeddingSearch, type EmbeddingSearch } from '../retrieve/ann.ts';
import type { EmbeddingIndex } from '../retrieve/embedding-index.ts';
import type { HybridPartName, StrategyName } from '../retrieve/strategy.ts';
import { recommend, type RecommendRequest, type RecommendResult } from '../retrieve/recommend.ts';
import { buildEvidence, carryEvidenceTables, evidenceTablesOf, giveEvidenceTables, shareEvidenceTables, type Evidence, type EvidenceTables } from '../explain/evidence.ts';
import type { PathFacts } from '../explain/paths.ts';
import { explainEvidence, type ExplainOptions, type Explanation } from '../explain/explain.ts';
import { buildNameIndex, changeNames, DistinctLabels, type NameIndex } from '../explain/grounding.ts';
import type { NameChange } from '../core/names.ts';
import type { GuardedLlm } from '../explain/llm/client.ts';
import type { ExplainPolicy } from '../explain/llm/policy.ts';

export type ExplainMode = 'none' | 'paths' | 'text';

export interface EngineInputs {
  csr: Csr;
  /** Display names by node key (item titles, entity names); the engine keeps its own copy and updates it. */
  labels: ReadonlyMap<string, string>;
  /** Scalar properties by item node key (what `filters.itemProps` compares); copied, then updated by item writes. */
  itemProps?: ReadonlyMap<string, Props>;
  /** Retrieval settings and embeddings (see retrieve/context). */
  context?: Omit<RecommendContextInput, 'labels' | 'names' | 'itemProps'>;
  /** How interaction kinds combine into an edge weight (the config's `interactions`). [INTERACTION_DEFAULTS] */
  interactions?: InteractionSettings;
  /** Per-kind transforms of the kinds' values (the config's `weights`). [DEFAULTS.weights] */
  weights?: WeightsConfig;
  /**
   * The stored (user, item, kind) values behind `csr` (project/load returns them with the projection). With them,
   * written pairs get their edge weights as a reload derives them (transforms included, project/interaction-values);
   * without them (a bare CSR, unit tests) the written kinds combine untransformed.
   */
  values?: InteractionValues;
  /**
   * How a write batch reaches the retrieval context: `patch` the touched rows (retrieve/context
   * `patchRecommendContext`) or `rebuild` it whole (the earlier behaviour; the baseline of `npm run bench -- freshness`).
   * Both give equal contexts; a batch that inserts nodes is patched with the renumbering (project/renumber). ['patch']
   */
  contextUpdates?: 'patch' | 'rebuild';
  /**
   * Live writes build their versions on shared buffers from the start (the config's `interactions.sharedVersions`;
   * copies of the engine turn it on, {@link Engine.shareVersions}). V8 then leaves the replaced versions to the
   * collector of shared garbage (core/shared-arrays) instead of starting full collections as a write allocates the
   * new one. [false]
   */
  sharedVersions?: boolean;
  llm?: GuardedLlm;
  /** Who writes explanations and why (explain/llm/policy); without it: the LLM when given, else the template. */
  explainPolicy?: ExplainPolicy;
  /** What the interaction edges are (their kind, whether weights are ratings), for the evidence and its text. */
  interactionKind?: { kind: string; rated: boolean };
  /**
   * Parts of the first context built already by another engine over the same `csr` and settings: its transition, the
   * knowledge walk's lists and the evidence tables (engine/replicas hands a copy the serving engine's, on shared
   * buffers). Used for the first version only; later versions build or patch their own.
   */
  prebuilt?: { transition: Transition; knowledgeLists?: KnowledgeLists; evidenceTables?: EvidenceTables };
}

/** What committed writes change (see engine/live): users and items upserted, and (user, item) pairs' kept kinds. */
export interface EngineUpdate {
  users?: ReadonlyArray<{ id: string }>;
  items?: ReadonlyArray<{ id: string; title: string; props?: Props }>;
  edges?: readonly PairState[];
}

/**
 * A version of the serving engine's graph as its copies in worker threads adopt it (engine/replicas): the CSR (its
 * ids only when nodes were inserted), the transition, the knowledge lists and the evidence tables it built, all on
 * shared buffers, and what the copy derives itself: the items whose titles and props the write set, the rows it
 * touched when the context was patched (absent: rebuilt) with the renumbering when it inserted nodes, and the
 * interactions' regime.
 */
export interface AdoptedVersion {
  version: number;
  csr: Omit<Csr, 'ids' | 'index'>;
  /** The ids when the write added nodes (project/node-ids parts: a class does not cross to a thread). */
  ids?: PackedIdParts;
  transition: Transition;
  knowledgeLists?: KnowledgeLists;
  evidenceTables?: EvidenceTables;
  touched?: readonly number[];
  /** Where the old nodes went when the write inserted some and the context was patched (project/renumber). */
  renumbering?: Renumbering;
  items: ReadonlyArray<{ id: string; title: string; props?: Props }>;
  heavyTailed: boolean;
}

export interface ExplainedItem {
  evidence?: Evidence;
  explanation?: Explanation;
}

/** The typed arrays of a version: its CSR's (its ids' and id table's too), transition's, knowledge lists' and evidence tables'. */
function versionArrays(ctx: RecommendContext): ArrayBufferView[] {
  return typedArraysOf([ctx.csr, ctx.csr.ids, ctx.csr.index, ctx.transition, ctx.knowledgeLists.peek(), evidenceTablesOf(ctx.csr)]);
}

export class Engine {
  private ctx: RecommendContext;
  private graphVersion = 0;
  private nameIndex: NameIndex;
  /** Display names; item titles told apart where two items share one, kept so as titles change (explain/grounding `DistinctLabels`). */
  private readonly titles: DistinctLabels;
  private readonly labels: ReadonlyMap<string, string>;
  private readonly itemProps: Map<string, Props>;
  private readonly settings: InteractionSettings;
  private readonly liveWeights: LiveInteractionWeights | undefined;
  /** Vectors swapped in after construction (training that finished while serving); else the inputs' own. */
  private embeddings: EmbeddingIndex | undefined;
  /** True while {@link applyUpdatesInSlices} runs. */
  private slicing = false;
  /** Live writes build their versions on shared buffers: for copies that adopt them ({@link shareVersions}), or as set. */
  private sharing: boolean;
  /** What the last application did that a copy adopting its version derives itself ({@link versionForCopies}). */
  private lastApplied: Pick<AdoptedVersion, 'touched' | 'renumbering' | 'items'> & { idsChanged: boolean } = { items: [], idsChanged: false };
  /**
   * Set on a copy by {@link adopt}: the serving engine's regime. Its own interaction weights are then behind, so a copy
   * that adopted a version applies no writes itself.
   */
  private adoptedHeavyTailed: boolean | undefined;
  /** The request scratch every version of this engine takes in turn (core/scratch-pool), instead of allocating its own. */
  private readonly scratchPool = new ScratchPool();
  /** What the path search derives from the knowledge edges, which live writes never change: derived once (explain/paths). */
  private readonly pathFacts: PathFacts = {};
  /**
   * The inputs' settings. Not the graph (`csr`, `prebuilt`), the names or the vectors: a live write replaces the
   * context, and keeping the first one's CSR and transition here held them for the process's life (1–2 GB at 50M
   * interactions); the names are copied and the vectors kept in {@link embeddings}.
   */
  private readonly inputs: Omit<EngineInputs, 'csr' | 'labels' | 'itemProps' | 'prebuilt' | 'values'>;

  constructor(inputs: EngineInputs) {
    const { csr: _csr, labels: _labels, itemProps: _itemProps, prebuilt: _prebuilt, values: _values, ...settings } = inputs;
    const { embeddings: _embeddings, ...context } = inputs.context ?? {};
    this.inputs = { ...settings, ...(inputs.context ? { context } : {}) };
    this.embeddings = inputs.context?.embeddings;
    this.titles = new DistinctLabels(inputs.labels);
    this.labels = this.titles.labels;
    this.itemProps = new Map(inputs.itemProps ?? []);
    this.settings = inputs.interactions ?? INTERACTION_DEFAULTS;
    this.liveWeights = inputs.values ? new LiveInteractionWeights(inputs.csr, inputs.values, inputs.weights ?? DEFAULTS.weights, this.settings) : undefined;
    this.sharing = inputs.sharedVersions === true;
    // The first version's transition, lists and evidence tables go on shared buffers, which copies of this engine in
    // worker threads read (engine/replicas); what live writes build later is shared with `sharedVersions` or after
    // shareVersions.
    const prebuilt = inputs.prebuilt;
    const first: RecommendContextInput = {
      ...this.contextInput(),
      sharedArrays: true,
      ...(prebuilt ? { prebuiltTransition: prebuilt.transition } : {}),
      ...(prebuilt?.knowledgeLists ? { prebuiltKnowledgeLists: prebuilt.knowledgeLists } : {}),
    };
    this.ctx = createRecommendContext(inputs.csr, first);
    if (prebuilt?.evidenceTables) giveEvidenceTables(inputs.csr, prebuilt.evidenceTables);
    else shareEvidenceTables(inputs.csr);
    this.nameIndex = this.buildNames();
  }

  /** The name index over the labels, titles told apart where two items share one (explain/grounding `distinctLabels`). */
  private buildNames(): NameIndex {
    return buildNameIndex([...this.labels].map(([key, name]) => ({ key, name })));
  }

  /**
   * A context for `csr`; `keywords` = the current keyword matcher when the names did not change (not rebuilt);
   * `touched` = the nodes whose interaction edges changed since the current context (same nodes, or the nodes of `r`
   * when the write inserted some): patch it.
   */
  private contextFor(csr: Csr, keywords?: RecommendContext['keywords'], touched?: readonly number[], transition?: Transition, r?: Renumbering): RecommendContext {
    const input = this.contextInput(keywords);
    delete this.lastApplied.renumbering;
    if (touched && (r !== undefined || this.ctx.csr.nodeCount === csr.nodeCount) && this.patches(input)) {
      this.lastApplied.touched = touched;
      if (r) this.lastApplied.renumbering = r;
      return patchRecommendContext(this.ctx, csr, touched, input, transition, r);
    }
    delete this.lastApplied.touched;
    return createRecommendContext(csr, input);
  }

  /**
   * Whether the context of a new version with the same nodes is a patch of the current one: the options stay the same
   * (a write that moves the regime, its degree discount, rebuilds) and patching is on.
   */
  private patches(input = this.contextInput(this.ctx.keywords)): boolean {
    const sameOptions = resolveRecommendOptions(input).pprDegreeDiscount === this.ctx.options.pprDegreeDiscount;
    return sameOptions && (this.inputs.contextUpdates ?? 'patch') === 'patch';
  }

  /** The interactions' regime now (live writes can move it), as a reload of the same values decides it. */
  private get heavyTailed(): boolean {
    return this.inputs.context?.heavyTailed ?? this.adoptedHeavyTailed ?? this.liveWeights?.heavyTailed ?? false;
  }

  /** The context input of the current labels, props and vectors; `keywords` = a keyword matcher to reuse. */
  private contextInput(keywords?: RecommendContext['keywords']): RecommendContextInput {
    const labels = this.labels;
    const itemProps = this.itemProps;
    const input: RecommendContextInput = {
      ...this.inputs.context,
      ...(this.embeddings ? { embeddings: this.embeddings } : {}),
      heavyTailed: this.heavyTailed,
      ...(this.sharing ? { sharedArrays: true } : {}),
      labels: (key) => labels.get(key),
      itemProps: (key) => itemProps.get(key),
      names: labels,
      ...(keywords ? { prebuiltKeywords: keywords } : {}),
      scratchPool: this.scratchPool,
    };
    return input;
  }

  /** Interaction weights written since the engine started were derived with the projection's transforms (tests). */
  get liveWeightStats(): { fullRecomputes: number; plans: Record<string, string> } | undefined {
    return this.liveWeights ? { fullRecomputes: this.liveWeights.fullRecomputes, plans: this.liveWeights.plans } : undefined;
  }

  /** The grounding name index of the explanations (item titles, entity names). */
  get names(): NameIndex {
    return this.nameIndex;
  }

  get context(): RecommendContext {
    return this.ctx;
  }

  /**
   * Swaps in trained vectors (embeddings trained in the background while this engine served): the next request's
   * `hybrid` fuses the embedding part and `embedding` answers itself instead of falling back. The graph, its version
   * and the explanations' cache are unchanged (evidence does not depend on the vectors).
   */
  setEmbeddings(embeddings: EmbeddingIndex): void {
    this.embeddings = embeddings;
    this.ctx = this.contextWithVectors();
  }

  /**
   * The current graph's context with the current vectors. The transition and the knowledge lists do not depend on the
   * vectors: the current ones are kept (not built again) while the settings they were built under hold.
   */
  private contextWithVectors(): RecommendContext {
    const prev = this.ctx;
    const input = this.contextInput(prev.keywords);
    const options = resolveRecommendOptions(input);
    const lists = prev.knowledgeLists.peek();
    const sameLists = options.knowledgeEntityDiscount === prev.options.knowledgeEntityDiscount && options.knowledgeMaxEntityItems === prev.options.knowledgeMaxEntityItems;
    return createRecommendContext(prev.csr, { ...input, prebuiltTransition: prev.transition, ...(lists && sameLists ? { prebuiltKnowledgeLists: lists } : {}) });
  }

  /**
   * Which strategies answer with their own scores now: `ppr`, `popular` and `hybrid` always (hybrid over PPR,
   * popularity and the knowledge walk until vectors are loaded), `embedding` only with vectors (without them it falls
   * back to `ppr`). `embeddingSearch` says how the embedding part searches (retrieve/ann): `exact` (every item),
   * `building` (the IVF index of a large catalogue is being built; exact meanwhile), `ivf`, `failed` (exact), or
   * `none` without vectors. The readiness detail of `graphrec serve` shows it.
   */
  get strategies(): { live: StrategyName[]; pending: StrategyName[]; hybridParts: HybridPartName[]; embeddingSearch: EmbeddingSearch | 'none' } {
    const vectors = this.ctx.embeddings !== undefined;
    const weights = vectors ? this.ctx.options.weights : this.ctx.options.weightsNoEmbedding;
    const hybridParts = (Object.keys(weights) as HybridPartName[]).filter((part) => weights[part] > 0);
    return {
      live: vectors ? ['hybrid', 'ppr', 'embedding', 'popular'] : ['hybrid', 'ppr', 'popular'],
      pending: vectors ? [] : ['embedding'],
      hybridParts,
      embeddingSearch: embeddingSearch(this.ctx.embeddings, this.ctx.options.embeddingMetric, this.ctx.options),
    };
  }

  get version(): number {
    return this.graphVersion;
  }

  get llmName(): string | undefined {
    return this.inputs.llm?.name;
  }

  /** A user or item id as the projection knows it: as given, or a bare dataset id (`1` → `ml100k:u:1`) when unambiguous. */
  resolveId(kind: 'User' | 'Item', raw: string): string {
    return resolveNodeId(this.ctx.csr, kind, raw);
  }

  recommend(request: RecommendRequest): RecommendResult {
    return recommend(this.ctx, request);
  }

  /** Who writes explanations and why (the readiness detail shows it). */
  get explainPolicy(): ExplainPolicy {
    const llm = this.inputs.llm;
    return this.inputs.explainPolicy ?? (llm ? { mode: 'always', source: 'llm', reason: 'an LLM was given', model: llm.name } : { mode: 'never', source: 'template', reason: 'no LLM configured' });
  }

  evidence(request: { user?: string; seeds?: NodeRef[]; item: string; batch?: readonly string[] }): Evidence {
    return buildEvidence({ ...this.ctx, pathFacts: this.pathFacts, ...(this.inputs.interactionKind ? { interactions: this.inputs.interactionKind } : {}) }, request);
  }

  /**
   * Builds what the context and the explanations otherwise build on their first request — the push solver's
   * component sides, each live strategy with its lists (the knowledge walk's item↔entity lists, PPR's tail order),
   * the path finder's scratch — by answering one request of each kind for the first user with
   * interactions. Seconds at 50M interactions (docs/scaling.md): paid once at boot instead of by the first user. A
   * live write's new context carries the component sides and the knowledge lists over and builds the rest again on
   * its first request. Returns the seconds it took.
   */
  warm(): number {
    const t0 = performance.now();
    const csr = this.ctx.csr;
    let user = -1;
    for (let v = 0; v < csr.nodeCount && user < 0; v++) if (csr.kinds[v] === KIND_CODES.User && csr.outStarts[v + 1]! > csr.outStarts[v]!) user = v;
    if (user >= 0) {
      const key = csr.ids.at(user)!;
      let first: string | undefined;
      for (const strategy of this.strategies.live) first ??= this.recommend({ user: key, k: 10, strategy }).items[0]?.id;
      if (first !== undefined) this.evidence({ user: key, item: first });
    }
    return (performance.now() - t0) / 1000;
  }

  /** Evidence (for `paths` and `text`) and the explanation (for `text`) of one recommended item; `known` = its evidence if already built. */
  async explain(
    request: { user?: string; seeds?: NodeRef[]; item: string },
    mode: ExplainMode,
    known?: Evidence,
    options: Pick<ExplainOptions, 'style' | 'onText' | 'client' | 'signal' | 'budget'> = {},
  ): Promise<ExplainedItem> {
    if (mode === 'none') return {};
    const evidence = known ?? this.evidence(request);
    if (mode === 'paths') return { evidence };
    const who = request.user ?? (request.seeds ?? []).map((s) => `${s.kind}:${s.id}`).join('+');
    const cacheKey = JSON.stringify([who, request.item, this.graphVersion]);
    const deps = { ...(this.inputs.llm ? { llm: this.inputs.llm } : {}), names: this.names, templateReason: this.explainPolicy.reason };
    const explanation = await explainEvidence(deps, evidence, { cacheKey, ...options });
    const { template: _template, ...served } = explanation;
    return { evidence, explanation: served };
  }

  /**
   * Applies committed writes: new users and items (at their canonical position), item titles and props, and the kept
   * kinds of each (user, item) pair, combined by core/interactions `edgeWeight` (the reload's function) into the
   * edge's new weight. Swaps in a new CSR and context; a no-op update changes nothing (not even the version).
   * Synchronous: the whole application holds the event loop (O(graph) block copies; see {@link applyUpdatesInSlices}).
   */
  applyUpdates(update: EngineUpdate): void {
    if (this.slicing) throw new AppError('INTERNAL', 'engine: an application in slices is in flight');
    this.assertApplies();
    const steps = this.applySteps(update, copyNow);
    while (!steps.next().done);
  }

  /**
   * {@link applyUpdates} with its block copies (the CSR's, the transition's, the evidence tables') done in slices of
   * about `sliceMs`, the event loop free in between: requests keep the version they find until the new one is swapped
   * in, complete, at the end. A batch that inserts nodes has its CSR's edge arrays renumbered in slices too. One
   * application at a time (engine/live). Resolves with the milliseconds it held the event loop.
   */
  async applyUpdatesInSlices(update: EngineUpdate, sliceMs: number): Promise<number> {
    if (this.slicing) throw new AppError('INTERNAL', 'engine: an application in slices is in flight');
    this.assertApplies();
    this.slicing = true;
    const queue = new CopyQueue();
    let busy = 0;
    try {
      const steps = this.applySteps(update, queue);
      for (;;) {
        const t0 = performance.now();
        const done = steps.next().done === true;
        busy += performance.now() - t0;
        if (done) return busy;
        busy += await queue.drain(sliceMs);
      }
    } finally {
      this.slicing = false;
    }
  }

  /** Takes the titles and props of written items (by the rule the projection reads them with); returns the labels that changed. */
  private takeItems(items: AdoptedVersion['items']): NameChange[] {
    const changes: NameChange[] = [];
    for (const item of items) {
      const key = nodeKey('Item', item.id);
      // A reload tells apart the titles two items share (DistinctLabels), so a written title can relabel other items.
      changes.push(...this.titles.setTitle(key, item.title));
      // Kept by the rule the projection reads them with (project/load readItemProps).
      const props = { ...this.itemProps.get(key), ...scalarProps(item.props, NOT_ITEM_PROPS) };
      if (Object.keys(props).length > 0) this.itemProps.set(key, props);
    }
    return changes;
  }

  /**
   * The name index and the keyword matcher with the labels `changes` changed, each changed at those names only
   * (explain/grounding `changeNames`, retrieve/keywords `withChanges`): a build of both at 50M interactions held the
   * event loop 3.6–4 s on every write that set a title (docs/scaling.md, "Titles written live").
   */
  private renamed(changes: readonly NameChange[]): RecommendContext['keywords'] {
    if (changes.length === 0) return this.ctx.keywords;
    this.nameIndex = changeNames(this.nameIndex, changes);
    return this.ctx.keywords?.withChanges(changes, this.labels);
  }

  /**
   * From now on the versions live writes build go on shared buffers (core/shared-arrays), so that copies of this
   * engine in worker threads adopt them ({@link versionForCopies}, {@link adopt}) instead of building their own.
   */
  shareVersions(): void {
    this.sharing = true;
  }

  /**
   * The current version as a copy adopts it (engine/replicas posts it after each application). Its knowledge lists
   * are built now if the first request has not built them yet, so that the copies read these instead of building
   * their own. Arrays not on shared buffers (a version built before {@link shareVersions}) would reach a copy as
   * copies of their own; engine/replicas puts them on shared buffers once.
   */
  versionForCopies(): AdoptedVersion {
    const ctx = this.ctx;
    const { ids: _ids, index: _index, ...csr } = ctx.csr;
    const tables = evidenceTablesOf(ctx.csr);
    const { touched, renumbering, items, idsChanged } = this.lastApplied;
    return {
      version: this.graphVersion,
      csr,
      ...(idsChanged ? { ids: idParts(ctx.csr.ids, ctx.csr.index) } : {}),
      transition: ctx.transition,
      knowledgeLists: ctx.knowledgeLists(),
      ...(tables ? { evidenceTables: tables } : {}),
      ...(touched ? { touched } : {}),
      ...(renumbering ? { renumbering } : {}),
      items,
      heavyTailed: this.heavyTailed,
    };
  }

  /**
   * Takes the serving engine's next version (a copy in a worker thread; engine/replicas): its CSR, transition,
   * knowledge lists and evidence tables as they are, and the context patched at the same rows (or built anew) over
   * them, as the serving engine's application did. Each version in order: `version` must follow this engine's. A copy
   * that adopted versions does not apply writes itself (its interaction weights are not kept).
   */
  adopt(v: AdoptedVersion): void {
    if (this.slicing) throw new AppError('INTERNAL', 'engine: an application in slices is in flight');
    if (v.version !== this.graphVersion + 1) throw new AppError('INTERNAL', `engine: version ${v.version} does not follow ${this.graphVersion}`);
    const prev = this.ctx.csr;
    const sent = v.ids ? fromIdParts(v.ids) : undefined;
    const ids = sent?.ids ?? prev.ids;
    const r = v.renumbering;
    if (r && (!sent || r.oldToNew.length !== prev.nodeCount || r.nodeCount !== ids.length)) throw new AppError('INTERNAL', 'engine: the adopted renumbering belongs to another graph');
    // Inserted nodes: the old index read through the renumbering, as the serving engine's (project/renumber).
    const index = !sent ? prev.index : r ? renumberedIndex(prev.index, r, new Map(insertedNodes(r).map((j) => [ids.at(j)!, j])), ids) : (sent.index ?? PackedIdIndex.of(sent.ids));
    const csr: Csr = { ...v.csr, ids, index };
    if (ids.length !== csr.nodeCount) throw new AppError('INTERNAL', 'engine: the adopted version has ids for another graph');
    this.adoptedHeavyTailed = v.heavyTailed;
    const keywords = this.renamed(this.takeItems(v.items));
    const input: RecommendContextInput = {
      ...this.contextInput(keywords),
      ...(v.knowledgeLists ? { prebuiltKnowledgeLists: v.knowledgeLists } : {}),
    };
    const ctx =
      v.touched && (r !== undefined || prev.nodeCount === csr.nodeCount)
        ? patchRecommendContext(this.ctx, csr, v.touched, input, v.transition, r)
        : createRecommendContext(csr, { ...input, prebuiltTransition: v.transition });
    if (v.evidenceTables) giveEvidenceTables(csr, v.evidenceTables);
    this.swapIn(ctx, v.version);
  }

  /**
   * Makes `ctx` the current version, numbered `version`. The shared buffers the replaced one held and `ctx` does not
   * go to the collector of shared garbage (core/shared-arrays): V8 does not collect them by itself.
   */
  private swapIn(ctx: RecommendContext, version: number): void {
    const dropped = versionArrays(this.ctx);
    this.ctx = ctx;
    this.graphVersion = version;
    dropShared(dropped, versionArrays(ctx));
  }

  /**
   * The application as steps: each `yield` is a point where the copies queued on `copier` must be complete before
   * the next step reads what they fill. Nothing a request reads changes before the last step.
   */
  private *applySteps(update: EngineUpdate, copier: BlockCopier): Generator<void, void> {
    const before = this.ctx.csr;
    const embeddings = this.embeddings;
    let csr = before;
    const nodes: NewNode[] = [];
    for (const u of update.users ?? []) nodes.push({ id: nodeKey('User', u.id), kind: KIND_CODES.User });
    for (const i of update.items ?? []) nodes.push({ id: nodeKey('Item', i.id), kind: KIND_CODES.Item });
    for (const e of update.edges ?? []) nodes.push({ id: nodeKey('User', e.userId), kind: KIND_CODES.User }, { id: nodeKey('Item', e.itemId), kind: KIND_CODES.Item });
    const shared = this.sharing;
    const inserted = insertNodes(csr, nodes, shared, copier);
    csr = inserted.csr;
    // The remapped edge arrays are read below (the written rows' merge): complete once the copier has drained.
    if (inserted.added > 0) yield;
    let changed = inserted.added > 0 || (update.items ?? []).length > 0;
    const renames = this.takeItems(update.items ?? []);
    // New users and items: what the current version derived from the graph moves to the new indices as it is copied
    // (project/renumber), and the written rows are patched, as for a write without new nodes.
    const r = inserted.renumbering;
    const touched: number[] = [];
    if (update.edges && update.edges.length > 0) {
      const written = this.liveWeights
        ? this.liveWeights.apply(keyedPairs(update.edges, nodeKey), csr)
        : update.edges.map((e) => ({ userId: nodeKey('User', e.userId), itemId: nodeKey('Item', e.itemId), weight: edgeWeight(e.kinds, this.settings) }));
      const result = addInteractions(csr, written, { onExisting: 'replace', createNodes: false, shared }, copier);
      csr = result.csr;
      changed ||= result.addedEdges + result.updatedEdges > 0;
      for (const w of written) touched.push(csr.index.get(w.userId)!, csr.index.get(w.itemId)!);
      yield; // the new CSR complete
    }
    if (!changed) return;
    const keywords = this.renamed(renames);
    // A batch that re-derives most edges (a kind's transform plan changed) is cheaper to rebuild than to patch.
    const patch = touched.length < csr.nodeCount / 4 ? touched : undefined;
    let transition: Transition | undefined;
    if (patch && this.patches()) {
      transition = patchTransition(this.ctx.transition, csr, patch, copier, shared, r);
      yield; // the patched transition complete
    }
    const ctx = this.contextFor(csr, keywords, patch, transition, r);
    // The evidence tables are patched at the same rows when the last version had them.
    if (shared) shareEvidenceTables(csr);
    if (patch && carryEvidenceTables(before, csr, patch, copier, r)) yield;
    this.lastApplied.items = update.items ?? [];
    this.lastApplied.idsChanged = inserted.added > 0;
    this.swapIn(ctx, this.graphVersion + 1);
    // Vectors swapped in while this ran (setEmbeddings) were not in the context built above; the arrays stay the same.
    if (this.embeddings !== embeddings) this.ctx = this.contextWithVectors();
  }

  private assertApplies(): void {
    if (this.adoptedHeavyTailed !== undefined) throw new AppError('INTERNAL', 'engine: a copy that adopts the serving engine\'s versions does not apply writes itself');
  }

  async close(): Promise<void> {
    await this.inputs.llm?.close();
  }
}

export function assertExplainMode(value: string): ExplainMode {
  if (value === 'none' || value === 'paths' || value === 'text') return value;
  throw new AppError('BAD_REQUEST', `explain must be none, paths or text (got ${JSON.stringify(value)})`);
}
