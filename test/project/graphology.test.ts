import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';
import { toGraphology } from '../../src/project/graphology.ts';
import { buildCsr, INTERACTION_RELATION } from '../../src/project/csr.ts';

const csr = buildCsr({
  ids: ['u1', 'i1', 'i2', 'e1'],
  kinds: [0, 1, 1, 2],
  relations: [INTERACTION_RELATION, 'director', 'writer'],
  edges: {
    src: Uint32Array.of(0, 0, 1, 1, 2),
    dst: Uint32Array.of(1, 2, 3, 3, 3),
    weight: Float32Array.of(4, 2, 1, 1, 1),
    relation: Uint16Array.of(0, 0, 1, 2, 1),
  },
});

describe('toGraphology', () => {
  it('copies the induced subgraph with kinds, relations and weights', () => {
    const g = toGraphology(csr, [0, 1, 3, 1]);
    expect(g.order).toBe(3);
    expect(g.size).toBe(3);
    expect(g.getNodeAttributes('u1')).toEqual({ kind: 'User', index: 0 });
    expect(g.getNodeAttributes('e1')).toEqual({ kind: 'Entity', index: 3 });
    const edges = g.mapEdges((key, attrs, source, target) => [key, source, target, attrs.relation, attrs.weight]);
    expect(edges.sort()).toEqual([
      ['e0', 'u1', 'i1', INTERACTION_RELATION, 4],
      ['e2', 'i1', 'e1', 'director', 1],
      ['e3', 'i1', 'e1', 'writer', 1],
    ]);
  });

  it('filters relations and guards its input', () => {
    expect(toGraphology(csr, [0, 1, 2, 3], { relations: ['director'] }).size).toBe(2);
    for (const [nodes, options] of [
      [[9], {}],
      [[0], { relations: ['nope'] }],
      [[0, 1, 2], { maxNodes: 2 }],
    ] as const) {
      let caught: unknown;
      try {
        toGraphology(csr, nodes, options);
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught, 'BAD_REQUEST')).toBe(true);
    }
  });
});
