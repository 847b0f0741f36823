/**
 * @module compute/lightgcn/graph
 * Interaction data as typed arrays, and the symmetric-normalised bipartite adjacency Â = D^-1/2 A D^-1/2 as CSR.
 * Node order: users [0, nUsers), items [nUsers, nUsers + nItems), then knowledge entities (KG-aware variant, where
 * item→entity edges join the same undirected graph). Duplicate pairs count once; isolated nodes get empty rows.
 *
 * @example
 *   const adj = buildNormalizedAdjacency({ nUsers: 2, nItems: 3, users: Int32Array.of(0, 0, 1), items: Int32Array.of(0, 1, 1) });
 *   adj.indptr; // Int32Array(6) … adj.values[p] = 1 / sqrt(deg(row) · deg(col))
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors.ts';

/** Implicit-feedback interactions: pair t is (users[t], items[t]), 0-based indices. */
export interface Interactions {
  nUsers: number;
  nItems: number;
  users: Int32Array;
  items: Int32Array;
}

/** Optional knowledge edges item → entity (undirected in propagation). */
export interface KnowledgeEdges {
  nEntities: number;
  items: Int32Array;
  entities: Int32Array;
}

/** CSR of the normalised adjacency over all nodes (users, items, entities). */
export interface Adjacency {
  nUsers: number;
  nItems: number;
  nEntities: number;
  /** nUsers + nItems + nEntities */
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Throws BAD_REQUEST unless the interaction arrays are consistent and in range. */
export function assertValidInteractions(data: Interactions, where = 'compute/lightgcn'): void {
  const { nUsers, nItems, users, items } = data;
  if (!Number.isInteger(nUsers) || nUsers < 1 || !Number.isInteger(nItems) || nItems < 1) {
    throw new AppError('BAD_REQUEST', `${where}: nUsers and nItems must be positive integers`);
  }
  if (!(users instanceof Int32Array) || !(items instanceof Int32Array) || users.length !== items.length) {
    throw new AppError('BAD_REQUEST', `${where}: users and items must be Int32Arrays of equal length`);
  }
  for (let t = 0; t < users.length; t++) {
    const u = users[t]!;
    const i = items[t]!;
    if (u < 0 || u >= nUsers || i < 0 || i >= nItems) {
      throw new AppError('BAD_REQUEST', `${where}: pair ${t} (${u}, ${i}) out of range`);
    }
  }
}

/** Sorted, de-duplicated CSR over `nRows` rows from (row, col) pairs. */
export function pairsToCsr(nRows: number, rows: Int32Array, cols: Int32Array): { indptr: Int32Array; indices: Int32Array } {
  const counts = new Int32Array(nRows + 1);
  for (let t = 0; t < rows.length; t++) counts[rows[t]! + 1]!++;
  for (let r = 0; r < nRows; r++) counts[r + 1]! += counts[r]!;
  const fill = counts.slice(0, nRows);
  const raw = new Int32Array(rows.length);
  for (let t = 0; t < rows.length; t++) raw[fill[rows[t]!]!++] = cols[t]!;
  const indptr = new Int32Array(nRows + 1);
  let w = 0;
  for (let r = 0; r < nRows; r++) {
    const start = counts[r]!;
    const end = counts[r + 1]!;
    const row = raw.subarray(start, end).sort();
    indptr[r] = w;
    for (let p = 0; p < row.length; p++) if (p === 0 || row[p] !== row[p - 1]) raw[w++] = row[p]!;
  }
  indptr[nRows] = w;
  return { indptr, indices: raw.slice(0, w) };
}

/** Builds Â = D^-1/2 A D^-1/2 over users, items (and entities when `kg` is given). */
export function buildNormalizedAdjacency(data: Interactions, kg?: KnowledgeEdges): Adjacency {
  assertValidInteractions(data);
  const { nUsers, nItems } = data;
  const nEntities = kg ? kg.nEntities : 0;
  if (kg) {
    if (!Number.isInteger(kg.nEntities) || kg.nEntities < 0 || kg.items.length !== kg.entities.length) {
      throw new AppError('BAD_REQUEST', 'compute/lightgcn: knowledge edges must be equal-length arrays with nEntities ≥ 0');
    }
    for (let t = 0; t < kg.items.length; t++) {
      if (kg.items[t]! < 0 || kg.items[t]! >= nItems || kg.entities[t]! < 0 || kg.entities[t]! >= nEntities) {
        throw new AppError('BAD_REQUEST', `compute/lightgcn: knowledge edge ${t} out of range`);
      }
    }
  }
  const n = nUsers + nItems + nEntities;
  const m = data.users.length + (kg ? kg.items.length : 0);
  const rows = new Int32Array(2 * m);
  const cols = new Int32Array(2 * m);
  let w = 0;
  for (let t = 0; t < data.users.length; t++) {
    const u = data.users[t]!;
    const i = nUsers + data.items[t]!;
    rows[w] = u;
    cols[w++] = i;
    rows[w] = i;
    cols[w++] = u;
  }
  if (kg) {
    for (let t = 0; t < kg.items.length; t++) {
      const i = nUsers + kg.items[t]!;
      const e = nUsers + nItems + kg.entities[t]!;
      rows[w] = i;
      cols[w++] = e;
      rows[w] = e;
      cols[w++] = i;
    }
  }
  const { indptr, indices } = pairsToCsr(n, rows, cols);
  const invSqrt = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const deg = indptr[r + 1]! - indptr[r]!;
    invSqrt[r] = deg > 0 ? 1 / Math.sqrt(deg) : 0;
  }
  const values = new Float32Array(indices.length);
  for (let r = 0; r < n; r++) {
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) values[p] = invSqrt[r]! * invSqrt[indices[p]!]!;
  }
  return { nUsers, nItems, nEntities, n, indptr, indices, values };
}

/** Per-user sorted item lists (CSR over users) — the training items to mask and to reject as negatives. */
export function userItemCsr(data: Interactions): { indptr: Int32Array; indices: Int32Array } {
  return pairsToCsr(data.nUsers, data.users, data.items);
}

/** sha256 (hex) of nUsers, nItems and the two interaction arrays, in order — the artifact's data fingerprint. */
export function fingerprintInteractions(data: Interactions): string {
  const hash = createHash('sha256');
  hash.update(Int32Array.of(data.nUsers, data.nItems, data.users.length));
  hash.update(new Uint8Array(data.users.buffer, data.users.byteOffset, data.users.byteLength));
  hash.update(new Uint8Array(data.items.buffer, data.items.byteOffset, data.items.byteLength));
  return hash.digest('hex');
}
