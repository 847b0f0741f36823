import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.ts';
import { createRng } from '../../../src/compute/rng.ts';
import { batchedPpr, batchedPprEach } from '../../../src/compute/ppr/batched.ts';
import { exactPprRun } from '../../../src/compute/ppr/exact.ts';
import { makeSeedVector, type SeedVector } from '../../../src/compute/ppr/seed-vector.ts';
import { buildTransition } from '../../../src/compute/ppr/transition.ts';
import { buildCsr, INTERACTION_RELATION, type Csr } from '../../../src/project/csr.ts';

function randomGraph(seed: number, n: number): Csr {
  const rng = createRng(seed);
  const list: Array<[number, number, number, number]> = [];
  for (let e = 0; e < 3 * n; e++) {
    const u = rng.int(n - 1); // node n-1 stays isolated (dangling)
    const v = rng.int(n - 1);
    list.push([u, v, 1 + rng.int(5), rng.int(2)]);
  }
  return buildCsr({
    ids: Array.from({ length: n }, (_, i) => `n${i}`),
    kinds: new Uint8Array(n),
    relations: [INTERACTION_RELATION, 'subject'],
    edges: {
      src: Uint32Array.from(list, (e) => e[0]),
      dst: Uint32Array.from(list, (e) => e[1]),
      weight: Float32Array.from(list, (e) => e[2]),
      relation: Uint16Array.from(list, (e) => e[3]),
    },
  });
}

function seedsFor(n: number, count: number): SeedVector[] {
  const rng = createRng(99);
  return Array.from({ length: count }, (_, j) => {
    if (j === 0) return makeSeedVector([n - 1]); // the dangling node alone
    const nodes = Array.from({ length: 1 + rng.int(3) }, () => rng.int(n));
    return makeSeedVector(nodes, nodes.map(() => 1 + rng.int(4)));
  });
}

describe('batchedPpr', () => {
  const csr = randomGraph(4, 40);
  const t = buildTransition(csr, { relationWeights: { subject: 0.4 } });
  const seeds = seedsFor(40, 19);

  it('equals the one-seed result bit for bit, for any number of columns', () => {
    const single = seeds.map((s) => exactPprRun(t, s, { tolerance: 1e-10 }));
    for (const columns of [1, 3, 4, 8, 32]) {
      const results = batchedPpr(t, seeds, { columns, tolerance: 1e-10 });
      expect(results.length).toBe(seeds.length);
      results.forEach((scores, i) => expect([...scores], `seed ${i}, ${columns} columns`).toEqual([...single[i]!.scores]));
    }
  });

  it('reports each seed once with its iteration count', () => {
    const seen: number[] = [];
    batchedPprEach(t, seeds, { columns: 4 }, (i, scores, iterations) => {
      seen.push(i);
      expect(iterations).toBe(exactPprRun(t, seeds[i]!).iterations);
      expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    });
    expect(seen.sort((a, b) => a - b)).toEqual(seeds.map((_, i) => i));
  });

  it('handles an empty list and guards its options', () => {
    expect(batchedPpr(t, [])).toEqual([]);
    for (const [options, code] of [
      [{ columns: 0 }, 'BAD_REQUEST'],
      [{ damping: -0.1 }, 'BAD_REQUEST'],
      [{ maxIterations: 0 }, 'NOT_CONVERGED'],
      [{ maxIterations: 3, tolerance: 1e-15 }, 'NOT_CONVERGED'],
    ] as const) {
      let caught: unknown;
      try {
        batchedPpr(t, seeds, options);
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught, code), JSON.stringify(options)).toBe(true);
    }
  });
});
