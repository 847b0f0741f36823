/**
 * `npm run bench -- api`: latency of the graph query API on ML-100K (+ DBpedia) in the bench Neo4j (loaded first when
 * absent). The API runs in this process on loopback; requests go over HTTP keep-alive, one at a time, for random users.
 * Prints JSON lines; the last holds p50/p99 per route. Target (issue 2): user history p50 ≤ 5 ms.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { benchConfig, emit, ensureMl100kDbpedia, ml100kDbpediaSpec, openBenchDatabase } from './_neo4j.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function get(agent: http.Agent, port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
  });
}

export async function main(argv: string[]): Promise<void> {
  const requests = Number(argv[0] ?? 2000);
  const spec = ml100kDbpediaSpec();
  if (!spec) return;
  const cfg = benchConfig();
  const db = await openBenchDatabase();
  const store = new Neo4jGraphStore(db.driver, db.database);
  const server = createApp({ store, cfg }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await ensureMl100kDbpedia(db, spec);
    const user = (k: number) => encodeURIComponent(`ml100k:u:${1 + ((k * 7919) % 943)}`);
    const item = (k: number) => encodeURIComponent(`ml100k:i:${1 + ((k * 104729) % 1682)}`);
    const routes: Record<string, (k: number) => string> = {
      userHistory: (k) => `/v1/users/${user(k)}/history?limit=20`,
      user: (k) => `/v1/users/${user(k)}`,
      item: (k) => `/v1/items/${item(k)}`,
      neighbours: (k) => `/v1/nodes/item/${item(k)}/neighbours?limit=50`,
    };
    const result: Record<string, { p50Ms: number; p99Ms: number; requests: number; errors: number }> = {};
    for (const [name, url] of Object.entries(routes)) {
      for (let k = 0; k < 100; k++) await get(agent, port, url(k)); // warm-up
      const times: number[] = [];
      let errors = 0;
      for (let k = 0; k < requests; k++) {
        const t0 = performance.now();
        const status = await get(agent, port, url(k));
        times.push(performance.now() - t0);
        if (status !== 200) errors++;
      }
      times.sort((a, b) => a - b);
      result[name] = { p50Ms: Number(percentile(times, 50).toFixed(3)), p99Ms: Number(percentile(times, 99).toFixed(3)), requests, errors };
      emit({ route: name, ...result[name] });
    }
    emit({ dataset: 'ml-100k + dbpedia', ...result, target: { userHistoryP50Ms: 5 } });
  } finally {
    agent.destroy();
    server.close();
    await db.close();
  }
}
