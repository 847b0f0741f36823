/**
 * @module engine/train-worker
 * The body of the training worker thread of engine/embeddings `fitInteractionsInWorker` (started through
 * core/ts-worker): fits LightGCN on the interactions it was given and answers with the result (copied: the wasm
 * memory behind a model may be shared, so nothing is transferred).
 */
import type { Interactions, LightGcnOptions } from '../compute/lightgcn/index.ts';
import { answerParent } from '../core/ts-worker.ts';
import { fitInteractions } from './embeddings.ts';

await answerParent(({ data, options }: { data: Interactions; options: Partial<LightGcnOptions> }) => fitInteractions(data, options));
