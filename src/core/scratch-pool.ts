/**
 * @module core/scratch-pool
 * Per-node scratch that the successive versions of one engine hand on, instead of each version allocating its own.
 *
 * A request's scratch (the push solver's records, a strategy's dense scores, the path finder's beams) holds one or
 * more entries per node: 48 B per node for the push, about 260 B for the four beams of the path search, some 10⁸
 * bytes at 10M interactions and 10⁹ at 50M. A live write makes a new version of the context every few hundred
 * milliseconds, and each version used to allocate all of it again on its first request: the allocation, the zero
 * fill and the collections it prompted made most of the first request's time after a write (docs/scaling.md, "Scratch
 * handed on between versions").
 *
 * A pool keeps one scratch per key. A holder (one strategy or solver of one version) claims it; the pool resets it
 * to the state of a new one (clearing only what its last holder left) and records the holder. A holder checks, at the
 * start of each use, that it still holds its scratch, and claims it again when a newer version took it meanwhile (an
 * old version answering one more request stays correct; the two then take turns). Everything runs on one thread and
 * each use is synchronous, so two holders never use one scratch at the same time.
 *
 * The pool holds the scratch objects and opaque holder tokens only, never a holder's closures: an old version's graph
 * arrays are not kept alive by it. A scratch object therefore holds its own arrays and nothing of a graph. Its
 * capacity has some room over the node count, so that a write that adds a few users or items reuses it.
 *
 * @example
 * const pool = new ScratchPool(); // one per engine
 * const scratch = claimer(pool, 'ppr', n, (capacity) => new Scores(capacity), (s) => s.prepare(n));
 * const s = scratch(); // at the start of each request
 */

/** Scratch a pool hands on: per-node arrays with room for `capacity` nodes. */
export interface PooledScratch {
  readonly capacity: number;
  /** Back to the state of a new one: clears what its last holder left (cheap: the holder keeps what it wrote). */
  reset(): void;
}

/**
 * Dense per-node scores that a request sets at a few nodes (−Infinity elsewhere), cleared through the list of nodes it
 * set: the scratch of a strategy that scores candidates (retrieve/ppr-strategy, retrieve/hybrid-strategy).
 */
export class SparseScores implements PooledScratch {
  readonly scores: Float64Array;
  /** The nodes the last request set. */
  set = new Uint32Array(0);

  constructor(readonly capacity: number) {
    this.scores = new Float64Array(capacity).fill(-Infinity);
  }

  reset(): void {
    const { scores, set } = this;
    for (let j = 0; j < set.length; j++) scores[set[j]!] = -Infinity;
    this.set = new Uint32Array(0);
  }
}

/** The room a scratch for `nodes` nodes is made with: about 1.6 % more, so that inserted nodes fit. */
export function scratchCapacity(nodes: number): number {
  return nodes + (nodes >> 6) + 64;
}

/** One scratch per key, handed from holder to holder (see the module comment). */
export class ScratchPool {
  readonly #slots = new Map<string, { scratch: PooledScratch; holder: object }>();
  /** Claims that reused a scratch / made a new one (the tests read them). */
  readonly counts = { reused: 0, made: 0 };

  /** `key`'s scratch for `holder`, reset, when it has room for `nodes`; else a new one made by `make(capacity)`. */
  claim<T extends PooledScratch>(key: string, holder: object, nodes: number, make: (capacity: number) => T): T {
    const slot = this.#slots.get(key);
    if (slot && slot.scratch.capacity >= nodes) {
      slot.scratch.reset();
      slot.holder = holder;
      this.counts.reused++;
      return slot.scratch as T;
    }
    const scratch = make(scratchCapacity(nodes));
    this.#slots.set(key, { scratch, holder });
    this.counts.made++;
    return scratch;
  }

  /** Whether `holder` still holds `key`'s scratch (no newer holder claimed it). */
  holds(key: string, holder: object): boolean {
    return this.#slots.get(key)?.holder === holder;
  }
}

/**
 * A holder's access to `key`'s scratch: the returned function gives the scratch, claiming it again (reset, then
 * `prepare(scratch)`) whenever another holder took it since the last call. `prepare` writes what the holder's version
 * needs beyond a reset one (e.g. per-node values of its graph). Without a pool the holder makes its own scratch, once.
 */
export function claimer<T extends PooledScratch>(pool: ScratchPool | undefined, key: string, nodes: number, make: (capacity: number) => T, prepare?: (scratch: T) => void): () => T {
  if (!pool) {
    const own = make(nodes);
    prepare?.(own);
    return () => own;
  }
  const holder = {};
  let scratch: T | undefined;
  return () => {
    if (scratch === undefined || !pool.holds(key, holder)) {
      scratch = pool.claim(key, holder, nodes, make);
      prepare?.(scratch);
    }
    return scratch;
  };
}
