/**
 * The bulk path (Neo4j's offline importer into an empty local database) gives exactly the graph of the online loader:
 * node and relationship counts per label and type, every property with its Neo4j type, the checkpoints, the
 * constraints and indexes, and the same load report (written counts, rejected rows with their reasons).
 *
 * The online load goes into the shared test Neo4j; the bulk one into a second local Neo4j of its own (port
 * GRAPHREC_TEST_NEO4J_PORT + 1, a temporary data folder), which this test starts and stops through ingestDataset.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.ts';
import { CYPHER_DIR } from '../../../src/core/paths.ts';
import { ingestDataset, type IngestReport } from '../../../src/ingest/ingest.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import { resolveDataset } from '../../../src/ingest/resolve.ts';
import { cypherNames } from '../../../src/store/cypher.ts';
import type { Database } from '../../../src/store/driver.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase, sharedDataset } from '../helpers.ts';

const work = mkdtempSync(path.join(tmpdir(), 'graphrec-bulk-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bulkPort = Number(process.env.GRAPHREC_TEST_NEO4J_PORT ?? 7688) + 1;

interface Snapshot {
  counts: Record<string, number>;
  nodes: string[];
  relationships: string[];
  schema: string[];
}

/** Every node and relationship as text with its properties and their Neo4j types (checkpoint times left out). */
async function snapshot(db: Database): Promise<Snapshot> {
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  const props = (v: string) => `[k IN keys(${v}) WHERE k <> 'updatedAt' | k + '=' + valueType(${v}[k]) + ':' + toString(${v}[k])]`;
  try {
    const nodes = (await session.run(`MATCH (n) RETURN labels(n) AS labels, ${props('n')} AS props`)).records.map((r) => `${(r.get('labels') as string[]).sort().join(':')} ${(r.get('props') as string[]).sort().join(' | ')}`);
    const relationships = (
      await session.run(`MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a)[0] + ':' + a.id AS a, labels(b)[0] + ':' + b.id AS b, ${props('r')} AS props`)
    ).records.map((r) => `${r.get('a')} -${r.get('type')}-> ${r.get('b')} ${(r.get('props') as string[]).sort().join(' | ')}`);
    const counts: Record<string, number> = {};
    for (const n of nodes) counts[n.slice(0, n.indexOf(' '))] = (counts[n.slice(0, n.indexOf(' '))] ?? 0) + 1;
    for (const r of relationships) {
      const type = /-(\w+)->/.exec(r)![1]!;
      counts[type] = (counts[type] ?? 0) + 1;
    }
    // The constraints and indexes cypher/schema defines (other suites may add vector indexes to the shared database).
    const ours = new Set(
      cypherNames('schema').flatMap((name) => [...readFileSync(path.join(CYPHER_DIR, 'schema', `${name}.cypher`), 'utf8').matchAll(/CREATE (?:CONSTRAINT|(?:FULLTEXT |RANGE |TEXT )?INDEX) (\w+)/g)].map((m) => m[1]!)),
    );
    const constraints = (await session.run('SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties RETURN name, type, labelsOrTypes, properties')).records
      .filter((r) => ours.has(r.get('name')))
      .map((r) => `constraint ${r.get('name')} ${r.get('type')} ${r.get('labelsOrTypes')} ${r.get('properties')}`);
    const indexes = (await session.run('SHOW INDEXES YIELD name, type, state, labelsOrTypes, properties RETURN name, type, state, labelsOrTypes, properties')).records
      .filter((r) => ours.has(r.get('name')))
      .map((r) => `index ${r.get('name')} ${r.get('type')} ${r.get('state')} ${r.get('labelsOrTypes')} ${r.get('properties')}`);
    return { counts, nodes: nodes.sort(), relationships: relationships.sort(), schema: [...constraints, ...indexes].sort() };
  } finally {
    await session.close();
  }
}

/** The first few lines that differ (a readable failure instead of a 100k-line diff). */
function differences(a: string[], b: string[]): string[] {
  const sa = new Set(a);
  const sb = new Set(b);
  return [...a.filter((x) => !sb.has(x)).slice(0, 5).map((x) => `online only: ${x}`), ...b.filter((x) => !sa.has(x)).slice(0, 5).map((x) => `bulk only: ${x}`)];
}

async function compare(spec: string, name: string): Promise<{ online: Snapshot; bulk: Snapshot; bulkReport: IngestReport }> {
  const db = await openTestDatabase();
  let online: Snapshot;
  let onlineReport;
  try {
    await deleteAll(db);
    onlineReport = await loadDataset(db, resolveDataset(spec));
    online = await snapshot(db);
    await deleteAll(db);
  } finally {
    await db.close();
  }
  const cfg = loadConfig({ overrides: { neo4j: { uri: '', localPort: bulkPort, localDataDir: path.join(work, name), localHeapMb: 1024, localPageCacheMb: 128, startTimeoutS: 900 } } });
  let bulk: Snapshot | undefined;
  const bulkReport = await ingestDataset(cfg, resolveDataset(spec), { mode: 'bulk', importHeapMb: 512, inspect: async (d) => void (bulk = await snapshot(d)) });
  expect(bulkReport.mode).toBe('bulk');
  expect(bulk).toBeDefined();
  expect(bulkReport.written).toEqual(onlineReport.written);
  expect(bulkReport.rejectedRows).toBe(onlineReport.rejectedRows);
  // Same rejections; the online loader lists a batch's unknown-id rows after the reader's bad rows, bulk in file order.
  const byPlace = (a: { file: string; line: number }, b: { file: string; line: number }) => a.file.localeCompare(b.file) || a.line - b.line;
  expect([...bulkReport.errors].sort(byPlace)).toEqual([...onlineReport.errors].sort(byPlace));
  return { online, bulk: bulk!, bulkReport };
}

function expectSameGraph(online: Snapshot, bulk: Snapshot): void {
  expect(bulk.counts).toEqual(online.counts);
  expect(differences(online.nodes, bulk.nodes)).toEqual([]);
  expect(differences(online.relationships, bulk.relationships)).toEqual([]);
  expect(bulk.schema).toEqual(online.schema);
  expect(bulk.schema.length).toBeGreaterThanOrEqual(13);
}

describe('ingest --mode bulk', () => {
  it('gives the online graph on a fixture with props, repeats, quoting, unknown ids and bad rows', async () => {
    const dir = path.join(work, 'fixture');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'users.csv'), 'id,age:number,vip:boolean,city\nu1,31,true,"Paris, FR"\nu2,,false,Oslo\nu1,32,,\nu3,40,yes,"say ""hi"""\n');
    writeFileSync(path.join(dir, 'items.csv'), 'id,title,year:number\ni1,"Alien, the ""film""",1979\ni2,"Two\nlines",\ni3,Heat,1995\n');
    writeFileSync(path.join(dir, 'entities.csv'), 'id,kind,name\ne1,person,Ridley Scott\ne2,genre,Sci-Fi\ne2,genre,Science fiction\n');
    writeFileSync(
      path.join(dir, 'interactions.csv'),
      'user_id,item_id,kind,rating,weight,timestamp\nu1,i1,rating,5,,100\nu2,i1,click,,2,\nu1,i1,rating,4,,200\nu1,i1,rating,3,,150\nu2,i3,rating,11,,\nu9,i1,rating,3,,1\nu1,i9,,,,\nu3,i3,rating,x,,\nu3,i2,rating,2.5,,2020-01-02T00:00:00Z\n',
    );
    writeFileSync(
      path.join(dir, 'knowledge.csv'),
      'head_kind,head_id,relation,tail_kind,tail_id\nitem,i1,director,entity,e1\nitem,i1,genre,entity,e2\nitem,i1,genre,entity,e2\nentity,e1,bornIn,entity,e2\nitem,i1,sequel,item,i3\nentity,e2,example,item,i2\nitem,i7,genre,entity,e2\nitem,i1,genre,entity,e8\n',
    );
    const { online, bulk, bulkReport } = await compare(`generic:${dir}`, 'fixture-db');
    expect(bulkReport.rejectedRows).toBe(6);
    expect(online.counts).toMatchObject({ User: 3, Item: 3, Entity: 2, INTERACTED: 3, RELATED: 5, IngestCheckpoint: 5 });
    expectSameGraph(online, bulk);
  });

  it('gives the online graph on ML-100K + DBpedia', async (ctx) => {
    const ml = sharedDataset('ml-100k');
    const kg = sharedDataset('ml-100k-dbpedia');
    if (!ml || !kg) return ctx.skip();
    const { online, bulk } = await compare(`movielens-dbpedia:${ml},${kg}`, 'ml100k-db');
    expect(online.counts.INTERACTED).toBe(100_000);
    expectSameGraph(online, bulk);
  }, 1_200_000);
});
