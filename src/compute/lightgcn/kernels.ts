/**
 * @module compute/lightgcn/kernels
 * The dense/sparse kernels LightGCN needs on the CPU, in two interchangeable implementations over arena buffers:
 * `wasm` (hand-written SIMD, see `wasm-kernels.ts`, the default) and `js` (plain typed-array loops, the reference that
 * tests compare against, and the fallback when the embedding size is not a multiple of 4).
 * Row ranges let a caller split one product across threads.
 */
import type { Arena, F32Buf, I32Buf } from './arena.ts';
import { OP, type KernelThread } from './parallel.ts';
import { instantiateKernels, wasmSupportsDim, type WasmKernelExports } from './wasm-kernels.ts';

export type KernelMode = 'wasm' | 'js';

/** A CSR matrix stored in an arena (square or not; `nRows` rows). */
export interface ArenaCsr {
  nRows: number;
  indptr: I32Buf;
  indices: I32Buf;
  values: F32Buf;
}

export class CpuKernels {
  readonly mode: KernelMode;
  readonly d: number;
  private readonly wasm: WasmKernelExports | null;
  private thread: KernelThread | null = null;
  private readonly splitRows = new WeakMap<ArenaCsr, number>();

  constructor(
    readonly arena: Arena,
    d: number,
    mode: KernelMode = 'wasm',
  ) {
    this.d = d;
    this.mode = mode === 'wasm' && wasmSupportsDim(d) ? 'wasm' : 'js';
    this.wasm = this.mode === 'wasm' ? instantiateKernels(d, arena.memory) : null;
  }

  /** Lends a second thread to the wasm kernels (see `parallel.ts`); null detaches it. */
  attachThread(thread: KernelThread | null): void {
    if (thread && !this.wasm) return;
    this.thread = thread;
  }

  get threads(): number {
    return this.thread ? 2 : 1;
  }

  /** The row that splits A's non-zeros in half. */
  private midRow(a: ArenaCsr): number {
    let mid = this.splitRows.get(a);
    if (mid === undefined) {
      const ip = a.indptr.view;
      const half = ip[a.nRows]! / 2;
      let lo = 0;
      let hi = a.nRows;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (ip[m]! < half) lo = m + 1;
        else hi = m;
      }
      mid = lo;
      this.splitRows.set(a, mid);
    }
    return mid;
  }

  /** y[r0..r1) = A[r0..r1) · x, x and y row-major with `d` columns. */
  spmm(a: ArenaCsr, x: F32Buf, y: F32Buf, r0 = 0, r1 = a.nRows): void {
    if (this.wasm) {
      if (this.thread && r0 === 0 && r1 === a.nRows && a.nRows > 256) {
        const mid = this.midRow(a);
        this.thread.post(OP.spmm, [a.indptr.ptr, a.indices.ptr, a.values.ptr, x.ptr, y.ptr, mid, r1]);
        try {
          this.wasm.spmm(a.indptr.ptr, a.indices.ptr, a.values.ptr, x.ptr, y.ptr, r0, mid);
        } finally {
          this.thread.join();
        }
        return;
      }
      this.wasm.spmm(a.indptr.ptr, a.indices.ptr, a.values.ptr, x.ptr, y.ptr, r0, r1);
      return;
    }
    const d = this.d;
    const indptr = a.indptr.view;
    const indices = a.indices.view;
    const values = a.values.view;
    const X = x.view;
    const Y = y.view;
    for (let r = r0; r < r1; r++) {
      const o = r * d;
      const p0 = indptr[r]!;
      const p1 = indptr[r + 1]!;
      for (let c = 0; c < d; c++) Y[o + c] = 0;
      for (let p = p0; p < p1; p++) {
        const w = values[p]!;
        const s = indices[p]! * d;
        for (let c = 0; c < d; c++) Y[o + c]! += w * X[s + c]!;
      }
    }
  }

  /** y += a · x over elements [start, end) (multiples of 4 for the wasm path). */
  axpy(y: F32Buf, x: F32Buf, a: number, start = 0, end = y.view.length): void {
    if (this.wasm && start % 4 === 0 && end % 4 === 0) {
      if (this.thread && end - start >= 65536) {
        const mid = start + (((end - start) >> 3) << 2);
        this.thread.post(OP.axpy, [y.ptr + mid * 4, x.ptr + mid * 4, 0, end - mid], { 2: a });
        try {
          this.wasm.axpy(y.ptr + start * 4, x.ptr + start * 4, a, mid - start);
        } finally {
          this.thread.join();
        }
        return;
      }
      this.wasm.axpy(y.ptr + start * 4, x.ptr + start * 4, a, end - start);
      return;
    }
    const Y = y.view;
    const X = x.view;
    for (let k = start; k < end; k++) Y[k]! += a * X[k]!;
  }

  /** y *= a over elements [start, end). */
  scale(y: F32Buf, a: number, start = 0, end = y.view.length): void {
    if (this.wasm && start % 4 === 0 && end % 4 === 0) {
      this.wasm.scale(y.ptr + start * 4, a, end - start);
      return;
    }
    const Y = y.view;
    for (let k = start; k < end; k++) Y[k]! *= a;
  }

  /** One Adam step over elements [start, end); lrT and epsT carry the bias corrections. */
  adam(p: F32Buf, g: F32Buf, m: F32Buf, v: F32Buf, lrT: number, b1: number, b2: number, epsT: number, start = 0, end = p.view.length): void {
    if (this.wasm && start % 4 === 0 && end % 4 === 0) {
      if (this.thread && end - start >= 65536) {
        const mid = start + (((end - start) >> 3) << 2);
        const o = mid * 4;
        this.thread.post(OP.adam, [p.ptr + o, g.ptr + o, m.ptr + o, v.ptr + o, end - mid], { 5: lrT, 6: b1, 7: b2, 8: epsT });
        try {
          this.wasm.adam(p.ptr + start * 4, g.ptr + start * 4, m.ptr + start * 4, v.ptr + start * 4, mid - start, lrT, b1, b2, epsT);
        } finally {
          this.thread.join();
        }
        return;
      }
      this.wasm.adam(p.ptr + start * 4, g.ptr + start * 4, m.ptr + start * 4, v.ptr + start * 4, end - start, lrT, b1, b2, epsT);
      return;
    }
    const P = p.view;
    const G = g.view;
    const M = m.view;
    const V = v.view;
    const f = Math.fround;
    for (let k = start; k < end; k++) {
      const gk = G[k]!;
      const mk = f(f(b1 * M[k]!) + f(f(1 - b1) * gk));
      const vk = f(f(b2 * V[k]!) + f(f(gk * gk) * f(1 - b2)));
      M[k] = mk;
      V[k] = vk;
      P[k] = f(P[k]! - f(f(lrT * mk) / f(f(Math.sqrt(vk)) + epsT)));
    }
  }

  /**
   * Scores of a user block against packed item groups: out row k (stride `outStride` floats) gets u_k · item_j for
   * j < 8 · nGroups. `users` holds nU rows (nU % 4 = 0) starting at element `uOffset`; `packed` is `[group][c][8]`.
   */
  scores(users: F32Buf, uOffset: number, nU: number, packed: F32Buf, nGroups: number, out: F32Buf, outStride: number): void {
    if (this.wasm && nU % 4 === 0) {
      if (this.thread && nU >= 16) {
        const half = (nU >> 3) << 2;
        this.thread.post(OP.scores, [users.ptr + (uOffset + half * this.d) * 4, nU - half, packed.ptr, nGroups, out.ptr + half * outStride * 4, outStride * 4]);
        try {
          this.wasm.scores(users.ptr + uOffset * 4, half, packed.ptr, nGroups, out.ptr, outStride * 4);
        } finally {
          this.thread.join();
        }
        return;
      }
      this.wasm.scores(users.ptr + uOffset * 4, nU, packed.ptr, nGroups, out.ptr, outStride * 4);
      return;
    }
    const d = this.d;
    const U = users.view;
    const P = packed.view;
    const O = out.view;
    for (let k = 0; k < nU; k++) {
      const ub = uOffset + k * d;
      for (let g = 0; g < nGroups; g++) {
        const pb = g * d * 8;
        for (let j = 0; j < 8; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += U[ub + c]! * P[pb + c * 8 + j]!;
          O[k * outStride + g * 8 + j] = s;
        }
      }
    }
  }

  /** out[t] = x[aIdx[t]] · x[bIdx[t]] for t < n (row indices into x). */
  rowDots(x: F32Buf, aIdx: I32Buf, bIdx: I32Buf, n: number, out: F32Buf): void {
    if (this.wasm) {
      if (this.thread && n >= 4096) {
        const h = n >> 1;
        this.thread.post(OP.rowDots, [x.ptr, aIdx.ptr + h * 4, bIdx.ptr + h * 4, n - h, out.ptr + h * 4]);
        try {
          this.wasm.rowDots(x.ptr, aIdx.ptr, bIdx.ptr, h, out.ptr);
        } finally {
          this.thread.join();
        }
        return;
      }
      this.wasm.rowDots(x.ptr, aIdx.ptr, bIdx.ptr, n, out.ptr);
      return;
    }
    const d = this.d;
    const X = x.view;
    const A = aIdx.view;
    const B = bIdx.view;
    const O = out.view;
    for (let t = 0; t < n; t++) {
      const a = A[t]! * d;
      const b = B[t]! * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += X[a + c]! * X[b + c]!;
      O[t] = s;
    }
  }

  /** y[yIdx[t]] += coef[t] · x[xIdx[t]] for t < n, in order (rows may repeat). */
  rowAxpy(y: F32Buf, yIdx: I32Buf, x: F32Buf, xIdx: I32Buf, coef: F32Buf, n: number): void {
    if (this.wasm) {
      this.wasm.rowAxpy(y.ptr, yIdx.ptr, x.ptr, xIdx.ptr, coef.ptr, n);
      return;
    }
    const d = this.d;
    const Y = y.view;
    const X = x.view;
    const YI = yIdx.view;
    const XI = xIdx.view;
    const C = coef.view;
    for (let t = 0; t < n; t++) {
      const a = YI[t]! * d;
      const b = XI[t]! * d;
      const w = C[t]!;
      for (let c = 0; c < d; c++) Y[a + c]! += w * X[b + c]!;
    }
  }
}

/** Copies a plain CSR into an arena. */
export function csrToArena(arena: Arena, nRows: number, indptr: Int32Array, indices: Int32Array, values: Float32Array): ArenaCsr {
  const ip = arena.i32(indptr.length);
  ip.view.set(indptr);
  const ix = arena.i32(Math.max(1, indices.length));
  ix.view.set(indices);
  const vs = arena.f32(Math.max(1, values.length));
  vs.view.set(values);
  return { nRows, indptr: ip, indices: ix, values: vs };
}

/** Packs `nItems` rows of `src` (starting at element `offset`, `d` columns) into groups of 8: `[group][c][8]`. */
export function packItems(src: Float32Array, offset: number, nItems: number, d: number, dst: Float32Array): number {
  const nGroups = Math.ceil(nItems / 8);
  dst.fill(0, 0, nGroups * 8 * d);
  for (let i = 0; i < nItems; i++) {
    const g = i >> 3;
    const j = i & 7;
    const base = g * d * 8 + j;
    const s = offset + i * d;
    for (let c = 0; c < d; c++) dst[base + c * 8] = src[s + c]!;
  }
  return nGroups;
}
