/**
 * @module compute/lightgcn/bpr
 * BPR training pieces on typed arrays: a triplet sampler (users uniformly among those with training items, a positive
 * uniformly among the user's items, a negative uniformly among the items the user has not interacted with — or, with
 * `dns`, the highest-scoring of M such uniform candidates, dynamic negative sampling after Zhang et al. 2013), and the
 * loss with its hand-written gradient:
 *
 *   ℓ = (1/B) Σ_t softplus(−x_t) + λ · (1/2B) Σ_t (‖e⁰_u‖² + ‖e⁰_i‖² + ‖e⁰_j‖²),   x_t = F_u · (F_i − F_j)
 *   ∂ℓ/∂F_u = −σ(−x)/B · (F_i − F_j),  ∂ℓ/∂F_i = −σ(−x)/B · F_u,  ∂ℓ/∂F_j = +σ(−x)/B · F_u
 *   ∂ℓ/∂E⁰ = Σ_k α_k Âᵏ ∂ℓ/∂F  +  (λ/B) · count(row) · e⁰_row
 *
 * (L2 on the batch's ego embeddings normalised by the batch size, as LightGCN-PyTorch does.)
 */
import type { Rng } from '../rng.ts';
import { AppError } from '../../core/errors.ts';
import type { F32Buf, I32Buf } from './arena.ts';
import type { LightGcnModel } from './model.ts';

/** B triples of (user, positive item, negative item), item indices 0-based. */
export interface TripletBatch {
  size: number;
  users: Int32Array;
  pos: Int32Array;
  neg: Int32Array;
}

export function allocBatch(capacity: number): TripletBatch {
  return { size: 0, users: new Int32Array(capacity), pos: new Int32Array(capacity), neg: new Int32Array(capacity) };
}

export type NegativeSampling = 'uniform' | 'dns';

/** True when `item` is in the sorted slice indices[start, end). */
function contains(indices: Int32Array, start: number, end: number, item: number): boolean {
  let lo = start;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = indices[mid]!;
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Arena scratch for one model's BPR steps (row-index arrays, dots and coefficients) of up to `capacity` triples. */
export class BprWorkspace {
  readonly uRows: I32Buf;
  readonly iRows: I32Buf;
  readonly jRows: I32Buf;
  readonly xi: F32Buf;
  readonly xj: F32Buf;
  readonly coefPos: F32Buf;
  readonly coefNeg: F32Buf;
  readonly regCoef: F32Buf;
  readonly candU: I32Buf;
  readonly candJ: I32Buf;
  readonly candS: F32Buf;

  constructor(
    readonly model: LightGcnModel,
    readonly capacity: number,
    readonly candidates = 1,
  ) {
    const a = model.arena;
    this.uRows = a.i32(capacity);
    this.iRows = a.i32(capacity);
    this.jRows = a.i32(capacity);
    this.xi = a.f32(capacity);
    this.xj = a.f32(capacity);
    this.coefPos = a.f32(capacity);
    this.coefNeg = a.f32(capacity);
    this.regCoef = a.f32(capacity);
    const c = candidates > 1 ? capacity * candidates : 1;
    this.candU = a.i32(c);
    this.candJ = a.i32(c);
    this.candS = a.f32(c);
  }
}

export class TripletSampler {
  private readonly activeUsers: Int32Array;

  /** @param userItems per-user sorted training items (CSR over users) */
  constructor(
    private readonly userItems: { indptr: Int32Array; indices: Int32Array },
    private readonly nItems: number,
    private readonly rng: Rng,
  ) {
    const active: number[] = [];
    const ip = userItems.indptr;
    for (let u = 0; u + 1 < ip.length; u++) if (ip[u + 1]! > ip[u]! && ip[u + 1]! - ip[u]! < nItems) active.push(u);
    this.activeUsers = Int32Array.from(active);
  }

  get nActiveUsers(): number {
    return this.activeUsers.length;
  }

  /** A uniform item that user `u` has not interacted with in training. */
  sampleNegative(u: number): number {
    return this.uniformNegative(this.userItems.indptr[u]!, this.userItems.indptr[u + 1]!);
  }

  private uniformNegative(start: number, end: number): number {
    const idx = this.userItems.indices;
    while (true) {
      const j = this.rng.int(this.nItems);
      if (!contains(idx, start, end, j)) return j;
    }
  }

  /**
   * Fills `batch` with `size` triples. With `dns` and a workspace, the negative is the best-scoring (by the model's
   * current final embeddings) of `ws.candidates` uniform negatives.
   */
  sample(batch: TripletBatch, size: number, negatives: NegativeSampling = 'uniform', ws?: BprWorkspace): void {
    const { indptr, indices } = this.userItems;
    const rng = this.rng;
    const nActive = this.activeUsers.length;
    const M = ws?.candidates ?? 1;
    const useDns = negatives === 'dns' && ws !== undefined && M > 1;
    for (let t = 0; t < size; t++) {
      const u = this.activeUsers[rng.int(nActive)]!;
      const start = indptr[u]!;
      const end = indptr[u + 1]!;
      batch.users[t] = u;
      batch.pos[t] = indices[start + rng.int(end - start)]!;
      if (!useDns) {
        batch.neg[t] = this.uniformNegative(start, end);
        continue;
      }
      const cu = ws.candU.view;
      const cj = ws.candJ.view;
      const itemBase = ws.model.nUsers;
      for (let m = 0; m < M; m++) {
        cu[t * M + m] = u;
        cj[t * M + m] = itemBase + this.uniformNegative(start, end);
      }
    }
    batch.size = size;
    if (!useDns) return;
    if (size > ws.capacity) throw new AppError('BAD_REQUEST', 'compute/lightgcn: batch larger than the BPR workspace');
    const model = ws.model;
    model.propagate();
    model.kernels.rowDots(model.final, ws.candU, ws.candJ, size * M, ws.candS);
    const cs = ws.candS.view;
    const cj = ws.candJ.view;
    const itemBase = model.nUsers;
    for (let t = 0; t < size; t++) {
      let best = t * M;
      for (let m = t * M + 1; m < t * M + M; m++) if (cs[m]! > cs[best]!) best = m;
      batch.neg[t] = cj[best]! - itemBase;
    }
  }
}

/**
 * BPR loss of `batch` and its gradient with respect to E⁰, written into `gE0` (`gF` is scratch for ∂ℓ/∂F).
 * Returns { loss, bpr, reg } (means over the batch).
 */
export function bprLossAndGrad(ws: BprWorkspace, batch: TripletBatch, regWeight: number, gF: F32Buf, gE0: F32Buf): { loss: number; bpr: number; reg: number } {
  const model = ws.model;
  const B = batch.size;
  if (B > ws.capacity) throw new AppError('BAD_REQUEST', 'compute/lightgcn: batch larger than the BPR workspace');
  if (B === 0) throw new AppError('BAD_REQUEST', 'compute/lightgcn: empty batch');
  model.propagate();
  const k = model.kernels;
  const itemBase = model.nUsers;
  const U = ws.uRows.view;
  const I = ws.iRows.view;
  const J = ws.jRows.view;
  for (let t = 0; t < B; t++) {
    U[t] = batch.users[t]!;
    I[t] = itemBase + batch.pos[t]!;
    J[t] = itemBase + batch.neg[t]!;
  }
  k.rowDots(model.final, ws.uRows, ws.iRows, B, ws.xi);
  k.rowDots(model.final, ws.uRows, ws.jRows, B, ws.xj);
  const xi = ws.xi.view;
  const xj = ws.xj.view;
  const cp = ws.coefPos.view;
  const cn = ws.coefNeg.view;
  const invB = 1 / B;
  let bpr = 0;
  for (let t = 0; t < B; t++) {
    const x = xi[t]! - xj[t]!;
    // softplus(−x), computed stably; σ(−x) = 1 / (1 + eˣ)
    bpr += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    const coef = -invB / (1 + Math.exp(x));
    cp[t] = coef;
    cn[t] = -coef;
  }
  gF.view.fill(0);
  k.rowAxpy(gF, ws.uRows, model.final, ws.iRows, ws.coefPos, B);
  k.rowAxpy(gF, ws.uRows, model.final, ws.jRows, ws.coefNeg, B);
  k.rowAxpy(gF, ws.iRows, model.final, ws.uRows, ws.coefPos, B);
  k.rowAxpy(gF, ws.jRows, model.final, ws.uRows, ws.coefNeg, B);
  model.propagateInto(gF, gE0);
  let reg = 0;
  if (regWeight !== 0) {
    ws.regCoef.view.fill(regWeight * invB, 0, B);
    for (const rows of [ws.uRows, ws.iRows, ws.jRows]) {
      k.rowDots(model.e0, rows, rows, B, ws.xi);
      for (let t = 0; t < B; t++) reg += xi[t]!;
      k.rowAxpy(gE0, rows, model.e0, rows, ws.regCoef, B);
    }
  }
  const regMean = (0.5 * reg) / B;
  return { loss: bpr / B + regWeight * regMean, bpr: bpr / B, reg: regMean };
}
