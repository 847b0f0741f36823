/**
 * @module retrieve/ivf
 * An inverted-file index (IVF) over item vectors: the `embedding` part's candidate search on large catalogues, where
 * scoring every item vector per request is the cost of a request (400,000 × 64 floats: 42–57 ms, docs/scaling.md).
 *
 * Build: k-means (seeded; `iterations` Lloyd steps on a sample of `trainPerList` points per list, then every item
 * assigned) splits the items into `nLists` ≈ √nItems lists. The metric is made a nearest-neighbour problem first, so
 * that k-means' squared distance is the right one to cluster by:
 * - `dot` (maximum inner product): items are scaled by the largest norm M and given one more coordinate,
 *   √(1 − ‖x/M‖²), so all have norm 1; a query gets a 0 there. Then ‖q̂ − x'‖² = 2 − 2 q̂·x/M: the nearest item
 *   is the one with the largest dot product (Bachrach et al., RecSys 2014).
 * - `cosine`: items are normalised to norm 1.
 *
 * Search ({@link ivfTopK}): the lists are ranked by the squared distance of their centroid c' to the query,
 * ‖q̂‖² + ‖c'‖² − 2 q̂·c (the query's extra coordinate is 0), the best `nProbe` lists are read, and every item in them
 * that `keep` accepts is scored exactly under the metric. Lists past `nProbe` are read until `k` items were kept, so
 * strict filters still fill the answer. The result is exact for the items it reads; what it can miss is a better item
 * in a list it did not read: `npm run bench -- ann` measures how often (recall against the exact scan).
 *
 * The assignment step runs on compute/lightgcn's blocked score kernel (WebAssembly SIMD where the dimension is a
 * multiple of 4), the same product the evaluation ranks with.
 */
import { AppError } from '../core/errors.ts';
import { createRng } from '../compute/rng.ts';
import { Arena } from '../compute/lightgcn/arena.ts';
import { CpuKernels, packItems } from '../compute/lightgcn/kernels.ts';
import { allocScoreScratch, scoreAllRows, scoreScratchBytes } from '../compute/lightgcn/model.ts';
import { scoreRow, type EmbeddingIndex, type EmbeddingMetric } from './embedding-index.ts';
import { TopKHeap, type Ranked } from './top-k.ts';

export interface IvfOptions {
  /** Lists; 0 = round(√nItems). */
  nLists: number;
  /** Lloyd iterations on the training sample. */
  iterations: number;
  /** Training points per list (the sample is min(nItems, nLists · trainPerList)). */
  trainPerList: number;
  seed: number;
}

export const IVF_DEFAULTS: IvfOptions = { nLists: 0, iterations: 10, trainPerList: 64, seed: 7 };

/** The index: plain typed arrays (a worker thread builds it and posts it back). */
export interface IvfIndex {
  dim: number;
  metric: EmbeddingMetric;
  nItems: number;
  nLists: number;
  /** Centroids' first `dim` coordinates (scaled space), row-major [nLists × dim]. */
  centroids: Float32Array;
  /** ‖c'‖² of each centroid, its extra coordinate included. */
  centroidSq: Float32Array;
  /** Items of list l: listRows[listStarts[l] .. listStarts[l + 1]). */
  listStarts: Int32Array;
  listRows: Int32Array;
  /** Seconds the build took. */
  buildSeconds: number;
}

/** The items in the clustering space: [nItems × dim] heads and each item's extra coordinate. */
function clusteringSpace(vectors: Float32Array, dim: number, metric: EmbeddingMetric): { heads: Float32Array; extra: Float32Array } {
  const n = vectors.length / dim;
  const heads = new Float32Array(vectors.length);
  const extra = new Float32Array(n);
  const norms = new Float64Array(n);
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += vectors[i * dim + c]! * vectors[i * dim + c]!;
    norms[i] = Math.sqrt(s);
    if (norms[i]! > maxNorm) maxNorm = norms[i]!;
  }
  for (let i = 0; i < n; i++) {
    const scale = metric === 'dot' ? maxNorm : norms[i]!;
    if (!(scale > 0)) continue;
    for (let c = 0; c < dim; c++) heads[i * dim + c] = vectors[i * dim + c]! / scale;
    if (metric === 'dot') {
      const r = norms[i]! / scale;
      extra[i] = Math.sqrt(Math.max(0, 1 - r * r));
    }
  }
  return { heads, extra };
}

/**
 * Assigns each point of `points` to its nearest centroid (largest x·c − ‖c‖²/2 in the clustering space), through the
 * blocked score kernel.
 */
class Assigner {
  private readonly kernels: CpuKernels;
  private readonly scratch;
  private readonly block = 1024;
  private readonly out: Float32Array;

  constructor(
    private readonly dim: number,
    private readonly nLists: number,
  ) {
    const arena = new Arena(scoreScratchBytes(nLists, dim) + (1 << 20));
    this.kernels = new CpuKernels(arena, dim);
    this.scratch = allocScoreScratch(arena, nLists, dim);
    this.out = new Float32Array(this.block * nLists);
  }

  assign(heads: Float32Array, extra: Float32Array, points: Int32Array, centroids: Float32Array, centroidExtra: Float32Array, centroidSq: Float32Array, into: Int32Array): void {
    const { dim, nLists, out } = this;
    packItems(centroids, 0, nLists, dim, this.scratch.packed.view);
    const rowOf = (p: number) => heads.subarray(p * dim, (p + 1) * dim);
    for (let start = 0; start < points.length; start += this.block) {
      const ids = points.subarray(start, Math.min(points.length, start + this.block));
      scoreAllRows(this.kernels, this.scratch, nLists, ids, out, rowOf);
      for (let r = 0; r < ids.length; r++) {
        const a = extra[ids[r]!]!;
        let best = 0;
        let bestScore = -Infinity;
        const base = r * nLists;
        for (let l = 0; l < nLists; l++) {
          const s = out[base + l]! + a * centroidExtra[l]! - 0.5 * centroidSq[l]!;
          if (s > bestScore) {
            bestScore = s;
            best = l;
          }
        }
        into[start + r] = best;
      }
    }
  }
}

/** Builds the IVF of `vectors` ([nItems × dim], row-major) under `metric`. Deterministic for a seed. */
export function buildIvf(vectors: Float32Array, dim: number, metric: EmbeddingMetric, options: Partial<IvfOptions> = {}): IvfIndex {
  const started = performance.now();
  const o = { ...IVF_DEFAULTS, ...options };
  if (!Number.isInteger(dim) || dim < 1 || vectors.length % dim !== 0) throw new AppError('BAD_REQUEST', 'retrieve/ivf: vectors are not a multiple of dim');
  const n = vectors.length / dim;
  if (n === 0) throw new AppError('BAD_REQUEST', 'retrieve/ivf: no vectors');
  const nLists = Math.max(1, Math.min(n, o.nLists > 0 ? o.nLists : Math.round(Math.sqrt(n))));
  if (!Number.isInteger(o.iterations) || o.iterations < 0 || !Number.isInteger(o.trainPerList) || o.trainPerList < 1) {
    throw new AppError('BAD_REQUEST', 'retrieve/ivf: iterations must be an integer ≥ 0 and trainPerList ≥ 1');
  }
  const { heads, extra } = clusteringSpace(vectors, dim, metric);
  const rng = createRng(o.seed);
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const sample = order.subarray(0, Math.min(n, nLists * o.trainPerList));

  const centroids = new Float32Array(nLists * dim);
  const centroidExtra = new Float32Array(nLists);
  const centroidSq = new Float32Array(nLists);
  const setSq = (l: number) => {
    let s = centroidExtra[l]! * centroidExtra[l]!;
    for (let c = 0; c < dim; c++) s += centroids[l * dim + c]! * centroids[l * dim + c]!;
    centroidSq[l] = s;
  };
  const seedFrom = (l: number, p: number) => {
    centroids.set(heads.subarray(p * dim, (p + 1) * dim), l * dim);
    centroidExtra[l] = extra[p]!;
    setSq(l);
  };
  for (let l = 0; l < nLists; l++) seedFrom(l, sample[l]!);

  const assigner = new Assigner(dim, nLists);
  const assignment = new Int32Array(sample.length);
  const sums = new Float64Array(nLists * (dim + 1));
  const counts = new Int32Array(nLists);
  for (let it = 0; it < o.iterations; it++) {
    assigner.assign(heads, extra, sample, centroids, centroidExtra, centroidSq, assignment);
    sums.fill(0);
    counts.fill(0);
    for (let j = 0; j < sample.length; j++) {
      const p = sample[j]!;
      const l = assignment[j]!;
      counts[l]!++;
      const base = l * (dim + 1);
      for (let c = 0; c < dim; c++) sums[base + c]! += heads[p * dim + c]!;
      sums[base + dim]! += extra[p]!;
    }
    for (let l = 0; l < nLists; l++) {
      // An empty list takes a random sample point (seeded), so every list stays in use.
      if (counts[l] === 0) {
        seedFrom(l, sample[rng.int(sample.length)]!);
        continue;
      }
      const base = l * (dim + 1);
      for (let c = 0; c < dim; c++) centroids[l * dim + c] = sums[base + c]! / counts[l]!;
      centroidExtra[l] = sums[base + dim]! / counts[l]!;
      setSq(l);
    }
  }

  const all = Int32Array.from({ length: n }, (_, i) => i);
  const lists = new Int32Array(n);
  assigner.assign(heads, extra, all, centroids, centroidExtra, centroidSq, lists);
  const listStarts = new Int32Array(nLists + 1);
  for (let i = 0; i < n; i++) listStarts[lists[i]! + 1]!++;
  for (let l = 0; l < nLists; l++) listStarts[l + 1]! += listStarts[l]!;
  const fill = listStarts.slice(0, nLists);
  const listRows = new Int32Array(n);
  for (let i = 0; i < n; i++) listRows[fill[lists[i]!]!++] = i;
  return { dim, metric, nItems: n, nLists, centroids, centroidSq, listStarts, listRows, buildSeconds: (performance.now() - started) / 1000 };
}

/** Lists in the order a query reads them: nearest centroid first. */
function probeOrder(ivf: IvfIndex, query: Float32Array, queryNorm: number): Int32Array {
  const { dim, nLists, centroids, centroidSq } = ivf;
  const dist = new Float64Array(nLists);
  for (let l = 0; l < nLists; l++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += query[c]! * centroids[l * dim + c]!;
    dist[l] = centroidSq[l]! - (2 * s) / queryNorm;
  }
  return Int32Array.from({ length: nLists }, (_, l) => l).sort((a, b) => dist[a]! - dist[b]! || a - b);
}

export interface IvfSearch extends Ranked {
  /** Items scored (read from the probed lists and kept). */
  scanned: number;
  /** Lists read. */
  probed: number;
}

/**
 * The `k` best item rows of `index` (the vectors `ivf` was built on) for `query` among the lists nearest to it (see the
 * module doc): at least `nProbe` lists, more until `k` rows were kept, each scored by `scoreRow` as the exact scan
 * scores it. `ids` are item rows, best first (ties: lower row). `keep(row)` filters rows.
 */
export function ivfTopK(
  ivf: IvfIndex,
  index: EmbeddingIndex,
  query: Float32Array,
  k: number,
  nProbe: number,
  keep?: (row: number) => boolean,
): IvfSearch {
  const { dim, metric, listStarts, listRows } = ivf;
  if (query.length !== dim || index.dim !== dim || index.itemKeys.length !== ivf.nItems) {
    throw new AppError('BAD_REQUEST', query.length !== dim ? `retrieve/ivf: query must have length ${dim}` : 'retrieve/ivf: the index was built on other vectors');
  }
  let qn = 0;
  for (let c = 0; c < dim; c++) qn += query[c]! * query[c]!;
  qn = Math.sqrt(qn);
  const heap = new TopKHeap(k);
  if (!(qn > 0) || k === 0) return { ...heap.drain(), scanned: 0, probed: 0 };
  const order = probeOrder(ivf, query, qn);
  let scanned = 0;
  let probed = 0;
  for (; probed < order.length && (probed < nProbe || scanned < k); probed++) {
    const l = order[probed]!;
    for (let j = listStarts[l]!; j < listStarts[l + 1]!; j++) {
      const row = listRows[j]!;
      if (keep && !keep(row)) continue;
      heap.push(row, scoreRow(index, query, row, metric, qn));
      scanned++;
    }
  }
  return { ...heap.drain(), scanned, probed };
}
