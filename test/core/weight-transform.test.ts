import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/core/config.ts';
import {
  formatTransform,
  interactionsHeavyTailed,
  isHeavyTailed,
  parseTransform,
  planKindTransform,
  resolveTransforms,
  SortedRuns,
  tailStatsOfSorted,
  transformInteractionWeights,
  transformUserWeights,
  transformWeights,
  weightStats,
  type WeightsConfig,
} from '../../src/core/weight-transform.ts';

const close = (a: ArrayLike<number>, b: number[]) => expect(Array.from(a).map((x) => Math.round(x * 1e6) / 1e6)).toEqual(b.map((x) => Math.round(x * 1e6) / 1e6));

describe('weight transforms', () => {
  it('parses specs and names them canonically', () => {
    expect(formatTransform(parseTransform(' Cap:P99 + log1p '))).toBe('cap:99+log1p');
    expect(parseTransform('user-norm')).toEqual([{ op: 'user-norm' }]);
    for (const bad of ['', 'log2', 'cap:0', 'cap:101', 'cap:x', 'log1p+']) {
      let caught: unknown;
      try {
        parseTransform(bad);
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught, 'BAD_REQUEST'), bad).toBe(true);
    }
  });

  it('applies each step', () => {
    const users = [0, 0, 1, 1];
    const w = [1, 3, 0, 10];
    close(transformWeights(parseTransform('none'), users, w), [1, 3, 0, 10]);
    close(transformWeights(parseTransform('log1p'), users, w), [Math.log(2), Math.log(4), 0, Math.log(11)]);
    close(transformWeights(parseTransform('binary'), users, w), [1, 1, 0, 1]);
    // user 0 mean 2, user 1 mean 5.
    close(transformWeights(parseTransform('user-norm'), users, w), [0.5, 1.5, 0, 2]);
    // Nearest-rank 50th percentile of [0, 1, 3, 10] is 1.
    close(transformWeights(parseTransform('cap:50'), users, w), [1, 1, 0, 1]);
    close(transformWeights(parseTransform('cap:75+log1p'), users, w), [Math.log(2), Math.log(4), 0, Math.log(4)]);
  });

  it('flags listen counts as heavy-tailed, not ratings or 0/1 data', () => {
    const counts = Array.from({ length: 100 }, (_, k) => (k === 99 ? 100_000 : 100 + k));
    const ratings = Array.from({ length: 100 }, (_, k) => 1 + (k % 5));
    expect(isHeavyTailed(weightStats(counts), 50)).toBe(true);
    expect(isHeavyTailed(weightStats(ratings), 50)).toBe(false);
    expect(isHeavyTailed(weightStats(new Array(100).fill(1)), 50)).toBe(false);
    // Too few values to speak of a tail.
    expect(isHeavyTailed(weightStats([1, 1, 1000]), 50)).toBe(false);
    expect(weightStats([1, 2, 3, 4, 100]).median).toBe(3);
  });

  it('calls a graph heavy-tailed when heavy-tailed kinds hold at least half of its values', () => {
    const counts = Array.from({ length: 100 }, (_, k) => (k === 99 ? 100_000 : 100 + k));
    const ratings = Array.from({ length: 100 }, (_, k) => 1 + (k % 5));
    // Each kind's stats as the live path takes them (sorted values) — and as the evaluation path does (weightStats).
    const of = (parts: Array<[string, number[]]>) => parts.map(([, v]) => tailStatsOfSorted(Float64Array.from(v).sort()));
    const cfg = { heavyTailRatio: 50 };
    expect(interactionsHeavyTailed(cfg, of([['listen', counts]]))).toBe(true);
    expect(interactionsHeavyTailed(cfg, of([['rating', ratings]]))).toBe(false);
    // Equal shares: counts hold half, which is enough; a minority of counts is not.
    expect(interactionsHeavyTailed(cfg, of([['rating', ratings], ['listen', counts]]))).toBe(true);
    expect(interactionsHeavyTailed(cfg, of([['rating', [...ratings, ...ratings]], ['listen', counts]]))).toBe(false);
    // The ratio is the config's: at 10,000 the same counts are not heavy-tailed.
    expect(interactionsHeavyTailed({ heavyTailRatio: 10_000 }, of([['listen', counts]]))).toBe(false);
    expect(interactionsHeavyTailed(cfg, of([]))).toBe(false);
    for (const v of [counts, ratings, [3, 2, 1]]) {
      const { count, maxOverMedian } = weightStats(v);
      expect(tailStatsOfSorted(Float64Array.from(v).sort())).toEqual({ count, maxOverMedian });
    }
  });

  it('resolves per kind: own entry, else the heavy-tail default, else none', () => {
    const counts = weightStats(Array.from({ length: 100 }, (_, k) => (k === 0 ? 50_000 : 10)));
    const ratings = weightStats(Array.from({ length: 100 }, (_, k) => 1 + (k % 5)));
    const r = resolveTransforms({ transforms: { rating: 'binary' }, heavyTailTransform: 'log1p', heavyTailRatio: 50 }, new Map([['listen', counts], ['rating', ratings], ['click', ratings]]));
    expect(Object.fromEntries([...r].map(([k, v]) => [k, formatTransform(v)]))).toEqual({ listen: 'log1p', rating: 'binary', click: 'none' });
  });

  it('transforms mixed kinds row by row', () => {
    const kinds = [...new Array(30).fill('listen'), 'rating'];
    const weights = [...Array.from({ length: 30 }, (_, k) => (k === 0 ? 10_000 : 2)), 4];
    const users = new Array(31).fill(0);
    const out = transformInteractionWeights({ transforms: {}, heavyTailTransform: 'binary', heavyTailRatio: 50 }, { users, kinds, weights });
    expect(out.applied).toEqual({ listen: 'binary', rating: 'none' });
    expect(Array.from(out.weights)).toEqual([...new Array(30).fill(1), 4]);
  });

  it('config: env map of transforms, validated at boot', () => {
    const cfg = loadConfig({ env: { GRAPHREC_WEIGHT_TRANSFORMS: 'listen=cap:99+log1p, click=binary', GRAPHREC_HEAVY_TAIL_RATIO: '20' } });
    expect(cfg.weights.transforms).toEqual({ listen: 'cap:99+log1p', click: 'binary' });
    expect(cfg.weights.heavyTailRatio).toBe(20);
    expect(() => loadConfig({ env: { GRAPHREC_WEIGHT_TRANSFORMS: 'listen=sqrt' } })).toThrow(/weights.transforms.listen/);
    expect(() => loadConfig({ env: { GRAPHREC_HEAVY_TAIL_TRANSFORM: 'nope' } })).toThrow(/unknown step/);
    expect(() => loadConfig({ env: { GRAPHREC_WEIGHT_TRANSFORMS: 'listen' } })).toThrow(/key=value/);
  });
});

describe('per-user application (the live engine)', () => {
  const SPECS = ['none', 'log1p', 'binary', 'user-norm', 'log1p+user-norm', 'cap:80', 'cap:50+log1p', 'log1p+cap:90+user-norm', 'binary+user-norm', 'user-norm+cap:75'];
  it('planKindTransform + transformUserWeights give, user by user, exactly what transformWeights gives the whole kind', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SPECS, 'heavy'),
        fc.array(fc.tuple(fc.nat(6), fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 100_000 }))), { minLength: 1, maxLength: 60 }),
        (spec, rows) => {
          // Rows grouped by user in user order (the reload's order); `heavy` = the default heavy-tail rule, ratio 5.
          rows.sort((a, b) => a[0] - b[0]);
          const cfg: WeightsConfig = spec === 'heavy' ? { transforms: {}, heavyTailTransform: 'log1p+user-norm', heavyTailRatio: 5 } : { transforms: { listen: spec }, heavyTailTransform: 'none', heavyTailRatio: 50 };
          const users = rows.map((r) => r[0]);
          const values = rows.map((r) => r[1]);
          const plan = planKindTransform(cfg, 'listen', Float64Array.from(values).sort());
          const whole = transformInteractionWeights(cfg, { users, kinds: users.map(() => 'listen'), weights: values }).weights;
          expect(plan.global).toBe(spec === 'user-norm+cap:75');
          if (plan.global) return;
          for (const u of new Set(users)) {
            const idx = users.flatMap((x, k) => (x === u ? [k] : []));
            expect(Array.from(transformUserWeights(plan, idx.map((k) => values[k]!)))).toEqual(idx.map((k) => whole[k]!));
          }
        },
      ),
      { seed: 20261204, numRuns: 400 },
    );
  });

  it('the plan changes when the kind becomes heavy-tailed or a cap threshold moves', () => {
    const cfg = { transforms: { rating: 'cap:50' }, heavyTailTransform: 'log1p+user-norm', heavyTailRatio: 50 };
    const flat = Float64Array.from({ length: 20 }, () => 2);
    expect(planKindTransform(cfg, 'listen', flat).key).toBe(planKindTransform(cfg, 'listen', Float64Array.from([...flat.slice(1), 99]).sort()).key);
    expect(planKindTransform(cfg, 'listen', Float64Array.from([...flat.slice(1), 100]).sort()).steps).toEqual(parseTransform('log1p+user-norm'));
    expect(planKindTransform(cfg, 'rating', Float64Array.of(1, 2, 3, 4)).caps).toEqual([2]);
    expect(planKindTransform(cfg, 'rating', Float64Array.of(1, 3, 3, 4)).caps).toEqual([3]);
  });
});

describe('SortedRuns (a kind\'s sorted values as runs)', () => {
  const value = fc.oneof(fc.constantFrom(-0, 0, 1, 2.5, 3, 1e9), fc.integer({ min: -3, max: 50 }));
  it('reads every rank as the sorted array does, and a change of a few values as sorting the changed multiset does', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 80 }), fc.array(fc.nat(), { maxLength: 6 }), fc.array(value, { maxLength: 6 }), (base, removeAt, added) => {
        const sorted = Float64Array.from(base).sort();
        const runs = SortedRuns.of(sorted);
        expect(runs.length).toBe(sorted.length);
        for (let k = -1; k <= sorted.length; k++) expect(Object.is(runs.at(k), sorted.at(k)) || (k < 0 && runs.at(k) === undefined)).toBe(true);
        // Remove values the multiset holds (each at most as often as held), add any.
        const left = Array.from(sorted);
        const removed: number[] = [];
        for (const at of removeAt) if (left.length > 0) removed.push(...left.splice(at % left.length, 1));
        const changed = runs.with(removed, added);
        const expected = Float64Array.from([...left, ...added]).sort();
        expect(Array.from({ length: changed.length }, (_, k) => changed.at(k))).toEqual(Array.from(expected));
        expect(changed.values.length).toBeLessThanOrEqual(new Set(Array.from(expected, (v) => (Object.is(v, -0) ? '-0' : String(v)))).size);
        // The transform plan and the heavy-tail stats read the runs as they read the array.
        const cfg: WeightsConfig = { transforms: { listen: 'cap:75+log1p' }, heavyTailTransform: 'log1p+user-norm', heavyTailRatio: 5 };
        expect(planKindTransform(cfg, 'listen', changed)).toEqual(planKindTransform(cfg, 'listen', expected));
        expect(tailStatsOfSorted(changed)).toEqual(tailStatsOfSorted(expected));
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });

  it('refuses to remove a value it does not hold (−0 and +0 are different values)', () => {
    const runs = SortedRuns.of(Float64Array.of(0, 1, 1));
    expect(() => runs.with([2], [])).toThrow(/not held/);
    expect(() => runs.with([-0], [])).toThrow(/not held/);
    expect(() => runs.with([1, 1, 1], [])).toThrow(/not held/);
    expect(Array.from(runs.with([1, 1, 0], [-0]).values)).toEqual([-0]);
  });
});
