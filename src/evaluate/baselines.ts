/**
 * @module evaluate/baselines
 * Non-neural baselines behind the same `Recommender` interface as LightGCN:
 * (Popularity is the served `popular` strategy, ranked through `recommend()`: see `evaluate/served.ts`.)
 * - `ItemKnn` (cosine): sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i| · |U_j|) + shrink); for each target item j its
 *   `neighbours` most similar items N(j) are kept (column-wise pruning, as RecBole's and Dacrema et al.'s ItemKNN);
 *   score(u, j) = Σ_{i ∈ I_u ∩ N(j)} sim(i, j). Options: `normalize` divides a target's kept similarities by their sum
 *   (Sarwar et al.'s weighted sum, as BARS's ItemCF), `averageBias` adds μ_j − Σ_i w_ij μ_i with μ = popularity / users
 *   (BARS's `enable_average_bias`).
 * - `Rp3Beta` (P3α when β = 0; Paudel et al. 2016, Christoffel et al. 2015): three-step random-walk probabilities
 *   W(i, j) = Σ_u (1/|U_i|)^α · (1/|I_u|)^α, divided by pop(j)^β, the top `neighbours` targets j kept per source item i
 *   (row-wise, as Dacrema et al.'s RP3beta);
 *   score(u, j) = Σ_{i ∈ I_u} W(i, j).
 * Each is built from training interactions only; neighbour lists are computed once at construction.
 */
import { AppError } from '../core/errors.ts';
import { assertValidInteractions, pairsToCsr, userItemCsr, type Interactions } from '../compute/lightgcn/graph.ts';
import type { Recommender } from '../compute/lightgcn/types.ts';
import { itemPopularity } from '../compute/popularity.ts';

/**
 * Chosen on validation (`npm run bench -- tune --rows itemknn-gowalla`: LightGCN++'s train → valid split of Gowalla's
 * training pairs, best valid Recall@20 of scoring {plain, normalized, normalized + average bias} × shrink
 * {0, 5, 10, 25, 50, 100} × neighbours {50, 100, 200}; docs/results/tuning.json). Plain sums need shrinkage (two items
 * that share their only user have cosine 1); the normalized weighted sum with the average bias needs none.
 */
export const ITEMKNN_DEFAULTS = { neighbours: 100, shrink: 0, normalize: true, averageBias: true };
export const RP3BETA_DEFAULTS = { alpha: 1.0, beta: 0.5, neighbours: 100 };

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
  /** Added to every user's score of item j (item-kNN's average bias); absent = 0. */
  protected offsets: Float32Array | undefined;

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
      out[t] = (row[items[t]!] ?? 0) + (this.offsets?.[items[t]!] ?? 0);
    }
    return out;
  }

  scoreAll(users: Int32Array, out: Float32Array = new Float32Array(users.length * this.nItems)): Float32Array {
    out.fill(0, 0, users.length * this.nItems);
    for (let r = 0; r < users.length; r++) {
      const u = users[r]!;
      if (u < 0 || u >= this.nUsers) throw new AppError('BAD_REQUEST', `evaluate/baselines: user ${u} out of range`);
      if (this.offsets) out.set(this.offsets, r * this.nItems);
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
    const deg = itemPopularity(train);
    // rows = target items j with their top-k sources i; transposed so that scoring walks the user's items
    const byTarget = buildItemNeighbours(train, o.neighbours, () => 1, (i, j, raw) => raw / (Math.sqrt(deg[i]! * deg[j]!) + o.shrink));
    const { indptr, weights } = byTarget;
    if (o.normalize) {
      // Sarwar et al.'s weighted sum: a target's kept similarities sum to 1.
      for (let j = 0; j < train.nItems; j++) {
        let sum = 0;
        for (let p = indptr[j]!; p < indptr[j + 1]!; p++) sum += weights[p]!;
        if (sum > 0) for (let p = indptr[j]!; p < indptr[j + 1]!; p++) weights[p] = weights[p]! / sum;
      }
    }
    if (o.averageBias) {
      // Ma et al.'s average bias on implicit data: score(u, j) = Σ_i w_ij (r_ui − μ_i) + μ_j, μ_i = |U_i| / |users|;
      // the per-target constant μ_j − Σ_i w_ij μ_i is kept apart from the sparse weights.
      const offsets = new Float32Array(train.nItems);
      for (let j = 0; j < train.nItems; j++) {
        let spent = 0;
        for (let p = indptr[j]!; p < indptr[j + 1]!; p++) spent += weights[p]! * deg[byTarget.indices[p]!]!;
        offsets[j] = (deg[j]! - spent) / train.nUsers;
      }
      this.offsets = offsets;
    }
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
    const itemDeg = itemPopularity(train);
    const userDeg = (u: number) => ui.indptr[u + 1]! - ui.indptr[u]!;
    this.neighbours = buildItemNeighbours(
      train,
      o.neighbours,
      (u) => Math.pow(1 / userDeg(u), o.alpha),
      (i, j, raw) => (Math.pow(1 / itemDeg[i]!, o.alpha) * raw) / Math.pow(itemDeg[j]!, o.beta),
    );
  }
}

export const EASE_DEFAULTS = {
  /** L2 weight λ on the diagonal of the Gram matrix; chosen on ML-100K validation (`npm run bench -- tune --rows ease-ml100k`). */
  lambda: 250,
  /**
   * Only items with at least this many training interactions enter the dense model (the rest score 0): the Gram
   * matrix and its inverse are dense m × m float64 (8·m² bytes, O(m³) to invert), so a catalogue of 41k items
   * (Gowalla) is out of reach on a laptop; see docs/evaluation.md. [1: every item seen in train]
   */
  minItemCount: 1,
  /** Refuse models larger than this many items (8·m² bytes for the float64 matrix: 12,000 items ≈ 1.15 GB). */
  maxItems: 12_000,
};

/**
 * Inverts a symmetric positive definite matrix in place (Gauss–Jordan without pivoting, row-major, n³ multiply-adds;
 * fine for SPD matrices such as XᵀX + λI, λ > 0).
 */
export function invertSpdInPlace(a: Float64Array, n: number): void {
  if (a.length !== n * n) throw new AppError('BAD_REQUEST', 'evaluate/ease: matrix size mismatch');
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    const pivot = a[rk + k]!;
    if (!(pivot > 0)) throw new AppError('BAD_REQUEST', 'evaluate/ease: the Gram matrix is not positive definite (λ must be > 0)');
    const inv = 1 / pivot;
    a[rk + k] = 1;
    for (let j = 0; j < n; j++) a[rk + j]! *= inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ri = i * n;
      const f = a[ri + k]!;
      if (f === 0) continue;
      a[ri + k] = 0;
      for (let j = 0; j < n; j++) a[ri + j]! -= f * a[rk + j]!;
    }
  }
}

/**
 * EASE^R (Steck 2019): B = argmin ‖X − XB‖² + λ‖B‖² with diag(B) = 0, closed form P = (XᵀX + λI)⁻¹,
 * B_ij = −P_ij / P_jj (i ≠ j); score(u, j) = Σ_{i ∈ I_u} B_ij. Dense over the modelled items (see {@link EASE_DEFAULTS}).
 */
export class Ease implements Recommender {
  readonly nUsers: number;
  readonly nItems: number;
  /** Modelled item index per catalogue item (−1 = not modelled), and the catalogue item of each modelled one. */
  readonly modelIndex: Int32Array;
  readonly modelled: Int32Array;
  /** B, row-major [m × m] (float32: halves the memory of scoring; the inverse is float64). */
  readonly weights: Float32Array;
  private readonly userItems: { indptr: Int32Array; indices: Int32Array };

  constructor(train: Interactions, options: Partial<typeof EASE_DEFAULTS> = {}) {
    const o = { ...EASE_DEFAULTS, ...options };
    assertValidInteractions(train, 'evaluate/ease');
    if (!(o.lambda > 0)) throw new AppError('BAD_REQUEST', 'evaluate/ease: lambda must be > 0');
    if (!Number.isInteger(o.minItemCount) || o.minItemCount < 1) throw new AppError('BAD_REQUEST', 'evaluate/ease: minItemCount must be an integer ≥ 1');
    this.nUsers = train.nUsers;
    this.nItems = train.nItems;
    this.userItems = userItemCsr(train);
    const pop = itemPopularity(train);
    this.modelIndex = new Int32Array(train.nItems).fill(-1);
    const kept: number[] = [];
    for (let i = 0; i < train.nItems; i++) if (pop[i]! >= o.minItemCount) this.modelIndex[i] = kept.push(i) - 1;
    this.modelled = Int32Array.from(kept);
    const m = kept.length;
    if (m > o.maxItems) throw new AppError('BAD_REQUEST', `evaluate/ease: ${m} items would need a dense ${m}×${m} float64 inverse (${((8 * m * m) / 2 ** 30).toFixed(1)} GiB, O(m³)); raise minItemCount (--ease-min-count) or maxItems`);
    const g = new Float64Array(m * m);
    const { indptr, indices } = this.userItems;
    const rowItems = new Int32Array(train.nItems);
    for (let u = 0; u < train.nUsers; u++) {
      let c = 0;
      for (let p = indptr[u]!; p < indptr[u + 1]!; p++) {
        const mi = this.modelIndex[indices[p]!]!;
        if (mi >= 0) rowItems[c++] = mi;
      }
      for (let a = 0; a < c; a++) {
        const ra = rowItems[a]! * m;
        for (let b = 0; b < c; b++) g[ra + rowItems[b]!]! += 1;
      }
    }
    for (let i = 0; i < m; i++) g[i * m + i]! += o.lambda;
    invertSpdInPlace(g, m);
    this.weights = new Float32Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) this.weights[i * m + j] = i === j ? 0 : -g[i * m + j]! / g[j * m + j]!;
    }
  }

  private accumulate(u: number, out: Float32Array, offset: number): void {
    const m = this.modelled.length;
    const acc = new Float32Array(m);
    const { indptr, indices } = this.userItems;
    for (let p = indptr[u]!; p < indptr[u + 1]!; p++) {
      const mi = this.modelIndex[indices[p]!]!;
      if (mi < 0) continue;
      const row = this.weights.subarray(mi * m, mi * m + m);
      for (let j = 0; j < m; j++) acc[j]! += row[j]!;
    }
    for (let j = 0; j < m; j++) out[offset + this.modelled[j]!] = acc[j]!;
  }

  score(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) throw new AppError('BAD_REQUEST', 'evaluate/ease: users and items differ in length');
    const row = new Float32Array(this.nItems);
    return Float32Array.from(users, (u, t) => {
      row.fill(0);
      this.accumulate(u, row, 0);
      return row[items[t]!] ?? 0;
    });
  }

  scoreAll(users: Int32Array, out: Float32Array = new Float32Array(users.length * this.nItems)): Float32Array {
    out.fill(0, 0, users.length * this.nItems);
    for (let r = 0; r < users.length; r++) {
      const u = users[r]!;
      if (u < 0 || u >= this.nUsers) throw new AppError('BAD_REQUEST', `evaluate/ease: user ${u} out of range`);
      this.accumulate(u, out, r * this.nItems);
    }
    return out;
  }
}
