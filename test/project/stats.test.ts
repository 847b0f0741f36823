import { describe, expect, it } from 'vitest';
import { connectedComponents, graphStats, summarizeDegrees } from '../../src/project/stats.ts';
import { buildCsr, INTERACTION_RELATION } from '../../src/project/csr.ts';

// Users u1, u2, u3; items i1, i2, i3; entities e1, e2; plus isolated user u4.
//   u1→i1 (5), u1→i2 (3), u2→i1 (4), u3→i3 (1), i1→e1 director, i2→e1 director, i2→e2 subject
const csr = buildCsr({
  ids: ['u1', 'u2', 'u3', 'i1', 'i2', 'i3', 'e1', 'e2', 'u4'],
  kinds: [0, 0, 0, 1, 1, 1, 2, 2, 0],
  relations: [INTERACTION_RELATION, 'director', 'subject'],
  edges: {
    src: Uint32Array.of(0, 0, 1, 2, 3, 4, 4),
    dst: Uint32Array.of(3, 4, 3, 5, 6, 6, 7),
    weight: Float32Array.of(5, 3, 4, 1, 1, 1, 1),
    relation: Uint16Array.of(0, 0, 0, 0, 1, 1, 2),
  },
});

describe('graphStats', () => {
  const stats = graphStats(csr);

  it('counts nodes and edges by kind, relation and kind pair', () => {
    expect(stats.nodes).toEqual({ total: 9, byKind: { User: 4, Item: 3, Entity: 2 } });
    expect(stats.edges.total).toBe(7);
    expect(stats.edges.byRelation).toEqual({ [INTERACTION_RELATION]: 4, director: 2, subject: 1 });
    expect(stats.edges.byKindPair).toEqual({ 'User->Item': 4, 'Item->Entity': 3 });
    expect(stats.edges.selfLoops).toBe(0);
    expect(stats.edges.weight).toEqual({ min: 1, mean: 16 / 7, max: 5 });
  });

  it('summarizes degrees per kind', () => {
    // Users: u1 2, u2 1, u3 1, u4 0 → median 1, mean 1
    expect(stats.degree.User).toEqual({
      nodes: 4,
      min: 0,
      median: 1,
      mean: 1,
      max: 2,
      histogram: [
        { from: 0, to: 0, count: 1 },
        { from: 1, to: 1, count: 2 },
        { from: 2, to: 3, count: 1 },
      ],
    });
    // Items: i1 = 2 raters + e1 = 3, i2 = 1 + 2 = 3, i3 = 1
    expect(stats.degree.Item).toMatchObject({ nodes: 3, min: 1, median: 3, mean: 7 / 3, max: 3 });
    expect(stats.degree.Entity).toMatchObject({ nodes: 2, min: 1, median: 1.5, mean: 1.5, max: 2 });
  });

  it('computes densities and components', () => {
    expect(stats.density.undirected).toBeCloseTo((2 * 7) / (9 * 8), 15);
    expect(stats.density.interactions).toBeCloseTo(4 / 12, 15);
    // {u1,u2,i1,i2,e1,e2}, {u3,i3}, {u4}
    expect(stats.components).toEqual({ count: 3, largestSize: 6, largestShare: 6 / 9, isolatedNodes: 1, topSizes: [6, 2, 1] });
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
  });
});

describe('helpers', () => {
  it('labels components in first-seen order', () => {
    const { componentOf, sizes } = connectedComponents(csr);
    expect([...componentOf]).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 2]);
    expect([...sizes]).toEqual([6, 2, 1]);
  });

  it('summarizes an empty and an even-length list', () => {
    expect(summarizeDegrees(new Uint32Array(0))).toEqual({ nodes: 0, min: 0, median: 0, mean: 0, max: 0, histogram: [] });
    const s = summarizeDegrees(Uint32Array.of(9, 1, 4, 4));
    expect([s.min, s.median, s.mean, s.max]).toEqual([1, 4, 4.5, 9]);
    expect(s.histogram.map((b) => b.count)).toEqual([0, 1, 0, 2, 1]);
  });
});
