/**
 * @module evaluate/baselines
 * Non-neural baselines behind the same `Recommender` interface as LightGCN:
 * - `MostPopular`: score(u, i) = training interactions of i.
 * - `ItemKnn` (cosine): sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i| · |U_j|) + shrink); for each target item j its
 *   `neighbours` most similar items N(j) are kept (column-wise pruning, as RecBole's and Dacrema et al.'s ItemKNN);
 *   score(u, j) = Σ_{i ∈ I_u ∩ N(j)} sim(i, j).
 * - `Rp3Beta` (P3α when β = 0; Paudel et al. 2016, Christoffel et al. 2015): three-step random-walk probabilities
 *   W(i, j) = Σ_u (1/|U_i|)^α · (1/|I_u|)^α, divided by pop(j)^β, the top `neighbours` targets j kept per source item i
 *   (row-wise, as Dacrema et al.'s RP3beta);
 *   score(u, j) = Σ_{i ∈ I_u} W(i, j).
 * Each is built from training interactions only; neighbour lists are computed once at construction.
 */
import { AppError } from '../core/errors.ts';
import { assertValidInteractions, pairsToCsr, userItemCsr, type Interactions } from '../compute/lightgcn/graph.ts';
import type { Recommender } from '../compute/lightgcn/types.ts';

export const ITEMKNN_DEFAULTS = { neighbours: 100, shrink: 0 };
export const RP3BETA_DEFAULTS = { alpha: 1.0, beta: 0.5, neighbours: 100 };

export class MostPopular implements Recommender {
  readonly nUsers: number;
  readonly nItems: number;
  readonly popularity: Float32Array;

  constructor(train: Interactions) {
    assertValidInteractions(train, 'evaluate/popular');
    this.nUsers = train.nUsers;
    this.nItems = train.nItems;
    this.popularity = new Float32Array(train.nItems);
    for (let t = 0; t < train.items.length; t++) this.popularity[train.items[t]!]!++;
  }

  score(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) throw new AppError('BAD_REQUEST', 'evaluate/popular: users and items differ in length');
    return Float32Array.from(items, (i) => this.popularity[i] ?? 0);
  }

  scoreAll(users: Int32Array, out: Float32Array = new Float32Array(users.length * this.nItems)): Float32Array {
    for (let r = 0; r < users.length; r++) out.set(this.popularity, r * this.nItems);
    return out;
  }
}

/** Sparse item → item weights, `neighbours` per item, as CSR. */
export interface ItemNeighbours {
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

/**
 * Builds top-`neighbours` item–item weights: raw(i, j) = Σ_{u ∈ U_i ∩ U_j} userWeight(u), then
 * w = finalize(i, j, raw); self-pairs excluded; rows sorted by weight descending (ties: lower j first).
 */
export function buildItemNeighbours(train: Interactions, neighbours: number, userWeight: (u: number) => number, finalize: (i: number, j: number, raw: number) => number): ItemNeighbours {
  const ui = userItemCsr(train);
  const iu = pairsToCsr(train.nItems, train.items, train.users);
  const nI = train.nItems;
  const acc = new Float64Array(nI);
  const touched = new Int32Array(nI);
  const uw = new Float64Array(train.nUsers);
  for (let u = 0; u < train.nUsers; u++) uw[u] = ui.indptr[u + 1]! > ui.indptr[u]! ? userWeight(u) : 0;
  const rowsIdx: Int32Array[] = [];
  const rowsW: Float32Array[] = [];
  let total = 0;
  const candIdx = new Int32Array(nI);
  const candW = new Float64Array(nI);
  for (let i = 0; i < nI; i++) {
    let nt = 0;
    for (let p = iu.indptr[i]!; p < iu.indptr[i + 1]!; p++) {
      const u = iu.indices[p]!;
      const w = uw[u]!;
      for (let q = ui.indptr[u]!; q < ui.indptr[u + 1]!; q++) {
        const j = ui.indices[q]!;
        if (acc[j] === 0) touched[nt++] = j;
        acc[j]! += w;
      }
    }
    let nc = 0;
    for (let t = 0; t < nt; t++) {
      const j = touched[t]!;
      const raw = acc[j]!;
      acc[j] = 0;
      if (j === i) continue;
      const w = finalize(i, j, raw);
      if (w > 0) {
        candIdx[nc] = j;
        candW[nc++] = w;
      }
    }
    const order = Array.from({ length: nc }, (_, t) => t).sort((a, b) => candW[b]! - candW[a]! || candIdx[a]! - candIdx[b]!);
    const keep = Math.min(neighbours, nc);
    const idx = new Int32Array(keep);
    const wts = new Float32Array(keep);
    for (let t = 0; t < keep; t++) {
      idx[t] = candIdx[order[t]!]!;
      wts[t] = candW[order[t]!]!;
    }
    rowsIdx.push(idx);
    rowsW.push(wts);
    total += keep;
  }
  const indptr = new Int32Array(nI + 1);
  const indices = new Int32Array(total);
  const weights = new Float32Array(total);
  for (let i = 0; i < nI; i++) {
    indptr[i + 1] = indptr[i]! + rowsIdx[i]!.length;
    indices.set(rowsIdx[i]!, indptr[i]!);
    weights.set(rowsW[i]!, indptr[i]!);
  }
  return { indptr, indices, weights };
}

/** Transposes neighbour lists: row j's entries (i, w) become row i's entries (j, w). */
export function transposeNeighbours(w: ItemNeighbours, nItems: number): ItemNeighbours {
  const counts = new Int32Array(nItems + 1);
  for (let p = 0; p < w.indices.length; p++) counts[w.indices[p]! + 1]!++;
  for (let i = 0; i < nItems; i++) counts[i + 1]! += counts[i]!;
  const fill = counts.slice(0, nItems);
  const indices = new Int32Array(w.indices.length);
  const weights = new Float32Array(w.indices.length);
  for (let j = 0; j < nItems; j++) {
    for (let p = w.indptr[j]!; p < w.indptr[j + 1]!; p++) {
      const q = fill[w.indices[p]!]!++;
      indices[q] = j;
      weights[q] = w.weights[p]!;
    }
  }
  return { indptr: counts, indices, weights };
}

/** Shared scoring for neighbourhood models: score(u, j) = Σ_{i ∈ I_u} W(i, j). */
abstract class NeighbourhoodModel implements Recommender {
  readonly nUsers: number;
  readonly nItems: number;
  protected readonly userItems: { indptr: Int32Array; indices: Int32Array };
  abstract readonly neighbours: ItemNeighbours;

  constructor(train: Interactions) {
    this.nUsers = train.nUsers;
    this.nItems = train.nItems;
    this.userItems = userItemCsr(train);
  }

  private accumulate(u: number, row: Float32Array, offset: number): void {
    const { indptr, indices } = this.userItems;
    const W = this.neighbours;
    for (let p = indptr[u]!; p < indptr[u + 1]!; p++) {
      const i = indices[p]!;
      for (let q = W.indptr[i]!; q < W.indptr[i + 1]!; q++) row[offset + W.indices[q]!]! += W.weights[q]!;
    }
  }

  score(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) throw new AppError('BAD_REQUEST', 'evaluate/baselines: users and items differ in length');
    const out = new Float32Array(users.length);
    const row = new Float32Array(this.nItems);
    for (let t = 0; t < users.length; t++) {
      row.fill(0);
      this.accumulate(users[t]!, row, 0);
      out[t] = row[items[t]!] ?? 0;
    }
    return out;
  }

  scoreAll(users: Int32Array, out: Float32Array = new Float32Array(users.length * this.nItems)): Float32Array {
    out.fill(0, 0, users.length * this.nItems);
    for (let r = 0; r < users.length; r++) {
      const u = users[r]!;
      if (u < 0 || u >= this.nUsers) throw new AppError('BAD_REQUEST', `evaluate/baselines: user ${u} out of range`);
      this.accumulate(u, out, r * this.nItems);
    }
    return out;
  }
}

export class ItemKnn extends NeighbourhoodModel {
  readonly neighbours: ItemNeighbours;

  constructor(train: Interactions, options: Partial<typeof ITEMKNN_DEFAULTS> = {}) {
    super(train);
    const o = { ...ITEMKNN_DEFAULTS, ...options };
    assertValidInteractions(train, 'evaluate/itemknn');
    if (!Number.isInteger(o.neighbours) || o.neighbours < 1) throw new AppError('BAD_REQUEST', 'evaluate/itemknn: neighbours must be a positive integer');
    const deg = new Float64Array(train.nItems);
    const ui = this.userItems;
    for (let u = 0; u < train.nUsers; u++) for (let p = ui.indptr[u]!; p < ui.indptr[u + 1]!; p++) deg[ui.indices[p]!]!++;
    // rows = target items j with their top-k sources i; transposed so that scoring walks the user's items
    const byTarget = buildItemNeighbours(train, o.neighbours, () => 1, (i, j, raw) => raw / (Math.sqrt(deg[i]! * deg[j]!) + o.shrink));
    this.neighbours = transposeNeighbours(byTarget, train.nItems);
  }
}

export class Rp3Beta extends NeighbourhoodModel {
  readonly neighbours: ItemNeighbours;

  constructor(train: Interactions, options: Partial<typeof RP3BETA_DEFAULTS> = {}) {
    super(train);
    const o = { ...RP3BETA_DEFAULTS, ...options };
    assertValidInteractions(train, 'evaluate/rp3beta');
    if (!Number.isInteger(o.neighbours) || o.neighbours < 1) throw new AppError('BAD_REQUEST', 'evaluate/rp3beta: neighbours must be a positive integer');
    if (!(o.alpha >= 0) || !(o.beta >= 0)) throw new AppError('BAD_REQUEST', 'evaluate/rp3beta: alpha and beta must be ≥ 0');
    const ui = this.userItems;
    const itemDeg = new Float64Array(train.nItems);
    for (let u = 0; u < train.nUsers; u++) for (let p = ui.indptr[u]!; p < ui.indptr[u + 1]!; p++) itemDeg[ui.indices[p]!]!++;
    const userDeg = (u: number) => ui.indptr[u + 1]! - ui.indptr[u]!;
    this.neighbours = buildItemNeighbours(
      train,
      o.neighbours,
      (u) => Math.pow(1 / userDeg(u), o.alpha),
      (i, j, raw) => (Math.pow(1 / itemDeg[i]!, o.alpha) * raw) / Math.pow(itemDeg[j]!, o.beta),
    );
  }
}
