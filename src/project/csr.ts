/**
 * @module project/csr
 * The in-memory projection of the graph: nodes `0..n-1` and edges in compressed sparse row form, in BOTH directions.
 *
 * Layout (all indices 32-bit, so up to 2³²−2 nodes and 2³²−1 edges):
 *   - `ids[i]` is the id of node `i`, `index` maps it back, `kinds[i]` is 0 = User, 1 = Item, 2 = Entity (see
 *     {@link KIND_CODES}). The ids are whatever the builder was given: `project/load.ts` uses `<Kind>:<graph id>` keys
 *     ("Item:ml100k:i:1"); {@link lookupNode} resolves a `{ kind, id }` reference under either convention.
 *   - out edges of `u`: positions `outStarts[u] .. outStarts[u+1]-1` of `outTargets` / `outWeights` / `outRelations`;
 *     in edges of `v`: positions `inStarts[v] .. inStarts[v+1]-1` of `inSources` / `inWeights` / `inRelations`.
 *   - `relations[r]` names relation id `r`; relation 0 is reserved for interactions ({@link INTERACTION_RELATION}),
 *     knowledge relations keep the dataset's name ("director", "subject", …).
 *
 * Canonical order (what {@link assertValidCsr} checks in deep mode): every out segment is sorted by target and every
 * in segment by source; parallel edges between the same pair keep their insertion order in both directions. Lookups
 * (`findEdge`) binary-search a segment; the deep check matches each out edge with its in twin in one linear pass.
 *
 * A `Csr` is immutable: its arrays are never written once built, so versions may share them. {@link addInteractions}
 * returns a NEW `Csr`: weight-only updates copy the two weight arrays; new edges rebuild the edge arrays with
 * untouched segments block-copied (`TypedArray.set`) and only touched segments merged — a memcpy of the edge arrays
 * plus O(n) for the row pointers (a few ms at ML-100K + DBpedia scale, 137k edges; see the report of the bench).
 * This keeps request-time PPR at full speed — its inner loops read plain arrays, with no overlay to consult — while a
 * new interaction is visible to the next query as soon as the caller swaps in the returned `Csr` (and rebuilds the
 * PPR transition, which is another O(m) pass). Callers that receive events one at a time should batch them
 * (e.g. apply every 100 ms); at much larger graphs (≫10M edges) a delta overlay would be the next step.
 *
 * Snapshots: {@link writeSnapshot} / {@link readSnapshot} store a `Csr` as raw little-endian binary files plus a JSON
 * manifest (format version, counts, relation table, per-file sha256 and a content hash) in one folder.
 *
 * @example
 * const csr = buildCsr({ ids: ['ml:u1', 'ml:i1'], kinds: [0, 1], relations: ['INTERACTED'],
 *   edges: { src: Uint32Array.of(0), dst: Uint32Array.of(1), weight: Float32Array.of(5), relation: Uint16Array.of(0) } });
 * collectTopK(csr, scores, 10, { kinds: ['Item'] }); // [{ id, kind, index, score }, …]
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import { NODE_KINDS, type NodeKind, type NodeRef } from '../core/model.ts';

/** Node kind codes stored in `Csr.kinds`. */
export const KIND_CODES = { User: 0, Item: 1, Entity: 2 } as const satisfies Record<NodeKind, number>;
/** Name of relation id 0, the user→item interaction edges. */
export const INTERACTION_RELATION = 'INTERACTED';
export const INTERACTION_RELATION_ID = 0;

const MAX_NODES = 0xffff_fffe;
const MAX_EDGES = 0xffff_ffff;
const MAX_RELATIONS = 0x1_0000;

export interface Csr {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Graph id of each node. */
  readonly ids: readonly string[];
  /** id → node index. */
  readonly index: ReadonlyMap<string, number>;
  /** Kind code of each node (0 User, 1 Item, 2 Entity). */
  readonly kinds: Uint8Array;
  /** Relation names by relation id; 0 = interactions. */
  readonly relations: readonly string[];
  readonly outStarts: Uint32Array;
  readonly outTargets: Uint32Array;
  readonly outWeights: Float32Array;
  readonly outRelations: Uint16Array;
  readonly inStarts: Uint32Array;
  readonly inSources: Uint32Array;
  readonly inWeights: Float32Array;
  readonly inRelations: Uint16Array;
}

/** Parallel edge arrays: edge `e` goes `src[e] → dst[e]` with `weight[e]` and relation id `relation[e]`. */
export interface EdgeList {
  src: Uint32Array;
  dst: Uint32Array;
  weight: Float32Array;
  relation: Uint16Array;
}

export interface BuildCsrInput {
  ids: readonly string[];
  /** Kind code per node (0 User, 1 Item, 2 Entity). */
  kinds: ArrayLike<number>;
  edges: EdgeList;
  /** Relation names by id; `relations[0]` is the interaction relation. */
  relations: readonly string[];
}

function invalid(message: string): AppError {
  return new AppError('INVALID_GRAPH', `project/csr: ${message}`);
}

/** Kind name of a kind code. */
export function kindName(code: number): NodeKind {
  const name = NODE_KINDS[code];
  if (name === undefined) throw invalid(`unknown node kind code ${code}`);
  return name;
}

/**
 * Stable two-key counting sort: returns row pointers over `primary` and the permutation of edges ordered by
 * (primary, secondary, input position). O(n + m).
 */
function sortByKeys(primary: Uint32Array, secondary: Uint32Array, n: number): { starts: Uint32Array; order: Uint32Array } {
  const m = primary.length;
  const counts = new Uint32Array(n + 1);
  for (let e = 0; e < m; e++) counts[secondary[e]! + 1]!++;
  for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
  const bySecondary = new Uint32Array(m);
  for (let e = 0; e < m; e++) bySecondary[counts[secondary[e]!]!++] = e;

  const starts = new Uint32Array(n + 1);
  for (let e = 0; e < m; e++) starts[primary[e]! + 1]!++;
  for (let i = 0; i < n; i++) starts[i + 1]! += starts[i]!;
  const next = starts.slice(0, n);
  const order = new Uint32Array(m);
  for (let k = 0; k < m; k++) {
    const e = bySecondary[k]!;
    order[next[primary[e]!]!++] = e;
  }
  return { starts, order };
}

function buildIndex(ids: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (typeof id !== 'string' || id === '') throw invalid(`node ${i} has an empty or non-string id`);
    if (index.has(id)) throw invalid(`duplicate node id ${JSON.stringify(id)}`);
    index.set(id, i);
  }
  return index;
}

function checkRelations(relations: readonly string[]): void {
  if (relations.length === 0) throw invalid('the relation table is empty (relation 0 is the interaction relation)');
  if (relations.length > MAX_RELATIONS) throw invalid(`too many relations (${relations.length} > ${MAX_RELATIONS})`);
  const seen = new Set<string>();
  for (const name of relations) {
    if (typeof name !== 'string' || name === '') throw invalid('relation names must be non-empty strings');
    if (seen.has(name)) throw invalid(`duplicate relation name ${JSON.stringify(name)}`);
    seen.add(name);
  }
}

/**
 * Builds a CSR (both directions, canonical order) from an edge list. Validates every input and throws
 * `INVALID_GRAPH` on duplicate ids, unknown kinds, out-of-range endpoints or relations, or non-finite/negative
 * weights. O(n + m) time (four counting passes), O(m) temporary memory.
 */
export function buildCsr(input: BuildCsrInput): Csr {
  const { ids, kinds: kindsIn, edges, relations } = input;
  const n = ids.length;
  if (n > MAX_NODES) throw invalid(`too many nodes (${n})`);
  if (kindsIn.length !== n) throw invalid(`kinds has ${kindsIn.length} entries for ${n} ids`);
  checkRelations(relations);
  const index = buildIndex(ids);
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = kindsIn[i]!;
    if (!(k === 0 || k === 1 || k === 2)) throw invalid(`node ${JSON.stringify(ids[i])} has unknown kind code ${k}`);
    kinds[i] = k;
  }
  const { src, dst, weight, relation } = edges;
  const m = src.length;
  if (dst.length !== m || weight.length !== m || relation.length !== m) {
    throw invalid(`edge arrays differ in length (src ${m}, dst ${dst.length}, weight ${weight.length}, relation ${relation.length})`);
  }
  if (m > MAX_EDGES) throw invalid(`too many edges (${m})`);
  const nRel = relations.length;
  for (let e = 0; e < m; e++) {
    const w = weight[e]!;
    if (src[e]! >= n || dst[e]! >= n) throw invalid(`edge ${e} has an endpoint outside 0..${n - 1}`);
    if (relation[e]! >= nRel) throw invalid(`edge ${e} has relation id ${relation[e]} outside the relation table`);
    if (!(w >= 0) || w === Infinity) throw invalid(`edge ${e} has weight ${w} (must be finite and ≥ 0)`);
  }

  const out = sortByKeys(src, dst, n);
  const outTargets = new Uint32Array(m);
  const outWeights = new Float32Array(m);
  const outRelations = new Uint16Array(m);
  for (let k = 0; k < m; k++) {
    const e = out.order[k]!;
    outTargets[k] = dst[e]!;
    outWeights[k] = weight[e]!;
    outRelations[k] = relation[e]!;
  }
  const inn = sortByKeys(dst, src, n);
  const inSources = new Uint32Array(m);
  const inWeights = new Float32Array(m);
  const inRelations = new Uint16Array(m);
  for (let k = 0; k < m; k++) {
    const e = inn.order[k]!;
    inSources[k] = src[e]!;
    inWeights[k] = weight[e]!;
    inRelations[k] = relation[e]!;
  }
  return {
    nodeCount: n,
    edgeCount: m,
    ids: [...ids],
    index,
    kinds,
    relations: [...relations],
    outStarts: out.starts,
    outTargets,
    outWeights,
    outRelations,
    inStarts: inn.starts,
    inSources,
    inWeights,
    inRelations,
  };
}

function checkStarts(starts: Uint32Array, n: number, m: number, name: string): void {
  if (starts.length !== n + 1) throw invalid(`${name} has length ${starts.length}, expected ${n + 1}`);
  if (starts[0] !== 0 || starts[n] !== m) throw invalid(`${name} must start at 0 and end at ${m}`);
}

/**
 * Builds a CSR from node keys and relation names instead of indices: `node(key, kind)` interns a key (the first call
 * fixes its index; later calls return it), `relation(name)` interns a relation (relation 0 is given), `edge` records
 * one edge, `build` validates through {@link buildCsr}. For projections assembled in code (benchmarks, fixtures).
 *
 * @example
 * const b = new CsrBuilder();
 * b.edge(b.node('User:u1', KIND_CODES.User), b.node('Item:a', KIND_CODES.Item), 0, 5);
 * const csr = b.build();
 */
export class CsrBuilder {
  private readonly ids: string[] = [];
  private readonly kinds: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly relations: string[];
  private readonly src: number[] = [];
  private readonly dst: number[] = [];
  private readonly weight: number[] = [];
  private readonly relation: number[] = [];

  constructor(relations: readonly string[] = [INTERACTION_RELATION]) {
    this.relations = [...relations];
  }

  /** The index of node `key`, added with `kind` on first sight. */
  node(key: string, kind: number): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(key, i);
      this.ids.push(key);
      this.kinds.push(kind);
    }
    return i;
  }

  /** The id of relation `name`, added on first sight. */
  relationId(name: string): number {
    const j = this.relations.indexOf(name);
    return j >= 0 ? j : this.relations.push(name) - 1;
  }

  edge(src: number, dst: number, relation: number, weight: number): void {
    this.src.push(src);
    this.dst.push(dst);
    this.relation.push(relation);
    this.weight.push(weight);
  }

  build(): Csr {
    return buildCsr({
      ids: this.ids,
      kinds: this.kinds,
      relations: this.relations,
      edges: { src: Uint32Array.from(this.src), dst: Uint32Array.from(this.dst), weight: Float32Array.from(this.weight), relation: Uint16Array.from(this.relation) },
    });
  }
}

/**
 * Checks a CSR's invariants; throws `INVALID_GRAPH`. The default (shallow) check is O(1): array lengths and row
 * pointer ends — cheap enough for every request. `{ deep: true }` is O(n + m): monotone row pointers, endpoint,
 * relation and weight ranges, canonical order, the id index, and that the in arrays hold exactly the out edges.
 */
export function assertValidCsr(csr: Csr, options: { deep?: boolean } = {}): void {
  if (!csr || typeof csr !== 'object') throw invalid('not a CSR');
  const n = csr.nodeCount;
  const m = csr.edgeCount;
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(m) || m < 0) throw invalid('node/edge counts must be integers ≥ 0');
  if (csr.ids.length !== n || csr.kinds.length !== n || csr.index.size !== n) throw invalid(`ids/kinds/index must have ${n} entries`);
  if (csr.relations.length === 0) throw invalid('the relation table is empty');
  checkStarts(csr.outStarts, n, m, 'outStarts');
  checkStarts(csr.inStarts, n, m, 'inStarts');
  for (const [name, arr] of [
    ['outTargets', csr.outTargets],
    ['outWeights', csr.outWeights],
    ['outRelations', csr.outRelations],
    ['inSources', csr.inSources],
    ['inWeights', csr.inWeights],
    ['inRelations', csr.inRelations],
  ] as const) {
    if (arr.length !== m) throw invalid(`${name} has length ${arr.length}, expected ${m}`);
  }
  if (!options.deep) return;

  checkRelations(csr.relations);
  for (let i = 0; i < n; i++) {
    if (csr.kinds[i]! > 2) throw invalid(`node ${i} has unknown kind code ${csr.kinds[i]}`);
    if (csr.index.get(csr.ids[i]!) !== i) throw invalid(`index does not map ${JSON.stringify(csr.ids[i])} to ${i}`);
  }
  const nRel = csr.relations.length;
  const sides = [
    [csr.outStarts, csr.outTargets, csr.outWeights, csr.outRelations, 'out'],
    [csr.inStarts, csr.inSources, csr.inWeights, csr.inRelations, 'in'],
  ] as const;
  for (const [starts, nbr, wts, rels, side] of sides) {
    for (let u = 0; u < n; u++) {
      const a = starts[u]!;
      const b = starts[u + 1]!;
      if (b < a) throw invalid(`${side}Starts decreases at node ${u}`);
      for (let e = a; e < b; e++) {
        if (nbr[e]! >= n) throw invalid(`${side} edge ${e} points outside the graph`);
        if (e > a && nbr[e]! < nbr[e - 1]!) throw invalid(`${side} segment of node ${u} is not sorted`);
        if (rels[e]! >= nRel) throw invalid(`${side} edge ${e} has relation id ${rels[e]} outside the table`);
        const w = wts[e]!;
        if (!(w >= 0) || w === Infinity) throw invalid(`${side} edge ${e} has weight ${w}`);
      }
    }
  }
  // Walk out edges in (source, target, insertion) order; the in segment of each target is sorted by source with
  // the same insertion order among parallel edges, so a cursor per target must meet the twin of every out edge.
  const cursor = csr.inStarts.slice(0, n);
  for (let u = 0; u < n; u++) {
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
      const v = csr.outTargets[e]!;
      const q = cursor[v]!++;
      if (
        q >= csr.inStarts[v + 1]! ||
        csr.inSources[q] !== u ||
        csr.inRelations[q] !== csr.outRelations[e] ||
        !Object.is(csr.inWeights[q], csr.outWeights[e])
      ) {
        throw invalid(`out edge ${u}→${v} (position ${e}) has no matching in edge`);
      }
    }
  }
}

/** Node index of CSR id `id`, or -1. */
export function nodeIndex(csr: Csr, id: string): number {
  return csr.index.get(id) ?? -1;
}

/**
 * Node index of a `{ kind, id }` reference, or -1 when absent or of another kind. CSR ids are either `<Kind>:<id>`
 * keys (what `project/load.ts` projects, so kinds never collide) or plain graph ids; the key is tried first.
 */
export function lookupNode(csr: Csr, ref: NodeRef): number {
  const code = KIND_CODES[ref.kind];
  if (code === undefined) return -1;
  const idx = csr.index.get(`${ref.kind}:${ref.id}`) ?? csr.index.get(ref.id);
  return idx !== undefined && csr.kinds[idx] === code ? idx : -1;
}

/** Position in the out arrays of the first `u → v` edge with relation `relation` (any relation if omitted), or -1. */
export function findEdge(csr: Csr, u: number, v: number, relation?: number): number {
  let lo = csr.outStarts[u]!;
  let hi = csr.outStarts[u + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (csr.outTargets[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  for (let e = lo; e < csr.outStarts[u + 1]! && csr.outTargets[e] === v; e++) {
    if (relation === undefined || csr.outRelations[e] === relation) return e;
  }
  return -1;
}

/** The `{ kind, id }` of node `index`: its CSR id without a `<Kind>:` key prefix (the inverse of {@link lookupNode}). */
export function nodeRef(csr: Csr, index: number): NodeRef {
  const kind = kindName(csr.kinds[index]!);
  const id = csr.ids[index]!;
  return { kind, id: id.startsWith(kind + ':') ? id.slice(kind.length + 1) : id };
}

// ---------------------------------------------------------------------------------------------------------------
// Incremental interactions
// ---------------------------------------------------------------------------------------------------------------

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
}

export const ADD_INTERACTIONS_DEFAULTS: AddInteractionsOptions = { onExisting: 'replace', createNodes: true };

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
 * for the design). Throws `BAD_REQUEST` for a bad weight or an id that names a node of another kind, `NOT_FOUND` for
 * unknown ids when `createNodes` is false.
 */
export function addInteractions(csr: Csr, interactions: readonly NewInteraction[], options: Partial<AddInteractionsOptions> = {}): AddInteractionsResult {
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
    if (!Number.isFinite(w)) throw new AppError('BAD_REQUEST', `project/csr: weight of ${csr.ids[p.u]}→${csr.ids[p.i]} overflows`);
    if (w === outWeights[e]) continue;
    if (updatedEdges === 0) {
      outWeights = csr.outWeights.slice();
      inWeights = csr.inWeights.slice();
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
      ? mergeSide(csr.outStarts, csr.outTargets, outWeights, csr.outRelations, n0, n, fresh.map((p) => [p.u, p.i, p.w] as const))
      : { starts: csr.outStarts, nbr: csr.outTargets, weights: outWeights, rels: csr.outRelations };
  const inn =
    fresh.length > 0 || n > n0
      ? mergeSide(csr.inStarts, csr.inSources, inWeights, csr.inRelations, n0, n, fresh.map((p) => [p.i, p.u, p.w] as const))
      : { starts: csr.inStarts, nbr: csr.inSources, weights: inWeights, rels: csr.inRelations };

  let ids: readonly string[] = csr.ids;
  let index: ReadonlyMap<string, number> = csr.index;
  let kinds = csr.kinds;
  if (newIds.length > 0) {
    ids = [...csr.ids, ...newIds];
    const map = new Map(csr.index);
    for (const [id, idx] of newIndex) map.set(id, idx);
    index = map;
    kinds = new Uint8Array(n);
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
): { starts: Uint32Array; nbr: Uint32Array; weights: Float32Array; rels: Uint16Array } {
  const m0 = nbr0.length;
  const m = m0 + added.length;
  const sorted = [...added].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const addCount = new Uint32Array(n);
  for (const [row] of sorted) addCount[row]!++;
  const starts = new Uint32Array(n + 1);
  let shift = 0;
  for (let u = 0; u < n; u++) {
    starts[u] = (u < n0 ? starts0[u]! : m0) + shift;
    shift += addCount[u]!;
  }
  starts[n] = m;
  const nbr = new Uint32Array(m);
  const weights = new Float32Array(m);
  const rels = new Uint16Array(m);
  const copy = (from: number, to: number, dest: number): void => {
    if (to <= from) return;
    nbr.set(nbr0.subarray(from, to), dest);
    weights.set(weights0.subarray(from, to), dest);
    rels.set(rels0.subarray(from, to), dest);
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
// Top-k collection
// ---------------------------------------------------------------------------------------------------------------

/** Scores on a subset of nodes: `values[j]` belongs to node `nodes[j]`. */
export interface SparseScores {
  nodes: Uint32Array;
  values: Float64Array;
}

export interface TopKFilter {
  /** Keep only these node kinds. */
  kinds?: readonly NodeKind[];
  /** Node indices to leave out (seeds, already-seen items). */
  exclude?: ReadonlySet<number>;
  /** Any further test. */
  keep?: (index: number) => boolean;
}

export interface ScoredNode {
  index: number;
  id: string;
  kind: NodeKind;
  score: number;
}

/**
 * The `k` highest-scoring nodes that pass `filter`, best first (ties: lower index first), mapped back to ids. Nodes
 * with score 0 are never returned. `scores` is dense (one entry per node) or sparse. O(s log k) with a size-k heap.
 */
export function collectTopK(csr: Csr, scores: Float64Array | Float32Array | SparseScores, k: number, filter: TopKFilter | ((index: number) => boolean) = {}): ScoredNode[] {
  if (!Number.isInteger(k) || k < 0) throw new AppError('BAD_REQUEST', `project/csr: k must be an integer ≥ 0 (got ${k})`);
  const f: TopKFilter = typeof filter === 'function' ? { keep: filter } : filter;
  let kindMask = 0b111;
  if (f.kinds) {
    kindMask = 0;
    for (const kind of f.kinds) {
      const code = KIND_CODES[kind];
      if (code === undefined) throw new AppError('BAD_REQUEST', `project/csr: unknown node kind ${JSON.stringify(kind)}`);
      kindMask |= 1 << code;
    }
  }
  const sparse = !(scores instanceof Float64Array || scores instanceof Float32Array);
  const count = sparse ? scores.nodes.length : scores.length;
  if (!sparse && count !== csr.nodeCount) throw new AppError('BAD_REQUEST', `project/csr: ${count} scores for ${csr.nodeCount} nodes`);
  if (sparse && scores.values.length !== count) throw new AppError('BAD_REQUEST', 'project/csr: sparse nodes/values differ in length');
  if (k === 0) return [];

  // Min-heap on (score, -index): the root is the worst kept entry.
  const heapIdx = new Uint32Array(k);
  const heapVal = new Float64Array(k);
  let size = 0;
  const worse = (va: number, ia: number, vb: number, ib: number): boolean => va < vb || (va === vb && ia > ib);
  const siftDown = (pos: number): void => {
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= size) return;
      const r = l + 1;
      const c = r < size && worse(heapVal[r]!, heapIdx[r]!, heapVal[l]!, heapIdx[l]!) ? r : l;
      if (!worse(heapVal[c]!, heapIdx[c]!, heapVal[pos]!, heapIdx[pos]!)) return;
      const ti = heapIdx[c]!;
      const tv = heapVal[c]!;
      heapIdx[c] = heapIdx[pos]!;
      heapVal[c] = heapVal[pos]!;
      heapIdx[pos] = ti;
      heapVal[pos] = tv;
      pos = c;
    }
  };
  for (let j = 0; j < count; j++) {
    const node = sparse ? scores.nodes[j]! : j;
    const value = sparse ? scores.values[j]! : scores[j]!;
    if (!(value > 0)) continue;
    if (node >= csr.nodeCount) throw new AppError('BAD_REQUEST', `project/csr: score for node ${node} outside the graph`);
    if (size === k && !worse(heapVal[0]!, heapIdx[0]!, value, node)) continue;
    if (!((kindMask >> csr.kinds[node]!) & 1)) continue;
    if (f.exclude?.has(node)) continue;
    if (f.keep && !f.keep(node)) continue;
    if (size < k) {
      // Sift up.
      let pos = size++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (!worse(value, node, heapVal[parent]!, heapIdx[parent]!)) break;
        heapIdx[pos] = heapIdx[parent]!;
        heapVal[pos] = heapVal[parent]!;
        pos = parent;
      }
      heapIdx[pos] = node;
      heapVal[pos] = value;
    } else {
      heapIdx[0] = node;
      heapVal[0] = value;
      siftDown(0);
    }
  }
  const out: ScoredNode[] = [];
  for (let j = 0; j < size; j++) {
    const index = heapIdx[j]!;
    out.push({ index, id: csr.ids[index]!, kind: kindName(csr.kinds[index]!), score: heapVal[j]! });
  }
  return out.sort((a, b) => b.score - a.score || a.index - b.index);
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------------------------

export const SNAPSHOT_FORMAT = 'graphrec-csr-snapshot';
export const SNAPSHOT_VERSION = 1;
const MANIFEST = 'manifest.json';

type ArrayField = 'kinds' | 'outStarts' | 'outTargets' | 'outWeights' | 'outRelations' | 'inStarts' | 'inSources' | 'inWeights' | 'inRelations';
const ARRAY_FILES: ReadonlyArray<readonly [ArrayField, string, 'u8' | 'u16' | 'u32' | 'f32']> = [
  ['kinds', 'kinds.u8', 'u8'],
  ['outStarts', 'out-starts.u32', 'u32'],
  ['outTargets', 'out-targets.u32', 'u32'],
  ['outWeights', 'out-weights.f32', 'f32'],
  ['outRelations', 'out-relations.u16', 'u16'],
  ['inStarts', 'in-starts.u32', 'u32'],
  ['inSources', 'in-sources.u32', 'u32'],
  ['inWeights', 'in-weights.f32', 'f32'],
  ['inRelations', 'in-relations.u16', 'u16'],
];
const IDS_FILE = 'ids.json';

/** Free-form description stored with a snapshot (e.g. `{ source: 'neo4j', dataFingerprint: '…' }`). */
export type SnapshotMeta = Record<string, unknown>;

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  endianness: 'LE';
  createdAt: string;
  nodeCount: number;
  edgeCount: number;
  relations: string[];
  nodesByKind: Record<NodeKind, number>;
  /** sha256 over the per-file hashes in manifest order: equal content ⇔ equal hash. */
  contentHash: string;
  files: Record<string, { bytes: number; sha256: string }>;
  meta: SnapshotMeta;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function bytesOf(arr: Uint8Array | Uint16Array | Uint32Array | Float32Array): Uint8Array {
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

function requireLittleEndian(): void {
  if (endianness() !== 'LE') throw new AppError('INVALID_GRAPH', 'project/csr: snapshots are little-endian; this host is big-endian');
}

/**
 * Writes `csr` into folder `dir` (created if needed): one raw binary file per array, `ids.json`, and `manifest.json`
 * last (written to a temporary name and renamed), so a folder without a manifest is an unfinished snapshot.
 * Returns the manifest.
 */
export function writeSnapshot(dir: string, csr: Csr, meta: SnapshotMeta = {}): SnapshotManifest {
  assertValidCsr(csr);
  requireLittleEndian();
  mkdirSync(dir, { recursive: true });
  const files: SnapshotManifest['files'] = {};
  const put = (name: string, data: Uint8Array): void => {
    writeFileSync(join(dir, name), data);
    files[name] = { bytes: data.byteLength, sha256: sha256(data) };
  };
  for (const [field, name] of ARRAY_FILES) put(name, bytesOf(csr[field]));
  put(IDS_FILE, Buffer.from(JSON.stringify(csr.ids), 'utf8'));
  const contentHash = createHash('sha256');
  for (const [name, f] of Object.entries(files)) contentHash.update(`${name}:${f.sha256}\n`);
  contentHash.update(`relations:${JSON.stringify(csr.relations)}\n`);
  const nodesByKind: Record<NodeKind, number> = { User: 0, Item: 0, Entity: 0 };
  for (let i = 0; i < csr.nodeCount; i++) nodesByKind[kindName(csr.kinds[i]!)]++;
  const manifest: SnapshotManifest = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    endianness: 'LE',
    createdAt: new Date().toISOString(),
    nodeCount: csr.nodeCount,
    edgeCount: csr.edgeCount,
    relations: [...csr.relations],
    nodesByKind,
    contentHash: contentHash.digest('hex'),
    files,
    meta,
  };
  const tmp = join(dir, `${MANIFEST}.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, join(dir, MANIFEST));
  return manifest;
}

/** Reads only the manifest of a snapshot (`NOT_FOUND` when there is none, `INVALID_GRAPH` when unreadable). */
export function readSnapshotManifest(dir: string): SnapshotManifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new AppError('NOT_FOUND', `project/csr: no snapshot manifest at ${path}`);
  let manifest: SnapshotManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as SnapshotManifest;
  } catch (error) {
    throw new AppError('INVALID_GRAPH', `project/csr: unreadable manifest ${path}: ${(error as Error).message}`);
  }
  if (manifest.format !== SNAPSHOT_FORMAT || manifest.version !== SNAPSHOT_VERSION || manifest.endianness !== 'LE') {
    throw new AppError('INVALID_GRAPH', `project/csr: ${path} is not a ${SNAPSHOT_FORMAT} v${SNAPSHOT_VERSION} (LE) manifest`);
  }
  return manifest;
}

/**
 * Reads a snapshot written by {@link writeSnapshot}. Checks every file's size and (unless `verify: false`) its
 * sha256, then runs the deep {@link assertValidCsr}. Throws `NOT_FOUND` without a manifest, `INVALID_GRAPH` on any
 * mismatch.
 */
export function readSnapshot(dir: string, options: { verify?: boolean } = {}): { csr: Csr; manifest: SnapshotManifest } {
  requireLittleEndian();
  const verify = options.verify ?? true;
  const manifest = readSnapshotManifest(dir);
  const load = (name: string): Uint8Array => {
    const expected = manifest.files[name];
    if (!expected) throw new AppError('INVALID_GRAPH', `project/csr: manifest lists no ${name}`);
    let data: Buffer;
    try {
      data = readFileSync(join(dir, name));
    } catch (error) {
      throw new AppError('INVALID_GRAPH', `project/csr: cannot read ${name}: ${(error as Error).message}`);
    }
    if (data.byteLength !== expected.bytes) throw new AppError('INVALID_GRAPH', `project/csr: ${name} has ${data.byteLength} bytes, manifest says ${expected.bytes}`);
    if (verify && sha256(data) !== expected.sha256) throw new AppError('INVALID_GRAPH', `project/csr: ${name} does not match its checksum`);
    // Copy into a fresh, aligned buffer (a Buffer may be a slice of a shared pool).
    const copy = new Uint8Array(data.byteLength);
    copy.set(data);
    return copy;
  };
  const arrays: Partial<Record<ArrayField, Uint8Array | Uint16Array | Uint32Array | Float32Array>> = {};
  for (const [field, name, type] of ARRAY_FILES) {
    const raw = load(name);
    const width = type === 'u8' ? 1 : type === 'u16' ? 2 : 4;
    if (raw.byteLength % width !== 0) throw new AppError('INVALID_GRAPH', `project/csr: ${name} is not a whole number of elements`);
    arrays[field] =
      type === 'u8' ? raw
      : type === 'u16' ? new Uint16Array(raw.buffer, 0, raw.byteLength / 2)
      : type === 'u32' ? new Uint32Array(raw.buffer, 0, raw.byteLength / 4)
      : new Float32Array(raw.buffer, 0, raw.byteLength / 4);
  }
  let ids: unknown;
  try {
    ids = JSON.parse(Buffer.from(load(IDS_FILE)).toString('utf8'));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('INVALID_GRAPH', `project/csr: unreadable ${IDS_FILE}`);
  }
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new AppError('INVALID_GRAPH', `project/csr: ${IDS_FILE} is not an array of strings`);
  const index = buildIndex(ids as string[]);
  const csr: Csr = {
    nodeCount: manifest.nodeCount,
    edgeCount: manifest.edgeCount,
    ids: ids as string[],
    index,
    kinds: arrays.kinds as Uint8Array,
    relations: manifest.relations,
    outStarts: arrays.outStarts as Uint32Array,
    outTargets: arrays.outTargets as Uint32Array,
    outWeights: arrays.outWeights as Float32Array,
    outRelations: arrays.outRelations as Uint16Array,
    inStarts: arrays.inStarts as Uint32Array,
    inSources: arrays.inSources as Uint32Array,
    inWeights: arrays.inWeights as Float32Array,
    inRelations: arrays.inRelations as Uint16Array,
  };
  assertValidCsr(csr, { deep: true });
  return { csr, manifest };
}
