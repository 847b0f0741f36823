/**
 * core/shared-arrays: arrays on shared buffers are shared, not copied, with a worker thread; `shared` copies an
 * ordinary array once and leaves a shared one as it is.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { isShared, shared, sharedArray, sharedBufferBytes, typedArray } from '../../src/core/shared-arrays.ts';

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
});
