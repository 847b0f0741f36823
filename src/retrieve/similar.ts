/**
 * @module retrieve/similar
 * "More like this": the items nearest one item, shared by the `GET /v1/items/:id/similar` route and the
 * `graphrec similar` command.
 *
 * - With embeddings (and a vector for the item): cosine similarity of the item's vector with every other item's,
 *   brute force (I · dim multiply-adds: ~0.1 M at ML-100K), or on a catalogue of `annMinItems` items or more through
 *   the cosine IVF index of retrieve/ann once it is built (the items of the `annProbe` nearest lists, more until `k`
 *   are found; exact cosine scores). Cosine rather than dot, because dot with an item vector favours items with long
 *   vectors (the popular ones) whatever the query.
 * - Otherwise (no index, or an item the model has not seen, such as one added after training): Personalized
 *   PageRank restarted at the item through the context's push solver, scored π(j) / W(j)^β like the `ppr` strategy
 *   (β = `pprDegreeDiscount`), so that neighbours through shared users and shared entities rank, not merely popular
 *   items. Items the walk does not reach are left out.
 *
 * The item itself is never returned; ties go to the lower node index. `NOT_FOUND` for an unknown item, `BAD_REQUEST`
 * for a bad `k`. Synchronous, like `recommend`: it reuses the context's solver scratch.
 *
 * @example
 * similarItems(ctx, 'ml100k:i:50', 5); // [{ id: 'ml100k:i:181', score: 0.93, label: 'Return of the Jedi (1983)' }, …]
 */
import { AppError } from '../core/errors.ts';
import { makeSeedVector } from '../compute/ppr/seed-vector.ts';
import { lookupNode } from '../project/csr.ts';
import type { RecommendContext } from './context.ts';
import { annIndex } from './ann.ts';
import { itemNodesOf, rowCosine } from './embedding-index.ts';
import { ivfTopK } from './ivf.ts';
import { degreeDiscount } from './ppr-strategy.ts';
import { graphIdOf } from './recommend.ts';
import { TopKHeap } from './top-k.ts';

/** Largest `k` accepted. */
export const MAX_SIMILAR = 1000;

export interface SimilarItem {
  /** Graph id of the item (as in recommendation results). */
  id: string;
  /** Cosine similarity (embeddings) or discounted PPR mass (graph walk); comparable within one call only. */
  score: number;
  label?: string;
}

function embeddingRow(ctx: RecommendContext, v: number): number {
  return ctx.embeddings && ctx.itemRows ? ctx.itemRows[v]! : -1;
}

/** Which method {@link similarItems} uses for `item`: `embedding` when it has a vector, else `ppr`. `NOT_FOUND` when unknown. */
export function similarityMethod(ctx: RecommendContext, item: string): 'embedding' | 'ppr' {
  const v = lookupNode(ctx.csr, { kind: 'Item', id: item });
  if (v < 0) throw new AppError('NOT_FOUND', `retrieve/similar: unknown item ${JSON.stringify(item)}`);
  return embeddingRow(ctx, v) >= 0 ? 'embedding' : 'ppr';
}

/** The `k` items most similar to `item` (a graph id or an `Item:` node key), best first. See the module header. */
export function similarItems(ctx: RecommendContext, item: string, k: number): Array<{ id: string; score: number; label?: string }> {
  if (typeof item !== 'string' || item === '') throw new AppError('BAD_REQUEST', 'retrieve/similar: item must be a non-empty string');
  if (!Number.isInteger(k) || k < 1 || k > MAX_SIMILAR) throw new AppError('BAD_REQUEST', `retrieve/similar: k must be an integer in [1, ${MAX_SIMILAR}]`);
  const { csr, items } = ctx;
  const v = lookupNode(csr, { kind: 'Item', id: item });
  if (v < 0) throw new AppError('NOT_FOUND', `retrieve/similar: unknown item ${JSON.stringify(item)}`);

  const heap = new TopKHeap(k);
  const row = embeddingRow(ctx, v);
  const ivf = row >= 0 ? annIndex(ctx.embeddings!, 'cosine', ctx.options) : undefined;
  if (ivf) {
    const index = ctx.embeddings!;
    const nodes = itemNodesOf(index, csr);
    const query = index.itemVectors.subarray(row * index.dim, (row + 1) * index.dim);
    const found = ivfTopK(ivf, index, query, k, ctx.options.annProbe, (r) => r !== row && nodes[r]! >= 0);
    found.ids.forEach((r, j) => heap.push(nodes[r]!, found.scores[j]!));
  } else if (row >= 0) {
    const index = ctx.embeddings!;
    const rows = ctx.itemRows!;
    for (let j = 0; j < items.length; j++) {
      const w = items[j]!;
      const r = rows[w]!;
      if (w === v || r < 0) continue;
      heap.push(w, rowCosine(index, row, r));
    }
  } else {
    const { scores } = ctx.solver.query(makeSeedVector([v], [1], csr.nodeCount));
    const beta = ctx.options.pprDegreeDiscount;
    const strength = ctx.transition.strength;
    for (let j = 0; j < items.length; j++) {
      const w = items[j]!;
      if (w === v) continue;
      const s = scores[w]!;
      const W = strength[w]!;
      if (s > 0 && W > 0) heap.push(w, s * degreeDiscount(W, beta));
    }
  }
  const { ids, scores } = heap.drain();
  return Array.from(ids, (w, j) => {
    const label = ctx.labels?.(csr.ids.at(w)!);
    return { id: graphIdOf(csr, w), score: scores[j]!, ...(label !== undefined ? { label } : {}) };
  });
}
