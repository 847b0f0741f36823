/**
 * @module engine/replica-worker
 * The body of one replica thread of engine/replicas: an engine built from the serving state it was given (copied
 * into this thread), which answers rankings (`recommend`, with each item's evidence when asked), applies the same live updates as the serving engine, in
 * the same order (in slices: rankings are answered between them with the version before), and takes the vectors
 * the serving engine swaps in. Every message of the protocol is typed in engine/replicas.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../core/errors.ts';
import { createEmbeddingIndex } from '../retrieve/embedding-index.ts';
import { engineFrom } from './boot.ts';
import { rankOn, type ReplicaInput, type ReplicaReply, type ReplicaRequest } from './replicas.ts';

const port = parentPort!;
const post = (reply: ReplicaReply) => port.postMessage(reply);
const input = (workerData as { input: ReplicaInput }).input;

try {
  const t0 = performance.now();
  const engine = engineFrom(input.state, input.cfg, input.embeddings, { llm: false });
  engine.warm();
  let generation = input.generation;
  // Applications run one at a time, in the order they arrive (the serving engine's order).
  let applying: Promise<void> = Promise.resolve();
  port.on('message', (message: ReplicaRequest) => {
    switch (message.type) {
      case 'recommend':
        try {
          post({ type: 'answer', id: message.id, generation, ok: true, ...rankOn(engine, message.request, message.evidenceFor) });
        } catch (error) {
          const e = error instanceof AppError ? error : new AppError('INTERNAL', (error as Error).message);
          post({ type: 'answer', id: message.id, version: engine.version, generation, ok: false, error: { code: e.code, message: e.message, details: e.details } });
        }
        break;
      case 'apply':
        applying = applying.then(async () => {
          try {
            await engine.applyUpdatesInSlices(message.update, input.sliceMs);
            post({ type: 'applied', version: engine.version });
          } catch (error) {
            post({ type: 'apply failed', version: engine.version, message: (error as Error).message });
          }
        });
        break;
      case 'embeddings': {
        const e = message.embeddings;
        engine.setEmbeddings(createEmbeddingIndex({ dim: e.dim, itemKeys: e.itemKeys, itemVectors: e.items, userKeys: e.userKeys, userVectors: e.users }));
        generation = message.generation;
        post({ type: 'embeddings set', generation });
        break;
      }
    }
  });
  post({ type: 'ready', version: engine.version, generation, ms: performance.now() - t0 });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
