/**
 * @module ingest/ingest
 * `graphrec ingest` chooses its path here (`--mode`):
 *   online  the batched loader (`ingest/load.ts`) into any Neo4j, empty or not, local or remote;
 *   bulk    Neo4j's offline importer (`ingest/bulk.ts` writes its CSV files, `store/bulk-import.ts` runs it) into the
 *           project's local Neo4j, which must be stopped (this process starts and stops it) and empty (or `--reset`);
 *   auto    bulk when the target is the local Neo4j, nothing else is serving it and its database is empty; online
 *           otherwise (and when a dataset has something the importer cannot take, e.g. a property name that cannot be a
 *           CSV header).
 * Both give the same graph (test/integration/ingest/bulk.test.ts), and the same report shape; the bulk report adds
 * the time of each step.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.ts';
import type { InteractionBounds } from '../core/bounds.ts';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { fromRoot } from '../core/paths.ts';
import type { WeightsConfig } from '../core/weight-transform.ts';
import type { Progress } from '../core/progress.ts';
import type { RowError } from '../core/model.ts';
import { bulkTargetState, databaseEmpty, localStoreMissing, runBulkImport } from '../store/bulk-import.ts';
import type { Database } from '../store/driver.ts';
import { openDatabase, refuseMapped } from '../store/open.ts';
import { deleteAll } from '../store/schema.ts';
import { BulkUnsupported, prepareBulkImport } from './bulk.ts';
import { loadDataset, type LoadReport } from './load.ts';
import type { DatasetSource } from './source.ts';

export const INGEST_MODES = ['auto', 'bulk', 'online'] as const;
export type IngestMode = (typeof INGEST_MODES)[number];

export interface IngestOptions {
  mode?: IngestMode;
  /** Delete everything first (online: DETACH DELETE; bulk: the importer replaces the store). */
  reset?: boolean;
  batchSize?: number;
  /** Batches of a file in flight at once on the online path (ingest/load). */
  inFlight?: number;
  /** Valid ratings and weights (core/bounds), on both paths. */
  bounds?: InteractionBounds;
  resume?: boolean;
  /** Weight transforms in force (the heavy-tail warning's advice) [config defaults]. */
  weights?: WeightsConfig;
  progress?: Progress;
  onError?: (error: RowError) => void;
  /** Heap of the importer JVM, MiB. */
  importHeapMb?: number;
  /** Called with the database after the load (bulk: once the schema is online), before it is closed. */
  inspect?: (db: Database) => Promise<void>;
}

export interface BulkTimings {
  /** Reading the source and writing the importer's CSV files. */
  convertSeconds: number;
  /** The importer itself (JVM start included). */
  importSeconds: number;
  /** Starting Neo4j on the new store, applying the schema and waiting for the indexes. */
  schemaSeconds: number;
  nodes: number;
  relationships: number;
  /** Relationships per second of the importer alone. */
  importRelationshipsPerSecond: number;
}

export interface IngestReport extends LoadReport {
  mode: 'bulk' | 'online';
  /** Why this path was taken. */
  modeReason: string;
  bulk?: BulkTimings;
}

async function online(cfg: Config, source: DatasetSource, o: IngestOptions, reason: string, opened?: Database): Promise<IngestReport> {
  const db = opened ?? (await openDatabase(cfg, { ownModelOnly: 'graphrec ingest' }));
  try {
    if (o.reset) await deleteAll(db);
    const report = await loadDataset(db, source, {
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
      ...(o.inFlight !== undefined ? { inFlight: o.inFlight } : {}),
      ...(o.bounds ? { bounds: o.bounds } : {}),
      ...(o.resume !== undefined ? { resume: o.resume } : {}),
      ...(o.weights ? { weights: o.weights } : {}),
      ...(o.progress ? { progress: o.progress } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    await o.inspect?.(db);
    return { ...report, mode: 'online', modeReason: reason };
  } finally {
    await db.close();
  }
}

async function bulk(cfg: Config, source: DatasetSource, o: IngestOptions, reason: string): Promise<IngestReport | undefined> {
  const started = performance.now();
  const dir = path.join(fromRoot(cfg.neo4j.localDataDir), `bulk-import-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    let prepared;
    try {
      prepared = await prepareBulkImport(source, dir, { ...(o.bounds ? { bounds: o.bounds } : {}), ...(o.weights ? { weights: o.weights } : {}), ...(o.progress ? { progress: o.progress } : {}), ...(o.onError ? { onError: o.onError } : {}) });
    } catch (error) {
      if (error instanceof BulkUnsupported && o.mode !== 'bulk') {
        log.warn('ingest: the bulk importer cannot take this dataset; loading online', { reason: error.message });
        return undefined;
      }
      throw error;
    }
    const convertSeconds = (performance.now() - started) / 1000;
    const imported = await runBulkImport(cfg.neo4j, prepared.files, o.importHeapMb !== undefined ? { heapMb: o.importHeapMb } : {});
    const schemaStart = performance.now();
    const db = await openDatabase(cfg, { ownModelOnly: 'graphrec ingest' });
    // The data is served from here on: the time stops before `inspect` and the shutdown.
    const schemaSeconds = (performance.now() - schemaStart) / 1000;
    const seconds = (performance.now() - started) / 1000;
    try {
      await o.inspect?.(db);
    } finally {
      await db.close();
    }
    const { written } = prepared.report;
    return {
      ...prepared.report,
      seconds,
      relationshipsPerSecond: (written.interactions + written.knowledge) / Math.max(seconds, 1e-9),
      mode: 'bulk',
      modeReason: reason,
      bulk: {
        convertSeconds,
        importSeconds: imported.seconds,
        schemaSeconds,
        nodes: prepared.files.nodeCount,
        relationships: prepared.files.relationshipCount,
        importRelationshipsPerSecond: prepared.files.relationshipCount / Math.max(imported.seconds, 1e-9),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads `source` by the path `mode` chooses (see the module comment). */
export async function ingestDataset(cfg: Config, source: DatasetSource, options: IngestOptions = {}): Promise<IngestReport> {
  const o: IngestOptions = { mode: 'auto', ...options };
  refuseMapped(cfg.data.mapping, 'graphrec ingest');
  if (o.mode === 'online') return online(cfg, source, o, '--mode online');
  const state = await bulkTargetState(cfg.neo4j);
  if (state === 'remote') {
    if (o.mode === 'bulk') throw new AppError('BAD_REQUEST', 'ingest --mode bulk: needs the project\'s local Neo4j (NEO4J_URI is set); use --mode online');
    return online(cfg, source, o, 'NEO4J_URI names another server');
  }
  if (state === 'running') {
    if (o.mode === 'bulk') {
      throw new AppError('CONFLICT', `ingest --mode bulk: a Neo4j is serving 127.0.0.1:${cfg.neo4j.localPort}; the importer needs it stopped (stop it, or use --mode online)`);
    }
    return online(cfg, source, o, `a running Neo4j serves port ${cfg.neo4j.localPort}`);
  }
  let reason = o.reset ? '--reset on the local database' : 'the local database has no store yet';
  if (!o.reset && !localStoreMissing(cfg.neo4j)) {
    const db = await openDatabase(cfg, { ownModelOnly: 'graphrec ingest' });
    let empty: boolean;
    try {
      empty = await databaseEmpty(db);
    } catch (error) {
      await db.close();
      throw error;
    }
    if (!empty) {
      if (o.mode === 'bulk') {
        await db.close();
        throw new AppError('CONFLICT', 'ingest --mode bulk: the local database is not empty; add --reset to replace it, or use --mode online');
      }
      return online(cfg, source, o, 'the local database is not empty', db);
    }
    await db.close();
    reason = 'the local database is empty';
  }
  return (await bulk(cfg, source, o, reason)) ?? online(cfg, source, o, 'the bulk importer cannot take this dataset');
}
