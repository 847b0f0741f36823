/**
 * @module cli/commands/serve
 * `graphrec serve` (what `npm start` runs): starts or connects to Neo4j, applies the schema, loads the default data
 * into an empty database (or `--data <dataset>`; a load that was cancelled or killed is resumed), and serves the API.
 * It listens before the data is loaded so probes can watch: `/v1/health/ready` answers 503 until Neo4j and the data
 * are ready. It never waits for training (issue 12.4): once the projection is in memory it serves — with the stored
 * LightGCN vectors when some were trained on these interactions, else with PPR, popularity and the knowledge walk while
 * LightGCN trains in a worker thread (engine/embeddings `fitInteractionsInWorker`), the vectors swapped in when it
 * ends; the readiness detail lists the live strategies and where the vectors stand.
 * The same server answers MCP clients at `POST /v1/mcp` (src/mcp, docs/agents.md).
 *
 * Faults and shutdown (docs/operations.md):
 * - Neo4j down while serving: a store health monitor flips the process into degraded mode — recommendations keep
 *   coming from the in-memory engine, marked `"degraded": true` (and a `Graphrec-Degraded` header on every response);
 *   store reads and writes fail fast with 503 + Retry-After (a write is accepted only once Neo4j committed it); readiness
 *   is 503. When Neo4j answers again the driver reconnects and everything flips back by itself.
 * - SIGTERM/SIGINT: readiness goes 503, the listener closes (new connections are refused; a request arriving on a
 *   kept-alive connection gets 503 + `Connection: close`), an initial data load stops after its batch in flight
 *   commits, in-flight requests get `serve.drainTimeoutMs` to finish, then the engine and the driver close, the local
 *   Neo4j stops, and the process exits 0 (1 if the part before the Neo4j stop took longer than
 *   `serve.shutdownTimeoutMs`; the local Neo4j's own stop waits up to `neo4j.stopTimeoutS`).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createApp, type AppDeps } from '../../api/app.ts';
import { createApiServer } from '../../api/security/server.ts';
import { mountExplanationStream, recommendRoutes } from '../../api/routes/recommend.ts';
import { exploreRoutes } from '../../api/routes/explore.ts';
import { converseRoutes } from '../../api/routes/converse.ts';
import { mountExplorer } from '../../web/mount.ts';
import { mountMcp } from '../../mcp/http.ts';
import { startServingEngine, type ServingEngine } from '../../engine/boot.ts';
import type { Engine } from '../../engine/engine.ts';
import { LiveUpdates, withEngineUpdates } from '../../engine/live.ts';
import { rankLocally, type EngineReplicas, type EvidenceFor } from '../../engine/replicas.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { log } from '../../core/log.ts';
import { createProgress } from '../../core/progress.ts';
import { loadIfEmpty } from '../../ingest/load.ts';
import { resolveDataset } from '../../ingest/resolve.ts';
import { guardStore, pingDatabase, StoreHealth } from '../../store/health.ts';
import { openDatabase, openGraphStore } from '../../store/open.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start Neo4j (local unless NEO4J_URI), load data if empty, serve the API and explorer',
  help: `usage: graphrec serve [--port N] [--data DATASET] [--mapping FILE]

  --port N         HTTP port [PORT or 3000]
  --data DATASET   dataset to load when the database is empty (any 'graphrec ingest' spec) [GRAPHREC_DATA or demo]
  --mapping FILE   serve an existing Neo4j schema through a graph mapping (docs/graph-mapping.md); nothing is loaded
                   into that database [GRAPHREC_GRAPH_MAPPING]`,
  async run(argv) {
    const { values } = parseFlags(argv, { port: { type: 'string' }, data: { type: 'string' }, mapping: { type: 'string' } });
    const cfg = loadConfig();
    if (values.mapping !== undefined) cfg.data.mapping = values.mapping;
    cfg.api.port = numberFlag('port', values.port, cfg.api.port, { integer: true, min: 0, max: 65535 });
    const dataSpec = values.data ?? (cfg.data.path || 'demo');
    const source = resolveDataset(dataSpec, { demoSeed: cfg.data.demoSeed });

    // A signal while Neo4j starts: finish starting it (it cannot be interrupted cleanly), then stop it and exit 0.
    let earlySignal: string | undefined;
    const onEarlySignal = (signal: NodeJS.Signals) => (earlySignal = signal);
    process.on('SIGTERM', onEarlySignal).on('SIGINT', onEarlySignal);
    // supervise: a local Neo4j that dies while serving is started again (bounded backoff; docs/operations.md).
    const db = await openDatabase(cfg, { supervise: true }).finally(() => process.off('SIGTERM', onEarlySignal).off('SIGINT', onEarlySignal));
    if (earlySignal) {
      await db.close();
      log.info('stopped before serving', { reason: earlySignal });
      return;
    }
    const health = new StoreHealth(() => pingDatabase(db), { intervalMs: cfg.serve.healthIntervalMs });
    const live: { engine?: Engine; replicas?: EngineReplicas } = {};
    // Rankings go to the engine's copies in worker threads when there are some (serve.rankThreads, engine/replicas).
    const rank = (engine: Engine, request: Parameters<Engine['recommend']>[0], evidenceFor?: EvidenceFor) =>
      live.replicas ? live.replicas.rank(engine, request, evidenceFor) : rankLocally(engine, request, evidenceFor);
    const neo4jStore = openGraphStore(db, cfg.bounds, { readTimeoutMs: cfg.neo4j.readTimeoutMs });
    // Writes accepted before the engine is ready (boot) are kept and applied when it is (engine/live).
    const updates = new LiveUpdates({ coalesceMs: cfg.interactions.coalesceMs, maxApplyShare: cfg.interactions.maxApplyShare, sliceMs: cfg.interactions.applySliceMs });
    const store = guardStore(withEngineUpdates(neo4jStore, updates), health);
    const state: {
      ready: boolean;
      detail: unknown;
      /** Where rankings were answered so far, read on each readiness request (only with copies: serve.rankThreads). */
      ranking?: () => unknown;
      projection?: { skippedInvalidInteractions: number; examples: string[]; repair: string };
    } = { ready: false, detail: 'loading data' };
    const deps: AppDeps = {
      store,
      cfg,
      ready: async () => ({ ready: state.ready, detail: state.ranking ? { ...(state.detail as object), ranking: state.ranking() } : state.detail, ...(state.projection ? { projection: state.projection } : {}) }),
      routes: [...recommendRoutes({ store, cfg, engine: () => live.engine, degraded: () => health.degraded, rank }), ...exploreRoutes({ store, cfg, engine: () => live.engine }), ...converseRoutes({ store, cfg, engine: () => live.engine, degraded: () => health.degraded })],
    };
    // The MCP endpoint (POST /v1/mcp) runs the same routes as tools (src/mcp).
    const app = createApp({ ...deps, mount: (express) => (mountExplanationStream(express, () => live.engine), mountMcp(express, deps), mountExplorer(express)) });
    const http = createHttpServer(app, () => health.degraded, cfg);
    const server = http.server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(cfg.api.port, cfg.api.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await db.close();
      throw error;
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.api.port;
    log.info('api: listening', { url: `http://${cfg.api.host}:${port}`, neo4j: db.uri });
    health.start();

    const loadAbort = new AbortController();
    let loading: Promise<unknown> | undefined;
    // LightGCN training in its worker thread while serving (stopped by the shutdown's abort).
    let training: Promise<unknown> | undefined;
    let stopping: Promise<void> | undefined;
    let signalled!: () => void;
    const stopRequested = new Promise<void>((resolve) => (signalled = resolve));
    const shutdown = (reason: string): Promise<void> =>
      (stopping ??= (async () => {
        const started = performance.now();
        log.info('shutting down', { reason, inFlight: http.inFlight() });
        signalled();
        state.ready = false;
        state.detail = 'shutting down';
        http.startDraining();
        loadAbort.abort();
        const hard = setTimeout(() => {
          log.error('shutdown: not finished in time; exiting', { shutdownTimeoutMs: cfg.serve.shutdownTimeoutMs });
          process.exit(1);
        }, cfg.serve.shutdownTimeoutMs);
        hard.unref();
        await http.close(cfg.serve.drainTimeoutMs);
        health.stop();
        await loading?.catch(() => {});
        await training?.catch(() => {});
        updates.detach();
        await live.replicas?.close();
        await live.engine?.close();
        // The local Neo4j's stop has its own limit (neo4j.stopTimeoutS): its shutdown may wait minutes for index
        // merges after vector writes, and a kill would cut that short.
        clearTimeout(hard);
        await db.close();
        log.info('stopped', { reason, ms: Math.round(performance.now() - started) });
        // Whatever still holds the event loop (a training step still running, a model worker) must not keep a
        // stopped server alive.
        setTimeout(() => process.exit(), 2000).unref();
      })());
    // Persistent listeners, never `once`: node-llama-cpp pulls `signal-exit`, which re-raises a signal when it sees no
    // other listener for it — with `once` ours was gone after it ran, and the process died in the middle of the drain
    // (test/integration/faults/shutdown-local-llm.test.ts). A second signal during shutdown changes nothing.
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));

    try {
      loading = loadIfEmpty(db, () => neo4jStore.counts(), source, {
        dataset: dataSpec,
        batchSize: cfg.ingest.batchSize,
        inFlight: cfg.ingest.inFlight,
        bounds: cfg.bounds,
        progress: createProgress(process.stderr, { unit: 'rows' }),
        signal: loadAbort.signal,
      });
      await loading;
      if (!stopping) {
        // Serving starts as soon as the projection is in memory: with the stored vectors when they were trained on these
        // interactions, else with PPR, popularity and the knowledge walk while LightGCN trains in a worker thread (stopped
        // by the shutdown's abort); the vectors are swapped in when it ends. The readiness detail says which strategies are live.
        let readyDetail = (): unknown => state.detail;
        let started: ServingEngine | undefined = await startServingEngine(db, cfg, {
          onStage: (stage) => (state.detail = stage),
          signal: loadAbort.signal,
          onEmbeddings: () => (state.detail = readyDetail()),
          rankThreads: cfg.serve.rankThreads,
        });
        training = started.training;
        const { engine, replicas, embeddings: embeddingsNow } = started;
        const { invalid } = started.state;
        // Not kept while this function waits for the stop: the boot's serving state holds its CSR, which a live write
        // replaces (1–2 GB at 50M interactions).
        started = undefined;
        state.projection = {
          skippedInvalidInteractions: invalid.count,
          examples: invalid.samples.slice(0, 5).map((e) => `${e.userId}→${e.itemId} (${e.kind ?? 'no kind'}): ${e.problem}`),
          repair: invalid.count > 0 ? 'graphrec doctor lists them; graphrec doctor --fix repairs them' : 'nothing to repair',
        };
        readyDetail = () => ({ stage: 'ready', strategies: engine.strategies, embeddings: embeddingsNow(), explanations: engine.explainPolicy });
        if (stopping) await Promise.all([engine.close(), replicas?.close()]);
        else {
          live.engine = engine;
          live.replicas = replicas;
          if (replicas) state.ranking = () => replicas.stats;
          updates.attach(engine, replicas ? () => replicas.adopt() : undefined);
          state.ready = true;
          // Which strategies answer, where the vectors stand, who writes the explanations and why (explain/llm/policy).
          state.detail = readyDetail();
          process.stdout.write(JSON.stringify({ ready: true, url: `http://${cfg.api.host}:${port}` }) + '\n');
        }
      }
    } catch (error) {
      // Failures caused by the shutdown itself (the driver closed under a running step) are not errors.
      if (!stopping) {
        await shutdown('startup failed');
        throw error;
      }
    }
    await stopRequested;
    await stopping;
  },
};

interface HttpServer {
  server: Server;
  inFlight(): number;
  /** From now on, requests get 503 + `Connection: close`, and finished responses close their connection. */
  startDraining(): void;
  /** Stops listening and resolves once in-flight requests are done (or `drainMs` passed and their sockets closed). */
  close(drainMs: number): Promise<void>;
}

/** The HTTP server around the app: degraded header, in-flight tracking, draining on shutdown. */
function createHttpServer(app: (req: IncomingMessage, res: ServerResponse) => void, degraded: () => boolean, cfg: Config): HttpServer {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  // createApiServer: Node's limits from cfg.api, JSON replies to malformed requests, the no-API-key warning.
  const server = createApiServer((req, res) => {
    if (draining) {
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5', connection: 'close' });
      res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'api: shutting down' } }));
      return;
    }
    if (degraded()) res.setHeader('Graphrec-Degraded', 'neo4j-unavailable');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    app(req, res);
  }, cfg);
  return {
    server,
    inFlight: () => inFlight.size,
    startDraining() {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    },
    close(drainMs) {
      return new Promise((resolve) => {
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const deadline = setTimeout(() => {
          log.warn('shutdown: requests still running after the drain timeout; closing their connections', { inFlight: inFlight.size, drainMs });
          server.closeAllConnections();
        }, drainMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
