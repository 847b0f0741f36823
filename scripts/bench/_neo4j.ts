/**
 * Benchmarks run against their own local Neo4j (port 7689, graph/data-bench) unless NEO4J_URI is set, so they never
 * touch the data that `npm start` or the tests use.
 */
import { loadConfig, type Config } from '../../src/core/config.ts';
import { openDatabase } from '../../src/store/open.ts';
import type { Database } from '../../src/store/driver.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { loadDataset } from '../../src/ingest/load.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../src/store/schema.ts';

export function benchConfig(): Config {
  return loadConfig({
    overrides: {
      neo4j: {
        localPort: Number(process.env.GRAPHREC_BENCH_NEO4J_PORT ?? 7689),
        localDataDir: process.env.GRAPHREC_BENCH_NEO4J_DATA ?? 'graph/data-bench',
      },
    },
  });
}

export async function openBenchDatabase(): Promise<Database> {
  return openDatabase(benchConfig());
}

export function emit(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** The ML-100K + DBpedia dataset spec, or undefined (after printing why) when ../shared/data lacks it. */
export function ml100kDbpediaSpec(): string | undefined {
  const ml = path.join(SHARED_DATA_DIR, 'ml-100k');
  const kg = path.join(SHARED_DATA_DIR, 'ml-100k-dbpedia');
  if (existsSync(ml) && existsSync(kg)) return `movielens-dbpedia:${ml},${kg}`;
  emit({ error: `this benchmark needs ${ml} and ${kg} (../shared/data is absent)` });
  process.exitCode = 1;
  return undefined;
}

/**
 * Makes sure the bench database holds exactly ML-100K + DBpedia: when the counts differ (e.g. a freshness run wrote
 * interactions into it) it is emptied and loaded again, so every run starts from the same graph.
 */
export async function ensureMl100kDbpedia(db: Database, spec: string): Promise<void> {
  const counts = await new Neo4jGraphStore(db.driver, db.database).counts();
  if (counts.interactions === 100_000 && counts.users === 943) return;
  emit({ step: 'loading ml-100k + dbpedia into the bench database', found: counts });
  if (counts.users + counts.items + counts.entities > 0) await deleteAll(db);
  await loadDataset(db, resolveDataset(spec));
}
