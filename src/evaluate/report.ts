/**
 * @module evaluate/report
 * Renders evaluation results for people and notebooks: a Markdown table (one row per result, one column per
 * metric@K), metric-vs-K curves (Recall, NDCG, … at every K in 1..maxK, one line per model) and a popularity-bias
 * chart (share of recommended items per item-popularity decile, against the catalogue and the test interactions),
 * as SVG (through `report/svg-chart.ts`, no browser or plotting library) plus the CSV behind each chart.
 *
 * Curves and popularity bias are computed from a run's test ranking (`evaluate(config, { rankDepth, onTestRanking })`),
 * so they describe exactly the lists the reported metrics were computed on.
 *
 * @example
 *   const details: ReportDetail[] = [];
 *   const r = await evaluate(cfg, { rankDepth: 50, onTestRanking: (input) => details.push(reportDetail(input, { maxK: 50, popularityK: 20 })) });
 *   writeReport('out/', [r], details);
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toCsv } from '../report/csv.ts';
import { barChart, lineChart, PALETTE, type Series } from '../report/svg-chart.ts';
import { computeMetrics, DEFAULT_METRICS, METRICS, type RankingInput } from './metrics.ts';
import type { EvaluateResult } from './pipeline.ts';

const fmt = (v: number | undefined) => (v === undefined ? '' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

/** Display names of the metrics in chart titles and axes. */
export const METRIC_TITLES: Record<string, string> = {
  recall: 'Recall',
  ndcg: 'NDCG',
  precision: 'Precision',
  mrr: 'MRR',
  hit: 'Hit rate',
  coverage: 'Catalogue coverage',
  novelty: 'Novelty (bits)',
  arp: 'Avg. recommended popularity',
};

/** Metric keys of the results ("recall@20", …) in metric-then-K order. */
function metricKeys(results: EvaluateResult[]): string[] {
  const keys = new Set<string>();
  for (const r of results) for (const k of Object.keys(r.test)) keys.add(k);
  return [...keys].sort((a, b) => {
    const [na, ka] = a.split('@');
    const [nb, kb] = b.split('@');
    return na === nb ? Number(ka) - Number(kb) : 0;
  });
}

export function toMarkdown(results: EvaluateResult[]): string {
  const keys = metricKeys(results);
  const head = ['model', 'dataset', 'backend', 'epochs', ...keys, 'fit s', 'test s'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of results) {
    const row = [r.model, r.dataset.name, r.backend, r.epochs === null ? '' : String(r.epochs), ...keys.map((k) => fmt(r.test[k])), r.timings.fit.toFixed(1), r.timings.test.toFixed(1)];
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** Metric values at K = 1..maxK: `values[metric][K − 1]`. */
export interface MetricCurves {
  ks: number[];
  values: Record<string, number[]>;
}

/** One item-popularity decile (or other quantile bin) of the catalogue. */
export interface PopularityBin {
  /** 1 = the most popular tenth of the items. */
  bin: number;
  items: number;
  /** Training interactions of the least and most popular item in the bin. */
  minPopularity: number;
  maxPopularity: number;
  /** Shares (0..1) of the training interactions, the test interactions and the recommended top-K slots. */
  trainShare: number;
  testShare: number;
  recommendedShare: number;
}

export interface PopularityBias {
  /** Cut-off of the recommendation lists counted. */
  k: number;
  bins: PopularityBin[];
  /** Share of recommended slots in bin 1 divided by bin 1's share of the catalogue (1 = no bias). */
  headLift: number;
}

/** What a report shows about one result beyond its metrics. */
export interface ReportDetail {
  curves: MetricCurves;
  popularity: PopularityBias;
}

/** Every metric at every K in 1..maxK (maxK ≤ the ranking's depth). */
export function metricCurves(input: RankingInput, maxK: number, metrics: readonly string[] = DEFAULT_METRICS): MetricCurves {
  const ks = Array.from({ length: Math.min(maxK, input.depth) }, (_, i) => i + 1);
  const flat = computeMetrics(input, ks, metrics.filter((m) => m in METRICS));
  const values: Record<string, number[]> = {};
  for (const m of metrics) if (m in METRICS) values[m] = ks.map((k) => flat[`${m}@${k}`]!);
  return { ks, values };
}

/**
 * Items ranked by training popularity (most popular first, ties to the lower index) and cut into `nBins` bins of
 * (nearly) equal item count; per bin, the share of training interactions, of test interactions and of the top-`k`
 * recommendation slots of the evaluated users. An unbiased recommender puts ≈ 1/nBins of its slots in every bin; one
 * that follows demand matches the test share.
 */
export function popularityBias(input: RankingInput, k: number, nBins = 10): PopularityBias {
  const n = input.nItems;
  const kk = Math.min(k, input.depth);
  const pop = input.itemPopularity;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => pop[b]! - pop[a]! || a - b);
  const binOf = new Int32Array(n);
  const bins = Math.max(1, Math.min(nBins, n));
  const out: PopularityBin[] = Array.from({ length: bins }, (_, b) => ({ bin: b + 1, items: 0, minPopularity: Infinity, maxPopularity: 0, trainShare: 0, testShare: 0, recommendedShare: 0 }));
  order.forEach((item, rank) => {
    const b = Math.min(bins - 1, Math.floor((rank * bins) / n));
    binOf[item] = b;
    const bin = out[b]!;
    bin.items++;
    bin.minPopularity = Math.min(bin.minPopularity, pop[item]!);
    bin.maxPopularity = Math.max(bin.maxPopularity, pop[item]!);
    bin.trainShare += pop[item]!;
  });
  const trainTotal = out.reduce((a, b) => a + b.trainShare, 0);
  for (const item of input.truthIndices) out[binOf[item]!]!.testShare++;
  let slots = 0;
  for (let row = 0; row < input.users.length; row++) {
    for (let r = 0; r < kk; r++) {
      const item = input.topK[row * input.depth + r]!;
      if (item < 0) continue;
      out[binOf[item]!]!.recommendedShare++;
      slots++;
    }
  }
  const testTotal = input.truthIndices.length;
  for (const bin of out) {
    bin.trainShare = trainTotal > 0 ? bin.trainShare / trainTotal : 0;
    bin.testShare = testTotal > 0 ? bin.testShare / testTotal : 0;
    bin.recommendedShare = slots > 0 ? bin.recommendedShare / slots : 0;
    if (bin.items === 0) bin.minPopularity = 0;
  }
  const head = out[0]!;
  return { k: kk, bins: out, headLift: head.items > 0 ? head.recommendedShare / (head.items / n) : 0 };
}

/** Curves up to `maxK` and the popularity bias at `popularityK` of one test ranking. */
export function reportDetail(input: RankingInput, options: { maxK: number; popularityK: number; metrics?: readonly string[]; bins?: number }): ReportDetail {
  return { curves: metricCurves(input, options.maxK, options.metrics), popularity: popularityBias(input, options.popularityK, options.bins) };
}

const datasetName = (results: EvaluateResult[]) => [...new Set(results.map((r) => r.dataset.name))].join(', ');

/** Curves of one metric per result, from the details when given, else from the reported K values. */
function seriesOf(results: EvaluateResult[], details: ReadonlyArray<ReportDetail | undefined>, metric: string, labelSuffix = ''): Series[] {
  const out: Series[] = [];
  results.forEach((r, i) => {
    const curve = details[i]?.curves.values[metric];
    const points: Array<[number, number]> = curve
      ? curve.map((v, j) => [details[i]!.curves.ks[j]!, v])
      : Object.entries(r.test)
          .filter(([key]) => key.startsWith(metric + '@'))
          .map(([key, v]) => [Number(key.split('@')[1]), v] as [number, number])
          .sort((a, b) => a[0] - b[0]);
    if (points.length) out.push({ label: `${r.model}${labelSuffix}`, points, ...(points.length > 12 ? { marker: 0 } : {}) });
  });
  return out;
}

/**
 * The legacy overview: Recall@K (solid) and NDCG@K (dashed) for every result in one chart. `metrics` picks other
 * metrics; each result × metric is one series.
 */
export function toSvg(results: EvaluateResult[], metrics: string[] = ['recall', 'ndcg'], details: ReadonlyArray<ReportDetail | undefined> = []): string {
  const series: Series[] = [];
  metrics.forEach((m, mi) => {
    for (const s of seriesOf(results, details, m, ` ${m}`)) series.push({ ...s, ...(mi > 0 ? { dashed: true } : {}) });
  });
  const byModel = new Map<string, number>();
  for (const s of series) {
    const model = s.label.slice(0, s.label.lastIndexOf(' '));
    if (!byModel.has(model)) byModel.set(model, byModel.size);
  }
  const colored = series.map((s) => ({ ...s, color: PALETTE[byModel.get(s.label.slice(0, s.label.lastIndexOf(' ')))! % PALETTE.length]! }));
  return lineChart({
    title: `${metrics.map((m) => METRIC_TITLES[m] ?? m).join(' and ')} against K`,
    subtitle: `test part of ${datasetName(results)}${metrics.length > 1 ? `; solid: ${metrics[0]}, dashed: ${metrics.slice(1).join(', ')}` : ''}`,
    x: { label: 'K (length of the recommendation list)' },
    y: { label: 'metric@K' },
    series: colored,
  });
}

/** What each metric's curve shows, for the chart subtitle (`{users}` = the evaluated users). */
const METRIC_NOTES: Record<string, string> = {
  coverage: 'distinct items in the top-K lists of all {users} test users / catalogue size',
  novelty: 'mean −log2(item popularity share) of the recommended items, over {users} users',
  arp: 'mean training interactions of the recommended items, over {users} users (lower = less popular)',
};

/** One metric against K, one line per result. */
export function curveSvg(results: EvaluateResult[], details: ReadonlyArray<ReportDetail | undefined>, metric: string): string {
  const title = METRIC_TITLES[metric] ?? metric;
  const users = String(results[0]?.dataset.testUsers ?? 0);
  const note = (METRIC_NOTES[metric] ?? 'mean over {users} test users').replace('{users}', users);
  return lineChart({
    title: `${title}@K on ${datasetName(results)}`,
    subtitle: `test part, full ranking (training items masked); ${note}`,
    x: { label: 'K (length of the recommendation list)', min: 0 },
    y: { label: `${title}@K` },
    series: seriesOf(results, details, metric),
  });
}

/** Grouped bars: share of recommended slots per popularity decile per result, with the test and catalogue shares. */
export function popularitySvg(results: EvaluateResult[], details: ReadonlyArray<ReportDetail | undefined>): string {
  const withBias = results.map((r, i) => ({ r, p: details[i]?.popularity })).filter((x): x is { r: EvaluateResult; p: PopularityBias } => !!x.p);
  const bins = withBias[0]?.p.bins ?? [];
  const pct = (v: number) => `${+(v * 100).toPrecision(3)}%`;
  return barChart({
    title: `Popularity bias of the top-${withBias[0]?.p.k ?? ''} lists on ${datasetName(results)}`,
    subtitle: 'items cut into deciles by training interactions (1 = most popular tenth); bars: share of recommended slots',
    categories: bins.map((b) => `${b.bin}`),
    xLabel: `item-popularity decile (training interactions per item: ${bins.length ? `${bins[0]!.maxPopularity}…${bins[bins.length - 1]!.minPopularity}` : ''})`,
    y: { label: 'share of recommendations / interactions', format: pct },
    groups: withBias.map(({ r, p }) => ({ label: `${r.model} (head lift ${p.headLift.toFixed(1)}×)`, values: p.bins.map((b) => b.recommendedShare) })),
    references: bins.length
      ? [
          { label: 'test interactions', values: bins.map((b) => b.testShare), color: '#111' },
          { label: 'catalogue (items)', values: bins.map((b) => b.items / bins.reduce((a, x) => a + x.items, 0)), color: '#999' },
        ]
      : [],
  });
}

export interface ReportPaths {
  json: string;
  markdown: string;
  svg: string;
  /** Present when details were given. */
  curvesCsv?: string;
  curves?: Record<string, string>;
  popularityCsv?: string;
  popularitySvg?: string;
}

/**
 * Writes `results.json`, `results.md` and `metrics-at-k.svg` into `dir`; with details also `curves.csv`
 * (model,metric,k,value), `curve-<metric>.svg` per metric, `popularity-bias.csv` and `popularity-bias.svg`.
 * Returns the paths.
 */
export function writeReport(dir: string, results: EvaluateResult[], details: ReadonlyArray<ReportDetail | undefined> = []): ReportPaths {
  mkdirSync(dir, { recursive: true });
  const paths: ReportPaths = { json: join(dir, 'results.json'), markdown: join(dir, 'results.md'), svg: join(dir, 'metrics-at-k.svg') };
  const withDetails = results.map((r, i) => ({ ...r, ...(details[i] ? { report: details[i] } : {}) }));
  writeFileSync(paths.json, JSON.stringify(withDetails, null, 2) + '\n');
  writeFileSync(paths.markdown, toMarkdown(results));
  writeFileSync(paths.svg, toSvg(results, ['recall', 'ndcg'], details));
  if (!details.some(Boolean)) return paths;

  const curveRows: Array<Record<string, unknown>> = [];
  const popRows: Array<Record<string, unknown>> = [];
  const metrics = new Set<string>();
  results.forEach((r, i) => {
    const d = details[i];
    if (!d) return;
    for (const [metric, values] of Object.entries(d.curves.values)) {
      metrics.add(metric);
      values.forEach((value, j) => curveRows.push({ model: r.model, metric, k: d.curves.ks[j], value }));
    }
    for (const b of d.popularity.bins) popRows.push({ model: r.model, k: d.popularity.k, ...b });
  });
  paths.curvesCsv = join(dir, 'curves.csv');
  writeFileSync(paths.curvesCsv, toCsv(curveRows));
  paths.curves = {};
  for (const metric of metrics) {
    const file = join(dir, `curve-${metric}.svg`);
    writeFileSync(file, curveSvg(results, details, metric));
    paths.curves[metric] = file;
  }
  paths.popularityCsv = join(dir, 'popularity-bias.csv');
  writeFileSync(paths.popularityCsv, toCsv(popRows));
  paths.popularitySvg = join(dir, 'popularity-bias.svg');
  writeFileSync(paths.popularitySvg, popularitySvg(results, details));
  return paths;
}
