/**
 * @module core/shared-arrays
 * Typed arrays on `SharedArrayBuffer`s, so that the worker threads of one process read the same memory instead of
 * each holding a copy. A worker receives a typed array on a shared buffer (through `workerData` or `postMessage`) as
 * a view of the same bytes; an ordinary typed array is copied into its thread. The projection snapshot's arrays and an
 * engine's first transition, knowledge lists and evidence tables are allocated here, so that copies of the engine
 * ranking in worker threads (engine/replicas) share them.
 *
 * The rule that makes sharing safe is the one the engine already keeps within one thread: a version's arrays are never
 * written after they are built (a live write builds new arrays and swaps them in). Nothing here locks or uses Atomics.
 * What a live write builds is shared only when copies of the engine adopt it (engine/replicas; ordinary otherwise,
 * {@link typedArray}): shared garbage does not prompt a collection. The shared arrays a version drops are collected
 * by {@link dropShared}.
 *
 * @example
 * const weights = sharedArray(Float64Array, n); // zeroed, shared with any thread it is posted to
 * const scores = typedArray(Float64Array, n, false); // an ordinary one
 * const same = shared(weights); // already shared: the same array
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { log } from './log.ts';
import { availableMemory } from './memory.ts';

export type NumericArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface NumericArrayConstructor<T extends NumericArray> {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: SharedArrayBuffer, byteOffset?: number, length?: number): T;
}

/** Whether `array` is a view of a `SharedArrayBuffer` (a worker it is posted to reads the same bytes). */
export function isShared(array: ArrayBufferView): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}

/** A zeroed typed array of `length` elements on a new `SharedArrayBuffer`. */
export function sharedArray<T extends NumericArray>(type: NumericArrayConstructor<T>, length: number): T {
  return new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT), 0, length);
}

/**
 * A zeroed typed array on a shared buffer when `shared`, else on an ordinary one. Share only what lives long: Node 20's
 * V8 does not count shared buffers as memory pressure, so a collection is not started by allocating them; shared
 * garbage waits for a collection the heap starts for other reasons (60 dropped 200 MB shared buffers in a loop held
 * up to 11 GB, ordinary ones 0.4 GB: `npm run bench -- shared-gc`). The first version an engine builds is shared; a
 * live write's is shared only when copies adopt it, and {@link dropShared} collects what it replaces.
 */
export function typedArray<T extends NumericArray>(type: NumericArrayConstructor<T> & (new (length: number) => T), length: number, shared: boolean): T {
  return shared ? sharedArray(type, length) : new type(length);
}

/** `values` in a typed array of `type`, on a shared buffer when `shared` (see {@link typedArray}). */
export function typedArrayOf<T extends NumericArray>(type: NumericArrayConstructor<T> & (new (length: number) => T), values: ArrayLike<number>, shared: boolean): T {
  const out = typedArray(type, values.length, shared);
  out.set(values);
  return out;
}

/** A copy of `array` on a new `SharedArrayBuffer`. */
function sharedCopy<T extends NumericArray>(array: T): T {
  return typedArrayOf(array.constructor as unknown as NumericArrayConstructor<T> & (new (length: number) => T), array, true);
}

/** A copy of `array`, on a shared buffer when `shared` (see {@link typedArray}). */
export function copyOf<T extends NumericArray>(array: T, shared: boolean): T {
  return shared ? sharedCopy(array) : (array.slice() as T);
}

/** `array` itself when it is already shared; else a copy of it on a new `SharedArrayBuffer`. */
export function shared<T extends NumericArray>(array: T): T {
  return isShared(array) ? array : sharedCopy(array);
}

/** Whether `value` is a typed array (a view that is not a `DataView`). */
function isNumericArray(value: unknown): value is NumericArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Each original array's shared one (a `Map`, or a `WeakMap` that lets go of both with the original). */
export interface SharedMemo {
  get(key: ArrayBufferView): ArrayBufferView | undefined;
  set(key: ArrayBufferView, value: ArrayBufferView): unknown;
}

/**
 * `o` with each typed-array field on a shared buffer ({@link shared}), the other fields as they are. `memo` maps each
 * array to its shared one, so an array that several objects hold (the CSR's node kinds and the transition's) stays one.
 */
export function withSharedArrays<T extends object>(o: T, memo: SharedMemo = new Map<ArrayBufferView, ArrayBufferView>()): T {
  const out = { ...o } as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    if (!isNumericArray(value)) continue;
    let copy = memo.get(value);
    if (!copy) memo.set(value, (copy = shared(value)));
    out[key] = copy;
  }
  return out as T;
}

/** The bytes of the distinct shared buffers under `arrays` (each buffer counted once, whole). */
export function sharedBufferBytes(arrays: Iterable<ArrayBufferView>): number {
  const seen = new Set<ArrayBufferLike>();
  let bytes = 0;
  for (const a of arrays) {
    if (!isShared(a) || seen.has(a.buffer)) continue;
    seen.add(a.buffer);
    bytes += a.buffer.byteLength;
  }
  return bytes;
}

/** Every typed array held directly by `holders` (their own fields, one level deep), each once. */
export function typedArraysOf(holders: Iterable<object | undefined>): ArrayBufferView[] {
  const out = new Set<ArrayBufferView>();
  for (const o of holders) {
    if (!o) continue;
    for (const v of Object.values(o)) if (isNumericArray(v)) out.add(v);
  }
  return [...out];
}

/**
 * Shared garbage smaller than this (in one thread, since its last collection) waits for a collection the heap starts
 * itself: a forced one holds the thread (tens to hundreds of ms on a large heap) for little memory.
 */
export const SHARED_GARBAGE_MIN_BYTES = 16 * 2 ** 20;

/**
 * When a collection is forced. A forced collection holds the thread: 66 ms at 10M interactions, 300–880 ms at 50M
 * (docs/scaling.md), and one after every live write took 14 of 60 seconds of the serving thread under a stream of
 * writes at 10M. So pending garbage of at least {@link SHARED_GARBAGE_MIN_BYTES} is collected once the forced
 * collections would take at most `maxTimeShare` of the thread's time (the time since the last one ended is at least its
 * duration / `maxTimeShare`; the first is due at once), and at once when it reaches `memoryShare` of the available
 * memory (core/memory), whatever the time.
 */
export const SHARED_GARBAGE_POLICY = { maxTimeShare: 0.05, memoryShare: 0.25 } as const;

/** The pending shared garbage at which a collection is forced whatever the time, given the memory available now. */
export function sharedGarbageLimit(availableBytes: number): number {
  return Math.max(SHARED_GARBAGE_MIN_BYTES, SHARED_GARBAGE_POLICY.memoryShare * availableBytes);
}

/**
 * Milliseconds until a collection of `pendingBytes` of shared garbage is due (0: now; Infinity: below the minimum),
 * `sinceLastMs` after the last forced collection ended, which took `lastMs` (0 when none ran yet).
 */
export function sharedCollectionDueIn(pendingBytes: number, availableBytes: number, sinceLastMs: number, lastMs: number): number {
  if (pendingBytes < SHARED_GARBAGE_MIN_BYTES) return Number.POSITIVE_INFINITY;
  if (pendingBytes >= sharedGarbageLimit(availableBytes)) return 0;
  return Math.max(0, lastMs / SHARED_GARBAGE_POLICY.maxTimeShare - sinceLastMs);
}

/** What this thread's collector of shared garbage has done (the readiness detail and the benches read it). */
export interface SharedGarbageStats {
  /** Shared bytes dropped and not collected yet. */
  pendingBytes: number;
  /** Forced collections so far, the shared bytes they were started for, and the last one's duration. */
  collections: number;
  collectedBytes: number;
  lastMs: number;
  /** False when the collector could not be obtained (the garbage then waits for the heap's own collections). */
  available: boolean;
}

const garbage: SharedGarbageStats = { pendingBytes: 0, collections: 0, collectedBytes: 0, lastMs: 0, available: true };
let collectOnDrop = true;
let available: () => number = () => availableMemory();
let scheduled = false;
/** When the last forced collection ended (performance.now()). */
let lastEnd = 0;
let gcFn: (() => void) | null | undefined;

/**
 * V8's full collection, exposed at run time (`--expose-gc` set in this process, then read from a new context): what
 * {@link dropShared} starts, and what the benches force; null when that fails.
 */
export function fullCollector(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return (gcFn = own);
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    gcFn = typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

function collectNow(): void {
  scheduled = false;
  const gc = fullCollector();
  garbage.available = gc !== null;
  if (!gc) return;
  const bytes = garbage.pendingBytes;
  const t0 = performance.now();
  gc();
  lastEnd = performance.now();
  garbage.lastMs = lastEnd - t0;
  garbage.pendingBytes = 0;
  garbage.collections++;
  garbage.collectedBytes += bytes;
  log.info('shared garbage collected', { mb: Math.round(bytes / 2 ** 20), ms: Math.round(garbage.lastMs) });
}

/**
 * Says that a version holding `before` was replaced by one holding `after`: the shared buffers under `before` that
 * `after` does not hold are garbage of this thread once it lets go of them. Node 20's V8 does not start a collection
 * for shared garbage (see {@link typedArray}), so a full collection is started when {@link SHARED_GARBAGE_POLICY}
 * makes one due: in a task of its own, after the current one has dropped its references, or on a timer when it is due
 * later. A buffer other threads still hold is freed when the last of them collects. Returns the bytes dropped.
 */
export function dropShared(before: Iterable<ArrayBufferView>, after: Iterable<ArrayBufferView>): number {
  const kept = new Set<ArrayBufferLike>();
  for (const a of after) kept.add(a.buffer);
  const seen = new Set<ArrayBufferLike>();
  let bytes = 0;
  for (const a of before) {
    if (!isShared(a) || kept.has(a.buffer) || seen.has(a.buffer)) continue;
    seen.add(a.buffer);
    bytes += a.buffer.byteLength;
  }
  if (bytes === 0) return 0;
  garbage.pendingBytes += bytes;
  if (!collectOnDrop || scheduled) return bytes;
  const dueIn = sharedCollectionDueIn(garbage.pendingBytes, available(), performance.now() - lastEnd, garbage.collections > 0 ? garbage.lastMs : 0);
  if (dueIn === Number.POSITIVE_INFINITY) return bytes;
  scheduled = true;
  if (dueIn === 0) setImmediate(collectNow);
  else setTimeout(collectNow, dueIn).unref();
  return bytes;
}

/** This thread's collector of shared garbage: what is pending and what it collected. */
export function sharedGarbage(): SharedGarbageStats {
  return { ...garbage };
}

/**
 * Turns the collection on drop off or on (benchmarks measure the process without it); `availableBytes` replaces the
 * measure of the available memory the limit is taken from (tests). Returns the previous setting.
 */
export function collectSharedGarbageOnDrop(on: boolean, availableBytes?: () => number): boolean {
  const was = collectOnDrop;
  collectOnDrop = on;
  if (availableBytes) available = availableBytes;
  return was;
}
