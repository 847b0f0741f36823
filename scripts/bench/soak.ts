/**
 * `npm run bench -- soak [seconds=300] [rate=100]`: a steady mixed load on a running `graphrec serve` (started here as
 * a second process on loopback, with its own local Neo4j holding the demo catalogue; the writes below must not touch
 * the shared bench Neo4j) for `seconds`, at `rate` requests per second overall, open loop (scripts/bench/_load: each
 * request is due at its time whatever the answers, and timed from then), while the server's memory is sampled every
 * 5 s from `GET /v1/health/metrics` (open on loopback while no API keys are set).
 *
 * Mix per 100 requests: 45 recommendations `explain=none`, 20 `explain=paths`, 15 user histories, 15 items, 3 user
 * upserts (PUT) and 2 interaction events (POST, unique event ids, applied to the live projection).
 *
 * It starts once the server is ready and its vectors have settled (trained, swapped in and written to Neo4j).
 * Memory-growth bound: after a 20 s warm-up, rssEnd − rssStart ≤ 100 MB and the live tensor count unchanged. The
 * last JSON line is `{"requests","errors","p99Ms","rssStartMb","rssEndMb","tensorsStart","tensorsEnd", …}` with
 * `boundHeld` saying whether the bound held.
 *
 * Env: GRAPHREC_SOAK_NEO4J_PORT [7693], GRAPHREC_SOAK_NEO4J_DATA [graph/data-soak], GRAPHREC_SOAK_API_PORT [3101].
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../src/core/paths.ts';
import { drive as driveLoad, openLoopCount, waitSettled } from './_load.ts';
import { emit } from './_neo4j.ts';

const PORT = Number(process.env.GRAPHREC_SOAK_API_PORT ?? 3101);
const BASE = `http://127.0.0.1:${PORT}`;
const WARMUP_S = 20;
const SAMPLE_MS = 5000;
const RSS_GROWTH_BOUND_MB = 100;
const USERS = 500;
const ITEMS = 800;

interface Metrics {
  rssMb: number;
  heapUsedMb: number;
  tensors: number;
  uptimeS: number;
}

async function metrics(): Promise<Metrics> {
  const res = await fetch(`${BASE}/v1/health/metrics`);
  if (!res.ok) throw new Error(`metrics: HTTP ${res.status}`);
  return (await res.json()) as Metrics;
}

/** The n-th request of the mix (deterministic, so runs compare). */
function mixed(n: number, runId: string): { method: 'GET' | 'PUT' | 'POST'; path: string; body?: string } {
  const slot = n % 100;
  const user = `demo:u:${1 + ((n * 37) % USERS)}`;
  const item = `demo:i:${1 + ((n * 53) % ITEMS)}`;
  const u = encodeURIComponent(user);
  if (slot < 45) return { method: 'GET', path: `/v1/users/${u}/recommendations?k=10&explain=none` };
  if (slot < 65) return { method: 'GET', path: `/v1/users/${u}/recommendations?k=10&explain=paths` };
  if (slot < 80) return { method: 'GET', path: `/v1/users/${u}/history?limit=20` };
  if (slot < 95) return { method: 'GET', path: `/v1/items/${encodeURIComponent(item)}` };
  if (slot < 98) return { method: 'PUT', path: `/v1/users/${encodeURIComponent(`soak:u:${n % 50}`)}`, body: JSON.stringify({ props: { lastSeen: n } }) };
  const event = { eventId: `soak-${runId}-${n}`, userId: user, itemId: item, kind: 'click', weight: 1, ts: Math.floor(Date.now() / 1000) };
  return { method: 'POST', path: '/v1/interactions', body: JSON.stringify({ events: [event] }) };
}

/** `seconds` at `rate` requests per second, open loop, over the next requests of the mix. */
async function drive(seconds: number, rate: number, runId: string, counter: { n: number }) {
  const count = openLoopCount(seconds, rate);
  const requests = Array.from({ length: count }, (_, j) => mixed(counter.n + j, runId));
  counter.n += count;
  const { cpuMsPerRequest, ...run } = await driveLoad(PORT, requests, { seconds, connections: 10, rate });
  return { ...run, clientCpuMsPerRequest: cpuMsPerRequest };
}

export async function main(argv: string[]): Promise<void> {
  const seconds = Number(argv[0] ?? 300);
  const rate = Number(argv[1] ?? 100);
  if (!(seconds > 0) || !(rate > 0)) throw new Error('usage: npm run bench -- soak [seconds=300] [rate=100]');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(PORT),
    GRAPHREC_NEO4J_PORT: process.env.GRAPHREC_SOAK_NEO4J_PORT ?? '7693',
    GRAPHREC_NEO4J_DATA: process.env.GRAPHREC_SOAK_NEO4J_DATA ?? 'graph/data-soak',
    GRAPHREC_NEO4J_HEAP_MB: '1024',
    LLM_PROVIDER: 'none',
  };
  delete env.NEO4J_URI;
  const server = spawn(process.execPath, [path.join(ROOT, 'scripts', 'graphrec.js'), 'serve', '--data', 'demo'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const runId = Date.now().toString(36);
  const counter = { n: 0 };
  try {
    emit({ step: 'starting the server (its own Neo4j, demo data, projection, embeddings)', port: PORT });
    emit({ step: 'ready, vectors settled', embeddings: await waitSettled(BASE, 900_000) });
    emit({ step: 'warm-up', seconds: WARMUP_S, rate });
    await drive(WARMUP_S, rate, runId, counter);
    const start = await metrics();
    emit({ step: 'soak', seconds, rate, ...start });
    const samples: Metrics[] = [start];
    const sampler = setInterval(() => {
      void metrics().then(
        (m) => {
          samples.push(m);
          emit({ sample: samples.length, ...m });
        },
        (error: unknown) => emit({ sampleError: (error as Error).message }),
      );
    }, SAMPLE_MS);
    const load = await drive(seconds, rate, runId, counter);
    clearInterval(sampler);
    const end = await metrics();
    const rssGrowthMb = Math.round((end.rssMb - start.rssMb) * 10) / 10;
    const peakRssMb = Math.max(...samples.map((s) => s.rssMb), end.rssMb);
    const boundHeld = rssGrowthMb <= RSS_GROWTH_BOUND_MB && end.tensors === start.tensors;
    emit({
      requests: load.requests,
      errors: load.errors,
      p99Ms: load.p99Ms,
      rssStartMb: start.rssMb,
      rssEndMb: end.rssMb,
      tensorsStart: start.tensors,
      tensorsEnd: end.tensors,
      rssGrowthMb,
      peakRssMb,
      heapStartMb: start.heapUsedMb,
      heapEndMb: end.heapUsedMb,
      boundMb: RSS_GROWTH_BOUND_MB,
      boundHeld,
      requestsPerSecond: load.requestsPerSecond,
      p50Ms: load.p50Ms,
      maxMs: load.maxMs,
      samples: samples.length + 1,
      seconds,
      rate,
    });
  } finally {
    const stopping = Date.now();
    server.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => server.once('exit', r));
    process.stderr.write(JSON.stringify({ serverExit: code, shutdownMs: Date.now() - stopping }) + '\n');
  }
}
