/**
 * `graphrec train` as a real subprocess on a small dataset: progress lines when stderr is a file, Ctrl-C (a real
 * SIGINT) stops after the epoch with a checkpoint, the metrics so far and exit 130, `--resume` ends with the same bits
 * as an uninterrupted run, and a second Ctrl-C exits at once.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { ROOT } from '../../src/core/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CLI = join(ROOT, 'scripts', 'graphrec.js');

/** 1,500 users in three communities of 150 items; ≈ 15 training and 4 test items each. */
function fixture(): string {
  const rng = createRng(3);
  const train: string[] = [];
  const test: string[] = [];
  for (let u = 0; u < 1500; u++) {
    const base = (u % 3) * 150;
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = base; i < base + 150; i++) {
      const r = rng.float();
      if (r < 0.1) tr.push(i);
      else if (r < 0.125) te.push(i);
    }
    if (tr.length === 0) tr.push(base);
    if (te.length === 0) te.push(base + 149);
    train.push([u, ...tr].join(' '));
    test.push([u, ...te].join(' '));
  }
  const folder = join(dir, 'data');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'train.txt'), train.join('\n') + '\n');
  writeFileSync(join(folder, 'test.txt'), test.join('\n') + '\n');
  return folder;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI; `stderrFile` sends stderr to a file (not a TTY, not a pipe); `onStderr` sees stderr lines as they
 * come (piped) and may signal the child.
 */
function run(args: string[], opts: { stderrFile?: string; onStderr?: (line: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const errFd = opts.stderrFile ? openSync(opts.stderrFile, 'w') : null;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', errFd ?? 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout!.on('data', (c) => (stdout += String(c)));
    child.stderr?.on('data', (c) => {
      stderr += String(c);
      partial += String(c);
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) opts.onStderr?.(line, child);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (errFd !== null) closeSync(errFd);
      resolve({ code, stdout, stderr: opts.stderrFile ? readFileSync(opts.stderrFile, 'utf8') : stderr });
    });
  });
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('graphrec train as a subprocess', () => {
  const folder = fixture();
  const emb = join(dir, 'emb');
  const args = ['train', '--dataset', `lightgcn:${folder}`, '--epochs', '40', '--dim', '16', '--batch-size', '128', '--seed', '9', '--embeddings-dir', emb, '--name', 'fx'];

  it('logs progress to a file, stops on Ctrl-C with a checkpoint and exit 130, and --resume reaches the same bits', async () => {
    // 1. uninterrupted, stderr is a file
    const full = await run(args, { stderrFile: join(dir, 'full.err') });
    expect(full.code, full.stderr).toBe(0);
    const progress = jsonLines(full.stderr).filter((l) => l.msg === 'progress' && l.task === 'train');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatchObject({ done: 40, total: 40, epoch: 40, eta: 0 });
    for (const l of progress) expect(Object.keys(l)).toEqual(expect.arrayContaining(['epoch', 'loss', 'valid', 'eta', 'elapsed']));
    const fullOut = JSON.parse(full.stdout) as { path: string; test: Record<string, number> };

    // 2. Ctrl-C once training reports progress: the epoch finishes, a checkpoint is written, exit 130
    let sent = false;
    const cut = await run(args, {
      onStderr: (line, child) => {
        if (!sent && line.includes('"msg":"progress"') && line.includes('"task":"train"')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(cut.code, cut.stderr).toBe(130);
    expect(cut.stderr).toContain('graphrec train: INTERRUPTED:');
    const soFar = JSON.parse(cut.stdout) as { interrupted: boolean; epochs: number; loss: number; checkpoint: string };
    expect(soFar).toMatchObject({ interrupted: true });
    expect(soFar.epochs).toBeGreaterThanOrEqual(1);
    expect(soFar.epochs).toBeLessThan(40);
    expect(soFar.loss).toBeGreaterThan(0);
    expect(existsSync(soFar.checkpoint)).toBe(true);

    // 3. resume: the same embeddings, bit for bit, and the same test metrics; the checkpoint is gone afterwards
    const resumed = await run([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('"msg":"lightgcn: resumed"');
    const resumedOut = JSON.parse(resumed.stdout) as { path: string; test: Record<string, number> };
    expect(resumedOut.test).toEqual(fullOut.test);
    for (const file of ['users.f32', 'items.f32']) expect(readFileSync(join(resumedOut.path, file)).equals(readFileSync(join(fullOut.path, file)))).toBe(true);
    expect(existsSync(soFar.checkpoint)).toBe(false);
  }, 120_000);

  it('a second Ctrl-C exits at once, without finishing the epoch', async () => {
    let signals = 0;
    const slow = await run(['train', '--dataset', `lightgcn:${folder}`, '--epochs', '3', '--dim', '64', '--batch-size', '4', '--embeddings-dir', emb, '--name', 'slow'], {
      onStderr: (line, child) => {
        if (signals === 0 && line.includes('"msg":"progress"')) {
          signals++;
          child.kill('SIGINT');
        } else if (signals === 1 && line.includes('interrupt: finishing the current epoch')) {
          signals++;
          child.kill('SIGINT');
        }
      },
    });
    expect(signals).toBe(2);
    expect(slow.code).toBe(130);
    expect(slow.stderr).toContain('second Ctrl-C');
    expect(slow.stderr).not.toContain('"msg":"lightgcn: checkpoint"');
  }, 120_000);
});
