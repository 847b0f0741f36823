/**
 * @module project/csr-update
 * Incremental changes to a {@link Csr} (see the design in project/csr's header): {@link addInteractions} sets or adds
 * user→item interaction weights and appends new edges, {@link insertNodes} adds nodes at their canonical position.
 * Both return a NEW `Csr` that shares every array they did not have to change.
 */
import { copyNow, type BlockCopier } from '../core/block-copy.ts';
import { AppError } from '../core/errors.ts';
import { copyOf, typedArray } from '../core/shared-arrays.ts';
import { compareCodePoints } from '../store/guards.ts';
import { PackedIdIndex, PackedIds, utf8, type NodeIds } from './node-ids.ts';
import { MAX_SHIFTS, renumberedIndex, restartRows, remapNodes, type Renumbering } from './renumber.ts';
import { assertValidCsr, findEdge, INTERACTION_RELATION_ID, invalid, kindName, MAX_EDGES, MAX_NODES, type Csr } from './csr.ts';

export interface NewInteraction {
  userId: string;
  itemId: string;
  /** Edge weight (rating, play count, 1 for implicit); finite and ≥ 0. */
  weight: number;
}

export interface AddInteractionsOptions {
  /**
   * What an interaction does to an existing user→item interaction edge: `replace` its weight (the Neo4j ingest
   * `SET r.weight` semantics) or `accumulate` (add to it). A new pair always becomes one new edge; several events for
   * one new pair in the same batch are combined the same way. [replace]
   */
  onExisting: 'replace' | 'accumulate';
  /** Create unknown users/items as new nodes (appended after the existing ones); false → NOT_FOUND. [true] */
  createNodes: boolean;
  /**
   * Allocate the arrays the result does not take from the input on shared buffers (core/shared-arrays): a serving
   * engine whose copies in worker threads adopt its versions (engine/replicas). [false]
   */
  shared: boolean;
}

export const ADD_INTERACTIONS_DEFAULTS: AddInteractionsOptions = { onExisting: 'replace', createNodes: true, shared: false };

export interface AddInteractionsResult {
  csr: Csr;
  /** Nodes appended (new users and items). */
  addedNodes: number;
  /** New interaction edges. */
  addedEdges: number;
  /** Existing interaction edges whose weight changed. */
  updatedEdges: number;
}

/**
 * Applies new user→item interactions and returns a new `Csr` (the input is left untouched; see the module header
 * for the design). The unchanged blocks of the arrays of a side that gains edges go through `copier` (core/block-copy:
 * the result is complete once it has drained). Throws `BAD_REQUEST` for a bad weight or an id that names a node of another kind, `NOT_FOUND` for
 * unknown ids when `createNodes` is false.
 */
export function addInteractions(csr: Csr, interactions: readonly NewInteraction[], options: Partial<AddInteractionsOptions> = {}, copier: BlockCopier = copyNow): AddInteractionsResult {
  const o = { ...ADD_INTERACTIONS_DEFAULTS, ...options } satisfies AddInteractionsOptions;
  assertValidCsr(csr);
  if (o.onExisting !== 'replace' && o.onExisting !== 'accumulate') {
    throw new AppError('BAD_REQUEST', `project/csr: onExisting must be replace or accumulate (got ${String(o.onExisting)})`);
  }
  const n0 = csr.nodeCount;
  const newIds: string[] = [];
  const newKinds: number[] = [];
  const newIndex = new Map<string, number>();
  const resolve = (id: string, kind: 0 | 1): number => {
    const known = csr.index.get(id) ?? newIndex.get(id);
    if (known !== undefined) {
      const k = known < n0 ? csr.kinds[known]! : newKinds[known - n0]!;
      if (k !== kind) throw new AppError('BAD_REQUEST', `project/csr: ${JSON.stringify(id)} is a ${kindName(k)}, not a ${kindName(kind)}`);
      return known;
    }
    if (!o.createNodes) throw new AppError('NOT_FOUND', `project/csr: unknown ${kindName(kind)} ${JSON.stringify(id)}`);
    if (typeof id !== 'string' || id === '') throw new AppError('BAD_REQUEST', 'project/csr: ids must be non-empty strings');
    const idx = n0 + newIds.length;
    newIds.push(id);
    newKinds.push(kind);
    newIndex.set(id, idx);
    return idx;
  };

  // Combine the batch per (user, item): last write wins (replace) or sum (accumulate).
  const pairs = new Map<string, { u: number; i: number; w: number }>();
  for (const it of interactions) {
    if (!(typeof it.weight === 'number' && Number.isFinite(it.weight) && it.weight >= 0)) {
      throw new AppError('BAD_REQUEST', `project/csr: interaction ${it.userId}→${it.itemId} has weight ${it.weight} (must be finite and ≥ 0)`);
    }
    const u = resolve(it.userId, 0);
    const i = resolve(it.itemId, 1);
    const key = `${u}:${i}`;
    const prev = pairs.get(key);
    if (prev) prev.w = o.onExisting === 'replace' ? it.weight : prev.w + it.weight;
    else pairs.set(key, { u, i, w: it.weight });
  }

  const n = n0 + newIds.length;
  // Split into weight updates of existing edges and genuinely new edges. Weight arrays are copied on first write.
  let outWeights = csr.outWeights;
  let inWeights = csr.inWeights;
  let updatedEdges = 0;
  const fresh: { u: number; i: number; w: number }[] = [];
  for (const p of pairs.values()) {
    const e = p.u < n0 && p.i < n0 ? findEdge(csr, p.u, p.i, INTERACTION_RELATION_ID) : -1;
    if (e < 0) {
      fresh.push(p);
      continue;
    }
    const w = Math.fround(o.onExisting === 'replace' ? p.w : outWeights[e]! + p.w);
    if (!Number.isFinite(w)) throw new AppError('BAD_REQUEST', `project/csr: weight of ${csr.ids.at(p.u)}→${csr.ids.at(p.i)} overflows`);
    if (w === outWeights[e]) continue;
    if (updatedEdges === 0) {
      outWeights = copyOf(csr.outWeights, o.shared);
      inWeights = copyOf(csr.inWeights, o.shared);
    }
    outWeights[e] = w;
    // The in twin: the first in edge of the item from this user with relation 0 (same order as in the out segment).
    for (let q = csr.inStarts[p.i]!; q < csr.inStarts[p.i + 1]!; q++) {
      if (csr.inSources[q] === p.u && csr.inRelations[q] === INTERACTION_RELATION_ID) {
        inWeights[q] = w;
        break;
      }
    }
    updatedEdges++;
  }

  const m = csr.edgeCount + fresh.length;
  if (m > MAX_EDGES || n > MAX_NODES) throw invalid('the graph outgrows 32-bit indices');
  // Arrays are never mutated once in a Csr, so an unchanged side is shared with the input.
  const out =
    fresh.length > 0 || n > n0
      ? mergeSide(csr.outStarts, csr.outTargets, outWeights, csr.outRelations, n0, n, fresh.map((p) => [p.u, p.i, p.w] as const), copier, o.shared)
      : { starts: csr.outStarts, nbr: csr.outTargets, weights: outWeights, rels: csr.outRelations };
  const inn =
    fresh.length > 0 || n > n0
      ? mergeSide(csr.inStarts, csr.inSources, inWeights, csr.inRelations, n0, n, fresh.map((p) => [p.i, p.u, p.w] as const), copier, o.shared)
      : { starts: csr.inStarts, nbr: csr.inSources, weights: inWeights, rels: csr.inRelations };

  let ids: NodeIds = csr.ids;
  let index: ReadonlyMap<string, number> = csr.index;
  let kinds = csr.kinds;
  if (newIds.length > 0) {
    // Appended after the old nodes (whose indices stay): the old ids' bytes copied whole, a new table over them all.
    const slot = new Int32Array(n);
    for (let v = 0; v < n0; v++) slot[v] = v;
    for (let k = 0; k < newIds.length; k++) slot[n0 + k] = -1 - k;
    const packed = PackedIds.of(csr.ids, o.shared).assemble(slot, newIds.map(utf8), o.shared);
    ids = packed;
    index = PackedIdIndex.of(packed);
    kinds = typedArray(Uint8Array, n, o.shared);
    kinds.set(csr.kinds);
    kinds.set(newKinds, n0);
  }
  return {
    csr: {
      nodeCount: n,
      edgeCount: m,
      ids,
      index,
      kinds,
      relations: csr.relations,
      outStarts: out.starts,
      outTargets: out.nbr,
      outWeights: out.weights,
      outRelations: out.rels,
      inStarts: inn.starts,
      inSources: inn.nbr,
      inWeights: inn.weights,
      inRelations: inn.rels,
    },
    addedNodes: newIds.length,
    addedEdges: fresh.length,
    updatedEdges,
  };
}

/**
 * Merges new relation-0 edges `(row, neighbour, weight)` into one side of a CSR: untouched rows are block-copied,
 * touched rows are merged keeping the canonical order (new parallel edges go after existing ones).
 */
function mergeSide(
  starts0: Uint32Array,
  nbr0: Uint32Array,
  weights0: Float32Array,
  rels0: Uint16Array,
  n0: number,
  n: number,
  added: ReadonlyArray<readonly [number, number, number]>,
  copier: BlockCopier,
  shared: boolean,
): { starts: Uint32Array; nbr: Uint32Array; weights: Float32Array; rels: Uint16Array } {
  const m0 = nbr0.length;
  const m = m0 + added.length;
  const sorted = [...added].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const addCount = new Uint32Array(n);
  for (const [row] of sorted) addCount[row]!++;
  const starts = typedArray(Uint32Array, n + 1, shared);
  let shift = 0;
  for (let u = 0; u < n; u++) {
    starts[u] = (u < n0 ? starts0[u]! : m0) + shift;
    shift += addCount[u]!;
  }
  starts[n] = m;
  const nbr = typedArray(Uint32Array, m, shared);
  const weights = typedArray(Float32Array, m, shared);
  const rels = typedArray(Uint16Array, m, shared);
  const copy = (from: number, to: number, dest: number): void => {
    copier.copy(nbr, nbr0, from, to, dest);
    copier.copy(weights, weights0, from, to, dest);
    copier.copy(rels, rels0, from, to, dest);
  };
  let done = 0; // old positions copied so far
  let k = 0;
  while (k < sorted.length) {
    const row = sorted[k]![0];
    const a = row < n0 ? starts0[row]! : m0;
    const b = row < n0 ? starts0[row + 1]! : m0;
    copy(done, a, done + (starts[row]! - (row < n0 ? starts0[row]! : m0)));
    // Merge this row's old segment [a, b) with its new edges (sorted by neighbour).
    let dest = starts[row]!;
    let e = a;
    while (k < sorted.length && sorted[k]![0] === row) {
      const [, v, w] = sorted[k]!;
      while (e < b && nbr0[e]! <= v) {
        nbr[dest] = nbr0[e]!;
        weights[dest] = weights0[e]!;
        rels[dest] = rels0[e]!;
        dest++;
        e++;
      }
      nbr[dest] = v;
      weights[dest] = w;
      rels[dest] = INTERACTION_RELATION_ID;
      dest++;
      k++;
    }
    copy(e, b, dest);
    done = b;
  }
  copy(done, m0, done + (m - m0));
  return { starts, nbr, weights, rels };
}

// ---------------------------------------------------------------------------------------------------------------
// New nodes
// ---------------------------------------------------------------------------------------------------------------

/** Whether a node id list is in canonical order (kind codes non-decreasing, ids increasing by code point within a kind). */
const canonicalIds = new WeakMap<NodeIds, boolean>();

/**
 * True when the nodes of `csr` are in the order a projection read from Neo4j gives them: kind by kind (User, Item,
 * Entity), each by id in code-point order (Neo4j's `ORDER BY n.id`). O(n) once per id list (cached).
 */
export function isCanonicalOrder(csr: Csr): boolean {
  const known = canonicalIds.get(csr.ids);
  if (known !== undefined) return known;
  let ok = true;
  const ids = PackedIds.of(csr.ids);
  for (let i = 1; i < csr.nodeCount && ok; i++) {
    const a = csr.kinds[i - 1]!;
    const b = csr.kinds[i]!;
    ok = a < b || (a === b && ids.compare(i - 1, i) < 0);
  }
  canonicalIds.set(csr.ids, ok);
  return ok;
}

export interface NewNode {
  id: string;
  /** Kind code (0 User, 1 Item, 2 Entity). */
  kind: number;
}

/**
 * Adds nodes (without edges) and returns a new `Csr`; ids already present are skipped (`BAD_REQUEST` when one names a
 * node of another kind). When `csr` is in canonical order ({@link isCanonicalOrder}) each new node goes to its
 * canonical position, so the result equals, index for index, what a projection of the same graph read from Neo4j
 * gives — request-time PPR then visits nodes in the same order and returns the same floats. The old nodes keep their
 * relative order, so every edge segment stays sorted: the edge arrays are remapped in one O(m) pass and the weight
 * and relation arrays are shared. Otherwise the nodes are appended. `shared`: the new arrays go on shared buffers (see
 * {@link AddInteractionsOptions.shared}). `renumbering` (when nodes were added) says where each old node went, so that
 * what was derived from `csr` carries over (project/renumber). The remap of the two edge arrays (the O(m) part) goes
 * through `copier` (core/block-copy): with a queue, the result's `outTargets` and `inSources` are complete once it has
 * drained, and nothing may read them before.
 */
export function insertNodes(csr: Csr, nodes: readonly NewNode[], shared = false, copier: BlockCopier = copyNow): { csr: Csr; added: number; renumbering?: Renumbering } {
  const wanted = new Map<string, number>();
  for (const { id, kind } of nodes) {
    if (typeof id !== 'string' || id === '') throw new AppError('BAD_REQUEST', 'project/csr: ids must be non-empty strings');
    if (!(kind === 0 || kind === 1 || kind === 2)) throw new AppError('BAD_REQUEST', `project/csr: unknown kind code ${kind}`);
    const at = csr.index.get(id);
    const prev = at !== undefined ? csr.kinds[at]! : wanted.get(id);
    if (prev !== undefined && prev !== kind) throw new AppError('BAD_REQUEST', `project/csr: ${JSON.stringify(id)} is a ${kindName(prev)}, not a ${kindName(kind)}`);
    if (at === undefined) wanted.set(id, kind);
  }
  if (wanted.size === 0) return { csr, added: 0 };
  const n0 = csr.nodeCount;
  const n = n0 + wanted.size;
  if (n > MAX_NODES) throw invalid('the graph outgrows 32-bit indices');
  const fresh = [...wanted].map(([id, kind]) => ({ id, kind })).sort((a, b) => a.kind - b.kind || compareCodePoints(a.id, b.id));
  const canonical = isCanonicalOrder(csr);
  const oldIds = PackedIds.of(csr.ids, shared);
  const freshBytes = fresh.map(({ id }) => utf8(id));

  // Merge old and new nodes: `slot[j]` = old index at new position j, or −1 − (index into fresh) for a new node.
  const slot = new Int32Array(n);
  // The old index before which each new node goes (n0 at the end), ascending: the renumbering's shifts.
  const shifts = new Uint32Array(fresh.length);
  if (canonical) {
    // The old nodes are sorted by (kind, id), so each new node's place is found by binary search (a string comparison
    // per step, not one per node before it: 2M users at 50M interactions), on the UTF-8 bytes (code-point order).
    const before = (v: number, k: number): boolean => csr.kinds[v]! < fresh[k]!.kind || (csr.kinds[v] === fresh[k]!.kind && oldIds.compareTo(v, freshBytes[k]!) < 0);
    let i = 0;
    let j = 0;
    for (let k = 0; k < fresh.length; k++) {
      let lo = i;
      let hi = n0;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(mid, k)) lo = mid + 1;
        else hi = mid;
      }
      while (i < lo) slot[j++] = i++;
      shifts[k] = i;
      slot[j++] = -1 - k;
    }
    while (i < n0) slot[j++] = i++;
  } else {
    for (let i = 0; i < n0; i++) slot[i] = i;
    for (let k = 0; k < fresh.length; k++) slot[n0 + k] = -1 - k;
    shifts.fill(n0);
  }
  const ids = oldIds.assemble(slot, freshBytes, shared);
  const kinds = typedArray(Uint8Array, n, shared);
  const oldToNew = new Uint32Array(n0);
  const added = new Map<string, number>();
  for (let j = 0; j < n; j++) {
    const s = slot[j]!;
    if (s >= 0) {
      kinds[j] = csr.kinds[s]!;
      oldToNew[s] = j;
    } else {
      const node = fresh[-1 - s]!;
      kinds[j] = node.kind;
      added.set(node.id, j);
    }
  }
  const renumbering: Renumbering = { oldToNew, nodeCount: n, ...(shifts.length <= MAX_SHIFTS ? { shifts } : {}) };
  // The old ids' indices are read through the renumbering, not entered into a new table (project/renumber).
  const index = renumberedIndex(csr.index, renumbering, added, ids);
  // Old rows keep their relative order, so the edge arrays keep their order too (only the indices change).
  const out: Csr = {
    nodeCount: n,
    edgeCount: csr.edgeCount,
    ids,
    index,
    kinds,
    relations: csr.relations,
    outStarts: restartRows(csr.outStarts, renumbering, shared),
    outTargets: remapNodes(csr.outTargets, renumbering, shared, copier),
    outWeights: csr.outWeights,
    outRelations: csr.outRelations,
    inStarts: restartRows(csr.inStarts, renumbering, shared),
    inSources: remapNodes(csr.inSources, renumbering, shared, copier),
    inWeights: csr.inWeights,
    inRelations: csr.inRelations,
  };
  canonicalIds.set(ids, canonical);
  return { csr: out, added: fresh.length, renumbering };
}
