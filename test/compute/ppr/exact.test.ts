import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/compute/rng.ts';
import { exactPpr, exactPprRun, powerStep, PPR_DEFAULTS } from '../../../src/compute/ppr/exact.ts';
import { denseSeeds, makeSeedVector, type SeedVector } from '../../../src/compute/ppr/seed-vector.ts';
import { buildTransition, type Transition } from '../../../src/compute/ppr/transition.ts';
import { buildCsr, INTERACTION_RELATION, type Csr } from '../../../src/project/csr.ts';
import { expectCode } from '../../helpers/errors.ts';

function graph(n: number, list: Array<[number, number, number, number]>, relations = [INTERACTION_RELATION, 'director', 'subject']): Csr {
  return buildCsr({
    ids: Array.from({ length: n }, (_, i) => `n${i}`),
    kinds: Array.from({ length: n }, (_, i) => i % 3),
    relations,
    edges: {
      src: Uint32Array.from(list, (e) => e[0]),
      dst: Uint32Array.from(list, (e) => e[1]),
      weight: Float32Array.from(list, (e) => e[2]),
      relation: Uint16Array.from(list, (e) => e[3]),
    },
  });
}

/** Random multigraph with isolated nodes, zero weights and three relations. */
function randomGraph(seed: number): Csr {
  const rng = createRng(seed);
  const n = 3 + rng.int(12);
  const m = rng.int(3 * n);
  const list: Array<[number, number, number, number]> = [];
  for (let e = 0; e < m; e++) {
    const u = rng.int(n);
    const v = rng.int(n);
    if (u >= n - 2 || v >= n - 2) continue; // the last two nodes stay isolated (dangling)
    list.push([u, v, [0, 0.5, 1, 2, 3.25, 5][rng.int(6)]!, rng.int(3)]);
  }
  return graph(n, list);
}

/**
 * Independent dense solver: builds P from the edge list (undirected, weight × relation weight, dangling rows → s)
 * and solves (I − d·Pᵀ) x = (1 − d) s by Gaussian elimination with partial pivoting.
 */
function densePpr(csr: Csr, relWeights: number[], s: Float64Array, d: number): Float64Array {
  const n = csr.nodeCount;
  const A = Array.from({ length: n }, () => new Float64Array(n));
  for (let u = 0; u < n; u++) {
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
      const v = csr.outTargets[e]!;
      const c = csr.outWeights[e]! * relWeights[csr.outRelations[e]!]!;
      A[u]![v]! += c;
      A[v]![u]! += c;
    }
  }
  const P = A.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total > 0 ? row.map((x) => x / total) : Float64Array.from(s);
  });
  // M = I − d Pᵀ, b = (1 − d) s
  const M = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - d * P[j]![i]!));
  const b = Float64Array.from(s, (x) => (1 - d) * x);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[pivot]![col]!)) pivot = r;
    [M[col], M[pivot]] = [M[pivot]!, M[col]!];
    [b[col], b[pivot]] = [b[pivot]!, b[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = M[r]![col]! / M[col]![col]!;
      if (f === 0) continue;
      for (let c = col; c < n; c++) M[r]![c]! -= f * M[col]![c]!;
      b[r]! -= f * b[col]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let acc = b[r]!;
    for (let c = r + 1; c < n; c++) acc -= M[r]![c]! * x[c]!;
    x[r] = acc / M[r]![r]!;
  }
  return x;
}

function randomSeeds(seed: number, n: number): SeedVector {
  const rng = createRng(seed);
  const k = 1 + rng.int(Math.min(4, n));
  const nodes = Array.from({ length: k }, () => rng.int(n));
  return makeSeedVector(nodes, nodes.map(() => 0.1 + rng.float()), n);
}

describe('exactPpr', () => {
  it('solves a path by hand (d = 0.5): 7/12, 1/3, 1/12', () => {
    const csr = graph(3, [
      [0, 1, 1, 0],
      [1, 2, 1, 0],
    ]);
    const x = exactPpr(buildTransition(csr), makeSeedVector([0]), { damping: 0.5, tolerance: 1e-14 });
    expect(x[0]).toBeCloseTo(7 / 12, 12);
    expect(x[1]).toBeCloseTo(1 / 3, 12);
    expect(x[2]).toBeCloseTo(1 / 12, 12);
  });

  it('follows edges in both directions: two nodes give 1/(1+d) and d/(1+d)', () => {
    const t = buildTransition(graph(2, [[1, 0, 3, 0]]));
    const x = exactPpr(t, makeSeedVector([0]), { tolerance: 1e-14, maxIterations: 1000 });
    expect(x[0]).toBeCloseTo(1 / 1.85, 12);
    expect(x[1]).toBeCloseTo(0.85 / 1.85, 12);
  });

  it('drops relations weighted 0 and returns dangling mass to the seeds', () => {
    // Path 0 –(interaction)– 1 –(director, weight 0)– 2: node 2 is dangling; seed 0, d = 0.5 → 2/3, 1/3, 0.
    const csr = graph(3, [
      [0, 1, 1, 0],
      [1, 2, 1, 1],
    ]);
    const t = buildTransition(csr, { relationWeights: { director: 0 } });
    expect([...t.dangling]).toEqual([2]);
    const x = exactPpr(t, makeSeedVector([0]), { damping: 0.5, tolerance: 1e-14 });
    expect(x[0]).toBeCloseTo(2 / 3, 12);
    expect(x[1]).toBeCloseTo(1 / 3, 12);
    expect(x[2]).toBe(0);
    // A seed on the dangling node keeps all of its mass.
    const y = exactPpr(t, makeSeedVector([2]), { tolerance: 1e-14, maxIterations: 1000 });
    expect(y[2]).toBeCloseTo(1, 12);
  });

  it('agrees with the dense solver to 1e-9 on random graphs with dangling nodes and relation weights', () => {
    let compared = 0;
    for (let g = 1; g <= 25; g++) {
      const csr = randomGraph(g);
      const options: Array<{ relationWeights: Record<string, number>; defaultRelationWeight?: number; rw: number[] }> = [
        { relationWeights: {}, rw: [1, 1, 1] },
        { relationWeights: { director: 2.5, subject: 0 }, rw: [1, 2.5, 0] },
        { relationWeights: { [INTERACTION_RELATION]: 0.3 }, defaultRelationWeight: 4, rw: [0.3, 4, 4] },
      ];
      for (const [k, opt] of options.entries()) {
        const t = buildTransition(csr, opt);
        const seeds = randomSeeds(100 * g + k, csr.nodeCount);
        const d = [0.85, 0.5, 0.95][k]!;
        const want = densePpr(csr, opt.rw, denseSeeds(seeds, csr.nodeCount), d);
        for (const kernel of ['wasm', 'js'] as const) {
          const run = exactPprRun(t, seeds, { damping: d, tolerance: 1e-13, maxIterations: 2000, kernel });
          expect(run.kernel).toBe(kernel);
          for (let v = 0; v < csr.nodeCount; v++) expect(Math.abs(run.scores[v]! - want[v]!)).toBeLessThan(1e-9);
          expect(run.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
        }
        compared++;
      }
    }
    expect(compared).toBe(75);
  });

  it('reports iterations and stops at the tolerance', () => {
    const t = buildTransition(randomGraph(3));
    const seeds = makeSeedVector([0]);
    const loose = exactPprRun(t, seeds, { tolerance: 1e-3 });
    const tight = exactPprRun(t, seeds, { tolerance: 1e-12 });
    expect(loose.iterations).toBeGreaterThan(0);
    expect(tight.iterations).toBeGreaterThan(loose.iterations);
    expect(tight.delta).toBeLessThan(1e-12);
  });

  it('throws NOT_CONVERGED with maxIterations: 0 or too few iterations, on both kernels', () => {
    const t = buildTransition(randomGraph(5));
    for (const kernel of ['auto', 'wasm', 'js'] as const) {
      expectCode(() => exactPpr(t, makeSeedVector([0]), { maxIterations: 0, kernel }), 'NOT_CONVERGED');
      expectCode(() => exactPpr(t, makeSeedVector([0]), { maxIterations: 2, tolerance: 1e-15, kernel }), 'NOT_CONVERGED');
    }
  });

  /** The multi-pass reference: powerStep until the change falls below the tolerance. */
  function referenceRun(t: Transition, seeds: SeedVector, d: number, tolerance: number): { scores: Float64Array; iterations: number; delta: number } {
    let x: Float64Array = denseSeeds(seeds, t.nodeCount);
    let next: Float64Array = new Float64Array(t.nodeCount);
    const y = new Float64Array(t.nodeCount);
    for (let it = 1; it <= 5000; it++) {
      const delta = powerStep(t, seeds, d, x, next, y);
      [x, next] = [next, x];
      if (delta < tolerance) return { scores: x, iterations: it, delta };
    }
    throw new Error('reference did not converge');
  }

  it('fused wasm and js kernels return the bits of the multi-pass reference step', () => {
    let checked = 0;
    for (let g = 1; g <= 20; g++) {
      const csr = randomGraph(g);
      const t = buildTransition(csr, { relationWeights: { subject: 0 } }); // more dangling nodes
      const n = csr.nodeCount;
      // seeds on the first and the last node (a dangling one), a random set, and every node
      const seedSets = [makeSeedVector([0, n - 1], [1, 3]), randomSeeds(7 * g, n), makeSeedVector(Array.from({ length: n }, (_, i) => i))];
      for (const seeds of seedSets) {
        const want = referenceRun(t, seeds, 0.85, 1e-12);
        for (const kernel of ['wasm', 'js'] as const) {
          const run = exactPprRun(t, seeds, { tolerance: 1e-12, maxIterations: 5000, kernel });
          expect(run.iterations, `graph ${g} ${kernel}`).toBe(want.iterations);
          expect(run.delta).toBe(want.delta);
          expect([...run.scores]).toEqual([...want.scores]);
        }
        checked++;
      }
    }
    expect(checked).toBe(60);
  });

  it('reuses one transition across queries without leaking state between them', () => {
    const t = buildTransition(randomGraph(11));
    const a = makeSeedVector([1, 2]);
    const b = makeSeedVector([0]);
    const first = exactPpr(t, a, { tolerance: 1e-12 });
    const other = exactPpr(t, b, { tolerance: 1e-12 });
    const again = exactPpr(t, a, { tolerance: 1e-12 });
    expect([...again]).toEqual([...first]);
    expect(again).not.toBe(first); // results are copies, not views of the kernel's scratch
    expect([...other]).not.toEqual([...first]);
    expect(exactPprRun(t, a).kernel).toBe('wasm'); // auto picks wasm where WebAssembly exists (Node 20)
  });

  it('guards options and seeds', () => {
    const t = buildTransition(randomGraph(5));
    expectCode(() => exactPpr(t, makeSeedVector([0]), { damping: 1 }), 'BAD_REQUEST');
    expectCode(() => exactPpr(t, makeSeedVector([0]), { tolerance: 0 }), 'BAD_REQUEST');
    expectCode(() => exactPpr(t, makeSeedVector([0]), { maxIterations: 1.5 }), 'BAD_REQUEST');
    expectCode(() => exactPpr(t, makeSeedVector([0]), { kernel: 'gpu' as 'js' }), 'BAD_REQUEST');
    expectCode(() => exactPpr(t, makeSeedVector([t.nodeCount + 3])), 'BAD_REQUEST');
    expectCode(() => exactPpr(t, { nodes: Uint32Array.of(0), weights: Float64Array.of(0.5) }), 'BAD_REQUEST');
    expect(PPR_DEFAULTS.damping).toBe(0.85);
  });
});

describe('buildTransition', () => {
  it('joins out and in edges per node with relation-weighted, symmetric weights', () => {
    // 0→1 (interaction, 2), 2→1 (director, 1), 1→3 (subject, 4)
    const csr = graph(4, [
      [0, 1, 2, 0],
      [2, 1, 1, 1],
      [1, 3, 4, 2],
    ]);
    const t = buildTransition(csr, { relationWeights: { director: 3 }, defaultRelationWeight: 0.5 });
    expect([...t.relationWeights]).toEqual([0.5, 3, 0.5]);
    expect([...t.starts]).toEqual([0, 1, 4, 5, 6]);
    expect([...t.neighbors]).toEqual([1, 3, 0, 2, 1, 1]);
    expect([...t.weights]).toEqual([1, 2, 1, 3, 3, 2]);
    expect([...t.strength]).toEqual([1, 6, 3, 2]);
    expect(t.invStrength[1]).toBeCloseTo(1 / 6, 15);
    expect(t.dangling.length).toBe(0);
  });

  it('rejects unknown relations and bad weights', () => {
    const csr = graph(2, [[0, 1, 1, 0]]);
    expectCode(() => buildTransition(csr, { relationWeights: { nope: 1 } }), 'BAD_REQUEST');
    expectCode(() => buildTransition(csr, { relationWeights: { director: -1 } }), 'BAD_REQUEST');
    expectCode(() => buildTransition(csr, { defaultRelationWeight: Infinity }), 'BAD_REQUEST');
  });
});
