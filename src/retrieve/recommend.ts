/**
 * @module retrieve/recommend
 * The one recommendation function the API, the CLI and the evaluation harness all call (Gorse's `logics/recommend`
 * habit): validate the request, build the restart vector and the eligibility mask, run the strategy, fill up along
 * its fallback chain, optionally diversify, paginate, and map node indices back to ids.
 *
 * - Who: `user` (a graph id, `NOT_FOUND` when unknown), cold-start `seeds` (items/entities, `NOT_FOUND` when unknown),
 *   free-text `keywords` (matched to names, see `keywords.ts`), any combination, or nobody (then only `popular` can
 *   answer and the result says `fallbackUsed`). History seed weight = rating − `ratingFloor` (when `rated`), else the
 *   interaction weight; with both a user and seeds, `seedShare` of the restart mass goes to the seeds.
 * - What: never an item the user interacted with or a seed item; never an `exclude`d item; only items passing
 *   `filters`. The fallback chain (default hybrid → ppr → popular) tops the list up to `offset + k` whenever the
 *   catalogue has that many eligible items, because `popular` scores every item.
 * - Scores: `score` is the score of the strategy that contributed the item (`via`), so it is comparable within one
 *   source only; `rank` is the order. `sources` has every base strategy's own score of the item that ran.
 *
 * Cost per request (ML-100K + DBpedia, n = 13k nodes, I = 1.7k items): one push PPR (dominant: a few ms), O(n) to
 * reset the mask and the solver, O(I · dim) for embeddings, O(I log pool) heaps; no O(n log n) sort.
 *
 * @example
 * recommend(ctx, { user: 'ml100k:u:1', k: 10, strategy: 'hybrid', filters: { entity: ['dbpedia:Ridley_Scott'] } });
 */
import { AppError } from '../core/errors.ts';
import { NODE_KINDS, type NodeRef, type PropValue } from '../core/model.ts';
import { makeSeedVector, type SeedVector } from '../compute/ppr/seed-vector.ts';
import { INTERACTION_RELATION_ID, KIND_CODES, kindName, lookupNode, type Csr } from '../project/csr.ts';
import { RECOMMEND_DEFAULTS, type RecommendContext } from './context.ts';
import { itemSimilarity, mmr } from './diversity.ts';
import { buildEligibility } from './eligibility.ts';
import { STRATEGY_NAMES, type BaseStrategyName, type CandidateRequest, type ScoreOf, type StrategyName } from './strategy.ts';

// Imported constants copied into module scope: hot loops then read a local binding, not an import accessor.
const REL_INTERACTION = INTERACTION_RELATION_ID;
const KIND_ITEM: number = KIND_CODES.Item;
const KIND_USER: number = KIND_CODES.User;
export { RECOMMEND_DEFAULTS };

export interface RecommendRequest {
  /** Graph id of the user (or its node key). */
  user?: string;
  /** Cold-start seeds: items and/or entities, each with an optional restart weight (> 0, default 1). */
  seeds?: SeedRef[];
  /** Cold-start free text, matched against the context's names. */
  keywords?: string;
  /** Page size. [RECOMMEND_DEFAULTS.k] */
  k?: number;
  /** Items to skip (pagination). [0] */
  offset?: number;
  strategy?: StrategyName;
  /** Item ids never to return. */
  exclude?: string[];
  filters?: { entity?: string[]; itemProps?: Record<string, PropValue> };
  /** MMR λ in [0, 1]; 0 = off. [0] */
  diversity?: number;
}

/** A cold-start seed: a node and its share of the seed restart mass relative to the other seeds. [weight 1] */
export type SeedRef = NodeRef & { weight?: number };

export interface RecommendedItem {
  /** Graph id of the item. */
  id: string;
  /** Projection node key (`Item:<id>`), for explanations. */
  key: string;
  title?: string;
  score: number;
  /** 1-based, counting the offset. */
  rank: number;
  /** Each base strategy's own score of the item, for those that ran. */
  sources: Partial<Record<BaseStrategyName, number>>;
  /** The strategy whose candidate list the item came from. */
  via: StrategyName;
}

export interface RecommendResult {
  items: RecommendedItem[];
  /** The strategy asked for. */
  strategy: StrategyName;
  /** Whether any item came from a fallback (or the strategy could not score the request at all). */
  fallbackUsed: boolean;
  /** The fallback strategies that contributed items, in chain order. */
  fallbacks: StrategyName[];
  /** Node keys of the cold-start seeds used (request seeds and keyword matches). */
  seeds: string[];
}

const MAX_SEEDS = 100;
const MAX_EXCLUDE = 10_000;
const MAX_KEYWORDS_LENGTH = 500;

function bad(message: string): never {
  throw new AppError('BAD_REQUEST', `retrieve: ${message}`);
}

function isPlainObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

interface ValidRequest {
  user: string | undefined;
  seeds: SeedRef[];
  keywords: string | undefined;
  k: number;
  offset: number;
  strategy: StrategyName;
  exclude: string[];
  filters: { entity?: string[]; itemProps?: Record<string, PropValue> };
  diversity: number;
}

/** Guards a request against the context's limits (`BAD_REQUEST`) and fills the defaults. */
export function validateRequest(ctx: RecommendContext, request: RecommendRequest): ValidRequest {
  if (!isPlainObject(request)) bad('the request must be an object');
  const o = ctx.options;
  const { user, seeds = [], keywords, k = o.k, offset = 0, strategy = o.strategy, exclude = [], filters = {}, diversity = 0 } = request;
  if (user !== undefined && (typeof user !== 'string' || user === '')) bad('user must be a non-empty string');
  if (!Array.isArray(seeds) || seeds.length > MAX_SEEDS) bad(`seeds must be an array of at most ${MAX_SEEDS} node references`);
  for (const s of seeds) {
    if (!isPlainObject(s) || typeof s.id !== 'string' || s.id === '' || !(NODE_KINDS as readonly string[]).includes(s.kind)) bad('each seed must be { kind, id }');
    if (s.kind === 'User') bad('seeds must be items or entities');
    if (s.weight !== undefined && !(typeof s.weight === 'number' && Number.isFinite(s.weight) && s.weight > 0)) bad('a seed weight must be a finite number > 0');
  }
  if (keywords !== undefined && (typeof keywords !== 'string' || keywords.length > MAX_KEYWORDS_LENGTH)) bad(`keywords must be a string of at most ${MAX_KEYWORDS_LENGTH} characters`);
  if (!Number.isInteger(k) || k < 1 || k > o.maxK) bad(`k must be an integer in [1, ${o.maxK}]`);
  if (!Number.isInteger(offset) || offset < 0 || offset > o.maxOffset) bad(`offset must be an integer in [0, ${o.maxOffset}]`);
  if (!(STRATEGY_NAMES as readonly string[]).includes(strategy)) bad(`strategy must be one of ${STRATEGY_NAMES.join(', ')}`);
  if (!Array.isArray(exclude) || exclude.length > MAX_EXCLUDE || exclude.some((x) => typeof x !== 'string')) bad(`exclude must be an array of at most ${MAX_EXCLUDE} ids`);
  if (!isPlainObject(filters)) bad('filters must be an object');
  if (filters.entity !== undefined && (!Array.isArray(filters.entity) || filters.entity.some((x) => typeof x !== 'string'))) bad('filters.entity must be an array of entity ids');
  if (filters.itemProps !== undefined) {
    if (!isPlainObject(filters.itemProps)) bad('filters.itemProps must be an object');
    for (const value of Object.values(filters.itemProps)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) bad('filters.itemProps values must be strings, numbers or booleans');
    }
  }
  if (!(typeof diversity === 'number' && diversity >= 0 && diversity <= 1)) bad('diversity must be a number in [0, 1]');
  return { user, seeds, keywords, k, offset, strategy, exclude, filters, diversity };
}

/** Graph id of node `v` (its key without the `<Kind>:` prefix). */
export function graphIdOf(csr: Csr, v: number): string {
  const key = csr.ids.at(v)!;
  const prefix = `${kindName(csr.kinds[v]!)}:`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : key;
}

/** Node index of a user given by graph id or node key; `NOT_FOUND` when absent. */
export function resolveUser(csr: Csr, id: string): number {
  let u = lookupNode(csr, { kind: 'User', id });
  if (u < 0) {
    const direct = csr.index.get(id);
    if (direct !== undefined && csr.kinds[direct] === KIND_USER) u = direct;
  }
  if (u < 0) throw new AppError('NOT_FOUND', `retrieve: unknown user ${JSON.stringify(id)}`);
  return u;
}

interface Profile {
  user: number;
  seeds: SeedVector | undefined;
  profile: Uint32Array;
  profileWeights: Float64Array;
  seen: number[];
  seedKeys: string[];
}

/** Restart vector, fold-in profile and seen set of a request. */
function buildProfile(ctx: RecommendContext, req: ValidRequest): Profile {
  const { csr } = ctx;
  const o = ctx.options;
  const seen: number[] = [];
  const histNodes: number[] = [];
  const histWeights: number[] = [];
  const u = req.user !== undefined ? resolveUser(csr, req.user) : -1;
  if (u >= 0) {
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
      if (csr.outRelations[e] !== REL_INTERACTION) continue;
      const v = csr.outTargets[e]!;
      if (csr.kinds[v] !== KIND_ITEM) continue;
      const w = csr.outWeights[e]!;
      seen.push(v);
      histNodes.push(v);
      histWeights.push(o.rated ? Math.max(w - o.ratingFloor, 0) : w);
    }
    if (histNodes.length > 0 && !histWeights.some((w) => w > 0)) histWeights.fill(1);
  }

  const seedNodes: number[] = [];
  const seedWeights: number[] = [];
  for (const ref of req.seeds) {
    const v = lookupNode(csr, ref);
    if (v < 0) throw new AppError('NOT_FOUND', `retrieve: unknown ${ref.kind} ${JSON.stringify(ref.id)}`);
    seedNodes.push(v);
    seedWeights.push(ref.weight ?? 1);
  }
  if (req.keywords !== undefined && req.keywords.trim() !== '') {
    if (!ctx.keywords) bad('keyword cold start needs names (none loaded)');
    for (const m of ctx.keywords.match(req.keywords, { limit: o.keywordSeeds })) {
      const v = csr.index.get(m.key);
      if (v === undefined) continue;
      seedNodes.push(v);
      seedWeights.push(m.score);
    }
  }

  // Fold-in profile: history items, seed items, and the items of seed entities (1/degree each).
  const profile = [...histNodes];
  const profileWeights = [...histWeights];
  seedNodes.forEach((v, j) => {
    if (csr.kinds[v] === KIND_ITEM) {
      seen.push(v);
      profile.push(v);
      profileWeights.push(seedWeights[j]!);
      return;
    }
    const linked: number[] = [];
    for (let p = csr.outStarts[v]!; p < csr.outStarts[v + 1]!; p++) if (csr.kinds[csr.outTargets[p]!] === KIND_ITEM) linked.push(csr.outTargets[p]!);
    for (let p = csr.inStarts[v]!; p < csr.inStarts[v + 1]!; p++) if (csr.kinds[csr.inSources[p]!] === KIND_ITEM) linked.push(csr.inSources[p]!);
    for (const i of linked) {
      profile.push(i);
      profileWeights.push(seedWeights[j]! / linked.length);
    }
  });

  const sumOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const hs = sumOf(histWeights);
  const ss = sumOf(seedWeights);
  const nodes: number[] = [];
  const weights: number[] = [];
  if (hs > 0) {
    const share = ss > 0 ? 1 - o.seedShare : 1;
    histNodes.forEach((v, j) => (nodes.push(v), weights.push((share * histWeights[j]!) / hs)));
  }
  if (ss > 0) {
    const share = hs > 0 ? o.seedShare : 1;
    seedNodes.forEach((v, j) => (nodes.push(v), weights.push((share * seedWeights[j]!) / ss)));
  }
  const seeds = weights.some((w) => w > 0) ? makeSeedVector(nodes, weights, csr.nodeCount) : undefined;
  return {
    user: u,
    seeds,
    profile: Uint32Array.from(profile),
    profileWeights: Float64Array.from(profileWeights),
    seen,
    seedKeys: [...new Set(seedNodes)].map((v) => csr.ids.at(v)!),
  };
}

/** Recommends items for a user and/or cold-start seeds. See the module header. */
export function recommend(ctx: RecommendContext, request: RecommendRequest): RecommendResult {
  const req = validateRequest(ctx, request);
  const { csr } = ctx;
  const o = ctx.options;
  const prof = buildProfile(ctx, req);
  buildEligibility(ctx, { seen: prof.seen, exclude: req.exclude, filters: req.filters });
  const mask = ctx.scratch.mask;

  const want = req.offset + req.k;
  const needed = req.diversity > 0 ? want * o.diversityPoolFactor : want;
  const chain: StrategyName[] = [req.strategy, ...o.fallbacks[req.strategy]];
  const picked: number[] = [];
  const pickedScore: number[] = [];
  const pickedVia: StrategyName[] = [];
  const taken = new Set<number>();
  const parts = new Map<BaseStrategyName, ScoreOf>();
  const fallbacks: StrategyName[] = [];
  let primaryFailed = false;
  for (const name of chain) {
    if (picked.length >= needed) break;
    const creq: CandidateRequest = {
      user: prof.user,
      seeds: prof.seeds,
      profile: prof.profile,
      profileWeights: prof.profileWeights,
      mask,
      pool: Math.max(o.candidatePool, needed + taken.size),
    };
    const result = ctx.strategies[name].score(creq);
    if (!result) {
      if (name === req.strategy) primaryFailed = true;
      continue;
    }
    for (const [part, scoreOf] of Object.entries(result.parts) as Array<[BaseStrategyName, ScoreOf]>) parts.set(part, scoreOf);
    const before = picked.length;
    const { ids, scores } = result.top;
    for (let j = 0; j < ids.length && picked.length < needed; j++) {
      const v = ids[j]!;
      if (taken.has(v)) continue;
      taken.add(v);
      picked.push(v);
      pickedScore.push(scores[j]!);
      pickedVia.push(name);
    }
    if (name !== req.strategy && picked.length > before) fallbacks.push(name);
  }

  const order = req.diversity > 0 ? mmr(picked, want, req.diversity, itemSimilarity(ctx)) : Array.from({ length: Math.min(want, picked.length) }, (_, j) => j);
  const items: RecommendedItem[] = [];
  for (let r = req.offset; r < order.length; r++) {
    const j = order[r]!;
    const v = picked[j]!;
    const key = csr.ids.at(v)!;
    const sources: RecommendedItem['sources'] = {};
    for (const [part, scoreOf] of parts) {
      const s = scoreOf(v);
      if (Number.isFinite(s)) sources[part] = s;
    }
    const title = ctx.labels?.(key);
    items.push({ id: graphIdOf(csr, v), key, ...(title !== undefined ? { title } : {}), score: pickedScore[j]!, rank: r + 1, sources, via: pickedVia[j]! });
  }
  return { items, strategy: req.strategy, fallbackUsed: primaryFailed || fallbacks.length > 0, fallbacks, seeds: prof.seedKeys };
}
