/**
 * @module evaluate/metrics
 * Full-ranking top-K metrics, registered by name, with one signature: `compute(input, k) → number` (mean over the
 * evaluated users for per-user metrics). Definitions (K-cut of each user's ranked list R, test items T):
 * - `recall@K` = |R∩T| / |T|;  `precision@K` = |R∩T| / K;  `hit@K` = 1 if R∩T ≠ ∅.
 * - `ndcg@K`: binary gains, DCG = Σ_{r=1..K} [R_r ∈ T] / log2(r+1), IDCG = Σ_{r=1..min(|T|,K)} 1 / log2(r+1)
 *   (LightGCN-PyTorch / the papers' protocol; not NGCF's hits-only normalisation).
 * - `mrr@K` = 1 / rank of the first hit in R (0 when none).
 * - `coverage@K` = |∪_u R_u| / nItems (catalogue coverage).
 * - `novelty@K` = mean over users of mean over R of −log2(p_i), p_i = max(pop_i, 1) / nUsers, pop_i = number of training
 *   interactions of item i.
 * - `arp@K` = mean over users of mean training popularity pop_i of the items in R (average recommendation popularity).
 */
import { AppError } from '../core/errors.ts';

/** Ranked lists and ground truth for the evaluated users. */
export interface RankingInput {
  /** Evaluated users (those with at least one test item). */
  users: Int32Array;
  /** Length of each ranked list (≥ every K asked for). */
  depth: number;
  /** [users.length × depth] recommended items, best first; −1 pads lists shorter than depth. */
  topK: Int32Array;
  /** Test items per evaluated user (row r belongs to users[r]), CSR, sorted per row. */
  truthIndptr: Int32Array;
  truthIndices: Int32Array;
  /** Catalogue size. */
  nItems: number;
  /** Number of users in the training data (novelty's denominator). */
  nUsers: number;
  /** Training interactions per item. */
  itemPopularity: Float64Array;
}

export interface MetricDef {
  name: string;
  /** 'accuracy' metrics compare with the test set; 'beyond' metrics describe the lists themselves. */
  kind: 'accuracy' | 'beyond';
  compute(input: RankingInput, k: number): number;
}

function inTruth(input: RankingInput, row: number, item: number): boolean {
  const idx = input.truthIndices;
  let lo = input.truthIndptr[row]!;
  let hi = input.truthIndptr[row + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = idx[mid]!;
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function meanOverUsers(input: RankingInput, k: number, perUser: (row: number, hits: Uint8Array, nTruth: number) => number): number {
  const nU = input.users.length;
  if (nU === 0) return 0;
  const hits = new Uint8Array(k);
  let sum = 0;
  for (let row = 0; row < nU; row++) {
    const base = row * input.depth;
    for (let r = 0; r < k; r++) {
      const item = input.topK[base + r]!;
      hits[r] = item >= 0 && inTruth(input, row, item) ? 1 : 0;
    }
    sum += perUser(row, hits, input.truthIndptr[row + 1]! - input.truthIndptr[row]!);
  }
  return sum / nU;
}

const log2Discount = (rank1: number): number => 1 / Math.log2(rank1 + 1);

const countHits = (hits: Uint8Array): number => {
  let h = 0;
  for (let r = 0; r < hits.length; r++) h += hits[r]!;
  return h;
};

export const METRICS: Record<string, MetricDef> = {
  recall: { name: 'recall', kind: 'accuracy', compute: (input, k) => meanOverUsers(input, k, (_, hits, n) => (n > 0 ? countHits(hits) / n : 0)) },
  precision: { name: 'precision', kind: 'accuracy', compute: (input, k) => meanOverUsers(input, k, (_, hits) => countHits(hits) / k) },
  ndcg: {
    name: 'ndcg',
    kind: 'accuracy',
    compute: (input, k) =>
      meanOverUsers(input, k, (_, hits, n) => {
        let dcg = 0;
        for (let r = 0; r < k; r++) if (hits[r]) dcg += log2Discount(r + 1);
        let idcg = 0;
        for (let r = 0; r < Math.min(n, k); r++) idcg += log2Discount(r + 1);
        return idcg > 0 ? dcg / idcg : 0;
      }),
  },
  mrr: {
    name: 'mrr',
    kind: 'accuracy',
    compute: (input, k) =>
      meanOverUsers(input, k, (_, hits) => {
        for (let r = 0; r < k; r++) if (hits[r]) return 1 / (r + 1);
        return 0;
      }),
  },
  hit: { name: 'hit', kind: 'accuracy', compute: (input, k) => meanOverUsers(input, k, (_, hits) => (countHits(hits) > 0 ? 1 : 0)) },
  coverage: {
    name: 'coverage',
    kind: 'beyond',
    compute: (input, k) => {
      const seen = new Uint8Array(input.nItems);
      let distinct = 0;
      for (let row = 0; row < input.users.length; row++) {
        for (let r = 0; r < k; r++) {
          const item = input.topK[row * input.depth + r]!;
          if (item >= 0 && !seen[item]) {
            seen[item] = 1;
            distinct++;
          }
        }
      }
      return input.nItems > 0 ? distinct / input.nItems : 0;
    },
  },
  novelty: {
    name: 'novelty',
    kind: 'beyond',
    compute: (input, k) => meanOfLists(input, k, (item) => -Math.log2(Math.max(input.itemPopularity[item]!, 1) / input.nUsers)),
  },
  arp: { name: 'arp', kind: 'beyond', compute: (input, k) => meanOfLists(input, k, (item) => input.itemPopularity[item]!) },
};

function meanOfLists(input: RankingInput, k: number, value: (item: number) => number): number {
  let sum = 0;
  let users = 0;
  for (let row = 0; row < input.users.length; row++) {
    let s = 0;
    let n = 0;
    for (let r = 0; r < k; r++) {
      const item = input.topK[row * input.depth + r]!;
      if (item < 0) continue;
      s += value(item);
      n++;
    }
    if (n > 0) {
      sum += s / n;
      users++;
    }
  }
  return users > 0 ? sum / users : 0;
}

export const DEFAULT_METRICS = ['recall', 'ndcg', 'precision', 'mrr', 'hit', 'coverage', 'novelty', 'arp'] as const;

/** Computes `name@k` for every metric and K; keys like "recall@20". */
export function computeMetrics(input: RankingInput, ks: readonly number[], names: readonly string[] = DEFAULT_METRICS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1 || k > input.depth) throw new AppError('BAD_REQUEST', `evaluate/metrics: K=${k} must be in 1..${input.depth}`);
  }
  for (const name of names) {
    const def = METRICS[name];
    if (!def) throw new AppError('BAD_REQUEST', `evaluate/metrics: unknown metric ${JSON.stringify(name)} (known: ${Object.keys(METRICS).join(', ')})`);
    for (const k of ks) out[`${name}@${k}`] = def.compute(input, k);
  }
  return out;
}
