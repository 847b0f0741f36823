/**
 * `npm run bench -- freshness [seconds] [--rate 1000] [--batch 20] [--reads 50] [--per-write] [--keep DIR]
 * [--compare share|slices|copies [--reverse]] [--rank-threads T]`: live updates under load, on the bench Neo4j with ML-100K + DBpedia (loaded first when absent), or with
 * `--keep DIR` on the graph a `npm run bench -- scale -- --keep DIR` run left (its database and snapshot; the events
 * are ratings, the generated graph's one kind, and they stay in that database). In one process: the API (write and recommendation
 * routes, the store wrapped by engine/live as `graphrec serve` does) on loopback; a writer that POSTs `rate`
 * interactions per second to `/v1/interactions` (`batch` events per request: clicks and ratings of random users on
 * items they have not seen); a reader that GETs `strategy=ppr` recommendations of random users at `reads` per second
 * (open loop: a slow answer does not slow the schedule). Reads and writes are timed from when they were due, not from
 * when the client got to send them: the client shares the server's event loop, so a request due while an application
 * held that loop is sent late, and a separate client would have waited for the loop all that time (timing from the
 * send left that wait out, "coordinated omission": the read p99 before 2026-12-07 07:00 UTC understated it).
 *
 * Freshness of a write = time from its 2xx until the engine that serves recommendations holds its edge (checked
 * every millisecond on the event loop; a recommendation computed from that context leaves the item out as seen).
 *
 * Two phases side by side, each `seconds` long (default 60), both coalescing writes (`interactions.coalesceMs` from
 * the config, default 50 ms): `rebuild` (the baseline: each batch rebuilds the whole retrieval context — transition,
 * popularity, fold-in — engine `contextUpdates: 'rebuild'`, the behaviour before the patch) and `patched` (the
 * default: each batch patches the rows of the users and items it touched, retrieve/context `patchRecommendContext`).
 * `--patched-only` runs the default phase alone (for profiling). `--compare share` runs two other phases instead, both
 * patched and each application in one piece (`applySliceMs` 0): `unbounded` (`maxApplyShare` 1: each batch applied
 * as soon as the coalescing wait ends, the behaviour before engine/live bounded it) and `bounded` (the config's
 * `interactions.maxApplyShare`). `--compare slices` runs `whole` (the bound, applications in one piece) and `sliced`
 * (the bound, applications in slices of the config's `interactions.applySliceMs`: the default). Every line has
 * `busyShare` (time the event loop spent applying per wall second; for slices, the slices) and `readsPerSecond`
 * (reads answered per wall second). `--compare copies` runs `alone` (the defaults) and `copies` (the defaults and
 * `--rank-threads T`, default 1, copies of the engine ranking in worker threads, engine/replicas, which apply the same
 * writes; `recommendP50Ms`/`recommendP99Ms` then time the serving engine's own rankings only, and `rankedBy` says how
 * many each answered). `--reverse` runs the two compared phases in the other order. `--per-write` adds a third phase first, `perWrite` (`coalesceMs: 0`, patched). The engine derives written edge
 * weights with the projection's transforms (config `weights`), as `graphrec serve` does. Prints JSON lines; the last
 * holds the patched phase's `readP50Ms`, `readP99Ms`, `freshnessP50Ms`, `freshnessP99Ms`, the rebuild phase's and
 * their ratios, plus `recommendP50Ms`/`recommendP99Ms` (time inside `recommend`, no HTTP, no queueing),
 * `applyP50Ms`/`applyP99Ms` (time to apply one batch to the engine, on the event loop), `loopDelayP99Ms` (how late the
 * event loop ran a timer: what any request may wait), GC pauses (count, p99, total, and by kind in `gcByKind`) and `processCpuShare` (CPU
 * seconds of this process per wall second: how much of the machine it got). Targets (issue 10.4, 2-core machine):
 * read p99 ≤ 25 ms, freshness p99 ≤ 200 ms.
 */
import http from 'node:http';
import path from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app.ts';
import { recommendRoutes } from '../../src/api/routes/recommend.ts';
import { Engine } from '../../src/engine/engine.ts';
import { LiveUpdates, withEngineUpdates } from '../../src/engine/live.ts';
import { EngineReplicas } from '../../src/engine/replicas.ts';
import { findEdge, INTERACTION_RELATION_ID } from '../../src/project/csr.ts';
import { readLabels, readProjectionSnapshot } from '../../src/project/load.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { openDatabase } from '../../src/store/open.ts';
import { keptConfig } from './_kept.ts';
import { benchConfig, emit, ensureMl100kDbpedia, ml100kDbpediaSpec, openBenchDatabase } from './_neo4j.ts';
import { createRng } from '../../src/compute/rng.ts';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function request(agent: http.Agent, port: number, method: 'GET' | 'POST', urlPath: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, agent, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

function option(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
}

const round = (x: number) => Number(x.toFixed(2));

export async function main(argv: string[]): Promise<void> {
  const seconds = argv[0] && !argv[0].startsWith('--') ? Number(argv[0]) : 60;
  const rate = option(argv, 'rate', 1000);
  const batch = option(argv, 'batch', 20);
  const readRate = option(argv, 'reads', 50);
  const at = argv.indexOf('--keep');
  const keep = at >= 0 ? argv[at + 1] : undefined;
  const compare = argv.includes('--compare') ? argv[argv.indexOf('--compare') + 1] : undefined;
  if (compare !== undefined && compare !== 'share' && compare !== 'slices' && compare !== 'copies') throw new Error(`bench freshness: --compare takes share, slices or copies (got ${JSON.stringify(compare)})`);
  const rankThreads = option(argv, 'rank-threads', 1);
  const spec = keep ? undefined : ml100kDbpediaSpec();
  if (!keep && !spec) return;
  const cfg = keep ? keptConfig(keep) : benchConfig();
  const db = keep ? await openDatabase(cfg) : await openBenchDatabase();
  try {
    if (spec) await ensureMl100kDbpedia(db, spec);
    const snapshotDir = keep ? path.join(keep, 'snapshots') : '';
    const { csr, values } = await readProjectionSnapshot(db, { snapshotDir, interactions: cfg.interactions, weights: cfg.weights });
    const labels = await readLabels(db);
    const users: number[] = [];
    const items: number[] = [];
    for (let v = 0; v < csr.nodeCount; v++) (csr.kinds[v] === 0 ? users : csr.kinds[v] === 1 ? items : []).push(v);
    emit({ step: 'projection', nodes: csr.nodeCount, edges: csr.edgeCount, seconds, rate, batch, readRate, load: (await import('node:os')).loadavg().map(round) });
    const rng = createRng(20261204);
    const random = () => rng.float();
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const idOf = (v: number) => csr.ids.at(v)!.slice(csr.ids.at(v)!.indexOf(':') + 1);
    let eventNo = 0;

    const phase = async (name: string, coalesceMs: number, contextUpdates: 'patch' | 'rebuild', maxApplyShare = 1, sliceMs = 0, threads = 0) => {
      const engine = new Engine({ csr, values, labels, interactions: cfg.interactions, weights: cfg.weights, sharedVersions: cfg.interactions.sharedVersions, contextUpdates });
      // Copies built from the same state (the engine's settings come from the same config), current before the phase.
      const replicas = threads > 0 ? EngineReplicas.start(engine, { csr, values, labels, itemProps: new Map(), interactionKind: { kind: 'rating', rated: true } }, cfg, { threads }) : undefined;
      await replicas?.caughtUp();
      const live = new LiveUpdates({ coalesceMs, maxApplyShare, sliceMs });
      live.attach(engine, replicas ? () => replicas.adopt() : undefined);
      const store = withEngineUpdates(new Neo4jGraphStore(db.driver, db.database), live);
      const routes = recommendRoutes({ store, cfg, engine: () => engine, ...(replicas ? { rank: (e, request, evidenceFor) => replicas.rank(e, request, evidenceFor) } : {}) });
      const app = createApp({ store, cfg, routes });
      const server = app.listen(0, '127.0.0.1');
      // Idle keep-alive sockets stay open through a phase: with the event loop blocked by an application (seconds on a
      // large graph), a socket the server closes after its default 5 s could be reused by the client meanwhile
      // (ECONNRESET), which measures the harness, not the engine.
      server.keepAliveTimeout = 600_000;
      await new Promise((r) => server.once('listening', r));
      const port = (server.address() as AddressInfo).port;
      // Two clients, as in a deployment: the writer's connections and the readers' are separate pools, so a read never
      // waits in the bench's own socket queue behind writes (it may still wait for the server).
      const writeAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
      const readAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
      const readTimes: number[] = [];
      // The same reads timed from their send (what this bench reported before): beside readTimes, the wait it leaves out.
      const readFromSend: number[] = [];
      const writeTimes: number[] = [];
      const freshness: number[] = [];
      const applyTimes: number[] = [];
      let writeErrors = 0;
      let readErrors = 0;
      let written = 0;
      const pendingProbes = new Set<{ u: number; i: number; t0: number }>();
      const serviceTimes: number[] = [];
      const origRecommend = engine.recommend.bind(engine);
      engine.recommend = (request) => {
        const t = performance.now();
        const out = origRecommend(request);
        serviceTimes.push(performance.now() - t);
        return out;
      };
      const origApply = engine.applyUpdates.bind(engine);
      engine.applyUpdates = (update) => {
        const t = performance.now();
        origApply(update);
        applyTimes.push(performance.now() - t);
      };
      // In slices: the time it held the event loop (its slices), not its wall time.
      const origSliced = engine.applyUpdatesInSlices.bind(engine);
      engine.applyUpdatesInSlices = async (update, ms) => {
        const busy = await origSliced(update, ms);
        applyTimes.push(busy);
        return busy;
      };
      const probe = setInterval(() => {
        const served = engine.context.csr;
        const now = performance.now();
        for (const p of pendingProbes) {
          const u = served.index.get(csr.ids.at(p.u)!)!;
          const i = served.index.get(csr.ids.at(p.i)!)!;
          if (findEdge(served, u, i, INTERACTION_RELATION_ID) >= 0) {
            freshness.push(now - p.t0);
            pendingProbes.delete(p);
          }
        }
      }, 1);
      for (let k = 0; k < 50; k++) await request(readAgent, port, 'GET', `/v1/users/${encodeURIComponent(idOf(pick(users)))}/recommendations?k=10&strategy=ppr`);
      const loopDelay = monitorEventLoopDelay({ resolution: 2 });
      const gcPauses: number[] = [];
      // Per kind of collection (perf_hooks `detail.kind`: minor = scavenge, major = mark-compact, incremental marking
      // steps, weak callbacks): count and total milliseconds.
      const gcByKind: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
      const gcKindNames: Record<number, string> = {
        [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
        [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
        [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
        [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
      };
      const gcObserver = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          gcPauses.push(entry.duration);
          const kind = gcKindNames[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
          const k = (gcByKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
          k.count++;
          k.totalMs += entry.duration;
          k.maxMs = Math.max(k.maxMs, entry.duration);
        }
      });
      gcObserver.observe({ entryTypes: ['gc'] });
      loopDelay.enable();
      const cpuStart = process.cpuUsage();
      const started = performance.now();
      const end = started + seconds * 1000;
      const inFlight: Promise<unknown>[] = [];
      const writer = (async () => {
        const interval = (1000 * batch) / rate;
        for (let n = 0; started + n * interval < end; n++) {
          const due = started + n * interval;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const events = [];
          let probeEdge: { u: number; i: number } | undefined;
          for (let j = 0; j < batch; j++) {
            const u = pick(users);
            let i = pick(items);
            while (findEdge(csr, u, i) >= 0) i = pick(items);
            probeEdge ??= { u, i };
            const rating = keep !== undefined || random() < 0.5;
            events.push({ eventId: `fresh-${Date.now()}-${eventNo++}`, userId: idOf(u), itemId: idOf(i), kind: rating ? 'rating' : 'click', ...(rating ? { rating: 1 + Math.floor(random() * 5) } : {}), ts: Math.floor(Date.now() / 1000) });
          }
          const body = JSON.stringify({ events });
          inFlight.push(
            request(writeAgent, port, 'POST', '/v1/interactions', body).then(
              (status) => {
                writeTimes.push(performance.now() - due);
                if (status !== 200) writeErrors++;
                else {
                  written += events.length;
                  pendingProbes.add({ ...probeEdge!, t0: performance.now() });
                }
              },
              () => void writeErrors++,
            ),
          );
        }
      })();
      const reader = (async () => {
        const interval = 1000 / readRate;
        for (let n = 0; started + n * interval < end; n++) {
          const due = started + n * interval;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const sent = performance.now();
          inFlight.push(
            request(readAgent, port, 'GET', `/v1/users/${encodeURIComponent(idOf(pick(users)))}/recommendations?k=10&strategy=ppr`).then(
              (status) => {
                const now = performance.now();
                readTimes.push(now - due);
                readFromSend.push(now - sent);
                if (status !== 200) readErrors++;
              },
              () => void readErrors++,
            ),
          );
        }
      })();
      await Promise.all([writer, reader]);
      await Promise.all(inFlight);
      const drainUntil = performance.now() + 5000;
      while (pendingProbes.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
      const wallS = (performance.now() - started) / 1000;
      clearInterval(probe);
      loopDelay.disable();
      gcObserver.disconnect();
      gcPauses.sort((a, b) => a - b);
      writeAgent.destroy();
      readAgent.destroy();
      await new Promise((r) => server.close(r));
      live.detach();
      readTimes.sort((a, b) => a - b);
      readFromSend.sort((a, b) => a - b);
      writeTimes.sort((a, b) => a - b);
      freshness.sort((a, b) => a - b);
      applyTimes.sort((a, b) => a - b);
      serviceTimes.sort((a, b) => a - b);
      const cpu = process.cpuUsage(cpuStart);
      const result = {
        phase: name,
        coalesceMs,
        contextUpdates,
        maxApplyShare,
        sliceMs,
        interactionsPerSecond: round(written / wallS),
        writeErrors,
        readErrors,
        reads: readTimes.length,
        readsPerSecond: round(readTimes.length / wallS),
        readP50Ms: round(percentile(readTimes, 50)),
        readP99Ms: round(percentile(readTimes, 99)),
        readFromSendP99Ms: round(percentile(readFromSend, 99)),
        writeP50Ms: round(percentile(writeTimes, 50)),
        writeP99Ms: round(percentile(writeTimes, 99)),
        recommendP50Ms: round(percentile(serviceTimes, 50)),
        recommendP99Ms: round(percentile(serviceTimes, 99)),
        loopDelayP99Ms: round(loopDelay.percentile(99) / 1e6),
        loopDelayMaxMs: round(loopDelay.max / 1e6),
        gcPauses: gcPauses.length,
        gcP99Ms: round(percentile(gcPauses, 99)),
        gcTotalMs: round(gcPauses.reduce((a, b) => a + b, 0)),
        gcByKind: Object.fromEntries(Object.entries(gcByKind).map(([kind, k]) => [kind, { count: k.count, totalMs: round(k.totalMs), maxMs: round(k.maxMs) }])),
        heapUsedMb: round(process.memoryUsage().heapUsed / 2 ** 20),
        processCpuShare: round((cpu.user + cpu.system) / 1e6 / wallS),
        freshnessP50Ms: round(percentile(freshness, 50)),
        freshnessP99Ms: round(percentile(freshness, 99)),
        unseenWrites: pendingProbes.size,
        applies: applyTimes.length,
        applyP50Ms: round(percentile(applyTimes, 50)),
        applyP99Ms: round(percentile(applyTimes, 99)),
        busyShare: round(applyTimes.reduce((a, b) => a + b, 0) / 1000 / wallS),
        ...(replicas ? { rankThreads: threads, rankedBy: replicas.stats } : {}),
      };
      await replicas?.close();
      emit(result);
      return result;
    };

    const dataset = keep ? `kept graph ${keep} (${csr.nodeCount} nodes, ${csr.edgeCount} edges)` : 'ml-100k + dbpedia';
    type Result = Awaited<ReturnType<typeof phase>>;
    // baseline / candidate: > 1 means the candidate is that many times better (for freshness: worse).
    const ratiosOf = (base: Result, cand: Result) => ({
      readP50: round(base.readP50Ms / cand.readP50Ms),
      readP99: round(base.readP99Ms / cand.readP99Ms),
      loopDelayP99: round(base.loopDelayP99Ms / cand.loopDelayP99Ms),
      readsPerSecond: round(cand.readsPerSecond / base.readsPerSecond),
      busyShare: round(base.busyShare / cand.busyShare),
      freshnessP99: round(base.freshnessP99Ms / cand.freshnessP99Ms),
      applyP50: round(base.applyP50Ms / cand.applyP50Ms),
      applyP99: round(base.applyP99Ms / cand.applyP99Ms),
    });
    // A baseline phase and the default, in that order or the other with --reverse (the first phase of a run meets a
    // colder Neo4j); the last line holds the default's figures, the baseline's and their ratios.
    const compared = async (baselineName: string, baseline: () => Promise<Result>, candidate: () => Promise<Result>) => {
      const reverse = argv.includes('--reverse');
      const second = reverse ? await candidate() : undefined;
      const base = await baseline();
      const cand = second ?? (await candidate());
      emit({
        dataset,
        date: new Date().toISOString(),
        load: (await import('node:os')).loadavg().map(round),
        order: reverse ? 'default first' : 'baseline first',
        ...cand,
        [baselineName]: base,
        ratios: ratiosOf(base, cand),
      });
    };
    if (compare === 'slices') {
      return await compared(
        'whole',
        () => phase('whole', cfg.interactions.coalesceMs, 'patch', cfg.interactions.maxApplyShare, 0),
        () => phase('sliced', cfg.interactions.coalesceMs, 'patch', cfg.interactions.maxApplyShare, cfg.interactions.applySliceMs),
      );
    }
    if (compare === 'copies') {
      const defaults = [cfg.interactions.coalesceMs, 'patch', cfg.interactions.maxApplyShare, cfg.interactions.applySliceMs] as const;
      return await compared(
        'alone',
        () => phase('alone', ...defaults),
        () => phase('copies', ...defaults, rankThreads),
      );
    }
    if (compare === 'share') {
      return await compared(
        'unbounded',
        () => phase('unbounded', cfg.interactions.coalesceMs, 'patch', 1),
        () => phase('bounded', cfg.interactions.coalesceMs, 'patch', cfg.interactions.maxApplyShare),
      );
    }
    const slice = cfg.interactions.applySliceMs;
    const perWrite = argv.includes('--per-write') ? await phase('perWrite', 0, 'patch') : undefined;
    if (argv.includes('--patched-only')) {
      // For profiling (`node --cpu-prof scripts/bench.js freshness 30 --patched-only`): no baseline, no ratios.
      emit({ dataset, date: new Date().toISOString(), ...(await phase('patched', cfg.interactions.coalesceMs, 'patch', cfg.interactions.maxApplyShare, slice)) });
      return;
    }
    const rebuild = await phase('rebuild', cfg.interactions.coalesceMs, 'rebuild', cfg.interactions.maxApplyShare, slice);
    const patched = await phase('patched', cfg.interactions.coalesceMs, 'patch', cfg.interactions.maxApplyShare, slice);
    emit({
      dataset,
      date: new Date().toISOString(),
      load: (await import('node:os')).loadavg().map(round),
      ...patched,
      rebuild,
      ...(perWrite ? { perWrite } : {}),
      ratios: ratiosOf(rebuild, patched),
      target: { readP99Ms: 25, freshnessP99Ms: 200 },
    });
  } finally {
    await db.close();
  }
}
