/**
 * @module core/top-k
 * A fixed-capacity min-heap that keeps the `k` best (id, score) pairs seen — O(log k) per push, no full sort — and
 * the dense-array selection every strategy uses. Order: higher score first; ties go to the lower id, so results are
 * deterministic. Scores that are NaN or −Infinity mean "no score" and are never kept.
 *
 * @example
 * const heap = new TopKHeap(2);
 * heap.push(7, 0.5); heap.push(3, 0.9); heap.push(1, 0.5);
 * heap.drain(); // { ids: [3, 1], scores: [0.9, 0.5] }
 */

/** Ranked ids with their scores, best first. */
export interface Ranked {
  ids: Uint32Array;
  scores: Float64Array;
}

/**
 * The heap both top-k selections share: a min-heap by (score, then higher id) of fixed capacity, so the root is the
 * worst kept entry. Ids are stored as float64 (exact up to 2^53), so it holds node indices as well as the packed
 * candidate ids of the path search (explain/paths). Non-finite or −Infinity scores are never kept.
 */
export class ScoreHeap {
  protected readonly ids: Float64Array;
  protected readonly vals: Float64Array;
  protected size = 0;
  /** The worst kept score once full (0 before): an entry scoring below it cannot be kept. */
  floor = 0;

  constructor(readonly capacity: number) {
    this.ids = new Float64Array(Math.max(capacity, 0));
    this.vals = new Float64Array(Math.max(capacity, 0));
  }

  /** Whether (a, ia) ranks below (b, ib). */
  protected static worse(a: number, ia: number, b: number, ib: number): boolean {
    return a < b || (a === b && ia > ib);
  }

  get length(): number {
    return this.size;
  }

  clear(): void {
    this.size = 0;
    this.floor = 0;
  }

  /** Offers one pair; returns whether it was kept. */
  push(id: number, score: number): boolean {
    if (!(score > -Infinity) || this.capacity === 0) return false;
    const { ids, vals } = this;
    if (this.size === this.capacity) {
      if (!ScoreHeap.worse(vals[0]!, ids[0]!, score, id)) return false;
      ids[0] = id;
      vals[0] = score;
      this.siftDown(0);
      this.floor = vals[0]!;
      return true;
    }
    let pos = this.size++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!ScoreHeap.worse(score, id, vals[parent]!, ids[parent]!)) break;
      ids[pos] = ids[parent]!;
      vals[pos] = vals[parent]!;
      pos = parent;
    }
    ids[pos] = id;
    vals[pos] = score;
    if (this.size === this.capacity) this.floor = vals[0]!;
    return true;
  }

  protected siftDown(pos: number): void {
    const { ids, vals } = this;
    const size = this.size;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= size) return;
      const r = l + 1;
      const c = r < size && ScoreHeap.worse(vals[r]!, ids[r]!, vals[l]!, ids[l]!) ? r : l;
      if (!ScoreHeap.worse(vals[c]!, ids[c]!, vals[pos]!, ids[pos]!)) return;
      const ti = ids[c]!;
      const tv = vals[c]!;
      ids[c] = ids[pos]!;
      vals[c] = vals[pos]!;
      ids[pos] = ti;
      vals[pos] = tv;
      pos = c;
    }
  }
}

/** The `k` best (node index, score) pairs seen. */
export class TopKHeap extends ScoreHeap {
  /** Removes everything, returning it best first (pops the heap: O(k log k)). */
  drain(): Ranked {
    const n = this.size;
    const ids = new Uint32Array(n);
    const scores = new Float64Array(n);
    for (let j = n - 1; j >= 0; j--) {
      ids[j] = this.ids[0]!;
      scores[j] = this.vals[0]!;
      this.size--;
      if (this.size > 0) {
        this.ids[0] = this.ids[this.size]!;
        this.vals[0] = this.vals[this.size]!;
        this.siftDown(0);
      }
    }
    this.floor = 0;
    return { ids, scores };
  }
}

/**
 * The `k` best of `candidates` by `scores[candidate]` (dense over node indices), keeping only those with
 * `mask[candidate] !== 0` (all when no mask). O(|candidates| · log k).
 */
export function topKDense(candidates: Uint32Array, scores: Float64Array, k: number, mask?: Uint8Array): Ranked {
  const heap = new TopKHeap(k);
  for (let j = 0; j < candidates.length; j++) {
    const v = candidates[j]!;
    const score = scores[v]!;
    // Most candidates of a large pool score below the worst kept one once the heap is full: skipped before the mask
    // and the heap are read (the heap would refuse them too).
    if (score < heap.floor && heap.length === k) continue;
    if (mask && mask[v] === 0) continue;
    heap.push(v, score);
  }
  return heap.drain();
}
