/**
 * @module cli/commands/serve
 * `graphrec serve` (what `npm start` runs): starts or connects to Neo4j, applies the schema, loads the default data
 * into an empty database (or `--data <dataset>`), and serves the API. It listens before the data is loaded so probes
 * can watch: `/v1/health/ready` answers 503 until Neo4j and the data are ready. SIGTERM/SIGINT: stop accepting,
 * finish in-flight requests, close the driver, stop the local Neo4j.
 */
import type { Server } from 'node:http';
import { createApp } from '../../api/app.ts';
import { mountExplanationStream, recommendRoutes } from '../../api/routes/recommend.ts';
import { bootEngine } from '../../engine/boot.ts';
import { withEngineUpdates, type Engine } from '../../engine/engine.ts';
import { loadConfig } from '../../core/config.ts';
import { log } from '../../core/log.ts';
import { createProgress } from '../../ingest/progress.ts';
import { loadDataset } from '../../ingest/load.ts';
import { resolveDataset } from '../../ingest/resolve.ts';
import { Neo4jGraphStore } from '../../store/neo4j-graph-store.ts';
import { openDatabase } from '../../store/open.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start Neo4j (local unless NEO4J_URI), load data if empty, serve the API and explorer',
  help: `usage: graphrec serve [--port N] [--data DATASET]

  --port N         HTTP port [PORT or 3000]
  --data DATASET   dataset to load when the database is empty (any 'graphrec ingest' spec) [GRAPHREC_DATA or demo]`,
  async run(argv) {
    const { values } = parseFlags(argv, { port: { type: 'string' }, data: { type: 'string' } });
    const cfg = loadConfig();
    cfg.api.port = numberFlag('port', values.port, cfg.api.port, { integer: true, min: 0, max: 65535 });
    const dataSpec = values.data ?? (cfg.data.path || 'demo');
    const source = resolveDataset(dataSpec, { demoSeed: cfg.data.demoSeed });

    const db = await openDatabase(cfg);
    const live: { engine?: Engine } = {};
    const neo4jStore = new Neo4jGraphStore(db.driver, db.database);
    const store = withEngineUpdates(neo4jStore, () => live.engine);
    const state: { ready: boolean; detail: string } = { ready: false, detail: 'loading data' };
    const app = createApp({
      store,
      cfg,
      ready: async () => ({ ready: state.ready, detail: state.detail }),
      routes: recommendRoutes({ store, cfg, engine: () => live.engine }),
      mount: (express) => mountExplanationStream(express, () => live.engine),
    });
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(cfg.api.port, cfg.api.host, () => resolve(s));
      s.once('error', reject);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.api.port;
    log.info('api: listening', { url: `http://${cfg.api.host}:${port}`, neo4j: db.uri });

    let shuttingDown = false;
    const shutdown = (signal: string) => {
      if (shuttingDown) return;
      shuttingDown = true;
      log.info('shutting down', { signal });
      server.close(() => void Promise.all([live.engine?.close(), db.close()]).then(() => log.info('stopped')));
      server.closeIdleConnections();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));

    const counts = await neo4jStore.counts();
    if (counts.users === 0 && counts.items === 0) {
      log.info('data: empty database, loading', { dataset: dataSpec });
      const report = await loadDataset(db, source, { batchSize: cfg.ingest.batchSize, progress: createProgress() });
      log.info('data: loaded', { written: report.written, rejectedRows: report.rejectedRows, seconds: Number(report.seconds.toFixed(2)) });
    } else {
      log.info('data: database already holds data; not loading', { ...counts });
    }
    live.engine = await bootEngine(db, cfg, { onStage: (stage) => (state.detail = stage) });
    state.ready = true;
    state.detail = 'ready';
    process.stdout.write(JSON.stringify({ ready: true, url: `http://${cfg.api.host}:${port}` }) + '\n');
  },
};
