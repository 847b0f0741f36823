/**
 * @module engine/replica-worker
 * The body of one replica thread of engine/replicas: an engine built from the serving state it was given (its typed
 * arrays, the transition, the knowledge lists and the evidence tables shared with the serving engine; the rest copied
 * into this thread), which answers rankings (`recommend`, with each item's evidence when asked), adopts each version
 * the serving engine's live writes build (on shared buffers; `Engine.adopt`), in order, and takes the vectors the
 * serving engine swaps in. Every message of the protocol is typed in engine/replicas.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../core/errors.ts';
import { csrFromParts } from '../project/node-ids.ts';
import { embeddingIndexOf, engineFrom } from './boot.ts';
import type { Engine } from './engine.ts';
import { rankOn, type ReplicaInput, type ReplicaReply, type ReplicaRequest } from './replicas.ts';

const port = parentPort!;
const post = (reply: ReplicaReply) => port.postMessage(reply);
const data = workerData as { input?: ReplicaInput };

/**
 * This copy's engine and the vectors' generation it starts with. The input itself is let go: `workerData` would
 * otherwise hold the first version's arrays for the thread's life, after a live write has replaced them
 * (core/shared-arrays collects them once no thread holds them).
 */
function build(): { engine: Engine; generation: number } {
  const input = data.input!;
  delete data.input;
  const engine = engineFrom({ ...input.state, csr: csrFromParts(input.state.csr) }, input.cfg, input.embeddings, { llm: false, ...(input.prebuilt ? { prebuilt: input.prebuilt } : {}) });
  return { engine, generation: input.generation };
}

try {
  const t0 = performance.now();
  const built = build();
  const engine = built.engine;
  engine.warm();
  let generation = built.generation;
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
      case 'adopt':
        try {
          const t = performance.now();
          engine.adopt(message.version);
          post({ type: 'adopted', seq: message.seq, ms: performance.now() - t });
        } catch (error) {
          post({ type: 'adopt failed', seq: message.seq, message: (error as Error).message });
        }
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
