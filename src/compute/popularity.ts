/**
 * @module compute/popularity
 * The one definition of item popularity: the number of training interactions of an item — one per (user, item)
 * pair, i.e. the number of distinct users who interacted with it. The served `popular` strategy, the hybrid's
 * popularity part, the evaluation baselines' item degrees and the metrics' novelty / ARP all read it from here, either
 * off interaction pairs (evaluation) or off a projection's `INTERACTED` edges (serving); both give the same counts on
 * the same data (a projection holds one interaction edge per (user, item)).
 *
 * @example
 *   itemPopularity({ nUsers: 2, nItems: 3, users: Int32Array.of(0, 1), items: Int32Array.of(2, 2) }); // [0, 0, 2]
 */
import type { Interactions } from './lightgcn/graph.ts';
import { INTERACTION_RELATION_ID, KIND_CODES, type Csr } from '../project/csr.ts';

const KIND_USER: number = KIND_CODES.User;

/** Popularity per item index of interaction pairs (the pairs are distinct per (user, item)). */
export function itemPopularity(data: Interactions): Float64Array {
  const pop = new Float64Array(data.nItems);
  for (let t = 0; t < data.items.length; t++) pop[data.items[t]!]!++;
  return pop;
}

/** Popularity per node of a projection (0 for nodes that are not among `items`): users with an interaction edge in. */
export function graphItemPopularity(csr: Csr, items: Uint32Array): Float64Array {
  const pop = new Float64Array(csr.nodeCount);
  for (const v of items) pop[v] = graphItemInteractions(csr, v);
  return pop;
}

/** The popularity of item node `v` of a projection (what {@link graphItemPopularity} holds for it). O(in-degree). */
export function graphItemInteractions(csr: Csr, v: number): number {
  let count = 0;
  for (let e = csr.inStarts[v]!; e < csr.inStarts[v + 1]!; e++) if (csr.inRelations[e] === INTERACTION_RELATION_ID && csr.kinds[csr.inSources[e]!] === KIND_USER) count++;
  return count;
}
