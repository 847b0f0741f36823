/** Tiny hand-built graphs for the explanation tests. */
import { buildCsr, INTERACTION_RELATION, type Csr } from '../../src/project/csr.ts';

/** Builds a CSR from named nodes and [from, to, relation, weight] edges. */
export function tinyCsr(nodes: Array<[string, 0 | 1 | 2]>, relations: string[], edges: Array<[string, string, string, number]>): Csr {
  const ids = nodes.map((n) => n[0]);
  const at = (id: string): number => {
    const i = ids.indexOf(id);
    if (i < 0) throw new Error(`no node ${id}`);
    return i;
  };
  return buildCsr({
    ids,
    kinds: nodes.map((n) => n[1]),
    relations,
    edges: {
      src: Uint32Array.from(edges, (e) => at(e[0])),
      dst: Uint32Array.from(edges, (e) => at(e[1])),
      weight: Float32Array.from(edges, (e) => e[3]),
      relation: Uint16Array.from(edges, (e) => relations.indexOf(e[2])),
    },
  });
}

// Ann rated Alien 5★ and Brazil 4★; Bob rated Alien 5★ and Blade Runner 5★; Alien and Blade Runner share a
// director, Brazil and Blade Runner an actor.
export const MOVIES = tinyCsr(
  [
    ['User:ann', 0],
    ['User:bob', 0],
    ['Item:alien', 1],
    ['Item:brazil', 1],
    ['Item:blade', 1],
    ['Entity:ridley', 2],
    ['Entity:sean', 2],
  ],
  [INTERACTION_RELATION, 'director', 'starring'],
  [
    ['User:ann', 'Item:alien', INTERACTION_RELATION, 5],
    ['User:ann', 'Item:brazil', INTERACTION_RELATION, 4],
    ['User:bob', 'Item:alien', INTERACTION_RELATION, 5],
    ['User:bob', 'Item:blade', INTERACTION_RELATION, 5],
    ['Item:alien', 'Entity:ridley', 'director', 1],
    ['Item:blade', 'Entity:ridley', 'director', 1],
    ['Item:brazil', 'Entity:sean', 'starring', 1],
    ['Item:blade', 'Entity:sean', 'starring', 1],
  ],
);

/** Display names of MOVIES. */
export const MOVIE_LABELS: Record<string, string> = {
  'User:ann': 'Ann',
  'User:bob': 'Bob',
  'Item:alien': 'Alien',
  'Item:brazil': 'Brazil',
  'Item:blade': 'Blade Runner',
  'Entity:ridley': 'Ridley Scott',
  'Entity:sean': 'Sean Young',
};
