import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { evaluateCommand, parseModels } from '../../src/cli/commands/evaluate.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-cli-charts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function stdoutOf(run: () => Promise<void>): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('graphrec evaluate: several models, CSV, charts', () => {
  const folder = join(dir, 'ds');
  mkdirSync(folder);
  const train: string[] = [];
  const test: string[] = [];
  for (let u = 0; u < 24; u++) {
    const base = u % 2 === 0 ? 0 : 8;
    train.push([u, base + (u % 4), base + ((u + 1) % 4), base + 4 + (u % 3)].join(' '));
    test.push([u, base + ((u + 2) % 4)].join(' '));
  }
  writeFileSync(join(folder, 'train.txt'), train.join('\n') + '\n');
  writeFileSync(join(folder, 'test.txt'), test.join('\n') + '\n');

  it('parses --model lists and rejects unknown names', () => {
    expect(parseModels(undefined)).toEqual(['lightgcn']);
    expect(parseModels('popular, itemknn,popular')).toEqual(['popular', 'itemknn']);
    expect(() => parseModels('popular,svd')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parseModels(',')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('prints model,dataset,metric,value CSV for every model and writes curves to --curve-k and the bias chart', async () => {
    const out = join(dir, 'report');
    const csv = await stdoutOf(() => evaluateCommand.run(['--dataset', `lightgcn:${folder}`, '--model', 'itemknn,popular', '--k', '5', '--metrics', 'recall,ndcg', '--curve-k', '8', '--out', out, '--format', 'csv']));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('model,dataset,metric,value');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['itemknn,ds,recall@5', 'itemknn,ds,ndcg@5', 'popular,ds,recall@5', 'popular,ds,ndcg@5']);
    for (const f of ['results.json', 'results.md', 'metrics-at-k.svg', 'curve-recall.svg', 'curve-ndcg.svg', 'curves.csv', 'popularity-bias.svg', 'popularity-bias.csv']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, 'curve-precision.svg'))).toBe(false);
    const curves = readFileSync(join(out, 'curves.csv'), 'utf8').trimEnd().split('\n');
    expect(curves).toHaveLength(1 + 2 * 2 * 8);
    expect(curves.filter((l) => l.startsWith('popular,recall,')).map((l) => Number(l.split(',')[2]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const bias = readFileSync(join(out, 'popularity-bias.csv'), 'utf8').trimEnd().split('\n');
    expect(bias[1]!.startsWith('itemknn,5,1,')).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.map((r: { model: string }) => r.model)).toEqual(['itemknn', 'popular']);
  });

  it('prints an array of results in JSON for several models and one object for one', async () => {
    const many = JSON.parse(await stdoutOf(() => evaluateCommand.run(['--dataset', `lightgcn:${folder}`, '--model', 'popular,rp3beta', '--k', '5'])));
    expect(many.map((r: { model: string }) => r.model)).toEqual(['popular', 'rp3beta']);
    const one = JSON.parse(await stdoutOf(() => evaluateCommand.run(['--dataset', `lightgcn:${folder}`, '--model', 'popular', '--k', '5'])));
    expect(one.model).toBe('popular');
  });
});
