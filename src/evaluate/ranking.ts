/**
 * @module evaluate/ranking
 * Full ranking: score every item for every evaluated user (in blocks, through `Recommender.scoreAll`), mask the user's
 * training items, and keep the top `depth` items per user. Ties keep the lower item index first.
 */
import { AppError } from '../core/errors.ts';
import { pairsToCsr, userItemCsr, type Interactions } from '../compute/lightgcn/graph.ts';
import type { Recommender } from '../compute/lightgcn/types.ts';
import type { RankingInput } from './metrics.ts';
import type { Progress } from '../core/progress.ts';
import { itemPopularity } from '../compute/popularity.ts';
import { TopKHeap } from '../core/top-k.ts';

/**
 * Writes the indices of the `k` largest values of scores[off, off+n) into outIdx[outOff…] (−1 pads), through the one
 * top-k selection of the code base (`core/top-k`'s heap: ties to the lower index, −Infinity and NaN never kept).
 */
export function topKRow(scores: Float32Array, off: number, n: number, k: number, outIdx: Int32Array, outOff: number, heap: TopKHeap = new TopKHeap(k)): void {
  heap.clear();
  for (let i = 0; i < n; i++) {
    const v = scores[off + i]!;
    if (heap.length === k && v < heap.floor) continue;
    heap.push(i, v);
  }
  const { ids } = heap.drain();
  for (let p = 0; p < k; p++) outIdx[outOff + p] = p < ids.length ? ids[p]! : -1;
}

export interface RankOptions {
  /** Users scored per `scoreAll` call [256]. */
  blockSize?: number;
  /** Progress of the ranking, a unit per block of users. */
  progress?: Progress;
  /** Task name of the progress lines ['rank']. */
  label?: string;
}

/** Top-`depth` items for each user, training items (`exclude`, CSR over users) masked. → Int32Array[users × depth]. */
export function rankTopK(model: Recommender, users: Int32Array, depth: number, exclude: { indptr: Int32Array; indices: Int32Array } | null, options: RankOptions = {}): Int32Array {
  if (!Number.isInteger(depth) || depth < 1) throw new AppError('BAD_REQUEST', 'evaluate/ranking: depth must be a positive integer');
  const nI = model.nItems;
  const block = Math.max(1, options.blockSize ?? 256);
  const out = new Int32Array(users.length * depth);
  const buf = new Float32Array(Math.min(block, Math.max(users.length, 1)) * nI);
  const heap = new TopKHeap(depth);
  for (let start = 0; start < users.length; start += block) {
    const part = users.subarray(start, Math.min(users.length, start + block));
    model.scoreAll(part, buf);
    for (let r = 0; r < part.length; r++) {
      const u = part[r]!;
      if (exclude && u < exclude.indptr.length - 1) {
        for (let p = exclude.indptr[u]!; p < exclude.indptr[u + 1]!; p++) buf[r * nI + exclude.indices[p]!] = -Infinity;
      }
      topKRow(buf, r * nI, nI, depth, out, (start + r) * depth, heap);
    }
    options.progress?.update(options.label ?? 'rank', start + part.length, users.length);
  }
  options.progress?.done();
  return out;
}

/**
 * Ranks the users that have test items and assembles the metric input. `exclude` defaults to the training set
 * (pass train+valid when testing a model trained on train with a validation split... the caller decides).
 */
export function buildRankingInput(model: Recommender, train: Interactions, test: Interactions, depth: number, options: RankOptions & { exclude?: Interactions[] } = {}): RankingInput {
  const testCsr = userItemCsr(test);
  const evalUsers: number[] = [];
  for (let u = 0; u < test.nUsers; u++) if (testCsr.indptr[u + 1]! > testCsr.indptr[u]!) evalUsers.push(u);
  const users = Int32Array.from(evalUsers);
  const excludeSets = options.exclude ?? [train];
  let exclude: { indptr: Int32Array; indices: Int32Array } | null = null;
  if (excludeSets.length === 1) exclude = userItemCsr(excludeSets[0]!);
  else if (excludeSets.length > 1) {
    const total = excludeSets.reduce((a, s) => a + s.users.length, 0);
    const us = new Int32Array(total);
    const is = new Int32Array(total);
    let w = 0;
    for (const s of excludeSets) {
      us.set(s.users, w);
      is.set(s.items, w);
      w += s.users.length;
    }
    exclude = pairsToCsr(train.nUsers, us, is);
  }
  const topK = rankTopK(model, users, depth, exclude, options);
  const truthIndptr = new Int32Array(users.length + 1);
  for (let r = 0; r < users.length; r++) truthIndptr[r + 1] = truthIndptr[r]! + testCsr.indptr[users[r]! + 1]! - testCsr.indptr[users[r]!]!;
  const truthIndices = new Int32Array(truthIndptr[users.length]!);
  for (let r = 0; r < users.length; r++) truthIndices.set(testCsr.indices.subarray(testCsr.indptr[users[r]!]!, testCsr.indptr[users[r]! + 1]!), truthIndptr[r]!);
  return { users, depth, topK, truthIndptr, truthIndices, nItems: train.nItems, nUsers: train.nUsers, itemPopularity: itemPopularity(train) };
}
