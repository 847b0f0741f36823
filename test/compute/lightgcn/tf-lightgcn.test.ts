import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// vitest resolves tfjs-core's ESM gradient registry (plain Node ESM cannot); used only to cross-check the hand-derived gradient.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { allocBatch, BprWorkspace, bprLossAndGrad, TripletSampler } from '../../../src/compute/lightgcn/bpr.ts';
import { buildNormalizedAdjacency, userItemCsr, type Interactions } from '../../../src/compute/lightgcn/graph.ts';
import { fitLightGcn } from '../../../src/compute/lightgcn/fit.ts';
import { TfLightGcn } from '../../../src/compute/lightgcn/tf-lightgcn.ts';
import { createLightGcn } from '../../../src/compute/lightgcn/train.ts';
import { createRng } from '../../../src/compute/rng.ts';
import { initBackend, type TfModule } from '../../../src/compute/tf-backend.ts';
import { isAppError } from '../../../src/core/errors.ts';

function randomData(seed: number): Interactions {
  const rng = createRng(seed);
  const m = 300;
  return { nUsers: 30, nItems: 45, users: Int32Array.from({ length: m }, () => rng.int(30)), items: Int32Array.from({ length: m }, () => rng.int(45)) };
}

let tf: TfModule;
const models: TfLightGcn[] = [];

beforeAll(async () => {
  const b = await initBackend({ prefer: 'cpu' });
  tf = b.tf;
  expect(b.backend).toBe('cpu');
  expect(b.gpu).toBe(false);
});

afterAll(() => {
  for (const m of models) m.dispose();
});

describe('compute/tf-backend', () => {
  it('auto falls back to the CPU backend when tfjs-node-gpu is absent', async () => {
    const b = await initBackend({ prefer: 'auto' });
    expect(['cpu', 'tensorflow']).toContain(b.backend);
    expect(b.tf.getBackend()).toBe(b.backend);
  });

  it('rejects an unknown preference with BAD_REQUEST', async () => {
    await expect(initBackend({ prefer: 'tpu' as 'cpu' })).rejects.toSatisfy((e: unknown) => isAppError(e, 'BAD_REQUEST'));
  });
});

describe('compute/lightgcn tfjs path', () => {
  it('tfjs propagation equals the typed-array propagation (wasm and js kernels)', () => {
    const data = randomData(1);
    for (const [kernels, sumOp] of [['wasm', 'scatter'], ['js', 'segment']] as const) {
      const cpu = createLightGcn(data, { embeddingSize: 16, nLayers: 3, kernels, seed: 3 });
      const tfModel = new TfLightGcn(tf, buildNormalizedAdjacency(data), cpu.e0.view.slice(), { embeddingSize: 16, nLayers: 3, sumOp });
      models.push(tfModel);
      cpu.propagate();
      const a = cpu.final.view;
      const b = tfModel.finalEmbeddings();
      expect(b.length).toBe(a.length);
      let maxErr = 0;
      for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i]! - b[i]!));
      expect(maxErr).toBeLessThan(1e-5);
      const users = Int32Array.of(0, 5, 29);
      const sa = cpu.scoreAll(users);
      const sb = tfModel.scoreAll(users);
      for (let i = 0; i < sa.length; i++) expect(Math.abs(sa[i]! - sb[i]!)).toBeLessThan(1e-5);
      const ps = tfModel.score(Int32Array.of(5, 29), Int32Array.of(44, 0));
      expect(ps[0]).toBeCloseTo(sa[1 * 45 + 44]!, 5);
      expect(ps[1]).toBeCloseTo(sa[2 * 45 + 0]!, 5);
    }
  });

  it('hand-derived tfjs gradient equals the typed-array gradient and tfjs autodiff', () => {
    const data = randomData(2);
    const cpu = createLightGcn(data, { embeddingSize: 8, nLayers: 3, seed: 5, initStd: 0.3 });
    const tfModel = new TfLightGcn(tf, buildNormalizedAdjacency(data), cpu.e0.view.slice(), { embeddingSize: 8, nLayers: 3, sumOp: 'segment' });
    models.push(tfModel);
    const batch = allocBatch(64);
    new TripletSampler(userItemCsr(data), data.nItems, createRng(8)).sample(batch, 64);
    const ws = new BprWorkspace(cpu, 64);
    const gF = cpu.allocNodeBuffer();
    const gE0 = cpu.allocNodeBuffer();
    const mine = bprLossAndGrad(ws, batch, 1e-2, gF, gE0);
    const theirs = tfModel.lossAndGrad(batch, 1e-2);
    expect(theirs.loss).toBeCloseTo(mine.loss, 5);
    const viaScatter = new TfLightGcn(tf, buildNormalizedAdjacency(data), cpu.e0.view.slice(), { embeddingSize: 8, nLayers: 3, sumOp: 'scatter' });
    models.push(viaScatter);
    const scattered = viaScatter.lossAndGrad(batch, 1e-2).grad;
    for (let i = 0; i < scattered.length; i++) expect(Math.abs(scattered[i]! - gE0.view[i]!)).toBeLessThan(1e-6);
    const { value, grads } = tf.variableGrads(() => tfModel.lossTensor(batch, 1e-2), [tfModel.e0]);
    const auto = Float32Array.from(grads[tfModel.e0.name]!.dataSync());
    expect(value.dataSync()[0]).toBeCloseTo(mine.loss, 5);
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < theirs.grad.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(theirs.grad[i]! - gE0.view[i]!), Math.abs(auto[i]! - gE0.view[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(auto[i]!));
    }
    expect(maxAbs).toBeGreaterThan(1e-4);
    expect(maxErr).toBeLessThan(1e-6);
  });

  it('does not leak tensors across repeated scoring and training steps', () => {
    const data = randomData(3);
    const cpu = createLightGcn(data, { embeddingSize: 8, nLayers: 2 });
    const tfModel = new TfLightGcn(tf, buildNormalizedAdjacency(data), cpu.e0.view.slice(), { embeddingSize: 8, nLayers: 2 });
    models.push(tfModel);
    const batch = allocBatch(32);
    const sampler = new TripletSampler(userItemCsr(data), data.nItems, createRng(1));
    sampler.sample(batch, 32);
    const users = Int32Array.of(1, 2, 3);
    // burn-in: the first training step creates the optimiser's slot variables
    tfModel.trainStep(batch, 1e-4, 0.01);
    tfModel.scoreAll(users);
    tfModel.score(users, Int32Array.of(4, 5, 6));
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let r = 0; r < 5; r++) {
      sampler.sample(batch, 32);
      losses.push(tfModel.trainStep(batch, 1e-4, 0.01));
      tfModel.scoreAll(users);
      tfModel.score(users, Int32Array.of(4, 5, 6));
      tfModel.finalEmbeddings();
      tfModel.lossAndGrad(batch, 1e-4);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.every(Number.isFinite)).toBe(true);
    const count = tf.memory().numTensors;
    const extra = new TfLightGcn(tf, buildNormalizedAdjacency(data), cpu.e0.view.slice(), { embeddingSize: 8, nLayers: 2 });
    extra.trainStep(batch, 1e-4, 0.01);
    extra.dispose();
    expect(tf.memory().numTensors).toBe(count);
  });

  it('fitLightGcn picks the CPU kernels without a GPU, and the forced tfjs path trains too', async () => {
    const data = randomData(4);
    const auto = await fitLightGcn(data, { embeddingSize: 8, epochs: 3, batchSize: 64 });
    expect(auto.backend).toMatch(/^cpu-/);
    const before = tf.memory().numTensors;
    const viaTf = await fitLightGcn(data, { embeddingSize: 8, epochs: 8, batchSize: 100, learningRate: 0.05, negatives: 'dns', dnsCandidates: 4 }, {}, { path: 'tfjs' });
    expect(viaTf.backend).toBe('tfjs-cpu');
    expect(viaTf.epochs).toBe(8);
    expect(viaTf.history[7]!.loss).toBeLessThan(viaTf.history[0]!.loss);
    expect(tf.memory().numTensors).toBe(before);
    expect(viaTf.model.scoreAll(Int32Array.of(0)).length).toBe(45);
  });
});
