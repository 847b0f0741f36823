/**
 * @module compute/bandwidth
 * How fast this machine streams memory, and how many bytes one exact PPR iteration must move — so a benchmark can
 * say how close the power iteration runs to the memory-bandwidth bound (time ≥ bytes / bandwidth).
 *
 * `measureBandwidth` times passes over arrays far larger than the caches (default 2 × 128 MiB): a native copy
 * (`TypedArray.prototype.set`, i.e. memcpy: counts bytes read + bytes written) and a plain JavaScript summing loop
 * over a Float64Array (counts bytes read) — the best of several repeats each. The copy is the hardware's streaming
 * rate; the JS loop is what a single-threaded typed-array kernel can pull through.
 *
 * `pprIterationBytes` counts the compulsory traffic of one fused power step (`exact.ts`; `batched.ts` with k
 * interleaved columns), every array touched once:
 *
 *     12 · nnz             neighbors (u32) + weights (f64) of the undirected adjacency, streamed once
 *   + (12 + 32·k) · n      row pointers (4) and 1/W (8) once per row; per column: gather y at least once (8), read x
 *                          for the L1 change (8), write next (8), write next step's y = next/W (8)
 *   + (4 + 8·k) · dangling dangling-node list (u32) and its x values (f64)
 *   + 12 · k · seeds       per column: its seed nodes (u32) and weights (f64), read in the pass
 *
 * (Before the passes were fused — a y = x/W pass, the pull pass, a seed read-modify-write and an L1 pass — the
 * count was 12·nnz + (4 + 56·k)·n + (4 + 8·k)·dangling + (4 + 16·k)·seeds. Fusing saves, per column, the second
 * read of x, the re-read of next for the change and the per-column read of 1/W (24·n), and the read-modify-write of
 * next at each seed (8 per seed); 1/W is now read once per row (8·n). For one column: 60·n → 44·n.) Gathers of y
 * beyond the first touch are assumed to hit cache
 * (y is n or n·k doubles).
 *
 * @example
 * const bw = measureBandwidth();
 * const boundMs = (pprIterationBytes({ nodeCount, nnz, dangling: 0, seeds: 100 }) / bw.copyBytesPerSecond) * 1e3;
 */
import { AppError } from '../core/errors.ts';

export interface BandwidthOptions {
  /** Size of each of the two arrays, bytes (rounded down to whole doubles). [128 MiB] */
  bytes: number;
  /** Timed passes per method; the fastest counts. [5] */
  repeats: number;
}

export const BANDWIDTH_DEFAULTS: BandwidthOptions = { bytes: 128 * 1024 * 1024, repeats: 5 };

export interface BandwidthResult {
  /** Native copy: (read + written) bytes per second. */
  copyBytesPerSecond: number;
  /** JavaScript summing loop over a Float64Array: bytes read per second. */
  jsReadBytesPerSecond: number;
  arrayBytes: number;
  repeats: number;
}

/** Measures streaming memory bandwidth (see the module header). Takes about `repeats × 0.1 s` at the default size. */
export function measureBandwidth(options: Partial<BandwidthOptions> = {}): BandwidthResult {
  const o = { ...BANDWIDTH_DEFAULTS, ...options } satisfies BandwidthOptions;
  if (!(o.bytes >= 8 * 1024) || !Number.isInteger(o.repeats) || o.repeats < 1) {
    throw new AppError('BAD_REQUEST', 'compute/bandwidth: bytes must be ≥ 8 KiB and repeats an integer ≥ 1');
  }
  const len = Math.floor(o.bytes / 8);
  const src = new Float64Array(len);
  const dst = new Float64Array(len);
  for (let i = 0; i < len; i++) src[i] = i & 1023;
  dst.set(src); // touch every page once before timing
  let bestCopy = Infinity;
  let bestRead = Infinity;
  let sink = 0;
  for (let r = 0; r < o.repeats; r++) {
    let t0 = performance.now();
    dst.set(src);
    bestCopy = Math.min(bestCopy, performance.now() - t0);
    t0 = performance.now();
    let acc = 0;
    for (let i = 0; i < len; i++) acc += src[i]!;
    bestRead = Math.min(bestRead, performance.now() - t0);
    sink += acc + dst[r]!;
  }
  if (!Number.isFinite(sink)) throw new AppError('INTERNAL', 'compute/bandwidth: unexpected sum');
  return {
    copyBytesPerSecond: (2 * len * 8) / (bestCopy / 1e3),
    jsReadBytesPerSecond: (len * 8) / (bestRead / 1e3),
    arrayBytes: len * 8,
    repeats: o.repeats,
  };
}

export interface PprIterationShape {
  nodeCount: number;
  /** Adjacency entries of the undirected transition structure (2 × edges with non-zero effective weight). */
  nnz: number;
  /** Dangling nodes. [0] */
  dangling?: number;
  /** Seed nodes (of each column). [0] */
  seeds?: number;
  /** Interleaved columns (batched kernel). [1] */
  columns?: number;
}

/** Compulsory bytes one fused PPR iteration moves (formula in the module header). */
export function pprIterationBytes(shape: PprIterationShape): number {
  const { nodeCount: n, nnz } = shape;
  const k = shape.columns ?? 1;
  const dangling = shape.dangling ?? 0;
  const seeds = shape.seeds ?? 0;
  if (![n, nnz, k, dangling, seeds].every((v) => Number.isInteger(v) && v >= 0) || k < 1) {
    throw new AppError('BAD_REQUEST', 'compute/bandwidth: counts must be integers ≥ 0 (columns ≥ 1)');
  }
  return 12 * nnz + (12 + 32 * k) * n + (4 + 8 * k) * dangling + 12 * k * seeds;
}
