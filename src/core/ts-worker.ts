/**
 * @module core/ts-worker
 * Runs one job of this project's TypeScript in a worker thread and waits for its answer: the long CPU jobs a serving
 * process must not run on its event loop (LightGCN training, engine/train-worker; the IVF build, retrieve/ivf-worker).
 * The worker loads the sources through tsx, as the process itself does; its input and answer are copied between the
 * threads (structured clone). A worker module answers once, through {@link answerParent}; a long-lived one
 * ({@link startTsThread}, engine/replicas) talks with its parent through messages until it is terminated.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { AppError } from './errors.ts';

type Answer<T> = { ok: true; out: T } | { ok: false; message: string };

/** File URL of tsx's ESM register API (its package exports' `import` entry; `require.resolve` would give the CJS one). */
function tsxEsmApi(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
}

const BOOTSTRAP = `const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((m) => { m.register(); return import(workerData.entry); });`;

export interface TsWorkerOptions {
  /** Names the job in errors: `<what> cancelled`, `<what> in the worker failed: …`. */
  what: string;
  /** Stops the worker where it is (nothing of it is kept); the promise rejects `UNAVAILABLE`. */
  signal?: AbortSignal;
  /** The worker does not keep the process alive (a background job a shutdown may drop). */
  unref?: boolean;
}

/** A worker thread running `entry` (a module URL) of this project's TypeScript, `input` as its `workerData.input`. */
export function startTsThread(entry: URL, input: unknown): Worker {
  return new Worker(BOOTSTRAP, { eval: true, workerData: { tsx: tsxEsmApi(), entry: entry.href, input } });
}

/** Starts `entry` (a module URL) in a worker thread with `input` as its `workerData.input`; resolves with its answer. */
export function runTsWorker<T>(entry: URL, input: unknown, options: TsWorkerOptions): Promise<T> {
  const { what, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AppError('UNAVAILABLE', `${what} cancelled`));
    const worker = startTsThread(entry, input);
    if (options.unref) worker.unref();
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () =>
      settle(() => {
        void worker.terminate();
        reject(new AppError('UNAVAILABLE', `${what} cancelled`));
      });
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: Answer<T>) =>
      settle(() => {
        if (m.ok) resolve(m.out);
        else reject(new AppError('INTERNAL', `${what} in the worker failed: ${m.message}`));
        void worker.terminate();
      }),
    );
    worker.once('error', (error) => settle(() => reject(error)));
    worker.once('exit', (code) => settle(() => reject(new AppError('INTERNAL', `${what}: the worker exited with code ${code} before answering`))));
  });
}

/** The body of a worker module: runs `job` on the input {@link runTsWorker} gave and posts the answer (or the error's message). */
export async function answerParent<I, T>(job: (input: I) => T | Promise<T>): Promise<void> {
  let answer: Answer<T>;
  try {
    answer = { ok: true, out: await job((workerData as { input: I }).input) };
  } catch (error) {
    answer = { ok: false, message: (error as Error).message };
  }
  parentPort!.postMessage(answer);
}
