import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { evaluateCommand, lightGcnOptionsFromFlags, parseKs, parseSplit } from '../../src/cli/commands/evaluate.ts';
import { trainCommand } from '../../src/cli/commands/train.ts';
import { loadEmbeddings } from '../../src/compute/lightgcn/artifact.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-cli-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixture(): string {
  const lines: string[] = [];
  const test: string[] = [];
  for (let u = 0; u < 20; u++) {
    const base = u % 2 === 0 ? 0 : 10;
    lines.push([u, base + (u % 5), base + ((u + 1) % 5), base + ((u + 2) % 5), base + 5 + (u % 3)].join(' '));
    test.push([u, base + ((u + 3) % 5)].join(' '));
  }
  writeFileSync(join(dir, 'train.txt'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'test.txt'), test.join('\n') + '\n');
  return dir;
}

async function capture(run: () => Promise<void>): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('graphrec evaluate / train commands', () => {
  it('prints JSON whose test object holds "recall@20", "ndcg@20", … and writes the report', async () => {
    const folder = fixture();
    const out = await capture(() => evaluateCommand.run(['--dataset', `lightgcn:${folder}`, '--model', 'itemknn', '--k', '10,20', '--out', join(dir, 'report')]));
    const result = JSON.parse(out);
    expect(Object.keys(result.test)).toEqual(expect.arrayContaining(['recall@10', 'recall@20', 'ndcg@20', 'precision@20']));
    expect(result.configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(readFileSync(join(dir, 'report', 'results.md'), 'utf8')).toContain('| itemknn |');
    expect(existsSync(join(dir, 'report', 'metrics-at-k.svg'))).toBe(true);
  });

  it('trains and saves an artifact', async () => {
    const folder = fixture();
    const out = await capture(() => trainCommand.run(['--dataset', `lightgcn:${folder}`, '--epochs', '3', '--dim', '8', '--batch-size', '32', '--embeddings-dir', join(dir, 'emb'), '--name', 'cli']));
    const result = JSON.parse(out);
    expect(result.backend).toMatch(/^cpu-/);
    const art = loadEmbeddings(result.path);
    expect(art.manifest).toMatchObject({ dim: 8, nUsers: 20, nItems: 18, epochs: 3 });
    expect(art.manifest.metrics['recall@20']).toBe(result.test['recall@20']);
  });

  it('parses flags and rejects bad values with BAD_REQUEST', async () => {
    expect(parseKs('10, 20')).toEqual([10, 20]);
    expect(parseSplit('random:0.8,0.1,0.1')).toEqual({ kind: 'random', ratios: [0.8, 0.1, 0.1] });
    expect(parseSplit('temporal:1')).toEqual({ kind: 'temporal', nValid: 1 });
    expect(lightGcnOptionsFromFlags({ epochs: '5', lr: '0.01', negatives: 'uniform' })).toEqual({ epochs: 5, learningRate: 0.01, negatives: 'uniform' });
    expect(() => parseKs('0')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => lightGcnOptionsFromFlags({ negatives: 'hard' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    await expect(evaluateCommand.run(['--model', 'popular'])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(evaluateCommand.run(['--dataset', 'lightgcn:/nope', '--model', 'svd'])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
