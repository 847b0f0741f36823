/**
 * @module project/csr
 * The in-memory projection's data structure, its builder, its invariants and lookups. The other concerns live beside
 * it: incremental updates in `csr-update.ts`, top-k collection in `csr-top-k.ts`, snapshot I/O in `csr-snapshot.ts`.
 *
 * The projection of the graph: nodes `0..n-1` and edges in compressed sparse row form, in BOTH directions.
 *
 * Layout (all indices 32-bit, so up to 2³²−2 nodes and 2³²−1 edges):
 *   - `ids.at(i)` is the id of node `i`, `index` maps it back, `kinds[i]` is 0 = User, 1 = Item, 2 = Entity (see
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
 * A `Csr` is immutable: its arrays are never written once built, so versions may share them. `addInteractions`
 * returns a NEW `Csr`: weight-only updates copy the two weight arrays; new edges rebuild the edge arrays with
 * untouched segments block-copied (`TypedArray.set`) and only touched segments merged — a memcpy of the edge arrays
 * plus O(n) for the row pointers (a few ms at ML-100K + DBpedia scale, 137k edges; see the report of the bench).
 * This keeps request-time PPR at full speed — its inner loops read plain arrays, with no overlay to consult — while a
 * new interaction is visible to the next query as soon as the caller swaps in the returned `Csr` (and rebuilds the
 * PPR transition, which is another O(m) pass). Callers that receive events one at a time should batch them
 * (e.g. apply every 100 ms); at much larger graphs (≫10M edges) a delta overlay would be the next step.
 *
 * Snapshots: `writeSnapshot` / `readSnapshot` (csr-snapshot.ts) store a `Csr` as raw little-endian binary files plus a JSON
 * manifest (format version, counts, relation table, per-file sha256 and a content hash) in one folder.
 *
 * @example
 * const csr = buildCsr({ ids: ['ml:u1', 'ml:i1'], kinds: [0, 1], relations: ['INTERACTED'],
 *   edges: { src: Uint32Array.of(0), dst: Uint32Array.of(1), weight: Float32Array.of(5), relation: Uint16Array.of(0) } });
 * collectTopK(csr, scores, 10, { kinds: ['Item'] }); // [{ id, kind, index, score }, …]
 */
import { AppError } from '../core/errors.ts';
import { NODE_KINDS, type NodeKind, type NodeRef } from '../core/model.ts';
import { PackedIdIndex, PackedIds, type NodeIds } from './node-ids.ts';

/** Node kind codes stored in `Csr.kinds`. */
export const KIND_CODES = { User: 0, Item: 1, Entity: 2 } as const satisfies Record<NodeKind, number>;
/** Name of relation id 0, the user→item interaction edges. */
export const INTERACTION_RELATION = 'INTERACTED';
export const INTERACTION_RELATION_ID = 0;

/** Largest node and edge counts (32-bit indices). */
export const MAX_NODES = 0xffff_fffe;
export const MAX_EDGES = 0xffff_ffff;
const MAX_RELATIONS = 0x1_0000;

export interface Csr {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Graph id of each node (off the JS heap: project/node-ids). */
  readonly ids: NodeIds;
  /** id → node index (project/node-ids, or layered over one after an insertion: project/renumber). */
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
  ids: NodeIds;
  /** Kind code per node (0 User, 1 Item, 2 Entity). */
  kinds: ArrayLike<number>;
  edges: EdgeList;
  /** Relation names by id; `relations[0]` is the interaction relation. */
  relations: readonly string[];
}

/** An `INVALID_GRAPH` error with the module prefix (shared by the csr-* modules). */
export function invalid(message: string): AppError {
  return new AppError('INVALID_GRAPH', `project/csr: ${message}`);
}

/** Kind name of a kind code. */
export function kindName(code: number): NodeKind {
  const name = NODE_KINDS[code];
  if (name === undefined) throw invalid(`unknown node kind code ${code}`);
  return name;
}

/** One side of a CSR: row pointers over the rows, and per entry the other end, the weight and the relation. */
interface Side {
  starts: Uint32Array;
  ends: Uint32Array;
  weights: Float32Array;
  relations: Uint16Array;
}

/**
 * One side of the CSR by a stable two-key counting sort: the edges in (row, other end, input position) order, rows
 * from `rows`, other ends from `others`. Edges already in that order are copied (the projection read hands the out
 * side so); edges already in `others` order (the in side of edges in source order) are scattered to their rows in one
 * pass; any other order takes one more counting pass by `others` first. O(n + m), no permutation array.
 */
function sideOf(rows: Uint32Array, others: Uint32Array, weight: Float32Array, relation: Uint16Array, n: number): Side {
  const m = rows.length;
  const starts = new Uint32Array(n + 1);
  for (let e = 0; e < m; e++) starts[rows[e]! + 1]!++;
  for (let i = 0; i < n; i++) starts[i + 1]! += starts[i]!;
  let inOrder = true;
  for (let e = 1; e < m && inOrder; e++) inOrder = rows[e - 1]! < rows[e]! || (rows[e - 1] === rows[e] && others[e - 1]! <= others[e]!);
  // Copied whole with slice(): TypedArray.from goes through the iterator protocol.
  if (inOrder) return { starts, ends: others.slice(), weights: weight.slice(), relations: relation.slice() };
  let byOthers = true;
  for (let e = 1; e < m && byOthers; e++) byOthers = others[e - 1]! <= others[e]!;
  let visit: Uint32Array | null = null;
  if (!byOthers) {
    const counts = new Uint32Array(n + 1);
    for (let e = 0; e < m; e++) counts[others[e]! + 1]!++;
    for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
    visit = new Uint32Array(m);
    for (let e = 0; e < m; e++) visit[counts[others[e]!]!++] = e;
  }
  const next = starts.slice(0, n);
  const ends = new Uint32Array(m);
  const weights = new Float32Array(m);
  const relations = new Uint16Array(m);
  for (let k = 0; k < m; k++) {
    const e = visit ? visit[k]! : k;
    const at = next[rows[e]!]!++;
    ends[at] = others[e]!;
    weights[at] = weight[e]!;
    relations[at] = relation[e]!;
  }
  return { starts, ends, weights, relations };
}

/**
 * A node id list packed off the JS heap, and its id → index map (project/node-ids); throws `INVALID_GRAPH` on an
 * empty, repeated or ill-formed id. `shared`: on shared buffers (core/shared-arrays).
 */
export function packNodeIds(ids: NodeIds, shared = false): { ids: PackedIds; index: PackedIdIndex } {
  const packed = PackedIds.of(ids, shared);
  return { ids: packed, index: PackedIdIndex.of(packed) };
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
  const packed = packNodeIds(ids);
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = kindsIn[i]!;
    if (!(k === 0 || k === 1 || k === 2)) throw invalid(`node ${JSON.stringify(ids.at(i))} has unknown kind code ${k}`);
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

  const out = sideOf(src, dst, weight, relation, n);
  const inn = sideOf(dst, src, weight, relation, n);
  return {
    nodeCount: n,
    edgeCount: m,
    ids: packed.ids,
    index: packed.index,
    kinds,
    relations: [...relations],
    outStarts: out.starts,
    outTargets: out.ends,
    outWeights: out.weights,
    outRelations: out.relations,
    inStarts: inn.starts,
    inSources: inn.ends,
    inWeights: inn.weights,
    inRelations: inn.relations,
  };
}

/** What a {@link Csr}'s typed arrays hold, measured from their lengths (ids and the id map are JS objects, not counted). */
export interface CsrMemory {
  /** Bytes of every typed array: kinds, both row-pointer arrays, and the per-entry targets, weights and relations. */
  typedBytes: number;
  /** Directed edge entries: each edge is stored twice, once out of its source and once into its target. */
  entries: number;
  /** `typedBytes / entries` (row pointers and kinds amortised over the entries); 0 for a graph without edges. */
  bytesPerEntry: number;
}

/** The typed-array memory of `csr` and its bytes per directed edge entry (docs/scaling.md, issue 12 item 3). */
export function csrMemory(csr: Csr): CsrMemory {
  const arrays = [csr.kinds, csr.outStarts, csr.outTargets, csr.outWeights, csr.outRelations, csr.inStarts, csr.inSources, csr.inWeights, csr.inRelations];
  const typedBytes = arrays.reduce((sum, a) => sum + a.byteLength, 0);
  const entries = csr.outTargets.length + csr.inSources.length;
  return { typedBytes, entries, bytesPerEntry: entries > 0 ? typedBytes / entries : 0 };
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
    const id = csr.ids.at(i)!;
    if (csr.index.get(id) !== i) throw invalid(`index does not map ${JSON.stringify(id)} to ${i}`);
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
  const id = csr.ids.at(index)!;
  return { kind, id: id.startsWith(kind + ':') ? id.slice(kind.length + 1) : id };
}
