/**
 * `npm run bench -- train [epochs] [tfjsBatches]`: LightGCN training speed and accuracy on ML-100K
 * (../shared/data/ml-100k/u.data, 80/20 random per-user split, seed 2020), printed as JSON lines:
 *   1. the CPU path (hand-written WebAssembly SIMD kernels): seconds per epoch, Recall@20 / NDCG@20 after `epochs`
 *      (default 200) with the LightGCN paper's recipe (batch 2048, lr 0.001, uniform negatives) — comparable with the
 *      PyTorch CPU calibration in DESIGN.md (1.1 s/epoch; Recall@20 0.337, NDCG@20 0.408 after 200 epochs);
 *   2. the same with the project defaults (DNS negatives, batch 8192, lr 0.005, cosine decay, reg 1e-3);
 *   3. the tfjs pure-JS CPU backend on the same graph and batches: only `tfjsBatches` (default 3) training steps are
 *      timed and the epoch time is EXTRAPOLATED from them (a full tfjs-cpu epoch takes minutes);
 *   4. the ratio tfjs-cpu / CPU kernels seconds per epoch.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { allocBatch, TripletSampler } from '../../src/compute/lightgcn/bpr.ts';
import { buildNormalizedAdjacency, userItemCsr, type Interactions } from '../../src/compute/lightgcn/graph.ts';
import { TfLightGcn } from '../../src/compute/lightgcn/tf-lightgcn.ts';
import { createLightGcn, trainLightGcn, type LightGcnOptions } from '../../src/compute/lightgcn/train.ts';
import { createRng } from '../../src/compute/rng.ts';
import { initBackend } from '../../src/compute/tf-backend.ts';
import { readMovieLensUData } from '../../src/evaluate/datasets.ts';
import { computeMetrics } from '../../src/evaluate/metrics.ts';
import { buildRankingInput } from '../../src/evaluate/ranking.ts';
import { randomSplit } from '../../src/evaluate/splits.ts';

const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');

export interface TrainBenchResult {
  cpuSecondsPerEpoch: number;
  tfjsSecondsPerEpochExtrapolated: number;
  ratio: number;
  paperRecipe: { epochs: number; 'recall@20': number; 'ndcg@20': number };
  defaultRecipe: { epochs: number; 'recall@20': number; 'ndcg@20': number; secondsPerEpoch: number };
}

async function cpuRun(train: Interactions, test: Interactions, options: Partial<LightGcnOptions>, label: string) {
  const res = await trainLightGcn(train, options);
  const m = computeMetrics(buildRankingInput(res.model, train, test, 20), [20], ['recall', 'ndcg']);
  const out = { path: res.backend, recipe: label, epochs: res.epochs, secondsPerEpoch: Number(res.secondsPerEpoch.toFixed(4)), 'recall@20': Number(m['recall@20']!.toFixed(4)), 'ndcg@20': Number(m['ndcg@20']!.toFixed(4)) };
  emit(out);
  return out;
}

/** Runs the benchmark; returns the summary (also printed as the last JSON line). */
export async function benchTrain(options: { epochs?: number; tfjsBatches?: number; dataFile?: string } = {}): Promise<TrainBenchResult | null> {
  const file = options.dataFile ?? path.join(SHARED_DATA_DIR, 'ml-100k', 'u.data');
  if (!existsSync(file)) {
    emit({ error: `bench train needs ${file} (../shared/data is absent)` });
    return null;
  }
  const epochs = options.epochs ?? 200;
  const tfjsBatches = options.tfjsBatches ?? 3;
  const log = readMovieLensUData(file);
  const { train, test } = randomSplit(log, { ratios: [0.8, 0.2], seed: 2020 });
  emit({ dataset: 'ml-100k', split: 'random 80/20 per user, seed 2020', nUsers: train.nUsers, nItems: train.nItems, train: train.users.length, test: test.users.length });

  const paperOptions: Partial<LightGcnOptions> = { epochs, batchSize: 2048, learningRate: 0.001, lrSchedule: 'constant', negatives: 'uniform', regWeight: 1e-4 };
  const paper = await cpuRun(train, test, paperOptions, 'paper: batch 2048, lr 0.001, uniform negatives');
  const dflt = await cpuRun(train, test, { epochs }, 'defaults: batch 8192, lr 0.005 cosine, DNS 8, reg 1e-3');

  // tfjs CPU backend: same graph, same batch size as the paper recipe; time a few steps and extrapolate.
  const { tf, backend } = await initBackend({ prefer: 'cpu' });
  const cpuModel = createLightGcn(train, paperOptions);
  const tfModel = new TfLightGcn(tf, buildNormalizedAdjacency(train), cpuModel.e0.view.slice(), { embeddingSize: 64, nLayers: 3 });
  const sampler = new TripletSampler(userItemCsr(train), train.nItems, createRng(1));
  const batch = allocBatch(2048);
  sampler.sample(batch, 2048);
  tfModel.trainStep(batch, 1e-4, 0.001); // warm-up (kernel set-up, optimiser slots)
  const t0 = performance.now();
  for (let s = 0; s < tfjsBatches; s++) {
    sampler.sample(batch, 2048);
    tfModel.trainStep(batch, 1e-4, 0.001);
  }
  const perStep = (performance.now() - t0) / 1000 / tfjsBatches;
  tfModel.dispose();
  const stepsPerEpoch = Math.ceil(train.users.length / 2048);
  const tfjsEpoch = perStep * stepsPerEpoch;
  emit({ path: `tfjs-${backend}`, timedSteps: tfjsBatches, secondsPerStep: Number(perStep.toFixed(3)), stepsPerEpoch, secondsPerEpochExtrapolated: Number(tfjsEpoch.toFixed(1)), note: 'extrapolated from the timed steps, not a full epoch' });

  const summary: TrainBenchResult = {
    cpuSecondsPerEpoch: paper.secondsPerEpoch,
    tfjsSecondsPerEpochExtrapolated: Number(tfjsEpoch.toFixed(1)),
    ratio: Number((tfjsEpoch / paper.secondsPerEpoch).toFixed(1)),
    paperRecipe: { epochs: paper.epochs, 'recall@20': paper['recall@20'], 'ndcg@20': paper['ndcg@20'] },
    defaultRecipe: { epochs: dflt.epochs, 'recall@20': dflt['recall@20'], 'ndcg@20': dflt['ndcg@20'], secondsPerEpoch: dflt.secondsPerEpoch },
  };
  emit({ summary: 'ml-100k LightGCN training', ...summary, calibration: 'PyTorch CPU (DESIGN.md): 1.1 s/epoch; Recall@20 0.337, NDCG@20 0.408 after 200 epochs' });
  return summary;
}

export async function main(argv: string[]): Promise<void> {
  const epochs = argv[0] ? Number(argv[0]) : undefined;
  const tfjsBatches = argv[1] ? Number(argv[1]) : undefined;
  await benchTrain({ ...(epochs ? { epochs } : {}), ...(tfjsBatches ? { tfjsBatches } : {}) });
}
