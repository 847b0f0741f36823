/**
 * @module compute/lightgcn/fit
 * Trains LightGCN on the fastest path available, chosen once: the tfjs path when `@tensorflow/tfjs-node-gpu` loaded
 * (CUDA), otherwise the hand-written CPU kernels (`train.ts`) — never the pure-JS tfjs CPU backend, which is orders of
 * magnitude slower for this workload (see `scripts/bench/train.ts`). The chosen path is logged and returned as `backend`.
 * `path: 'tfjs'` forces the tfjs path on whatever backend is active (tests, benchmarks).
 */
import { AppError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { createRng } from '../rng.ts';
import { initBackend, type BackendPreference, type TfModule } from '../tf-backend.ts';
import { allocBatch, TripletSampler, type TripletBatch } from './bpr.ts';
import { buildNormalizedAdjacency, userItemCsr, type Interactions } from './graph.ts';
import { LightGcnModel } from './model.ts';
import { planUserSample, SampledLightGcn, type SampleInfo, type UserSample } from './sampled.ts';
import { TfLightGcn } from './tf-lightgcn.ts';
import type { Recommender, TrainedLightGcn } from './types.ts';
import { createLightGcn, finishTraining, learningRateAt, resolveOptions, trainLightGcn, type EpochLog, type LightGcnOptions, type TrainHooks, type TrainResult } from './train.ts';

export interface FitOptions {
  /** Backend preference for tfjs ['auto']. */
  prefer?: BackendPreference;
  /** 'auto' [default]: tfjs on GPU, CPU kernels otherwise; 'cpu' / 'tfjs' force one path. */
  path?: 'auto' | 'cpu' | 'tfjs';
}

/**
 * Trains LightGCN on `data`, on the whole graph or — when `maxInteractions` says so (compute/lightgcn/sampled) — on a
 * user sample with the other users folded in. 'auto' samples only on the CPU kernels, when the full model would not
 * fit their arena; on tfjs only a number given samples.
 */
export async function fitLightGcn(data: Interactions, options: Partial<LightGcnOptions> = {}, hooks: TrainHooks = {}, fit: FitOptions = {}): Promise<TrainResult<TrainedLightGcn>> {
  const path = fit.path ?? 'auto';
  let tfjs: { tf: TfModule; name: string } | null = null;
  if (path === 'cpu') {
    log.info('lightgcn: training path', { path: 'cpu-kernels', reason: 'forced' });
  } else {
    const backend = await initBackend({ prefer: fit.prefer ?? 'auto' });
    if (path === 'auto' && !backend.gpu) {
      log.info('lightgcn: training path', { path: 'cpu-kernels', tfBackend: backend.backend, reason: 'no GPU backend; the typed-array kernels are the fastest CPU path' });
    } else {
      log.info('lightgcn: training path', { path: 'tfjs', tfBackend: backend.backend });
      tfjs = { tf: backend.tf, name: backend.backend };
    }
  }
  const train = (d: Interactions, h: TrainHooks): Promise<TrainResult> => (tfjs ? trainWithTf(d, options, h, tfjs.tf, tfjs.name) : trainLightGcn(d, options, h));
  const o = resolveOptions(options, data.users.length);
  const plan = tfjs && o.maxInteractions === 'auto' ? null : planUserSample(data, o, hooks.knowledge, hooks.validate !== undefined);
  if (!plan?.sample) return train(data, hooks);
  return trainOnSample(data, plan.sample, plan.reason, hooks, train);
}

/** Trains on the sample's interactions (validation sees every user, folded in) and returns the full-data model. */
async function trainOnSample(data: Interactions, sample: UserSample, reason: SampleInfo['reason'], hooks: TrainHooks, train: (d: Interactions, h: TrainHooks) => Promise<TrainResult>): Promise<TrainResult<TrainedLightGcn>> {
  const info: SampleInfo = { users: sample.sub.nUsers, interactions: sample.sub.users.length, ofUsers: data.nUsers, ofInteractions: data.users.length, reason };
  log.info('lightgcn: training on a user sample (the other users are folded in)', { ...info });
  const validate = hooks.validate;
  const res = await train(sample.sub, {
    ...hooks,
    ...(validate
      ? {
          validate: (m: Recommender, epoch: number) => {
            if (!(m instanceof LightGcnModel)) throw new AppError('INTERNAL', 'compute/lightgcn: a sampled run validates a LightGcnModel');
            return validate(SampledLightGcn.from(m, data, sample), epoch);
          },
        }
      : {}),
  });
  try {
    return { ...res, model: SampledLightGcn.from(res.model, data, sample), sample: info };
  } finally {
    await res.model.close();
  }
}

async function trainWithTf(data: Interactions, options: Partial<LightGcnOptions>, hooks: TrainHooks, tf: TfModule, backendName: string): Promise<TrainResult> {
  const o = resolveOptions(options, data.users.length);
  const t0 = performance.now();
  const model = createLightGcn(data, o, hooks.knowledge);
  const tfModel = new TfLightGcn(tf, buildNormalizedAdjacency(data, hooks.knowledge), model.e0.view.slice(), { embeddingSize: o.embeddingSize, nLayers: o.nLayers });
  try {
    const rng = createRng(o.seed ^ 0x5bd1e995);
    const sampler = new TripletSampler(userItemCsr(data), data.nItems, rng);
    const batch = allocBatch(o.batchSize);
    const stepsPerEpoch = Math.max(1, Math.ceil(data.users.length / o.batchSize));
    const history: EpochLog[] = [];
    const trainStart = performance.now();
    let best = -Infinity;
    let bestEpoch = 0;
    let bestE0: Float32Array | null = null;
    let badRuns = 0;
    let epoch = 0;
    const progress = () => Math.min(1, Math.max(o.epochs > 0 ? epoch / o.epochs : 1, Number.isFinite(o.maxSeconds) ? (performance.now() - trainStart) / 1000 / o.maxSeconds : 0));
    const syncToCpu = () => {
      model.e0.view.set(tfModel.egoEmbeddings());
      model.touch();
    };
    if (hooks.checkpoint) log.warn('lightgcn: the tfjs path writes no checkpoints (the CPU kernels do)', { file: hooks.checkpoint.file });
    let interrupted = false;
    while (epoch < o.epochs && progress() < 1) {
      if (hooks.signal?.aborted) {
        interrupted = true;
        break;
      }
      const es = performance.now();
      let lossSum = 0;
      let lr = o.learningRate;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const p = progress();
        lr = learningRateAt(o, p);
        sampler.sample(batch, o.batchSize);
        if (o.negatives === 'dns' && o.dnsCandidates > 1) hardenNegatives(batch, sampler, tfModel.finalEmbeddings(), data.nUsers, o.embeddingSize, o.dnsCandidates);
        lossSum += tfModel.trainStep(batch, o.regWeight, lr);
      }
      epoch++;
      const entry: EpochLog = { epoch, loss: lossSum / stepsPerEpoch, bpr: NaN, lr, seconds: (performance.now() - es) / 1000, elapsed: (performance.now() - trainStart) / 1000 };
      const last = epoch >= o.epochs || progress() >= 1;
      if (hooks.validate && (epoch % o.evalEvery === 0 || last)) {
        syncToCpu();
        const value = await hooks.validate(model, epoch);
        entry.valid = value;
        if (value > best) {
          best = value;
          bestEpoch = epoch;
          badRuns = 0;
          if (o.restoreBest) bestE0 = model.e0.view.slice();
        } else badRuns++;
      }
      history.push(entry);
      hooks.onEpoch?.(entry);
      const p = progress();
      hooks.progress?.update('train', epoch, o.epochs, { epoch, loss: entry.loss, lr, valid: history.findLast((h) => h.valid !== undefined)?.valid ?? null, eta: p > 0 ? (entry.elapsed * (1 - p)) / p : undefined });
      if (hooks.validate && badRuns >= o.patience) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    hooks.progress?.done();
    syncToCpu();
    return finishTraining(model, o, history, { epoch, bestEpoch, best, bestE0, validated: Boolean(hooks.validate) }, `tfjs-${backendName}`, t0, interrupted);
  } finally {
    tfModel.dispose();
  }
}

/** Replaces each negative by the best-scoring of `m` uniform candidates under the final embeddings F ([n × d]). */
function hardenNegatives(batch: TripletBatch, sampler: TripletSampler, F: Float32Array, nUsers: number, d: number, m: number): void {
  for (let t = 0; t < batch.size; t++) {
    const u = batch.users[t]!;
    let best = batch.neg[t]!;
    let bestScore = -Infinity;
    for (let c = 0; c < m; c++) {
      const j = c === 0 ? best : sampler.sampleNegative(u);
      let s = 0;
      for (let k = 0; k < d; k++) s += F[u * d + k]! * F[(nUsers + j) * d + k]!;
      if (s > bestScore) {
        bestScore = s;
        best = j;
      }
    }
    batch.neg[t] = best;
  }
}
