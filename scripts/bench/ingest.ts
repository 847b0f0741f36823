/**
 * `npm run bench -- ingest`: loads ML-100K + its DBpedia knowledge graph from ../shared/data into an empty local Neo4j
 * and prints JSON lines; the last holds `relationshipsPerSecond` (interaction + knowledge relationships written per
 * second of wall time, parsing included). A second pass over the same files measures the idempotent re-merge.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { loadDataset } from '../../src/ingest/load.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import { deleteAll } from '../../src/store/schema.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { emit, openBenchDatabase, benchConfig } from './_neo4j.ts';

export async function main(argv: string[]): Promise<void> {
  const ml = path.join(SHARED_DATA_DIR, 'ml-100k');
  const kg = path.join(SHARED_DATA_DIR, 'ml-100k-dbpedia');
  if (!existsSync(ml) || !existsSync(kg)) {
    emit({ error: `bench ingest needs ${ml} and ${kg} (../shared/data is absent)` });
    process.exitCode = 1;
    return;
  }
  const batchSize = Number(argv[0] ?? benchConfig().ingest.batchSize);
  const db = await openBenchDatabase();
  try {
    await deleteAll(db);
    const first = await loadDataset(db, resolveDataset(`movielens-dbpedia:${ml},${kg}`), { batchSize });
    emit({ pass: 'fresh', seconds: first.seconds, written: first.written, rejectedRows: first.rejectedRows, relationshipsPerSecond: first.relationshipsPerSecond });
    const again = await loadDataset(db, resolveDataset(`movielens-dbpedia:${ml},${kg}`), { batchSize, resume: false });
    emit({ pass: 're-merge', seconds: again.seconds, relationshipsPerSecond: again.relationshipsPerSecond });
    const counts = await new Neo4jGraphStore(db.driver, db.database).counts();
    emit({
      dataset: 'ml-100k + dbpedia',
      batchSize,
      counts,
      relationships: first.written.interactions + first.written.knowledge,
      seconds: Number(first.seconds.toFixed(3)),
      relationshipsPerSecond: Math.round(first.relationshipsPerSecond),
      target: 50_000,
    });
  } finally {
    await db.close();
  }
}
