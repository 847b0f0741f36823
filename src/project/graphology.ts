/**
 * @module project/graphology
 * Copies a small part of the projection into a graphology `MultiDirectedGraph`, for the code that works on evidence
 * subgraphs (explanations, the web explorer, graphology-metrics on a neighbourhood). Compute modules never see the
 * result; it is the "map back at the edge" step.
 *
 * Nodes are keyed by their CSR id and carry `{ kind, index }`; an edge is kept when both ends are in the set and
 * carries `{ relation, weight }`, keyed `e<position in the out arrays>` (stable for one CSR). Parallel edges of
 * different relations stay separate (hence a multi graph).
 *
 * @example
 * const g = toGraphology(csr, [u, i, e]);
 * g.forEachEdge((key, attrs, source, target) => …);
 */
import { MultiDirectedGraph } from 'graphology';
import { AppError } from '../core/errors.ts';
import type { NodeKind } from '../core/model.ts';
import { assertValidCsr, kindName, type Csr } from './csr.ts';

export interface ProjectedNodeAttributes {
  kind: NodeKind;
  /** Node index in the CSR. */
  index: number;
}

export interface ProjectedEdgeAttributes {
  relation: string;
  weight: number;
}

export type ProjectedGraph = MultiDirectedGraph<ProjectedNodeAttributes, ProjectedEdgeAttributes>;

export interface ToGraphologyOptions {
  /** Keep only edges of these relation names (all when omitted). */
  relations?: readonly string[];
  /** Refuse node sets larger than this (`BAD_REQUEST`): graphology is for small subgraphs. [100000] */
  maxNodes: number;
}

export const TO_GRAPHOLOGY_DEFAULTS: ToGraphologyOptions = { maxNodes: 100_000 };

/** Builds the subgraph induced by `nodes` (node indices; duplicates ignored). O(Σ out-degree of the set). */
export function toGraphology(csr: Csr, nodes: Iterable<number>, options: Partial<ToGraphologyOptions> = {}): ProjectedGraph {
  const o = { ...TO_GRAPHOLOGY_DEFAULTS, ...options } satisfies ToGraphologyOptions;
  assertValidCsr(csr);
  let keep: Uint8Array | undefined;
  if (o.relations) {
    keep = new Uint8Array(csr.relations.length);
    for (const name of o.relations) {
      const r = csr.relations.indexOf(name);
      if (r < 0) throw new AppError('BAD_REQUEST', `project/graphology: unknown relation ${JSON.stringify(name)}`);
      keep[r] = 1;
    }
  }
  const set = new Set<number>();
  for (const u of nodes) {
    if (!Number.isInteger(u) || u < 0 || u >= csr.nodeCount) throw new AppError('BAD_REQUEST', `project/graphology: ${u} is not a node index`);
    set.add(u);
    if (set.size > o.maxNodes) throw new AppError('BAD_REQUEST', `project/graphology: more than ${o.maxNodes} nodes requested`);
  }
  const graph: ProjectedGraph = new MultiDirectedGraph<ProjectedNodeAttributes, ProjectedEdgeAttributes>();
  const ordered = [...set].sort((a, b) => a - b);
  for (const u of ordered) graph.addNode(csr.ids.at(u)!, { kind: kindName(csr.kinds[u]!), index: u });
  for (const u of ordered) {
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
      const v = csr.outTargets[e]!;
      const r = csr.outRelations[e]!;
      if (!set.has(v) || (keep && !keep[r])) continue;
      graph.addDirectedEdgeWithKey(`e${e}`, csr.ids.at(u)!, csr.ids.at(v)!, { relation: csr.relations[r]!, weight: csr.outWeights[e]! });
    }
  }
  return graph;
}
