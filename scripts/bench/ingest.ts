/**
 * `npm run bench -- ingest [batchSize]`: loads ML-100K + its DBpedia knowledge graph from ../shared/data into an empty
 * local Neo4j and prints JSON lines; the last holds `relationshipsPerSecond` (interaction + knowledge relationships
 * written per second of wall time, parsing included).
 *
 * Passes: `warm-up` (a full load into the emptied database; on a freshly started server this is the cold, JIT-bound
 * figure and is printed as such), then the emptied database again and the measured `fresh` load, then `re-merge` (the
 * same files again with `resume: false`: every edge exists, so this measures the idempotent MERGE path). Each line
 * carries the 1-minute load average, since the machines are shared.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { loadDataset, type LoadReport } from '../../src/ingest/load.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import { deleteAll } from '../../src/store/schema.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { emit, openBenchDatabase, benchConfig } from './_neo4j.ts';

const load1 = () => Number(loadavg()[0]!.toFixed(2));

function summary(pass: string, report: LoadReport): Record<string, unknown> {
  return {
    pass,
    seconds: Number(report.seconds.toFixed(3)),
    written: report.written,
    rejectedRows: report.rejectedRows,
    relationshipsPerSecond: Math.round(report.relationshipsPerSecond),
    loadAverage1m: load1(),
  };
}

export async function main(argv: string[]): Promise<void> {
  const ml = path.join(SHARED_DATA_DIR, 'ml-100k');
  const kg = path.join(SHARED_DATA_DIR, 'ml-100k-dbpedia');
  if (!existsSync(ml) || !existsSync(kg)) {
    emit({ error: `bench ingest needs ${ml} and ${kg} (../shared/data is absent)` });
    process.exitCode = 1;
    return;
  }
  const spec = `movielens-dbpedia:${ml},${kg}`;
  const batchSize = Number(argv[0] ?? benchConfig().ingest.batchSize);
  const db = await openBenchDatabase();
  try {
    await deleteAll(db);
    emit(summary('warm-up', await loadDataset(db, resolveDataset(spec), { batchSize })));
    await deleteAll(db);
    const first = await loadDataset(db, resolveDataset(spec), { batchSize });
    emit(summary('fresh', first));
    const again = await loadDataset(db, resolveDataset(spec), { batchSize, resume: false });
    emit(summary('re-merge', again));
    const counts = await new Neo4jGraphStore(db.driver, db.database).counts();
    emit({
      dataset: 'ml-100k + dbpedia',
      batchSize,
      counts,
      relationships: first.written.interactions + first.written.knowledge,
      seconds: Number(first.seconds.toFixed(3)),
      relationshipsPerSecond: Math.round(first.relationshipsPerSecond),
      loadAverage1m: load1(),
      target: 50_000,
    });
  } finally {
    await db.close();
  }
}
