import { describe, expect, it } from 'vitest';
import { barChart, compactNumber, escapeXml, lineChart, linearTicks, logTicks, niceStep } from '../../src/report/svg-chart.ts';

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('report/svg-chart', () => {
  it('picks 1-2-5 steps and nice linear ticks that cover the data', () => {
    expect(niceStep(1, 5)).toBeCloseTo(0.2);
    expect(niceStep(0.37, 5)).toBeCloseTo(0.1);
    expect(niceStep(0.3, 5)).toBeCloseTo(0.05);
    expect(niceStep(480, 5)).toBe(100);
    expect(linearTicks(0, 0.37)).toEqual({ domain: [0, 0.4], ticks: [0, 0.1, 0.2, 0.3, 0.4] });
    expect(linearTicks(0, 0.3).ticks).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(linearTicks(1, 50).ticks).toEqual([0, 10, 20, 30, 40, 50]);
    expect(linearTicks(3, 3).domain[0]).toBeLessThan(3);
    expect(logTicks(3, 212)).toEqual({ domain: [1, 1000], ticks: [1, 10, 100, 1000] });
    expect(logTicks(3, 90)).toEqual({ domain: [1, 100], ticks: [1, 2, 5, 10, 20, 50, 100] });
    expect(logTicks(2e-5, 0.08).ticks).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
    expect([compactNumber(0), compactNumber(0.05), compactNumber(1500), compactNumber(25_000), compactNumber(2e6), compactNumber(1e-4)]).toEqual(['0', '0.05', '1500', '25k', '2M', '1e-4']);
  });

  it('draws a line chart with title, subtitle, axis labels, ticks, one polyline per series and a legend', () => {
    const svg = lineChart({
      title: 'Recall@K <test>',
      subtitle: 'sub & title',
      x: { label: 'K' },
      y: { label: 'Recall@K' },
      series: [
        { label: 'lightgcn', points: [[1, 0.1], [2, 0.2], [3, 0.3]] },
        { label: 'popular', points: [[1, 0.05], [2, 0.08], [3, 0.1]], dashed: true },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['Recall@K &lt;test&gt;', 'sub &amp; title', 'K', 'Recall@K', 'lightgcn', 'popular', '0', '0.3', '1', '3']));
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(6); // one marker per point
    expect(svg).toContain('stroke-dasharray="6 3"');
    expect(svg).not.toContain('NaN');
  });

  it('maps values onto the plot: larger y is higher up, larger x further right', () => {
    const svg = lineChart({ title: 't', x: { label: 'x' }, y: { label: 'y' }, series: [{ label: 's', points: [[0, 0], [10, 1]], marker: 0 }] });
    const [a, b] = svg.match(/points="([^"]+)"/)![1]!.split(' ').map((p) => p.split(',').map(Number));
    expect(b![0]).toBeGreaterThan(a![0]!);
    expect(b![1]).toBeLessThan(a![1]!);
  });

  it('puts log axes on powers of ten and leaves out points a log axis cannot show', () => {
    const svg = lineChart({
      title: 'deg',
      x: { label: 'd', scale: 'log' },
      y: { label: 'p', scale: 'log' },
      series: [{ label: 'dots', points: [[0, 0.5], [1, 0.5], [10, 0.05], [100, 0]], line: false }],
    });
    expect(texts(svg)).toEqual(expect.arrayContaining(['1', '2', '5', '10', '0.01', '0.1']));
    expect(texts(svg)).not.toContain('100');
    expect(svg.match(/<circle/g)).toHaveLength(2 + 1); // (1, .5) and (10, .05), plus the legend dot
    expect(svg).not.toContain('<polyline');
  });

  it('draws grouped bars (one rect per group × category) with reference lines and a legend', () => {
    const svg = barChart({
      title: 'Popularity bias',
      categories: ['1', '2', '3'],
      xLabel: 'decile',
      y: { label: 'share', format: (v) => `${Math.round(v * 100)}%` },
      groups: [
        { label: 'a', values: [0.6, 0.3, 0.1] },
        { label: 'b', values: [0.9, 0.1, 0] },
      ],
      references: [{ label: 'test', values: [0.5, 0.3, 0.2] }, { label: 'uniform', values: 1 / 3 }],
    });
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(6);
    expect(svg).toContain('<title>a · 1: 60%</title>');
    expect(texts(svg)).toEqual(expect.arrayContaining(['Popularity bias', 'decile', 'share', 'a', 'b', 'test', 'uniform', '0%', '100%']));
    expect(svg.match(/stroke-dasharray="5 3"/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('escapes XML special characters', () => {
    expect(escapeXml(`<a href="x">&</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});
