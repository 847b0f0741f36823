/**
 * @module store/health
 * Watches whether Neo4j answers, so a serving process can run in degraded mode while it does not.
 *
 * - `StoreHealth` pings Neo4j every `intervalMs` (a `RETURN 1` in an explicit read transaction, never retried, see
 *   `Database.ping`, bounded by `pingTimeoutMs`): `failuresToDegrade` failed pings in a row flip it down, one good ping flips it up; a store call
 *   that fails with `UNAVAILABLE` flips it down at once. Each flip is logged once (not each failed ping), with how long the outage lasted.
 * - `guardStore` wraps a GraphStore: while the store is down every call fails fast with `UNAVAILABLE` (503 with
 *   `Retry-After`) instead of waiting out the driver's connection and retry timeouts; a write is therefore accepted
 *   only when Neo4j committed it — nothing is queued, nothing is half-accepted.
 * - Recovery needs nothing from the operator: the driver opens fresh connections once Neo4j listens again, the next
 *   successful ping flips the state back, and reads and writes pass through again.
 *
 * @example
 * const health = new StoreHealth(() => pingDatabase(db)).start();
 * const store = guardStore(new Neo4jGraphStore(db.driver, db.database), health);
 * health.degraded; // true while Neo4j does not answer
 */
import { AppError, isAppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import type { Database } from './driver.ts';
import type { GraphStore } from './graph-store.ts';

export const STORE_HEALTH_DEFAULTS = {
  /** Time between pings, ms (both while up and while down). */
  intervalMs: 1000,
  /** A ping that takes longer than this counts as failed, ms. */
  pingTimeoutMs: 5000,
  /** Failed pings in a row before the store counts as down (a failed store call counts at once). */
  failuresToDegrade: 2,
  /** Retry-After (seconds) sent with the 503 of a call refused while the store is down. */
  retryAfterS: 2,
} as const;

export interface StoreHealthOptions {
  intervalMs?: number;
  pingTimeoutMs?: number;
  failuresToDegrade?: number;
  retryAfterS?: number;
}

export interface StoreHealthStatus {
  up: boolean;
  /** When the current state began (ms since epoch). */
  since: number;
  /** Why the store is down (the last failure), while it is down. */
  reason?: string;
}

/** One `RETURN 1` in an explicit read transaction (not auto-commit), never retried: a dead server fails fast. */
export async function pingDatabase(db: Pick<Database, 'ping'>): Promise<void> {
  await db.ping();
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export class StoreHealth {
  private readonly o: Required<StoreHealthOptions>;
  private state: StoreHealthStatus = { up: true, since: Date.now() };
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<boolean> | undefined;
  private failedPings = 0;
  private readonly listeners: Array<(status: StoreHealthStatus) => void> = [];
  private readonly downWaiters = new Set<() => void>();

  constructor(
    private readonly ping: () => Promise<void>,
    options: StoreHealthOptions = {},
  ) {
    this.o = { ...STORE_HEALTH_DEFAULTS, ...options };
  }

  get degraded(): boolean {
    return !this.state.up;
  }

  get retryAfterS(): number {
    return this.o.retryAfterS;
  }

  status(): StoreHealthStatus {
    return { ...this.state };
  }

  /** Calls `listener` on every flip. */
  onChange(listener: (status: StoreHealthStatus) => void): this {
    this.listeners.push(listener);
    return this;
  }

  /** Calls `callback` once, at the next flip to down; returns the function that cancels it. */
  whenDown(callback: () => void): () => void {
    this.downWaiters.add(callback);
    return () => this.downWaiters.delete(callback);
  }

  /** Starts the periodic ping (the timer does not keep the process alive). */
  start(): this {
    if (this.timer) return this;
    const tick = () => {
      void this.check().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.o.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, this.o.intervalMs).unref();
    return this;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Pings now (one ping at a time) and returns whether the store is up. */
  check(): Promise<boolean> {
    this.checking ??= withTimeout(this.ping(), this.o.pingTimeoutMs)
      .then(
        () => {
          this.failedPings = 0;
          this.flip(true);
          return true;
        },
        (error: unknown) => {
          // One slow ping on a busy machine is not an outage; a refused connection repeats at the next tick.
          if (++this.failedPings >= this.o.failuresToDegrade) this.flip(false, (error as Error)?.message ?? String(error));
          return false;
        },
      )
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  /** A store call failed for lack of the database: go down now rather than at the next ping. */
  reportFailure(error: unknown): void {
    if (isAppError(error, 'UNAVAILABLE')) this.flip(false, error.message);
  }

  private flip(up: boolean, reason?: string): void {
    if (up === this.state.up) {
      if (!up && reason) this.state.reason = reason;
      return;
    }
    const now = Date.now();
    const lastedMs = now - this.state.since;
    this.state = up ? { up, since: now } : { up, since: now, ...(reason ? { reason } : {}) };
    if (up) log.info('store: Neo4j answers again; leaving degraded mode', { downMs: lastedMs });
    else log.warn('store: Neo4j does not answer; degraded mode (recommendations from memory, writes refused)', { reason });
    for (const listener of this.listeners) listener(this.status());
    if (!up) {
      const waiters = [...this.downWaiters];
      this.downWaiters.clear();
      for (const waiter of waiters) waiter();
    }
  }
}

/** The error of a call refused while the store is down (503 + Retry-After through the error handler). */
export function unavailableError(health: StoreHealth): AppError {
  const { reason, since } = health.status();
  return new AppError('UNAVAILABLE', 'neo4j: the database is unavailable (degraded mode); nothing was written, retry later', {
    degraded: true,
    retryAfterS: health.retryAfterS,
    downSinceMs: Date.now() - since,
    ...(reason ? { reason } : {}),
  });
}

/** GraphStore methods that write; every other method (but `close`) reads. */
const WRITE_METHODS = new Set<PropertyKey>(['upsertUsers', 'upsertItems', 'upsertEntities', 'upsertKnowledge', 'recordInteractions']);

/** Settles like `work`, or rejects with the degraded-mode error as soon as `health` flips down, whichever is first. */
function untilDown<T>(work: Promise<T>, health: StoreHealth): Promise<T> {
  let cancel = () => {};
  const down = new Promise<never>((_, reject) => {
    cancel = health.whenDown(() => reject(unavailableError(health)));
  });
  work.catch(() => {}); // if `down` wins, the driver's own failure arrives later and is dropped
  return Promise.race([work, down]).finally(cancel);
}

/**
 * A GraphStore that fails fast while `health` says the database is down, and reports `UNAVAILABLE` failures to it.
 * A read in flight when the store goes down fails at once too (rather than after the driver's retry window); a write
 * in flight is left to finish or fail on its own, so that its answer says whether it was committed. `close` always
 * passes through.
 */
export function guardStore(store: GraphStore, health: StoreHealth): GraphStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (property === 'close') return method.bind(target);
      const write = WRITE_METHODS.has(property);
      return async (...args: unknown[]) => {
        if (health.degraded) throw unavailableError(health);
        try {
          const work = method.apply(target, args);
          return await (write ? work : untilDown(work, health));
        } catch (error) {
          health.reportFailure(error);
          throw error;
        }
      };
    },
  });
}
