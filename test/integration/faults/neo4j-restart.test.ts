/**
 * `graphrec serve` restarts the local Neo4j it started when that JVM dies (`kill -9`), with a logged, bounded backoff;
 * serving recovers by itself: readiness back to 200 and writes accepted again, with no one starting Neo4j by hand.
 * (Before, readiness stayed 503 for good.) Spawned as a real process on the fault port (fault-neo4j.ts).
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { portAnswers } from '../../../src/store/local-neo4j.ts';
import { childEnv, FAULT_DATA, FAULT_PORT, killChild, sleep, spawnCli, waitPortClosed, type CliRun } from './fault-neo4j.ts';

const DATA = `${FAULT_DATA}-restart`;

function request(url: string, method = 'GET', body?: string): Promise<{ status?: number; error?: string; body: string }> {
  return new Promise((resolve) => {
    const req = http.request(url, { method, agent: false, timeout: 60_000, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.once('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, body: '' }));
    req.end(body);
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
  return Date.now() - started;
}

let serve: CliRun | undefined;
afterEach(async () => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
    await killChild(serve);
    await waitPortClosed(FAULT_PORT, 60_000).catch(() => {});
  }
}, 90_000);

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
    await until('serve ready', () => serve!.stdout().includes('"ready":true') || serve!.child.exitCode !== null, 400_000);
    const line = serve.stdout().split('\n').find((l) => l.includes('"ready":true'));
    expect(line, serve.stderr().slice(-3000)).toBeDefined();
    const base = (JSON.parse(line!) as { url: string }).url;
    const started = /"msg":"local Neo4j: starting"[^\n]*"pid":(\d+)/.exec(serve.stderr());
    expect(started, serve.stderr().slice(-3000)).not.toBeNull();

    process.kill(Number(started![1]), 'SIGKILL');
    await until('readiness 503', async () => (await request(`${base}/v1/health/ready`)).status === 503, 30_000);
    await until('restart logged', () => serve!.stderr().includes('local Neo4j: exited unexpectedly; restarting'), 30_000);
    await until('readiness back to 200', async () => (await request(`${base}/v1/health/ready`)).status === 200, 400_000);
    expect(serve.stderr()).toContain('"msg":"local Neo4j: restarted"');
    const write = await request(`${base}/v1/users/restart-probe`, 'PUT', JSON.stringify({ props: { after: 'restart' } }));
    expect(write.status, write.body).toBe(200);
    expect((await request(`${base}/v1/users/restart-probe`)).status).toBe(200);

    serve.child.kill('SIGTERM');
    expect(await serve.exited, serve.stderr().slice(-3000)).toBe(0);
    expect(await portAnswers(FAULT_PORT)).toBe(false);
  }, 900_000);
});
