/**
 * @module compute/ppr/batched
 * Exact PPR for many seed vectors at once, for offline jobs (all users' candidate lists, evaluation).
 *
 * `columns` seed vectors share one pass over the edges: the iterates are stored interleaved (`x[v·k + j]` is the
 * score of node v for slot j), so every adjacency entry read (`neighbors[e]`, `weights[e]`) feeds k multiply-adds on
 * k consecutive doubles. The per-slot arithmetic is exactly that of `exact.ts` (same operations in the same order),
 * so each result is bit-for-bit the one-seed result. A slot whose L1 change falls below the tolerance hands its
 * scores to `onResult` and is refilled with the next pending seed vector (restarting from x₀ = s), so passes keep
 * serving k seeds until the queue runs dry.
 *
 * @example
 * batchedPprEach(t, userSeeds, { columns: 8 }, (i, scores) => store(i, collectTopK(csr, scores, 100)));
 */
import { AppError } from '../../core/errors.ts';
import { assertPprOptions, PPR_DEFAULTS, type PprOptions } from './exact.ts';
import { assertSeeds, type SeedVector } from './seed-vector.ts';
import { assertTransition, type Transition } from './transition.ts';

export interface BatchedPprOptions extends PprOptions {
  /** Seed vectors per pass over the edges (interleaved columns). [8] */
  columns: number;
}

export const BATCHED_PPR_DEFAULTS = { ...PPR_DEFAULTS, columns: 8 } as const satisfies BatchedPprOptions;

/*
 * Pull kernels: next[v·k + j] = d · Σ_e weights[e] · y[neighbors[e]·k + j], summed in adjacency order from 0 —
 * the same order as `powerStep`, so every column is bit-identical to the one-seed iteration. The 8- and 4-column
 * versions keep the sums in locals (≈3× faster than accumulating in memory, measured in V8).
 */
function pull8(t: Transition, y: Float64Array, next: Float64Array, d: number): void {
  const { starts, neighbors, weights, nodeCount: n } = t;
  for (let v = 0; v < n; v++) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    const end = starts[v + 1]!;
    for (let e = starts[v]!; e < end; e++) {
      const w = weights[e]!;
      const b = neighbors[e]! * 8;
      a0 += w * y[b]!;
      a1 += w * y[b + 1]!;
      a2 += w * y[b + 2]!;
      a3 += w * y[b + 3]!;
      a4 += w * y[b + 4]!;
      a5 += w * y[b + 5]!;
      a6 += w * y[b + 6]!;
      a7 += w * y[b + 7]!;
    }
    const o = v * 8;
    next[o] = d * a0;
    next[o + 1] = d * a1;
    next[o + 2] = d * a2;
    next[o + 3] = d * a3;
    next[o + 4] = d * a4;
    next[o + 5] = d * a5;
    next[o + 6] = d * a6;
    next[o + 7] = d * a7;
  }
}

function pull4(t: Transition, y: Float64Array, next: Float64Array, d: number): void {
  const { starts, neighbors, weights, nodeCount: n } = t;
  for (let v = 0; v < n; v++) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const end = starts[v + 1]!;
    for (let e = starts[v]!; e < end; e++) {
      const w = weights[e]!;
      const b = neighbors[e]! * 4;
      a0 += w * y[b]!;
      a1 += w * y[b + 1]!;
      a2 += w * y[b + 2]!;
      a3 += w * y[b + 3]!;
    }
    const o = v * 4;
    next[o] = d * a0;
    next[o + 1] = d * a1;
    next[o + 2] = d * a2;
    next[o + 3] = d * a3;
  }
}

function pullAny(t: Transition, y: Float64Array, next: Float64Array, d: number, k: number): void {
  const { starts, neighbors, weights, nodeCount: n } = t;
  next.fill(0);
  for (let v = 0; v < n; v++) {
    const vb = v * k;
    const end = starts[v + 1]!;
    for (let e = starts[v]!; e < end; e++) {
      const w = weights[e]!;
      const ub = neighbors[e]! * k;
      for (let j = 0; j < k; j++) next[vb + j]! += w * y[ub + j]!;
    }
    for (let j = 0; j < k; j++) next[vb + j] = d * next[vb + j]!;
  }
}

/**
 * Runs PPR for every seed vector, calling `onResult(i, scores, iterations)` as each one converges (in convergence
 * order, not input order). `scores` is a scratch buffer reused for the next result: copy it to keep it. Throws
 * `NOT_CONVERGED` when a seed vector needs more than `maxIterations` iterations.
 */
export function batchedPprEach(
  t: Transition,
  seedsList: readonly SeedVector[],
  options: Partial<BatchedPprOptions>,
  onResult: (i: number, scores: Float64Array, iterations: number) => void,
): void {
  const o = { ...BATCHED_PPR_DEFAULTS, ...options } satisfies BatchedPprOptions;
  assertPprOptions(o);
  if (!Number.isInteger(o.columns) || o.columns < 1 || o.columns > 256) throw new AppError('BAD_REQUEST', `compute/ppr: columns must be an integer in 1..256 (got ${o.columns})`);
  assertTransition(t);
  for (const seeds of seedsList) assertSeeds(seeds, t.nodeCount);
  if (seedsList.length === 0) return;

  const n = t.nodeCount;
  const k = Math.min(o.columns, seedsList.length);
  const d = o.damping;
  const { invStrength, dangling } = t;
  let x = new Float64Array(n * k);
  let next = new Float64Array(n * k);
  const y = new Float64Array(n * k);
  const out = new Float64Array(n);
  const slotSeed = new Int32Array(k).fill(-1);
  const slotIter = new Int32Array(k);
  const danglingMass = new Float64Array(k);
  const delta = new Float64Array(k);
  let pending = 0;
  let active = 0;

  const fill = (j: number): void => {
    for (let v = 0; v < n; v++) x[v * k + j] = 0;
    if (pending >= seedsList.length) {
      slotSeed[j] = -1;
      return;
    }
    const seeds = seedsList[pending]!;
    slotSeed[j] = pending++;
    slotIter[j] = 0;
    active++;
    for (let s = 0; s < seeds.nodes.length; s++) x[seeds.nodes[s]! * k + j] = seeds.weights[s]!;
  };
  for (let j = 0; j < k; j++) fill(j);

  if (o.maxIterations === 0) throw new AppError('NOT_CONVERGED', 'compute/ppr: failed to converge after 0 iterations', { iterations: 0 });
  while (active > 0) {
    danglingMass.fill(0);
    for (let q = 0; q < dangling.length; q++) {
      const base = dangling[q]! * k;
      for (let j = 0; j < k; j++) danglingMass[j]! += x[base + j]!;
    }
    for (let u = 0; u < n; u++) {
      const inv = invStrength[u]!;
      const base = u * k;
      for (let j = 0; j < k; j++) y[base + j] = x[base + j]! * inv;
    }
    if (k === 8) pull8(t, y, next, d);
    else if (k === 4) pull4(t, y, next, d);
    else pullAny(t, y, next, d, k);
    for (let j = 0; j < k; j++) {
      const si = slotSeed[j]!;
      if (si < 0) continue;
      const seeds = seedsList[si]!;
      const restart = 1 - d + d * danglingMass[j]!;
      for (let s = 0; s < seeds.nodes.length; s++) next[seeds.nodes[s]! * k + j]! += restart * seeds.weights[s]!;
    }
    delta.fill(0);
    for (let v = 0; v < n; v++) {
      const vb = v * k;
      for (let j = 0; j < k; j++) delta[j]! += Math.abs(next[vb + j]! - x[vb + j]!);
    }
    [x, next] = [next, x];
    for (let j = 0; j < k; j++) {
      const si = slotSeed[j]!;
      if (si < 0) continue;
      slotIter[j]!++;
      if (delta[j]! < o.tolerance) {
        for (let v = 0; v < n; v++) out[v] = x[v * k + j]!;
        active--;
        onResult(si, out, slotIter[j]!);
        fill(j);
      } else if (slotIter[j]! >= o.maxIterations) {
        throw new AppError('NOT_CONVERGED', `compute/ppr: seed vector ${si} failed to converge after ${o.maxIterations} iterations (L1 change ${delta[j]})`, {
          seed: si,
          iterations: o.maxIterations,
          delta: delta[j],
        });
      }
    }
  }
}

/** Runs PPR for every seed vector and returns the score vectors in input order (n doubles each). */
export function batchedPpr(t: Transition, seedsList: readonly SeedVector[], options: Partial<BatchedPprOptions> = {}): Float64Array[] {
  const results: Float64Array[] = new Array<Float64Array>(seedsList.length);
  batchedPprEach(t, seedsList, options, (i, scores) => {
    results[i] = scores.slice();
  });
  return results;
}
