import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { allocBatch, BprWorkspace, bprLossAndGrad, TripletSampler } from '../../../src/compute/lightgcn/bpr.ts';
import { buildNormalizedAdjacency, fingerprintInteractions, userItemCsr, type Interactions } from '../../../src/compute/lightgcn/graph.ts';
import { createLightGcn, LIGHTGCN_DEFAULTS, resolveOptions, trainLightGcn } from '../../../src/compute/lightgcn/train.ts';
import { createRng } from '../../../src/compute/rng.ts';
import { isAppError } from '../../../src/core/errors.ts';

const tiny: Interactions = { nUsers: 2, nItems: 3, users: Int32Array.of(0, 0, 1, 0), items: Int32Array.of(0, 1, 1, 1) };

/** Two user communities, each with its own items; users see part of their community's items. */
function planted(seed: number): { train: Interactions; test: Interactions } {
  const rng = createRng(seed);
  const nUsers = 40;
  const nItems = 30;
  const tu: number[] = [];
  const ti: number[] = [];
  const su: number[] = [];
  const si: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const base = u < 20 ? 0 : 15;
    for (let i = base; i < base + 15; i++) {
      const r = rng.float();
      if (r < 0.45) {
        tu.push(u);
        ti.push(i);
      } else if (r < 0.6) {
        su.push(u);
        si.push(i);
      }
    }
  }
  return {
    train: { nUsers, nItems, users: Int32Array.from(tu), items: Int32Array.from(ti) },
    test: { nUsers, nItems, users: Int32Array.from(su), items: Int32Array.from(si) },
  };
}

describe('compute/lightgcn graph', () => {
  it('builds D^-1/2 A D^-1/2 with hand-computed values and de-duplicated pairs', () => {
    const adj = buildNormalizedAdjacency(tiny);
    expect(adj.n).toBe(5);
    expect(Array.from(adj.indptr)).toEqual([0, 2, 3, 4, 6, 6]);
    expect(Array.from(adj.indices)).toEqual([2, 3, 3, 0, 0, 1]);
    const expected = [1 / Math.sqrt(2), 0.5, 1 / Math.sqrt(2), 1 / Math.sqrt(2), 0.5, 1 / Math.sqrt(2)];
    expected.forEach((v, p) => expect(adj.values[p]).toBeCloseTo(v, 6));
  });

  it('adds knowledge entities as extra nodes', () => {
    const adj = buildNormalizedAdjacency(tiny, { nEntities: 1, items: Int32Array.of(2, 0), entities: Int32Array.of(0, 0) });
    expect(adj.n).toBe(6);
    // entity row: neighbours item 0 (node 2) and item 2 (node 4); deg(entity)=2, deg(item0)=2, deg(item2)=1
    expect(Array.from(adj.indices.subarray(adj.indptr[5]!, adj.indptr[6]!))).toEqual([2, 4]);
    expect(adj.values[adj.indptr[5]!]).toBeCloseTo(0.5, 6);
    expect(adj.values[adj.indptr[5]! + 1]).toBeCloseTo(1 / Math.sqrt(2), 6);
  });

  it('rejects out-of-range pairs with BAD_REQUEST', () => {
    const bad = { ...tiny, items: Int32Array.of(0, 1, 5, 1) };
    expect(() => buildNormalizedAdjacency(bad)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('fingerprints depend on the pairs', () => {
    const a = fingerprintInteractions(tiny);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintInteractions({ ...tiny, items: Int32Array.of(0, 1, 1, 2) })).not.toBe(a);
    expect(fingerprintInteractions({ ...tiny })).toBe(a);
  });
});

describe('compute/lightgcn model', () => {
  it('final embeddings are the mean of Â^k E0 (dense reference)', () => {
    const model = createLightGcn(tiny, { embeddingSize: 4, nLayers: 2, kernels: 'js' });
    const adj = buildNormalizedAdjacency(tiny);
    const n = adj.n;
    const d = 4;
    const A = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let p = adj.indptr[r]!; p < adj.indptr[r + 1]!; p++) A[r * n + adj.indices[p]!] = adj.values[p]!;
    let layer = Float64Array.from(model.e0.view);
    const sum = Float64Array.from(layer);
    for (let k = 1; k <= 2; k++) {
      const next = new Float64Array(n * d);
      for (let r = 0; r < n; r++) for (let q = 0; q < n; q++) for (let c = 0; c < d; c++) next[r * d + c]! += A[r * n + q]! * layer[q * d + c]!;
      for (let i = 0; i < sum.length; i++) sum[i]! += next[i]!;
      layer = next;
    }
    model.propagate();
    for (let i = 0; i < sum.length; i++) expect(model.final.view[i]).toBeCloseTo(sum[i]! / 3, 5);
    // score = dot of final embeddings
    const s = model.score(Int32Array.of(1), Int32Array.of(2));
    let dot = 0;
    for (let c = 0; c < d; c++) dot += (sum[1 * d + c]! / 3) * (sum[(2 + 2) * d + c]! / 3);
    expect(s[0]).toBeCloseTo(dot, 5);
    const all = model.scoreAll(Int32Array.of(1, 0));
    expect(all.length).toBe(6);
    expect(all[2]).toBeCloseTo(dot, 5);
  });

  it.each(['js', 'wasm'] as const)('hand-written gradient matches central differences (%s kernels)', (kernels) => {
    const { train } = planted(5);
    const model = createLightGcn(train, { embeddingSize: 8, nLayers: 3, kernels, initStd: 0.3, seed: 11 });
    const ws = new BprWorkspace(model, 16);
    const sampler = new TripletSampler(userItemCsr(train), train.nItems, createRng(2));
    const batch = allocBatch(16);
    sampler.sample(batch, 16);
    const gF = model.allocNodeBuffer();
    const gE0 = model.allocNodeBuffer();
    const regWeight = 0.05;
    const reported = bprLossAndGrad(ws, batch, regWeight, gF, gE0);
    expect(model.loss(batch, regWeight)).toBeCloseTo(reported.loss, 5);
    const analytic = gE0.view.slice();
    const scratch = model.allocNodeBuffer();
    const lossAt = (): number => {
      model.touch();
      return bprLossAndGrad(ws, batch, regWeight, gF, scratch).loss;
    };
    const e0 = model.e0.view;
    const rng = createRng(9);
    const eps = 1e-2;
    let checked = 0;
    for (let trial = 0; trial < 40; trial++) {
      const k = rng.int(e0.length);
      const orig = e0[k]!;
      e0[k] = orig + eps;
      const up = lossAt();
      e0[k] = orig - eps;
      const down = lossAt();
      e0[k] = orig;
      const numeric = (up - down) / (2 * eps);
      expect(Math.abs(numeric - analytic[k]!)).toBeLessThan(2e-4 + 2e-2 * Math.abs(numeric));
      if (Math.abs(numeric) > 1e-3) checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('compute/lightgcn training', () => {
  it('learns the planted communities and is deterministic for a seed', async () => {
    const { train } = planted(1);
    const opts = { embeddingSize: 8, nLayers: 2, epochs: 60, batchSize: 64, learningRate: 0.05, seed: 4 };
    const a = await trainLightGcn(train, opts);
    const b = await trainLightGcn(train, opts);
    expect(Array.from(a.model.e0.view.subarray(0, 16))).toEqual(Array.from(b.model.e0.view.subarray(0, 16)));
    expect(a.history[a.history.length - 1]!.loss).toBeLessThan(a.history[0]!.loss);
    // users of community A score community-A items above community-B items
    const scores = a.model.scoreAll(Int32Array.of(0, 25));
    const mean = (row: number, lo: number, hi: number) => {
      let s = 0;
      for (let i = lo; i < hi; i++) s += scores[row * 30 + i]!;
      return s / (hi - lo);
    };
    expect(mean(0, 0, 15)).toBeGreaterThan(mean(0, 15, 30));
    expect(mean(1, 15, 30)).toBeGreaterThan(mean(1, 0, 15));
  });

  it('stops early when the validation metric stops improving and restores the best epoch', async () => {
    const { train } = planted(2);
    const values = [0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    let calls = 0;
    const res = await trainLightGcn(train, { embeddingSize: 8, epochs: 50, evalEvery: 1, patience: 3, batchSize: 64 }, { validate: () => values[calls++] ?? 0 });
    expect(res.epochs).toBe(4);
    expect(res.bestEpoch).toBe(1);
    expect(res.bestValid).toBe(0.5);
  });

  it('trains the KG-aware variant with entities in the propagation graph', async () => {
    const { train } = planted(6);
    // entity 0 links community-A items, entity 1 community-B items
    const items = Int32Array.from({ length: 30 }, (_, i) => i);
    const entities = Int32Array.from(items, (i) => (i < 15 ? 0 : 1));
    const res = await trainLightGcn(train, { embeddingSize: 8, epochs: 20, batchSize: 64, learningRate: 0.05 }, { knowledge: { nEntities: 2, items, entities } });
    expect(res.model.n).toBe(40 + 30 + 2);
    expect(res.model.scoreAll(Int32Array.of(0)).length).toBe(30);
    expect(res.history[res.history.length - 1]!.loss).toBeLessThan(res.history[0]!.loss);
  });

  it('rejects bad options with BAD_REQUEST', async () => {
    const { train } = planted(3);
    for (const bad of [{ embeddingSize: 0 }, { batchSize: -1 }, { learningRate: 0 }, { negatives: 'hard' as 'dns' }, { nLayers: -1 }]) {
      await expect(trainLightGcn(train, bad)).rejects.toSatisfy((e: unknown) => isAppError(e, 'BAD_REQUEST'));
    }
  });

  it("resolves 'auto': batch 8192 / lr 0.005 up to 524,288 interactions, then a power-of-two batch ≥ n/64 with lr scaled linearly up to 0.01", () => {
    expect([resolveOptions({}, 80_000).batchSize, resolveOptions({}, 80_000).learningRate]).toEqual([8192, 0.005]);
    expect([resolveOptions({}, 810_128).batchSize, resolveOptions({}, 810_128).learningRate]).toEqual([16384, 0.01]);
    expect([resolveOptions({}, 2_380_730).batchSize, resolveOptions({}, 2_380_730).learningRate]).toEqual([65536, 0.01]);
    expect(resolveOptions({ batchSize: 2048 }, 810_128).learningRate).toBe(0.005);
    expect(resolveOptions({ batchSize: 16384, learningRate: 0.001 }, 100).learningRate).toBe(0.001);
    expect(LIGHTGCN_DEFAULTS.threads).toBe(Math.min(2, availableParallelism()));
  });

  it('stops at the time budget, which then leads the schedule to its end', async () => {
    const { train } = planted(8);
    const res = await trainLightGcn(train, { embeddingSize: 8, epochs: 1_000_000, batchSize: 16, learningRate: 0.05, maxSeconds: 1 });
    expect(res.epochs).toBeLessThan(1_000_000);
    const last = res.history.at(-1)!;
    expect(last.elapsed).toBeGreaterThanOrEqual(1);
    // cosine over the budget: the last epoch's rate is near the floor (0.05 · 0.05), far below the start
    expect(last.lr).toBeLessThan(0.05 * 0.2);
  });
});
