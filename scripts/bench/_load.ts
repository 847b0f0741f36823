/**
 * The HTTP load generator of the benches that drive a server (`scale`, `recommend`, `soak`), run in a worker thread so
 * that it keeps its schedule while the server shares this process's event loop (`scale` serves in process).
 *
 * - `rate` 0: `connections` closed loops. Each sends its next request when its last one was answered (each starts at
 *   its own offset): what the server answers at saturation, and the latency of a queue of `connections` requests.
 * - `rate` R > 0: an open loop. Request j is due at start + j / R whatever the answers (up to `connections` sockets,
 *   at least 64; a request waits in the client for a free one). Its latency counts from when it was due, so the wait
 *   of a request sent late (behind a slow answer, or a busy thread) is counted, not left out ("coordinated
 *   omission"). The schedule ends after `seconds`; the requests still open are then awaited, so a server that does not
 *   keep up shows it in the latencies and in a wall time longer than `seconds`.
 *
 * Requests are taken from `requests` in turn (wrapping around); a body is sent as JSON.
 */
import { Worker } from 'node:worker_threads';

export interface LoadRequest {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  body?: string;
}

export interface LoadResult {
  requests: number;
  /** Answered per second over the wall time. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than 2xx, and requests that got no answer. */
  errors: number;
  /** Closed loops: how many. */
  connections?: number;
  /** Open loop: the requests per second offered. */
  offeredPerSecond?: number;
  /** Wall time from the first request to the last answer. */
  seconds: number;
  /**
   * CPU time of this whole process per answered request, ms (the load generator's thread included, and the server
   * when it runs in this process): on a shared machine a figure of the work, where latency is one of the queue.
   */
  cpuMsPerRequest: number;
}

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, requests, seconds, connections, rate } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: rate > 0 ? Math.max(connections, 64) : connections });
const latencies = [];
let bad = 0, next = 0;
const t0 = performance.now();
const until = t0 + seconds * 1000;
function once(r, from) {
  return new Promise((resolve) => {
    const s = from ?? performance.now();
    const headers = r.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) };
    const req = http.request({ host: '127.0.0.1', port, method: r.method ?? 'GET', path: r.path, headers, agent }, (res) => {
      res.resume();
      res.once('end', () => { latencies.push(performance.now() - s); if (res.statusCode < 200 || res.statusCode > 299) bad++; resolve(); });
    });
    req.once('error', () => { bad++; resolve(); });
    req.end(r.body);
  });
}
async function loop() { while (performance.now() < until) await once(requests[next++ % requests.length]); }
async function openLoop() {
  const open = [];
  for (let j = 0; t0 + (j * 1000) / rate < until; j++) {
    const due = t0 + (j * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    open.push(once(requests[next++ % requests.length], due));
  }
  await Promise.all(open);
}
(rate > 0 ? openLoop() : Promise.all(Array.from({ length: connections }, loop))).then(() => {
  const wall = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  parentPort.postMessage({ latencies: Float64Array.from(latencies), bad, wall });
});
`;

const round = (x: number): number => Number(x.toFixed(3));

/** The entry at quantile `q` (0–1) of ascending `sorted` values (no interpolation); NaN when empty. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

/** A comma-separated list of positive request rates (per second) given to `bench`'s `flag`; empty when absent. */
export function ratesOf(bench: string, flag: string, raw: string | undefined): number[] {
  if (raw === undefined) return [];
  return raw.split(',').map((r) => {
    const rate = Number(r);
    if (!(rate > 0 && Number.isFinite(rate))) throw new Error(`${bench}: ${flag} takes positive rates separated by commas (got ${r})`);
    return rate;
  });
}

/** How many requests an open loop at `rate` sends in `seconds` (a list that long is used without wrapping). */
export function openLoopCount(seconds: number, rate: number): number {
  return Math.ceil(seconds * rate) + 1;
}

/** One run against `127.0.0.1:port` (`rate` 0: closed loops; R > 0: R requests per second offered, open loop). */
export function drive(port: number, requests: ReadonlyArray<LoadRequest | string>, options: { seconds: number; connections: number; rate?: number }): Promise<LoadResult> {
  const { seconds, connections, rate = 0 } = options;
  if (requests.length === 0) throw new Error('drive: no requests');
  if (!(seconds > 0) || !(connections >= 1) || !(rate >= 0)) throw new Error('drive: seconds and connections must be > 0, rate ≥ 0');
  const list = requests.map((r) => (typeof r === 'string' ? { path: r } : r));
  const cpu0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const worker = new Worker(SOURCE, { eval: true, workerData: { port, requests: list, seconds, connections, rate } });
    worker.once('error', reject);
    worker.once('message', (m: { latencies: Float64Array; bad: number; wall: number }) => {
      const cpu = process.cpuUsage(cpu0);
      const q = (p: number) => quantileOfSorted(m.latencies, p);
      resolve({
        requests: m.latencies.length,
        requestsPerSecond: Math.round(m.latencies.length / m.wall),
        p50Ms: round(q(0.5)),
        p99Ms: round(q(0.99)),
        maxMs: round(m.latencies.length ? m.latencies[m.latencies.length - 1]! : NaN),
        errors: m.bad,
        ...(rate > 0 ? { offeredPerSecond: rate } : { connections }),
        seconds: round(m.wall),
        cpuMsPerRequest: m.latencies.length ? round((cpu.user + cpu.system) / 1000 / m.latencies.length) : NaN,
      });
      void worker.terminate();
    });
  });
}

/**
 * Waits until the `graphrec serve` at `base` is ready and its vectors have settled (loaded and written to Neo4j, or
 * failed): a serve without stored vectors answers while LightGCN trains in a worker thread and then publishes the
 * vectors, and measuring during either would measure them too. Returns the readiness detail's `embeddings`.
 */
export async function waitSettled(base: string, timeoutMs: number): Promise<unknown> {
  const until = Date.now() + timeoutMs;
  let last: unknown = 'no answer';
  while (Date.now() < until) {
    try {
      const res = await fetch(`${base}/v1/health/ready`);
      if (res.ok) {
        const body = (await res.json()) as { checks?: { app?: { detail?: { embeddings?: { state?: string; neo4j?: unknown } } } } };
        const embeddings = body.checks?.app?.detail?.embeddings;
        last = embeddings;
        if (embeddings && (embeddings.state === 'failed' || (embeddings.state === 'loaded' && embeddings.neo4j !== 'writing'))) return embeddings;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`server not settled after ${timeoutMs / 1000} s (last: ${JSON.stringify(last)})`);
}
