import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeError, main, oneLine } from '../../src/cli/main.ts';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { AppError } from '../../src/core/errors.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'graphrec-cli-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real `graphrec` entry point (scripts/graphrec.js) in a child process. */
function graphrec(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'graphrec.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function captured(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('graphrec main: help and errors', () => {
  it('answers --help for every command with its usage line, exit 0', async () => {
    for (const entry of COMMANDS) {
      const r = await captured([entry.name, '--help']);
      expect(r.code, entry.name).toBe(0);
      expect(r.stdout.startsWith(`usage: graphrec ${entry.name}`), entry.name).toBe(true);
      expect(r.stderr).toBe('');
    }
  });

  it('documents --format in the help of every command that prints records', async () => {
    // serve and mcp print no records (mcp's stdout is JSON-RPC).
    for (const entry of COMMANDS.filter((c) => c.name !== 'serve' && c.name !== 'mcp')) {
      const r = await captured([entry.name, '--help']);
      expect(r.stdout, entry.name).toMatch(/--format/);
    }
  });

  it('lists the commands on bare `graphrec` (exit 2) and `graphrec --help` (exit 0)', async () => {
    expect((await captured([])).code).toBe(2);
    const help = await captured(['--help']);
    expect(help.code).toBe(0);
    for (const entry of COMMANDS) expect(help.stdout).toContain(`  ${entry.name} `);
  });

  it('turns every error into one line: AppError codes, system errors, multi-line messages', () => {
    expect(describeError('recommend', new AppError('BAD_REQUEST', '--k must be\nan integer'))).toEqual({ line: 'graphrec recommend: BAD_REQUEST: --k must be an integer', exitCode: 2 });
    expect(describeError('x', new AppError('NOT_FOUND', 'gone')).exitCode).toBe(2);
    expect(describeError('x', new AppError('UNAVAILABLE', 'neo4j down')).exitCode).toBe(1);
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'u.txt'"), { code: 'ENOENT', syscall: 'open' });
    expect(describeError('recommend', enoent)).toEqual({ line: "graphrec recommend: BAD_REQUEST: ENOENT: no such file or directory, open 'u.txt'", exitCode: 2 });
    const boom = describeError('stats', new TypeError('x is not\n  a function'));
    expect(boom).toEqual({ line: 'graphrec stats: INTERNAL: x is not a function', exitCode: 1 });
    expect(oneLine('  a\r\n  b\n')).toBe('a b');
  });

  // Spawning the real CLI: bad input is rejected before any database is opened, so these need no Neo4j.
  const badInputs: Array<[string, string[]]> = [
    ['unknown command', ['bogus']],
    ['bad --k', ['recommend', '--user', '1', '--k', '0']],
    ['bad --format', ['recommend', '--user', '1', '--format', 'xml']],
    ['unknown flag', ['recommend', '--user', '1', '--bogus']],
    ['neither --user nor --users', ['recommend']],
    ['missing --users file', ['recommend', '--users', join(dir, 'nope.txt')]],
    ['similar without --item', ['similar', '--k', '5']],
    ['export without --out', ['export']],
    ['evaluate without --dataset', ['evaluate', '--format', 'csv']],
    ['evaluate with an unknown model', ['evaluate', '--dataset', 'lightgcn:/x', '--model', 'popular,svd']],
    ['stats with bad --format', ['stats', '--format', 'tsv']],
  ];
  it.each(badInputs)('%s: exit 2, one stderr line, no stack, empty stdout', (_, args) => {
    const r = graphrec(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^graphrec( [a-z0-9]+)?: [A-Z_]+: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints a command help through the real entry point', () => {
    const r = graphrec(['recommend', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--format F');
    expect(r.stdout).toContain('user,rank,item,title,score,via');
  });
});
