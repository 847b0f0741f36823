/**
 * @module project/csr-top-k
 * Top-k collection over node scores of a {@link Csr}: the highest-scoring nodes that pass a filter, mapped back to ids.
 */
import { AppError } from '../core/errors.ts';
import type { NodeKind } from '../core/model.ts';
import { TopKHeap } from '../core/top-k.ts';
import { KIND_CODES, kindName, type Csr } from './csr.ts';

/** Scores on a subset of nodes: `values[j]` belongs to node `nodes[j]`. */
export interface SparseScores {
  nodes: Uint32Array;
  values: Float64Array;
}

export interface TopKFilter {
  /** Keep only these node kinds. */
  kinds?: readonly NodeKind[];
  /** Node indices to leave out (seeds, already-seen items). */
  exclude?: ReadonlySet<number>;
  /** Any further test. */
  keep?: (index: number) => boolean;
}

export interface ScoredNode {
  index: number;
  id: string;
  kind: NodeKind;
  score: number;
}

/**
 * The `k` highest-scoring nodes that pass `filter`, best first (ties: lower index first), mapped back to ids. Nodes
 * with score 0 are never returned. `scores` is dense (one entry per node) or sparse. O(s log k) with the size-k heap of `core/top-k`.
 */
export function collectTopK(csr: Csr, scores: Float64Array | Float32Array | SparseScores, k: number, filter: TopKFilter | ((index: number) => boolean) = {}): ScoredNode[] {
  if (!Number.isInteger(k) || k < 0) throw new AppError('BAD_REQUEST', `project/csr: k must be an integer ≥ 0 (got ${k})`);
  const f: TopKFilter = typeof filter === 'function' ? { keep: filter } : filter;
  let kindMask = 0b111;
  if (f.kinds) {
    kindMask = 0;
    for (const kind of f.kinds) {
      const code = KIND_CODES[kind];
      if (code === undefined) throw new AppError('BAD_REQUEST', `project/csr: unknown node kind ${JSON.stringify(kind)}`);
      kindMask |= 1 << code;
    }
  }
  const sparse = !(scores instanceof Float64Array || scores instanceof Float32Array);
  const count = sparse ? scores.nodes.length : scores.length;
  if (!sparse && count !== csr.nodeCount) throw new AppError('BAD_REQUEST', `project/csr: ${count} scores for ${csr.nodeCount} nodes`);
  if (sparse && scores.values.length !== count) throw new AppError('BAD_REQUEST', 'project/csr: sparse nodes/values differ in length');
  if (k === 0) return [];

  // The one top-k heap of the code base (core/top-k): ties to the lower index, best first when drained.
  const heap = new TopKHeap(k);
  for (let j = 0; j < count; j++) {
    const node = sparse ? scores.nodes[j]! : j;
    const value = sparse ? scores.values[j]! : scores[j]!;
    if (!(value > 0)) continue;
    if (node >= csr.nodeCount) throw new AppError('BAD_REQUEST', `project/csr: score for node ${node} outside the graph`);
    if (heap.length === k && value < heap.floor) continue;
    if (!((kindMask >> csr.kinds[node]!) & 1)) continue;
    if (f.exclude?.has(node)) continue;
    if (f.keep && !f.keep(node)) continue;
    heap.push(node, value);
  }
  const { ids, scores: kept } = heap.drain();
  return Array.from(ids, (index, j) => ({ index, id: csr.ids.at(index)!, kind: kindName(csr.kinds[index]!), score: kept[j]! }));
}
