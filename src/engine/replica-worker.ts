/**
 * @module engine/replica-worker
 * The body of one replica thread of engine/replicas: an engine built from the serving state it was given (its typed
 * arrays, the transition, the knowledge lists and the evidence tables shared with the serving engine; the rest copied
 * into this thread), which answers rankings (`recommend`, with each item's evidence when asked), applies the same
 * live updates as the serving engine, in the same order (through engine/live: coalesced, in slices, rankings
 * answered between them), and takes the vectors the serving engine swaps in. Every message of the protocol is
 * typed in engine/replicas.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../core/errors.ts';
import type { Config } from '../core/config.ts';
import { embeddingIndexOf, engineFrom } from './boot.ts';
import type { Engine } from './engine.ts';
import { LiveUpdates } from './live.ts';
import { rankOn, type ReplicaInput, type ReplicaReply, type ReplicaRequest } from './replicas.ts';

const port = parentPort!;
const post = (reply: ReplicaReply) => port.postMessage(reply);
const data = workerData as { input?: ReplicaInput };

/**
 * The input's settings and this copy's engine. The input itself is let go: `workerData` would otherwise hold the
 * first version's arrays for the thread's life, after a live write has replaced them (core/shared-arrays collects
 * them once no thread holds them).
 */
function build(): { engine: Engine; cfg: Config; sliceMs: number; generation: number } {
  const input = data.input!;
  delete data.input;
  const engine = engineFrom(input.state, input.cfg, input.embeddings, { llm: false, ...(input.prebuilt ? { prebuilt: input.prebuilt } : {}) });
  return { engine, cfg: input.cfg, sliceMs: input.sliceMs, generation: input.generation };
}

try {
  const t0 = performance.now();
  const built = build();
  const { engine, cfg, sliceMs } = built;
  engine.warm();
  let generation = built.generation;
  // The updates go through engine/live as they do on the serving thread: coalesced while one is applied (a copy that
  // falls behind merges what queued up into one application), each application in slices, bounded to
  // `maxApplyShare` of this thread's time. `added` is the last update received, `taken` the last in the application
  // that runs; its end reports `taken` applied.
  let added = 0;
  let taken = 0;
  const live = new LiveUpdates({
    coalesceMs: cfg.interactions.coalesceMs,
    maxApplyShare: cfg.interactions.maxApplyShare,
    sliceMs,
    onApplied: (error) => post(error === undefined ? { type: 'applied', seq: taken } : { type: 'apply failed', seq: taken, message: (error as Error).message }),
  });
  live.attach(engine, () => (taken = added));
  port.on('message', (message: ReplicaRequest) => {
    switch (message.type) {
      case 'recommend':
        try {
          const { result, evidence } = rankOn(engine, message.request, message.evidenceFor);
          post({ type: 'answer', id: message.id, generation, ok: true, result, ...(evidence ? { evidence } : {}) });
        } catch (error) {
          const e = error instanceof AppError ? error : new AppError('INTERNAL', (error as Error).message);
          post({ type: 'answer', id: message.id, generation, ok: false, error: { code: e.code, message: e.message, details: e.details } });
        }
        break;
      case 'apply':
        added = message.seq;
        live.add(message.update);
        break;
      case 'embeddings':
        engine.setEmbeddings(embeddingIndexOf(message.embeddings));
        generation = message.generation;
        post({ type: 'embeddings set', generation });
        break;
    }
  });
  post({ type: 'ready', generation, ms: performance.now() - t0 });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
