/**
 * @module compute/lightgcn/train
 * LightGCN training on the CPU kernels: BPR over sampled triples, Adam (bias-corrected, PyTorch semantics), an optional
 * cosine learning-rate decay over the epoch or time budget, and early stopping on a validation metric.
 *
 * @example
 *   const { model, history } = await trainLightGcn(train, { epochs: 200 }, { validate: (m) => recallAt20(m) });
 */
import { availableParallelism } from 'node:os';
import { AppError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import type { Progress } from '../../core/progress.ts';
import { createRng, restoreRng } from '../rng.ts';
import { allocBatch, BprWorkspace, bprLossAndGrad, TripletSampler, type NegativeSampling } from './bpr.ts';
import { buildNormalizedAdjacency, userItemCsr, type Interactions, type KnowledgeEdges } from './graph.ts';
import { CHECKPOINT_EVERY_SECONDS, readCheckpoint, writeCheckpoint, type CheckpointHook } from './checkpoint.ts';
import type { KernelMode } from './kernels.ts';
import { LightGcnModel } from './model.ts';
import type { SampleInfo } from './sampled.ts';
import type { Recommender, TrainedLightGcn } from './types.ts';

/**
 * Hyperparameters, each with its default in brackets:
 * - embeddingSize [64] — d.
 * - nLayers [3] — propagation depth L; final = mean of layers 0..L (α_k = 1/(L+1)).
 * - learningRate ['auto'] — Adam step size; 'auto' = 0.005 · max(1, batchSize / 8192), at most 0.01 (the largest rate
 *   validated): the large-batch recipe (0.005 at batch 8192; LightGCN's paper uses 0.001 at 2048), scaled linearly for
 *   larger batches. Gowalla validation (LightGCN++
 *   train → valid split, batch 16,384, 240 s budget): lr 0.01 reached Recall@20 0.1805 where 0.005 reached 0.1633.
 * - lrSchedule ['cosine'] — 'constant', or 'cosine' decay to learningRate · minLrRatio over the epoch/time budget.
 * - minLrRatio [0.05] — end of the cosine decay, as a fraction of learningRate.
 * - batchSize ['auto'] — triples per Adam step; an epoch is ⌈nInteractions / batchSize⌉ steps. 'auto' = 8192, or on
 *   graphs of more than 524,288 interactions the power of two ≥ nInteractions / 64 (Gowalla: 16,384). A step costs two
 *   propagations over the whole graph whatever its batch, so big graphs train faster per second with big batches;
 *   chosen on Gowalla validation (docs/evaluation.md), where 32,768 did worse than 16,384.
 * - regWeight [1e-3] — λ, L2 on the batch's ego embeddings, normalised by batch size (LightGCN-PyTorch). The paper's
 *   1e-4 suits uniform negatives; with DNS, 1e-3 measured better here (ML-100K Recall@20 0.351 vs 0.330, Last.fm
 *   Recall@10 0.205 vs 0.192) and stops the overfitting seen on Gowalla at 1e-4.
 * - epochs [400] — maximum epochs.
 * - maxSeconds [2700] — wall-clock budget for training, seconds: 45 minutes, so that a big dataset (Gowalla) ends
 *   with its evaluation within the hour; the schedule follows it only when the epochs would not fit (see trainLightGcn).
 * - initStd [0.1] — ego embeddings drawn from N(0, initStd²).
 * - negatives ['dns'] — 'dns' (the best-scoring of `dnsCandidates` uniform negatives under the current model,
 *   dynamic negative sampling) or 'uniform' (the LightGCN paper's sampler). DNS converges much faster here.
 * - dnsCandidates [8] — candidates per triple for 'dns'.
 * - evalEvery [10] — epochs between validation runs (when a validate hook is given).
 * - patience [5] — validation runs without improvement before stopping early.
 * - restoreBest [true] — after training, restore the ego embeddings of the best validation run.
 * - seed [2020] — RNG seed (initialisation and sampling).
 * - kernels ['wasm'] — 'wasm' SIMD kernels or the 'js' reference loops.
 * - maxInteractions ['auto'] — train on a seeded sample of users holding at most this many interactions and fold the
 *   other users in (compute/lightgcn/sampled; applied by `fitLightGcn`). 'auto' samples only when the full model
 *   would not fit the CPU kernels' 4 GiB arena, and then takes the largest sample that does (the 50M scale graph:
 *   see docs/scaling.md); on Gowalla-sized data it never samples. Its quality cost on Gowalla: docs/evaluation.md.
 * - threads [min(2, os.availableParallelism())] — 2 runs the wasm kernels on a second worker thread too (the kernels
 *   split their work in two; the results are the same bits as with 1). Gowalla, idle: 4.2 vs 5.1 s per epoch.
 */
export const LIGHTGCN_DEFAULTS = {
  embeddingSize: 64,
  nLayers: 3,
  learningRate: 'auto' as number | 'auto',
  lrSchedule: 'cosine' as 'constant' | 'cosine',
  minLrRatio: 0.05,
  batchSize: 'auto' as number | 'auto',
  regWeight: 1e-3,
  epochs: 400,
  maxSeconds: 2700,
  initStd: 0.1,
  negatives: 'dns' as NegativeSampling,
  dnsCandidates: 8,
  evalEvery: 10,
  patience: 5,
  restoreBest: true,
  seed: 2020,
  kernels: 'wasm' as KernelMode,
  maxInteractions: 'auto' as number | 'auto',
  threads: Math.min(2, availableParallelism()),
};

export type LightGcnOptions = typeof LIGHTGCN_DEFAULTS;
/** The options with 'auto' resolved for a dataset. */
export type ResolvedLightGcnOptions = LightGcnOptions & { batchSize: number; learningRate: number };

/** Merges `options` over the defaults, resolves the 'auto' batch size and learning rate for `nInteractions`, checks. */
export function resolveOptions(options: Partial<LightGcnOptions>, nInteractions: number): ResolvedLightGcnOptions {
  const merged = { ...LIGHTGCN_DEFAULTS, ...options } satisfies LightGcnOptions;
  const batchSize = merged.batchSize === 'auto' ? (nInteractions > 524_288 ? 2 ** Math.ceil(Math.log2(nInteractions / 64)) : 8192) : merged.batchSize;
  const learningRate = merged.learningRate === 'auto' ? Math.min(0.01, 0.005 * Math.max(1, batchSize / 8192)) : merged.learningRate;
  const o = { ...merged, batchSize, learningRate };
  assertOptions(o);
  return o;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  bpr: number;
  lr: number;
  seconds: number;
  elapsed: number;
  valid?: number;
}

export interface TrainHooks {
  /** Validation metric (higher is better), called every `evalEvery` epochs and after the last epoch. */
  validate?: (model: Recommender, epoch: number) => number | Promise<number>;
  /** Called after every epoch. */
  onEpoch?: (entry: EpochLog) => void;
  /** Knowledge edges for the KG-aware variant (entities join the propagation graph). */
  knowledge?: KnowledgeEdges;
  /** Progress reporter: a line per epoch (epoch, loss, lr, last validation value, ETA) and heartbeats inside one. */
  progress?: Progress;
  /** When aborted, training stops after the current epoch (with a checkpoint, when configured). */
  signal?: AbortSignal;
  /** Periodic checkpoints and resume (CPU kernels). */
  checkpoint?: CheckpointHook;
}

export interface TrainResult<M extends TrainedLightGcn = LightGcnModel> {
  model: M;
  options: ResolvedLightGcnOptions;
  history: EpochLog[];
  epochs: number;
  bestEpoch: number;
  bestValid: number | null;
  backend: string;
  seconds: number;
  secondsPerEpoch: number;
  /** Stopped by `hooks.signal` before the end (a checkpoint holds the state when one was configured). */
  interrupted: boolean;
  /** The user sample the model was trained on (`fitLightGcn`'s sampled-subgraph mode); absent for the full graph. */
  sample?: SampleInfo;
}

function assertOptions(o: ResolvedLightGcnOptions): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
  if (!positiveInt(o.embeddingSize)) throw new AppError('BAD_REQUEST', 'compute/lightgcn: embeddingSize must be a positive integer');
  if (!Number.isInteger(o.nLayers) || o.nLayers < 0) throw new AppError('BAD_REQUEST', 'compute/lightgcn: nLayers must be ≥ 0');
  if (!positiveInt(o.batchSize)) throw new AppError('BAD_REQUEST', 'compute/lightgcn: batchSize must be a positive integer');
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new AppError('BAD_REQUEST', 'compute/lightgcn: epochs must be ≥ 0');
  if (!(o.learningRate > 0)) throw new AppError('BAD_REQUEST', 'compute/lightgcn: learningRate must be > 0');
  if (!(o.regWeight >= 0)) throw new AppError('BAD_REQUEST', 'compute/lightgcn: regWeight must be ≥ 0');
  if (o.lrSchedule !== 'constant' && o.lrSchedule !== 'cosine') throw new AppError('BAD_REQUEST', 'compute/lightgcn: lrSchedule must be constant or cosine');
  if (o.negatives !== 'uniform' && o.negatives !== 'dns') throw new AppError('BAD_REQUEST', 'compute/lightgcn: negatives must be uniform or dns');
  if (!positiveInt(o.dnsCandidates)) throw new AppError('BAD_REQUEST', 'compute/lightgcn: dnsCandidates must be a positive integer');
  if (!positiveInt(o.evalEvery) || !positiveInt(o.patience)) throw new AppError('BAD_REQUEST', 'compute/lightgcn: evalEvery and patience must be positive integers');
  if (!(o.maxSeconds > 0)) throw new AppError('BAD_REQUEST', 'compute/lightgcn: maxSeconds must be > 0');
  if (o.maxInteractions !== 'auto' && !positiveInt(o.maxInteractions)) throw new AppError('BAD_REQUEST', 'compute/lightgcn: maxInteractions must be a positive integer or auto');
  if (o.threads !== 1 && o.threads !== 2) throw new AppError('BAD_REQUEST', 'compute/lightgcn: threads must be 1 or 2');
}

/** Builds an untrained model (E⁰ ~ N(0, initStd²)) for `data`. */
export function createLightGcn(data: Interactions, options: Partial<LightGcnOptions> = {}, knowledge?: KnowledgeEdges): LightGcnModel {
  const o = resolveOptions(options, data.users.length);
  const model = new LightGcnModel(buildNormalizedAdjacency(data, knowledge), { embeddingSize: o.embeddingSize, nLayers: o.nLayers, kernels: o.kernels });
  const rng = createRng(o.seed);
  model.initNormal(() => rng.normal(), o.initStd);
  return model;
}

/** The learning rate at schedule position `p` ∈ [0, 1]. */
export function learningRateAt(o: ResolvedLightGcnOptions, p: number): number {
  return o.lrSchedule === 'cosine' ? o.learningRate * (o.minLrRatio + (1 - o.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * p))) : o.learningRate;
}

/**
 * Trains LightGCN with BPR + Adam on the CPU kernels.
 *
 * Schedule: the cosine learning rate follows the epoch count; only when the pace measured so far would overrun
 * `maxSeconds` (checked after every epoch; once true it stays true) does it follow elapsed time instead, whichever is
 * further. So a run that fits its budget does not depend on the machine's speed or load, and a checkpointed run
 * resumes to the same bits as an uninterrupted one.
 * Stopping: after `epochs`, at the budget, on early stopping, or — with `hooks.signal` aborted — after the current
 * epoch, with a checkpoint written (`interrupted: true`).
 */
export async function trainLightGcn(data: Interactions, options: Partial<LightGcnOptions> = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const o = resolveOptions(options, data.users.length);
  if (data.users.length === 0) throw new AppError('BAD_REQUEST', 'compute/lightgcn: no interactions to train on');
  const t0 = performance.now();
  const model = createLightGcn(data, o, hooks.knowledge);
  const gF = model.allocNodeBuffer();
  const gE0 = model.allocNodeBuffer();
  const m = model.allocNodeBuffer();
  const v = model.allocNodeBuffer();
  const batch = allocBatch(o.batchSize);
  const ws = new BprWorkspace(model, o.batchSize, o.negatives === 'dns' ? o.dnsCandidates : 1);
  const stepsPerEpoch = Math.max(1, Math.ceil(data.users.length / o.batchSize));
  const backend = `cpu-${model.kernels.mode}`;

  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  let step = 0;
  let history: EpochLog[] = [];
  let best = -Infinity;
  let bestEpoch = 0;
  let bestE0: Float32Array | null = null;
  let badRuns = 0;
  let epoch = 0;
  let timeLed = false;
  let rng = createRng(o.seed ^ 0x5bd1e995);
  let priorSeconds = 0;
  const ck = hooks.checkpoint;
  const saved = ck?.resume ? readCheckpoint(ck.file) : null;
  if (saved) {
    if (saved.key !== ck!.key) throw new AppError('BAD_REQUEST', `compute/lightgcn: checkpoint ${ck!.file} belongs to another run (key ${saved.key}, expected ${ck!.key})`);
    if (saved.e0.length !== model.e0.view.length) throw new AppError('BAD_REQUEST', `compute/lightgcn: checkpoint ${ck!.file} has the wrong shape`);
    model.e0.view.set(saved.e0);
    model.touch();
    m.view.set(saved.adamM);
    v.view.set(saved.adamV);
    ({ step, epoch, bestEpoch, badRuns, timeLed, history } = saved);
    best = saved.best ?? -Infinity;
    bestE0 = saved.bestE0;
    rng = restoreRng(saved.rng);
    priorSeconds = saved.elapsedSeconds;
    log.info('lightgcn: resumed', { file: ck!.file, epoch, step, elapsedSeconds: priorSeconds });
  } else if (ck?.resume) {
    log.warn('lightgcn: no checkpoint to resume from; starting from epoch 0', { file: ck.file });
  }
  const sampler = new TripletSampler(userItemCsr(data), data.nItems, rng);
  if (sampler.nActiveUsers === 0) throw new AppError('BAD_REQUEST', 'compute/lightgcn: no user has a trainable interaction');
  if (o.threads > 1) await model.useTwoThreads();
  log.info('lightgcn: training', { backend, nUsers: data.nUsers, nItems: data.nItems, nnz: model.adj.indices.view.length, stepsPerEpoch, ...o, maxSeconds: String(o.maxSeconds) });

  const sessionStart = performance.now();
  const startEpoch = epoch;
  const elapsed = () => priorSeconds + (performance.now() - sessionStart) / 1000;
  const budgeted = Number.isFinite(o.maxSeconds);
  const fraction = (): number => {
    const byEpoch = o.epochs > 0 ? epoch / o.epochs : 1;
    return Math.min(1, timeLed ? Math.max(byEpoch, elapsed() / o.maxSeconds) : byEpoch);
  };
  let lastCheckpoint = performance.now();
  const everyMs = 1000 * (ck?.everySeconds ?? CHECKPOINT_EVERY_SECONDS);
  const writeNow = (): void => {
    if (!ck) return;
    writeCheckpoint(ck.file, {
      key: ck.key,
      epoch,
      step,
      rng: rng.state(),
      best: Number.isFinite(best) ? best : null,
      bestEpoch,
      badRuns,
      elapsedSeconds: elapsed(),
      timeLed,
      history,
      e0: model.e0.view,
      adamM: m.view,
      adamV: v.view,
      bestE0,
    });
    lastCheckpoint = performance.now();
    log.info('lightgcn: checkpoint', { file: ck.file, epoch });
  };
  const runValidation = async (): Promise<number | undefined> => {
    if (!hooks.validate) return undefined;
    const value = await hooks.validate(model, epoch);
    if (value > best) {
      best = value;
      bestEpoch = epoch;
      badRuns = 0;
      if (o.restoreBest) bestE0 = model.e0.view.slice();
    } else {
      badRuns++;
    }
    return value;
  };
  const lastValid = () => history.findLast((h) => h.valid !== undefined)?.valid;
  /** Seconds left at `epochs` epochs done (fractional inside an epoch): by the pace of this session, capped by the budget. */
  const etaSeconds = (epochs: number): number | undefined => {
    const done = epochs - startEpoch;
    const spent = (performance.now() - sessionStart) / 1000;
    if (done <= 0) return undefined;
    const byEpochs = ((o.epochs - epochs) * spent) / done;
    return Math.max(0, Math.min(byEpochs, budgeted ? o.maxSeconds - elapsed() : Infinity));
  };

  let interrupted = false;
  let stoppedEarly = hooks.validate !== undefined && badRuns >= o.patience;
  // Whether the time budget is spent: decided by the clock reading an epoch logs (a resumed run may start spent), so
  // the last epoch's logged elapsed time is the one that stopped the run.
  let budgetSpent = budgeted && elapsed() >= o.maxSeconds;
  while (!stoppedEarly && epoch < o.epochs && !budgetSpent) {
    if (hooks.signal?.aborted) {
      interrupted = true;
      break;
    }
    const es = performance.now();
    let lossSum = 0;
    let bprSum = 0;
    let lr = o.learningRate;
    let yielded = es;
    for (let s = 0; s < stepsPerEpoch; s++) {
      lr = learningRateAt(o, fraction());
      sampler.sample(batch, o.batchSize, o.negatives, ws);
      const r = bprLossAndGrad(ws, batch, o.regWeight, gF, gE0);
      lossSum += r.loss;
      bprSum += r.bpr;
      step++;
      const lrT = (lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
      const epsT = eps * Math.sqrt(1 - b2 ** step);
      model.kernels.adam(model.e0, gE0, m, v, lrT, b1, b2, epsT);
      model.touch();
      if (performance.now() - yielded > 50) {
        // Let signal handlers and timers run (a second Ctrl-C exits at once) and report a heartbeat.
        await new Promise<void>((resolve) => setImmediate(resolve));
        yielded = performance.now();
        hooks.progress?.update('train', epoch + (s + 1) / stepsPerEpoch, o.epochs, { epoch: epoch + 1, loss: lossSum / (s + 1), valid: lastValid() ?? null, eta: etaSeconds(epoch + (s + 1) / stepsPerEpoch) }, true);
      }
    }
    epoch++;
    const entry: EpochLog = {
      epoch,
      loss: lossSum / stepsPerEpoch,
      bpr: bprSum / stepsPerEpoch,
      lr,
      seconds: (performance.now() - es) / 1000,
      elapsed: elapsed(),
    };
    if (budgeted && !timeLed && (entry.elapsed / epoch) * o.epochs > o.maxSeconds) {
      timeLed = true;
      log.info('lightgcn: the time budget now leads the schedule', { epoch, projectedSeconds: Math.round((entry.elapsed / epoch) * o.epochs), maxSeconds: o.maxSeconds });
    }
    budgetSpent = budgeted && entry.elapsed >= o.maxSeconds;
    const last = epoch >= o.epochs || budgetSpent;
    if (hooks.validate && (epoch % o.evalEvery === 0 || last)) entry.valid = await runValidation();
    history.push(entry);
    hooks.onEpoch?.(entry);
    hooks.progress?.update('train', epoch, o.epochs, { epoch, loss: entry.loss, lr: entry.lr, valid: lastValid() ?? null, best: Number.isFinite(best) ? best : null, eta: etaSeconds(epoch) });
    if (hooks.validate && badRuns >= o.patience) {
      log.info('lightgcn: early stop', { epoch, bestEpoch, best });
      stoppedEarly = true;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (ck && !hooks.signal?.aborted && !last && !stoppedEarly && performance.now() - lastCheckpoint >= everyMs) writeNow();
  }
  if (interrupted) writeNow();
  hooks.progress?.done();
  return finishTraining(model, o, history, { epoch, bestEpoch, best, bestE0, validated: Boolean(hooks.validate) }, backend, t0, interrupted);
}

/**
 * The common end of a training run (CPU kernels or tfjs): restore the best ego embeddings when validation chose an
 * earlier epoch, propagate once, and report.
 */
export function finishTraining(
  model: LightGcnModel,
  o: ResolvedLightGcnOptions,
  history: EpochLog[],
  run: { epoch: number; bestEpoch: number; best: number; bestE0: Float32Array | null; validated: boolean },
  backend: string,
  t0: number,
  interrupted = false,
): TrainResult {
  if (run.bestE0 && run.validated && run.bestEpoch !== run.epoch) {
    model.e0.view.set(run.bestE0);
    model.touch();
  }
  model.propagate();
  const trainSeconds = history.reduce((a, h) => a + h.seconds, 0);
  return {
    model,
    options: o,
    history,
    epochs: run.epoch,
    bestEpoch: run.validated ? run.bestEpoch : run.epoch,
    bestValid: run.validated && Number.isFinite(run.best) ? run.best : null,
    backend,
    seconds: (performance.now() - t0) / 1000,
    secondsPerEpoch: history.length ? trainSeconds / history.length : 0,
    interrupted,
  };
}
