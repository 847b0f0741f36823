/**
 * @module evaluate/pipeline
 * One readable experiment: load → split → fit → rank → metrics, driven by a config object, returning
 * `{ best, valid, test, configHash, timings, … }` (after RecBole's `run_recbole`).
 *
 * Datasets: `lightgcn:<folder>` (train.txt/test.txt, optional valid.txt — the given split, or all of it re-split by
 * `split`), `movielens:<u.data or folder>`, and every ingest spec `graphrec ingest` loads (`generic:<dir>`,
 * `movielens-dbpedia:<ml-100k>,<dbpedia>`, …; read by `readSourceLog`), split by `split`: random per-user holdout,
 * temporal leave-last-out, or random leave-one-out, seeded.
 *
 * Models: `lightgcn`, the baselines `itemknn`, `rp3beta`, `ease`, and the SERVED strategies `hybrid`, `ppr`,
 * `embedding`, `popular`, which rank through `retrieve/recommend` (the function behind the API) on a graph built from
 * the training part (`evaluate/served.ts`); `embedding` and `hybrid` use LightGCN vectors trained in the same run (one
 * training shared by every model of a run through `hooks.cache`).
 *
 * Protocols (how a validation part is used; without one they coincide) — {@link PROTOCOLS}:
 * - `early-stop` (default; RecBole's): fit on train, LightGCN's epoch chosen on valid, test with train + valid masked.
 * - `merge-valid`: fit on train + valid (no early stopping), test with train + valid masked.
 * - `paper-lightgcnpp` (LightGCN++'s): fit on train, epoch chosen on valid, test with ONLY the training items masked
 *   (valid items may be recommended and count as misses).
 *
 * @example
 *   const r = await evaluate({ dataset: 'lightgcn:../shared/data/lightgcnpp-lastfm', model: 'lightgcn', ks: [10, 20], protocol: 'paper-lightgcnpp' });
 *   r.test['recall@20'];
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import type { WeightsConfig } from '../core/weight-transform.ts';
import { log } from '../core/log.ts';
import { fitLightGcn } from '../compute/lightgcn/fit.ts';
import type { Interactions } from '../compute/lightgcn/graph.ts';
import { planCheckpoint, removeCheckpoint } from '../compute/lightgcn/checkpoint.ts';
import { LIGHTGCN_DEFAULTS, type LightGcnOptions, type TrainResult } from '../compute/lightgcn/train.ts';
import type { Progress } from '../core/progress.ts';
import type { SampleInfo } from '../compute/lightgcn/sampled.ts';
import type { Recommender, TrainedLightGcn } from '../compute/lightgcn/types.ts';
import { resolveDataset } from '../ingest/resolve.ts';
import { annIndex, annReady } from '../retrieve/ann.ts';
import { createRecommendContext, type RecommendOptions } from '../retrieve/context.ts';
import { Ease, ItemKnn, Rp3Beta } from './baselines.ts';
import { concatInteractions, loadLightGcnFolder, readMovieLensUData, readSourceLog, type InteractionLog, type SplitDataset, type WeightedInteractions } from './datasets.ts';
import { computeMetrics, DEFAULT_METRICS, type RankingInput } from './metrics.ts';
import { buildRankingInput } from './ranking.ts';
import { buildServedGraph, SERVED_MODELS, servedEmbeddings, servedRankingInput, type ServedModel } from './served.ts';
import { leaveOneOutSplit, randomSplit, temporalLeaveLastOut, type SplitParts } from './splits.ts';

export const BASELINE_MODELS = ['itemknn', 'rp3beta', 'ease'] as const;
export const MODEL_NAMES = ['lightgcn', ...BASELINE_MODELS, ...SERVED_MODELS] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export const PROTOCOLS = ['early-stop', 'merge-valid', 'paper-lightgcnpp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
const isServed = (m: ModelName): m is ServedModel => (SERVED_MODELS as readonly string[]).includes(m);

export interface EvaluateConfig {
  /** `lightgcn:<folder>`, `movielens:<path>`, or an ingest spec such as `generic:<dir>`. */
  dataset: string;
  model: ModelName;
  /** Hyperparameters of the model (LightGCN options, baseline options, or served `RecommendOptions`). */
  modelOptions?: Record<string, unknown>;
  /** LightGCN options of the vectors the served `embedding` and `hybrid` use [LIGHTGCN_DEFAULTS]. */
  lightgcnOptions?: Partial<LightGcnOptions>;
  /** Whether the served `embedding` / `hybrid` get LightGCN vectors [true]; false = a context without vectors. */
  servedVectors?: boolean;
  /** Cut-offs [20]. */
  ks?: number[];
  /** Metric names [all registered]. */
  metrics?: string[];
  /** Interaction weight transforms for ingest-spec datasets (`generic:…`), as the projection applies them [config defaults]. */
  weights?: WeightsConfig;
  /** Split for datasets without given parts [random 0.8/0.2]; for `lightgcn:` folders it re-splits all their pairs. */
  split?: EvaluateSplit;
  /** How a validation part is used ['early-stop'] (see the module header). */
  protocol?: Protocol;
  /** Validation metric for early stopping ['recall@<max K>']. */
  validMetric?: string;
  seed?: number;
}

export type EvaluateSplit = { kind: 'random'; ratios: number[] } | { kind: 'temporal'; nValid?: number; nTest?: number } | { kind: 'loo'; nValid?: number };

export interface EvaluateResult {
  config: EvaluateConfig;
  configHash: string;
  dataset: { name: string; nUsers: number; nItems: number; nTrain: number; nValid: number; nTest: number; testUsers: number };
  model: ModelName;
  protocol: Protocol;
  /** Served strategies: ranked by `retrieve/recommend`, and whether LightGCN vectors were loaded into its context. */
  served: { vectors: boolean } | null;
  backend: string;
  epochs: number | null;
  /** LightGCN trained on a user sample (compute/lightgcn/sampled): how many users and interactions it saw. */
  sample?: SampleInfo;
  /** Best validation value and its epoch (LightGCN with a validation part), else null. */
  best: { metric: string; value: number; epoch: number } | null;
  valid: Record<string, number> | null;
  test: Record<string, number>;
  timings: { load: number; fit: number; valid: number; test: number; total: number; secondsPerEpoch?: number };
}

/** Canonical JSON (sorted keys) → sha256, first 16 hex chars. */
export function hashConfig(config: unknown): string {
  const canon = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
      : Array.isArray(v)
        ? v.map(canon)
        : v;
  return createHash('sha256').update(JSON.stringify(canon(config))).digest('hex').slice(0, 16);
}

/** Splits a log by `split` [random 0.8/0.2]. */
export function applySplit(logData: InteractionLog, split: EvaluateSplit | undefined, seed: number): SplitParts {
  if (split?.kind === 'temporal') return temporalLeaveLastOut(logData, split);
  if (split?.kind === 'loo') return leaveOneOutSplit(logData, { ...split, seed });
  return randomSplit(logData, { ratios: split?.kind === 'random' ? split.ratios : [0.8, 0.2], seed });
}

/** Resolves a dataset spec into train/(valid)/test parts. */
export async function loadDataset(spec: string, split: EvaluateConfig['split'], seed: number, weights?: WeightsConfig): Promise<SplitDataset> {
  const colon = spec.indexOf(':');
  const kind = colon > 0 ? spec.slice(0, colon) : spec;
  const path = colon > 0 ? spec.slice(colon + 1) : '';
  if (kind === 'lightgcn') {
    const given = loadLightGcnFolder(path);
    if (!split) return given;
    // Every pair of the folder (train, valid, test in that order), re-split.
    let all: WeightedInteractions = given.valid ? concatInteractions(given.train, given.valid) : given.train;
    all = concatInteractions(all, given.test);
    return { name: given.name, nUsers: given.nUsers, nItems: given.nItems, ...applySplit(all, split, seed) };
  }
  if (kind === 'movielens') {
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'u.data') : path;
    const logData = readMovieLensUData(file);
    const ids = (p: string, n: number) => Array.from({ length: n }, (_, j) => `ml100k:${p}:${j + 1}`);
    return { name: 'ml-100k', nUsers: logData.nUsers, nItems: logData.nItems, userIds: ids('u', logData.nUsers), itemIds: ids('i', logData.nItems), ...applySplit(logData, split, seed) };
  }
  if (kind === 'neo4j') throw new AppError('BAD_REQUEST', 'evaluate: --dataset neo4j is read by the CLI (it needs the configured database); call evaluate() with the log it read');
  let source;
  try {
    source = resolveDataset(spec);
  } catch (error) {
    throw new AppError('BAD_REQUEST', `evaluate: dataset must be lightgcn:<folder>, movielens:<path>, neo4j or an ingest spec such as generic:<dir> (${error instanceof Error ? error.message : String(error)})`);
  }
  return splitSourceLog(kind, await readSourceLog(source, weights ? { weights } : {}), split, seed);
}

/** A log with ids and knowledge (from `readSourceLog` or the database) as a split dataset. */
export function splitSourceLog(name: string, logData: Awaited<ReturnType<typeof readSourceLog>>, split: EvaluateConfig['split'], seed: number): SplitDataset {
  return { name, nUsers: logData.nUsers, nItems: logData.nItems, userIds: logData.userIds, itemIds: logData.itemIds, knowledge: logData.knowledge, relations: logData.relations, ...(logData.heavyTailed !== undefined ? { heavyTailed: logData.heavyTailed } : {}), ...applySplit(logData, split, seed) };
}

function buildBaseline(name: ModelName, train: Interactions, options: Record<string, unknown>): Recommender {
  if (name === 'itemknn') return new ItemKnn(train, options);
  if (name === 'rp3beta') return new Rp3Beta(train, options);
  if (name === 'ease') return new Ease(train, options);
  throw new AppError('BAD_REQUEST', `evaluate: unknown model ${JSON.stringify(name)}`);
}

/** Optional extras of a run that do not change its result (reports, progress, Ctrl-C, checkpoints). */
export interface EvaluateHooks {
  /** Progress of training and of ranking the valid/test users. */
  progress?: Progress;
  /** When aborted, LightGCN stops after the current epoch, checkpoints, and the run throws INTERRUPTED. */
  signal?: AbortSignal;
  /** LightGCN checkpoints under `embeddingsDir` (see `planCheckpoint`); `resume` continues from one. */
  checkpoint?: { embeddingsDir: string; resume: boolean; everySeconds?: number };
  /** Rank the test lists at least this deep, e.g. for metric-vs-K curves past the largest K [largest K]. */
  rankDepth?: number;
  /** Receives the test ranking (ranked lists, test items, training popularity) once it is built. */
  onTestRanking?: (input: RankingInput) => void;
  /** LightGCN trainings shared by the models of one run (the CLI passes one map for all its models). */
  cache?: LightGcnCache;
  /** The dataset, already loaded and split (e.g. read from Neo4j); `config.dataset` then only names it. */
  dataset?: SplitDataset;
}

/**
 * The error of a training run stopped by its signal: INTERRUPTED, with the metrics so far (epochs, last loss, best
 * validation value and epoch) and the checkpoint to resume from in `details`.
 */
export function interruptedError(res: TrainResult<TrainedLightGcn>, checkpoint: string | undefined): AppError {
  const last = res.history.at(-1);
  const details = {
    interrupted: true,
    epochs: res.epochs,
    loss: last?.loss ?? null,
    lr: last?.lr ?? null,
    bestValid: res.bestValid,
    bestEpoch: res.bestEpoch,
    trainSeconds: Math.round((last?.elapsed ?? 0) * 10) / 10,
    checkpoint: checkpoint ?? null,
  };
  const how = checkpoint ? `checkpoint ${checkpoint}; run the same command with --resume to continue` : 'no checkpoint was configured';
  return new AppError('INTERRUPTED', `stopped after epoch ${res.epochs} (${how})`, details);
}

/** LightGCN fitted once per (data, split, protocol, options) and shared by the models of a run. */
export type LightGcnCache = Map<string, Promise<TrainResult<TrainedLightGcn>>>;

/** Runs one experiment. */
export async function evaluate(config: EvaluateConfig, hooks: EvaluateHooks = {}): Promise<EvaluateResult> {
  const t0 = performance.now();
  if (!MODEL_NAMES.includes(config.model)) throw new AppError('BAD_REQUEST', `evaluate: model must be one of ${MODEL_NAMES.join(', ')}`);
  const protocol = config.protocol ?? 'early-stop';
  if (!PROTOCOLS.includes(protocol)) throw new AppError('BAD_REQUEST', `evaluate: protocol must be one of ${PROTOCOLS.join(', ')}`);
  const ks = [...new Set(config.ks ?? [20])].sort((a, b) => a - b);
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1 || k > 1000)) throw new AppError('BAD_REQUEST', 'evaluate: every K must be an integer in 1..1000');
  const metrics = config.metrics ?? [...DEFAULT_METRICS];
  const seed = config.seed ?? 2020;
  const depth = ks[ks.length - 1]!;
  const validMetric = config.validMetric ?? `recall@${depth}`;

  const ds = hooks.dataset ?? (await loadDataset(config.dataset, config.split, seed, config.weights));
  let train: WeightedInteractions = ds.train;
  let valid = ds.valid;
  if (valid && protocol === 'merge-valid') {
    train = concatWeighted(train, valid);
    valid = undefined;
  }
  // Items masked at test besides the training ones: the validation items, except under LightGCN++'s protocol.
  const maskedAtTest = valid && protocol === 'early-stop' ? valid : undefined;
  const tLoad = performance.now();

  let model: Recommender | undefined;
  let backend = 'cpu-js';
  let epochs: number | null = null;
  let sample: SampleInfo | undefined;
  let best: EvaluateResult['best'] = null;
  let secondsPerEpoch: number | undefined;
  let validSeconds = 0;
  let served: EvaluateResult['served'] = null;
  const fitShared = async (opts: Partial<LightGcnOptions>): Promise<TrainResult<TrainedLightGcn>> => {
    const key = hashConfig({ dataset: config.dataset, split: config.split ?? null, seed, protocol, validMetric, opts, given: hooks.dataset ? ds.name : null });
    const cached = hooks.cache?.get(key);
    if (cached) return cached;
    const run = fitLightGcnFor(ds.name, train, valid, { seed, ...opts }, { ks, metrics, validMetric, depth }, hooks, (s) => (validSeconds += s));
    hooks.cache?.set(key, run);
    return run;
  };
  if (config.model === 'lightgcn') {
    const res = await fitShared((config.modelOptions ?? {}) as Partial<LightGcnOptions>);
    model = res.model;
    backend = res.backend;
    epochs = res.epochs;
    sample = res.sample;
    secondsPerEpoch = res.secondsPerEpoch;
    if (res.bestValid !== null) best = { metric: validMetric, value: res.bestValid, epoch: res.bestEpoch };
  } else if (!isServed(config.model)) {
    model = buildBaseline(config.model, train, config.modelOptions ?? {});
  }
  let rankServed: ((truth: Interactions, masked: Interactions | undefined, label: string, depthNow: number) => RankingInput) | undefined;
  if (isServed(config.model)) {
    const strategy = config.model;
    const graph = buildServedGraph(ds, train);
    const wantsVectors = (strategy === 'embedding' || strategy === 'hybrid') && config.servedVectors !== false;
    let embeddings;
    if (wantsVectors) {
      const res = await fitShared(config.lightgcnOptions ?? {});
      embeddings = servedEmbeddings(graph, { dim: res.options.embeddingSize, userVectors: res.model.userEmbeddings(), itemVectors: res.model.itemEmbeddings() });
      backend = res.backend;
      epochs = res.epochs;
      sample = res.sample;
      if (res.bestValid !== null) best = { metric: validMetric, value: res.bestValid, epoch: res.bestEpoch };
    }
    served = { vectors: embeddings !== undefined };
    const ctx = createRecommendContext(graph.csr, { ...(embeddings ? { embeddings } : {}), ...(ds.heavyTailed !== undefined ? { heavyTailed: ds.heavyTailed } : {}), options: (config.modelOptions ?? {}) as Partial<RecommendOptions> });
    if (ctx.embeddings) {
      // A large catalogue's IVF index (retrieve/ann) is built before the ranking, so that every user is ranked by the
      // search a warm server runs (none is started under `annMinItems` items).
      annIndex(ctx.embeddings, ctx.options.embeddingMetric, ctx.options);
      await annReady(ctx.embeddings, ctx.options.embeddingMetric);
    }
    rankServed = (truth, masked, label, depthNow) =>
      servedRankingInput(ctx, graph, strategy, truth, { depth: depthNow, popularityFrom: train, ...(masked ? { masked } : {}), ...(hooks.progress ? { progress: hooks.progress, label } : {}) });
  }
  const tFit = performance.now();

  let validResult: Record<string, number> | null = null;
  if (valid) {
    const ts = performance.now();
    const input = rankServed
      ? rankServed(valid, undefined, 'rank valid', depth)
      : buildRankingInput(model!, train, valid, depth, { ...(hooks.progress ? { progress: hooks.progress, label: 'rank valid' } : {}) });
    validResult = computeMetrics(input, ks, metrics);
    validSeconds += (performance.now() - ts) / 1000;
  }
  const tValid = performance.now();
  const testDepth = Math.max(depth, hooks.rankDepth ?? 0);
  const testInput = rankServed
    ? rankServed(ds.test, maskedAtTest, 'rank test', testDepth)
    : buildRankingInput(model!, train, ds.test, testDepth, { exclude: maskedAtTest ? [train, maskedAtTest] : [train], ...(hooks.progress ? { progress: hooks.progress, label: 'rank test' } : {}) });
  const test = computeMetrics(testInput, ks, metrics);
  const tTest = performance.now();
  hooks.onTestRanking?.(testInput);
  const s = (a: number, b: number) => Math.round((b - a) * 1000) / 1e6;
  const result: EvaluateResult = {
    config,
    configHash: hashConfig({ ...config, ks, metrics, seed, protocol }),
    dataset: {
      name: ds.name,
      nUsers: ds.nUsers,
      nItems: ds.nItems,
      nTrain: train.users.length,
      nValid: valid?.users.length ?? 0,
      nTest: ds.test.users.length,
      testUsers: testInput.users.length,
    },
    model: config.model,
    protocol,
    served,
    backend,
    epochs,
    ...(sample ? { sample } : {}),
    best,
    valid: validResult,
    test,
    timings: {
      load: s(t0, tLoad),
      fit: s(tLoad, tFit),
      valid: Math.round(validSeconds * 1000) / 1000,
      test: s(tValid, tTest),
      total: s(t0, tTest),
      ...(secondsPerEpoch !== undefined ? { secondsPerEpoch: Math.round(secondsPerEpoch * 1000) / 1000 } : {}),
    },
  };
  log.info('evaluate: done', { model: config.model, dataset: ds.name, configHash: result.configHash, total: result.timings.total });
  return result;
}

/** Concatenates two parts with their weights (1 where a part has none). */
function concatWeighted(a: WeightedInteractions, b: WeightedInteractions): WeightedInteractions {
  const out: WeightedInteractions = concatInteractions(a, b);
  if (a.weights || b.weights) {
    const w = new Float32Array(out.users.length).fill(1);
    if (a.weights) w.set(a.weights);
    if (b.weights) w.set(b.weights, a.users.length);
    out.weights = w;
  }
  return out;
}

/** Trains LightGCN on `train`, choosing the epoch on `valid` when there is one (early stopping on `validMetric`). */
async function fitLightGcnFor(
  name: string,
  train: Interactions,
  valid: Interactions | undefined,
  opts: Partial<LightGcnOptions>,
  m: { ks: number[]; metrics: string[]; validMetric: string; depth: number },
  hooks: EvaluateHooks,
  addValidSeconds: (s: number) => void,
): Promise<TrainResult<TrainedLightGcn>> {
  const validate = valid
    ? (lm: Recommender) => {
        const ts = performance.now();
        const input = buildRankingInput(lm, train, valid, m.depth);
        const r = computeMetrics(input, m.ks, m.metrics.filter((n) => m.validMetric.startsWith(n + '@')));
        addValidSeconds((performance.now() - ts) / 1000);
        const v = r[m.validMetric];
        if (v === undefined) throw new AppError('BAD_REQUEST', `evaluate: validMetric ${m.validMetric} is not among the computed metrics`);
        return v;
      }
    : undefined;
  const checkpoint = hooks.checkpoint ? planCheckpoint({ ...hooks.checkpoint, name: `evaluate-${name}`, options: { ...LIGHTGCN_DEFAULTS, ...opts }, train, valid }) : undefined;
  const res = await fitLightGcn(train, opts, {
    ...(validate ? { validate } : {}),
    ...(hooks.progress ? { progress: hooks.progress } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(checkpoint ? { checkpoint } : {}),
  });
  if (res.interrupted) throw interruptedError(res, checkpoint?.file);
  if (checkpoint) removeCheckpoint(checkpoint.file);
  return res;
}
