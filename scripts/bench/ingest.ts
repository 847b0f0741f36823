/**
 * `npm run bench -- ingest [batchSize] [--generated N] [--skip-online]`: the two paths of `graphrec ingest`, side by
 * side, printing JSON lines; the last one holds `relationshipsPerSecond` of the path `ingest` picks on an empty local
 * database (the bulk importer), with the online loader's numbers beside it.
 *
 * Online (the bench Neo4j, port GRAPHREC_BENCH_NEO4J_PORT or 7689, graph/data-bench): `warm-up` (a full load of
 * ML-100K + DBpedia into the emptied database; on a freshly started server the cold, JIT-bound figure), then the
 * emptied database again and the measured `fresh` load, then `re-merge` (the same files with `resume: false`: every
 * edge exists, the idempotent MERGE path), then `non-empty` (a generated dataset of 200k interactions loaded next to
 * ML-100K: new rows into a database that already holds a graph).
 * Bulk (`ingestDataset` with mode auto into a local Neo4j whose data folder is new, port + 1; the report must say it
 * chose bulk): ML-100K + DBpedia, then a generated graph of N interactions (default 1,000,000; 0 skips it). Between
 * them, the same ML-100K + DBpedia with `--mode online` into another new folder, timed from the call to the end
 * (Neo4j's start included): the path `auto` does not take, on the same terms (`onlineNewDatabaseSeconds`). A bulk
 * rate counts wall time from reading the files to the schema online: conversion, importer JVM, Neo4j start, indexes.
 * Each line carries the 1-minute load average, since the machines are shared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/core/config.ts';
import { generateDataset } from '../../src/ingest/generate.ts';
import { ingestDataset, type IngestReport } from '../../src/ingest/ingest.ts';
import { loadDataset, type LoadReport } from '../../src/ingest/load.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../src/store/schema.ts';
import { flagsOf } from './_kept.ts';
import { benchConfig, emit, ml100kDbpediaSpec, openBenchDatabase } from './_neo4j.ts';

const load1 = () => Number(loadavg()[0]!.toFixed(2));

function summary(pass: string, report: LoadReport): Record<string, unknown> {
  return {
    pass,
    seconds: Number(report.seconds.toFixed(3)),
    written: report.written,
    rejectedRows: report.rejectedRows,
    relationshipsPerSecond: Math.round(report.relationshipsPerSecond),
    loadAverage1m: load1(),
  };
}

function bulkSummary(pass: string, report: IngestReport): Record<string, unknown> {
  const b = report.bulk;
  return {
    pass,
    mode: report.mode,
    modeReason: report.modeReason,
    seconds: Number(report.seconds.toFixed(3)),
    relationships: report.written.interactions + report.written.knowledge,
    relationshipsPerSecond: Math.round(report.relationshipsPerSecond),
    ...(b
      ? {
          convertSeconds: Number(b.convertSeconds.toFixed(3)),
          importSeconds: Number(b.importSeconds.toFixed(3)),
          schemaSeconds: Number(b.schemaSeconds.toFixed(3)),
          importRelationshipsPerSecond: Math.round(b.importRelationshipsPerSecond),
        }
      : {}),
    loadAverage1m: load1(),
  };
}

/**
 * Loads `spec` through `ingestDataset` (`mode`) into a brand-new local database (port + 1, a new data folder). Returns
 * the report and the wall seconds of the whole call: for the online path that includes starting the local Neo4j, which
 * the bulk report's own time already holds (its schema step starts it).
 */
async function ingestInto(spec: string, work: string, name: string, mode: 'auto' | 'online'): Promise<{ report: IngestReport; wallSeconds: number }> {
  const base = benchConfig();
  const cfg = loadConfig({ overrides: { neo4j: { localPort: base.neo4j.localPort + 1, localDataDir: path.join(work, name) } } });
  let counts: unknown;
  const t0 = performance.now();
  const report = await ingestDataset(cfg, resolveDataset(spec), { mode, inspect: async (db) => void (counts = await new Neo4jGraphStore(db.driver, db.database).counts()) });
  const wallSeconds = (performance.now() - t0) / 1000;
  emit({ step: `${name}: counts after the ${report.mode} load`, counts });
  return { report, wallSeconds };
}

/** {@link ingestInto} with mode auto, which must take the bulk path. */
async function bulkInto(spec: string, work: string, name: string): Promise<IngestReport> {
  const { report } = await ingestInto(spec, work, name, 'auto');
  if (report.mode !== 'bulk') throw new Error(`bench ingest: expected the bulk path on an empty local database, got ${report.mode} (${report.modeReason})`);
  return report;
}

export async function main(argv: string[]): Promise<void> {
  const spec = ml100kDbpediaSpec();
  if (!spec) return;
  const flag = flagsOf(argv);
  const generated = Number(flag('--generated') ?? 1_000_000);
  const skipOnline = argv.includes('--skip-online');
  const positional = argv.find((a, k) => !a.startsWith('--') && !(k > 0 && argv[k - 1]!.startsWith('--')));
  const batchSize = Number(positional ?? benchConfig().ingest.batchSize);
  const work = mkdtempSync(path.join(tmpdir(), 'graphrec-bench-ingest-'));
  let fresh: LoadReport | undefined;
  let nonEmpty: LoadReport | undefined;
  try {
    if (!skipOnline) {
      const db = await openBenchDatabase();
      try {
        await deleteAll(db);
        emit(summary('warm-up', await loadDataset(db, resolveDataset(spec), { batchSize })));
        await deleteAll(db);
        fresh = await loadDataset(db, resolveDataset(spec), { batchSize });
        emit(summary('fresh', fresh));
        emit(summary('re-merge', await loadDataset(db, resolveDataset(spec), { batchSize, resume: false })));
        const extra = path.join(work, 'gen-200k');
        generateDataset({ out: extra, users: 8_000, items: 1_600, interactions: 200_000, seed: 7 });
        nonEmpty = await loadDataset(db, resolveDataset(`generic:${extra}`), { batchSize });
        emit(summary('non-empty (200k generated next to ML-100K)', nonEmpty));
        await deleteAll(db);
      } finally {
        await db.close();
      }
    }
    const bulk = await bulkInto(spec, work, 'bulk-ml100k');
    emit(bulkSummary('bulk ml-100k + dbpedia', bulk));
    // The other choice `auto` has for an empty local database: the online loader, timed the same way (Neo4j's start and
    // its cold JVM included; the `fresh` pass above ran on a warm server).
    const onlineNew = await ingestInto(spec, work, 'online-ml100k', 'online');
    const onlineNewRels = onlineNew.report.written.interactions + onlineNew.report.written.knowledge;
    emit({ pass: 'online ml-100k + dbpedia into a new local database (Neo4j start included)', seconds: Number(onlineNew.wallSeconds.toFixed(3)), relationships: onlineNewRels, relationshipsPerSecond: Math.round(onlineNewRels / onlineNew.wallSeconds), loadAverage1m: load1() });
    let gen: IngestReport | undefined;
    if (generated > 0) {
      const dir = path.join(work, `gen-${generated}`);
      const g = generateDataset({ out: dir, users: Math.max(1, Math.round(generated / 25)), items: Math.max(100, Math.round(generated / 125)), interactions: generated, seed: 42 });
      emit({ step: 'generated', ...g, files: undefined });
      gen = await bulkInto(`generic:${dir}`, work, 'bulk-generated');
      emit(bulkSummary(`bulk generated ${generated}`, gen));
    }
    emit({
      dataset: 'ml-100k + dbpedia',
      path: bulk.mode,
      relationships: bulk.written.interactions + bulk.written.knowledge,
      seconds: Number(bulk.seconds.toFixed(3)),
      relationshipsPerSecond: Math.round(bulk.relationshipsPerSecond),
      importRelationshipsPerSecond: Math.round(bulk.bulk!.importRelationshipsPerSecond),
      onlineRelationshipsPerSecond: fresh ? Math.round(fresh.relationshipsPerSecond) : null,
      onlineNewDatabaseSeconds: Number(onlineNew.wallSeconds.toFixed(3)),
      onlineNonEmptyRelationshipsPerSecond: nonEmpty ? Math.round(nonEmpty.relationshipsPerSecond) : null,
      onlineBatchSize: batchSize,
      generated: gen
        ? {
            interactions: generated,
            relationships: gen.written.interactions + gen.written.knowledge,
            seconds: Number(gen.seconds.toFixed(3)),
            relationshipsPerSecond: Math.round(gen.relationshipsPerSecond),
            importRelationshipsPerSecond: Math.round(gen.bulk!.importRelationshipsPerSecond),
          }
        : null,
      target: { bulk: 500_000, online: 50_000 },
      loadAverage1m: load1(),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
