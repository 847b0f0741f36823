/**
 * Shared helpers of the integration suites: a config and a database handle pointed at the test Neo4j.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/core/config.ts';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import type { Database } from '../../src/store/driver.ts';
import { openDatabase } from '../../src/store/open.ts';

export function testConfig(overrides: Record<string, unknown> = {}): Config {
  const uri = process.env.GRAPHREC_TEST_NEO4J_URI;
  if (!uri) throw new Error('GRAPHREC_TEST_NEO4J_URI is unset: run integration tests through vitest (global setup starts Neo4j)');
  return loadConfig({ overrides: { neo4j: { uri }, ...overrides } });
}

export async function openTestDatabase(): Promise<Database> {
  return openDatabase(testConfig());
}

/** Path of a shared dataset folder, or undefined (with a message) when ../shared/data is absent. */
export function sharedDataset(name: string): string | undefined {
  const dir = path.join(SHARED_DATA_DIR, name);
  if (!existsSync(dir)) {
    console.warn(`[graphrec] ${dir} is absent: tests that need the real ${name} data are skipped`);
    return undefined;
  }
  return dir;
}
