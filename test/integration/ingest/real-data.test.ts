/**
 * The real ML-100K + DBpedia knowledge graph into the real Neo4j: exact counts (SOURCE.md), loading twice changes
 * nothing, and a load killed with SIGKILL mid-way and re-run ends with exactly the same counts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../src/core/paths.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import { resolveDataset } from '../../../src/ingest/resolve.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase, sharedDataset } from '../helpers.ts';

const ml = sharedDataset('ml-100k');
const dbpedia = sharedDataset('ml-100k-dbpedia');
const spec = ml && dbpedia ? `movielens-dbpedia:${ml},${dbpedia}` : '';
const DBPEDIA_RELATIONS = ['director', 'starring', 'writer', 'producer', 'distributor', 'cinematography', 'subject'];

interface ExactCounts {
  users: number;
  items: number;
  interactions: number;
  dbpediaPairs: number;
  dbpediaEntities: number;
}

async function exactCounts(db: Database): Promise<ExactCounts> {
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  try {
    const q = `CALL () { MATCH (u:User) RETURN count(u) AS users }
      CALL () { MATCH (i:Item) RETURN count(i) AS items }
      CALL () { MATCH (:User)-[r:INTERACTED]->(:Item) RETURN count(r) AS interactions }
      CALL () { MATCH (:Item)-[r:RELATED]->(:Entity) WHERE r.relation IN $relations RETURN count(r) AS dbpediaPairs }
      CALL () { MATCH (e:Entity) WHERE e.id STARTS WITH 'dbpedia:' RETURN count(e) AS dbpediaEntities }
      RETURN users, items, interactions, dbpediaPairs, dbpediaEntities`;
    const r = (await session.executeRead((tx) => tx.run(q, { relations: DBPEDIA_RELATIONS }))).records[0]!;
    return Object.fromEntries(r.keys.map((k) => [k, (r.get(k) as { toNumber(): number }).toNumber()])) as unknown as ExactCounts;
  } finally {
    await session.close();
  }
}

const EXPECTED = { users: 943, items: 1682, interactions: 100_000, dbpediaPairs: 36_805, dbpediaEntities: 10_619 };

describe.skipIf(!spec)('ML-100K + DBpedia into Neo4j', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
    await deleteAll(db);
  });
  afterAll(async () => db?.close());

  it('loads exactly the counts of SOURCE.md, and loading twice changes nothing', async () => {
    const report = await loadDataset(db, resolveDataset(spec));
    expect(report.rejectedRows).toBe(0);
    expect(await exactCounts(db)).toEqual(EXPECTED);
    const before = await new Neo4jGraphStore(db.driver, db.database).counts();
    await loadDataset(db, resolveDataset(spec), { resume: false });
    expect(await new Neo4jGraphStore(db.driver, db.database).counts()).toEqual(before);
    expect(await exactCounts(db)).toEqual(EXPECTED);
  });

  it('recovers from kill -9 mid-load: the re-run ends with the same exact counts', async () => {
    await deleteAll(db);
    const env = { ...process.env, NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI!, GRAPHREC_BATCH_SIZE: '2000' };
    const cli = path.join(ROOT, 'scripts', 'graphrec.js');
    const child = spawn(process.execPath, [cli, 'ingest', spec], { env, stdio: 'ignore' });
    // Wait until some batches are committed (interactions present), then kill the loader without warning.
    const store = new Neo4jGraphStore(db.driver, db.database);
    for (let i = 0; i < 600; i++) {
      const { interactions } = await store.counts();
      if (interactions >= 20_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const partial = await exactCounts(db);
    expect(partial.interactions).toBeGreaterThan(0);
    expect(partial.interactions + partial.dbpediaPairs).toBeLessThan(EXPECTED.interactions + EXPECTED.dbpediaPairs);

    const report = await loadDataset(db, resolveDataset(spec), { batchSize: 2000 });
    expect(report.files.some((f) => f.resumedRows > 0)).toBe(true);
    expect(await exactCounts(db)).toEqual(EXPECTED);
  });
});
