/**
 * Starts (or reuses) the test Neo4j for the integration project: the project's local Neo4j on its own port and data
 * folder (so tests never touch the data `npm start` uses), unless NEO4J_URI points at a server. Integration tests find
 * the URI in GRAPHREC_TEST_NEO4J_URI. It never skips: without Java/Maven the run fails with the reason.
 */
import { loadConfig } from '../../src/core/config.ts';
import { ensureLocalNeo4j, type LocalNeo4j } from '../../src/store/local-neo4j.ts';

let local: LocalNeo4j | undefined;

export async function setup(): Promise<void> {
  const cfg = loadConfig();
  if (cfg.neo4j.uri) {
    process.env.GRAPHREC_TEST_NEO4J_URI = cfg.neo4j.uri;
    return;
  }
  const port = Number(process.env.GRAPHREC_TEST_NEO4J_PORT ?? 7688);
  local = await ensureLocalNeo4j({ ...cfg.neo4j, localPort: port, localDataDir: process.env.GRAPHREC_TEST_NEO4J_DATA ?? 'graph/data-test', localHeapMb: 2048 });
  process.env.GRAPHREC_TEST_NEO4J_URI = local.uri;
}

export async function teardown(): Promise<void> {
  await local?.stop();
}
