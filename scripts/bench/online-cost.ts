/**
 * `npm run bench -- online-cost [--interactions N] [--floor-only]`: where the online loader's time goes, on the bench Neo4j (port
 * GRAPHREC_BENCH_NEO4J_PORT or 7689) holding ML-100K + DBpedia. Each pass loads a new generated graph of N
 * interactions (default 200,000, plus N / 10 knowledge edges, ids of this run only, deleted at the end) next to it, and reports the rate with the CPU
 * seconds of this process (reading, batching, Bolt) and of the Neo4j JVM (from /proc, so Linux only) during the load.
 *
 * Passes: a warm-up with the defaults (the first load after the database opens pays its cold start; not compared); one
 * batch in flight (`inFlight` 1, the loader before 2026-12-06), the defaults (batch 5,000, `inFlight` 2), both again in
 * the other order; batch 20,000; then without the `interacted_ts` index (cypher/schema/09; no statement of graphrec
 * seeks by it) at both batch sizes; then with the index again. The index is re-created at the end whatever happens.
 * The last line gives each compared pass's rate as a ratio to the first one in flight.
 *
 * Then the floor: batches of 5,000 new edges between 8,000 new users and 1,600 new items, sent straight to Neo4j (no
 * file, no loader), each shape in turn per round so warm-up and page cache treat them alike: the loader's own
 * `create-interactions`; the same statement with two batches sent at once in two sessions (what the loader's
 * `inFlight` 2 does); the same rows through `graphrec.createInteractions`, a write procedure of the local Neo4j that
 * does what the statement does without Cypher (graph/src/main/java/graphrec/Ingest.java), alone and two at once; the same edges through plain `MATCH … MATCH … CREATE` (no OPTIONAL MATCH, no subquery);
 * the same five properties on a relationship type with no index or constraint; and a bare relationship with no
 * property; and the loader's statement, alone and two at once, with the local Neo4j's transaction listener
 * unregistered (`graphrec.servingVersionListener(false)`, graph/src/main/java/graphrec/ServingVersion.java: what the
 * serving version costs per write; the listener is registered again after each such batch). The rounds after the
 * first two are counted. Its nodes and edges are deleted afterwards. `--floor-only` runs the floor alone.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDataset } from '../../src/ingest/generate.ts';
import { readGeneric } from '../../src/ingest/formats/generic.ts';
import { LOAD_DEFAULTS, loadDataset } from '../../src/ingest/load.ts';
import { cypher } from '../../src/store/cypher.ts';
import type { Database } from '../../src/store/driver.ts';
import { interactionKey } from '../../src/store/neo4j-graph-store.ts';
import { int } from '../../src/store/records.ts';
import { emit, ensureMl100kDbpedia, ml100kDbpediaSpec, openBenchDatabase } from './_neo4j.ts';

/** User + system CPU seconds of process `pid` (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const FLOOR = { users: 8000, items: 1600, batch: 5000, rounds: 16, counted: 14 };

/** The statements the floor compares, each writing the batch's rows as edges (user and item looked up by id). */
const FLOOR_SHAPES: Array<{ shape: string; statement: string; inFlight?: number; listener?: false }> = [
  { shape: 'the loader statement (create-interactions)', statement: cypher('ingest', 'create-interactions') },
  { shape: 'the loader statement, two batches in flight (two sessions)', statement: cypher('ingest', 'create-interactions'), inFlight: 2 },
  { shape: "the loader statement, graphrec's transaction listener off (graphrec.servingVersion)", statement: cypher('ingest', 'create-interactions'), listener: false },
  { shape: 'the loader statement, two batches in flight, the listener off', statement: cypher('ingest', 'create-interactions'), inFlight: 2, listener: false },
  { shape: 'graphrec.createInteractions (the local Neo4j\'s write procedure)', statement: 'CALL graphrec.createInteractions($keys, $userIds, $itemIds, $kinds, $ratings, $weights, $ts) YIELD n RETURN n' },
  { shape: 'graphrec.createInteractions, two batches in flight', statement: 'CALL graphrec.createInteractions($keys, $userIds, $itemIds, $kinds, $ratings, $weights, $ts) YIELD n RETURN n', inFlight: 2 },
  {
    shape: 'MATCH, MATCH, CREATE: the same edge, no OPTIONAL MATCH or subquery',
    statement: 'UNWIND range(0, size($keys) - 1) AS n MATCH (u:User {id: $userIds[n]}) MATCH (i:Item {id: $itemIds[n]}) CREATE (u)-[:INTERACTED {key: $keys[n], kind: $kinds[n], rating: $ratings[n], weight: $weights[n], ts: $ts[n]}]->(i) RETURN count(*) AS written',
  },
  {
    shape: 'the same five properties on a type without index or constraint',
    statement: 'UNWIND range(0, size($keys) - 1) AS n MATCH (u:User {id: $userIds[n]}) MATCH (i:Item {id: $itemIds[n]}) CREATE (u)-[:BENCH_FLOOR {key: $keys[n], kind: $kinds[n], rating: $ratings[n], weight: $weights[n], ts: $ts[n]}]->(i) RETURN count(*) AS written',
  },
  {
    shape: 'a bare relationship: no property, no index',
    statement: 'UNWIND range(0, size($keys) - 1) AS n MATCH (u:User {id: $userIds[n]}) MATCH (i:Item {id: $itemIds[n]}) CREATE (u)-[:BENCH_FLOOR]->(i) RETURN count(*) AS written',
  },
];

/** What Neo4j itself costs per relationship written by each statement shape (see the module comment). */
async function floor(db: Database, session: ReturnType<Database['driver']['session']>, pid: number): Promise<void> {
  const prefix = `floor${Date.now()}:`;
  await session.executeWrite((tx) => tx.run('UNWIND range(0, $n - 1) AS k CREATE (:User {id: $p + "u" + k})', { n: int(FLOOR.users), p: prefix }));
  await session.executeWrite((tx) => tx.run('UNWIND range(0, $n - 1) AS k CREATE (:Item {id: $p + "i" + k, title: "floor item " + k})', { n: int(FLOOR.items), p: prefix }));
  let x = 7;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x / 4294967296);
  const batch = (round: number, shape: number, part: number) => {
    const cols = { keys: [] as unknown[], userIds: [] as string[], itemIds: [] as string[], kinds: [] as string[], ratings: [] as number[], weights: [] as number[], ts: [] as number[] };
    for (let r = 0; r < FLOOR.batch; r++) {
      const user = `${prefix}u${Math.floor(rnd() * FLOOR.users)}`;
      const item = `${prefix}i${Math.floor(rnd() * FLOOR.items)}`;
      // A kind of its own per row: every key is new, as in a fresh load.
      const kind = `floor-${round}-${shape}-${part}-${r}`;
      const rating = 1 + Math.floor(rnd() * 5);
      cols.keys.push(interactionKey(user, item, kind));
      cols.userIds.push(user);
      cols.itemIds.push(item);
      cols.kinds.push(kind);
      cols.ratings.push(rating);
      cols.weights.push(rating);
      cols.ts.push(1_600_000_000 + Math.floor(rnd() * 10_000_000));
    }
    return cols;
  };
  const totals = FLOOR_SHAPES.map(() => ({ seconds: 0, cpu: 0, rows: 0 }));
  const second = db.driver.session({ database: db.database });
  try {
    for (let round = 0; round < FLOOR.rounds; round++) {
      // Alternate the order so that no shape always runs first in a round.
      const order = FLOOR_SHAPES.map((_, k) => (round % 2 === 0 ? k : FLOOR_SHAPES.length - 1 - k));
      for (const k of order) {
        const { statement, inFlight = 1, listener } = FLOOR_SHAPES[k]!;
        const parts = Array.from({ length: inFlight }, (_, part) => batch(round, k, part));
        if (listener === false) await session.run('CALL graphrec.servingVersionListener(false)');
        const c0 = cpuSecondsOf(pid);
        const t0 = performance.now();
        let seconds: number;
        let cpu: number;
        try {
          await Promise.all(parts.map((cols, part) => (part === 0 ? session : second).executeWrite((tx) => tx.run(statement, cols))));
          seconds = (performance.now() - t0) / 1000;
          cpu = cpuSecondsOf(pid) - c0;
        } finally {
          // On again: a new epoch, so nothing recorded while it was off can match (ServingVersion.java).
          if (listener === false) await session.run('CALL graphrec.servingVersionListener(true)');
        }
        if (round < FLOOR.rounds - FLOOR.counted) continue;
        totals[k]!.seconds += seconds;
        totals[k]!.cpu += cpu;
        totals[k]!.rows += FLOOR.batch * inFlight;
      }
    }
    emit({
      floor: FLOOR_SHAPES.map(({ shape }, k) => ({
        shape,
        relationshipsPerSecond: Math.round(totals[k]!.rows / totals[k]!.seconds),
        neo4jCpuMicrosPerRelationship: Math.round((totals[k]!.cpu * 1e6) / totals[k]!.rows),
      })),
      rows: FLOOR.counted * FLOOR.batch,
      target: { online: 50_000 },
    });
  } finally {
    await second.close();
    await session.run('MATCH (n) WHERE (n:User OR n:Item) AND n.id STARTS WITH $p CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 500 ROWS', { p: prefix });
  }
}

export async function main(argv: string[]): Promise<void> {
  const spec = ml100kDbpediaSpec();
  if (!spec) return;
  const k = argv.indexOf('--interactions');
  const interactions = Number(k >= 0 ? argv[k + 1] : 200_000);
  if (!Number.isInteger(interactions) || interactions < 1000) throw new Error('bench online-cost: --interactions takes an integer ≥ 1000');
  const db = await openBenchDatabase();
  const pid = db.local?.pid;
  if (pid === undefined) {
    emit({ error: 'bench online-cost measures the JVM of the project\'s local Neo4j; NEO4J_URI names another server' });
    process.exitCode = 1;
    await db.close();
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), 'graphrec-bench-online-cost-'));
  const session = db.driver.session();
  const rows: Array<{ pass: string; relationshipsPerSecond: number }> = [];
  let seed = 100;
  // Ids of this run only: every pass loads new nodes and edges (a re-load of ids loaded before would measure MERGE
  // over existing edges instead); they are deleted at the end.
  const run = `cost${Date.now()}-`;
  const pass = async (name: string, batchSize: number, inFlight: number = LOAD_DEFAULTS.inFlight) => {
    const dir = path.join(work, `gen-${seed}`);
    generateDataset({ out: dir, users: Math.round(interactions / 25), items: Math.max(500, Math.round(interactions / 125)), interactions, seed });
    const java0 = cpuSecondsOf(pid);
    const node0 = process.cpuUsage();
    const report = await loadDataset(db, readGeneric(dir, { idPrefix: `${run}${seed}:` }), { batchSize, inFlight });
    const node = process.cpuUsage(node0);
    const relationships = report.written.interactions + report.written.knowledge;
    const line = {
      pass: name,
      batchSize,
      inFlight,
      relationships,
      seconds: Number(report.seconds.toFixed(2)),
      relationshipsPerSecond: Math.round(report.relationshipsPerSecond),
      nodeCpuSeconds: Number(((node.user + node.system) / 1e6).toFixed(2)),
      neo4jCpuSeconds: Number((cpuSecondsOf(pid) - java0).toFixed(2)),
      neo4jCpuMicrosPerRelationship: Math.round(((cpuSecondsOf(pid) - java0) * 1e6) / relationships),
    };
    emit(line);
    rows.push(line);
    seed++;
  };
  try {
    await ensureMl100kDbpedia(db, spec);
    if (argv.includes('--floor-only')) return await floor(db, session, pid);
    // The first load after the database opens pays its cold start (query plans, JIT, pages): not compared.
    await pass('warm-up (not compared)', 5000);
    await pass('one batch in flight', 5000, 1);
    await pass('defaults', 5000);
    await pass('defaults again', 5000);
    await pass('one batch in flight again', 5000, 1);
    await pass('batch 20,000', 20_000);
    await session.run('DROP INDEX interacted_ts IF EXISTS');
    await pass('without the interacted_ts index', 5000);
    await pass('without the interacted_ts index, batch 20,000', 20_000);
    await session.run('CREATE INDEX interacted_ts IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.ts)');
    await session.run('CALL db.awaitIndexes(600)');
    await pass('with the index again', 5000);
    const base = rows[1]!.relationshipsPerSecond;
    emit({ interactions, passes: rows.slice(1).map((r) => ({ pass: r.pass, relationshipsPerSecond: r.relationshipsPerSecond, ratio: Number((r.relationshipsPerSecond / base).toFixed(3)) })), target: { online: 50_000 } });
    await floor(db, session, pid);
  } finally {
    await session.run('CREATE INDEX interacted_ts IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.ts)').catch(() => {});
    await session
      .run('MATCH (n) WHERE (n:User OR n:Item OR n:Entity) AND n.id STARTS WITH $p CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 500 ROWS', { p: run })
      .then(() => session.run('MATCH (c:IngestCheckpoint) WHERE c.file STARTS WITH $w DELETE c', { w: work }))
      .catch(() => {});
    await session.close();
    await db.close();
    rmSync(work, { recursive: true, force: true });
  }
}
