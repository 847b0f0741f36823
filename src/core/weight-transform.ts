/**
 * @module core/weight-transform
 * The one meaning of "how an interaction's stored weight becomes an edge weight": a per-kind transform, applied where
 * the projection derives user→item edge weights (before parallel kinds are combined), and the heavy-tail test that
 * the ingest warning and the default choice share. Stored weights are never changed: Neo4j keeps the raw value
 * (a listen count stays a listen count), so a different transform needs no re-ingest.
 *
 * A transform is a pipeline of steps joined by `+`, applied left to right over all weights of ONE kind:
 *   none        w
 *   log1p       ln(1 + w)
 *   binary      1 when w > 0, else 0
 *   user-norm   w / (mean of this user's weights of this kind), so every user's weights average 1
 *   cap:P       min(w, P-th percentile of this kind's weights), 0 < P ≤ 100 (nearest-rank percentile)
 * e.g. `cap:99+log1p`, `log1p+user-norm`.
 *
 * Which transform a kind gets ({@link resolveTransforms}): its own entry in `weights.transforms` when there is one,
 * else `weights.heavyTailTransform` when the kind's weights are heavy-tailed, else `none` (ratings and 0/1 data keep
 * their weights). Heavy-tailed ({@link isHeavyTailed}): at least {@link HEAVY_TAIL_MIN_COUNT} weights and
 * max / median ≥ `weights.heavyTailRatio` (median > 0). Listen counts (HetRec Last.fm: median 260, max 352,698) are;
 * 1–5 ratings (max/median ≤ 5) and 0/1 data are not. See docs/data-formats.md#interaction-weights.
 */
import { AppError } from './errors.ts';

export const TRANSFORM_STEPS = ['none', 'log1p', 'binary', 'user-norm', 'cap'] as const;
export type TransformStep = { op: 'none' | 'log1p' | 'binary' | 'user-norm' } | { op: 'cap'; percentile: number };

/** Fewest weights of a kind for the heavy-tail test to say yes (a handful of rows says nothing about a tail). */
export const HEAVY_TAIL_MIN_COUNT = 20;

/** The `weights` section of the config (see core/config). */
export interface WeightsConfig {
  /** Transform by interaction kind (`listen`, `implicit`, `rating`, …); a kind not named here gets the default rule. */
  transforms: Record<string, string>;
  /** Transform of a kind without its own entry whose weights are heavy-tailed; `none` turns the rule off. */
  heavyTailTransform: string;
  /** max / median at or above which a kind's weights are heavy-tailed (ingest warning, default rule). */
  heavyTailRatio: number;
}

/**
 * Parses a transform spec (`log1p`, `cap:99+log1p`, …). Throws `AppError(code)` with the reason for a bad one.
 */
export function parseTransform(spec: string, code: 'CONFIG' | 'BAD_REQUEST' = 'BAD_REQUEST'): TransformStep[] {
  const text = spec.trim();
  if (text.length === 0) throw new AppError(code, 'weight transform: empty spec (use none, log1p, binary, user-norm, cap:P or steps joined by +)');
  return text.split('+').map((raw) => {
    const s = raw.trim().toLowerCase();
    if (s === 'none' || s === 'log1p' || s === 'binary' || s === 'user-norm') return { op: s };
    const m = /^cap:p?([0-9]+(?:\.[0-9]+)?)$/.exec(s);
    if (m) {
      const percentile = Number(m[1]);
      if (!(percentile > 0 && percentile <= 100)) throw new AppError(code, `weight transform: cap percentile ${m[1]} must be in (0, 100]`);
      return { op: 'cap', percentile };
    }
    throw new AppError(code, `weight transform: unknown step ${JSON.stringify(raw.trim())} in ${JSON.stringify(spec)} (use none, log1p, binary, user-norm, cap:P)`);
  });
}

/** The canonical text of a parsed transform (`cap:99+log1p`). */
export function formatTransform(steps: readonly TransformStep[]): string {
  return steps.map((s) => (s.op === 'cap' ? `cap:${s.percentile}` : s.op)).join('+');
}

/** Values sorted ascending, read by rank: a sorted `Float64Array`, or {@link SortedRuns}. */
export interface RankedValues {
  readonly length: number;
  at(index: number): number | undefined;
}

/** Nearest-rank percentile of sorted values (p in (0, 100]). */
function percentileOfSorted(sorted: RankedValues, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted.at(Math.min(rank, sorted.length) - 1)!;
}

/** a before b in a sorted Float64Array (−0 before +0). */
function before(a: number, b: number): boolean {
  return a < b || (a === 0 && b === 0 && Object.is(a, -0) && !Object.is(b, -0));
}

/**
 * Values sorted ascending, held as runs of equal values: `values[j]` fills ranks `ends[j − 1] .. ends[j] − 1` (−0 and
 * +0 apart, as a sorted Float64Array holds them). What a kind's transform plan reads (count, percentiles, max) in
 * O(distinct) memory, and changed by a few values in O(distinct) instead of a merge of every value: the live
 * engine's kinds (project/interaction-values) hold tens of millions of values but few distinct ones (ratings,
 * counts). Immutable.
 */
export class SortedRuns implements RankedValues {
  private constructor(
    readonly values: Float64Array,
    readonly ends: Float64Array,
  ) {}

  /** The runs of values sorted ascending (e.g. by {@link sortFewDistinct}). */
  static of(sorted: Float64Array): SortedRuns {
    const values: number[] = [];
    const ends: number[] = [];
    for (let k = 0; k < sorted.length; k++) {
      const v = sorted[k]!;
      if (values.length > 0 && Object.is(values[values.length - 1], v)) ends[ends.length - 1] = k + 1;
      else {
        values.push(v);
        ends.push(k + 1);
      }
    }
    return new SortedRuns(Float64Array.from(values), Float64Array.from(ends));
  }

  get length(): number {
    return this.ends.length > 0 ? this.ends[this.ends.length - 1]! : 0;
  }

  /** The value at rank `index` (0-based), undefined outside 0 .. length − 1. */
  at(index: number): number | undefined {
    if (!(index >= 0 && index < this.length)) return undefined;
    let lo = 0;
    let hi = this.ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! > index) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo];
  }

  /** These values without `removed` (each must be held) and with `added`, both in any order. */
  with(removed: readonly number[], added: readonly number[]): SortedRuns {
    const values = Array.from(this.values);
    const counts = Array.from(this.ends, (end, j) => end - (j > 0 ? this.ends[j - 1]! : 0));
    const find = (v: number): number => {
      let lo = 0;
      let hi = values.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(values[mid]!, v)) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (const v of added) {
      const j = find(v);
      if (j < values.length && Object.is(values[j], v)) counts[j]!++;
      else {
        values.splice(j, 0, v);
        counts.splice(j, 0, 1);
      }
    }
    for (const v of removed) {
      const j = find(v);
      if (!(j < values.length && Object.is(values[j], v) && counts[j]! > 0)) throw new AppError('INTERNAL', `weight transform: the value ${v} to remove is not held`);
      counts[j]!--;
    }
    const keptValues: number[] = [];
    const ends: number[] = [];
    let end = 0;
    values.forEach((v, j) => {
      if (counts[j] === 0) return;
      end += counts[j]!;
      keptValues.push(v);
      ends.push(end);
    });
    return new SortedRuns(Float64Array.from(keptValues), Float64Array.from(ends));
  }
}

export interface WeightStats {
  count: number;
  min: number;
  median: number;
  p99: number;
  max: number;
  mean: number;
  /** Sample skewness (0 when all weights are equal). */
  skew: number;
  /** max / median (Infinity when the median is 0 and the max is not). */
  maxOverMedian: number;
}

/**
 * Sorts `values` in place as `Float64Array.prototype.sort` does (−0 before +0, NaN last), by counting when they take
 * few distinct values — ratings, play counts of a small range: at 50M interactions the comparison sort took ~5 s of
 * every boot, the count well under 1 s (the live interaction weights and the projection's weight statistics sort with
 * it). Distinct values are looked up in a short list while there are at most 16, then in a Map; past `maxDistinct` of
 * them the comparison sort takes over.
 */
export function sortFewDistinct(values: Float64Array, maxDistinct = 4096): Float64Array {
  const keys: number[] = [];
  const counts: number[] = [];
  let lookup: Map<number, number> | undefined;
  let negativeZeros = 0;
  let nans = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) {
      nans++;
      continue;
    }
    if (v === 0 && 1 / v < 0) {
      negativeZeros++;
      continue;
    }
    let k = -1;
    if (lookup) k = lookup.get(v) ?? -1;
    else {
      for (let j = 0; j < keys.length; j++) {
        if (keys[j] === v) {
          k = j;
          break;
        }
      }
    }
    if (k >= 0) {
      counts[k]!++;
      continue;
    }
    if (keys.length >= maxDistinct) return values.sort();
    keys.push(v);
    counts.push(1);
    if (lookup) lookup.set(v, keys.length - 1);
    else if (keys.length > 16) lookup = new Map(keys.map((key, j) => [key, j]));
  }
  let at = 0;
  const place = (v: number, count: number): void => {
    values.fill(v, at, at + count);
    at += count;
  };
  let zerosPlaced = negativeZeros === 0;
  for (const j of keys.map((_, j) => j).sort((a, b) => keys[a]! - keys[b]!)) {
    if (!zerosPlaced && !(keys[j]! < 0)) {
      place(-0, negativeZeros);
      zerosPlaced = true;
    }
    place(keys[j]!, counts[j]!);
  }
  if (!zerosPlaced) place(-0, negativeZeros);
  place(NaN, nans);
  return values;
}

/** Distribution summary of one kind's weights. */
export function weightStats(values: ArrayLike<number>): WeightStats {
  const n = values.length;
  const sorted = sortFewDistinct(Float64Array.from(values));
  let sum = 0;
  for (let k = 0; k < n; k++) sum += sorted[k]!;
  const mean = n > 0 ? sum / n : 0;
  let m2 = 0;
  let m3 = 0;
  for (let k = 0; k < n; k++) {
    const d = sorted[k]! - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  const sd = n > 0 ? Math.sqrt(m2 / n) : 0;
  const median = n > 0 ? percentileOfSorted(sorted, 50) : 0;
  const max = n > 0 ? sorted[n - 1]! : 0;
  return {
    count: n,
    min: n > 0 ? sorted[0]! : 0,
    median,
    p99: percentileOfSorted(sorted, 99),
    max,
    mean,
    skew: sd > 0 ? m3 / n / (sd * sd * sd) : 0,
    maxOverMedian: maxOverMedianOf(median, max),
  };
}

/** The heavy-tail test of the ingest warning and of the default rule (see the module doc). */
export function isHeavyTailed(stats: Pick<WeightStats, 'count' | 'maxOverMedian'>, ratio: number): boolean {
  return stats.count >= HEAVY_TAIL_MIN_COUNT && stats.maxOverMedian >= ratio;
}

/** Count and max / median of one kind's weights sorted ascending: what the heavy-tail test reads. O(1) on an array, O(log runs) on {@link SortedRuns}. */
export function tailStatsOfSorted(sorted: RankedValues): Pick<WeightStats, 'count' | 'maxOverMedian'> {
  const n = sorted.length;
  const median = n > 0 ? percentileOfSorted(sorted, 50) : 0;
  return { count: n, maxOverMedian: maxOverMedianOf(median, n > 0 ? sorted.at(n - 1)! : 0) };
}

/**
 * Whether a graph's interactions are heavy-tailed counts as a whole: the kinds whose weights are heavy-tailed
 * ({@link isHeavyTailed}) hold at least half of the interaction values. `statsByKind` = each kind's stats
 * ({@link weightStats}, or {@link tailStatsOfSorted} of its sorted values). The retrieval regime (retrieve/context
 * `heavyTailed`: ppr's degree discount) follows it.
 */
export function interactionsHeavyTailed(cfg: Pick<WeightsConfig, 'heavyTailRatio'>, statsByKind: Iterable<Pick<WeightStats, 'count' | 'maxOverMedian'>>): boolean {
  let n = 0;
  let heavy = 0;
  for (const stats of statsByKind) {
    n += stats.count;
    if (isHeavyTailed(stats, cfg.heavyTailRatio)) heavy += stats.count;
  }
  return n > 0 && heavy * 2 >= n;
}

/** The transform kind `kind` gets under `cfg`, given its weights' count and max / median (see the module doc). */
export function resolveKindTransform(cfg: WeightsConfig, kind: string, stats: Pick<WeightStats, 'count' | 'maxOverMedian'>): TransformStep[] {
  const own = cfg.transforms[kind];
  if (own !== undefined) return parseTransform(own, 'CONFIG');
  if (isHeavyTailed(stats, cfg.heavyTailRatio)) return parseTransform(cfg.heavyTailTransform, 'CONFIG');
  return [{ op: 'none' }];
}

/** The transform each kind gets under `cfg`, given the kinds' weight statistics. */
export function resolveTransforms(cfg: WeightsConfig, statsByKind: ReadonlyMap<string, WeightStats>): Map<string, TransformStep[]> {
  const out = new Map<string, TransformStep[]>();
  for (const [kind, stats] of statsByKind) out.set(kind, resolveKindTransform(cfg, kind, stats));
  return out;
}

/** max / median as {@link WeightStats} defines it. */
function maxOverMedianOf(median: number, max: number): number {
  return median > 0 ? max / median : max > 0 ? Infinity : 1;
}

/** A per-value step (log1p, binary) applied to one weight; the other steps leave it unchanged here. */
function valueStep(op: TransformStep['op'], w: number): number {
  return op === 'log1p' ? Math.log1p(Math.max(0, w)) : op === 'binary' ? (w > 0 ? 1 : 0) : w;
}

/**
 * What a kind's transform needs from ALL of the kind's weights, for applying it to one user's weights at a time
 * (the live engine, engine/live: a write then changes only the writer's rows): the resolved steps and the threshold
 * of each `cap` step. A cap that follows only per-value steps (none, log1p, binary, cap: all non-decreasing) takes
 * the percentile of the kind's raw weights put through those steps, which is exactly what {@link transformWeights}
 * computes over the transformed weights; a cap after `user-norm` needs every user's normalised weights, so the plan
 * is `global` and only a whole-kind {@link transformWeights} gives the result. `key` tells two plans apart.
 */
export interface KindTransformPlan {
  steps: TransformStep[];
  /** Threshold of step j when it is a cap (undefined otherwise, or when `global`). */
  caps: Array<number | undefined>;
  global: boolean;
  key: string;
}

/** The plan of kind `kind` from its weights sorted ascending (see {@link KindTransformPlan}). O(steps). */
export function planKindTransform(cfg: WeightsConfig, kind: string, sorted: RankedValues): KindTransformPlan {
  const n = sorted.length;
  const steps = resolveKindTransform(cfg, kind, tailStatsOfSorted(sorted));
  const caps: Array<number | undefined> = [];
  let perValue = true;
  let global = false;
  steps.forEach((step, j) => {
    if (step.op === 'user-norm') perValue = false;
    if (step.op !== 'cap') return void caps.push(undefined);
    if (!perValue) {
      global = true;
      return void caps.push(undefined);
    }
    // The earlier steps are non-decreasing, so the percentile of their output is their output at the percentile.
    let w = percentileOfSorted(sorted, step.percentile);
    for (let k = 0; k < j; k++) {
      const prev = steps[k]!;
      w = prev.op === 'cap' ? Math.min(w, caps[k]!) : valueStep(prev.op, w);
    }
    caps.push(n > 0 ? w : 0);
  });
  return { steps, caps, global, key: JSON.stringify([formatTransform(steps), caps, global]) };
}

/**
 * Applies a non-global plan to the weights of ONE user of its kind, in the order the projection reads them (item
 * order): value for value what {@link transformWeights} gives those rows when run over the whole kind.
 */
export function transformUserWeights(plan: KindTransformPlan, weights: ArrayLike<number>): Float64Array {
  if (plan.global) throw new AppError('INTERNAL', 'weight transform: a global plan applies to a whole kind only');
  const w = Float64Array.from(weights);
  const n = w.length;
  plan.steps.forEach((step, j) => {
    if (step.op === 'cap') {
      const cap = plan.caps[j]!;
      for (let k = 0; k < n; k++) if (w[k]! > cap) w[k] = cap;
    } else if (step.op === 'user-norm') {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += w[k]!;
      const mean = sum / n;
      for (let k = 0; k < n; k++) w[k] = mean > 0 ? w[k]! / mean : 0;
    } else if (step.op !== 'none') for (let k = 0; k < n; k++) w[k] = valueStep(step.op, w[k]!);
  });
  return w;
}

/**
 * Applies `steps` to the weights of one kind (`users[k]` owns `weights[k]`); returns new weights. O(n log n) for a
 * cap (one sort), O(n) otherwise.
 */
export function transformWeights(steps: readonly TransformStep[], users: ArrayLike<number>, weights: ArrayLike<number>): Float64Array {
  if (users.length !== weights.length) throw new AppError('BAD_REQUEST', 'weight transform: users and weights differ in length');
  let w = Float64Array.from(weights);
  const n = w.length;
  for (const step of steps) {
    switch (step.op) {
      case 'none':
        break;
      case 'log1p':
      case 'binary':
        for (let k = 0; k < n; k++) w[k] = valueStep(step.op, w[k]!);
        break;
      case 'cap': {
        const cap = percentileOfSorted(sortFewDistinct(Float64Array.from(w)), step.percentile);
        for (let k = 0; k < n; k++) if (w[k]! > cap) w[k] = cap;
        break;
      }
      case 'user-norm': {
        const sum = new Map<number, number>();
        const cnt = new Map<number, number>();
        for (let k = 0; k < n; k++) {
          const u = users[k]!;
          sum.set(u, (sum.get(u) ?? 0) + w[k]!);
          cnt.set(u, (cnt.get(u) ?? 0) + 1);
        }
        const next = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          const u = users[k]!;
          const mean = sum.get(u)! / cnt.get(u)!;
          next[k] = mean > 0 ? w[k]! / mean : 0;
        }
        w = next;
        break;
      }
    }
  }
  return w;
}

/** Kinds of rows as codes into a name table (what a large read keeps instead of a string per row). */
export interface KindCodes {
  codes: ArrayLike<number>;
  names: readonly string[];
}

/** The kinds of `kinds` as codes, names in first-seen order. */
function codeKinds(kinds: readonly string[]): KindCodes {
  const ids = new Map<string, number>();
  const codes = new Uint32Array(kinds.length);
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k]!;
    let c = ids.get(kind);
    if (c === undefined) ids.set(kind, (c = ids.size));
    codes[k] = c;
  }
  return { codes, names: [...ids.keys()] };
}

/**
 * Transforms interaction weights of several kinds at once: `kinds` names the kind of each row (a name per row, or
 * codes into a name table). Returns the new weights and the transform each kind got (canonical text), for logs and
 * reports. Memory beyond the output: typed copies of one kind's rows at a time (none when one kind holds every row).
 */
export function transformInteractionWeights(
  cfg: WeightsConfig,
  rows: { users: ArrayLike<number>; kinds: readonly string[] | KindCodes; weights: ArrayLike<number> },
): { weights: Float64Array; applied: Record<string, string>; stats: Record<string, WeightStats> } {
  const n = rows.weights.length;
  const { codes, names } = 'codes' in rows.kinds ? rows.kinds : codeKinds(rows.kinds);
  const counts = new Float64Array(names.length);
  for (let k = 0; k < n; k++) counts[codes[k]!]!++;
  // Each present kind's rows, gathered (or the input itself when the kind holds every row).
  const byKind = new Map<string, { idx: Uint32Array | null; users: ArrayLike<number>; values: ArrayLike<number> }>();
  names.forEach((kind, c) => {
    const count = counts[c]!;
    if (count === 0) return;
    if (count === n) return void byKind.set(kind, { idx: null, users: rows.users, values: rows.weights });
    const idx = new Uint32Array(count);
    const users = new Float64Array(count);
    const values = new Float64Array(count);
    for (let k = 0, j = 0; k < n; k++) {
      if (codes[k] !== c) continue;
      idx[j] = k;
      users[j] = rows.users[k]!;
      values[j++] = rows.weights[k]!;
    }
    byKind.set(kind, { idx, users, values });
  });
  const statsByKind = new Map<string, WeightStats>();
  for (const [kind, part] of byKind) statsByKind.set(kind, weightStats(part.values));
  const transforms = resolveTransforms(cfg, statsByKind);
  const out = new Float64Array(n);
  const applied: Record<string, string> = {};
  const stats: Record<string, WeightStats> = {};
  for (const [kind, part] of byKind) {
    const steps = transforms.get(kind)!;
    applied[kind] = formatTransform(steps);
    stats[kind] = statsByKind.get(kind)!;
    const w = transformWeights(steps, part.users, part.values);
    if (part.idx === null) out.set(w);
    else for (let j = 0; j < w.length; j++) out[part.idx[j]!] = w[j]!;
  }
  return { weights: out, applied, stats };
}
