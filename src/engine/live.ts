/**
 * @module engine/live
 * How committed writes reach the serving engine, so that the live engine always equals a reload from Neo4j:
 *
 * - {@link withEngineUpdates} wraps the store. Its writes (`upsertUsers`, `upsertItems`, `recordInteractions`) run
 *   one at a time, so the order in which this process commits is the order in which the engine applies; each
 *   interaction write returns the committed kinds of every (user, item) pair it touched, read in its own transaction
 *   (store), and those — not the submitted events — are what the engine applies. Duplicates and older events thus
 *   change exactly what they changed in Neo4j: nothing.
 * - {@link LiveUpdates} collects the committed changes and applies them together, `coalesceMs` after the first one
 *   (a later state of the same pair replaces an earlier one in the batch). One application patches the projection
 *   (engine `applyUpdates`) and swaps the context once, instead of once per write. An application runs on the event
 *   loop and costs O(graph) (block copies of the CSR and the transition: 0.3–1 s at 10M interactions,
 *   docs/scaling.md), so under a stream of writes the next one also waits until the applications take at most
 *   `maxApplyShare` of the time: after one that took A ms, the next starts no sooner than A · (1 − s) / s ms after it
 *   ended. Requests are served in between; a write then reaches the engine within that wait plus one application.
 *   With `sliceMs` > 0 (the default) an application that the timer starts runs in slices (engine
 *   `applyUpdatesInSlices`): its block copies are done `sliceMs` at a time with requests served in between, and A
 *   counts only the slices. `flush` (and a write when nothing makes it wait) applies in one piece.
 * - Before the engine exists (boot: projection, training) the changes are kept and applied the moment `attach` is
 *   called, so a write accepted during boot is never lost: each kept change is a full committed state, so applying
 *   one the projection already contains changes nothing.
 *
 * @example
 * const live = new LiveUpdates({ coalesceMs: 50, maxApplyShare: 0.5 });
 * const store = withEngineUpdates(neo4jStore, live);
 * live.attach(await bootEngine(db, cfg)); // writes accepted meanwhile are applied now
 */
import type { PairState } from '../core/interactions.ts';
import { DEFAULTS } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { pairKey } from '../core/interactions.ts';
import { log } from '../core/log.ts';
import type { ItemRecord, UserRecord } from '../core/model.ts';
import type { GraphStore, InteractionEvent, RecordResult } from '../store/graph-store.ts';
import type { Engine, EngineUpdate } from './engine.ts';

/** The config's defaults (core/config `interactions`), one place for each. */
export const LIVE_DEFAULTS = {
  /** Wait after the first committed write before the writes are applied together, ms (config `interactions.coalesceMs`). */
  coalesceMs: DEFAULTS.interactions.coalesceMs,
  /**
   * Largest share of the event loop's time that applying writes may take under a stream of them, in (0, 1]; 1 = apply
   * as soon as the coalescing wait ends (config `interactions.maxApplyShare`).
   */
  maxApplyShare: DEFAULTS.interactions.maxApplyShare,
  /** Longest slice of an application's block copies, ms; 0 = each application in one piece (config `interactions.applySliceMs`). */
  sliceMs: DEFAULTS.interactions.applySliceMs,
} as const;

export interface LiveStats {
  /** Applications (context swaps) so far. */
  applied: number;
  /** Changes (pairs, users, items) waiting for the next application. */
  pending: number;
  /** How long the last application held the event loop, ms (0 before the first). */
  lastApplyMs: number;
}

export class LiveUpdates {
  readonly #coalesceMs: number;
  readonly #maxApplyShare: number;
  readonly #sliceMs: number;
  /** True while an application in slices runs. */
  #applying = false;
  #engine: Engine | undefined;
  /** Hears the end of each application that made a new version (engine/replicas hands it to the engine's copies). */
  #mirror: (() => void) | undefined;
  #edges = new Map<string, PairState>();
  #users = new Map<string, { id: string }>();
  #items = new Map<string, { id: string; title: string; props?: ItemRecord['props'] }>();
  #timer: NodeJS.Timeout | undefined;
  #applied = 0;
  #lastApplyMs = 0;
  /** When the last application ended (performance.now()). */
  #lastEnd = Number.NEGATIVE_INFINITY;
  #waiters: Array<() => void> = [];
  /** Hears the end of each application (with its error when it failed). */
  readonly #onApplied: ((error?: unknown) => void) | undefined;

  /** `onApplied` hears the end of each application, with its error when it failed (engine/replica-worker reports it). */
  constructor(options: { coalesceMs?: number; maxApplyShare?: number; sliceMs?: number; onApplied?: (error?: unknown) => void } = {}) {
    this.#onApplied = options.onApplied;
    this.#coalesceMs = options.coalesceMs ?? LIVE_DEFAULTS.coalesceMs;
    this.#maxApplyShare = options.maxApplyShare ?? LIVE_DEFAULTS.maxApplyShare;
    this.#sliceMs = options.sliceMs ?? LIVE_DEFAULTS.sliceMs;
    if (!(this.#sliceMs >= 0 && Number.isFinite(this.#sliceMs))) throw new AppError('CONFIG', `live updates: sliceMs must be finite and ≥ 0 (got ${this.#sliceMs})`);
    if (!(this.#coalesceMs >= 0 && Number.isFinite(this.#coalesceMs))) throw new AppError('CONFIG', `live updates: coalesceMs must be finite and ≥ 0 (got ${this.#coalesceMs})`);
    if (!(this.#maxApplyShare > 0 && this.#maxApplyShare <= 1)) throw new AppError('CONFIG', `live updates: maxApplyShare must be in (0, 1] (got ${this.#maxApplyShare})`);
  }

  get engine(): Engine | undefined {
    return this.#engine;
  }

  get stats(): LiveStats {
    return { applied: this.#applied, pending: this.#edges.size + this.#users.size + this.#items.size, lastApplyMs: this.#lastApplyMs };
  }

  /**
   * Sets the engine (boot finished) and applies every change accepted before it at once. `mirror` hears the end of
   * each application that made a new version, in order (engine/replicas: the engine's copies adopt it).
   */
  attach(engine: Engine, mirror?: () => void): void {
    this.#engine = engine;
    this.#mirror = mirror;
    this.flush();
  }

  /** Forgets the engine (shutdown); later changes are kept but never applied. */
  detach(): void {
    this.#engine = undefined;
    this.#mirror = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Records committed changes; they are applied `coalesceMs` later (at once when it is 0), or later still while the
   * applications would take more than `maxApplyShare` of the time (see the module header).
   */
  add(update: EngineUpdate): void {
    for (const e of update.edges ?? []) this.#edges.set(pairKey(e), e);
    for (const u of update.users ?? []) this.#users.set(u.id, { id: u.id });
    for (const i of update.items ?? []) {
      const prev = this.#items.get(i.id);
      this.#items.set(i.id, { id: i.id, title: i.title, props: { ...prev?.props, ...i.props } });
    }
    this.#schedule();
  }

  /** Starts the wait before the next application (nothing while one waits or runs). */
  #schedule(): void {
    if (!this.#engine || this.#timer || this.#applying || this.stats.pending === 0) return;
    const s = this.#maxApplyShare;
    const rest = this.#lastEnd + (this.#lastApplyMs * (1 - s)) / s - performance.now();
    const wait = Math.max(this.#coalesceMs, rest);
    if (wait <= 0) this.flush();
    else
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#sliceMs > 0) void this.#applyInSlices();
        else this.flush();
      }, wait);
  }

  /** Takes the pending changes as one update (undefined when there are none). */
  #take(): EngineUpdate | undefined {
    if (this.stats.pending === 0) return undefined;
    const update: EngineUpdate = { users: [...this.#users.values()], items: [...this.#items.values()], edges: [...this.#edges.values()] };
    this.#edges = new Map();
    this.#users = new Map();
    this.#items = new Map();
    return update;
  }

  #settle(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Records an application that ended, well or not (`error`), after holding the event loop `busyMs`, and wakes the
   * waiters when nothing is pending: changes that came meanwhile go in the next application, and they wait for it.
   */
  #ended(busyMs: number, error?: unknown): void {
    if (error === undefined) this.#applied++;
    // The store committed these; a failure here is a bug, never the client's. Log it; a restart reloads.
    else log.error('live: applying committed writes to the engine failed', { error: (error as Error).message });
    this.#lastEnd = performance.now();
    this.#lastApplyMs = busyMs;
    this.#onApplied?.(error);
    if (this.stats.pending === 0) this.#settle();
  }

  /** Applies what is pending in slices (see the module header), then schedules what came meanwhile. */
  async #applyInSlices(): Promise<void> {
    const engine = this.#engine;
    const update = engine ? this.#take() : undefined;
    if (!engine || !update) return this.#settle();
    this.#applying = true;
    const before = engine.version;
    try {
      const busy = await engine.applyUpdatesInSlices(update, this.#sliceMs);
      if (engine.version !== before) this.#mirror?.();
      this.#ended(busy);
    } catch (error) {
      this.#ended(0, error);
    } finally {
      this.#applying = false;
    }
    this.#schedule();
  }

  /**
   * Applies what is pending now in one piece, whatever the waits (no-op without an engine or without changes; while
   * an application in slices runs, the changes wait for it and go next).
   */
  flush(): void {
    if (this.#applying) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const engine = this.#engine;
    if (!engine) return;
    const update = this.#take();
    if (!update) return this.#settle();
    const t0 = performance.now();
    const before = engine.version;
    try {
      engine.applyUpdates(update);
      const busy = performance.now() - t0;
      if (engine.version !== before) this.#mirror?.();
      this.#ended(busy);
    } catch (error) {
      this.#ended(performance.now() - t0, error);
    }
  }

  /** Resolves after the next application (at once when nothing is pending). For tests and benchmarks. */
  settled(): Promise<void> {
    if ((this.stats.pending === 0 && !this.#applying) || !this.#engine) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/**
 * A GraphStore whose writes run one at a time and whose committed changes go to `live` (see the module header).
 * Reads pass through unchanged.
 */
export function withEngineUpdates(store: GraphStore, live: LiveUpdates): GraphStore {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  const writes: Partial<GraphStore> = {
    upsertUsers: (users: UserRecord[]) =>
      serial(async () => {
        await store.upsertUsers(users);
        live.add({ users });
      }),
    upsertItems: (items: ItemRecord[]) =>
      serial(async () => {
        await store.upsertItems(items);
        live.add({ items });
      }),
    recordInteractions: (events: InteractionEvent[]) =>
      serial(async (): Promise<RecordResult> => {
        const result = await store.recordInteractions(events);
        live.add({ edges: result.edges });
        return result;
      }),
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && Object.hasOwn(writes, property)) return writes[property as keyof GraphStore];
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
