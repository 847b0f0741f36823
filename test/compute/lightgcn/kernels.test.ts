import { describe, expect, it } from 'vitest';
import { Arena } from '../../../src/compute/lightgcn/arena.ts';
import { buildNormalizedAdjacency } from '../../../src/compute/lightgcn/graph.ts';
import { CpuKernels, csrToArena, packItems } from '../../../src/compute/lightgcn/kernels.ts';
import { createRng } from '../../../src/compute/rng.ts';
import { createLightGcn } from '../../../src/compute/lightgcn/train.ts';

function randomGraph(seed: number, nUsers: number, nItems: number, m: number) {
  const rng = createRng(seed);
  return {
    nUsers,
    nItems,
    users: Int32Array.from({ length: m }, () => rng.int(nUsers)),
    items: Int32Array.from({ length: m }, () => rng.int(nItems)),
  };
}

/** Runs the same sequence of kernel calls with one implementation and returns every intermediate result. */
function runAll(mode: 'js' | 'wasm', d: number) {
  const data = randomGraph(7, 11, 19, 70);
  const adj = buildNormalizedAdjacency(data);
  const arena = new Arena();
  const k = new CpuKernels(arena, d, mode);
  const A = csrToArena(arena, adj.n, adj.indptr, adj.indices, adj.values);
  const x = arena.f32(adj.n * d);
  const y = arena.f32(adj.n * d);
  const rng = createRng(3);
  for (let i = 0; i < x.view.length; i++) x.view[i] = rng.normal();
  const results: Float32Array[] = [];
  k.spmm(A, x, y);
  results.push(y.view.slice());
  k.axpy(y, x, 0.5);
  results.push(y.view.slice());
  k.scale(y, -3);
  results.push(y.view.slice());
  const g = arena.f32(adj.n * d);
  const m = arena.f32(adj.n * d);
  const v = arena.f32(adj.n * d);
  for (let i = 0; i < g.view.length; i++) g.view[i] = 0.1 * x.view[(i * 7) % x.view.length]!;
  k.adam(y, g, m, v, 0.01, 0.9, 0.999, 1e-8);
  k.adam(y, g, m, v, 0.01, 0.9, 0.999, 1e-8);
  results.push(y.view.slice(), m.view.slice(), v.view.slice());
  const packed = arena.f32(Math.ceil(adj.nItems / 8) * 8 * d);
  const nGroups = packItems(x.view, adj.nUsers * d, adj.nItems, d, packed.view);
  const out = arena.f32(8 * nGroups * 8);
  k.scores(x, 0, 8, packed, nGroups, out, nGroups * 8);
  results.push(out.view.slice());
  const aIdx = arena.i32(5);
  const bIdx = arena.i32(5);
  aIdx.view.set([0, 3, 3, 10, 29]);
  bIdx.view.set([11, 12, 29, 0, 29]);
  const dots = arena.f32(5);
  k.rowDots(x, aIdx, bIdx, 5, dots);
  results.push(dots.view.slice());
  const coef = arena.f32(5);
  coef.view.set([1, -2, 0.5, 3, 0.25]);
  k.rowAxpy(y, aIdx, x, bIdx, coef, 5);
  results.push(y.view.slice());
  return { results, x: x.view.slice(), adj, mode: k.mode };
}

describe('compute/lightgcn kernels', () => {
  it('spmm matches a dense reference on a hand-sized graph', () => {
    const { results, x, adj } = runAll('js', 4);
    const d = 4;
    const dense = new Float64Array(adj.n * adj.n);
    for (let r = 0; r < adj.n; r++) for (let p = adj.indptr[r]!; p < adj.indptr[r + 1]!; p++) dense[r * adj.n + adj.indices[p]!] = adj.values[p]!;
    for (let r = 0; r < adj.n; r++) {
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let q = 0; q < adj.n; q++) s += dense[r * adj.n + q]! * x[q * d + c]!;
        expect(results[0]![r * d + c]).toBeCloseTo(s, 5);
      }
    }
  });

  it.each([4, 8, 12, 16, 64])('wasm SIMD kernels equal the JS reference (d=%i)', (d) => {
    const js = runAll('js', d);
    const wasm = runAll('wasm', d);
    expect(wasm.mode).toBe('wasm');
    expect(js.results.length).toBe(wasm.results.length);
    js.results.forEach((ref, idx) => {
      const got = wasm.results[idx]!;
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(ref[i]!)));
    });
  });

  it('falls back to JS when d is not a multiple of 4', () => {
    const k = new CpuKernels(new Arena(), 6, 'wasm');
    expect(k.mode).toBe('js');
  });

  it('the two-thread path (worker over the shared arena) gives the same results as one thread', async () => {
    const data = randomGraph(5, 300, 400, 6000);
    const model = createLightGcn(data, { embeddingSize: 16, nLayers: 3 });
    const one = model.scoreAll(Int32Array.from({ length: 40 }, (_, i) => i * 7));
    const y1 = model.allocNodeBuffer();
    model.kernels.spmm(model.adj, model.e0, y1);
    await model.useTwoThreads();
    try {
      expect(model.kernels.threads).toBe(2);
      const y2 = model.allocNodeBuffer();
      model.kernels.spmm(model.adj, model.e0, y2);
      expect(Array.from(y2.view)).toEqual(Array.from(y1.view));
      model.touch();
      const two = model.scoreAll(Int32Array.from({ length: 40 }, (_, i) => i * 7));
      expect(Array.from(two)).toEqual(Array.from(one));
    } finally {
      await model.close();
    }
    expect(model.kernels.threads).toBe(1);
  });
});
