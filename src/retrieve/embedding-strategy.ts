/**
 * @module retrieve/embedding-strategy
 * `embedding`: dot (or cosine) of the user's vector with the item vectors. The user's vector is the model's own
 * (`userVector`, by node key, then by graph id) or, for users the model has not seen and for cold-start seeds, the
 * weighted mean of their profile items' vectors (fold-in). Without an index, or with no usable vector, it returns
 * undefined and `recommend` falls back.
 *
 * The search (retrieve/ann): a catalogue under `annMinItems` is scanned whole, O(I · dim) per request plus the heap;
 * a larger one reads the `annProbe` nearest lists of its IVF index (retrieve/ivf) once that is built, more until the
 * pool is filled with eligible items. Either way the pool's scores are exact dot (or cosine) values, and `parts`
 * answers any item's exact score.
 */
import { kindName } from '../project/csr.ts';
import { annIndex } from './ann.ts';
import { foldInFromItems, itemNodesOf, scoreRow } from './embedding-index.ts';
import type { RecommendContext } from './context.ts';
import { ivfTopK } from './ivf.ts';
import type { CandidateRequest, Strategy, StrategyScores } from './strategy.ts';
import { topKDense } from './top-k.ts';

export function createEmbeddingStrategy(ctx: RecommendContext): Strategy {
  const out = new Float64Array(ctx.csr.nodeCount).fill(-Infinity);
  const { csr, items } = ctx;
  const metric = ctx.options.embeddingMetric;

  function userVector(request: CandidateRequest): Float32Array | undefined {
    const index = ctx.embeddings!;
    if (request.user >= 0) {
      const key = csr.ids.at(request.user)!;
      const prefix = `${kindName(csr.kinds[request.user]!)}:`;
      const own = index.userVector(key) ?? (key.startsWith(prefix) ? index.userVector(key.slice(prefix.length)) : undefined);
      if (own && own.length === index.dim) return own;
    }
    const rows = Int32Array.from(request.profile, (v) => ctx.itemRows![v]!);
    return foldInFromItems(index, rows, request.profileWeights);
  }

  return {
    name: 'embedding',
    score(request: CandidateRequest): StrategyScores | undefined {
      const index = ctx.embeddings;
      const itemRows = ctx.itemRows;
      if (!index || !itemRows) return undefined;
      const q = userVector(request);
      if (!q) return undefined;
      let qn = 0;
      for (let c = 0; c < q.length; c++) qn += q[c]! * q[c]!;
      qn = Math.sqrt(qn);
      const ivf = annIndex(index, metric, ctx.options);
      if (ivf) {
        const nodes = itemNodesOf(index, csr);
        const { mask } = request;
        const found = ivfTopK(ivf, index, q, request.pool, ctx.options.annProbe, (row) => nodes[row]! >= 0 && mask[nodes[row]!] === 1);
        const ids = Uint32Array.from(found.ids, (row) => nodes[row]!);
        const exact = (v: number) => (itemRows[v]! < 0 ? -Infinity : scoreRow(index, q, itemRows[v]!, metric, qn));
        return { top: { ids, scores: found.scores }, parts: { embedding: exact } };
      }
      for (let j = 0; j < items.length; j++) {
        const v = items[j]!;
        const row = itemRows[v]!;
        out[v] = row < 0 ? -Infinity : scoreRow(index, q, row, metric, qn);
      }
      return { top: topKDense(items, out, request.pool, request.mask), parts: { embedding: (v) => out[v]! } };
    },
  };
}
