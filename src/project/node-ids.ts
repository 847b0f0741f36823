/**
 * @module project/node-ids
 * The node ids of a projection and the id → index map, off the JavaScript heap. A string per node and a `Map` from id
 * to index took 222 MB of the serving thread's JS heap at 50M interactions (2.6M nodes; 39 % of it), and every full
 * collection marks the whole heap (docs/scaling.md, "Node ids off the JavaScript heap"). Here the ids are one UTF-8
 * byte array with an offset per node ({@link PackedIds}), and the map is an open-addressing table of node indices
 * over those bytes ({@link PackedIdIndex}): typed arrays, which the collector does not walk, and which a worker thread
 * reads without a copy when they are on shared buffers.
 *
 * `ids.at(i)` decodes the id (a new string each call); `index.get(id)` hashes the id's UTF-8 bytes and compares them
 * with the stored ones. UTF-8 byte order is code-point order, so ids compare without decoding ({@link PackedIds.compare}).
 * An id must be well-formed Unicode: a lone surrogate has no UTF-8 form (Neo4j stores strings as UTF-8, so no id read
 * from it has one).
 *
 * @example
 * const ids = PackedIds.from(['User:u1', 'Item:i1']);
 * const index = PackedIdIndex.of(ids);
 * index.get('Item:i1'); // 1
 * ids.at(1); // 'Item:i1'
 */
import { Buffer, isAscii } from 'node:buffer';
import { AppError } from '../core/errors.ts';
import { avalanche, FNV_OFFSET, fnvStep } from '../core/hash.ts';
import { isShared, typedArray, type NumericArray } from '../core/shared-arrays.ts';
import type { Csr } from './csr.ts';

/** What a projection's node id list offers: its length, the id at an index, and its ids in order. */
export interface NodeIds extends Iterable<string> {
  readonly length: number;
  /** The id of node `i` (a negative `i` counts from the end, as `Array.prototype.at`), undefined outside the list. */
  at(i: number): string | undefined;
}

function invalid(message: string): AppError {
  return new AppError('INVALID_GRAPH', `project/node-ids: ${message}`);
}

/** A lone surrogate (with the `u` flag a pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Cs}/u;

/** `INVALID_GRAPH` unless `s` is well-formed: a lone surrogate has no UTF-8 form. */
function checkWellFormed(s: string): void {
  if (LONE_SURROGATE.test(s)) throw invalid(`id ${JSON.stringify(s)} is not well-formed Unicode (lone surrogate)`);
}

/** UTF-8 bytes of `s` (`INVALID_GRAPH` when it is not well-formed). */
export function utf8(s: string): Uint8Array {
  checkWellFormed(s);
  return Buffer.from(s, 'utf8');
}

/** Byte order of `a[aStart … aEnd)` against `b[bStart … bEnd)`: for UTF-8, code-point order (negative: a first). */
function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let k = 0; k < n; k++) {
    const d = a[aStart + k]! - b[bStart + k]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/** A view of the same bytes as a Buffer (for decoding), whether the memory is shared or not. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Node ids as one UTF-8 byte array: id `i` is `bytes[offsets[i] … offsets[i + 1])`. Never written after it is built
 * (a version that adds nodes builds a new one: {@link PackedIds.assemble}).
 */
export class PackedIds implements NodeIds {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  /** Every byte below 0x80: ids decode as Latin-1, the cheaper decoder. */
  readonly ascii: boolean;
  readonly #text: Buffer;

  /** Over `bytes` and `offsets` as they are (checked: `offsets` non-decreasing from 0 to `bytes.length`). */
  constructor(bytes: Uint8Array, offsets: Uint32Array, ascii?: boolean) {
    if (offsets.length === 0 || offsets[0] !== 0 || offsets[offsets.length - 1] !== bytes.length) throw invalid('offsets do not span the id bytes');
    for (let i = 1; i < offsets.length; i++) if (offsets[i]! < offsets[i - 1]!) throw invalid(`offset ${i} is below the one before it`);
    this.bytes = bytes;
    this.offsets = offsets;
    this.ascii = ascii ?? isAscii(bytes);
    this.#text = bufferOf(bytes);
  }

  /**
   * Packs `ids` (each a non-empty, well-formed string; read twice, so not a one-pass iterator); `shared`: the arrays go
   * on shared buffers (core/shared-arrays). Two passes, lengths then bytes, with no buffer per id.
   */
  static from(ids: Iterable<string> & { readonly length: number }, shared = false): PackedIds {
    const n = ids.length;
    const offsets = typedArray(Uint32Array, n + 1, shared);
    let total = 0;
    let ascii = true;
    let i = 0;
    for (const id of ids) {
      if (typeof id !== 'string' || id === '') throw invalid(`node ${i} has an empty or non-string id`);
      const length = Buffer.byteLength(id, 'utf8');
      // A lone surrogate takes 3 bytes (as U+FFFD), so only a string longer in UTF-8 than in UTF-16 units can hold one.
      if (length !== id.length) {
        ascii = false;
        checkWellFormed(id);
      }
      total += length;
      if (total > 0xffff_ffff) throw invalid('the ids take more than 4 GiB');
      offsets[++i] = total;
    }
    if (i !== n) throw invalid(`${i} ids for a length of ${n}`);
    const bytes = typedArray(Uint8Array, total, shared);
    const out = bufferOf(bytes);
    let j = 0;
    for (const id of ids) out.write(id, offsets[j++]!, 'utf8');
    return new PackedIds(bytes, offsets, ascii);
  }

  /** `ids` as packed ids: the same object when it already is. */
  static of(ids: NodeIds, shared = false): PackedIds {
    return ids instanceof PackedIds ? ids : PackedIds.from(ids, shared);
  }

  /**
   * A new list of `slot.length` ids: position j holds this list's id `slot[j]` when `slot[j] ≥ 0`, else
   * `fresh[−1 − slot[j]]` (UTF-8). Runs of consecutive old ids are copied as one byte range.
   */
  assemble(slot: Int32Array, fresh: readonly Uint8Array[], shared: boolean): PackedIds {
    const n = slot.length;
    const { offsets: from, bytes: src } = this;
    let total = 0;
    for (let j = 0; j < n; j++) {
      const s = slot[j]!;
      total += s >= 0 ? from[s + 1]! - from[s]! : fresh[-1 - s]!.length;
    }
    if (total > 0xffff_ffff) throw invalid('the ids take more than 4 GiB');
    const bytes = typedArray(Uint8Array, total, shared);
    const offsets = typedArray(Uint32Array, n + 1, shared);
    let ascii = this.ascii;
    let at = 0;
    for (let j = 0; j < n; ) {
      const s = slot[j]!;
      if (s < 0) {
        const b = fresh[-1 - s]!;
        bytes.set(b, at);
        if (ascii) ascii = isAscii(b);
        offsets[++j] = at += b.length;
        continue;
      }
      // A run of old ids s, s + 1, … copied at once; each offset moves by the same amount.
      let end = j + 1;
      while (end < n && slot[end] === slot[end - 1]! + 1) end++;
      const last = slot[end - 1]!;
      bytes.set(src.subarray(from[s]!, from[last + 1]!), at);
      const shift = at - from[s]!;
      for (let k = s; k <= last; k++) offsets[++j] = from[k + 1]! + shift;
      at = offsets[j]!;
    }
    return new PackedIds(bytes, offsets, ascii);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  at(i: number): string | undefined {
    const n = this.offsets.length - 1;
    const j = Math.trunc(i) + (i < 0 ? n : 0);
    if (!(j >= 0 && j < n)) return undefined;
    return this.#text.toString(this.ascii ? 'latin1' : 'utf8', this.offsets[j], this.offsets[j + 1]);
  }

  /** The UTF-8 length of id `i`, in bytes. */
  byteLengthOf(i: number): number {
    return this.offsets[i + 1]! - this.offsets[i]!;
  }

  /** Code-point order of id `i` against UTF-8 bytes `b` (negative: id `i` sorts first). */
  compareTo(i: number, b: Uint8Array): number {
    return compareBytes(this.bytes, this.offsets[i]!, this.offsets[i + 1]!, b, 0, b.length);
  }

  /** Code-point order of ids `i` and `j` (no view made: the canonical-order check runs it once per node). */
  compare(i: number, j: number): number {
    const { bytes, offsets } = this;
    return compareBytes(bytes, offsets[i]!, offsets[i + 1]!, bytes, offsets[j]!, offsets[j + 1]!);
  }

  /** The bytes the list holds (ids and offsets). */
  get byteLength(): number {
    return this.bytes.byteLength + this.offsets.byteLength;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0, n = this.length; i < n; i++) yield this.at(i)!;
  }
}

/** 32-bit hash of bytes `b[start … end)`: FNV-1a with a final avalanche (murmur3's), so that the table's low bits mix. */
function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let k = start; k < end; k++) h = fnvStep(h, b[k]!);
  return avalanche(h);
}

/** Table slots per id at most (load factor ≤ 0.7): a missing id probes about three slots. */
const MAX_LOAD = 0.7;

/**
 * id → node index over {@link PackedIds}: an open-addressing table (linear probing) whose slot s holds `index + 1`
 * (0: empty) at `table[2s]` and the id's hash at `table[2s + 1]`. A lookup hashes the key's UTF-8 bytes (an ASCII key
 * from its char codes, without encoding it) and reads the id's bytes only at a slot whose hash matches, so a probe
 * stays in the table's cache line. About 8 / {@link MAX_LOAD} to 16 / {@link MAX_LOAD} bytes per node.
 */
export class PackedIdIndex implements ReadonlyMap<string, number> {
  readonly ids: PackedIds;
  readonly table: Uint32Array;
  /** Slots − 1 (slots: a power of two). */
  readonly #mask: number;

  /** Over a table built by {@link PackedIdIndex.of} for these ids (a worker thread's view of the same arrays). */
  constructor(ids: PackedIds, table: Uint32Array) {
    const slots = table.length / 2;
    if (!Number.isInteger(slots) || slots === 0 || (slots & (slots - 1)) !== 0) throw invalid('the id table size is not twice a power of two');
    this.ids = ids;
    this.table = table;
    this.#mask = slots - 1;
  }

  /**
   * Builds the table of `ids`, on a shared buffer when their bytes are on one (a thread that reads the ids reads the
   * table too); `INVALID_GRAPH` on an empty or repeated id. O(total id bytes).
   */
  static of(ids: PackedIds): PackedIdIndex {
    const n = ids.length;
    let slots = 16;
    while (slots * MAX_LOAD < n) slots *= 2;
    const table = typedArray(Uint32Array, 2 * slots, isShared(ids.bytes));
    const mask = slots - 1;
    const { bytes, offsets } = ids;
    for (let i = 0; i < n; i++) {
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      if (end === start) throw invalid(`node ${i} has an empty id`);
      const h = hashBytes(bytes, start, end);
      for (let slot = h & mask; ; slot = (slot + 1) & mask) {
        const held = table[2 * slot]!;
        if (held === 0) {
          table[2 * slot] = i + 1;
          table[2 * slot + 1] = h;
          break;
        }
        if (table[2 * slot + 1] === h && ids.byteLengthOf(held - 1) === end - start && ids.compare(held - 1, i) === 0) throw invalid(`duplicate node id ${JSON.stringify(ids.at(i))}`);
      }
    }
    return new PackedIdIndex(ids, table);
  }

  get size(): number {
    return this.ids.length;
  }

  get(key: string): number | undefined {
    if (typeof key !== 'string' || key === '') return undefined;
    const { table } = this;
    const mask = this.#mask;
    const { bytes, offsets } = this.ids;
    // An ASCII key: hashed and compared by char code (its UTF-8 bytes are its char codes).
    let h = FNV_OFFSET;
    let ascii = true;
    for (let k = 0; k < key.length; k++) {
      const c = key.charCodeAt(k);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      h = fnvStep(h, c);
    }
    if (!ascii) return LONE_SURROGATE.test(key) ? undefined : this.#getBytes(Buffer.from(key, 'utf8'));
    h = avalanche(h);
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const held = table[2 * slot]!;
      if (held === 0) return undefined;
      if (table[2 * slot + 1] !== h) continue;
      const start = offsets[held - 1]!;
      if (offsets[held]! - start !== key.length) continue;
      let k = 0;
      while (k < key.length && bytes[start + k] === key.charCodeAt(k)) k++;
      if (k === key.length) return held - 1;
    }
  }

  #getBytes(b: Uint8Array): number | undefined {
    const { table } = this;
    const mask = this.#mask;
    const h = hashBytes(b, 0, b.length);
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const held = table[2 * slot]!;
      if (held === 0) return undefined;
      if (table[2 * slot + 1] === h && this.ids.byteLengthOf(held - 1) === b.length && this.ids.compareTo(held - 1, b) === 0) return held - 1;
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** The bytes the table holds (the ids are counted by {@link PackedIds.byteLength}). */
  get byteLength(): number {
    return this.table.byteLength;
  }

  *#entries(): Generator<[string, number]> {
    for (let i = 0, n = this.ids.length; i < n; i++) yield [this.ids.at(i)!, i];
  }

  *#keys(): Generator<string> {
    for (let i = 0, n = this.ids.length; i < n; i++) yield this.ids.at(i)!;
  }

  *#values(): Generator<number> {
    for (let i = 0, n = this.ids.length; i < n; i++) yield i;
  }

  entries(): ReturnType<Map<string, number>['entries']> {
    return this.#entries() as unknown as ReturnType<Map<string, number>['entries']>;
  }

  keys(): ReturnType<Map<string, number>['keys']> {
    return this.#keys() as unknown as ReturnType<Map<string, number>['keys']>;
  }

  values(): ReturnType<Map<string, number>['values']> {
    return this.#values() as unknown as ReturnType<Map<string, number>['values']>;
  }

  [Symbol.iterator](): ReturnType<Map<string, number>['entries']> {
    return this.entries();
  }

  forEach(callback: (value: number, key: string, map: ReadonlyMap<string, number>) => void, thisArg?: unknown): void {
    for (let i = 0, n = this.ids.length; i < n; i++) callback.call(thisArg, i, this.ids.at(i)!, this);
  }
}

/** The plain parts of packed ids and their index: what crosses to a worker thread (structured clone drops classes). */
export interface PackedIdParts {
  bytes: Uint8Array;
  offsets: Uint32Array;
  ascii: boolean;
  table?: Uint32Array;
}

/**
 * The parts of `ids` (and of `index` when it is their own table; a layered index after an insertion is not) to post
 * to a worker thread; `share` puts an array on a shared buffer (core/shared-arrays `shared`), so the thread reads the
 * same bytes instead of a copy.
 */
export function idParts(ids: NodeIds, index?: ReadonlyMap<string, number>, share: <T extends NumericArray>(a: T) => T = (a) => a): PackedIdParts {
  const packed = PackedIds.of(ids);
  const table = index instanceof PackedIdIndex && index.ids === packed ? { table: share(index.table) } : {};
  return { bytes: share(packed.bytes), offsets: share(packed.offsets), ascii: packed.ascii, ...table };
}

/** Packed ids again from {@link idParts}, as a worker receives them, and their index when the parts carry its table. */
export function fromIdParts(parts: PackedIdParts): { ids: PackedIds; index?: PackedIdIndex } {
  const ids = new PackedIds(parts.bytes, parts.offsets, parts.ascii);
  return { ids, ...(parts.table ? { index: new PackedIdIndex(ids, parts.table) } : {}) };
}

/** A CSR as it crosses to a worker thread: its ids and index as plain parts ({@link idParts}). */
export type CsrParts = Omit<Csr, 'ids' | 'index'> & { ids: PackedIdParts };

/** `csr` with its ids as parts; `share` as in {@link idParts}. */
export function csrParts(csr: Csr, share?: <T extends NumericArray>(a: T) => T): CsrParts {
  const { ids, index, ...rest } = csr;
  return { ...rest, ids: idParts(ids, index, share) };
}

/** The CSR of {@link csrParts} again. */
export function csrFromParts(parts: CsrParts): Csr {
  const { ids: idPartsOf, ...rest } = parts;
  const { ids, index } = fromIdParts(idPartsOf);
  return { ...rest, ids, index: index ?? PackedIdIndex.of(ids) };
}
