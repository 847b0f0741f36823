/**
 * @module store/driver
 * The one Neo4j driver of a process: created from config, verified at boot, closed at shutdown, injected into the
 * services that need it. When `NEO4J_URI` is unset the project's local Neo4j is started (or reused) first.
 */
import neo4j, { type Driver } from 'neo4j-driver';
import type { Config } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { ensureLocalNeo4j, type LocalNeo4j } from './local-neo4j.ts';

export interface Database {
  driver: Driver;
  database: string;
  uri: string;
  /** The local server this process started, if any. */
  local?: LocalNeo4j;
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

/** Connects to `NEO4J_URI`, or starts/reuses the local Neo4j; verifies connectivity. */
export async function connectDatabase(cfg: Config): Promise<Database> {
  const local = cfg.neo4j.uri ? undefined : await ensureLocalNeo4j(cfg.neo4j);
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
    close: () =>
      (closing ??= (async () => {
        await driver.close();
        await local?.stop();
      })()),
  };
}
