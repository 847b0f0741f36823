import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeMetrics, type RankingInput } from '../../src/evaluate/metrics.ts';
import { evaluate } from '../../src/evaluate/pipeline.ts';
import { curveSvg, metricCurves, popularityBias, popularitySvg, reportDetail, writeReport, type ReportDetail } from '../../src/evaluate/report.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 4 items with training popularity [5, 0, 3, 1]; user rows: 0 → truth {1, 3}, list [0, 2]; 1 → truth {0}, list [1, −1]. */
function tinyInput(): RankingInput {
  return {
    users: Int32Array.of(0, 1),
    depth: 2,
    topK: Int32Array.of(0, 2, 1, -1),
    truthIndptr: Int32Array.of(0, 2, 3),
    truthIndices: Int32Array.of(1, 3, 0),
    nItems: 4,
    nUsers: 2,
    itemPopularity: Float64Array.of(5, 0, 3, 1),
  };
}

describe('evaluate/report: curves and popularity bias', () => {
  it('computes the popularity-bias bins by hand', () => {
    // Items by popularity: 0 (5), 2 (3) | 3 (1), 1 (0). Test items 1, 3 | 0. Slots: 0, 2 | 1.
    const p = popularityBias(tinyInput(), 2, 2);
    expect(p.k).toBe(2);
    expect(p.bins).toEqual([
      { bin: 1, items: 2, minPopularity: 3, maxPopularity: 5, trainShare: 8 / 9, testShare: 1 / 3, recommendedShare: 2 / 3 },
      { bin: 2, items: 2, minPopularity: 0, maxPopularity: 1, trainShare: 1 / 9, testShare: 2 / 3, recommendedShare: 1 / 3 },
    ]);
    expect(p.headLift).toBeCloseTo(2 / 3 / 0.5);
    // K = 1 counts only the first slot of each list: items 0 and 1.
    expect(popularityBias(tinyInput(), 1, 2).bins.map((b) => b.recommendedShare)).toEqual([0.5, 0.5]);
  });

  it('gives curves equal to computeMetrics at every K', () => {
    const input = tinyInput();
    const c = metricCurves(input, 5, ['recall', 'ndcg', 'coverage']);
    expect(c.ks).toEqual([1, 2]); // capped at the ranking depth
    const flat = computeMetrics(input, [1, 2], ['recall', 'ndcg', 'coverage']);
    expect(c.values.recall).toEqual([flat['recall@1'], flat['recall@2']]);
    expect(c.values.ndcg).toEqual([flat['ndcg@1'], flat['ndcg@2']]);
    expect(c.values.coverage).toEqual([0.5, 0.75]);
  });
});

function writeFixture(): string {
  const folder = join(dir, 'data');
  const train: string[] = [];
  const test: string[] = [];
  for (let u = 0; u < 30; u++) {
    const base = u % 3 === 0 ? 0 : 6;
    train.push([u, base + (u % 4), base + ((u + 1) % 4), 12 + (u % 2)].join(' '));
    test.push([u, base + ((u + 2) % 4)].join(' '));
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'train.txt'), train.join('\n') + '\n');
  writeFileSync(join(folder, 'test.txt'), test.join('\n') + '\n');
  return folder;
}

describe('evaluate/report: writeReport with curves and popularity bias', () => {
  it('evaluates ranked deeper than the largest K without changing the metrics, and writes every chart', async () => {
    const folder = writeFixture();
    const plain = await evaluate({ dataset: `lightgcn:${folder}`, model: 'itemknn', ks: [2] });
    const details: ReportDetail[] = [];
    const deep = await evaluate({ dataset: `lightgcn:${folder}`, model: 'itemknn', ks: [2] }, { rankDepth: 10, onTestRanking: (input) => details.push(reportDetail(input, { maxK: 10, popularityK: 5 })) });
    expect(deep.test).toEqual(plain.test);
    expect(deep.configHash).toBe(plain.configHash);
    expect(details).toHaveLength(1);
    expect(details[0]!.curves.ks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(details[0]!.curves.values.recall![1]).toBe(deep.test['recall@2']);
    const shares = details[0]!.popularity.bins.map((b) => b.recommendedShare);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1);

    const popular = await evaluate({ dataset: `lightgcn:${folder}`, model: 'popular', ks: [2] }, { rankDepth: 10, onTestRanking: (input) => details.push(reportDetail(input, { maxK: 10, popularityK: 5 })) });
    const results = [deep, popular];
    const paths = writeReport(join(dir, 'report'), results, details);
    for (const p of [paths.json, paths.markdown, paths.svg, paths.curvesCsv!, paths.popularityCsv!, paths.popularitySvg!, ...Object.values(paths.curves!)]) expect(existsSync(p), p).toBe(true);
    expect(Object.keys(paths.curves!)).toEqual(['recall', 'ndcg', 'precision', 'mrr', 'hit', 'coverage', 'novelty', 'arp']);
    const csv = readFileSync(paths.curvesCsv!, 'utf8').split('\n');
    expect(csv[0]).toBe('model,metric,k,value');
    expect(csv.length - 2).toBe(2 * 8 * 10);
    expect(readFileSync(paths.popularityCsv!, 'utf8').split('\n')[0]).toBe('model,k,bin,items,minPopularity,maxPopularity,trainShare,testShare,recommendedShare');
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))[0].report.curves.ks).toHaveLength(10);

    const recall = curveSvg(results, details, 'recall');
    expect(recall).toContain('Recall@K on data');
    expect(recall).toContain('K (length of the recommendation list)');
    expect(recall.match(/<polyline/g)).toHaveLength(2);
    expect(recall).toContain('>itemknn</text>');
    expect(recall).toContain('>popular</text>');
    const bias = popularitySvg(results, details);
    expect(bias).toContain('Popularity bias of the top-5 lists');
    expect(bias).toContain('item-popularity decile');
    expect(bias).toContain('test interactions');
    expect(bias).toContain('catalogue (items)');
    // popular fills every list from the most popular unseen items: nothing beyond the items with ≥ 5 interactions.
    const popularBins = details[1]!.popularity.bins;
    expect(popularBins.reduce((a, b) => a + b.recommendedShare, 0)).toBeCloseTo(1);
    expect(popularBins.filter((b) => b.maxPopularity < 5).reduce((a, b) => a + b.recommendedShare, 0)).toBe(0);
  });
});
