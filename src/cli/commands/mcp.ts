/**
 * @module cli/commands/mcp
 * `graphrec mcp`: an MCP server on stdio (for Claude Desktop and other MCP clients that start a command) over the same
 * engine `graphrec serve` runs, booted the same way and with the same configuration: Neo4j (the local one unless
 * `NEO4J_URI`; reused when one already answers on its port), the default data loaded into an empty database (demo, or
 * `--data` / `GRAPHREC_DATA`), the projection, the explainer; it serves as soon as the projection is in memory (the
 * stored LightGCN vectors, else PPR, popularity and the knowledge walk while LightGCN trains in a worker thread).
 *
 * stdout carries JSON-RPC and nothing else: the transport writes through the real stdout, and everything else that
 * writes to `process.stdout` (a library's console.log) lands on stderr with the logs. The server answers `initialize`
 * and `tools/list` at once; the boot runs in the background, and a tool call waits for it (progress notifications say
 * the stage when the client sent a progress token). When the boot fails (Neo4j unreachable, Java missing), a waiting
 * call tries it once more after 5 s, then gets a tool error saying why; the next call tries the boot again. The process stops when the client closes stdin
 * (or on SIGTERM/SIGINT): the engine and the driver close, and a local Neo4j started here stops.
 */
import { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { apiRoutes } from '../../api/app.ts';
import { exploreRoutes } from '../../api/routes/explore.ts';
import { converseRoutes } from '../../api/routes/converse.ts';
import { recommendRoutes } from '../../api/routes/recommend.ts';
import { loadConfig } from '../../core/config.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { createProgress } from '../../core/progress.ts';
import { startServingEngine } from '../../engine/boot.ts';
import type { Engine } from '../../engine/engine.ts';
import { loadIfEmpty } from '../../ingest/load.ts';
import { resolveDataset } from '../../ingest/resolve.ts';
import { createMcpServer, type Readiness } from '../../mcp/server.ts';
import { buildTools } from '../../mcp/tools.ts';
import type { Database } from '../../store/driver.ts';
import type { GraphStore } from '../../store/graph-store.ts';
import { guardStore, pingDatabase, StoreHealth } from '../../store/health.ts';
import { openDatabase, openGraphStore } from '../../store/open.ts';
import { parseFlags, type Command } from '../command.ts';

/** After a failed boot, the next tool call retries it once this much time has passed, ms. */
const BOOT_RETRY_AFTER_MS = 5_000;

/** Sends everything written to `process.stdout` to stderr; returns a stream that still writes to the real stdout. */
function reserveStdout(): Writable {
  const out = process.stdout;
  const write = out.write.bind(out) as (chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void) => boolean;
  out.write = process.stderr.write.bind(process.stderr) as typeof out.write;
  return new Writable({ write: (chunk, encoding, callback) => void write(chunk, encoding, callback) });
}

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'an MCP server on stdio for AI agents (tools: recommend, explain, search, similar_items, user_history, graph_neighbours, start_conversation, converse)',
  help: `usage: graphrec mcp [--data DATASET]

Runs a Model Context Protocol server on stdin/stdout for MCP clients (Claude Desktop, IDE agents): register the
command \`npx graphrec mcp\` (docs/agents.md). It boots like \`graphrec serve\`: Neo4j (local unless NEO4J_URI; reused
when already running), the default data into an empty database, the engine. stdout is JSON-RPC only; logs go to stderr.
Tool calls made while it boots wait for it. The same tools are served over HTTP at POST /v1/mcp by \`graphrec serve\`.
  --data DATASET   dataset to load when the database is empty (any 'graphrec ingest' spec) [GRAPHREC_DATA or demo]`,
  async run(argv) {
    const rpcOut = reserveStdout();
    const { values } = parseFlags(argv, { data: { type: 'string' } });
    const cfg = loadConfig();
    const dataSpec = values.data ?? (cfg.data.path || 'demo');
    const source = resolveDataset(dataSpec, { demoSeed: cfg.data.demoSeed });

    const live: { db?: Database; neo4j?: GraphStore; store?: GraphStore; health?: StoreHealth; engine?: Engine } = {};
    let stage = 'starting Neo4j';
    let stopping = false;
    const loadAbort = new AbortController();
    // The store the routes use: the guarded Neo4j store once the database is open (tool calls wait for the boot).
    const store = new Proxy({} as GraphStore, {
      get(_target, property) {
        if (!live.store) throw new AppError('UNAVAILABLE', 'mcp: the database is not open yet');
        const value = Reflect.get(live.store, property) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(live.store) : value;
      },
    });

    const boot = async (): Promise<void> => {
      if (!live.db) {
        stage = 'starting Neo4j';
        const db = await openDatabase(cfg, { supervise: true });
        if (stopping) {
          await db.close();
          return;
        }
        live.db = db;
        live.neo4j = openGraphStore(db, cfg.bounds, { readTimeoutMs: cfg.neo4j.readTimeoutMs });
        live.health = new StoreHealth(() => pingDatabase(db), { intervalMs: cfg.serve.healthIntervalMs });
        live.health.start();
        live.store = guardStore(live.neo4j, live.health);
      }
      if (!live.engine) {
        stage = 'loading data';
        const neo4j = live.neo4j!;
        await loadIfEmpty(live.db, () => neo4j.counts(), source, {
          dataset: dataSpec,
          batchSize: cfg.ingest.batchSize,
          inFlight: cfg.ingest.inFlight,
          bounds: cfg.bounds,
          progress: createProgress(process.stderr, { unit: 'rows' }),
          signal: loadAbort.signal,
        });
        if (stopping) return;
        // As serve: ready once the projection is in memory; LightGCN trains in a worker meanwhile when no stored vectors fit.
        const { engine } = await startServingEngine(live.db, cfg, { onStage: (s) => (stage = s), signal: loadAbort.signal });
        if (stopping) await engine.close();
        else live.engine = engine;
      }
      stage = 'ready';
      log.info('mcp: ready', { neo4j: live.db.uri, tools: tools.size });
    };
    let attempt: { promise: Promise<void>; failedAt?: number } | undefined;
    const startBoot = () => {
      const current = {
        promise: boot().catch((error: unknown) => {
          current.failedAt = Date.now();
          const message = error instanceof Error ? error.message : String(error);
          log.error('mcp: start failed', { stage, code: isAppError(error) ? error.code : undefined, message });
          throw new AppError('UNAVAILABLE', `mcp: graphrec could not start (${stage}): ${message}`, { retryAfterS: BOOT_RETRY_AFTER_MS / 1000 }, { cause: error });
        }),
      } as { promise: Promise<void>; failedAt?: number };
      current.promise.catch(() => {});
      attempt = current;
      return current.promise;
    };
    const ready: Readiness = {
      wait: () => {
        if (!attempt || (attempt.failedAt !== undefined && Date.now() - attempt.failedAt >= BOOT_RETRY_AFTER_MS)) return startBoot();
        return attempt.promise;
      },
      stage: () => stage,
      retryAfterMs: BOOT_RETRY_AFTER_MS,
    };

    const degraded = () => live.health?.degraded ?? false;
    const engineDeps = { store, cfg, engine: () => live.engine };
    const tools = buildTools(apiRoutes({ store, cfg, routes: [...recommendRoutes({ ...engineDeps, degraded }), ...exploreRoutes(engineDeps), ...converseRoutes({ ...engineDeps, degraded })] }));
    const server = createMcpServer(tools, {
      context: (signal) => ({ client: 'mcp:stdio', signal, chargeLlm: () => true }),
      ready,
    });
    const transport = new StdioServerTransport(process.stdin, rpcOut);
    await server.connect(transport);
    log.info('mcp: serving on stdio', { tools: [...tools.keys()] });
    void ready.wait().catch(() => {});

    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const shutdown = async (reason: string) => {
      if (stopping) return;
      stopping = true;
      log.info('mcp: shutting down', { reason });
      loadAbort.abort();
      const hard = setTimeout(() => {
        log.error('mcp: shutdown not finished in time; exiting', { shutdownTimeoutMs: cfg.serve.shutdownTimeoutMs });
        process.exit(1);
      }, cfg.serve.shutdownTimeoutMs);
      hard.unref();
      // A boot still running is not awaited: closing the driver ends it (a local Neo4j still starting stops by
      // itself when this process exits: its launcher watches our end of its stdin).
      await server.close().catch(() => {});
      live.health?.stop();
      await live.engine?.close();
      await live.db?.close();
      clearTimeout(hard);
      log.info('mcp: stopped', { reason });
      done();
      // Whatever still holds the event loop (a model worker) must not keep a stopped server alive.
      setTimeout(() => process.exit(), 2000).unref();
    };
    process.stdin.once('end', () => void shutdown('stdin closed'));
    process.stdin.once('close', () => void shutdown('stdin closed'));
    // Persistent listeners (see serve: node-llama-cpp's signal-exit re-raises a signal nobody else listens to).
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
    await finished;
  },
};
