/**
 * @module store/bulk-import
 * Neo4j's offline importer (`neo4j-admin database import full`, the `neo4j-import-tool` jar of the same Neo4j version
 * that Maven resolved into graph/target/lib) run on the local Neo4j's data folder while that Neo4j is stopped. The
 * importer's entry point is Neo4j's own `org.neo4j.cli.AdminTool` main, started with `java -cp graph/target/lib/*` and
 * `NEO4J_HOME` = the data folder (the layout the launcher's embedded DBMS uses: `<dir>/data/databases/<db>`).
 *
 * The importer writes no schema: after it, the store is opened again (`openDatabase`), which applies
 * cypher/schema/*.cypher and waits for the indexes, exactly as for an online load.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { GRAPH_DIR, fromRoot } from '../core/paths.ts';
import { cypher } from './cypher.ts';
import { openSession, type Database } from './driver.ts';
import { portAnswers } from './local-neo4j.ts';

export interface ImportFiles {
  dir: string;
  nodes: { label: string; file: string }[];
  relationships: { type: string; file: string }[];
  multilineFields: boolean;
}

export interface ImportResult {
  seconds: number;
  /** The importer's last lines of output (counts, time). */
  output: string;
}

/** Where the local Neo4j keeps database `name`. */
export function localStoreDir(cfg: Config['neo4j'], name = cfg.database): string {
  return path.join(fromRoot(cfg.localDataDir), 'data', 'databases', name);
}

/** True when the local database has no store files yet (never started, or wiped). */
export function localStoreMissing(cfg: Config['neo4j']): boolean {
  const dir = localStoreDir(cfg);
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** Where a bulk import can run: the local Neo4j (NEO4J_URI unset) while nothing serves its port. */
export async function bulkTargetState(cfg: Config['neo4j']): Promise<'remote' | 'running' | 'stopped'> {
  if (cfg.uri) return 'remote';
  return (await portAnswers(cfg.localPort)) ? 'running' : 'stopped';
}

/** True when the database holds no node at all. */
export async function databaseEmpty(db: Database): Promise<boolean> {
  const session = openSession(db, 'READ');
  try {
    const result = await session.executeRead((tx) => tx.run(cypher('read', 'any-node')));
    return result.records.length === 0;
  } finally {
    await session.close();
  }
}

/**
 * Imports `files` into the local database (replacing whatever store files are there: the caller checked that the
 * database is empty and that its Neo4j is stopped). Throws INGEST_FAILED with the importer's output when it fails.
 */
export async function runBulkImport(cfg: Config['neo4j'], files: ImportFiles, options: { heapMb?: number; threads?: number } = {}): Promise<ImportResult> {
  const home = fromRoot(cfg.localDataDir);
  const conf = path.join(files.dir, 'conf');
  mkdirSync(conf, { recursive: true });
  const lib = path.join(GRAPH_DIR, 'target', 'lib');
  if (!existsSync(path.join(lib, 'neo4j-import-tool-5.26.16.jar')) && !readdirSync(lib).some((f) => f.startsWith('neo4j-import-tool-'))) {
    throw new AppError('DEPENDENCY_MISSING', 'bulk import: the neo4j-import-tool jar is not in graph/target/lib (run npm ci, or mvn -f graph/pom.xml package)');
  }
  const reportFile = path.join(files.dir, 'import.report');
  const args = [
    `-Xmx${options.heapMb ?? 2048}m`,
    '-XX:+UseParallelGC',
    '-cp',
    path.join(lib, '*'),
    'org.neo4j.cli.AdminTool',
    'database',
    'import',
    'full',
    // The database name first: the --nodes/--relationships lists take every argument after them.
    cfg.database,
    '--overwrite-destination=true',
    '--id-type=string',
    `--report-file=${reportFile}`,
    '--bad-tolerance=0',
    ...(options.threads ? [`--threads=${options.threads}`] : []),
    ...(files.multilineFields ? ['--multiline-fields=true'] : []),
    ...files.nodes.map((n) => `--nodes=${n.label}=${n.file}`),
    ...files.relationships.map((r) => `--relationships=${r.type}=${r.file}`),
  ];
  const started = performance.now();
  log.info('bulk import: running neo4j-admin database import full', { home, nodeFiles: files.nodes.length, relationshipFiles: files.relationships.length });
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('java', args, { env: { ...process.env, NEO4J_HOME: home, NEO4J_CONF: conf }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => reject(new AppError('DEPENDENCY_MISSING', `bulk import: cannot run java: ${error.message}`)));
    child.once('exit', (c) => resolve({ code: c, output: out }));
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    const report = existsSync(reportFile) ? readFileSync(reportFile, 'utf8').slice(0, 2000) : '';
    throw new AppError('INGEST_FAILED', `bulk import: neo4j-admin import exited with ${code}: ${output.slice(-3000)}${report ? `\nreport: ${report}` : ''}`);
  }
  return { seconds, output: output.slice(-2000) };
}
