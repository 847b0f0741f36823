/**
 * @module project/growable
 * Append-only typed arrays of unknown final length: what the projection read fills edge by edge (and the grounding
 * name index name by name, explain/grounding). A JS `number[]` costs
 * 8 bytes per entry (16 while it doubles) and one per column of every edge; these cost the column's own width (4 bytes
 * for a node index, 2 for a relation or kind code) times a growth factor of 1.5 at worst, which is what lets a
 * 50M-interaction projection read fit in memory beside Neo4j (docs/scaling.md).
 */

type Typed = Uint16Array | Uint32Array | Float32Array | Float64Array;

export class GrowableArray<T extends Typed> {
  #data: T;
  #length = 0;
  readonly #make: (capacity: number) => T;

  constructor(make: (capacity: number) => T, capacity = 1024) {
    this.#make = make;
    this.#data = make(Math.max(16, capacity));
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const next = this.#make(Math.ceil(this.#data.length * 1.5));
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.#length++] = value;
  }

  get(k: number): number {
    return this.#data[k]!;
  }

  set(k: number, value: number): void {
    if (k >= this.#length) throw new RangeError(`growable: index ${k} past length ${this.#length}`);
    this.#data[k] = value;
  }

  /** A copy of its own (the filled part, with an eighth more room), to change while this one is still read. */
  clone(): GrowableArray<T> {
    const copy = new GrowableArray(this.#make, Math.ceil(this.#length * 1.125));
    copy.#data.set(this.#data.subarray(0, this.#length));
    copy.#length = this.#length;
    return copy;
  }

  /** Drops the room past `length` (a builder that may still grow, kept at its filled size meanwhile). */
  trim(): void {
    if (this.#length < this.#data.length) this.#data = this.#data.slice(0, Math.max(this.#length, 16)) as T;
  }

  /**
   * The filled part as its own array of exactly `length` entries: the buffer itself when it is full (a builder sized
   * exactly), else one copy. The builder is dropped after.
   */
  toArray(): T {
    return this.#length === this.#data.length ? this.#data : (this.#data.slice(0, this.#length) as T);
  }
}

export const growU16 = (capacity?: number) => new GrowableArray((n) => new Uint16Array(n), capacity);
export const growU32 = (capacity?: number) => new GrowableArray((n) => new Uint32Array(n), capacity);
export const growF32 = (capacity?: number) => new GrowableArray((n) => new Float32Array(n), capacity);
export const growF64 = (capacity?: number) => new GrowableArray((n) => new Float64Array(n), capacity);
