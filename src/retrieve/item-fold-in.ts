/**
 * @module retrieve/item-fold-in
 * Vectors for items the embedding model could not learn: items missing from the trained artifact (added after
 * training) and items without a single interaction in the projection (a model trained on interactions leaves their
 * vectors at their random start). Such an item gets the weighted mean of the vectors of its knowledge neighbours:
 * items linked to it directly by a knowledge edge (weight 1) and items sharing an entity with it (weight 1/deg(entity),
 * so a genre shared with hundreds of films counts less than a director shared with five). Only neighbours with a
 * learned vector (in the artifact, with interactions) contribute. An item with no such neighbour gets no vector (or a
 * zero one in place of its untrained row), so the embedding part leaves it to PPR and the knowledge walk: an untrained
 * vector is never served.
 *
 * @example
 * const index = foldInItems(embeddings, csr, popularity); // same users; items without a learned vector filled in
 * foldInItems(index, csr, popularity) === index;          // nothing to add: the input comes back unchanged
 */
import { INTERACTION_RELATION_ID, KIND_CODES, type Csr } from '../project/csr.ts';
import { itemRowsOf, type EmbeddingIndex } from './embedding-index.ts';

const REL_INTERACTION = INTERACTION_RELATION_ID;
const KIND_ITEM: number = KIND_CODES.Item;
const KIND_ENTITY: number = KIND_CODES.Entity;

/** Calls `f(w)` for each knowledge neighbour of `v` (both directions). */
function forEachKnowledge(csr: Csr, v: number, f: (w: number) => void): void {
  for (let e = csr.outStarts[v]!; e < csr.outStarts[v + 1]!; e++) if (csr.outRelations[e] !== REL_INTERACTION) f(csr.outTargets[e]!);
  for (let e = csr.inStarts[v]!; e < csr.inStarts[v + 1]!; e++) if (csr.inRelations[e] !== REL_INTERACTION) f(csr.inSources[e]!);
}

/**
 * The index with knowledge-neighbour vectors for the items of `csr` that have no learned vector (see the module
 * doc); `interactions[v]` = users who interacted with item `v` (the context's `popularity`). Returns `index` itself
 * when no item needs one. Cost: O(n) plus, per such item, its two-hop knowledge neighbourhood × dim.
 */
export function foldInItems(index: EmbeddingIndex, csr: Csr, interactions: ArrayLike<number>): EmbeddingIndex {
  const rows = itemRowsOf(index, csr);
  const learned = (v: number): boolean => rows[v]! >= 0 && interactions[v]! > 0;
  const targets: number[] = [];
  for (let v = 0; v < csr.nodeCount; v++) if (csr.kinds[v] === KIND_ITEM && !learned(v)) targets.push(v);
  if (targets.length === 0) return index;

  const { dim, itemVectors } = index;
  const added: Array<{ node: number; vector: Float32Array }> = [];
  const replaced = new Map<number, Float32Array>();
  const sum = new Float64Array(dim);
  for (const v of targets) {
    sum.fill(0);
    let total = 0;
    const add = (w: number, weight: number): void => {
      if (w === v || !learned(w)) return;
      const off = rows[w]! * dim;
      for (let c = 0; c < dim; c++) sum[c]! += weight * itemVectors[off + c]!;
      total += weight;
    };
    forEachKnowledge(csr, v, (x) => {
      if (csr.kinds[x] === KIND_ITEM) add(x, 1);
      else if (csr.kinds[x] === KIND_ENTITY) {
        let degree = 0;
        forEachKnowledge(csr, x, () => degree++);
        forEachKnowledge(csr, x, (w) => {
          if (csr.kinds[w] === KIND_ITEM) add(w, 1 / degree);
        });
      }
    });
    if (total === 0) continue;
    const vector = Float32Array.from(sum, (s) => s / total);
    if (rows[v]! >= 0) replaced.set(rows[v]!, vector);
    else added.push({ node: v, vector });
  }

  const rowCount = index.itemKeys.length;
  const vectors = new Float32Array((rowCount + added.length) * dim);
  vectors.set(itemVectors);
  // An item without interactions whose trained vector is only noise: filled in, or zeroed when it has no neighbours.
  for (const v of targets) if (rows[v]! >= 0 && !replaced.has(rows[v]!)) vectors.fill(0, rows[v]! * dim, (rows[v]! + 1) * dim);
  for (const [row, vector] of replaced) vectors.set(vector, row * dim);
  added.forEach(({ vector }, j) => vectors.set(vector, (rowCount + j) * dim));
  return {
    dim,
    itemKeys: [...index.itemKeys, ...added.map(({ node }) => csr.ids.at(node)!)],
    itemVectors: vectors,
    userVector: (key) => index.userVector(key),
  };
}
