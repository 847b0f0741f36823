/**
 * @module evaluate/pipeline
 * One readable experiment: load → split → fit → rank → metrics, driven by a config object, returning
 * `{ best, valid, test, configHash, timings, … }` (after RecBole's `run_recbole`).
 *
 * Datasets: `lightgcn:<folder>` (train.txt/test.txt, optional valid.txt — the given split), `movielens:<u.data or
 * folder>` (split by `split`: random per-user holdout with a seed, or temporal leave-last-out).
 * Validation: with a validation part, `validation: 'early-stop'` (default) trains on train, stops early on the
 * validation metric and tests with train+valid masked; `'merge'` trains on train+valid and tests (the LightGCN++
 * "train+valid → test" protocol).
 *
 * @example
 *   const r = await evaluate({ dataset: 'lightgcn:../shared/data/lightgcnpp-lastfm', model: 'lightgcn', ks: [10, 20] });
 *   r.test['recall@20'];
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { fitLightGcn } from '../compute/lightgcn/fit.ts';
import type { Interactions } from '../compute/lightgcn/graph.ts';
import { planCheckpoint, removeCheckpoint } from '../compute/lightgcn/checkpoint.ts';
import { LIGHTGCN_DEFAULTS, type LightGcnOptions, type TrainResult } from '../compute/lightgcn/train.ts';
import type { Progress } from '../core/progress.ts';
import type { LightGcnModel } from '../compute/lightgcn/model.ts';
import type { Recommender } from '../compute/lightgcn/types.ts';
import { ItemKnn, MostPopular, Rp3Beta } from './baselines.ts';
import { concatInteractions, loadLightGcnFolder, readMovieLensUData, type SplitDataset } from './datasets.ts';
import { computeMetrics, DEFAULT_METRICS, type RankingInput } from './metrics.ts';
import { buildRankingInput } from './ranking.ts';
import { randomSplit, temporalLeaveLastOut } from './splits.ts';

export const MODEL_NAMES = ['lightgcn', 'popular', 'itemknn', 'rp3beta'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface EvaluateConfig {
  /** `lightgcn:<folder>` or `movielens:<path>`. */
  dataset: string;
  model: ModelName;
  /** Hyperparameters of the model (LightGCN options, or baseline options). */
  modelOptions?: Record<string, unknown>;
  /** Cut-offs [20]. */
  ks?: number[];
  /** Metric names [all registered]. */
  metrics?: string[];
  /** Split for datasets without given parts [random 0.8/0.2]. */
  split?: { kind: 'random'; ratios: number[] } | { kind: 'temporal'; nValid?: number; nTest?: number };
  /** How a validation part is used ['early-stop']. */
  validation?: 'early-stop' | 'merge';
  /** Validation metric for early stopping ['recall@<max K>']. */
  validMetric?: string;
  seed?: number;
}

export interface EvaluateResult {
  config: EvaluateConfig;
  configHash: string;
  dataset: { name: string; nUsers: number; nItems: number; nTrain: number; nValid: number; nTest: number; testUsers: number };
  model: ModelName;
  backend: string;
  epochs: number | null;
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

/** Resolves a dataset spec into train/(valid)/test parts. */
export function loadDataset(spec: string, split: EvaluateConfig['split'], seed: number): SplitDataset {
  const colon = spec.indexOf(':');
  const kind = colon > 0 ? spec.slice(0, colon) : '';
  const path = colon > 0 ? spec.slice(colon + 1) : spec;
  if (kind === 'lightgcn') return loadLightGcnFolder(path);
  if (kind === 'movielens') {
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'u.data') : path;
    const logData = readMovieLensUData(file);
    const parts = split?.kind === 'temporal' ? temporalLeaveLastOut(logData, split) : randomSplit(logData, { ratios: split?.kind === 'random' ? split.ratios : [0.8, 0.2], seed });
    return { name: 'ml-100k', nUsers: logData.nUsers, nItems: logData.nItems, ...parts };
  }
  throw new AppError('BAD_REQUEST', `evaluate: dataset must be lightgcn:<folder> or movielens:<path> (got ${JSON.stringify(spec)})`);
}

function buildBaseline(name: ModelName, train: Interactions, options: Record<string, unknown>): Recommender {
  if (name === 'popular') return new MostPopular(train);
  if (name === 'itemknn') return new ItemKnn(train, options);
  if (name === 'rp3beta') return new Rp3Beta(train, options);
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
}

/**
 * The error of a training run stopped by its signal: INTERRUPTED, with the metrics so far (epochs, last loss, best
 * validation value and epoch) and the checkpoint to resume from in `details`.
 */
export function interruptedError(res: TrainResult, checkpoint: string | undefined): AppError {
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

/** Runs one experiment. */
export async function evaluate(config: EvaluateConfig, hooks: EvaluateHooks = {}): Promise<EvaluateResult> {
  const t0 = performance.now();
  if (!MODEL_NAMES.includes(config.model)) throw new AppError('BAD_REQUEST', `evaluate: model must be one of ${MODEL_NAMES.join(', ')}`);
  const ks = [...new Set(config.ks ?? [20])].sort((a, b) => a - b);
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1 || k > 1000)) throw new AppError('BAD_REQUEST', 'evaluate: every K must be an integer in 1..1000');
  const metrics = config.metrics ?? [...DEFAULT_METRICS];
  const seed = config.seed ?? 2020;
  const depth = ks[ks.length - 1]!;
  const validation = config.validation ?? 'early-stop';
  const validMetric = config.validMetric ?? `recall@${depth}`;

  const ds = loadDataset(config.dataset, config.split, seed);
  let train = ds.train;
  let valid = ds.valid;
  if (valid && validation === 'merge') {
    train = concatInteractions(train, valid);
    valid = undefined;
  }
  const tLoad = performance.now();

  let model: Recommender;
  let backend = 'cpu-js';
  let epochs: number | null = null;
  let best: EvaluateResult['best'] = null;
  let secondsPerEpoch: number | undefined;
  let validSeconds = 0;
  if (config.model === 'lightgcn') {
    const opts = { seed, ...(config.modelOptions ?? {}) } as Partial<LightGcnOptions>;
    const validSet = valid;
    const validate = validSet
      ? (m: LightGcnModel) => {
          const ts = performance.now();
          const input = buildRankingInput(m, train, validSet, depth);
          const r = computeMetrics(input, ks, metrics.filter((n) => validMetric.startsWith(n + '@')));
          validSeconds += (performance.now() - ts) / 1000;
          const v = r[validMetric];
          if (v === undefined) throw new AppError('BAD_REQUEST', `evaluate: validMetric ${validMetric} is not among the computed metrics`);
          return v;
        }
      : undefined;
    const checkpoint = hooks.checkpoint
      ? planCheckpoint({ ...hooks.checkpoint, name: `evaluate-${ds.name}`, options: { ...LIGHTGCN_DEFAULTS, ...opts }, train, valid: validSet })
      : undefined;
    const res = await fitLightGcn(train, opts, {
      ...(validate ? { validate } : {}),
      ...(hooks.progress ? { progress: hooks.progress } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(checkpoint ? { checkpoint } : {}),
    });
    if (res.interrupted) throw interruptedError(res, checkpoint?.file);
    if (checkpoint) removeCheckpoint(checkpoint.file);
    model = res.model;
    backend = res.backend;
    epochs = res.epochs;
    secondsPerEpoch = res.secondsPerEpoch;
    if (res.bestValid !== null) best = { metric: validMetric, value: res.bestValid, epoch: res.bestEpoch };
  } else {
    model = buildBaseline(config.model, train, config.modelOptions ?? {});
  }
  const tFit = performance.now();

  let validResult: Record<string, number> | null = null;
  if (valid) {
    const ts = performance.now();
    validResult = computeMetrics(buildRankingInput(model, train, valid, depth, { ...(hooks.progress ? { progress: hooks.progress, label: 'rank valid' } : {}) }), ks, metrics);
    validSeconds += (performance.now() - ts) / 1000;
  }
  const tValid = performance.now();
  const testInput = buildRankingInput(model, train, ds.test, Math.max(depth, hooks.rankDepth ?? 0), { exclude: valid ? [train, valid] : [train], ...(hooks.progress ? { progress: hooks.progress, label: 'rank test' } : {}) });
  const test = computeMetrics(testInput, ks, metrics);
  const tTest = performance.now();
  hooks.onTestRanking?.(testInput);
  const s = (a: number, b: number) => Math.round((b - a) * 1000) / 1e6;
  const result: EvaluateResult = {
    config,
    configHash: hashConfig({ ...config, ks, metrics, seed, validation }),
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
    backend,
    epochs,
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
