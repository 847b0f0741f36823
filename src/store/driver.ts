/**
 * @module store/driver
 * The one Neo4j driver of a process: created from config, verified at boot, closed at shutdown, injected into the
 * services that need it. When `NEO4J_URI` is unset the project's local Neo4j is started (or reused) first.
 *
 * Cluster use (`neo4j://`, Aura): every session of the process is opened by {@link openSession}, which gives it the
 * driver's one bookmark manager (`driver.executeQueryBookmarkManager`). Each committed transaction's bookmark goes
 * into it and every later session waits for those bookmarks, so a read in any session sees every write this process
 * committed before it (causal consistency), even when the read is routed to a follower that lags the leader. The
 * health ping is an explicit read transaction that is never retried (see {@link Database.ping}), so a dead server fails
 * the ping at once instead of after the retry window.
 */
import neo4j, { type Driver, type Session } from 'neo4j-driver';
import type { Config } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { cypher } from './cypher.ts';
import { ensureLocalNeo4j, type LocalNeo4j } from './local-neo4j.ts';
import type { ResolvedMapping } from './mapping.ts';

export interface Database {
  driver: Driver;
  database: string;
  uri: string;
  /** The local server this process started, if any. */
  local?: LocalNeo4j;
  /**
   * The graph mapping in force (store/mapping; `GRAPHREC_GRAPH_MAPPING`), checked against this database: reads go
   * through `cypher/mapped/`. Absent: graphrec's own model.
   */
  mapping?: ResolvedMapping;
  /**
   * One `RETURN 1` in a read transaction (`executeRead`, routed like every read) on the ping driver, which has no
   * managed-transaction retries: a dead server fails at once. It carries no bookmarks: it asks whether a server
   * answers, not whether it has caught up.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createDriver(uri: string, cfg: Config['neo4j']): Driver {
  const auth = cfg.password ? neo4j.auth.basic(cfg.user, cfg.password) : neo4j.auth.basic(cfg.user, 'unused');
  return neo4j.driver(uri, auth, {
    maxConnectionPoolSize: 50,
    connectionAcquisitionTimeout: 10_000,
    connectionTimeout: 5_000,
    maxTransactionRetryTime: cfg.maxTransactionRetryMs,
    disableLosslessIntegers: false,
  });
}

/**
 * A session of `db` in `mode` that shares the driver's bookmark manager: the one way code under `src/store/` opens
 * sessions (a lint rule forbids `driver.session(` elsewhere), so reads after writes are causally consistent. `fetchSize`:
 * records the server sends ahead of the reader (the driver's default is 1,000).
 */
export function openSession(db: Pick<Database, 'driver' | 'database'>, mode: 'READ' | 'WRITE', options: { fetchSize?: number } = {}): Session {
  return db.driver.session({
    ...(options.fetchSize ? { fetchSize: options.fetchSize } : {}),
    database: db.database,
    defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE,
    bookmarkManager: db.driver.executeQueryBookmarkManager,
  });
}

/**
 * Connects to `NEO4J_URI`, or starts/reuses the local Neo4j; verifies connectivity. `supervise`: restart a local
 * Neo4j this process started when it dies (`graphrec serve`; store/local-neo4j).
 */
export async function connectDatabase(cfg: Config, options: { supervise?: boolean } = {}): Promise<Database> {
  const local = cfg.neo4j.uri ? undefined : await ensureLocalNeo4j(cfg.neo4j, options);
  const uri = cfg.neo4j.uri || local!.uri;
  const driver = createDriver(uri, cfg.neo4j);
  try {
    await driver.verifyConnectivity({ database: cfg.neo4j.database });
  } catch (error) {
    await driver.close();
    await local?.stop();
    throw new AppError('UNAVAILABLE', `neo4j: cannot connect to ${uri}: ${(error as Error).message}`, undefined, { cause: error });
  }
  let closing: Promise<void> | undefined;
  return {
    driver,
    database: cfg.neo4j.database,
    uri,
    ...(local ? { local } : {}),
    async ping() {
      // An explicit read transaction: routed to a reader like `executeRead`, but never retried (the managed retry of
      // `executeRead` waits ~1 s before its first retry even with no retry time left), so a dead server fails at once.
      const session = driver.session({ database: cfg.neo4j.database, defaultAccessMode: neo4j.session.READ });
      try {
        const tx = await session.beginTransaction({ timeout: 5000 });
        try {
          await tx.run(cypher('read', 'ping'));
          await tx.commit();
        } finally {
          if (tx.isOpen()) await tx.rollback().catch(() => {});
        }
      } finally {
        await session.close();
      }
    },
    close: () =>
      (closing ??= (async () => {
        await driver.close();
        await local?.stop();
      })()),
  };
}
