/**
 * `npm run bench -- recommend [seconds=20] [--none-rates R,…] [--paths-rates R,…]`: drives a running `graphrec serve`
 * (started here as a second process on loopback, on the bench Neo4j with ML-100K + DBpedia) over all 943 users in turn,
 * first with `explain=none`, then with `explain=paths`.
 *
 * - 10 closed loops per mode (scripts/bench/_load): what the server answers at saturation, and the latency of a queue of
 *   10 requests.
 * - Then each offered rate, open loop, for `seconds` (defaults: `none` at 500 req/s, `paths` at 100 and 200 req/s):
 *   each request timed from when it was due, so the latency at that load.
 *
 * Prints JSON lines; the last holds `{"none": {…}, "paths": {…}, "openLoop": [{explain, offeredPerSecond, p50Ms, p99Ms,
 * …}], …}` (each closed-loop entry with requestsPerSecond, p50Ms, p99Ms, requests, errors, connections). Evidence is
 * built per request (no result cache); consecutive users differ, so each request pays for its own user's profile and
 * path beams. The latencies include the client's time: it runs in this process, on the same 2 cores as the server.
 * Targets (issue 4, 2-core machine): none p99 ≤ 20 ms at ≥ 500 req/s; paths p99 ≤ 50 ms.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../src/core/paths.ts';
import { flagsOf } from './_kept.ts';
import { drive, ratesOf, waitSettled, type LoadResult } from './_load.ts';
import { emit, ml100kDbpediaSpec } from './_neo4j.ts';

const PORT = Number(process.env.GRAPHREC_BENCH_API_PORT ?? 3100);
const CONNECTIONS = 10;

const pathsFor = (explain: 'none' | 'paths'): string[] =>
  Array.from({ length: 943 }, (_, j) => `/v1/users/${encodeURIComponent(`ml100k:u:${j + 1}`)}/recommendations?k=10&explain=${explain}`);

/** A run as printed: the CPU figure is the load generator's alone here (the server is another process). */
const summary = ({ cpuMsPerRequest, ...run }: LoadResult) => ({ ...run, clientCpuMsPerRequest: cpuMsPerRequest });

export async function main(argv: string[]): Promise<void> {
  const flag = flagsOf(argv);
  const seconds = argv[0] !== undefined && !argv[0].startsWith('--') ? Number(argv[0]) : 20;
  if (!(seconds > 0)) throw new Error('usage: npm run bench -- recommend [seconds=20] [--none-rates R,…] [--paths-rates R,…]');
  const noneRates = flag('--none-rates') === undefined ? [500] : ratesOf('bench recommend', '--none-rates', flag('--none-rates'));
  const pathsRates = flag('--paths-rates') === undefined ? [100, 200] : ratesOf('bench recommend', '--paths-rates', flag('--paths-rates'));
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
    emit({ step: 'starting the server (Neo4j, data, projection, embeddings; measured once the vectors are live)', port: PORT });
    const embeddings = await waitSettled(`http://127.0.0.1:${PORT}`, 900_000);
    emit({ step: 'ready, vectors settled', embeddings });
    const requests = { none: pathsFor('none'), paths: pathsFor('paths') };
    await drive(PORT, requests.none, { seconds: 3, connections: CONNECTIONS }); // warm-up
    const none = summary(await drive(PORT, requests.none, { seconds, connections: CONNECTIONS }));
    emit({ explain: 'none', ...none });
    const paths = summary(await drive(PORT, requests.paths, { seconds, connections: CONNECTIONS }));
    emit({ explain: 'paths', ...paths });
    const openLoop = [];
    for (const [explain, rates] of [['none', noneRates], ['paths', pathsRates]] as const) {
      for (const rate of rates) {
        const run = { explain, ...summary(await drive(PORT, requests[explain], { seconds, connections: CONNECTIONS, rate })) };
        emit({ openLoop: true, ...run });
        openLoop.push(run);
      }
    }
    emit({ none, paths, openLoop, seconds, targets: { none: { p99Ms: 20, requestsPerSecond: 500 }, paths: { p99Ms: 50 } } });
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}
