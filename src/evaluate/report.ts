/**
 * @module evaluate/report
 * Renders evaluation results: a Markdown table (one row per result, one column per metric@K) and a small SVG line
 * plot of Recall@K and NDCG@K against K — written by hand, no browser or plotting library.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluateResult } from './pipeline.ts';

const fmt = (v: number | undefined) => (v === undefined ? '' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

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

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A line chart of `metrics` (default recall and ndcg) against K for every result; returns SVG text. */
export function toSvg(results: EvaluateResult[], metrics: string[] = ['recall', 'ndcg']): string {
  const W = 640;
  const H = 400;
  const m = { l: 60, r: 170, t: 30, b: 50 };
  const series: { label: string; points: [number, number][] }[] = [];
  for (const r of results) {
    for (const name of metrics) {
      const points = Object.entries(r.test)
        .filter(([k]) => k.startsWith(name + '@'))
        .map(([k, v]) => [Number(k.split('@')[1]), v] as [number, number])
        .sort((a, b) => a[0] - b[0]);
      if (points.length) series.push({ label: `${r.model} ${name}`, points });
    }
  }
  const allK = series.flatMap((s) => s.points.map((p) => p[0]));
  const allV = series.flatMap((s) => s.points.map((p) => p[1]));
  const kMin = allK.length ? Math.min(...allK) : 0;
  const kMax = allK.length ? Math.max(...allK) : 1;
  const vMax = allV.length ? Math.max(...allV) * 1.1 || 1 : 1;
  const x = (k: number) => m.l + (kMax === kMin ? (W - m.l - m.r) / 2 : ((k - kMin) / (kMax - kMin)) * (W - m.l - m.r));
  const y = (v: number) => H - m.b - (v / vMax) * (H - m.t - m.b);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">K</text>`,
    `<text x="14" y="${(m.t + H - m.b) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(m.t + H - m.b) / 2})">metric@K</text>`,
  ];
  for (const k of [...new Set(allK)]) {
    parts.push(`<line x1="${x(k)}" y1="${H - m.b}" x2="${x(k)}" y2="${H - m.b + 5}" stroke="black"/>`);
    parts.push(`<text x="${x(k)}" y="${H - m.b + 18}" text-anchor="middle">${k}</text>`);
  }
  for (let t = 0; t <= 5; t++) {
    const v = (vMax * t) / 5;
    parts.push(`<line x1="${m.l - 5}" y1="${y(v)}" x2="${W - m.r}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(3)}</text>`);
  }
  series.forEach((s, idx) => {
    const c = colors[idx % colors.length]!;
    const dash = s.label.endsWith('ndcg') ? ' stroke-dasharray="6 3"' : '';
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2"${dash} points="${s.points.map(([k, v]) => `${x(k).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
    for (const [k, v] of s.points) parts.push(`<circle cx="${x(k).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${c}"/>`);
    const ly = m.t + 16 * idx;
    parts.push(`<line x1="${W - m.r + 10}" y1="${ly}" x2="${W - m.r + 30}" y2="${ly}" stroke="${c}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${W - m.r + 35}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Writes `results.json`, `results.md` and `metrics-at-k.svg` into `dir`; returns the paths. */
export function writeReport(dir: string, results: EvaluateResult[]): { json: string; markdown: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { json: join(dir, 'results.json'), markdown: join(dir, 'results.md'), svg: join(dir, 'metrics-at-k.svg') };
  writeFileSync(paths.json, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(paths.markdown, toMarkdown(results));
  writeFileSync(paths.svg, toSvg(results));
  return paths;
}
