/**
 * SIGTERM to `graphrec serve`, spawned as a real process, on the fault port and a fresh data folder (fault-neo4j.ts):
 * - during the initial data load: the process exits 0 and the database holds exactly the rows its checkpoint says were
 *   committed (batches are transactions: none half-written); the next start resumes;
 * - under request load: requests in flight (held in an LLM call by a slow stand-in endpoint) finish with 200, new
 *   connections are refused, the process exits 0 in bounded time with the driver closed and the local Neo4j stopped.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDemoSource } from '../../../src/ingest/demo.ts';
import { portAnswers } from '../../../src/store/local-neo4j.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import type { Database } from '../../../src/store/driver.ts';
import {
  checkpointRows,
  childEnv,
  exactCounts,
  FAULT_DATA,
  FAULT_PORT,
  openFaultDatabase,
  request,
  sleep,
  sourceCounts,
  spawnCli,
  startFaultNeo4j,
  stopServe,
  until,
  wipeDataDir,
  type CliRun,
} from './fault-neo4j.ts';

const DATA = `${FAULT_DATA}-serve`;
/** Bound on SIGTERM → exit, including the local Neo4j's own clean shutdown. */
const EXIT_WITHIN_MS = 45_000;

function serveEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    GRAPHREC_NEO4J_PORT: String(FAULT_PORT),
    GRAPHREC_NEO4J_DATA: DATA,
    GRAPHREC_NEO4J_HEAP_MB: '768',
    GRAPHREC_NEO4J_PAGECACHE_MB: '64',
    GRAPHREC_BATCH_SIZE: '500',
    ...extra,
  });
}

let serve: CliRun | undefined;
let db: Database | undefined;
const timings: Record<string, number> = {};
afterEach(async () => {
  await db?.close();
  db = undefined;
  await stopServe(serve);
}, 90_000);
afterAll(() => console.info(JSON.stringify({ fault: 'serve-sigterm', timings })));

describe('SIGTERM to graphrec serve', () => {
  it('during the initial data load: exits 0, only whole batches committed, the next start resumes', async () => {
    // Neo4j of the test's own here (serve connects by NEO4J_URI), so the data can be read right after serve exits.
    wipeDataDir(DATA);
    const source = createDemoSource();
    const local = await startFaultNeo4j(DATA);
    try {
      db = await openFaultDatabase();
      serve = spawnCli(['serve', '--port', '0'], serveEnv({ NEO4J_URI: `bolt://127.0.0.1:${FAULT_PORT}` }), 170_000);
      const store = new Neo4jGraphStore(db.driver, db.database);
      await until('some batches committed', async () => (await store.counts()).interactions >= 3000, 90_000);

      const signalled = Date.now();
      serve.child.kill('SIGTERM');
      const code = await serve.exited;
      timings.loadExitMs = Date.now() - signalled;
      expect(code, serve.stderr().slice(-3000)).toBe(0);
      expect(timings.loadExitMs).toBeLessThan(EXIT_WITHIN_MS);
      expect(serve.stderr()).toContain('data: load cancelled by shutdown');
      expect(serve.stdout()).not.toContain('"ready":true');

      const checkpoint = await checkpointRows(db, 'demo:42');
      expect(checkpoint.done).toBe(false);
      expect(checkpoint.rows).toBeGreaterThan(0);
      // Exactly the rows up to the checkpoint: a batch is all in (with its checkpoint) or not at all.
      expect(await exactCounts(db)).toEqual({ ...(await sourceCounts(source, checkpoint.rows)), duplicateKeys: 0 });
      timings.committedRowsAtSigterm = checkpoint.rows;
    } finally {
      await db?.close();
      db = undefined;
      await local.stop();
    }
  }, 150_000);

  it('under request load: in-flight requests finish, new connections are refused, exit 0 with Neo4j stopped', async () => {
    // A stand-in LLM endpoint that answers after 1.5 s holds explanation requests in flight.
    let llmCalls = 0;
    const llm = createServer((req: IncomingMessage, res: ServerResponse) => {
      llmCalls++;
      req.resume();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content: 'A film you may like.' } }] }));
      }, 1500);
    });
    await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve));
    try {
      const env = serveEnv({
        LLM_PROVIDER: 'openai',
        LLM_BASE_URL: `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`,
        LLM_MODEL: 'stand-in',
        LLM_TIMEOUT_MS: '10000',
        LLM_MAX_CONCURRENCY: '8',
      });
      serve = spawnCli(['serve', '--port', '0'], env, 170_000);
      await until('serve ready', () => serve!.stdout().includes('"ready":true') || serve!.child.exitCode !== null, 150_000);
      const line = serve.stdout().split('\n').find((l) => l.includes('"ready":true'));
      expect(line, serve.stderr().slice(-3000)).toBeDefined();
      const base = (JSON.parse(line!) as { url: string }).url;
      expect(serve.stderr()).toContain('data: resuming an unfinished load');
      db = await openFaultDatabase();
      expect(await exactCounts(db)).toEqual({ ...(await sourceCounts(createDemoSource())), duplicateKeys: 0 });
      await db.close();
      db = undefined;

      // Steady load on fresh connections, and three slow requests held in the LLM call.
      let stop = false;
      const outcomes: Array<{ status?: number; error?: string }> = [];
      const loops = Array.from({ length: 4 }, async (_, w) => {
        for (let n = 0; !stop; n++) {
          outcomes.push(await request(`${base}/v1/users/demo:u:${1 + ((w * 97 + n) % 500)}/recommendations?k=10&explain=paths`));
          if (outcomes.at(-1)!.error === 'ECONNREFUSED') await sleep(20);
        }
      });
      await until('load running', () => outcomes.filter((o) => o.status === 200).length >= 20, 30_000);
      const slow = [3, 4, 5].map((u) => request(`${base}/v1/users/demo:u:${u}/recommendations/demo:i:${u * 7}/explanation`));
      await until('slow requests reach the LLM', () => llmCalls >= 3, 10_000);
      await sleep(300);

      const signalled = Date.now();
      serve.child.kill('SIGTERM');
      const inFlight = await Promise.all(slow);
      timings.inFlightDoneMs = Date.now() - signalled;
      for (const r of inFlight) {
        expect(r.status, r.error ?? r.body).toBe(200);
        expect((JSON.parse(r.body) as { explanation: { text: string } }).explanation.text.length).toBeGreaterThan(0);
      }
      await until('listener closed', async () => (await request(`${base}/v1/health/live`)).error === 'ECONNREFUSED', 10_000);

      const code = await serve.exited;
      timings.loadedExitMs = Date.now() - signalled;
      stop = true;
      await Promise.all(loops);
      expect(code, serve.stderr().slice(-3000)).toBe(0);
      expect(timings.loadedExitMs).toBeLessThan(EXIT_WITHIN_MS);
      expect(await portAnswers(FAULT_PORT)).toBe(false);
      expect(serve.stderr()).toMatch(/"msg":"stopped"/);

      // Every request got a whole answer (200, or 503 while draining) or found no listener; never a 500.
      timings.requestsServed = outcomes.filter((o) => o.status === 200).length;
      const other = outcomes.filter((o) => o.status !== 200 && o.status !== 503 && o.error !== 'ECONNREFUSED' && o.error !== 'ECONNRESET');
      expect(other).toEqual([]);
      expect(timings.requestsServed).toBeGreaterThan(0);
      expect((await request(`${base}/v1/health/live`)).error).toBe('ECONNREFUSED');
    } finally {
      llm.closeAllConnections();
      await new Promise((r) => llm.close(r));
    }
  }, 170_000);
});
