/**
 * `npm run bench -- scale -- --interactions N [--online N] [--seconds S] [--connections C] [--epoch-seconds S]
 * [--skip STAGE,…] [--no-baseline] [--rank-threads T] [--none-rates R,…] [--paths-rates R,…] [--publish]
 * [--keep DIR [--reuse [--reread N]]] [--record]`: the whole job of graphrec on a generated graph of N interactions (default 1,000,000),
 * one stage after the other, one JSON line per stage and a last line with the issue-12 keys
 * (`bulkImportRelsPerSec`, `onlineIngestRelsPerSec`, `projectionEdgesPerSec`, `bytesPerEdge`, `epochSeconds`,
 * `bootSeconds`, `rssMb`, `noneP99Ms`, `noneRps`, `pathsP99Ms`). A stage that was skipped or could not run is `null`
 * there, with the reason in its own line.
 *
 * Stages:
 *  1. generate  `graphrec generate` sizes: users N/25, items N/125 (at least 500, so that small N fit the generator's
 *               per-user cap of items / 5), knowledge N/10 (docs/scaling.md), seed 42.
 *  2. bulk      `ingestDataset` (mode auto) into a NEW local Neo4j (port GRAPHREC_BENCH_NEO4J_PORT or 7689, data folder
 *               inside the work folder); fails unless it took the bulk path. Rate = relationships / wall time from
 *               reading the files to the schema online. Every later stage runs against this database while it is up.
 *  3. project   `projectDatabase` with no snapshot yet: the fingerprint, the read out of Neo4j into the CSR
 *               (`projectionEdgesPerSec` = CSR edges / read seconds; the local Neo4j reads through graphrec's
 *               procedure, store/projection-procedure) and the snapshot write; `coldEdgesPerSecond` counts the
 *               fingerprint in. `bytesPerEdge` = bytes of the CSR's typed arrays per directed edge entry (project/csr
 *               `csrMemory`). Baseline beside it (`--no-baseline` leaves it out): the same read through Cypher pages
 *               (`via: 'cypher'`, what any other Neo4j gets), its fingerprint apart, the ratios, and whether both
 *               CSRs are identical.
 *  4. epoch     one LightGCN epoch (the CPU kernels, both threads, default options) on the projection's interactions:
 *               `fitLightGcn`'s model, so past the kernels' 4 GiB it is the sampled-subgraph mode (a user sample,
 *               the other users folded in; the line's `sample` says how many users and interactions trained).
 *               With `--epoch-seconds S` (default 900) an epoch is cut at S seconds and its time extrapolated from the
 *               steps done (said in the line). `epoch-seconds 0` skips it.
 *  5. boot      what `npm start` does before serving, from the snapshot: engine/boot `loadServingState` (fingerprint,
 *               snapshot read, labels, item props), `engineFrom` with the epoch's vectors (PPR transition,
 *               popularity, keyword index, embedding index) and `Engine.warm` (what the first request would build).
 *  6. serve     first the engine's own cost per request without HTTP (`serve: in-process`: `recommend` per live
 *               strategy and the evidence of one answer's 10 items over `--in-process` users, default 200, and
 *               cold-start answers with their evidence (`coldStartOf10`: three item seeds, 10 sets among the 30 most
 *               popular items and 10 scattered), each with the first call apart; then `serve: after a write`: one interaction applied as live writes are, and the
 *               next requests timed), then the API (createApp + the recommendation routes, as `graphrec serve` mounts them) in this process on
 *               loopback, driven by a load generator in a worker thread of this process: C keep-alive connections
 *               (default 10), each sending its next request when the last one answered, over the users in a fixed
 *               pseudo-random order, for S seconds (default 20) with `explain=none`, then `explain=paths`.
 *               `--none-rates R,…` and `--paths-rates R,…` then offer each rate R in turn for S seconds, open loop
 *               (requests due at R per second whatever the answers, each timed from when it was due), one
 *               `serve: open loop` line per rate: latency at a given load, where the closed loops give the latency of
 *               a queue of C requests at saturation (the last line's keys stay the closed loops').
 *               With `--rank-threads T` (T > 0) the engine also has T copies ranking in worker threads
 *               (engine/replicas, as `GRAPHREC_RANK_THREADS=T graphrec serve` has them): each explain mode runs
 *               once the copies are built, first on the serving thread alone (the baseline, `rankThreads: 0`), then with the copies, and a
 *               `serve: ratio` line per mode divides them; the last line's keys are the copies' runs. The boot
 *               stage then waits for the copies and says what they cost (`boot: copies`: seconds until they rank,
 *               `copiesRssMb` = this process's resident set then, less before they started).
 *               `rssMb` = this process's resident set after the serve stage (it holds the engine, the driver and the
 *               load generator; the Neo4j JVM is another process and is reported apart as `neo4jRssMb`). Each serve
 *               line adds `cpuMsPerRequest` (this process's CPU time per answered request: the work, apart from the
 *               wait for a core on a shared machine).
 *  7. online    the online loader (`loadDataset`) into this now non-empty database: a second generated graph of
 *               `--online` interactions (default 100,000) under an id prefix of this run (`online<ms>:`), so that
 *               its users, items and edges are new even on a kept database that earlier runs loaded into (the same
 *               ids again would measure the MERGE of existing edges).
 * Each line carries the 1-minute load average (the machine is shared).
 *
 * `--keep DIR --reuse` measures the serving stages again on the graph an earlier `--keep DIR` run left there: it opens
 * that database (no generate, no bulk, no project; the epoch, unless skipped, trains on the kept snapshot's
 * projection), boots from its snapshot and serves; the bulk and project keys are then null. With the online stage the
 * kept database changes (the next reuse boots through a new projection read, and so does one after `bench freshness
 * --keep DIR`: its boot line says so, `bootSeconds` is then null, and it writes the snapshot the next reuse boots from);
 * `--skip online` keeps it as it is.
 * `--publish` adds a stage after serve (6b): the epoch's vectors (random ones without an epoch) written into Neo4j
 * as `npm start` writes them after training (`publishEmbeddings`: `embedding` properties and vector indexes), with
 * the last committed transaction id and whether the store version (`graphrec.servingVersion`) stayed the same, then the
 * serving state read again as the next boot reads it (its currency says whether the snapshot was still current). It
 * changes the kept database's vectors.
 * `--record` (a whole run on a new graph only) writes the run, every line it printed with the command, the commit and
 * the start time, into docs/results/scale.json in place of the earlier run of that size, and regenerates the README's
 * scale table from that file (scripts/bench/_scale-table.ts).
 * `--reuse --reread N` also measures the project stage again on the kept database: its procedure fingerprint, the
 * procedure alone (records received, not decoded), then N reads into a CSR (no snapshot written), one
 * `project: reread` line; `projectionEdgesPerSec` is the first read's.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/api/app.ts';
import { EngineReplicas, rankLocally, rankOn, type EvidenceFor } from '../../src/engine/replicas.ts';
import type { RecommendRequest } from '../../src/retrieve/recommend.ts';
import { recommendRoutes } from '../../src/api/routes/recommend.ts';
import { fitLightGcn } from '../../src/compute/lightgcn/index.ts';
import type { Config } from '../../src/core/config.ts';
import { engineFrom, loadServingState, type ServingState } from '../../src/engine/boot.ts';
import { interactionsFromCsr, projectionNodeKeys, publishEmbeddings, type TrainedEmbeddings } from '../../src/engine/embeddings.ts';
import { annReady } from '../../src/retrieve/ann.ts';
import type { Engine, EngineUpdate } from '../../src/engine/engine.ts';
import { readGeneric } from '../../src/ingest/formats/generic.ts';
import { generateDataset } from '../../src/ingest/generate.ts';
import { ingestDataset } from '../../src/ingest/ingest.ts';
import { loadDataset } from '../../src/ingest/load.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import { csrMemory, KIND_CODES, nodeRef, type Csr } from '../../src/project/csr.ts';
import { projectDatabase, readProjectionSnapshot } from '../../src/project/load.ts';
import type { NodeRef } from '../../src/core/model.ts';
import { cypher } from '../../src/store/cypher.ts';
import { openSession, type Database } from '../../src/store/driver.ts';
import { PROCEDURE_CHUNK_BYTES } from '../../src/store/projection-procedure.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { openDatabase } from '../../src/store/open.ts';
import { PROJECTION_READ_DEFAULTS, projectionFingerprint, storeVersion } from '../../src/store/projection-reader.ts';
import { flagsOf, keptConfig, scatteredUsers } from './_kept.ts';
import { drive, quantileOfSorted, ratesOf, type LoadResult } from './_load.ts';
import { emit } from './_neo4j.ts';
import { commandOf, currentCommit, machineDescription, recordScaleRun, SCALE_TARGETS, type ScaleLine } from './_scale-table.ts';

/** Every line this run printed, in order (what `--record` writes to docs/results/scale.json). */
const printed: ScaleLine[] = [];

/** What each explain mode's serve lines are held to (issue 12's targets, one place: `SCALE_TARGETS`). */
const SERVE_TARGETS = {
  none: { p99Ms: SCALE_TARGETS.noneP99Ms, requestsPerSecond: SCALE_TARGETS.noneRps },
  paths: { p99Ms: SCALE_TARGETS.pathsP99Ms },
} as const;

/** Prints one JSON line and keeps it for `--record`. */
function out(line: ScaleLine): void {
  printed.push(line);
  emit(line);
}

const STAGES = ['generate', 'bulk', 'project', 'epoch', 'boot', 'serve', 'online'] as const;
type Stage = (typeof STAGES)[number];

const load1 = () => Number(loadavg()[0]!.toFixed(2));

/**
 * Random vectors in [-0.5, 0.5) for every key (the publish stage without an epoch: the same amount of writing). New
 * values on every run, as a new training writes: Neo4j skips a property set to the value it already holds, and the
 * vector index then has nothing to update.
 */
function randomVectors(keys: { userKeys: string[]; itemKeys: string[] }, dim: number): Pick<TrainedEmbeddings, 'userKeys' | 'itemKeys' | 'users' | 'items' | 'dim'> {
  let x = Date.now() >>> 0 || 1;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x / 4294967296 - 0.5);
  return { ...keys, dim, users: Float32Array.from({ length: keys.userKeys.length * dim }, next), items: Float32Array.from({ length: keys.itemKeys.length * dim }, next) };
}

/** `graphrec.lastCommittedTxId()` of the bench's local Neo4j, as text. */
async function lastCommittedTxId(db: Database): Promise<string> {
  const session = openSession(db, 'READ');
  try {
    return String((await session.run('RETURN graphrec.lastCommittedTxId() AS tx')).records[0]!.get('tx'));
  } finally {
    await session.close();
  }
}
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
/** Every number in a (nested) record rounded to 2 digits: timings for a JSON line. */
const roundAll = (x: unknown): unknown => (typeof x === 'number' ? round(x, 2) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, roundAll(v)])) : x);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const since = (t0: number) => (performance.now() - t0) / 1000;

/** A memory figure of a process from /proc (Linux): VmRSS (resident now) or VmHWM (peak resident), MiB; undefined when unreadable. */
function memOfPid(pid: number | 'self' | undefined, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  if (!pid) return undefined;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** This process's memory now and its peak so far (VmHWM), MiB: every stage line carries it. */
function processMemory(): { rssNowMb: number; peakRssMb: number | undefined; heapUsedMb: number; arrayBuffersMb: number } {
  const m = process.memoryUsage();
  return { rssNowMb: mb(m.rss), peakRssMb: memOfPid('self', 'VmHWM'), heapUsedMb: mb(m.heapUsed), arrayBuffersMb: mb(m.arrayBuffers) };
}

/** The users of `scatteredUsers` as request paths. */
function requestPaths(csr: Csr, explain: 'none' | 'paths', max = 20_000): string[] {
  return scatteredUsers(csr, max).map((u) => `/v1/users/${encodeURIComponent(u)}/recommendations?k=10&explain=${explain}`);
}

/**
 * The engine's own cost per request, without HTTP: `recommend` (k = 10) per strategy over `count` users, and the
 * evidence of the 10 items of one `hybrid` answer (what `explain=paths` adds), each as mean / p50 / p99 ms. The first
 * call of each is timed apart (`firstMs`): without `Engine.warm` at boot it would build what the context builds on
 * first use (the push solver's component sides, the knowledge walk's lists, the path finder's scratch).
 */
function inProcessCost(engine: Engine, count: number): Record<string, unknown> {
  const users = scatteredUsers(engine.context.csr, count).map((u) => engine.resolveId('User', u));
  const summary = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q: number) => round(quantileOfSorted(sorted, q), 2);
    return { mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), 2), p50: at(0.5), p99: at(0.99) };
  };
  const timedOver = <T>(list: readonly T[], run: (x: T) => void) => {
    const t0 = performance.now();
    run(list[0]!);
    const firstMs = round(performance.now() - t0, 1);
    const times = list.slice(1).map((x) => {
      const t = performance.now();
      run(x);
      return performance.now() - t;
    });
    return { firstMs, ...summary(times) };
  };
  const timed = (run: (user: string) => void) => timedOver(users, run);
  const out: Record<string, unknown> = {};
  for (const strategy of engine.strategies.live) out[strategy] = timed((user) => engine.recommend({ user, k: 10, strategy }));
  out.evidenceOf10 = timed((user) => {
    // As a request builds them: the ranking, then its 10 items' evidence back to back, named up front as one batch.
    rankOn(engine, { user, k: 10 }, { user });
  });
  // Cold-start requests with their evidence (three item seeds, no user), 10 of each: seeds among the 30 most
  // popular items (their first hops are hubs) and seeds scattered over the catalogue.
  const { csr } = engine.context;
  const items: number[] = [];
  for (let v = 0; v < csr.nodeCount; v++) if (csr.kinds[v] === KIND_CODES.Item) items.push(v);
  if (items.length >= 3) {
    const degree = (v: number) => csr.outStarts[v + 1]! - csr.outStarts[v]! + csr.inStarts[v + 1]! - csr.inStarts[v]!;
    items.sort((a, b) => degree(b) - degree(a) || a - b);
    const seedSets = (rank: (j: number, s: number) => number): NodeRef[][] =>
      Array.from({ length: 10 }, (_, j) => [0, 1, 2].map((s) => nodeRef(csr, items[rank(j, s)]!)));
    const coldStart = (seeds: NodeRef[]) => void rankOn(engine, { seeds, k: 10 }, { seeds });
    out.coldStartOf10 = {
      popularSeeds: timedOver(seedSets((j, s) => (3 * j + s) % Math.min(30, items.length)), coldStart),
      scatteredSeeds: timedOver(seedSets((j, s) => ((3 * j + s) * 7919) % items.length), coldStart),
    };
  }
  return { users: users.length, ...out };
}

/**
 * What one live write costs the requests after it: one interaction (a user's first item of a `hybrid` answer, of the
 * graph's interaction kind) applied as engine/live applies committed writes, then the next `hybrid` request and the
 * next evidence, timed. The write's new context builds on first use what it does not carry over from the last one.
 */
function afterWriteCost(engine: Engine, kind: string, mirror?: () => void): Record<string, unknown> {
  const [raw] = scatteredUsers(engine.context.csr, 1);
  const user = engine.resolveId('User', raw!);
  const item = engine.recommend({ user, k: 1 }).items[0];
  if (!item) return { skipped: 'no recommendation to write' };
  const update: EngineUpdate = { edges: [{ userId: raw!, itemId: item.id, kinds: [{ kind, weight: 4 }] }] };
  const t0 = performance.now();
  engine.applyUpdates(update);
  const applyMs = performance.now() - t0;
  // The copies adopt the new version (engine/live hands it to them after the application).
  mirror?.();
  const t1 = performance.now();
  const next = engine.recommend({ user, k: 10 });
  const nextHybridMs = performance.now() - t1;
  const t2 = performance.now();
  if (next.items[0]) engine.evidence({ user, item: next.items[0].id });
  const nextEvidenceMs = performance.now() - t2;
  const t3 = performance.now();
  engine.recommend({ user, k: 10 });
  const thenHybridMs = performance.now() - t3;
  return { version: engine.version, applyMs: round(applyMs, 1), nextHybridMs: round(nextHybridMs, 1), nextEvidenceMs: round(nextEvidenceMs, 1), thenHybridMs: round(thenHybridMs, 1) };
}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`bench scale: ${name} must be a number ≥ 0 (got ${JSON.stringify(raw)})`);
  return n;
}

/**
 * Seconds the projection procedure takes alone: its records received and dropped, nothing decoded (the other side of
 * the read is the decoding and the CSR build; the read takes about as long as the slower of the two, or more).
 */
async function procedureOnlySeconds(db: Database): Promise<number> {
  const session = openSession(db, 'READ', { fetchSize: PROJECTION_READ_DEFAULTS.fetchSize });
  const t0 = performance.now();
  try {
    await session.executeRead(async (tx) => {
      for await (const record of tx.run(cypher('read', 'projection-procedure'), { chunkBytes: PROCEDURE_CHUNK_BYTES })) void record;
    });
  } finally {
    await session.close();
  }
  return since(t0);
}

/** Whether two CSRs hold the same nodes and the same edges in the same layout (values compared exactly). */
function sameCsr(a: Csr, b: Csr): boolean {
  const same = (x: ArrayLike<number>, y: ArrayLike<number>): boolean => {
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
    return true;
  };
  return (
    a.ids.length === b.ids.length &&
    [...a.ids].every((id, k) => id === b.ids.at(k)) &&
    a.relations.join('\n') === b.relations.join('\n') &&
    same(a.kinds, b.kinds) &&
    same(a.outStarts, b.outStarts) &&
    same(a.outTargets, b.outTargets) &&
    same(a.outWeights, b.outWeights) &&
    same(a.outRelations, b.outRelations)
  );
}

export async function main(argv: string[]): Promise<void> {
  const flag = flagsOf(argv);
  const interactions = Math.round(positiveNumber('--interactions', flag('--interactions'), 1_000_000));
  const onlineInteractions = Math.round(positiveNumber('--online', flag('--online'), 100_000));
  const seconds = positiveNumber('--seconds', flag('--seconds'), 20);
  const connections = Math.max(1, Math.round(positiveNumber('--connections', flag('--connections'), 10)));
  const inProcessUsers = Math.max(2, Math.round(positiveNumber('--in-process', flag('--in-process'), 200)));
  const rankThreads = Math.round(positiveNumber('--rank-threads', flag('--rank-threads'), 0));
  const noneRates = ratesOf('bench scale', '--none-rates', flag('--none-rates'));
  const pathsRates = ratesOf('bench scale', '--paths-rates', flag('--paths-rates'));
  const epochBudget = positiveNumber('--epoch-seconds', flag('--epoch-seconds'), 900);
  const skip = new Set((flag('--skip') ?? '').split(',').filter(Boolean));
  // The baseline pass of the project stage (doctor's scan: one more full read) can be left out of long runs.
  const baseline = !argv.includes('--no-baseline');
  for (const s of skip) if (!STAGES.includes(s as Stage)) throw new Error(`bench scale: unknown stage ${s} (stages: ${STAGES.join(', ')})`);
  if (interactions < 1000) throw new Error('bench scale: --interactions must be at least 1000');
  const keep = flag('--keep');
  const reuse = argv.includes('--reuse');
  const rereads = Math.round(positiveNumber('--reread', flag('--reread'), 0));
  const publish = argv.includes('--publish');
  // A recorded run is the whole job at one size, on a new graph: the README's scale table compares sizes stage by stage.
  const record = argv.includes('--record');
  if (record && (reuse || skip.size > 0 || rankThreads > 0 || publish)) throw new Error('bench scale: --record records the whole job on a new graph; leave out --reuse, --skip, --rank-threads and --publish');
  if (reuse && !(keep && existsSync(path.join(keep, 'neo4j', 'data', 'databases')) && existsSync(path.join(keep, 'snapshots')))) {
    throw new Error('bench scale: --reuse needs --keep DIR of an earlier run (its neo4j/ database and snapshots/)');
  }
  const work = keep ?? path.join(tmpdir(), `graphrec-bench-scale-${process.pid}`);
  mkdirSync(work, { recursive: true });

  // A brand-new data folder inside the work folder; a page cache that holds a 10M graph's store.
  const cfg: Config = keptConfig(work);
  const result: Record<string, number | null> = {
    bulkImportRelsPerSec: null,
    onlineIngestRelsPerSec: null,
    projectionEdgesPerSec: null,
    bytesPerEdge: null,
    epochSeconds: null,
    bootSeconds: null,
    rssMb: null,
    neo4jRssMb: null,
    noneP99Ms: null,
    noneRps: null,
    pathsP99Ms: null,
  };
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const commit = currentCommit();
  out({ stage: 'start', interactions, startedAt, commit, work, reuse, neo4jPort: cfg.neo4j.localPort, pageCacheMb: cfg.neo4j.localPageCacheMb, loadAverage1m: load1(), uptimeLoad: loadavg().map((x) => round(x, 2)) });
  try {
    if (reuse) {
      const db = await openDatabase(cfg);
      try {
        await afterBulk(db);
      } finally {
        await db.close();
      }
      out({ interactions, ...result, seconds: round(since(started), 1), loadAverage1m: load1(), reused: work });
      return;
    }
    // 1. generate
    const dataDir = path.join(work, 'data');
    if (!existsSync(path.join(dataDir, 'interactions.csv')) || !keep) {
      const t0 = performance.now();
      const g = generateDataset({ out: dataDir, users: Math.max(1, Math.round(interactions / 25)), items: Math.max(500, Math.round(interactions / 125)), interactions, seed: 42 });
      out({ stage: 'generate', users: g.users, items: g.items, entities: g.entities, interactions: g.interactions, knowledge: g.knowledge, seconds: round(since(t0)), ...processMemory(), loadAverage1m: load1() });
    } else out({ stage: 'generate', reused: dataDir, loadAverage1m: load1() });

    // 2. bulk, then every later stage inside `inspect` (the database stays up until it returns)
    if (skip.has('bulk')) throw new Error('bench scale: the bulk stage cannot be skipped (every later stage reads its database)');
    rmSync(cfg.neo4j.localDataDir, { recursive: true, force: true });
    const report = await ingestDataset(cfg, resolveDataset(`generic:${dataDir}`), {
      mode: 'auto',
      inspect: (db) => afterBulk(db),
    });
    if (report.mode !== 'bulk') throw new Error(`bench scale: expected the bulk path on an empty local database, got ${report.mode} (${report.modeReason})`);

    async function afterBulk(db: Database): Promise<void> {
      const counts = await new Neo4jGraphStore(db.driver, db.database).counts();
      out({ stage: 'bulk: counts', counts });
      // The ingest report is returned only after inspect; the bulk line is emitted below from it.
      const neo4jPid = db.local?.pid;

      // 3. project
      const snapshotDir = path.join(work, 'snapshots');
      if (!reuse) rmSync(snapshotDir, { recursive: true, force: true });
      let csr: Csr | undefined;
      if (!skip.has('project') && !reuse) {
        global.gc?.();
        const rss0 = process.memoryUsage().rss;
        const t0 = performance.now();
        const projection = await projectDatabase(db, { snapshotDir, interactions: cfg.interactions, bounds: cfg.bounds, weights: cfg.weights });
        const total = since(t0);
        csr = projection.csr;
        const memory = csrMemory(csr);
        const read = projection.timings.neo4jRead ?? total;
        const cold = projection.timings.fingerprint + read;
        // Baseline in the same process: the same read through Cypher pages (any Neo4j's path), fingerprint apart.
        let cypherRead: Record<string, unknown> | string = 'left out (--no-baseline)';
        if (baseline) {
          const t1 = performance.now();
          const before = await projectionFingerprint(db, 'cypher');
          const fingerprintSeconds = since(t1);
          const t2 = performance.now();
          const other = await readProjectionSnapshot(db, { via: 'cypher', before, interactions: cfg.interactions, bounds: cfg.bounds, weights: cfg.weights });
          const readSeconds = since(t2);
          cypherRead = {
            fingerprintSeconds: round(fingerprintSeconds),
            readSeconds: round(readSeconds),
            edgesPerSecond: Math.round(other.csr.edgeCount / readSeconds),
            coldEdgesPerSecond: Math.round(other.csr.edgeCount / (fingerprintSeconds + readSeconds)),
            readRatio: round(readSeconds / read, 2),
            coldRatio: round((fingerprintSeconds + readSeconds) / cold, 2),
            identical: sameCsr(csr, other.csr),
          };
        }
        result.projectionEdgesPerSec = Math.round(csr.edgeCount / read);
        result.bytesPerEdge = round(memory.bytesPerEntry, 2);
        out({
          stage: 'project',
          nodes: csr.nodeCount,
          edges: csr.edgeCount,
          fingerprintSeconds: round(projection.timings.fingerprint),
          readSeconds: round(read),
          snapshotWriteSeconds: round(projection.timings.snapshotWrite ?? 0),
          totalSeconds: round(total),
          edgesPerSecond: result.projectionEdgesPerSec,
          coldEdgesPerSecond: Math.round(csr.edgeCount / cold),
          baselineCypherRead: cypherRead,
          typedBytes: memory.typedBytes,
          entries: memory.entries,
          bytesPerEntry: result.bytesPerEdge,
          rssGrowthMb: mb(process.memoryUsage().rss - rss0),
          ...processMemory(),
          target: { edgesPerSecond: SCALE_TARGETS.projectionEdgesPerSec, bytesPerEntry: SCALE_TARGETS.bytesPerEdge },
          loadAverage1m: load1(),
        });
      } else if (reuse && rereads > 0 && !skip.has('project')) {
        // --reread N: the kept database read again N times as the project stage reads it (graphrec's procedure), with
        // its fingerprint and the procedure alone first; nothing is written. `projectionEdgesPerSec` is the first read's.
        const t0 = performance.now();
        const before = await projectionFingerprint(db, 'procedure');
        const fingerprintSeconds = since(t0);
        const procedureSeconds = await procedureOnlySeconds(db);
        const reads: Array<{ readSeconds: number; edgesPerSecond: number }> = [];
        for (let r = 0; r < rereads; r++) {
          global.gc?.();
          const t1 = performance.now();
          const again = await readProjectionSnapshot(db, { via: 'procedure', before, interactions: cfg.interactions, bounds: cfg.bounds, weights: cfg.weights });
          const readSeconds = since(t1);
          reads.push({ readSeconds: round(readSeconds), edgesPerSecond: Math.round(again.csr.edgeCount / readSeconds) });
          result.bytesPerEdge = round(csrMemory(again.csr).bytesPerEntry, 2);
        }
        result.projectionEdgesPerSec = reads[0]!.edgesPerSecond;
        out({ stage: 'project: reread', fingerprintSeconds: round(fingerprintSeconds), procedureOnlySeconds: round(procedureSeconds), reads, ...processMemory(), target: { edgesPerSecond: SCALE_TARGETS.projectionEdgesPerSec }, loadAverage1m: load1() });
      } else out({ stage: 'project', skipped: true, ...(reuse ? { reason: '--reuse: the boot reads the kept snapshot (--reread N reads the database again)' } : {}) });

      // 4. epoch
      let trained: TrainedEmbeddings | undefined;
      if (!csr && reuse && !skip.has('epoch') && epochBudget > 0) {
        // --reuse has no projection in memory: the epoch trains on the kept snapshot's (read as a boot reads it).
        const t0 = performance.now();
        const projection = await projectDatabase(db, { snapshotDir, interactions: cfg.interactions, bounds: cfg.bounds, weights: cfg.weights });
        csr = projection.csr;
        out({ stage: 'epoch: projection', fromSnapshot: projection.fromSnapshot, seconds: round(since(t0), 1), loadAverage1m: load1() });
      }
      if (csr && !skip.has('epoch') && epochBudget > 0) {
        const { data, userKeys, itemKeys } = interactionsFromCsr(csr);
        const t0 = performance.now();
        // The model the CPU kernels train: the whole graph, or (past their 4 GiB of WebAssembly memory) a user sample
        // with the other users folded in (compute/lightgcn/sampled). A model that cannot be built is reported and the
        // later stages go on without embeddings, as `npm start` serves when training fails.
        const r = await fitLightGcn(data, { epochs: 1, maxSeconds: epochBudget, lrSchedule: 'constant' }, {}, { path: 'cpu' }).catch((error: unknown) => {
          out({ stage: 'epoch', error: (error as Error).message, interactions: data.users.length, users: data.nUsers, items: data.nItems, seconds: round(since(t0), 1), ...processMemory(), loadAverage1m: load1() });
          return undefined;
        });
        if (r) {
          const s = since(t0);
          const cut = r.history.length === 0;
          result.epochSeconds = round(r.history[0]?.seconds ?? s, 1);
          trained = { dir: '(bench, not saved)', dim: r.options.embeddingSize, userKeys, itemKeys, users: r.model.userEmbeddings(), items: r.model.itemEmbeddings(), backend: r.backend, seconds: s, epochs: r.epochs };
          out({
            stage: 'epoch',
            interactions: data.users.length,
            users: data.nUsers,
            items: data.nItems,
            sample: r.sample ?? null,
            batchSize: r.options.batchSize,
            threads: r.options.threads,
            backend: r.backend,
            epochSeconds: result.epochSeconds,
            secondsWithSetup: round(s, 1),
            complete: !cut,
            ...processMemory(),
            loadAverage1m: load1(),
          });
          await r.model.close();
        }
      } else out({ stage: 'epoch', skipped: true, reason: epochBudget === 0 ? '--epoch-seconds 0' : 'no projection' });

      // 5. boot from the snapshot
      let engine: Engine | undefined;
      let replicas: EngineReplicas | undefined;
      let interactionKind = 'rating';
      // The user and item keys of the boot's projection, for the publish stage (--publish).
      let publishKeys: { userKeys: string[]; itemKeys: string[] } | undefined;
      if ((csr || reuse) && !skip.has('boot')) {
        csr = undefined; // the boot reads its own copy from the snapshot
        global.gc?.();
        const t0 = performance.now();
        // Released at the end of this block: a live write in the serve stage replaces its CSR, and holding it would
        // count the boot's arrays in the memory measured after the write.
        let state: ServingState | undefined = await loadServingState(db, cfg, { snapshotDir });
        interactionKind = state.interactionKind.kind;
        if (publish) {
          const { userKeys, itemKeys } = projectionNodeKeys(state.csr);
          publishKeys = { userKeys, itemKeys };
        }
        const tState = since(t0);
        engine = engineFrom(state, cfg, trained, { llm: false });
        const tEngine = since(t0);
        const warmSeconds = engine.warm();
        result.bootSeconds = round(since(t0), 2);
        // The copies build from the same state in their threads (not counted in the boot: serving starts without them).
        const rssBeforeCopies = process.memoryUsage.rss();
        const tCopies = performance.now();
        if (rankThreads > 0) replicas = EngineReplicas.start(engine, state, cfg, { threads: rankThreads }, trained);
        out({ stage: 'boot', fromSnapshot: state.fromSnapshot, currency: state.currency, stateSeconds: round(tState, 2), stateTimings: roundAll(state.timings), engineSeconds: round(tEngine - tState, 2), warmSeconds: round(warmSeconds, 2), bootSeconds: result.bootSeconds, embeddings: Boolean(trained), ...processMemory(), target: { bootSeconds: SCALE_TARGETS.bootSeconds }, loadAverage1m: load1() });
        if (!state.fromSnapshot) {
          if (!reuse) throw new Error('bench scale: the boot did not reuse the snapshot written by the project stage');
          // A kept database written since its snapshot (the online stage, `bench freshness --keep`): this boot read it
          // again and wrote a new snapshot, which the next --reuse boots from. Not a boot from a snapshot, so not the key.
          result.bootSeconds = null;
          out({ stage: 'boot', note: 'the kept database changed since its snapshot: this boot read the graph again and wrote a new snapshot (bootSeconds null; the next --reuse run boots from it)' });
        }
        if (replicas) {
          // What the copies cost: the time until every copy ranks, and this process's resident set before they started
          // and once they are built (nothing else runs meanwhile; the copies' threads are in this process).
          await replicas.caughtUp();
          out({ stage: 'boot: copies', rankThreads, ready: replicas.stats.ready, sharedMb: replicas.stats.sharedMb, readySeconds: round(since(tCopies), 2), rssBeforeMb: mb(rssBeforeCopies), ...processMemory(), copiesRssMb: mb(process.memoryUsage.rss() - rssBeforeCopies), loadAverage1m: load1() });
        }
        // A large catalogue's IVF index (retrieve/ann) builds in a worker after the boot; serving is measured on it.
        const vectors = engine.context.embeddings;
        if (vectors) {
          const t1 = performance.now();
          await annReady(vectors, engine.context.options.embeddingMetric);
          out({ stage: 'boot: embedding search', items: vectors.itemKeys.length, embeddingSearch: engine.strategies.embeddingSearch, readyAfterBootSeconds: round(since(t1), 2), loadAverage1m: load1() });
        }
        state = undefined;
      } else out({ stage: 'boot', skipped: true });

      // 6. serve
      if (engine && !skip.has('serve')) {
        const live = engine;
        const store = new Neo4jGraphStore(db.driver, db.database, cfg.bounds);
        const copies = replicas;
        let ranking: 'local' | 'replicas' = 'local';
        const rank = (e: Engine, request: RecommendRequest, evidenceFor?: EvidenceFor) => (copies && ranking === 'replicas' ? copies.rank(e, request, evidenceFor) : rankLocally(e, request, evidenceFor));
        const app = createApp({ store, cfg, routes: recommendRoutes({ store, cfg, engine: () => live, rank }) });
        const server = app.listen(0, '127.0.0.1');
        await new Promise((r) => server.once('listening', r));
        const port = (server.address() as AddressInfo).port;
        try {
          // The requests' paths, made before the write below (the graph they name is not kept: the write replaces it).
          const pathsOf = { warm: requestPaths(live.context.csr, 'none', 2000), none: requestPaths(live.context.csr, 'none'), paths: requestPaths(live.context.csr, 'paths') };
          out({ stage: 'serve: in-process', ...inProcessCost(live, inProcessUsers), loadAverage1m: load1() });
          out({ stage: 'serve: after a write', ...afterWriteCost(live, interactionKind, copies ? () => copies.adopt() : undefined), loadAverage1m: load1() });
          await drive(port, pathsOf.warm, { seconds: 3, connections }); // warm-up
          // With copies: each explain mode on the serving thread alone (the baseline), then with the copies.
          const serveRun = async (explain: 'none' | 'paths', threads: number) => {
            ranking = threads > 0 ? 'replicas' : 'local';
            const before = copies?.stats;
            const run = await drive(port, pathsOf[explain], { seconds, connections });
            const rankedBy = copies && threads > 0 ? { byReplica: copies.stats.byReplica - before!.byReplica, local: copies.stats.local - before!.local } : undefined;
            out({ stage: 'serve', explain, ...(copies ? { rankThreads: threads } : {}), ...run, ...(rankedBy ? { rankedBy } : {}), target: SERVE_TARGETS[explain], loadAverage1m: load1() });
            return run;
          };
          const ratio = (explain: string, run: LoadResult, baseline: LoadResult) =>
            out({ stage: 'serve: ratio', explain, rankThreads, requestsPerSecond: round(run.requestsPerSecond / baseline.requestsPerSecond, 2), p50: round(run.p50Ms / baseline.p50Ms, 2), p99: round(run.p99Ms / baseline.p99Ms, 2) });
          if (copies) {
            // Every run, the baselines included, starts once the copies are built: a copy still building would take
            // the other core from a baseline (at 50M a copy builds for longer than the stages before this one).
            const t1 = performance.now();
            await copies.caughtUp();
            const { threads: started, notStarted, ready } = copies.stats;
            out({ stage: 'serve: copies ready', rankThreads, started, notStarted, ready, waitedSeconds: round(since(t1), 2), ...processMemory(), loadAverage1m: load1() });
          }
          let none = await serveRun('none', 0);
          let paths: LoadResult;
          if (copies) {
            ranking = 'replicas';
            await drive(port, pathsOf.warm, { seconds: 3, connections }); // warm-up of the copies
            const baseline = none;
            none = await serveRun('none', rankThreads);
            ratio('none', none, baseline);
            const pathsBaseline = await serveRun('paths', 0);
            paths = await serveRun('paths', rankThreads);
            ratio('paths', paths, pathsBaseline);
          } else paths = await serveRun('paths', 0);
          result.noneP99Ms = none.p99Ms;
          result.noneRps = none.requestsPerSecond;
          result.pathsP99Ms = paths.p99Ms;
          // Latency at offered rates (open loop), with the copies when there are any.
          for (const [explain, rates] of [['none', noneRates], ['paths', pathsRates]] as const) {
            for (const rate of rates) {
              ranking = copies ? 'replicas' : 'local';
              const run = await drive(port, pathsOf[explain], { seconds, connections, rate });
              out({ stage: 'serve: open loop', explain, ...(copies ? { rankThreads } : {}), ...run, target: SERVE_TARGETS[explain], loadAverage1m: load1() });
            }
          }
        } finally {
          await new Promise((r) => server.close(r));
        }
        global.gc?.();
        result.rssMb = mb(process.memoryUsage().rss);
        result.neo4jRssMb = memOfPid(neo4jPid) ?? null;
        const heap = process.memoryUsage();
        out({ stage: 'rss', rssMb: result.rssMb, heapUsedMb: mb(heap.heapUsed), arrayBuffersMb: mb(heap.arrayBuffers), peakRssMb: memOfPid('self', 'VmHWM'), neo4jRssMb: result.neo4jRssMb, neo4jPeakRssMb: memOfPid(neo4jPid, 'VmHWM'), loadAverage1m: load1() });
        await copies?.close();
        await live.close();
      } else {
        out({ stage: 'serve', skipped: true });
        // The copies' threads would keep this process alive after its last line.
        await replicas?.close();
      }
      engine = undefined;

      // 6b. publish (--publish): the vectors written into Neo4j as `npm start` writes them after training, then the
      // serving state read again as the next boot reads it (the engine above is released first).
      if (publish && publishKeys) {
        global.gc?.();
        const dim = trained?.dim ?? 64;
        const vectors = trained ?? randomVectors(publishKeys, dim);
        const tx0 = await lastCommittedTxId(db);
        const v0 = await storeVersion(db);
        const t0 = performance.now();
        await publishEmbeddings(db, { ...vectors, dir: 'bench-publish', backend: 'bench', seconds: 0, epochs: 0 });
        const publishSeconds = since(t0);
        const v1 = await storeVersion(db);
        out({
          stage: 'publish',
          vectors: trained ? 'the epoch\'s' : 'random (no epoch)',
          users: vectors.userKeys.length,
          items: vectors.itemKeys.length,
          dim,
          seconds: round(publishSeconds, 1),
          vectorsPerSecond: Math.round((vectors.userKeys.length + vectors.itemKeys.length) / publishSeconds),
          lastCommittedTxId: { before: tx0, after: await lastCommittedTxId(db) },
          storeVersionUnchanged: v0 !== null && v0 === v1,
          loadAverage1m: load1(),
        });
        const t1 = performance.now();
        const again = await loadServingState(db, cfg, { snapshotDir });
        out({ stage: 'publish: serving state read after it', fromSnapshot: again.fromSnapshot, currency: again.currency, stateSeconds: round(since(t1), 2), stateTimings: roundAll(again.timings), loadAverage1m: load1() });
      } else if (publish) out({ stage: 'publish', skipped: true, reason: 'no boot' });

      // 7. online into the non-empty database
      if (!skip.has('online') && onlineInteractions > 0) {
        const extra = path.join(work, 'online');
        generateDataset({ out: extra, users: Math.max(1, Math.round(onlineInteractions / 25)), items: Math.max(500, Math.round(onlineInteractions / 125)), interactions: onlineInteractions, seed: 7 });
        const r = await loadDataset(db, readGeneric(extra, { idPrefix: `online${Date.now()}:` }), { batchSize: cfg.ingest.batchSize, bounds: cfg.bounds });
        result.onlineIngestRelsPerSec = Math.round(r.relationshipsPerSecond);
        out({ stage: 'online', written: r.written, rejectedRows: r.rejectedRows, seconds: round(r.seconds), relationshipsPerSecond: result.onlineIngestRelsPerSec, target: { relationshipsPerSecond: SCALE_TARGETS.onlineIngestRelsPerSec }, loadAverage1m: load1() });
      } else out({ stage: 'online', skipped: true });
    }

    const b = report.bulk!;
    result.bulkImportRelsPerSec = Math.round(report.relationshipsPerSecond);
    out({
      stage: 'bulk',
      relationships: report.written.interactions + report.written.knowledge,
      seconds: round(b.convertSeconds + b.importSeconds + b.schemaSeconds),
      convertSeconds: round(b.convertSeconds),
      importSeconds: round(b.importSeconds),
      schemaSeconds: round(b.schemaSeconds),
      importRelationshipsPerSecond: Math.round(b.importRelationshipsPerSecond),
      relationshipsPerSecond: result.bulkImportRelsPerSec,
      target: { relationshipsPerSecond: SCALE_TARGETS.bulkImportRelsPerSec },
      note: 'emitted after the later stages: the ingest report is returned when the database closes',
    });
    out({ interactions, ...result, seconds: round(since(started), 1), loadAverage1m: load1(), targets: SCALE_TARGETS });
    if (record) {
      recordScaleRun({ interactions, startedAt, commit, command: commandOf(argv), machine: machineDescription(), provenance: 'written by bench scale --record', lines: printed });
      process.stderr.write(`bench scale: recorded in docs/results/scale.json and the README's scale table\n`);
    }
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}
