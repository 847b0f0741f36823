/**
 * Neo4j failing under graphrec, on a Neo4j of this file's own (fault-neo4j.ts), with nothing mocked:
 * - killed with SIGKILL during `graphrec ingest`: the ingest fails with one line and exit 1; after a restart (crash
 *   recovery of the store) the same ingest resumes and ends with exactly the source's counts, no duplicate keys;
 * - stopped (SIGTERM) and killed (SIGKILL) under `graphrec serve`: recommendations keep coming marked degraded,
 *   store reads and writes answer 503 + Retry-After at once, readiness is 503; when Neo4j is back everything recovers
 *   by itself and writes are committed again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoSource } from '../../../src/ingest/demo.ts';
import type { Database } from '../../../src/store/driver.ts';
import type { LocalNeo4j } from '../../../src/store/local-neo4j.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import {
  childEnv,
  exactCounts,
  FAULT_PORT,
  killChild,
  killNeo4j,
  openFaultDatabase,
  plainLines,
  sleep,
  sourceCounts,
  spawnCli,
  startFaultNeo4j,
  until,
  wipeDataDir,
  FAULT_DATA,
  type CliRun,
} from './fault-neo4j.ts';

const URI = `bolt://127.0.0.1:${FAULT_PORT}`;

let local: LocalNeo4j | undefined;
let db: Database | undefined;

async function reopen(): Promise<Database> {
  await db?.close();
  db = await openFaultDatabase();
  return db;
}

beforeAll(async () => {
  wipeDataDir(FAULT_DATA);
  local = await startFaultNeo4j();
}, 150_000);

afterAll(async () => {
  await db?.close();
  await local?.stop();
}, 90_000);

describe('Neo4j killed during an ingest', () => {
  let run: CliRun | undefined;
  afterAll(() => killChild(run));

  it('fails with one line and exit 1; after a restart the re-run ends with exactly the source counts', async () => {
    const source = createDemoSource();
    const expected = { ...(await sourceCounts(source)), duplicateKeys: 0 };
    await deleteAll(await reopen());
    // Small batches so the kill lands mid-load; driver retries cut to 3 s so the failure surfaces sooner.
    run = spawnCli(['ingest', 'demo'], childEnv({ NEO4J_URI: URI, GRAPHREC_BATCH_SIZE: '500', NEO4J_MAX_TX_RETRY_MS: '3000' }));
    const store = new Neo4jGraphStore(db!.driver, db!.database);
    let seen = 0;
    for (let i = 0; i < 600 && seen < 4000; i++) {
      seen = (await store.counts()).interactions;
      if (seen < 4000) await sleep(50);
    }
    expect(seen).toBeGreaterThanOrEqual(4000);
    await db!.close();
    db = undefined;
    const killedAt = Date.now();
    await killNeo4j(local!);
    local = undefined;

    const code = await run.exited;
    const failedAfterMs = Date.now() - killedAt;
    expect(code).toBe(1);
    const lines = plainLines(run.stderr());
    expect(lines, run.stderr().slice(-3000)).toHaveLength(1);
    expect(lines[0]).toMatch(/^graphrec ingest: UNAVAILABLE: neo4j: /);

    const restartAt = Date.now();
    local = await startFaultNeo4j();
    const restartMs = Date.now() - restartAt;
    const partial = await exactCounts(await reopen());
    expect(partial.interactions).toBeGreaterThanOrEqual(seen);
    expect(partial.interactions).toBeLessThan(expected.interactions);
    expect(partial.duplicateKeys).toBe(0);

    run = spawnCli(['ingest', 'demo'], childEnv({ NEO4J_URI: URI, GRAPHREC_BATCH_SIZE: '5000' }));
    expect(await run.exited, run.stderr().slice(-3000)).toBe(0);
    const report = JSON.parse(run.stdout()) as { files: Array<{ resumedRows: number }>; rejectedRows: number };
    expect(report.files[0]!.resumedRows).toBeGreaterThan(0);
    expect(report.rejectedRows).toBe(0);
    expect(await exactCounts(db!)).toEqual(expected);
    console.info(JSON.stringify({ fault: 'ingest-neo4j-kill9', interactionsAtKill: seen, failedAfterMs, restartMs, partialInteractions: partial.interactions, expected }));
  }, 170_000);
});

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  ms: number;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const started = performance.now();
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers }, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, ms: performance.now() - started };
}

describe('Neo4j down while serving', () => {
  let serve: CliRun | undefined;
  let base = '';
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    // The demo catalogue is in the database (the test above), or serve loads it.
    serve = spawnCli(['serve', '--port', '0'], childEnv({ NEO4J_URI: URI, GRAPHREC_HEALTH_INTERVAL_MS: '250' }), 600_000);
    await until('serve ready', async () => serve!.stdout().includes('"ready":true') || serve!.child.exitCode !== null, 150_000);
    const line = serve.stdout().split('\n').find((l) => l.includes('"ready":true'));
    if (!line) throw new Error(`serve did not start: ${serve.stderr().slice(-3000)}`);
    base = (JSON.parse(line) as { url: string }).url;
  }, 180_000);

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await Promise.race([serve.exited, sleep(30_000)]);
    }
    await killChild(serve);
    console.info(JSON.stringify({ fault: 'serve-neo4j-down', timings }));
  }, 60_000);

  async function expectDegraded(): Promise<void> {
    const recs = await call(`${base}/v1/users/demo:u:1/recommendations?k=5&explain=paths`);
    expect(recs.status).toBe(200);
    expect(recs.body.degraded).toBe(true);
    expect(recs.headers.get('graphrec-degraded')).toBe('neo4j-unavailable');
    expect((recs.body.items as unknown[]).length).toBe(5);
    const explained = await call(`${base}/v1/users/demo:u:1/recommendations/demo:i:1/explanation`);
    expect(explained.status).toBe(200);
    expect(explained.body.degraded).toBe(true);

    const write = await call(`${base}/v1/users/fault-user`, { method: 'PUT', body: JSON.stringify({ props: { during: 'outage' } }) });
    expect(write.status).toBe(503);
    expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((write.body.error as { code: string }).code).toBe('UNAVAILABLE');
    expect(write.ms).toBeLessThan(1000);
    const event = await call(`${base}/v1/interactions`, {
      method: 'POST',
      body: JSON.stringify({ events: [{ eventId: 'fault-e1', userId: 'demo:u:1', itemId: 'demo:i:2', kind: 'rating', rating: 4, ts: 1_700_000_000 }] }),
    });
    expect(event.status).toBe(503);
    expect(event.headers.get('retry-after')).not.toBeNull();
    const read = await call(`${base}/v1/users/demo:u:1`);
    expect(read.status).toBe(503);
    expect(read.ms).toBeLessThan(1000);
    const ready = await call(`${base}/v1/health/ready`);
    expect(ready.status).toBe(503);
  }

  async function expectRecovered(tag: string): Promise<void> {
    const recs = await call(`${base}/v1/users/demo:u:1/recommendations?k=5`);
    expect(recs.status).toBe(200);
    expect(recs.body.degraded).toBeUndefined();
    expect(recs.headers.get('graphrec-degraded')).toBeNull();
    const write = await call(`${base}/v1/users/fault-user`, { method: 'PUT', body: JSON.stringify({ props: { after: tag } }) });
    expect(write.status).toBe(200);
    // Committed in Neo4j, and nothing from the outage was half-accepted.
    const user = await new Neo4jGraphStore((await reopen()).driver, db!.database).getUser('fault-user');
    expect(user.props.after).toBe(tag);
    expect(user.props.during).toBeUndefined();
  }

  for (const mode of ['stop', 'kill'] as const) {
    it(`Neo4j ${mode === 'stop' ? 'stopped (SIGTERM)' : 'killed (SIGKILL)'}: degraded, writes 503 + Retry-After, then recovers by itself`, async () => {
      expect((await call(`${base}/v1/health/ready`)).status).toBe(200);
      expect((await call(`${base}/v1/users/demo:u:1/recommendations?k=5`)).body.degraded).toBeUndefined();
      await db?.close();
      db = undefined;

      const downAt = Date.now();
      if (mode === 'stop') await local!.stop();
      else await killNeo4j(local!);
      local = undefined;
      timings[`${mode}.neo4jDownMs`] = Date.now() - downAt;
      timings[`${mode}.notReadyAfterMs`] = await until('readiness 503', async () => (await call(`${base}/v1/health/ready`)).status === 503, 60_000);
      // Detection by the health ping (every 250 ms here, two failures), not the driver's retry window.
      expect(timings[`${mode}.notReadyAfterMs`]).toBeLessThan(5000);
      await expectDegraded();

      const restartAt = Date.now();
      local = await startFaultNeo4j();
      timings[`${mode}.neo4jRestartMs`] = Date.now() - restartAt;
      timings[`${mode}.recoveredAfterNeo4jReadyMs`] = await until('readiness 200', async () => (await call(`${base}/v1/health/ready`)).status === 200, 30_000);
      await expectRecovered(mode);
    }, 150_000);
  }
});
