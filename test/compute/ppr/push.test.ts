import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.ts';
import { createRng } from '../../../src/compute/rng.ts';
import { exactPpr } from '../../../src/compute/ppr/exact.ts';
import { componentSides, createPushSolver, patchComponentSides, pushPpr } from '../../../src/compute/ppr/push.ts';
import { makeSeedVector } from '../../../src/compute/ppr/seed-vector.ts';
import { buildTransition, patchTransition, type Transition } from '../../../src/compute/ppr/transition.ts';
import { buildCsr, INTERACTION_RELATION, type Csr } from '../../../src/project/csr.ts';

function csrOf(n: number, list: Array<[number, number, number, number]>): Csr {
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

/** Two random components (the second bipartite: even ↔ odd nodes) and one isolated node. */
function randomTransition(seed: number): Transition {
  const rng = createRng(seed);
  const list: Array<[number, number, number, number]> = [];
  for (let e = 0; e < 120; e++) list.push([rng.int(30), rng.int(30), 1 + rng.int(5), rng.int(2)]);
  for (let e = 0; e < 40; e++) list.push([30 + 2 * rng.int(10), 31 + 2 * rng.int(10), 1 + rng.int(3), 0]);
  return buildTransition(csrOf(51, list), { relationWeights: { subject: 0.5 } });
}

const l1 = (a: Float64Array, b: Float64Array) => a.reduce((acc, x, i) => acc + Math.abs(x - b[i]!), 0);

describe('push PPR', () => {
  const t = randomTransition(3);
  const seedSets = [makeSeedVector([0]), makeSeedVector([5, 33, 41], [1, 2, 3]), makeSeedVector([50]), makeSeedVector([2, 50], [3, 1])];

  it('converges to exact PPR as the threshold goes to 0 (both tails)', () => {
    for (const seeds of seedSets) {
      const exact = exactPpr(t, seeds, { tolerance: 1e-13, maxIterations: 1000 });
      for (const tail of ['stationary', 'none'] as const) {
        const approx = pushPpr(t, seeds, { threshold: 1e-13, tail });
        for (let v = 0; v < t.nodeCount; v++) expect(Math.abs(approx[v]! - exact[v]!)).toBeLessThan(1e-9);
      }
    }
  });

  it('stays below PPR without a tail, sums to 1 with it, and the tail reduces the error', () => {
    const seeds = seedSets[1]!;
    const exact = exactPpr(t, seeds, { tolerance: 1e-13, maxIterations: 1000 });
    const solver = createPushSolver(t, { threshold: 1e-3 });
    const none = solver.query(seeds, { tail: 'none' }).scores.slice();
    for (let v = 0; v < t.nodeCount; v++) expect(none[v]!).toBeLessThanOrEqual(exact[v]! + 1e-15);
    const result = solver.query(seeds);
    expect(result.residual).toBeGreaterThan(0);
    expect(result.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(l1(result.scores, exact)).toBeLessThan(l1(none, exact));
    // The tail stays inside the seeds' component: seeds in the first component leave the second one at 0.
    const local = solver.query(makeSeedVector([0, 1])).scores;
    for (let v = 30; v < 51; v++) expect(local[v]).toBe(0);
  });

  it('gives the same answer through the queue and through sweeps, and reuses its scratch cleanly', () => {
    const solver = createPushSolver(t, { threshold: 1e-7 });
    for (const seeds of seedSets) {
      const exact = exactPpr(t, seeds, { tolerance: 1e-13, maxIterations: 1000 });
      const queued = solver.query(seeds, { sweepFraction: 1 });
      expect(queued.swept).toBe(false);
      const a = queued.scores.slice();
      const swept = solver.query(seeds, { sweepFraction: 0 });
      expect(swept.swept).toBe(true);
      // Both stop with every residual below threshold · W, so both are within the same error of exact.
      expect(l1(a, exact)).toBeLessThan(1e-4);
      expect(l1(swept.scores, exact)).toBeLessThan(1e-4);
    }
    const first = solver.query(seedSets[1]!).scores.slice();
    solver.query(seedSets[0]!);
    solver.query(seedSets[2]!);
    expect([...solver.query(seedSets[1]!).scores]).toEqual([...first]);
  });

  it('pushes exactly as a plain FIFO push with an in-queue flag would (same pushes, same touched order, same values)', () => {
    // The reference: the textbook queue phase over separate arrays, with an explicit in-queue flag (the solver keeps
    // one record per node and no flag). No tail, no sweeps, so every value it returns is p + (1 − d)·r.
    const reference = (tr: Transition, nodes: number[], weights: number[], eps: number, d: number) => {
      const n = tr.nodeCount;
      const r = new Float64Array(n);
      const p = new Float64Array(n);
      const inQueue = new Uint8Array(n);
      const seen = new Uint8Array(n);
      const touched: number[] = [];
      const queue: number[] = [];
      const scale = (v: number) => (tr.strength[v]! > 0 ? tr.strength[v]! : 1);
      const touch = (v: number) => {
        if (!seen[v]) {
          seen[v] = 1;
          touched.push(v);
        }
        if (!inQueue[v] && r[v]! > eps * scale(v)) {
          inQueue[v] = 1;
          queue.push(v);
        }
      };
      nodes.forEach((s, j) => ((r[s] = weights[j]!), touch(s)));
      let pushes = 0;
      while (queue.length > 0) {
        const u = queue.shift()!;
        inQueue[u] = 0;
        const ru = r[u]!;
        r[u] = 0;
        p[u]! += (1 - d) * ru;
        pushes++;
        if (tr.invStrength[u] === 0) {
          nodes.forEach((s, j) => ((r[s]! += d * ru * weights[j]!), touch(s)));
          continue;
        }
        for (let e = tr.starts[u]!; e < tr.starts[u + 1]!; e++) {
          const v = tr.neighbors[e]!;
          r[v]! += d * ru * tr.invStrength[u]! * tr.weights[e]!;
          touch(v);
        }
      }
      return { pushes, touched, values: touched.map((v) => p[v]! + (1 - d) * r[v]!) };
    };
    const rng = createRng(11);
    for (let graph = 0; graph < 4; graph++) {
      const tr = randomTransition(20 + graph);
      const solver = createPushSolver(tr, { tail: 'none', sweepFraction: 1 });
      for (let q = 0; q < 25; q++) {
        const seeds = makeSeedVector([...new Set(Array.from({ length: 1 + rng.int(4) }, () => rng.int(tr.nodeCount)))], undefined, tr.nodeCount);
        const eps = [1e-2, 1e-4, 1e-7][q % 3]!;
        const got = solver.query(seeds, { threshold: eps });
        const want = reference(tr, Array.from(seeds.nodes), Array.from(seeds.weights), eps, 0.85);
        expect(got.pushes).toBe(want.pushes);
        expect(Array.from(got.touched)).toEqual(want.touched);
        expect(Array.from(got.touched, (v) => got.scoreOf(v))).toEqual(want.values);
      }
    }
  });

  it('stops at maxWork and flags the result', () => {
    const result = createPushSolver(t, { threshold: 1e-9, maxWork: 50 }).query(seedSets[0]!);
    expect(result.truncated).toBe(true);
    expect(result.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('guards its options', () => {
    for (const options of [{ threshold: 0 }, { threshold: 1 }, { damping: 1 }, { sweepFraction: 2 }, { maxWork: 0 }]) {
      let caught: unknown;
      try {
        createPushSolver(t, options);
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught, 'BAD_REQUEST'), JSON.stringify(options)).toBe(true);
    }
  });
});

describe('componentSides', () => {
  it('finds components and tells bipartite ones', () => {
    // Triangle 0-1-2 (not bipartite), path 3-4-5 (bipartite), isolated 6.
    const t = buildTransition(
      csrOf(7, [
        [0, 1, 1, 0],
        [1, 2, 1, 0],
        [2, 0, 2, 0],
        [3, 4, 1, 0],
        [4, 5, 3, 0],
      ]),
    );
    const s = componentSides(t);
    expect(s.count).toBe(3);
    expect([...s.component]).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect([...s.bipartite]).toEqual([0, 1, 1]);
    expect([...s.side.subarray(3, 6)]).toEqual([0, 1, 0]);
    // Path 3-4-5: side 0 holds nodes 3 and 5 (W = 1 + 3), side 1 node 4 (W = 4).
    expect([...s.strengthBySide.subarray(2, 4)]).toEqual([4, 4]);
    // The triangle has no sides: all on side 0, with its whole W (3 + 2 + 3).
    expect([...s.side.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...s.strengthBySide.subarray(0, 2)]).toEqual([8, 0]);
  });

  it('carries over a patch that keeps or merges components, and gives up on one that may split one', () => {
    const base: Array<[number, number, number, number]> = [
      [0, 1, 1, 0],
      [1, 2, 1, 0],
      [2, 0, 2, 0],
      [3, 4, 1, 0],
      [4, 5, 3, 0],
    ];
    const before = buildTransition(csrOf(7, base));
    const sides = componentSides(before);
    const patched = (list: Array<[number, number, number, number]>, touched: number[]) => {
      const after = patchTransition(before, csrOf(7, list), touched);
      return { after, result: patchComponentSides(sides, before, after, touched) };
    };
    // A re-weighted edge (4-5), a new chord inside the triangle's component (not bipartite), two components joined
    // (the second one's colouring flipped to fit), an edge on one side of a bipartite component (now not bipartite),
    // the isolated node 6 joined to the path, and to both components at once: patched, equal to a fresh structure.
    type Edge = [number, number, number, number];
    const kept: Array<[Edge[], number[]]> = [
      [base.map((e): Edge => (e[0] === 4 ? [4, 5, 7, 0] : e)), [4, 5]],
      [[...base, [0, 2, 5, 0]], [0, 2]],
      [[...base, [2, 3, 1, 0]], [2, 3]],
      [[...base, [3, 5, 1, 0]], [3, 5]],
      [[...base, [6, 4, 1, 0]], [6, 4]],
      [[...base, [6, 4, 1, 0], [1, 6, 2, 0]], [6, 4, 1]],
    ];
    for (const [list, touched] of kept) {
      const { after, result } = patched(list, touched);
      expect(result).toBeDefined();
      expect(result).toEqual(componentSides(after));
    }
    // An edge set to 0 (the path splits): the structure may have changed, so none is given.
    expect(patched(base.map((e): Edge => (e[0] === 4 ? [4, 5, 0, 0] : e)), [4, 5]).result).toBeUndefined();
  });
});
