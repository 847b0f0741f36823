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
 * What a live write builds is not shared ({@link typedArray}): shared garbage does not prompt a collection.
 *
 * @example
 * const weights = sharedArray(Float64Array, n); // zeroed, shared with any thread it is posted to
 * const scores = typedArray(Float64Array, n, false); // an ordinary one
 * const same = shared(weights); // already shared: the same array
 */

export type NumericArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

interface NumericArrayConstructor<T extends NumericArray> {
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
 * up to 11 GB, ordinary ones 0.4 GB: `npm run bench -- shared-gc`). The first version an engine builds is shared, a
 * live write's are not.
 */
export function typedArray<T extends NumericArray>(type: NumericArrayConstructor<T> & (new (length: number) => T), length: number, shared: boolean): T {
  return shared ? sharedArray(type, length) : new type(length);
}

/** `array` itself when it is already shared; else a copy of it on a new `SharedArrayBuffer`. */
export function shared<T extends NumericArray>(array: T): T {
  if (isShared(array)) return array;
  const copy = sharedArray(array.constructor as unknown as NumericArrayConstructor<T>, array.length);
  copy.set(array as never);
  return copy;
}

/**
 * `o` with each typed-array field on a shared buffer ({@link shared}), the other fields as they are. `memo` maps each
 * array to its shared one, so an array that several objects hold (the CSR's node kinds and the transition's) stays one.
 */
export function withSharedArrays<T extends object>(o: T, memo = new Map<ArrayBufferView, ArrayBufferView>()): T {
  const out = { ...o } as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    if (!ArrayBuffer.isView(value) || value instanceof DataView) continue;
    let copy = memo.get(value);
    if (!copy) memo.set(value, (copy = shared(value as NumericArray)));
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
