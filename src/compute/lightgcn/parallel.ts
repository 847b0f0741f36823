/**
 * @module compute/lightgcn/parallel
 * A second thread for the WebAssembly kernels: one worker shares the arena memory; a call splits
 * its range in two, posts the second half through a shared control block (Atomics), runs the first half on the calling
 * thread and waits for the worker — synchronous, so the training loop stays unchanged. Only ops whose halves write
 * disjoint memory are split (SpMM rows, score blocks, elementwise Adam/axpy, row dot products).
 * The worker is a few lines of plain JavaScript (`eval: true`) that receives the compiled kernel module, so it needs no
 * TypeScript loader. Single-threaded use needs none of this; tests use the single-thread path.
 */
import { Worker } from 'node:worker_threads';
import { kernelModule, type WasmMemory } from './wasm-kernels.ts';

/** Layout of the Int32 control block (floats share the same slots through a Float32 view). */
export const CONTROL = { state: 0, op: 1, args: 2, size: 16 } as const;
export const OP = { exit: 0, spmm: 1, scores: 2, adam: 3, axpy: 4, rowDots: 5 } as const;

/** The worker: instantiate the kernels over the shared memory, then serve ops posted in the control block. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(control);
const fl = new Float32Array(control);
const S = ${CONTROL.state}, O = ${CONTROL.op}, A = ${CONTROL.args};
parentPort.postMessage('ready');
for (;;) {
  const state = Atomics.load(ctl, S);
  if (state !== 1) { Atomics.wait(ctl, S, state); continue; }
  const op = ctl[O];
  const a = (i) => ctl[A + i];
  if (op === ${OP.exit}) break;
  if (op === ${OP.spmm}) k.spmm(a(0), a(1), a(2), a(3), a(4), a(5), a(6));
  else if (op === ${OP.scores}) k.scores(a(0), a(1), a(2), a(3), a(4), a(5));
  else if (op === ${OP.adam}) k.adam(a(0), a(1), a(2), a(3), a(4), fl[A + 5], fl[A + 6], fl[A + 7], fl[A + 8]);
  else if (op === ${OP.axpy}) k.axpy(a(0), a(1), fl[A + 2], a(3));
  else if (op === ${OP.rowDots}) k.rowDots(a(0), a(1), a(2), a(3), a(4));
  Atomics.store(ctl, S, 2);
  Atomics.notify(ctl, S);
}
`;

export class KernelThread {
  private readonly worker: Worker;
  private readonly ctl: Int32Array;
  private readonly fl: Float32Array;
  private busy = false;
  private closed = false;

  private constructor(worker: Worker, control: SharedArrayBuffer) {
    this.worker = worker;
    this.ctl = new Int32Array(control);
    this.fl = new Float32Array(control);
  }

  /** Starts the worker and resolves once it has instantiated the kernels. */
  static async start(memory: WasmMemory, d: number): Promise<KernelThread> {
    const control = new SharedArrayBuffer(CONTROL.size * 4);
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: kernelModule(d), memory, control } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`compute/parallel: kernel worker exited with code ${code}`)));
    });
    worker.unref();
    return new KernelThread(worker, control);
  }

  /** Posts an op (integer args, and float args at given slots) to the worker. */
  post(op: number, ints: number[], floats: Record<number, number> = {}): void {
    if (this.closed) throw new Error('compute/parallel: thread closed');
    if (this.busy) throw new Error('compute/parallel: worker already busy');
    this.ctl[CONTROL.op] = op;
    ints.forEach((v, i) => (this.ctl[CONTROL.args + i] = v));
    for (const [slot, v] of Object.entries(floats)) this.fl[CONTROL.args + Number(slot)] = v;
    this.busy = true;
    Atomics.store(this.ctl, CONTROL.state, 1);
    Atomics.notify(this.ctl, CONTROL.state);
  }

  /** Blocks until the posted op is done. */
  join(): void {
    if (!this.busy) return;
    while (Atomics.load(this.ctl, CONTROL.state) !== 2) Atomics.wait(this.ctl, CONTROL.state, 1, 1000);
    Atomics.store(this.ctl, CONTROL.state, 0);
    this.busy = false;
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.join();
    this.post(OP.exit, []);
    this.closed = true;
    await this.worker.terminate();
  }
}
