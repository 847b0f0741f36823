/**
 * @module compute/ppr/walk
 * Approximate PPR by Monte Carlo random walks with restart (Pixie-style visit counting), seeded and reproducible.
 *
 * Each walk starts at a seed drawn from the seed vector; at every node it stops with probability 1 − d, otherwise it
 * moves to a neighbour drawn in proportion to the effective edge weight (a dangling node jumps back to a seed drawn
 * from the seed vector). Every node a walk stands on, the start included, gets one visit. The expected number of
 * visits to v in one walk is π(v) / (1 − d), so `score(v) = visits(v) · (1 − d) / walks` is an unbiased PPR
 * estimate whose relative error falls like 1/√visits (Pixie's early stopping idea: the top of the ranking settles
 * long before the tail).
 *
 * Neighbour sampling is a binary search in per-row cumulative weights (built once per solver, 8 bytes per adjacency
 * entry). Randomness: `compute/rng` (xoshiro128**) seeded from `seed`, so equal inputs give equal outputs. Like the push solver, a
 * `WalkSolver` owns its scratch and returns views valid until its next query.
 *
 * @example
 * const walker = createWalkSolver(t, { walks: 20_000, seed: 7 });
 * const { nodes, values } = walker.query(seeds);
 */
import { AppError } from '../../core/errors.ts';
import { createRng } from '../rng.ts';
import type { SparseScores } from '../../project/csr-top-k.ts';
import { assertSeeds, type SeedVector } from './seed-vector.ts';
import { assertDamping, assertTransition, type Transition } from './transition.ts';

export interface WalkOptions {
  /** Probability of taking another step. [0.85] */
  damping: number;
  /** Number of walks per query. [20000] */
  walks: number;
  /** RNG seed (any 32-bit integer); each query re-seeds, so a query's result depends only on its inputs. [1] */
  seed: number;
}

export const WALK_DEFAULTS = { damping: 0.85, walks: 20_000, seed: 1 } as const satisfies WalkOptions;

export interface WalkResult extends SparseScores {
  /** Total steps taken (visits counted). */
  steps: number;
}

export interface WalkSolver {
  readonly transition: Transition;
  query(seeds: SeedVector, options?: Partial<WalkOptions>): WalkResult;
}

function assertWalkOptions(o: WalkOptions): void {
  assertDamping(o.damping);
  if (!Number.isInteger(o.walks) || o.walks < 1) throw new AppError('BAD_REQUEST', `compute/ppr: walks must be an integer ≥ 1 (got ${o.walks})`);
  if (!Number.isInteger(o.seed)) throw new AppError('BAD_REQUEST', `compute/ppr: seed must be an integer (got ${o.seed})`);
}

/** Creates a walk solver (cumulative weight tables + scratch); `options` become its defaults. */
export function createWalkSolver(t: Transition, options: Partial<WalkOptions> = {}): WalkSolver {
  assertTransition(t);
  const base = { ...WALK_DEFAULTS, ...options } satisfies WalkOptions;
  assertWalkOptions(base);
  const n = t.nodeCount;
  const { starts, neighbors, weights, strength } = t;
  const cumulative = new Float64Array(weights.length);
  for (let u = 0; u < n; u++) {
    let acc = 0;
    for (let e = starts[u]!; e < starts[u + 1]!; e++) cumulative[e] = acc += weights[e]!;
  }
  const visits = new Float64Array(n);
  const stamp = new Uint32Array(n);
  const touched = new Uint32Array(n);
  const values = new Float64Array(n);
  let epoch = 0;

  return {
    transition: t,
    query(seeds: SeedVector, overrides: Partial<WalkOptions> = {}): WalkResult {
      const o = { ...base, ...overrides } satisfies WalkOptions;
      assertWalkOptions(o);
      assertSeeds(seeds, n);
      if (++epoch === 0xffff_ffff) {
        stamp.fill(0);
        epoch = 1;
      }
      const ep = epoch;
      const rand = createRng(o.seed).float;
      const d = o.damping;
      const seedNodes = seeds.nodes;
      const seedCum = new Float64Array(seedNodes.length);
      let acc = 0;
      for (let j = 0; j < seedNodes.length; j++) seedCum[j] = acc += seeds.weights[j]!;
      const lastSeed = seedNodes.length - 1;
      const drawSeed = (): number => {
        const target = rand() * acc;
        let lo = 0;
        let hi = lastSeed;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (seedCum[mid]! <= target) lo = mid + 1;
          else hi = mid;
        }
        return seedNodes[lo]!;
      };
      let nTouched = 0;
      let steps = 0;
      for (let w = 0; w < o.walks; w++) {
        let u = drawSeed();
        for (;;) {
          if (stamp[u] !== ep) {
            stamp[u] = ep;
            visits[u] = 0;
            touched[nTouched++] = u;
          }
          visits[u]!++;
          steps++;
          // One draw decides both: stop when ≥ d; otherwise draw / d is uniform on [0, 1) and picks the neighbour.
          const coin = rand();
          if (coin >= d) break;
          const a = starts[u]!;
          const b = starts[u + 1]!;
          if (a === b) {
            u = drawSeed();
            continue;
          }
          const target = (coin / d) * strength[u]!;
          let lo = a;
          let hi = b - 1;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (cumulative[mid]! <= target) lo = mid + 1;
            else hi = mid;
          }
          u = neighbors[lo]!;
        }
      }
      const scale = (1 - d) / o.walks;
      for (let j = 0; j < nTouched; j++) values[j] = visits[touched[j]!]! * scale;
      return { nodes: touched.subarray(0, nTouched), values: values.subarray(0, nTouched), steps };
    },
  };
}

/** One-off walk query (allocates a solver). Returns dense scores. */
export function walkPpr(t: Transition, seeds: SeedVector, options: Partial<WalkOptions> = {}): Float64Array {
  const result = createWalkSolver(t, options).query(seeds);
  const dense = new Float64Array(t.nodeCount);
  for (let j = 0; j < result.nodes.length; j++) dense[result.nodes[j]!] = result.values[j]!;
  return dense;
}
