/**
 * Benchmarks run against their own local Neo4j (port 7689, graph/data-bench) unless NEO4J_URI is set, so they never
 * touch the data that `npm start` or the tests use.
 */
import { loadConfig, type Config } from '../../src/core/config.ts';
import { openDatabase } from '../../src/store/open.ts';
import type { Database } from '../../src/store/driver.ts';

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
