/**
 * @module retrieve/ivf-worker
 * The body of the worker thread retrieve/ann starts (through core/ts-worker): builds the IVF index of the item
 * vectors it was given and answers with it (plain typed arrays, copied back).
 */
import { answerParent } from '../core/ts-worker.ts';
import type { EmbeddingMetric } from './embedding-index.ts';
import { buildIvf } from './ivf.ts';

await answerParent(({ vectors, dim, metric }: { vectors: Float32Array; dim: number; metric: EmbeddingMetric }) => buildIvf(vectors, dim, metric));
