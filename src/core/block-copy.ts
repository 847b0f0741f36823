/**
 * @module core/block-copy
 * Block copies between typed arrays, done at once ({@link copyNow}) or queued and done later in time slices
 * ({@link CopyQueue}). The live engine (engine/engine) builds a write's new version of the graph with its copies
 * queued, then drains them a few milliseconds at a time between requests, so that an O(graph) copy does not hold the
 * event loop for seconds. A function that takes a {@link BlockCopier} writes its new data directly and leaves the
 * unchanged blocks to the copier: its result is complete once the copier has drained, and nothing may read the
 * copied ranges before that.
 *
 * @example
 * const queue = new CopyQueue();
 * const next = patchTransition(prev, csr, touched, queue); // rows written, blocks queued
 * await queue.drain(10); // 10 ms slices, the event loop free in between
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export type BlockArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/**
 * Node indices after an insertion (project/renumber `Renumbering`): old index v becomes `oldToNew[v]`. With `shifts`
 * (the old index before which each new node went, ascending; given when there are few), that is v plus the number of
 * shifts ≤ v: arithmetic on each entry instead of a read of a table of n entries, which misses the cache (110M
 * entries at 50M interactions: 0.95 s against 3.5–3.9 s, an ad-hoc micro-benchmark, 2026-12-07).
 */
export interface IndexMap {
  readonly oldToNew: Uint32Array;
  readonly shifts?: Uint32Array;
}

export interface BlockCopier {
  /**
   * Copies `src[from, to)` into `dst` at `at` (nothing when `to ≤ from`); with `map`, each entry of `src` (a node
   * index, both arrays `Uint32Array`s) is written at its new index ({@link IndexMap}).
   */
  copy<T extends BlockArray>(dst: T, src: T, from: number, to: number, at: number, map?: IndexMap): void;
}

function copyBlock(dst: BlockArray, src: BlockArray, from: number, to: number, at: number, map?: IndexMap): void {
  if (to <= from) return;
  if (!map) dst.set(src.subarray(from, to), at);
  else copyMapped(dst as Uint32Array, src as Uint32Array, from, to, at, map);
}

/**
 * The mapped copy on its own: V8 compiles its loops for Uint32Arrays alone, where inside {@link copyBlock}, which sees
 * every array type, each element access went through the generic path (`copyBlock` took 10.7 s of self time in a CPU
 * profile of 16 writes at 10M, 2026-12-07).
 */
export function copyMapped(dst: Uint32Array, src: Uint32Array, from: number, to: number, at: number, map: IndexMap): void {
  const shifts = map.shifts;
  if (shifts === undefined) {
    const table = map.oldToNew;
    for (let e = from; e < to; e++) dst[at++] = table[src[e]!]!;
  } else if (shifts.length === 1) {
    const t = shifts[0]!;
    for (let e = from; e < to; e++) {
      const x = src[e]!;
      dst[at++] = x >= t ? x + 1 : x;
    }
  } else {
    const k = shifts.length;
    for (let e = from; e < to; e++) {
      const x = src[e]!;
      let y = x;
      for (let j = 0; j < k && shifts[j]! <= x; j++) y++;
      dst[at++] = y;
    }
  }
}

/** Copies at once. */
export const copyNow: BlockCopier = { copy: copyBlock };

/** Entries copied per step of a drain: a few milliseconds of memory bandwidth. */
const STEP_ENTRIES = 1 << 20;

/** Copies queued in order and done by {@link CopyQueue.drain} (or step by step, {@link CopyQueue.step}). */
export class CopyQueue implements BlockCopier {
  #ops: Array<{ dst: BlockArray; src: BlockArray; from: number; to: number; at: number; map: IndexMap | undefined }> = [];
  #next = 0;

  copy<T extends BlockArray>(dst: T, src: T, from: number, to: number, at: number, map?: IndexMap): void {
    if (to > from) this.#ops.push({ dst, src, from, to, at, map });
  }

  /** Entries still to copy. */
  get pending(): number {
    let sum = 0;
    for (let k = this.#next; k < this.#ops.length; k++) sum += this.#ops[k]!.to - this.#ops[k]!.from;
    return sum;
  }

  /** Copies up to `maxEntries` entries (a long copy is split); false when nothing is left. */
  step(maxEntries = STEP_ENTRIES): boolean {
    let budget = maxEntries;
    while (budget > 0 && this.#next < this.#ops.length) {
      const op = this.#ops[this.#next]!;
      const end = Math.min(op.to, op.from + budget);
      copyBlock(op.dst, op.src, op.from, end, op.at, op.map);
      budget -= end - op.from;
      op.at += end - op.from;
      op.from = end;
      if (op.from >= op.to) this.#next++;
    }
    if (this.#next >= this.#ops.length) {
      this.#ops = [];
      this.#next = 0;
      return false;
    }
    return true;
  }

  /**
   * Does the queued copies in slices of about `sliceMs`, yielding to the event loop after each (a request or a timer
   * may run in between). Resolves with the milliseconds spent copying.
   */
  async drain(sliceMs: number): Promise<number> {
    let busy = 0;
    for (;;) {
      const t0 = performance.now();
      let more: boolean;
      do more = this.step();
      while (more && performance.now() - t0 < sliceMs);
      busy += performance.now() - t0;
      if (!more) return busy;
      await nextTurn();
    }
  }
}
