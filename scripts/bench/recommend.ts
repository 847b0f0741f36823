/**
 * `npm run bench -- recommend [seconds]`: drives a running `graphrec serve` (started here as a second process on
 * loopback, on the bench Neo4j with ML-100K + DBpedia) with autocannon, first with `explain=none`, then with
 * `explain=paths`, over all 943 users in turn. Prints JSON lines; the last holds
 * `{"none": {"requestsPerSecond", "p50Ms", "p99Ms"}, "paths": {...}}` (each also with requests, errors, connections and
 * bytesPerResponse). Evidence is built per request (no result cache); consecutive users differ, so each request pays
 * for its own user's profile and path beams.
 * Targets (issue 4, 2-core machine): none p99 ≤ 20 ms at ≥ 500 req/s; paths p99 ≤ 50 ms.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { ROOT } from '../../src/core/paths.ts';
import { emit, ml100kDbpediaSpec } from './_neo4j.ts';

const PORT = Number(process.env.GRAPHREC_BENCH_API_PORT ?? 3100);

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`server not ready after ${timeoutMs / 1000} s`);
}

async function drive(explain: 'none' | 'paths', seconds: number, connections: number) {
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const user = 1 + (n++ % 943);
          return { ...req, path: `/v1/users/${encodeURIComponent(`ml100k:u:${user}`)}/recommendations?k=10&explain=${explain}` };
        },
      },
    ],
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    bytesPerResponse: result.requests.total ? Math.round(result.throughput.total / result.requests.total) : 0,
    errors: result.errors + result.non2xx,
    connections,
  };
}

export async function main(argv: string[]): Promise<void> {
  const seconds = Number(argv[0] ?? 20);
  const spec = ml100kDbpediaSpec();
  if (!spec) return;
  const env = {
    ...process.env,
    PORT: String(PORT),
    GRAPHREC_NEO4J_PORT: process.env.GRAPHREC_BENCH_NEO4J_PORT ?? '7689',
    GRAPHREC_NEO4J_DATA: process.env.GRAPHREC_BENCH_NEO4J_DATA ?? 'graph/data-bench',
    LLM_PROVIDER: 'none',
  };
  const server = spawn(process.execPath, [path.join(ROOT, 'scripts', 'graphrec.js'), 'serve', '--data', spec], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    emit({ step: 'starting the server (Neo4j, data, projection, embeddings)', port: PORT });
    await waitReady(`http://127.0.0.1:${PORT}/v1/health/ready`, 600_000);
    await drive('none', 3, 10); // warm-up
    const none = await drive('none', seconds, 10);
    emit({ explain: 'none', ...none });
    const paths = await drive('paths', seconds, 10);
    emit({ explain: 'paths', ...paths });
    emit({ none, paths, seconds, targets: { none: { p99Ms: 20, requestsPerSecond: 500 }, paths: { p99Ms: 50 } } });
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}
