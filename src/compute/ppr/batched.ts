/**
 * @module compute/ppr/batched
 * Exact PPR for many seed vectors at once, for offline jobs (all users' candidate lists, evaluation).
 *
 * `columns` seed vectors share one pass over the edges: the iterates are stored interleaved (`x[v·k + j]` is the
 * score of node v for slot j), so every adjacency entry read (`neighbors[e]`, `weights[e]`) feeds k multiply-adds on
 * k consecutive doubles. Like `exact.ts`, each step is one fused pass: when row v's k sums are done, the same loop
 * adds each slot's restart share (every slot walks its own sorted seed list), stores `next` and next step's
 * `y = next/W`, and adds to each slot's L1 change. The per-slot arithmetic is exactly that of `exact.ts` (same
 * operations in the same order), so each result is bit-for-bit the one-seed result. A slot whose L1 change falls
 * below the tolerance hands its scores to `onResult` and is refilled with the next pending seed vector (restarting
 * from x₀ = s), so passes keep serving k seeds until the queue runs dry.
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

/** `kernel` is accepted for symmetry with `exact.ts`; the batched pass always runs in JavaScript. */
export const BATCHED_PPR_DEFAULTS = { ...PPR_DEFAULTS, columns: 8 } as const satisfies BatchedPprOptions;

/** Per-pass inputs and outputs shared by the kernels (k slots). */
interface Pass {
  k: number;
  d: number;
  /** x and y = x/W of this step; next and ynext are written. */
  x: Float64Array;
  y: Float64Array;
  next: Float64Array;
  ynext: Float64Array;
  /** Per slot: 1 − d + d · dangling mass. */
  restart: Float64Array;
  /** Per slot: the node of its next seed (n when none is left), the position in its list, the list. */
  seedAt: Float64Array;
  seedPos: Int32Array;
  seedLists: SeedVector[];
  /** Per slot: L1 change, summed in node order. */
  delta: Float64Array;
}

/**
 * Row epilogue for slot j: the restart share on a seed row, then next, ynext and the L1 change — the same operations
 * as the fused step of `exact.ts`. `sum` is the row's dot product. (The generic path; `pass8`/`pass4` inline it.)
 */
function finish(p: Pass, v: number, o: number, j: number, sum: number, inv: number, n: number): void {
  let nv = p.d * sum;
  if (v === p.seedAt[j]) nv += takeSeed(p, j, n);
  p.next[o + j] = nv;
  p.ynext[o + j] = nv * inv;
  p.delta[j]! += Math.abs(nv - p.x[o + j]!);
}

/** Slot j is on its next seed row: returns restart · weight and moves the slot to its following seed. */
function takeSeed(p: Pass, j: number, n: number): number {
  const seeds = p.seedLists[j]!;
  const pos = p.seedPos[j]!;
  p.seedPos[j] = pos + 1;
  p.seedAt[j] = pos + 1 < seeds.nodes.length ? seeds.nodes[pos + 1]! : n;
  return p.restart[j]! * seeds.weights[pos]!;
}

/** The first row any slot still has a seed on. */
function firstSeedRow(p: Pass): number {
  let m = Infinity;
  for (let j = 0; j < p.k; j++) m = Math.min(m, p.seedAt[j]!);
  return m;
}

/*
 * Pull kernels: Σ_e weights[e] · y[neighbors[e]·k + j], summed in adjacency order from 0 — the same order as the
 * one-seed step. The 8- and 4-column versions keep the sums (and the L1 changes) in locals (≈3× faster than
 * accumulating in memory, measured in V8); rows with a seed of any slot take the generic epilogue.
 */
function pass8(t: Transition, p: Pass): void {
  const { starts, neighbors, weights, invStrength, nodeCount: n } = t;
  const { y, x, next, ynext, d, delta } = p;
  let seedRow = firstSeedRow(p);
  let l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
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
    const inv = invStrength[v]!;
    if (v === seedRow) {
      // Hand the running L1 changes to the generic epilogue (restart shares) for this row, then take them back:
      // each slot's change stays one sum in node order.
      delta[0] = l0; delta[1] = l1; delta[2] = l2; delta[3] = l3;
      delta[4] = l4; delta[5] = l5; delta[6] = l6; delta[7] = l7;
      finish(p, v, o, 0, a0, inv, n);
      finish(p, v, o, 1, a1, inv, n);
      finish(p, v, o, 2, a2, inv, n);
      finish(p, v, o, 3, a3, inv, n);
      finish(p, v, o, 4, a4, inv, n);
      finish(p, v, o, 5, a5, inv, n);
      finish(p, v, o, 6, a6, inv, n);
      finish(p, v, o, 7, a7, inv, n);
      l0 = delta[0]!; l1 = delta[1]!; l2 = delta[2]!; l3 = delta[3]!;
      l4 = delta[4]!; l5 = delta[5]!; l6 = delta[6]!; l7 = delta[7]!;
      seedRow = firstSeedRow(p);
      continue;
    }
    const n0 = d * a0, n1 = d * a1, n2 = d * a2, n3 = d * a3, n4 = d * a4, n5 = d * a5, n6 = d * a6, n7 = d * a7;
    next[o] = n0;
    next[o + 1] = n1;
    next[o + 2] = n2;
    next[o + 3] = n3;
    next[o + 4] = n4;
    next[o + 5] = n5;
    next[o + 6] = n6;
    next[o + 7] = n7;
    ynext[o] = n0 * inv;
    ynext[o + 1] = n1 * inv;
    ynext[o + 2] = n2 * inv;
    ynext[o + 3] = n3 * inv;
    ynext[o + 4] = n4 * inv;
    ynext[o + 5] = n5 * inv;
    ynext[o + 6] = n6 * inv;
    ynext[o + 7] = n7 * inv;
    l0 += Math.abs(n0 - x[o]!);
    l1 += Math.abs(n1 - x[o + 1]!);
    l2 += Math.abs(n2 - x[o + 2]!);
    l3 += Math.abs(n3 - x[o + 3]!);
    l4 += Math.abs(n4 - x[o + 4]!);
    l5 += Math.abs(n5 - x[o + 5]!);
    l6 += Math.abs(n6 - x[o + 6]!);
    l7 += Math.abs(n7 - x[o + 7]!);
  }
  delta[0] = l0; delta[1] = l1; delta[2] = l2; delta[3] = l3;
  delta[4] = l4; delta[5] = l5; delta[6] = l6; delta[7] = l7;
}

function pass4(t: Transition, p: Pass): void {
  const { starts, neighbors, weights, invStrength, nodeCount: n } = t;
  const { y, x, next, ynext, d, delta } = p;
  let seedRow = firstSeedRow(p);
  let l0 = 0, l1 = 0, l2 = 0, l3 = 0;
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
    const inv = invStrength[v]!;
    if (v === seedRow) {
      delta[0] = l0; delta[1] = l1; delta[2] = l2; delta[3] = l3;
      finish(p, v, o, 0, a0, inv, n);
      finish(p, v, o, 1, a1, inv, n);
      finish(p, v, o, 2, a2, inv, n);
      finish(p, v, o, 3, a3, inv, n);
      l0 = delta[0]!; l1 = delta[1]!; l2 = delta[2]!; l3 = delta[3]!;
      seedRow = firstSeedRow(p);
      continue;
    }
    const n0 = d * a0, n1 = d * a1, n2 = d * a2, n3 = d * a3;
    next[o] = n0;
    next[o + 1] = n1;
    next[o + 2] = n2;
    next[o + 3] = n3;
    ynext[o] = n0 * inv;
    ynext[o + 1] = n1 * inv;
    ynext[o + 2] = n2 * inv;
    ynext[o + 3] = n3 * inv;
    l0 += Math.abs(n0 - x[o]!);
    l1 += Math.abs(n1 - x[o + 1]!);
    l2 += Math.abs(n2 - x[o + 2]!);
    l3 += Math.abs(n3 - x[o + 3]!);
  }
  delta[0] = l0; delta[1] = l1; delta[2] = l2; delta[3] = l3;
}

function passAny(t: Transition, p: Pass, acc: Float64Array): void {
  const { starts, neighbors, weights, invStrength, nodeCount: n } = t;
  const { y, k } = p;
  for (let v = 0; v < n; v++) {
    acc.fill(0);
    const end = starts[v + 1]!;
    for (let e = starts[v]!; e < end; e++) {
      const w = weights[e]!;
      const ub = neighbors[e]! * k;
      for (let j = 0; j < k; j++) acc[j]! += w * y[ub + j]!;
    }
    const inv = invStrength[v]!;
    for (let j = 0; j < k; j++) finish(p, v, v * k, j, acc[j]!, inv, n);
  }
}

const NO_SEEDS: SeedVector = { nodes: new Uint32Array(0), weights: new Float64Array(0) };

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
  const p: Pass = {
    k,
    d,
    x: new Float64Array(n * k),
    y: new Float64Array(n * k),
    next: new Float64Array(n * k),
    ynext: new Float64Array(n * k),
    restart: new Float64Array(k),
    seedAt: new Float64Array(k),
    seedPos: new Int32Array(k),
    seedLists: new Array<SeedVector>(k).fill(NO_SEEDS),
    delta: new Float64Array(k),
  };
  const acc = new Float64Array(k);
  const out = new Float64Array(n);
  const slotSeed = new Int32Array(k).fill(-1);
  const slotIter = new Int32Array(k);
  let pending = 0;
  let active = 0;

  /** Starts slot j on the next pending seed vector (x₀ = s, y₀ = s/W), or empties it. */
  const fill = (j: number): void => {
    const { x, y } = p;
    for (let v = 0; v < n; v++) x[v * k + j] = y[v * k + j] = 0;
    if (pending >= seedsList.length) {
      slotSeed[j] = -1;
      p.seedLists[j] = NO_SEEDS;
      return;
    }
    const seeds = seedsList[pending]!;
    slotSeed[j] = pending++;
    slotIter[j] = 0;
    p.seedLists[j] = seeds;
    active++;
    for (let s = 0; s < seeds.nodes.length; s++) {
      const v = seeds.nodes[s]!;
      x[v * k + j] = seeds.weights[s]!;
      y[v * k + j] = x[v * k + j]! * invStrength[v]!;
    }
  };
  for (let j = 0; j < k; j++) fill(j);

  if (o.maxIterations === 0) throw new AppError('NOT_CONVERGED', 'compute/ppr: failed to converge after 0 iterations', { iterations: 0 });
  while (active > 0) {
    for (let j = 0; j < k; j++) {
      let mass = 0;
      for (let q = 0; q < dangling.length; q++) mass += p.x[dangling[q]! * k + j]!;
      p.restart[j] = 1 - d + d * mass;
      const seeds = p.seedLists[j]!;
      p.seedPos[j] = 0;
      p.seedAt[j] = seeds.nodes.length > 0 ? seeds.nodes[0]! : n;
    }
    p.delta.fill(0);
    if (k === 8) pass8(t, p);
    else if (k === 4) pass4(t, p);
    else passAny(t, p, acc);
    [p.x, p.next] = [p.next, p.x];
    [p.y, p.ynext] = [p.ynext, p.y];
    for (let j = 0; j < k; j++) {
      const si = slotSeed[j]!;
      if (si < 0) continue;
      slotIter[j]!++;
      const delta = p.delta[j]!;
      if (delta < o.tolerance) {
        for (let v = 0; v < n; v++) out[v] = p.x[v * k + j]!;
        active--;
        onResult(si, out, slotIter[j]!);
        fill(j);
      } else if (slotIter[j]! >= o.maxIterations) {
        throw new AppError('NOT_CONVERGED', `compute/ppr: seed vector ${si} failed to converge after ${o.maxIterations} iterations (L1 change ${delta})`, {
          seed: si,
          iterations: o.maxIterations,
          delta,
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
