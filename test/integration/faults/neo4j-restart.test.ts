/**
 * `graphrec serve` restarts the local Neo4j it started when that JVM dies (`kill -9`), with a logged, bounded backoff;
 * serving recovers by itself: readiness back to 200 and writes accepted again, with no one starting Neo4j by hand.
 * (Before, readiness stayed 503 for good.) Spawned as a real process on the fault port (fault-neo4j.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { portAnswers } from '../../../src/store/local-neo4j.ts';
import { childEnv, FAULT_DATA, FAULT_PORT, request, spawnCli, stopServe, until, type CliRun } from './fault-neo4j.ts';

const DATA = `${FAULT_DATA}-restart`;

let serve: CliRun | undefined;
afterEach(() => stopServe(serve), 90_000);

describe('the local Neo4j dies under graphrec serve', () => {
  it('is restarted with a logged backoff; readiness and writes recover by themselves; SIGTERM still exits 0', async () => {
    const env = childEnv({
      GRAPHREC_NEO4J_PORT: String(FAULT_PORT),
      GRAPHREC_NEO4J_DATA: DATA,
      GRAPHREC_NEO4J_HEAP_MB: '768',
      GRAPHREC_NEO4J_PAGECACHE_MB: '64',
      GRAPHREC_BATCH_SIZE: '2000',
      GRAPHREC_HEALTH_INTERVAL_MS: '250',
    });
    serve = spawnCli(['serve', '--port', '0'], env, 600_000);
    await until('serve ready', () => serve!.stdout().includes('"ready":true') || serve!.child.exitCode !== null, 400_000, 200);
    const line = serve.stdout().split('\n').find((l) => l.includes('"ready":true'));
    expect(line, serve.stderr().slice(-3000)).toBeDefined();
    const base = (JSON.parse(line!) as { url: string }).url;
    const started = /"msg":"local Neo4j: starting"[^\n]*"pid":(\d+)/.exec(serve.stderr());
    expect(started, serve.stderr().slice(-3000)).not.toBeNull();

    process.kill(Number(started![1]), 'SIGKILL');
    await until('readiness 503', async () => (await request(`${base}/v1/health/ready`, { timeoutMs: 60_000 })).status === 503, 30_000, 200);
    await until('restart logged', () => serve!.stderr().includes('local Neo4j: exited unexpectedly; restarting'), 30_000, 200);
    await until('readiness back to 200', async () => (await request(`${base}/v1/health/ready`, { timeoutMs: 60_000 })).status === 200, 400_000, 200);
    expect(serve.stderr()).toContain('"msg":"local Neo4j: restarted"');
    const write = await request(`${base}/v1/users/restart-probe`, { method: 'PUT', body: JSON.stringify({ props: { after: 'restart' } }), timeoutMs: 60_000 });
    expect(write.status, write.body).toBe(200);
    expect((await request(`${base}/v1/users/restart-probe`, { timeoutMs: 60_000 })).status).toBe(200);

    serve.child.kill('SIGTERM');
    expect(await serve.exited, serve.stderr().slice(-3000)).toBe(0);
    expect(await portAnswers(FAULT_PORT)).toBe(false);
  }, 900_000);
});
