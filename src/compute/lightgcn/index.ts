/**
 * @module compute/lightgcn
 * LightGCN embeddings: CPU training on hand-written sparse kernels (WebAssembly SIMD, JS reference), a tfjs path used
 * when tfjs-node-gpu is active, versioned artifacts and fold-in of new users. See each module for details.
 */
export { buildNormalizedAdjacency, fingerprintInteractions, userItemCsr, type Adjacency, type Interactions, type KnowledgeEdges } from './graph.ts';
export { LightGcnModel } from './model.ts';
export { createLightGcn, LIGHTGCN_DEFAULTS, trainLightGcn, type EpochLog, type LightGcnOptions, type TrainHooks, type TrainResult } from './train.ts';
export { fitLightGcn, type FitOptions } from './fit.ts';
export { TfLightGcn } from './tf-lightgcn.ts';
export { foldInUser, type FoldInBasis } from './fold-in.ts';
export { planCheckpoint, readCheckpoint, removeCheckpoint, writeCheckpoint, type CheckpointHook, type CheckpointState } from './checkpoint.ts';
export { EmbeddingScorer, loadEmbeddings, saveEmbeddings, type EmbeddingArtifact, type EmbeddingManifest } from './artifact.ts';
export type { Recommender } from './types.ts';
