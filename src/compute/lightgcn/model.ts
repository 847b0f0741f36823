/**
 * @module compute/lightgcn/model
 * The LightGCN model on the CPU: ego embeddings E⁰ ([n × d], users then items then entities) and the final embeddings
 *   F = Σ_{k=0..L} α_k Âᵏ E⁰,  α_k = 1 / (L + 1)            (LightGCN, He et al. 2020, eq. 8–9)
 * computed by the sparse kernels. Because Â is symmetric and the propagation is linear, the gradient of a loss with
 * respect to E⁰ is the same propagation applied to the gradient with respect to F: ∂ℓ/∂E⁰ = Σ_k α_k Âᵏ (∂ℓ/∂F).
 *
 * Shapes: every embedding array is row-major Float32 `[rows × d]`.
 * `loss(batch)` → number; `score(users, items)` → Float32Array[pairs]; `scoreAll(users)` → Float32Array[users.length × nItems].
 */
import { AppError } from '../../core/errors.ts';
import { Arena, type F32Buf } from './arena.ts';
import type { Adjacency } from './graph.ts';
import { CpuKernels, csrToArena, packItems, type ArenaCsr, type KernelMode } from './kernels.ts';
import { KernelThread } from './parallel.ts';
import type { TripletBatch } from './bpr.ts';
import type { TrainedLightGcn } from './types.ts';

export interface LightGcnModelOptions {
  embeddingSize: number;
  nLayers: number;
  kernels: KernelMode;
}

export class LightGcnModel implements TrainedLightGcn {
  readonly nUsers: number;
  readonly nItems: number;
  readonly nEntities: number;
  readonly n: number;
  readonly d: number;
  readonly nLayers: number;
  readonly arena: Arena;
  readonly kernels: CpuKernels;
  readonly adj: ArenaCsr;
  /** Ego (layer-0) embeddings, the trained parameters. */
  readonly e0: F32Buf;
  /** Final embeddings F (valid after `propagate()`). */
  readonly final: F32Buf;
  private readonly bufA: F32Buf;
  private readonly bufB: F32Buf;
  private scoreScratch: (ScoreScratch & { packedFor: number }) | null = null;
  /** Incremented whenever E⁰ changes; `final` is current when `finalVersion === version`. */
  version = 0;
  private finalVersion = -1;

  constructor(adjacency: Adjacency, options: LightGcnModelOptions) {
    const { embeddingSize: d, nLayers } = options;
    if (!Number.isInteger(d) || d < 1) throw new AppError('BAD_REQUEST', 'compute/lightgcn: embeddingSize must be a positive integer');
    if (!Number.isInteger(nLayers) || nLayers < 0) throw new AppError('BAD_REQUEST', 'compute/lightgcn: nLayers must be an integer ≥ 0');
    this.nUsers = adjacency.nUsers;
    this.nItems = adjacency.nItems;
    this.nEntities = adjacency.nEntities;
    this.n = adjacency.n;
    this.d = d;
    this.nLayers = nLayers;
    const nd = this.n * d;
    const bytes = 4 * (adjacency.indptr.length + 2 * adjacency.indices.length + 8 * nd) + (1 << 20);
    this.arena = new Arena(bytes);
    this.kernels = new CpuKernels(this.arena, d, options.kernels);
    this.adj = csrToArena(this.arena, this.n, adjacency.indptr, adjacency.indices, adjacency.values);
    this.e0 = this.arena.f32(nd);
    this.final = this.arena.f32(nd);
    this.bufA = this.arena.f32(nd);
    this.bufB = this.arena.f32(nd);
  }

  private thread: KernelThread | null = null;

  /**
   * Runs the wasm kernels on two threads from now on (a worker sharing the arena). No-op for the JS kernels.
   * `close()` stops the worker.
   */
  async useTwoThreads(): Promise<void> {
    if (this.thread || this.kernels.mode !== 'wasm') return;
    this.thread = await KernelThread.start(this.arena.memory, this.d);
    this.kernels.attachThread(this.thread);
  }

  /** Stops the worker thread, if any (the model stays usable single-threaded). */
  async close(): Promise<void> {
    const t = this.thread;
    this.thread = null;
    this.kernels.attachThread(null);
    if (t) await t.close();
  }

  /** Allocates another [n × d] buffer in the model's arena (gradients, optimiser state). */
  allocNodeBuffer(): F32Buf {
    return this.arena.f32(this.n * this.d);
  }

  /** Fills E⁰ with N(0, std²) draws. */
  initNormal(normal: () => number, std: number): void {
    const v = this.e0.view;
    for (let k = 0; k < v.length; k++) v[k] = std * normal();
    this.version++;
  }

  /** dst = Σ_{k=0..L} Âᵏ src / (L + 1). `dst` must differ from `src` and the internal buffers. */
  propagateInto(src: F32Buf, dst: F32Buf): void {
    const k = this.kernels;
    dst.view.set(src.view);
    let cur = src;
    for (let layer = 1; layer <= this.nLayers; layer++) {
      const next = layer % 2 === 1 ? this.bufA : this.bufB;
      k.spmm(this.adj, cur, next);
      k.axpy(dst, next, 1);
      cur = next;
    }
    if (this.nLayers > 0) k.scale(dst, 1 / (this.nLayers + 1));
  }

  /** Recomputes the final embeddings from E⁰ if they are stale. */
  propagate(): void {
    if (this.finalVersion === this.version) return;
    this.propagateInto(this.e0, this.final);
    this.finalVersion = this.version;
  }

  /** Marks E⁰ as changed (after an optimiser step or a load). */
  touch(): void {
    this.version++;
  }

  /**
   * BPR loss of a batch of (user, positive, negative) triples plus λ/2B · Σ‖e⁰‖² over the batch's ego rows (the
   * training objective; `bpr.ts` computes it together with its gradient for training).
   */
  loss(batch: TripletBatch, regWeight = 0): number {
    this.propagate();
    const F = this.final.view;
    const E = this.e0.view;
    const d = this.d;
    const B = batch.size;
    if (B < 1) throw new AppError('BAD_REQUEST', 'compute/lightgcn: empty batch');
    let bpr = 0;
    let reg = 0;
    for (let t = 0; t < B; t++) {
      const u = batch.users[t]! * d;
      const i = (this.nUsers + batch.pos[t]!) * d;
      const j = (this.nUsers + batch.neg[t]!) * d;
      let x = 0;
      for (let c = 0; c < d; c++) {
        x += F[u + c]! * (F[i + c]! - F[j + c]!);
        reg += E[u + c]! * E[u + c]! + E[i + c]! * E[i + c]! + E[j + c]! * E[j + c]!;
      }
      bpr += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    }
    return bpr / B + (regWeight * 0.5 * reg) / B;
  }

  /** Dot products F_u · F_{nUsers + i} for the pairs (users[t], items[t]). */
  score(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) throw new AppError('BAD_REQUEST', 'compute/lightgcn: users and items differ in length');
    this.propagate();
    const F = this.final.view;
    const d = this.d;
    const out = new Float32Array(users.length);
    for (let t = 0; t < users.length; t++) {
      const u = users[t]!;
      const i = items[t]!;
      if (u < 0 || u >= this.nUsers || i < 0 || i >= this.nItems) throw new AppError('BAD_REQUEST', `compute/lightgcn: pair ${t} out of range`);
      const a = u * d;
      const b = (this.nUsers + i) * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += F[a + c]! * F[b + c]!;
      out[t] = s;
    }
    return out;
  }

  /** Scores of every item for each user: out[r · nItems + i] = F_{users[r]} · F_item(i). */
  scoreAll(users: Int32Array, out: Float32Array = new Float32Array(users.length * this.nItems)): Float32Array {
    this.propagate();
    if (!this.scoreScratch) this.scoreScratch = { ...allocScoreScratch(this.arena, this.nItems, this.d), packedFor: -1 };
    const s = this.scoreScratch;
    if (s.packedFor !== this.finalVersion) {
      packItems(this.final.view, this.nUsers * this.d, this.nItems, this.d, s.packed.view);
      s.packedFor = this.finalVersion;
    }
    const d = this.d;
    const F = this.final.view;
    return scoreAllRows(this.kernels, s, this.nItems, users, out, (u) => {
      if (u < 0 || u >= this.nUsers) throw new AppError('BAD_REQUEST', `compute/lightgcn: user ${u} out of range`);
      return F.subarray(u * d, u * d + d);
    });
  }

  /**
   * Item rows of the propagation layers 0..L−1 ([L × nItems × d], layer-major) and the items' degrees in the graph —
   * what `foldInUser` needs to place a new user without retraining.
   */
  foldInBasis(): { nItems: number; d: number; nLayers: number; itemLayers: Float32Array; itemDegrees: Float32Array } {
    const d = this.d;
    const nI = this.nItems;
    const itemLayers = new Float32Array(this.nLayers * nI * d);
    const from = this.nUsers * d;
    let cur = this.e0;
    for (let k = 0; k < this.nLayers; k++) {
      itemLayers.set(cur.view.subarray(from, from + nI * d), k * nI * d);
      if (k + 1 < this.nLayers) {
        const next = k % 2 === 0 ? this.bufA : this.bufB;
        this.kernels.spmm(this.adj, cur, next);
        cur = next;
      }
    }
    const itemDegrees = new Float32Array(nI);
    const ip = this.adj.indptr.view;
    for (let i = 0; i < nI; i++) itemDegrees[i] = ip[this.nUsers + i + 1]! - ip[this.nUsers + i]!;
    return { nItems: nI, d, nLayers: this.nLayers, itemLayers, itemDegrees };
  }

  /** Copy of the final user embeddings [nUsers × d]. */
  userEmbeddings(): Float32Array {
    this.propagate();
    return this.final.view.slice(0, this.nUsers * this.d);
  }

  /** Copy of the final item embeddings [nItems × d]. */
  itemEmbeddings(): Float32Array {
    this.propagate();
    return this.final.view.slice(this.nUsers * this.d, (this.nUsers + this.nItems) * this.d);
  }
}

/** Arena space for scoring every item for a block of users: items packed in groups of 8, the block's rows, its scores. */
export interface ScoreScratch {
  packed: F32Buf;
  users: F32Buf;
  out: F32Buf;
  rows: number;
  nGroups: number;
}

/** A {@link ScoreScratch} for `nItems` items of `d` floats and blocks of `rows` users (the items still to pack). */
export function allocScoreScratch(arena: Arena, nItems: number, d: number, rows = 256): ScoreScratch {
  const nGroups = Math.ceil(nItems / 8);
  return { packed: arena.f32(nGroups * 8 * d), users: arena.f32(rows * d), out: arena.f32(rows * nGroups * 8), rows, nGroups };
}

/** Bytes {@link allocScoreScratch} takes from an arena. */
export function scoreScratchBytes(nItems: number, d: number, rows = 256): number {
  const padded = Math.ceil(nItems / 8) * 8;
  return 4 * (padded * d + rows * d + rows * padded);
}

/**
 * out[r · nItems + i] = rowOf(users[r]) · item i, for the items packed in `s.packed` (`packItems`), a block of users at
 * a time through the kernels' blocked score routine.
 */
export function scoreAllRows(kernels: CpuKernels, s: ScoreScratch, nItems: number, users: Int32Array, out: Float32Array, rowOf: (user: number) => Float32Array): Float32Array {
  if (out.length < users.length * nItems) throw new AppError('BAD_REQUEST', 'compute/lightgcn: output buffer too small');
  const d = kernels.d;
  const stride = s.nGroups * 8;
  const groupBlock = 64; // 64 groups × 8 items × d floats stay in L2 while the user block streams past
  for (let start = 0; start < users.length; start += s.rows) {
    const count = Math.min(s.rows, users.length - start);
    const padded = Math.ceil(count / 4) * 4;
    const U = s.users.view;
    for (let r = 0; r < count; r++) U.set(rowOf(users[start + r]!), r * d);
    U.fill(0, count * d, padded * d);
    for (let g0 = 0; g0 < s.nGroups; g0 += groupBlock) {
      const ng = Math.min(groupBlock, s.nGroups - g0);
      const packedBlock = { ptr: s.packed.ptr + g0 * 8 * d * 4, view: s.packed.view.subarray(g0 * 8 * d) };
      const outBlock = { ptr: s.out.ptr + g0 * 8 * 4, view: s.out.view.subarray(g0 * 8) };
      kernels.scores(s.users, 0, padded, packedBlock, ng, outBlock, stride);
    }
    const O = s.out.view;
    for (let r = 0; r < count; r++) out.set(O.subarray(r * stride, r * stride + nItems), (start + r) * nItems);
  }
  return out;
}
