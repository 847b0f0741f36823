import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeStatsReport } from '../../src/cli/commands/stats.ts';
import { graphStats } from '../../src/project/stats.ts';
import { degreeCharts, degreeCounts } from '../../src/report/degree-charts.ts';
import { tinyCsr } from '../cli/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-degree-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report/degree-charts', () => {
  const csr = tinyCsr();

  it('counts nodes per (kind, degree) with in + out edges', () => {
    // Users: a:u:1 → 2 items, a:u:2 → 2 items, b:u:2 → 1 item. Items: i10 (2 users + entity = 3), i11 (3), i12 (1).
    expect(degreeCounts(csr)).toEqual([
      { kind: 'User', degree: 1, nodes: 1, share: 1 / 3 },
      { kind: 'User', degree: 2, nodes: 2, share: 2 / 3 },
      { kind: 'Item', degree: 1, nodes: 1, share: 1 / 3 },
      { kind: 'Item', degree: 3, nodes: 2, share: 2 / 3 },
      { kind: 'Entity', degree: 2, nodes: 1, share: 1 },
    ]);
  });

  it('draws one log-log chart per kind and an overview, titled and labelled', () => {
    const charts = degreeCharts(csr, graphStats(csr));
    expect(Object.keys(charts.byKind)).toEqual(['User', 'Item', 'Entity']);
    expect(charts.byKind.Item).toContain('Degree distribution of Item nodes (log-log)');
    expect(charts.byKind.Item).toContain('share of nodes (log scale)');
    expect(charts.byKind.Item).toContain('3 nodes · degree min 1, median 3, mean 2.3, max 3');
    expect(charts.overview).toContain('User (3)');
    expect(charts.overview.match(/<polyline/g)!.length).toBeGreaterThanOrEqual(1);
  });

  it('stats --out writes stats.json, the SVGs and the CSV behind them', () => {
    const stats = graphStats(csr);
    const files = writeStatsReport(join(dir, 'stats'), csr, stats).map((f) => f.slice(join(dir, 'stats').length + 1));
    expect(files).toEqual(['stats.json', 'degree-distribution.svg', 'degree-user.svg', 'degree-item.svg', 'degree-entity.svg', 'degree-distribution.csv']);
    expect(JSON.parse(readFileSync(join(dir, 'stats', 'stats.json'), 'utf8')).nodes.total).toBe(7);
    expect(readFileSync(join(dir, 'stats', 'degree-distribution.csv'), 'utf8').split('\n').slice(0, 2)).toEqual(['kind,degree,nodes,share', 'User,1,1,0.3333333333333333']);
  });
});
