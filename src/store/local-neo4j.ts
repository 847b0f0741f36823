/**
 * @module store/local-neo4j
 * Starts the project's own Neo4j 5.26 Community (the Maven project in `graph/`) on 127.0.0.1 when `NEO4J_URI` is unset.
 *
 * - Reuses a Neo4j that already answers on the configured port (e.g. one started by `npm run neo4j` or by CI).
 * - Builds the launcher with Maven on first use if the install step could not (`graph/target/lib` missing).
 * - Waits for the launcher's readiness line, and stops it with SIGTERM (a clean Neo4j shutdown) on `stop()`, killing
 *   it only after `neo4j.stopTimeoutS` (after vector writes the shutdown waits for Lucene's merges, minutes at scale).
 * - With `supervise` (`graphrec serve`): when the JVM it started dies (crash, OOM, `kill -9`) while not being stopped, it is started again
 *   after a bounded backoff (1, 2, 4, … up to 30 s between tries, each logged), indefinitely; the driver reconnects by
 *   itself once it listens (store/health flips degraded mode off). `pid` follows the current JVM.
 * - Java or Maven missing → `AppError('DEPENDENCY_MISSING')` with what to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { GRAPH_DIR, fromRoot } from '../core/paths.ts';

export interface LocalNeo4j {
  uri: string;
  /** True when this process launched the server (and so stops it). */
  startedHere: boolean;
  /** Process id of the launcher JVM when started here (fault tests kill it); the current one after a restart. */
  pid?: number;
  /** Restarts after an unexpected exit so far. */
  restarts?: number;
  stop(): Promise<void>;
}

/** Backoff between restarts of a local Neo4j that died: 1 s, doubling, at most 30 s. */
export const RESTART_BACKOFF = { firstMs: 1000, maxMs: 30_000 } as const;

const READY_MARK = 'GRAPHREC_NEO4J_READY';

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function commandWorks(cmd: string, args: string[]): boolean {
  const result = spawnSync(cmd, args, { stdio: 'ignore' });
  return result.status === 0;
}

/** Compiles the launcher and copies Neo4j's jars to graph/target/lib (the install step does this; here as a fallback). */
export function buildLauncher(options: { quiet?: boolean } = {}): void {
  if (!commandWorks('mvn', ['--version'])) {
    throw new AppError('DEPENDENCY_MISSING', 'local Neo4j: Maven (mvn) is not installed; install Maven 3 and Java 17, or set NEO4J_URI to an existing Neo4j');
  }
  log.info('local Neo4j: resolving Neo4j with Maven (first start only)…');
  const result = spawnSync('mvn', ['-B', '-q', '-f', path.join(GRAPH_DIR, 'pom.xml'), 'package', '-DskipTests'], {
    // Maven's output goes to stderr: stdout belongs to the command's result (and to JSON-RPC in `graphrec mcp`).
    stdio: options.quiet ? 'pipe' : ['ignore', 2, 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new AppError('DEPENDENCY_MISSING', `local Neo4j: Maven build of graph/ failed (exit ${result.status}): ${(result.stdout ?? '').slice(-2000)}`);
  }
}

/** True when graph/target holds the jars and a class at least as new as its source for every launcher source file. */
export function launcherBuilt(): boolean {
  const srcDir = path.join(GRAPH_DIR, 'src', 'main', 'java', 'graphrec');
  const clsDir = path.join(GRAPH_DIR, 'target', 'classes', 'graphrec');
  if (!existsSync(path.join(clsDir, 'LocalNeo4j.class')) || !existsSync(path.join(GRAPH_DIR, 'target', 'lib'))) return false;
  if (!existsSync(srcDir)) return true;
  return readdirSync(srcDir)
    .filter((f) => f.endsWith('.java'))
    .every((f) => {
      const cls = path.join(clsDir, f.replace(/\.java$/, '.class'));
      return existsSync(cls) && statSync(cls).mtimeMs >= statSync(path.join(srcDir, f)).mtimeMs;
    });
}

/** Starts (or reuses) the local Neo4j described by `cfg.neo4j`; `supervise`: restart it when it dies (see above). */
export async function ensureLocalNeo4j(cfg: Config['neo4j'], options: { supervise?: boolean } = {}): Promise<LocalNeo4j> {
  const port = cfg.localPort;
  const uri = `bolt://127.0.0.1:${port}`;
  if (await portAnswers(port)) {
    log.info('local Neo4j: reusing the server already listening', { uri });
    return { uri, startedHere: false, stop: async () => {} };
  }
  if (!commandWorks('java', ['-version'])) {
    throw new AppError('DEPENDENCY_MISSING', 'local Neo4j: Java is not installed (Java 17 is needed); install it, or set NEO4J_URI to an existing Neo4j');
  }
  if (!launcherBuilt()) buildLauncher();

  const dataDir = fromRoot(cfg.localDataDir);
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'launcher.log');
  const classpath = [path.join(GRAPH_DIR, 'target', 'classes'), path.join(GRAPH_DIR, 'target', 'lib', '*')].join(path.delimiter);
  const launch = (): ChildProcess => {
    const out = openSync(logFile, 'a');
    return spawn(
      'java',
      [`-Xmx${cfg.localHeapMb}m`, '-XX:+UseParallelGC', '-cp', classpath, 'graphrec.LocalNeo4j', dataDir, String(port), String(cfg.localPageCacheMb), '--exit-on-stdin-eof'],
      // stdin stays open and unused: when this process dies, even by SIGKILL, the server sees EOF and shuts down.
      { stdio: ['pipe', 'pipe', out] },
    );
  };
  let child = launch();
  log.info('local Neo4j: starting', { uri, dataDir, pid: child.pid });
  await waitForReady(child, cfg.startTimeoutS * 1000, logFile);
  log.info('local Neo4j: ready', { uri });

  let stopping: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  const handle: LocalNeo4j = {
    uri,
    startedHere: true,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    restarts: 0,
    stop: () =>
      (stopping ??= (async () => {
        clearTimeout(retry);
        await stopChild(child, cfg.stopTimeoutS * 1000);
      })()),
  };
  const restart = async (): Promise<void> => {
    if (stopping) return;
    child = launch();
    if (child.pid !== undefined) handle.pid = child.pid;
    log.warn('local Neo4j: restarting', { uri, pid: child.pid, attempt: failures + 1 });
    try {
      await waitForReady(child, cfg.startTimeoutS * 1000, logFile);
      if (stopping) return;
      failures = 0;
      handle.restarts = (handle.restarts ?? 0) + 1;
      log.info('local Neo4j: restarted', { uri, restarts: handle.restarts });
      supervise(child);
    } catch (error) {
      if (stopping) return;
      failures++;
      const delay = Math.min(RESTART_BACKOFF.maxMs, RESTART_BACKOFF.firstMs * 2 ** failures);
      log.error('local Neo4j: restart failed; trying again', { uri, error: (error as Error).message, inMs: delay });
      retry = setTimeout(() => void restart(), delay);
    }
  };
  const supervise = (watched: ChildProcess) => {
    watched.once('exit', (code, signal) => {
      if (stopping || watched !== child) return;
      const delay = RESTART_BACKOFF.firstMs;
      log.error('local Neo4j: exited unexpectedly; restarting', { uri, code, signal, inMs: delay });
      retry = setTimeout(() => void restart(), delay);
    });
  };
  if (options.supervise) supervise(child);
  return handle;
}

function waitForReady(child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new AppError('UNAVAILABLE', `local Neo4j: not ready after ${timeoutMs / 1000}s (see ${logFile})`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.includes(READY_MARK)) {
        clearTimeout(timer);
        buffered = '';
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new AppError('UNAVAILABLE', `local Neo4j: launcher exited (code ${code}, signal ${signal}) before it was ready; see ${logFile}`));
    });
  });
}

/**
 * SIGTERM (a clean shutdown: the launcher's hook), then SIGKILL after `timeoutMs`. A shutdown still running after 15 s
 * is said in the log: after writes to a vector index Neo4j waits for Lucene's merges (38–49 s right after a publish
 * at 10M and 50M interactions, docs/neo4j.md).
 */
export function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const started = performance.now();
    const slow = setTimeout(() => log.info('local Neo4j: still shutting down (index merges after vector writes can take minutes)', { pid: child.pid, killAfterS: timeoutMs / 1000 }), Math.min(15_000, timeoutMs));
    const force = setTimeout(() => {
      log.warn('local Neo4j: shutdown not finished in time; killing it (the next start recovers)', { pid: child.pid, stopTimeoutS: timeoutMs / 1000 });
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(slow);
      clearTimeout(force);
      const seconds = (performance.now() - started) / 1000;
      if (seconds > 15) log.info('local Neo4j: stopped', { seconds: Number(seconds.toFixed(1)) });
      resolve();
    });
    child.kill('SIGTERM');
  });
}
