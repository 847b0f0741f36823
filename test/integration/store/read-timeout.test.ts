/**
 * Every store read runs under a transaction timeout (`neo4j.readTimeoutMs`, default 5 s; docs/operations.md): Neo4j
 * terminates a read that runs past it and the caller gets TIMEOUT (504 over HTTP) instead of waiting for as long as the
 * query takes (a `/v1/paths` with maxHops=4 took 3.4 s with no bound). The long read here is a CPU-bound statement
 * sent through the store's own read path (the one every route uses), so the test does not depend on the data.
 */
import type { ManagedTransaction } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { openTestDatabase, testConfig } from '../helpers.ts';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db?.close());

type Reader = { read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> };
const LONG_READ = 'UNWIND range(1, 400000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n';

describe('store reads under a transaction timeout', () => {
  it('the default config bounds reads (neo4j.readTimeoutMs > 0)', () => {
    expect(testConfig().neo4j.readTimeoutMs).toBeGreaterThan(0);
  });

  it('a read running past readTimeoutMs fails with TIMEOUT, and the next read works', async () => {
    const store = new Neo4jGraphStore(db.driver, db.database, undefined, { readTimeoutMs: 1000 });
    const started = Date.now();
    const outcome = await Promise.race([
      (store as unknown as Reader).read((tx) => tx.run(LONG_READ)).then(() => 'finished', (e: unknown) => e),
      new Promise((resolve) => setTimeout(() => resolve('still running after 30 s'), 30_000)),
    ]);
    const ms = Date.now() - started;
    expect(outcome).toBeInstanceOf(AppError);
    expect((outcome as AppError).code).toBe('TIMEOUT');
    expect(ms).toBeLessThan(15_000);
    // The session is usable again (a bound roomy enough for this loaded machine).
    expect(await new Neo4jGraphStore(db.driver, db.database, undefined, { readTimeoutMs: 30_000 }).counts()).toMatchObject({ users: expect.any(Number) });
  }, 60_000);
});
