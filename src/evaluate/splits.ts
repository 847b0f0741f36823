/**
 * @module evaluate/splits
 * Splitting an interaction log into train / (valid) / test, per user:
 * - `randomSplit`: shuffle each user's interactions with a seeded RNG and cut by ratios, with RecBole's rounding
 *   (`_calcu_split_ids`: every part gets ⌊ratio·n⌋, the first part the remainder, and a part whose share is in (0, 1)
 *   is bumped to 1 while the first part keeps more than one). [0.8, 0.1, 0.1] is RecBole's default RO split.
 * - `temporalLeaveLastOut`: order each user's interactions by time (ties keep file order); the last `nTest` go to test,
 *   the `nValid` before them to valid; users with too few interactions keep everything in train.
 * - `leaveOneOutSplit`: one random interaction per user to test (and one to valid), seeded.
 * Pair weights (`weights`, the served graph's edge weights) follow their pairs into the parts.
 */
import { AppError } from '../core/errors.ts';
import { createRng } from '../compute/rng.ts';
import type { Interactions } from '../compute/lightgcn/graph.ts';
import type { InteractionLog, WeightedInteractions } from './datasets.ts';

export interface SplitParts {
  train: WeightedInteractions;
  valid?: WeightedInteractions;
  test: WeightedInteractions;
}

/** RecBole's per-group split sizes for `total` interactions and `ratios` (normalised to sum 1). */
export function splitCounts(total: number, ratios: readonly number[]): number[] {
  const sum = ratios.reduce((a, b) => a + b, 0);
  const r = ratios.map((x) => x / sum);
  const cnt = r.map((x) => Math.floor(x * total));
  cnt[0] = total - cnt.slice(1).reduce((a, b) => a + b, 0);
  for (let i = 1; i < r.length; i++) {
    if (cnt[0]! <= 1) break;
    const share = r[r.length - i]! * total;
    if (share > 0 && share < 1) {
      cnt[cnt.length - i]!++;
      cnt[0]!--;
    }
  }
  return cnt;
}

function groupByUser(log: Interactions): Int32Array[] {
  const lists: number[][] = Array.from({ length: log.nUsers }, () => []);
  for (let t = 0; t < log.users.length; t++) lists[log.users[t]!]!.push(t);
  return lists.map((l) => Int32Array.from(l));
}

/** The picked pairs of `log`, with their weights when the log has them. */
function build(log: WeightedInteractions, picks: number[]): WeightedInteractions {
  const users = new Int32Array(picks.length);
  const items = new Int32Array(picks.length);
  const weights = log.weights ? new Float32Array(picks.length) : undefined;
  picks.forEach((t, k) => {
    users[k] = log.users[t]!;
    items[k] = log.items[t]!;
    if (weights) weights[k] = log.weights![t]!;
  });
  return { nUsers: log.nUsers, nItems: log.nItems, users, items, ...(weights ? { weights } : {}) };
}

/** Random per-user holdout. `ratios` has 2 (train, test) or 3 (train, valid, test) positive entries. */
export function randomSplit(log: WeightedInteractions, options: { ratios?: readonly number[]; seed?: number } = {}): SplitParts {
  const ratios = options.ratios ?? [0.8, 0.2];
  if ((ratios.length !== 2 && ratios.length !== 3) || ratios.some((r) => !(r >= 0)) || !(ratios[0]! > 0)) {
    throw new AppError('BAD_REQUEST', 'evaluate/splits: ratios must be 2 or 3 non-negative numbers with a positive train share');
  }
  const rng = createRng(options.seed ?? 2020);
  const parts: number[][] = ratios.map(() => []);
  for (const list of groupByUser(log)) {
    const order = rng.shuffle(Array.from(list));
    const counts = splitCounts(order.length, ratios);
    let at = 0;
    counts.forEach((c, p) => {
      for (let k = 0; k < c; k++) parts[p]!.push(order[at++]!);
    });
  }
  for (const p of parts) p.sort((a, b) => a - b);
  const train = build(log, parts[0]!);
  if (ratios.length === 3) return { train, valid: build(log, parts[1]!), test: build(log, parts[2]!) };
  return { train, test: build(log, parts[1]!) };
}

/** Temporal leave-last-out per user; needs `log.timestamps`. */
export function temporalLeaveLastOut(log: InteractionLog, options: { nTest?: number; nValid?: number } = {}): SplitParts {
  const nTest = options.nTest ?? 1;
  const nValid = options.nValid ?? 0;
  if (!log.timestamps || log.timestamps.length !== log.users.length) throw new AppError('BAD_REQUEST', 'evaluate/splits: temporal split needs one timestamp per interaction');
  if (!Number.isInteger(nTest) || nTest < 1 || !Number.isInteger(nValid) || nValid < 0) throw new AppError('BAD_REQUEST', 'evaluate/splits: nTest ≥ 1 and nValid ≥ 0 must be integers');
  const ts = log.timestamps;
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];
  for (const list of groupByUser(log)) {
    const order = Array.from(list).sort((a, b) => ts[a]! - ts[b]! || a - b);
    if (order.length <= nTest + nValid) {
      train.push(...order);
      continue;
    }
    const cutTest = order.length - nTest;
    const cutValid = cutTest - nValid;
    train.push(...order.slice(0, cutValid));
    valid.push(...order.slice(cutValid, cutTest));
    test.push(...order.slice(cutTest));
  }
  for (const p of [train, valid, test]) p.sort((a, b) => a - b);
  const out: SplitParts = { train: build(log, train), test: build(log, test) };
  if (nValid > 0) out.valid = build(log, valid);
  return out;
}

/**
 * Random leave-one-out per user (seeded): one random interaction of each user goes to test and, with `nValid` = 1,
 * another one to valid; users with too few interactions keep everything in train.
 */
export function leaveOneOutSplit(log: WeightedInteractions, options: { nValid?: number; seed?: number } = {}): SplitParts {
  const nValid = options.nValid ?? 0;
  if (nValid !== 0 && nValid !== 1) throw new AppError('BAD_REQUEST', 'evaluate/splits: leave-one-out takes 0 or 1 validation item per user');
  const rng = createRng(options.seed ?? 2020);
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];
  for (const list of groupByUser(log)) {
    if (list.length <= 1 + nValid) {
      train.push(...list);
      continue;
    }
    const order = rng.shuffle(Array.from(list));
    test.push(order[0]!);
    if (nValid) valid.push(order[1]!);
    train.push(...order.slice(1 + nValid));
  }
  for (const p of [train, valid, test]) p.sort((a, b) => a - b);
  const out: SplitParts = { train: build(log, train), test: build(log, test) };
  if (nValid > 0) out.valid = build(log, valid);
  return out;
}
