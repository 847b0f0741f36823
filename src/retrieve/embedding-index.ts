/**
 * @module retrieve/embedding-index
 * The small interface through which retrieval reads trained user/item vectors (LightGCN or any other model), a
 * brute-force top-k over the item matrix, and a fold-in for users without a vector.
 *
 * Keys are projection node keys (`Item:ml100k:i:50`, `User:ml100k:u:1`) or plain graph ids; {@link itemRowsOf}
 * resolves `itemKeys` against a CSR under either convention. Scores: `dot` (what LightGCN ranks by) or `cosine`.
 * Brute force costs `nItems · dim` multiply-adds per query (1,682 × 64 ≈ 0.1 M at ML-100K: well under a millisecond);
 * from `annMinItems` items on, the embedding part searches an IVF index instead (retrieve/ann, retrieve/ivf).
 *
 * Fold-in: a user without a vector gets the mean of the vectors of the items they interacted with (or of cold-start
 * seed items). For LightGCN this is a cheap stand-in for `compute/lightgcn/fold-in` (which needs the per-layer item
 * embeddings); the averaged vector lives in the same space, so dot scores rank the same way up to scale.
 *
 * @example
 * const index = createEmbeddingIndex({ dim: 2, itemKeys: ['Item:a', 'Item:b'], itemVectors: Float32Array.of(1, 0, 0, 1) });
 * embeddingTopK(index, Float32Array.of(1, 0.5), 1); // [{ row: 0, key: 'Item:a', score: 1 }]
 */
import { AppError } from '../core/errors.ts';
import { KIND_CODES, type Csr } from '../project/csr.ts';
import { TopKHeap } from './top-k.ts';

// Imported constants copied into module scope: hot loops then read a local binding, not an import accessor.
const KIND_ITEM: number = KIND_CODES.Item;
export interface EmbeddingIndex {
  /** Vector length. */
  dim: number;
  /** The vector of a user (by node key or graph id), or undefined when the model has none. */
  userVector(userKey: string): Float32Array | undefined;
  /** Item key of each row of `itemVectors`. */
  itemKeys: string[];
  /** Item vectors, row-major [nItems × dim]. */
  itemVectors: Float32Array;
}

export type EmbeddingMetric = 'dot' | 'cosine';

/** Checks shapes (`BAD_REQUEST`): a positive integer dim, `itemVectors.length = itemKeys.length · dim`, finite values. */
export function assertEmbeddingIndex(index: EmbeddingIndex): void {
  if (!index || !Number.isInteger(index.dim) || index.dim < 1) throw new AppError('BAD_REQUEST', 'retrieve/embedding: dim must be a positive integer');
  if (!(index.itemVectors instanceof Float32Array) || !Array.isArray(index.itemKeys)) throw new AppError('BAD_REQUEST', 'retrieve/embedding: itemKeys must be an array and itemVectors a Float32Array');
  if (index.itemVectors.length !== index.itemKeys.length * index.dim) {
    throw new AppError('BAD_REQUEST', `retrieve/embedding: itemVectors has ${index.itemVectors.length} values for ${index.itemKeys.length} items × ${index.dim}`);
  }
  for (let j = 0; j < index.itemVectors.length; j++) {
    if (!Number.isFinite(index.itemVectors[j]!)) throw new AppError('BAD_REQUEST', `retrieve/embedding: item vector value ${j} is not finite`);
  }
}

/** An in-memory index from arrays (tests, adapters of trained artifacts). User vectors are row-major [nUsers × dim]. */
export function createEmbeddingIndex(input: { dim: number; itemKeys: string[]; itemVectors: Float32Array; userKeys?: string[]; userVectors?: Float32Array }): EmbeddingIndex {
  const { dim, userKeys = [], userVectors = new Float32Array(0) } = input;
  if (userVectors.length !== userKeys.length * dim) throw new AppError('BAD_REQUEST', `retrieve/embedding: userVectors has ${userVectors.length} values for ${userKeys.length} users × ${dim}`);
  const userRow = new Map<string, number>();
  for (let j = 0; j < userKeys.length; j++) userRow.set(userKeys[j]!, j);
  const index: EmbeddingIndex = {
    dim,
    itemKeys: input.itemKeys,
    itemVectors: input.itemVectors,
    userVector(key) {
      const j = userRow.get(key);
      return j === undefined ? undefined : userVectors.subarray(j * dim, (j + 1) * dim);
    },
  };
  assertEmbeddingIndex(index);
  return index;
}

/** A value per (index, csr) pair, computed once and kept while both live. */
function perIndexAndCsr(cache: WeakMap<EmbeddingIndex, WeakMap<Csr, Int32Array>>, index: EmbeddingIndex, csr: Csr, make: () => Int32Array): Int32Array {
  let byCsr = cache.get(index);
  if (!byCsr) cache.set(index, (byCsr = new WeakMap()));
  let value = byCsr.get(csr);
  if (!value) byCsr.set(csr, (value = make()));
  return value;
}

const rowsCache = new WeakMap<EmbeddingIndex, WeakMap<Csr, Int32Array>>();
const nodesCache = new WeakMap<EmbeddingIndex, WeakMap<Csr, Int32Array>>();

/**
 * Row of `itemVectors` for each CSR node (-1 when the node is not an item of the index). Keys are matched as CSR ids
 * first, then as `Item:<key>`. Computed once per (index, csr) pair and cached.
 */
export function itemRowsOf(index: EmbeddingIndex, csr: Csr): Int32Array {
  return perIndexAndCsr(rowsCache, index, csr, () => {
    const rows = new Int32Array(csr.nodeCount).fill(-1);
    index.itemKeys.forEach((key, row) => {
      const node = csr.index.get(key) ?? csr.index.get(`Item:${key}`);
      if (node !== undefined && csr.kinds[node] === KIND_ITEM) rows[node] = row;
    });
    return rows;
  });
}

/** CSR node of each row of `itemVectors` (−1 when the graph does not hold that item): {@link itemRowsOf} inverted, cached. */
export function itemNodesOf(index: EmbeddingIndex, csr: Csr): Int32Array {
  return perIndexAndCsr(nodesCache, index, csr, () => {
    const rows = itemRowsOf(index, csr);
    const nodes = new Int32Array(index.itemKeys.length).fill(-1);
    for (let v = 0; v < rows.length; v++) if (rows[v]! >= 0) nodes[rows[v]!] = v;
    return nodes;
  });
}

/** Dot product of `query` with item row `row`. */
export function dotRow(index: EmbeddingIndex, query: Float32Array, row: number): number {
  const v = index.itemVectors;
  const off = row * index.dim;
  let s = 0;
  for (let c = 0; c < index.dim; c++) s += query[c]! * v[off + c]!;
  return s;
}

/** Euclidean norm of item row `row`. */
export function rowNorm(index: EmbeddingIndex, row: number): number {
  const v = index.itemVectors;
  const off = row * index.dim;
  let s = 0;
  for (let c = 0; c < index.dim; c++) s += v[off + c]! * v[off + c]!;
  return Math.sqrt(s);
}

/** Cosine similarity of item rows `a` and `b` (0 when either is the zero vector). */
export function rowCosine(index: EmbeddingIndex, a: number, b: number): number {
  const v = index.itemVectors;
  const d = index.dim;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let c = 0; c < d; c++) {
    const x = v[a * d + c]!;
    const y = v[b * d + c]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Score of one item row for a query vector under `metric` (cosine: 0 for a zero vector). */
export function scoreRow(index: EmbeddingIndex, query: Float32Array, row: number, metric: EmbeddingMetric, queryNorm = 1): number {
  const dot = dotRow(index, query, row);
  if (metric === 'dot') return dot;
  const n = rowNorm(index, row) * queryNorm;
  return n > 0 ? dot / n : 0;
}

function assertQuery(index: EmbeddingIndex, query: Float32Array): void {
  if (!(query instanceof Float32Array) || query.length !== index.dim) throw new AppError('BAD_REQUEST', `retrieve/embedding: query must be a Float32Array of length ${index.dim}`);
}

/**
 * The `k` best item rows for `query` (brute force, size-k heap: O(nItems · dim + nItems · log k)), best first, ties by
 * lower row. `keep(row)` filters rows.
 */
export function embeddingTopK(
  index: EmbeddingIndex,
  query: Float32Array,
  k: number,
  options: { metric?: EmbeddingMetric; keep?: (row: number) => boolean } = {},
): Array<{ row: number; key: string; score: number }> {
  assertQuery(index, query);
  if (!Number.isInteger(k) || k < 0) throw new AppError('BAD_REQUEST', `retrieve/embedding: k must be an integer ≥ 0 (got ${k})`);
  const metric = options.metric ?? 'dot';
  let qn = 0;
  for (let c = 0; c < index.dim; c++) qn += query[c]! * query[c]!;
  qn = Math.sqrt(qn);
  const heap = new TopKHeap(k);
  const nItems = index.itemKeys.length;
  for (let row = 0; row < nItems; row++) {
    if (options.keep && !options.keep(row)) continue;
    heap.push(row, scoreRow(index, query, row, metric, qn));
  }
  const { ids, scores } = heap.drain();
  return Array.from(ids, (row, j) => ({ row, key: index.itemKeys[row]!, score: scores[j]! }));
}

/**
 * Fold-in: the mean of the given item rows' vectors (rows < 0 are skipped, duplicates count once per occurrence,
 * optional per-row weights). Returns undefined when no row is usable.
 */
export function foldInFromItems(index: EmbeddingIndex, rows: ArrayLike<number>, weights?: ArrayLike<number>): Float32Array | undefined {
  const d = index.dim;
  const out = new Float64Array(d);
  let total = 0;
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j]!;
    const w = weights ? weights[j]! : 1;
    if (row < 0 || !(w > 0)) continue;
    if (row >= index.itemKeys.length) throw new AppError('BAD_REQUEST', `retrieve/embedding: item row ${row} out of range`);
    for (let c = 0; c < d; c++) out[c]! += w * index.itemVectors[row * d + c]!;
    total += w;
  }
  if (total === 0) return undefined;
  return Float32Array.from(out, (x) => x / total);
}
