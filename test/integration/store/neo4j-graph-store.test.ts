/**
 * The shared GraphStore contract on the real Neo4j (the twin of test/store/memory-graph-store.test.ts).
 */
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { describeGraphStoreContract } from '../../store/graph-store-contract.ts';
import { openTestDatabase } from '../helpers.ts';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db?.close());

describeGraphStoreContract('neo4j', async () => {
  await deleteAll(db);
  return new Neo4jGraphStore(db.driver, db.database);
});
