/**
 * @module retrieve/embedding-strategy
 * `embedding`: dot (or cosine) of the user's vector with every item vector, brute force. The user's vector is the
 * model's own (`userVector`, by node key, then by graph id) or, for users the model has not seen and for cold-start
 * seeds, the weighted mean of their profile items' vectors (fold-in). Without an index, or with no usable vector,
 * it returns undefined and `recommend` falls back. Cost O(I · dim) per request plus the heap.
 */
import { kindName } from '../project/csr.ts';
import { foldInFromItems, scoreRow } from './embedding-index.ts';
import type { RecommendContext } from './context.ts';
import type { CandidateRequest, Strategy, StrategyScores } from './strategy.ts';
import { topKDense } from './top-k.ts';

export function createEmbeddingStrategy(ctx: RecommendContext): Strategy {
  const out = new Float64Array(ctx.csr.nodeCount).fill(-Infinity);
  const { csr, items } = ctx;
  const metric = ctx.options.embeddingMetric;

  function userVector(request: CandidateRequest): Float32Array | undefined {
    const index = ctx.embeddings!;
    if (request.user >= 0) {
      const key = csr.ids[request.user]!;
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
      if (!ctx.embeddings || !ctx.itemRows) return undefined;
      const q = userVector(request);
      if (!q) return undefined;
      let qn = 0;
      for (let c = 0; c < q.length; c++) qn += q[c]! * q[c]!;
      qn = Math.sqrt(qn);
      for (let j = 0; j < items.length; j++) {
        const v = items[j]!;
        const row = ctx.itemRows[v]!;
        out[v] = row < 0 ? -Infinity : scoreRow(ctx.embeddings, q, row, metric, qn);
      }
      return { top: topKDense(items, out, request.pool, request.mask), parts: { embedding: (v) => out[v]! } };
    },
  };
}
