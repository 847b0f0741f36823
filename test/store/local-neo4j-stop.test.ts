/**
 * How store/local-neo4j stops the server it started (`stopChild`): SIGTERM, then a wait for the process to finish its
 * shutdown, up to the timeout (neo4j.stopTimeoutS), and SIGKILL only after it. A child that takes a while to exit
 * after SIGTERM (as Neo4j does while Lucene merges its vector indexes) is not killed before the timeout.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stopChild } from '../../src/store/local-neo4j.ts';

/** A child that exits `ms` after its SIGTERM (never, for -1), like a shutdown hook that takes that long. */
function slowToStop(ms: number) {
  const child = spawn(process.execPath, ['-e', `process.on('SIGTERM', () => { if (${ms} >= 0) setTimeout(() => process.exit(0), ${ms}); }); process.stdout.write('up'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const up = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, up, exited };
}

describe('stopping the local Neo4j', () => {
  it('waits for a slow clean shutdown instead of killing it', async () => {
    const { child, up, exited } = slowToStop(1500);
    await up;
    const t0 = performance.now();
    await stopChild(child, 10_000);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1400);
  });

  it('kills a process that does not exit within the timeout', async () => {
    const { child, up, exited } = slowToStop(-1);
    await up;
    await stopChild(child, 500);
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
