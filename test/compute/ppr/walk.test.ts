import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.ts';
import { exactPpr } from '../../../src/compute/ppr/exact.ts';
import { makeSeedVector } from '../../../src/compute/ppr/seed-vector.ts';
import { buildTransition } from '../../../src/compute/ppr/transition.ts';
import { createWalkSolver, walkPpr } from '../../../src/compute/ppr/walk.ts';
import { buildCsr, INTERACTION_RELATION } from '../../../src/project/csr.ts';

// A small weighted graph: a 5-cycle with a chord and weights 1..3, plus node 6 with a relation weighted 0 (dangling).
const csr = buildCsr({
  ids: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
  kinds: [0, 1, 1, 2, 2, 0, 2],
  relations: [INTERACTION_RELATION, 'subject'],
  edges: {
    src: Uint32Array.of(0, 1, 2, 3, 4, 0, 5, 6),
    dst: Uint32Array.of(1, 2, 3, 4, 0, 2, 1, 3),
    weight: Float32Array.of(1, 2, 3, 1, 2, 3, 1, 1),
    relation: Uint16Array.of(0, 0, 0, 0, 0, 0, 0, 1),
  },
});
const t = buildTransition(csr, { relationWeights: { subject: 0 } });

describe('walk PPR', () => {
  it('estimates exact PPR (200k walks: every score within 0.005)', () => {
    for (const seeds of [makeSeedVector([0]), makeSeedVector([1, 6], [3, 1])]) {
      const exact = exactPpr(t, seeds, { tolerance: 1e-12 });
      const approx = walkPpr(t, seeds, { walks: 200_000, seed: 5 });
      for (let v = 0; v < t.nodeCount; v++) expect(Math.abs(approx[v]! - exact[v]!), `node ${v}`).toBeLessThan(0.005);
      expect(approx.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 1);
    }
  });

  it('is reproducible for a seed and varies with it; results are views reset per query', () => {
    const solver = createWalkSolver(t, { walks: 500 });
    const seeds = makeSeedVector([0, 3]);
    const first = solver.query(seeds);
    const a = { nodes: [...first.nodes], values: [...first.values] };
    solver.query(makeSeedVector([5]), { seed: 9 });
    const again = solver.query(seeds);
    expect({ nodes: [...again.nodes], values: [...again.values] }).toEqual(a);
    const other = solver.query(seeds, { seed: 2 });
    expect([...other.values]).not.toEqual(a.values);
    expect(again.steps).toBeGreaterThanOrEqual(500);
  });

  it('guards its options', () => {
    for (const options of [{ walks: 0 }, { walks: 1.5 }, { damping: 1 }, { seed: 0.5 }]) {
      let caught: unknown;
      try {
        createWalkSolver(t, options);
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught, 'BAD_REQUEST'), JSON.stringify(options)).toBe(true);
    }
  });
});
