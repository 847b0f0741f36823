/**
 * @module retrieve/knowledge-part
 * The `knowledge` part of `hybrid` (not a public strategy): a two-step content walk over the knowledge edges of the
 * PPR transition, item → entity → item, from the request's restart vector (the user's rated items and/or cold-start
 * seeds, with the same weights PPR restarts from).
 *
 *     m(e)     = Σ_{seed item i} x_i · c_ie / C(i)  +  x_e (a seed entity e)      C(i) = Σ c over i's entity edges
 *     score(j) = Σ_e m(e) · c_ej / D(e)^γ                                          D(e) = Σ c over e's item edges
 *
 * `c` is the relation-weighted edge weight of the transition and γ = `knowledgeEntityDiscount`: with γ = 1 the second
 * step is the walk's own probability of reaching item j from entity e, so a broad entity ("American films", 1,000
 * items) spreads its mass thin while a director of three films passes a third to each. User and entity–entity edges
 * are not walked. Items no entity path reaches score −Infinity (no evidence).
 *
 * Why it is in `hybrid`: on ML-100K it is weak alone (valid Recall@10 ≈ 0.07) but, unlike PPR or item-item
 * co-occurrence, it is nearly independent of the collaborative signal the embedding already carries, so it is the part
 * that lifts the fusion above `embedding` (see docs/evaluation.md).
 *
 * A broad entity (more than `knowledgeMaxEntityItems` items, default 2,000) passes its mass to its most popular
 * items only: the walk's cost per request stays bounded on a catalogue whose genres hold 100k items; no
 * knowledge-graph dataset in ../shared/data has an entity that broad (test/integration/retrieve/entity-breadth.test.ts).
 *
 * Cost per request: O(Σ entity edges of the seeds + Σ kept items of the touched entities) — at most the item–entity
 * adjacency (≈ 74k entries on ML-100K + DBpedia), typically far less — plus O(reached items · log pool) for the heap.
 * Building it costs two O(m) passes over the transition (its item↔entity lists) and a sort of each broad entity's items.
 */
import { copyOf, typedArray } from '../core/shared-arrays.ts';
import { claimer, type PooledScratch } from '../core/scratch-pool.ts';
import { KIND_CODES } from '../project/csr.ts';
import { remapNodes, restartRows, scatter, type Renumbering } from '../project/renumber.ts';
import type { Transition } from '../compute/ppr/transition.ts';
import type { RecommendContext } from './context.ts';
import type { CandidateRequest, StrategyScores } from './strategy.ts';
import { topKDense } from './top-k.ts';

const KIND_ITEM: number = KIND_CODES.Item;
const KIND_ENTITY: number = KIND_CODES.Entity;

/** A scoring part of `hybrid` that is not a strategy of its own. */
export interface KnowledgePart {
  readonly name: 'knowledge';
  /** Scores the request's candidates, or undefined when the request has no restart vector. */
  score(request: CandidateRequest): StrategyScores | undefined;
}

/**
 * The walk's own lists: per item its entities, per entity its items (its `cap` most popular when it has more, most
 * popular first, ties to the lower index), with the relation-weighted edge weights, and the step factors (1 / C(i) per
 * item, D(e)^−γ per entity over all its items). Built once per context; a live write's context patches them.
 */
export interface KnowledgeLists {
  step: Float64Array;
  listStart: Uint32Array;
  listNode: Uint32Array;
  listWeight: Float64Array;
  /** 1 for an entity whose list is cut at `cap` (its order depends on popularity). */
  broad: Uint8Array;
}

/**
 * Item or entity v's list as transition edge positions: its edges to the other kind, in transition order or (broad)
 * by popularity; the list holds the first `listStart[v + 1] − listStart[v]` of them.
 */
function listEdges(lists: KnowledgeLists, t: Transition, popularity: Float64Array, v: number): number[] {
  const { starts, neighbors, kinds } = t;
  const other = kinds[v] === KIND_ITEM ? KIND_ENTITY : KIND_ITEM;
  const full: number[] = [];
  for (let e = starts[v]!, end = starts[v + 1]!; e < end; e++) if (kinds[neighbors[e]!] === other) full.push(e);
  // A broad entity keeps its most popular items (ties: lower index), in that order.
  if (lists.broad[v] === 1) full.sort((a, b) => popularity[neighbors[b]!]! - popularity[neighbors[a]!]! || neighbors[a]! - neighbors[b]!);
  return full;
}

/** Writes v's list ({@link listEdges}) at its place. */
function writeList(lists: KnowledgeLists, t: Transition, v: number, edges: readonly number[]): void {
  const { neighbors, weights } = t;
  const { listStart, listNode, listWeight } = lists;
  for (let j = 0, at = listStart[v]!; at < listStart[v + 1]!; j++, at++) {
    listNode[at] = neighbors[edges[j]!]!;
    listWeight[at] = weights[edges[j]!]!;
  }
}

/** Whether v's list at its place already holds `edges` ({@link listEdges}). */
function holdsList(lists: KnowledgeLists, t: Transition, v: number, edges: readonly number[]): boolean {
  const { neighbors, weights } = t;
  const { listStart, listNode, listWeight } = lists;
  for (let j = 0, at = listStart[v]!; at < listStart[v + 1]!; j++, at++) if (listNode[at] !== neighbors[edges[j]!] || listWeight[at] !== weights[edges[j]!]) return false;
  return true;
}

function fillList(lists: KnowledgeLists, t: Transition, popularity: Float64Array, v: number): void {
  writeList(lists, t, v, listEdges(lists, t, popularity, v));
}

/** The lists of every item and entity; `shared`: on shared buffers (an engine's first version; engine/replicas). */
export function buildKnowledgeLists(t: Transition, popularity: Float64Array, gamma: number, cap: number, shared = false): KnowledgeLists {
  const n = t.nodeCount;
  const { starts, neighbors, weights, kinds } = t;
  const step = typedArray(Float64Array, n, shared);
  const listStart = typedArray(Uint32Array, n + 1, shared);
  const broad = typedArray(Uint8Array, n, shared);
  for (let v = 0; v < n; v++) {
    const kind = kinds[v];
    let count = 0;
    if (kind === KIND_ITEM || kind === KIND_ENTITY) {
      const other = kind === KIND_ITEM ? KIND_ENTITY : KIND_ITEM;
      let sum = 0;
      for (let e = starts[v]!, end = starts[v + 1]!; e < end; e++) {
        if (kinds[neighbors[e]!] !== other) continue;
        sum += weights[e]!;
        count++;
      }
      if (sum > 0) step[v] = kind === KIND_ITEM ? 1 / sum : Math.pow(sum, -gamma);
      if (kind === KIND_ENTITY && count > cap) {
        broad[v] = 1;
        count = cap;
      }
    }
    listStart[v + 1] = listStart[v]! + count;
  }
  const lists: KnowledgeLists = { step, listStart, listNode: typedArray(Uint32Array, listStart[n]!, shared), listWeight: typedArray(Float64Array, listStart[n]!, shared), broad };
  for (let v = 0; v < n; v++) if (kinds[v] === KIND_ITEM || kinds[v] === KIND_ENTITY) fillList(lists, t, popularity, v);
  return lists;
}

/**
 * The lists after a live write (same knowledge edges; `changed` = the items whose popularity moved): the same object
 * when no broad entity links a changed item or the re-cut lists of those that do are what they were (a popularity
 * one higher seldom moves an item past the cut or past another), else a copy with those entities' lists re-cut (on
 * shared buffers when `shared`: core/shared-arrays). The copy is of every list (10⁸ bytes at 50M interactions).
 */
export function patchKnowledgeLists(prev: KnowledgeLists, t: Transition, popularity: Float64Array, changed: readonly number[], shared = false): KnowledgeLists {
  const redo = new Set<number>();
  // An item's own list holds every entity it links (item lists are never cut), so this finds every broad entity
  // whose cut the change can move.
  for (const i of changed) for (let e = prev.listStart[i]!, eEnd = prev.listStart[i + 1]!; e < eEnd; e++) if (prev.broad[prev.listNode[e]!] === 1) redo.add(prev.listNode[e]!);
  const moved: Array<[number, number[]]> = [];
  for (const e of redo) {
    const edges = listEdges(prev, t, popularity, e);
    if (!holdsList(prev, t, e, edges)) moved.push([e, edges]);
  }
  if (moved.length === 0) return prev;
  const lists: KnowledgeLists = { ...prev, listNode: copyOf(prev.listNode, shared), listWeight: copyOf(prev.listWeight, shared) };
  for (const [e, edges] of moved) writeList(lists, t, e, edges);
  return lists;
}

/**
 * The lists of a graph made from `prev`'s by inserting nodes without edges (project/csr-update `insertNodes`, which
 * gave `r`): every list keeps its entries in their order, mapped to the new positions; the new nodes have none.
 * Equal to building them again (old nodes keep their relative order, so a broad entity's ties still go to the lower
 * index); O(n + list entries).
 */
export function renumberKnowledgeLists(prev: KnowledgeLists, r: Renumbering, shared = false): KnowledgeLists {
  return {
    step: scatter(Float64Array, prev.step, r, shared),
    listStart: restartRows(prev.listStart, r, shared),
    listNode: remapNodes(prev.listNode, r, shared),
    listWeight: prev.listWeight,
    broad: scatter(Uint8Array, prev.broad, r, shared),
  };
}

/**
 * The walk's per-node scratch, handed on between versions (core/scratch-pool): the entities' mass (zero between
 * requests), the reached items' scores (−Infinity elsewhere) and the reached items themselves.
 */
class KnowledgeScratch implements PooledScratch {
  readonly mass: Float64Array;
  readonly out: Float64Array;
  /** The items the last request reached, each once (the first `reachedCount` entries). */
  readonly reached: Uint32Array;
  reachedCount = 0;

  constructor(readonly capacity: number) {
    this.mass = new Float64Array(capacity);
    this.out = new Float64Array(capacity).fill(-Infinity);
    this.reached = new Uint32Array(capacity);
  }

  reset(): void {
    const { out, reached, reachedCount } = this;
    for (let j = 0; j < reachedCount; j++) out[reached[j]!] = -Infinity;
    this.reachedCount = 0;
  }
}

export function createKnowledgePart(ctx: RecommendContext): KnowledgePart {
  const n = ctx.transition.nodeCount;
  const { kinds } = ctx.transition;
  const { step, listStart, listNode, listWeight } = ctx.knowledgeLists();
  const scratchOf = claimer(ctx.scratchPool, 'knowledge', n, (capacity) => new KnowledgeScratch(capacity));
  const entities: number[] = [];

  return {
    name: 'knowledge',
    score(request: CandidateRequest): StrategyScores | undefined {
      const seeds = request.seeds;
      if (!seeds) return undefined;
      const scratch = scratchOf();
      scratch.reset();
      const { mass, out, reached } = scratch;
      let reachedCount = 0;
      entities.length = 0;
      // Step 1: seed items spread their weight over their entities; seed entities keep theirs.
      for (let s = 0; s < seeds.nodes.length; s++) {
        const v = seeds.nodes[s]!;
        const x = seeds.weights[s]!;
        if (kinds[v] === KIND_ENTITY) {
          if (mass[v] === 0) entities.push(v);
          mass[v]! += x;
          continue;
        }
        if (kinds[v] !== KIND_ITEM || step[v] === 0) continue;
        const share = x * step[v]!;
        for (let e = listStart[v]!, eEnd = listStart[v + 1]!; e < eEnd; e++) {
          const ent = listNode[e]!;
          if (mass[ent] === 0) entities.push(ent);
          mass[ent]! += share * listWeight[e]!;
        }
      }
      // Step 2: each entity passes its mass to its items, discounted by its breadth.
      for (const ent of entities) {
        const m = mass[ent]! * step[ent]!;
        mass[ent] = 0;
        if (!(m > 0)) continue;
        for (let e = listStart[ent]!, eEnd = listStart[ent + 1]!; e < eEnd; e++) {
          const j = listNode[e]!;
          if (out[j] === -Infinity) {
            out[j] = 0;
            reached[reachedCount++] = j;
          }
          out[j]! += m * listWeight[e]!;
        }
      }
      scratch.reachedCount = reachedCount;
      return { top: topKDense(reached.subarray(0, reachedCount), out, request.pool, request.mask), parts: {} };
    },
  };
}
