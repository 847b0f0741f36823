/**
 * @module compute/ppr/seed-vector
 * The personalization (restart) vector of PPR, kept sparse: `nodes[j]` has probability `weights[j]`, nodes unique,
 * sorted ascending, weights > 0 and summing to 1. Every PPR method takes one and checks it with `assertSeeds`
 * (O(seeds)); `makeSeedVector` builds one from any node/weight lists.
 *
 * @example
 * const seeds = makeSeedVector(Uint32Array.of(3, 7), Float64Array.of(2, 1)); // {3: 2/3, 7: 1/3}
 */
import { AppError } from '../../core/errors.ts';

export interface SeedVector {
  readonly nodes: Uint32Array;
  readonly weights: Float64Array;
}

/**
 * Builds a normalized seed vector from node indices and optional weights (default: uniform). Duplicate nodes are
 * summed, zero weights dropped. Throws `BAD_REQUEST` when empty, when a weight is negative or not finite, or when
 * all weights are 0; `nodeCount` (when given) bounds the indices.
 */
export function makeSeedVector(nodes: ArrayLike<number>, weights?: ArrayLike<number>, nodeCount?: number): SeedVector {
  if (nodes.length === 0) throw new AppError('BAD_REQUEST', 'compute/ppr: the seed set is empty');
  if (weights && weights.length !== nodes.length) throw new AppError('BAD_REQUEST', 'compute/ppr: seed nodes and weights differ in length');
  const sums = new Map<number, number>();
  for (let j = 0; j < nodes.length; j++) {
    const node = nodes[j]!;
    const w = weights ? weights[j]! : 1;
    if (!Number.isInteger(node) || node < 0 || node > 0xffff_fffe || (nodeCount !== undefined && node >= nodeCount)) {
      throw new AppError('BAD_REQUEST', `compute/ppr: seed node ${node} is not a node index${nodeCount !== undefined ? ` below ${nodeCount}` : ''}`);
    }
    if (!(w >= 0) || w === Infinity) throw new AppError('BAD_REQUEST', `compute/ppr: seed weight ${w} must be finite and ≥ 0`);
    if (w > 0) sums.set(node, (sums.get(node) ?? 0) + w);
  }
  let total = 0;
  for (const w of sums.values()) total += w;
  if (!(total > 0) || total === Infinity) throw new AppError('BAD_REQUEST', 'compute/ppr: seed weights sum to 0 or overflow');
  const sorted = [...sums.entries()].sort((a, b) => a[0] - b[0]);
  const seeds: SeedVector = {
    nodes: Uint32Array.from(sorted, (e) => e[0]),
    weights: Float64Array.from(sorted, (e) => e[1] / total),
  };
  return seeds;
}

/**
 * Guards a seed vector against a graph of `nodeCount` nodes: non-empty, nodes strictly increasing and in range,
 * weights > 0 summing to 1 (±1e-9). Throws `BAD_REQUEST`. O(seeds), so every query can afford it.
 */
export function assertSeeds(seeds: SeedVector, nodeCount: number): void {
  const { nodes, weights } = seeds ?? {};
  if (!(nodes instanceof Uint32Array) || !(weights instanceof Float64Array) || nodes.length !== weights.length || nodes.length === 0) {
    throw new AppError('BAD_REQUEST', 'compute/ppr: seeds must be a non-empty SeedVector (use makeSeedVector)');
  }
  let total = 0;
  for (let j = 0; j < nodes.length; j++) {
    const node = nodes[j]!;
    const w = weights[j]!;
    if (node >= nodeCount) throw new AppError('BAD_REQUEST', `compute/ppr: seed node ${node} outside a graph of ${nodeCount} nodes`);
    if (j > 0 && node <= nodes[j - 1]!) throw new AppError('BAD_REQUEST', 'compute/ppr: seed nodes must be unique and sorted (use makeSeedVector)');
    if (!(w > 0) || w === Infinity) throw new AppError('BAD_REQUEST', `compute/ppr: seed weight ${w} must be finite and > 0`);
    total += w;
  }
  if (Math.abs(total - 1) > 1e-9) throw new AppError('BAD_REQUEST', `compute/ppr: seed weights sum to ${total}, not 1 (use makeSeedVector)`);
}

/** The dense form of a seed vector (tests, dense solvers). */
export function denseSeeds(seeds: SeedVector, nodeCount: number): Float64Array {
  const s = new Float64Array(nodeCount);
  for (let j = 0; j < seeds.nodes.length; j++) s[seeds.nodes[j]!] = seeds.weights[j]!;
  return s;
}
