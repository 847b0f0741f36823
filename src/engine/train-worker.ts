/**
 * @module engine/train-worker
 * The body of the training worker thread of engine/embeddings `fitInteractionsInWorker`: fits LightGCN on the
 * interactions it was given and posts the result back, or the error's
 * message (structured clone copies them; the wasm memory behind a model may be shared, so nothing is transferred).
 * Started only by that function, through a bootstrap that registers tsx in the worker first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Interactions, LightGcnOptions } from '../compute/lightgcn/index.ts';
import { fitInteractions } from './embeddings.ts';

const { data, options } = workerData as { data: Interactions; options: Partial<LightGcnOptions> };
try {
  const out = await fitInteractions(data, options);
  parentPort!.postMessage({ ok: true, out });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: (error as Error).message });
}
