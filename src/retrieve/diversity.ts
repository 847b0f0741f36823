/**
 * @module retrieve/diversity
 * Maximal marginal relevance (Carbonell & Goldstein 1998) over a ranked candidate list:
 *
 *     pick argmax_j  (1 − λ) · rel(j) − λ · max_{s ∈ picked} sim(j, s)
 *
 * with rel(j) = 1 − position / length (scale-free, so candidates that came from different fallback strategies
 * compare), λ = the request's `diversity` (0 = the input order). Item similarity: cosine of the embedding vectors
 * when both items have one, else the cosine of their neighbour sets in the graph (raters and knowledge entities,
 * |N(a) ∩ N(b)| / √(|N(a)|·|N(b)|), merged from the sorted CSR segments). Cost O(want · length) similarity
 * evaluations; each neighbour-set cosine is a linear merge.
 */
import { AppError } from '../core/errors.ts';
import type { Csr } from '../project/csr.ts';
import { rowCosine } from './embedding-index.ts';
import type { RecommendContext } from './context.ts';

/** Sorted, de-duplicated neighbours of node `v` (both directions). */
export function neighbourSet(csr: Csr, v: number): Uint32Array {
  const a0 = csr.outStarts[v]!;
  const a1 = csr.outStarts[v + 1]!;
  const b0 = csr.inStarts[v]!;
  const b1 = csr.inStarts[v + 1]!;
  const out = new Uint32Array(a1 - a0 + b1 - b0);
  let i = a0;
  let j = b0;
  let n = 0;
  while (i < a1 || j < b1) {
    const x = i < a1 ? csr.outTargets[i]! : 0xffff_ffff;
    const y = j < b1 ? csr.inSources[j]! : 0xffff_ffff;
    const next = x <= y ? x : y;
    if (x === next) i++;
    else j++;
    if (n === 0 || out[n - 1] !== next) out[n++] = next;
  }
  return out.subarray(0, n);
}

/** Cosine of two sorted sets. */
export function setCosine(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      common++;
      i++;
      j++;
    }
  }
  return common / Math.sqrt(a.length * b.length);
}

/** A similarity function over item node indices for this context (embedding cosine, else neighbour-set cosine). */
export function itemSimilarity(ctx: RecommendContext): (a: number, b: number) => number {
  const sets = new Map<number, Uint32Array>();
  const setOf = (v: number): Uint32Array => {
    let s = sets.get(v);
    if (!s) sets.set(v, (s = neighbourSet(ctx.csr, v)));
    return s;
  };
  return (a, b) => {
    const ra = ctx.itemRows?.[a] ?? -1;
    const rb = ctx.itemRows?.[b] ?? -1;
    if (ctx.embeddings && ra >= 0 && rb >= 0) return rowCosine(ctx.embeddings, ra, rb);
    return setCosine(setOf(a), setOf(b));
  };
}

/** Re-ranks `candidates` (best first) by MMR and returns the first `want` of the new order (positions into `candidates`). */
export function mmr(candidates: ArrayLike<number>, want: number, lambda: number, similarity: (a: number, b: number) => number): number[] {
  if (!(lambda >= 0 && lambda <= 1)) throw new AppError('BAD_REQUEST', `retrieve: diversity must be in [0, 1] (got ${lambda})`);
  const n = candidates.length;
  const take = Math.min(want, n);
  if (lambda === 0) return Array.from({ length: take }, (_, j) => j);
  const maxSim = new Float64Array(n).fill(-Infinity);
  const picked = new Uint8Array(n);
  const order: number[] = [];
  for (let step = 0; step < take; step++) {
    let best = -1;
    let bestValue = -Infinity;
    for (let j = 0; j < n; j++) {
      if (picked[j]) continue;
      const rel = 1 - j / n;
      const value = (1 - lambda) * rel - lambda * (step === 0 ? 0 : maxSim[j]!);
      if (value > bestValue) {
        bestValue = value;
        best = j;
      }
    }
    picked[best] = 1;
    order.push(best);
    const chosen = candidates[best]!;
    for (let j = 0; j < n; j++) {
      if (picked[j]) continue;
      const s = similarity(candidates[j]!, chosen);
      if (s > maxSim[j]!) maxSim[j] = s;
    }
  }
  return order;
}
