/**
 * @module retrieve/top-k
 * The one top-k selection lives in `core/top-k` (used by retrieval, explanations, the evaluator's full ranking and
 * the projection's `collectTopK`); this module re-exports it for the retrieval code.
 */
export * from '../core/top-k.ts';
