import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, hashConfig } from '../../src/evaluate/pipeline.ts';
import { toMarkdown, toSvg, writeReport } from '../../src/evaluate/report.ts';
import { createRng } from '../../src/compute/rng.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A LightGCN-format folder: 30 users in two taste groups over 24 items; ~20% of each user's items in test. */
function writeFixture(withValid: boolean): string {
  const folder = join(dir, withValid ? 'with-valid' : 'plain');
  mkdirSync(folder, { recursive: true });
  const rng = createRng(3);
  const train: string[] = [];
  const valid: string[] = [];
  const test: string[] = [];
  for (let u = 0; u < 30; u++) {
    const base = u % 2 === 0 ? 0 : 12;
    const tr: number[] = [];
    const va: number[] = [];
    const te: number[] = [];
    for (let i = base; i < base + 12; i++) {
      const r = rng.float();
      if (r < 0.5) tr.push(i);
      else if (r < 0.6 && withValid) va.push(i);
      else if (r < 0.75) te.push(i);
    }
    if (tr.length === 0) tr.push(base);
    train.push([u, ...tr].join(' '));
    if (va.length) valid.push([u, ...va].join(' '));
    if (te.length) test.push([u, ...te].join(' '));
  }
  writeFileSync(join(folder, 'train.txt'), train.join('\n') + '\n');
  writeFileSync(join(folder, 'test.txt'), test.join('\n') + '\n');
  if (withValid) writeFileSync(join(folder, 'valid.txt'), valid.join('\n') + '\n');
  return folder;
}

describe('evaluate/pipeline', () => {
  it('runs a baseline end to end with metric keys like "recall@20"', async () => {
    const folder = writeFixture(false);
    const r = await evaluate({ dataset: `lightgcn:${folder}`, model: 'itemknn', ks: [5, 10] });
    expect(Object.keys(r.test)).toEqual(expect.arrayContaining(['recall@5', 'recall@10', 'ndcg@10', 'precision@5', 'mrr@10', 'hit@10', 'coverage@10', 'novelty@10', 'arp@10']));
    expect(r.best).toBeNull();
    expect(r.valid).toBeNull();
    expect(r.dataset).toMatchObject({ nUsers: 30, nItems: 24 });
    // item-kNN finds the taste groups: better than popularity
    const pop = await evaluate({ dataset: `lightgcn:${folder}`, model: 'popular', ks: [5, 10] });
    expect(r.test['recall@5']!).toBeGreaterThan(pop.test['recall@5']!);
    expect(r.configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(r.configHash).not.toBe(pop.configHash);
  });

  it('trains LightGCN with early stopping on a validation part and reports best, valid and test', async () => {
    const folder = writeFixture(true);
    const r = await evaluate({ dataset: `lightgcn:${folder}`, model: 'lightgcn', ks: [5], modelOptions: { embeddingSize: 8, epochs: 30, batchSize: 64, evalEvery: 5, learningRate: 0.05 } });
    expect(r.backend).toMatch(/^cpu-/);
    expect(r.best?.metric).toBe('recall@5');
    expect(r.valid?.['recall@5']).toBeGreaterThan(0);
    expect(r.test['recall@5']).toBeGreaterThan(0.3);
    const merged = await evaluate({ dataset: `lightgcn:${folder}`, model: 'popular', ks: [5], protocol: 'merge-valid' });
    expect(merged.dataset.nValid).toBe(0);
    expect(merged.dataset.nTrain).toBe(r.dataset.nTrain + r.dataset.nValid);
  });

  it('hashes configs canonically and rejects unknown datasets and models', async () => {
    expect(hashConfig({ a: 1, b: [2, { c: 3, d: 4 }] })).toBe(hashConfig({ b: [2, { d: 4, c: 3 }], a: 1 }));
    await expect(evaluate({ dataset: 'csv:/x', model: 'popular' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(evaluate({ dataset: 'lightgcn:/x', model: 'svd' as 'popular' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('writes a Markdown table and an SVG plot of Recall/NDCG against K', async () => {
    const folder = writeFixture(false);
    const r = await evaluate({ dataset: `lightgcn:${folder}`, model: 'rp3beta', ks: [1, 5, 10], metrics: ['recall', 'ndcg'] });
    const md = toMarkdown([r]);
    expect(md.split('\n')[0]).toBe('| model | dataset | backend | epochs | recall@1 | recall@5 | recall@10 | ndcg@1 | ndcg@5 | ndcg@10 | fit s | test s |');
    expect(md).toContain(`| rp3beta | plain | cpu-js |  | ${r.test['recall@1']!.toFixed(4)} |`);
    const svg = toSvg([r]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg.match(/<circle/g)?.length).toBe(6);
    const paths = writeReport(join(dir, 'report'), [r]);
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))[0].test['recall@5']).toBe(r.test['recall@5']);
  });
});
