/**
 * @module compute/lightgcn/fold-in
 * Places a new user from the items it interacted with, without retraining. LightGCN's propagation for the user's row,
 * with the items' layer embeddings e_i^(k) taken from the trained graph (the new user's own effect on items ignored):
 *
 *   e_u^(k) = Σ_{i ∈ I_u} e_i^(k−1) / sqrt(|I_u| · deg(i)),   k = 1..L
 *   f_u     = (e_u^(0) + Σ_{k=1..L} e_u^(k)) / (L + 1),          e_u^(0) = 0 unless an ego vector is given
 *
 * For a user already in the graph, passing its ego vector reproduces its trained final embedding exactly.
 * Score items with f_u · f_i (the final item embeddings).
 */
import { AppError } from '../../core/errors.ts';

/** Item layers 0..L−1 ([L × nItems × d], layer-major) and item degrees in the training graph. */
export interface FoldInBasis {
  nItems: number;
  d: number;
  nLayers: number;
  itemLayers: Float32Array;
  itemDegrees: Float32Array;
}

export function foldInUser(basis: FoldInBasis, itemIndices: ArrayLike<number>, options: { ego?: Float32Array } = {}): Float32Array {
  const { nItems, d, nLayers, itemLayers, itemDegrees } = basis;
  if (itemLayers.length !== nLayers * nItems * d || itemDegrees.length !== nItems) {
    throw new AppError('BAD_REQUEST', 'compute/lightgcn/fold-in: basis arrays do not match nItems × d × nLayers');
  }
  if (options.ego && options.ego.length !== d) throw new AppError('BAD_REQUEST', `compute/lightgcn/fold-in: ego vector must have ${d} entries`);
  const unique = Array.from(new Set(Array.from(itemIndices)));
  for (const i of unique) {
    if (!Number.isInteger(i) || i < 0 || i >= nItems) throw new AppError('BAD_REQUEST', `compute/lightgcn/fold-in: item ${i} out of range`);
  }
  const out = new Float32Array(d);
  if (options.ego) out.set(options.ego);
  const deg = unique.length;
  if (deg === 0) return out;
  for (let k = 1; k <= nLayers; k++) {
    const base = (k - 1) * nItems * d;
    for (const i of unique) {
      const di = itemDegrees[i]!;
      const w = 1 / Math.sqrt(deg * Math.max(di, 1));
      const o = base + i * d;
      for (let c = 0; c < d; c++) out[c]! += w * itemLayers[o + c]!;
    }
  }
  for (let c = 0; c < d; c++) out[c]! /= nLayers + 1;
  return out;
}
