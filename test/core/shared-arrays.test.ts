/**
 * core/shared-arrays: arrays on shared buffers are shared, not copied, with a worker thread; `shared` copies an
 * ordinary array once and leaves a shared one as it is.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  collectSharedGarbageOnDrop,
  dropShared,
  isShared,
  shared,
  sharedArray,
  sharedBufferBytes,
  sharedGarbage,
  SHARED_GARBAGE_MIN_BYTES,
  sharedCollectionDueIn,
  sharedGarbageLimit,
  typedArray,
  typedArraysOf,
} from '../../src/core/shared-arrays.ts';

/** Lets the tasks queued so far run (the collection is started in one of its own). */
const nextTasks = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('core/shared-arrays', () => {
  it('sharedArray is zeroed and shared; shared copies an ordinary array once, with its values and type', () => {
    const a = sharedArray(Float64Array, 5);
    expect(a).toBeInstanceOf(Float64Array);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...a]).toEqual([0, 0, 0, 0, 0]);
    expect(shared(a)).toBe(a);
    expect(isShared(typedArray(Uint32Array, 3, true))).toBe(true);
    const ordinary = typedArray(Uint32Array, 3, false);
    expect(isShared(ordinary)).toBe(false);
    expect([...ordinary]).toEqual([0, 0, 0]);

    const plain = Uint16Array.of(3, 1, 65535);
    const copy = shared(plain);
    expect(copy).not.toBe(plain);
    expect(copy).toBeInstanceOf(Uint16Array);
    expect(isShared(copy)).toBe(true);
    expect(isShared(plain)).toBe(false);
    expect([...copy]).toEqual([3, 1, 65535]);
    // A view into part of an ordinary buffer copies only its own elements.
    const view = new Uint32Array(Uint32Array.of(9, 8, 7, 6).buffer, 4, 2);
    expect([...shared(view)]).toEqual([8, 7]);
  });

  it('counts each shared buffer once and ignores ordinary ones', () => {
    const a = sharedArray(Uint32Array, 10);
    const b = new Uint8Array(a.buffer, 8, 4);
    const c = sharedArray(Float32Array, 3);
    expect(sharedBufferBytes([a, b, c, Float64Array.of(1, 2)])).toBe(40 + 12);
  });

  it('a worker thread reads and writes the same bytes, where an ordinary array reaches it as a copy', async () => {
    const sharedOne = sharedArray(Int32Array, 2);
    const plain = new Int32Array(2);
    const worker = new Worker('const { parentPort, workerData } = require("node:worker_threads"); workerData.s[0] = 41; workerData.p[0] = 41; parentPort.postMessage("done");', {
      eval: true,
      workerData: { s: sharedOne, p: plain },
    });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(sharedOne[0]).toBe(41);
    expect(plain[0]).toBe(0);
  });

  it('typedArraysOf lists the typed arrays its holders hold directly, each once', () => {
    const kinds = new Uint8Array(2);
    const a = { kinds, w: new Float64Array(2), n: 2, ids: ['x'] };
    const b = { kinds, v: new DataView(new ArrayBuffer(4)) };
    expect(typedArraysOf([a, undefined, b])).toEqual([kinds, a.w]);
  });

  it('dropShared counts the shared buffers a version let go of, once each, and not the ones the next version holds', () => {
    const was = collectSharedGarbageOnDrop(false);
    try {
      const kept = sharedArray(Float64Array, 4);
      const gone = sharedArray(Float64Array, 8);
      const sameBuffer = new Uint8Array(gone.buffer, 0, 16);
      const ordinary = new Float64Array(100);
      const before = sharedGarbage().pendingBytes;
      expect(dropShared([kept, gone, sameBuffer, ordinary], [kept, new Float64Array(3)])).toBe(64);
      expect(sharedGarbage().pendingBytes - before).toBe(64);
      expect(dropShared([kept], [kept])).toBe(0);
    } finally {
      collectSharedGarbageOnDrop(was);
    }
  });

  it('a collection is due once forced ones would take at most 5 % of the time, or at once past a quarter of the available memory', () => {
    const GB = 2 ** 30;
    expect(sharedGarbageLimit(0)).toBe(SHARED_GARBAGE_MIN_BYTES);
    expect(sharedGarbageLimit(8 * GB)).toBe(2 * GB);
    // Below the minimum: never.
    expect(sharedCollectionDueIn(SHARED_GARBAGE_MIN_BYTES - 1, 0, 1e9, 0)).toBe(Number.POSITIVE_INFINITY);
    // The first one: at once.
    expect(sharedCollectionDueIn(GB, 20 * GB, 0, 0)).toBe(0);
    // The last took 100 ms and ended 500 ms ago: due 2 s after it ended.
    expect(sharedCollectionDueIn(GB, 20 * GB, 500, 100)).toBe(1500);
    expect(sharedCollectionDueIn(GB, 20 * GB, 2500, 100)).toBe(0);
    // A quarter of the available memory: at once, whatever the time.
    expect(sharedCollectionDueIn(GB, 4 * GB, 0, 100)).toBe(0);
  });

  it('collects dropped shared garbage in a task of its own once enough is pending, and not while it is off', async () => {
    const make = () => {
      const big = sharedArray(Uint8Array, SHARED_GARBAGE_MIN_BYTES + 1024);
      return { big, weak: new WeakRef(big.buffer) };
    };
    // Off: the garbage stays pending and nothing is collected.
    collectSharedGarbageOnDrop(false);
    const off = sharedGarbage();
    dropShared([make().big], []);
    await nextTasks();
    expect(sharedGarbage().collections).toBe(off.collections);
    expect(sharedGarbage().pendingBytes).toBeGreaterThanOrEqual(off.pendingBytes + SHARED_GARBAGE_MIN_BYTES);
    // On: the next drop starts a collection after the task that dropped it, which frees the buffer.
    collectSharedGarbageOnDrop(true);
    // Made and dropped in a function of its own: this test holds the buffer only through the weak reference.
    const weak = (() => {
      const made = make();
      dropShared([made.big], []);
      return made.weak;
    })();
    expect(sharedGarbage().collections).toBe(off.collections); // not in the dropping task
    await nextTasks();
    const after = sharedGarbage();
    expect(after.available).toBe(true);
    expect(after.collections).toBe(off.collections + 1);
    expect(after.pendingBytes).toBe(0);
    expect(after.collectedBytes - off.collectedBytes).toBeGreaterThanOrEqual(2 * SHARED_GARBAGE_MIN_BYTES);
    expect(weak.deref()).toBeUndefined();
  });
});
