/**
 * Helpers of the fault suites: a Neo4j of their own (never the shared test server, which other files use), stopped
 * or killed on purpose; the CLI spawned as a child; exact counts read with Cypher; the demo's expected counts computed
 * from its source rows.
 *
 * Port and data folder: GRAPHREC_TEST_FAULT_NEO4J_PORT [7690] and GRAPHREC_TEST_FAULT_NEO4J_DATA [graph/data-test-fault].
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { rmSync } from 'node:fs';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { loadConfig, type Config } from '../../../src/core/config.ts';
import type { DataRecord } from '../../../src/core/model.ts';
import { fromRoot, ROOT } from '../../../src/core/paths.ts';
import { rowsOf, type DatasetSource } from '../../../src/ingest/source.ts';
import { connectDatabase, type Database } from '../../../src/store/driver.ts';
import { ensureLocalNeo4j, portAnswers, type LocalNeo4j } from '../../../src/store/local-neo4j.ts';
import { applySchema } from '../../../src/store/schema.ts';

export const FAULT_PORT = Number(process.env.GRAPHREC_TEST_FAULT_NEO4J_PORT ?? 7690);
export const FAULT_DATA = process.env.GRAPHREC_TEST_FAULT_NEO4J_DATA ?? 'graph/data-test-fault';
export const CLI = path.join(ROOT, 'scripts', 'graphrec.js');

/** Small heap and page cache: the fault servers hold the demo catalogue at most. */
export function faultNeo4jConfig(dataDir = FAULT_DATA): Config['neo4j'] {
  return { ...loadConfig({ env: {} }).neo4j, localPort: FAULT_PORT, localDataDir: dataDir, localHeapMb: 768, localPageCacheMb: 64, startTimeoutS: 120 };
}

/** Env for a spawned `graphrec` child: no LLM, short training, quiet progress, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LLM_PROVIDER: 'none', GRAPHREC_TRAIN_EPOCHS: '5', GRAPHREC_TRAIN_MAX_SECONDS: '20' };
  delete env.NEO4J_URI;
  return { ...env, ...extra };
}

/** Deletes a fault data folder (never one outside graph/data-*). */
export function wipeDataDir(dataDir: string): void {
  if (!/^graph\/data-[\w-]+$/.test(dataDir)) throw new Error(`refusing to delete ${dataDir}`);
  rmSync(fromRoot(dataDir), { recursive: true, force: true });
}

/** Starts a Neo4j this test owns on the fault port; fails if anything answers there already. */
export async function startFaultNeo4j(dataDir = FAULT_DATA): Promise<LocalNeo4j> {
  if (await portAnswers(FAULT_PORT)) throw new Error(`port ${FAULT_PORT} is in use; the fault tests need a Neo4j of their own (GRAPHREC_TEST_FAULT_NEO4J_PORT)`);
  const local = await ensureLocalNeo4j(faultNeo4jConfig(dataDir));
  if (!local.startedHere || local.pid === undefined) throw new Error('fault Neo4j was not started by this test');
  return local;
}

/** Resolves once nothing answers on `port` (or throws after `timeoutMs`). */
export async function waitPortClosed(port: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (await portAnswers(port)) {
    if (Date.now() > until) throw new Error(`port ${port} still answers after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** kill -9 of the Neo4j JVM: no shutdown hook, the store is left for recovery. */
export async function killNeo4j(local: LocalNeo4j): Promise<void> {
  process.kill(local.pid!, 'SIGKILL');
  await local.stop(); // resolves at once: the child has exited
  await waitPortClosed(FAULT_PORT);
}

/** A driver to the fault Neo4j, with the schema applied unless a serve process applies it at the same time. */
export async function openFaultDatabase(options: { schema?: boolean } = {}): Promise<Database> {
  const cfg = loadConfig({ env: {}, overrides: { neo4j: { uri: `bolt://127.0.0.1:${FAULT_PORT}` } } });
  const db = await connectDatabase(cfg);
  if (options.schema !== false) await applySchema(db);
  return db;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ExactCounts {
  users: number;
  items: number;
  entities: number;
  interactions: number;
  knowledge: number;
  /** Relationships whose key occurs more than once (must be 0). */
  duplicateKeys: number;
}

export async function exactCounts(db: Database): Promise<ExactCounts> {
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  try {
    const q = `CALL () { MATCH (u:User) RETURN count(u) AS users }
      CALL () { MATCH (i:Item) RETURN count(i) AS items }
      CALL () { MATCH (e:Entity) RETURN count(e) AS entities }
      CALL () { MATCH (:User)-[r:INTERACTED]->(:Item) RETURN count(r) AS interactions }
      CALL () { MATCH ()-[r:RELATED]->() RETURN count(r) AS knowledge }
      CALL () { MATCH ()-[r:INTERACTED|RELATED]->() WITH r.key AS key, count(*) AS n WHERE n > 1 RETURN count(key) AS duplicateKeys }
      RETURN users, items, entities, interactions, knowledge, duplicateKeys`;
    const r = (await session.executeRead((tx) => tx.run(q))).records[0]!;
    return Object.fromEntries(r.keys.map((k) => [k, (r.get(k) as { toNumber(): number }).toNumber()])) as unknown as ExactCounts;
  } finally {
    await session.close();
  }
}

/** Rows committed for a source file according to its checkpoint (0 when none). */
export async function checkpointRows(db: Database, file: string): Promise<{ rows: number; done: boolean }> {
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  try {
    const r = (await session.executeRead((tx) => tx.run('MATCH (c:IngestCheckpoint {file: $file}) RETURN c.rows AS rows, c.done AS done', { file }))).records[0];
    return r ? { rows: (r.get('rows') as { toNumber(): number }).toNumber(), done: r.get('done') === true } : { rows: 0, done: false };
  } finally {
    await session.close();
  }
}

/** Counts of the first `rows` rows of a (clean, duplicate-free) source, by record type: what a load of them must write. */
export async function sourceCounts(source: DatasetSource, rows = Infinity): Promise<Omit<ExactCounts, 'duplicateKeys'>> {
  const ids = { users: new Set<string>(), items: new Set<string>(), entities: new Set<string>() };
  let interactions = 0;
  let knowledge = 0;
  const count = (record: DataRecord) => {
    if (record.type === 'user') ids.users.add(record.value.id);
    else if (record.type === 'item') ids.items.add(record.value.id);
    else if (record.type === 'entity') ids.entities.add(record.value.id);
    else if (record.type === 'interaction') interactions++;
    else knowledge++;
  };
  let n = 0;
  for (const file of source.files) {
    for await (const row of rowsOf(file)) {
      if (++n > rows) break;
      if (row.ok) row.records.forEach(count);
    }
  }
  return { users: ids.users.size, items: ids.items.size, entities: ids.entities.size, interactions, knowledge };
}

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (killing the child and rejecting after `timeoutMs`). */
  exited: Promise<number | null>;
}

/** Spawns `graphrec <args>` with its output collected. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`graphrec ${args.join(' ')}: no exit after ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  exited.catch(() => {});
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Kills a child still running (test clean-up). */
export async function killChild(run: CliRun | undefined): Promise<void> {
  if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill('SIGKILL');
  await run.exited.catch(() => {});
}

/** Lines of stderr that are not the structured JSON log: what a person reads. */
export function plainLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
}

/**
 * Polls `check` (sync or async; a throw counts as false) every `intervalMs` until it holds; resolves with the ms it
 * took, throws "<what>: not within <timeoutMs> ms" past the deadline.
 */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<number> {
  const started = Date.now();
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
  return Date.now() - started;
}

/** One HTTP request on a fresh connection (no keep-alive): the status and body, or the socket error code. */
export function request(
  url: string,
  options: { method?: string; body?: string; timeoutMs?: number; onHeaders?: (status: number) => void } = {},
): Promise<{ status?: number; error?: string; body: string }> {
  return new Promise((resolve) => {
    const headers = options.body !== undefined ? { 'content-type': 'application/json' } : {};
    const req = http.request(url, { method: options.method ?? 'GET', agent: false, timeout: options.timeoutMs ?? 30_000, headers }, (res) => {
      options.onHeaders?.(res.statusCode!);
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.once('end', () => resolve({ status: res.statusCode!, body }));
      res.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, body }));
    });
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, body: '' }));
    req.end(options.body);
  });
}

/** afterEach of the suites that spawn `graphrec serve` on the fault port: kills a serve still running, waits for its Neo4j to go. */
export async function stopServe(serve: CliRun | undefined): Promise<void> {
  if (!serve || serve.child.exitCode !== null || serve.child.signalCode !== null) return;
  await killChild(serve);
  // A serve killed here takes its Neo4j with it (the launcher exits when its stdin closes).
  await waitPortClosed(FAULT_PORT, 60_000).catch(() => {});
}
