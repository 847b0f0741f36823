/**
 * @module project/renumber
 * What inserting nodes at their canonical positions ({@link insertNodes} in project/csr-update) does to the arrays
 * derived from a graph: every old node keeps its relative order and moves to `oldToNew[v]`, the new nodes fill the
 * positions no old node takes, and they have no edges yet. So an array indexed by node is scattered, a row-pointer
 * array gains empty rows, and an array of node indices is mapped entry by entry — each in one pass, with the order of
 * every row kept. The structures built on the graph (the PPR transition, the component sides, the knowledge lists, the
 * evidence tables, the retrieval context) carry over this way instead of being derived again from every edge.
 *
 * @example
 * const { csr, renumbering } = insertNodes(before, [{ id: 'User:new', kind: 0 }]);
 * const strength = scatter(Float64Array, prev.strength, renumbering, false); // 0 at the new user
 */
import { copyNow, type BlockCopier, type IndexMap } from '../core/block-copy.ts';
import { typedArray, typedArrayOf, type NumericArray, type NumericArrayConstructor } from '../core/shared-arrays.ts';
import { PackedIdIndex, PackedIds, type NodeIds } from './node-ids.ts';

/** Where each old node went when nodes were inserted (project/csr-update `insertNodes`). */
export interface Renumbering extends IndexMap {
  /** New index of each old node; strictly increasing (old nodes keep their relative order). */
  readonly oldToNew: Uint32Array;
  /** Node count after the insertion. */
  readonly nodeCount: number;
}

/** Most new nodes for which a renumbering also gives its shifts (core/block-copy `IndexMap`): a compare per shift. */
export const MAX_SHIFTS = 8;

/** An array indexed by node, its old values at the new positions, zero at the new nodes. */
export function scatter<T extends NumericArray>(type: NumericArrayConstructor<T> & (new (length: number) => T), old: ArrayLike<number>, r: Renumbering, shared: boolean): T {
  const out = typedArray(type, r.nodeCount, shared);
  const { oldToNew } = r;
  for (let v = 0; v < oldToNew.length; v++) out[oldToNew[v]!] = old[v]!;
  return out;
}

/** Row pointers (length n + 1) with every old row at its new node and an empty row at each new node. */
export function restartRows(starts: Uint32Array, r: Renumbering, shared: boolean): Uint32Array {
  const n = r.nodeCount;
  const out = typedArray(Uint32Array, n + 1, shared);
  const { oldToNew } = r;
  // Each old row's length at its new node, then the running sum over the new order (old rows keep their order).
  for (let v = 0; v < oldToNew.length; v++) out[oldToNew[v]! + 1] = starts[v + 1]! - starts[v]!;
  for (let j = 0; j < n; j++) out[j + 1]! += out[j]!;
  return out;
}

/**
 * Node indices mapped to their new positions, entry by entry (the order of the entries kept), through `copier`
 * (core/block-copy: with a queue, the result is complete once it has drained).
 */
export function remapNodes(nodes: Uint32Array, r: Renumbering, shared: boolean, copier: BlockCopier = copyNow): Uint32Array {
  const out = typedArray(Uint32Array, nodes.length, shared);
  copier.copy(out, nodes, 0, nodes.length, 0, r);
  return out;
}

/** The new nodes' positions, ascending. */
export function insertedNodes(r: Renumbering): number[] {
  const out: number[] = [];
  const { oldToNew, nodeCount } = r;
  let j = 0;
  for (let v = 0; v <= oldToNew.length; v++) {
    const next = v < oldToNew.length ? oldToNew[v]! : nodeCount;
    while (j < next) out.push(j++);
    j = next + 1;
  }
  return out;
}

/**
 * An ascending list of node indices renumbered, with `extra` (ascending new positions, none of them an old node's)
 * merged in: the dangling nodes of a transition, which the new nodes join.
 */
export function mergeAscending(old: Uint32Array, r: Renumbering, extra: readonly number[], shared: boolean): Uint32Array {
  const out: number[] = [];
  let k = 0;
  for (let e = 0; e < old.length; e++) {
    const v = r.oldToNew[old[e]!]!;
    while (k < extra.length && extra[k]! < v) out.push(extra[k++]!);
    out.push(v);
  }
  while (k < extra.length) out.push(extra[k++]!);
  return typedArrayOf(Uint32Array, out, shared);
}

/** The old index of node `v` (a new index), or −1 for a new node: a binary search of `oldToNew`. */
export function oldIndexOf(r: Renumbering, v: number): number {
  const { oldToNew } = r;
  let lo = 0;
  let hi = oldToNew.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (oldToNew[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo < oldToNew.length && oldToNew[lo] === v ? lo : -1;
}

/** Longest chain of layered indices ({@link renumberedIndex}) before one is flattened into one table. */
const MAX_LAYERS = 8;

/**
 * An id → node index map after an insertion, as layers: the new nodes' own map over the old map, whose indices are
 * read through `oldToNew`. Building a whole table again hashes every id (a pass over the ids' bytes, ~0.1 s at 50M
 * interactions); a lookup here costs one lookup per layer, and each layer keeps its `oldToNew` (4 bytes per node).
 * Iterating it (rare: nothing on a request does) makes one plain Map of every id.
 */
class RenumberedIndex implements ReadonlyMap<string, number> {
  readonly layers: number;
  #flat: Map<string, number> | undefined;

  constructor(
    private readonly base: ReadonlyMap<string, number>,
    private readonly oldToNew: Uint32Array,
    private readonly added: ReadonlyMap<string, number>,
  ) {
    this.layers = base instanceof RenumberedIndex ? base.layers + 1 : 1;
  }

  get(id: string): number | undefined {
    const v = this.base.get(id);
    return v !== undefined ? this.oldToNew[v] : this.added.get(id);
  }

  has(id: string): boolean {
    return this.base.has(id) || this.added.has(id);
  }

  get size(): number {
    return this.base.size + this.added.size;
  }

  /** The same entries in one plain Map (made on first use: iteration is rare, lookups are not). */
  flat(): Map<string, number> {
    if (this.#flat) return this.#flat;
    const out = new Map<string, number>();
    for (const [id, v] of this.base) out.set(id, this.oldToNew[v]!);
    for (const [id, v] of this.added) out.set(id, v);
    return (this.#flat = out);
  }

  entries(): ReturnType<Map<string, number>['entries']> {
    return this.flat().entries();
  }

  keys(): ReturnType<Map<string, number>['keys']> {
    return this.flat().keys();
  }

  values(): ReturnType<Map<string, number>['values']> {
    return this.flat().values();
  }

  [Symbol.iterator](): ReturnType<Map<string, number>['entries']> {
    return this.flat().entries();
  }

  forEach(callback: (value: number, key: string, map: ReadonlyMap<string, number>) => void, thisArg?: unknown): void {
    for (const [id, v] of this.flat()) callback.call(thisArg, v, id, this);
  }
}

/**
 * The id → index map of a graph after an insertion: `base` (the old graph's) read through `r`, and `added` (the new
 * nodes' ids and indices). Layered ({@link RenumberedIndex}) up to {@link MAX_LAYERS} insertions deep, then a new
 * table over `ids`, the graph's ids after the insertion (project/node-ids).
 */
export function renumberedIndex(base: ReadonlyMap<string, number>, r: Renumbering, added: ReadonlyMap<string, number>, ids: NodeIds): ReadonlyMap<string, number> {
  const layered = new RenumberedIndex(base, r.oldToNew, added);
  if (layered.layers <= MAX_LAYERS) return layered;
  return PackedIdIndex.of(PackedIds.of(ids));
}
