/**
 * `npm run bench -- ppr [--source files|neo4j] [--users N] [--threshold ε]`: Personalized PageRank on ML-100K + the
 * DBpedia KG, seeded from real users' histories. Prints JSON lines; the last one is the result:
 * `{"requestTime": {"p50Ms", "p99Ms", "top20Overlap"}, "exact": {"msPerIteration", "boundMsPerIteration",
 * "fractionOfBandwidthBound"}, "batched": {"seedsPerSecond"}}`.
 *
 * - requestTime: the push solver (one reused scratch), timed per query from seed vector to top-20 ids; overlap = the
 *   share of its top-20 unseen items found in the top-20 unseen items of exact PPR at tolerance 1e-10.
 * - exact: power iteration at the default tolerance, on the kernel production uses (`kernel: 'auto'`, reported as
 *   `exact.kernel`: `wasm` where WebAssembly exists); ms per iteration vs. the memory-traffic bound of
 *   `compute/bandwidth` (compulsory bytes of one fused step / native copy bandwidth).
 * - batched: every user's seed vector through the interleaved batched solver.
 *
 * `--source neo4j` (default) projects the bench Neo4j (port 7689; ML-100K + DBpedia loaded first when absent).
 * `--source files` builds the graph straight from ../shared/data (ml-100k/u.data + ml-100k-dbpedia/
 * enriched.csv; item→entity edges for seven relation columns, list cells split on `::`) with the node keys
 * `project/load.ts` uses.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { measureBandwidth, pprIterationBytes, type BandwidthResult } from '../../src/compute/bandwidth.ts';
import { batchedPprEach } from '../../src/compute/ppr/batched.ts';
import { exactPprRun } from '../../src/compute/ppr/exact.ts';
import { createPushSolver, type PushOptions } from '../../src/compute/ppr/push.ts';
import { seedsFromCsrHistory, seenItems } from '../../src/compute/ppr/seeds.ts';
import type { SeedVector } from '../../src/compute/ppr/seed-vector.ts';
import { buildTransition, type TransitionOptions } from '../../src/compute/ppr/transition.ts';
import { createWalkSolver, type WalkOptions } from '../../src/compute/ppr/walk.ts';
import { KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { collectTopK, type SparseScores } from '../../src/project/csr-top-k.ts';

import { loadMl100kDbpedia } from './_ml100k.ts';

export { DBPEDIA_RELATIONS, loadMl100kDbpedia } from './_ml100k.ts';

export interface PprBenchOptions {
  /** Users whose histories seed the request-time and exact runs (evenly spread over all users). [200] */
  users: number;
  /** Users for the batched run (0 = all). [0] */
  batchedUsers: number;
  /** Columns of the batched solver. [8] */
  columns: number;
  k: number;
  damping: number;
  relationWeights: TransitionOptions['relationWeights'];
  push: Partial<PushOptions>;
  walk: Partial<WalkOptions>;
  /** Also time the Monte Carlo walk solver. [true] */
  includeWalk: boolean;
  /** Skip the bandwidth measurement and use this value (bytes/s). */
  bandwidth?: BandwidthResult;
  /** Where JSON lines go. [stdout] */
  emit: (line: Record<string, unknown>) => void;
}

export const PPR_BENCH_DEFAULTS: PprBenchOptions = {
  users: 200,
  batchedUsers: 0,
  columns: 8,
  k: 20,
  damping: 0.85,
  relationWeights: {},
  push: {},
  walk: {},
  includeWalk: true,
  emit: (line) => process.stdout.write(JSON.stringify(line) + '\n'),
};

export interface PprBenchResult {
  requestTime: { method: 'push'; p50Ms: number; p99Ms: number; top20Overlap: number; minOverlap: number; meanWork: number };
  walk?: { p50Ms: number; p99Ms: number; top20Overlap: number };
  exact: { kernel: string; msPerIteration: number; boundMsPerIteration: number; fractionOfBandwidthBound: number; medianMsPerQuery: number; meanIterations: number };
  batched: { seedsPerSecond: number; singleSeedsPerSecond: number; columns: number; users: number };
  graph: { nodes: number; edges: number; nnz: number };
  bandwidth: { copyGBps: number; jsReadGBps: number };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const round = (v: number, digits = 4): number => Number(v.toPrecision(digits));

export async function runPprBench(csr: Csr, options: Partial<PprBenchOptions> = {}): Promise<PprBenchResult> {
  const o = { ...PPR_BENCH_DEFAULTS, ...options } satisfies PprBenchOptions;
  const t = buildTransition(csr, { relationWeights: o.relationWeights });
  const nnz = t.starts[t.nodeCount]!;
  o.emit({ stage: 'graph', nodes: csr.nodeCount, edges: csr.edgeCount, nnz, dangling: t.dangling.length });

  const allUsers: number[] = [];
  for (let v = 0; v < csr.nodeCount; v++) if (csr.kinds[v] === KIND_CODES.User && csr.outStarts[v + 1]! > csr.outStarts[v]!) allUsers.push(v);
  const step = Math.max(1, allUsers.length / o.users);
  const users: number[] = [];
  for (let j = 0; j < Math.min(o.users, allUsers.length); j++) users.push(allUsers[Math.floor(j * step)]!);
  const seedsOf = new Map<number, SeedVector>(users.map((u) => [u, seedsFromCsrHistory(csr, u)]));
  const filterOf = (u: number) => ({ kinds: ['Item' as const], exclude: seenItems(csr, u) });

  // Reference rankings: exact PPR at a tight tolerance.
  const reference = new Map<number, Set<number>>();
  for (const u of users) {
    const run = exactPprRun(t, seedsOf.get(u)!, { damping: o.damping, tolerance: 1e-10, maxIterations: 1000 });
    reference.set(u, new Set(collectTopK(csr, run.scores, o.k, filterOf(u)).map((s) => s.index)));
  }

  const timeSolver = (label: string, query: (seeds: SeedVector) => { scores: Float64Array | SparseScores; work: number }) => {
    // Warm-up (JIT) on the first users, then one timed pass over all.
    for (const u of users.slice(0, 20)) query(seedsOf.get(u)!);
    const times: number[] = [];
    const overlaps: number[] = [];
    let work = 0;
    for (const u of users) {
      const t0 = performance.now();
      const seeds = seedsFromCsrHistory(csr, u);
      const res = query(seeds);
      const top = collectTopK(csr, res.scores, o.k, filterOf(u));
      times.push(performance.now() - t0);
      work += res.work;
      const ref = reference.get(u)!;
      overlaps.push(top.filter((s) => ref.has(s.index)).length / Math.max(1, ref.size));
    }
    times.sort((a, b) => a - b);
    const line = {
      stage: label,
      queries: users.length,
      p50Ms: round(quantile(times, 0.5)),
      p99Ms: round(quantile(times, 0.99)),
      top20Overlap: round(overlaps.reduce((a, b) => a + b, 0) / overlaps.length),
      minOverlap: round(Math.min(...overlaps)),
      meanWork: Math.round(work / users.length),
    };
    o.emit(line);
    return line;
  };

  const push = createPushSolver(t, { damping: o.damping, ...o.push });
  const pushLine = timeSolver('push', (s) => push.query(s));
  let walkLine: { p50Ms: number; p99Ms: number; top20Overlap: number } | undefined;
  if (o.includeWalk) {
    const walker = createWalkSolver(t, { damping: o.damping, ...o.walk });
    walkLine = timeSolver('walk', (s) => {
      const res = walker.query(s);
      return { scores: res, work: res.steps };
    });
  }

  // Exact power iteration at the default tolerance.
  const exactTimes: number[] = [];
  let iterations = 0;
  let totalMs = 0;
  let kernel = '';
  for (const u of users.slice(0, 10)) exactPprRun(t, seedsOf.get(u)!, { damping: o.damping });
  for (const u of users) {
    const t0 = performance.now();
    const run = exactPprRun(t, seedsOf.get(u)!, { damping: o.damping });
    const ms = performance.now() - t0;
    exactTimes.push(ms);
    totalMs += ms;
    iterations += run.iterations;
    kernel = run.kernel;
  }
  exactTimes.sort((a, b) => a - b);
  const msPerIteration = totalMs / iterations;
  const bandwidth = o.bandwidth ?? measureBandwidth();
  o.emit({ stage: 'bandwidth', copyGBps: round(bandwidth.copyBytesPerSecond / 1e9), jsReadGBps: round(bandwidth.jsReadBytesPerSecond / 1e9), arrayBytes: bandwidth.arrayBytes });
  const meanSeeds = users.reduce((a, u) => a + seedsOf.get(u)!.nodes.length, 0) / users.length;
  const bytes = pprIterationBytes({ nodeCount: t.nodeCount, nnz, dangling: t.dangling.length, seeds: Math.round(meanSeeds) });
  const boundMsPerIteration = (bytes / bandwidth.copyBytesPerSecond) * 1e3;
  const exact = {
    kernel,
    msPerIteration: round(msPerIteration),
    boundMsPerIteration: round(boundMsPerIteration),
    fractionOfBandwidthBound: round(boundMsPerIteration / msPerIteration),
    medianMsPerQuery: round(quantile(exactTimes, 0.5)),
    p99MsPerQuery: round(quantile(exactTimes, 0.99)),
    meanIterations: round(iterations / users.length),
    bytesPerIteration: bytes,
  };
  o.emit({ stage: 'exact', ...exact });

  // Batched: every user (or batchedUsers of them).
  const batchUsers = o.batchedUsers > 0 ? allUsers.slice(0, o.batchedUsers) : allUsers;
  const batchSeeds = batchUsers.map((u) => seedsFromCsrHistory(csr, u));
  let sink = 0;
  let t0 = performance.now();
  batchedPprEach(t, batchSeeds, { damping: o.damping, columns: o.columns }, (_i, scores) => {
    sink += scores[0]!;
  });
  const batchedSeconds = (performance.now() - t0) / 1e3;
  // The same work one seed at a time, for comparison (a subset, extrapolated per seed).
  const singleCount = Math.min(batchSeeds.length, 100);
  t0 = performance.now();
  for (const s of batchSeeds.slice(0, singleCount)) sink += exactPprRun(t, s, { damping: o.damping }).scores[0]!;
  const singleSeconds = (performance.now() - t0) / 1e3;
  const batched = {
    seedsPerSecond: round(batchSeeds.length / batchedSeconds),
    singleSeedsPerSecond: round(singleCount / singleSeconds),
    columns: o.columns,
    users: batchSeeds.length,
  };
  o.emit({ stage: 'batched', ...batched, seconds: round(batchedSeconds), check: Number.isFinite(sink) });

  const result: PprBenchResult = {
    requestTime: { method: 'push', p50Ms: pushLine.p50Ms, p99Ms: pushLine.p99Ms, top20Overlap: pushLine.top20Overlap, minOverlap: pushLine.minOverlap, meanWork: pushLine.meanWork },
    ...(walkLine ? { walk: { p50Ms: walkLine.p50Ms, p99Ms: walkLine.p99Ms, top20Overlap: walkLine.top20Overlap } } : {}),
    exact,
    batched,
    graph: { nodes: csr.nodeCount, edges: csr.edgeCount, nnz },
    bandwidth: { copyGBps: round(bandwidth.copyBytesPerSecond / 1e9), jsReadGBps: round(bandwidth.jsReadBytesPerSecond / 1e9) },
  };
  o.emit(result as unknown as Record<string, unknown>);
  return result;
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const source = flag(argv, 'source') ?? 'neo4j';
  const users = Number(flag(argv, 'users') ?? PPR_BENCH_DEFAULTS.users);
  const threshold = flag(argv, 'threshold');
  const walks = flag(argv, 'walks');
  const options: Partial<PprBenchOptions> = {
    users,
    ...(threshold ? { push: { threshold: Number(threshold) } } : {}),
    ...(walks ? { walk: { walks: Number(walks) } } : {}),
  };
  if (source === 'neo4j') {
    const { ensureMl100kDbpedia, ml100kDbpediaSpec, openBenchDatabase } = await import('./_neo4j.ts');
    const { projectDatabase } = await import('../../src/project/load.ts');
    const spec = ml100kDbpediaSpec();
    if (!spec) return;
    const db = await openBenchDatabase();
    try {
      await ensureMl100kDbpedia(db, spec);
      const t = performance.now();
      const { csr, fromSnapshot } = await projectDatabase(db);
      process.stdout.write(JSON.stringify({ stage: 'load', source: 'neo4j', fromSnapshot, ms: Math.round(performance.now() - t), nodes: csr.nodeCount, edges: csr.edgeCount }) + '\n');
      await runPprBench(csr, options);
    } finally {
      await db.close();
    }
    return;
  }
  if (!existsSync(path.join(SHARED_DATA_DIR, 'ml-100k', 'u.data')) || !existsSync(path.join(SHARED_DATA_DIR, 'ml-100k-dbpedia', 'enriched.csv'))) {
    process.stdout.write(JSON.stringify({ error: `bench ppr needs ${SHARED_DATA_DIR}/ml-100k and ml-100k-dbpedia (../shared/data is absent)` }) + '\n');
    process.exitCode = 1;
    return;
  }
  const t0 = performance.now();
  const csr = loadMl100kDbpedia();
  process.stdout.write(JSON.stringify({ stage: 'load', source: 'files', ms: Math.round(performance.now() - t0) }) + '\n');
  await runPprBench(csr, options);
}
