/**
 * @module cli/commands/stats
 * `graphrec stats`: statistics of the projected graph (counts per kind and relation, degree distributions,
 * densities, components) as JSON, or as CSV rows `metric,value` with dotted metric paths. `--out DIR` also writes
 * stats.json and the degree-distribution charts of `report/degree-charts.ts` (log-log, per node kind, and an
 * overview) with the per-degree counts behind them as CSV.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { graphStats, type GraphStats } from '../../project/stats.ts';
import type { Csr } from '../../project/csr.ts';
import { loadProjection } from '../../project/load.ts';
import { degreeCharts } from '../../report/degree-charts.ts';
import { toCsv } from '../../report/csv.ts';
import { parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';

export interface StatsFlags {
  format?: string;
}

/** Flattens nested objects/arrays into `{ metric: 'a.b.0.c', value }` rows. */
export function flattenRows(value: unknown, prefix = ''): Array<{ metric: string; value: number | string | boolean | null }> {
  if (value === null || typeof value !== 'object') return [{ metric: prefix, value: value as number | string | boolean | null }];
  const rows: Array<{ metric: string; value: number | string | boolean | null }> = [];
  for (const [key, child] of Object.entries(value)) rows.push(...flattenRows(child, prefix ? `${prefix}.${key}` : key));
  return rows;
}

/** The command's logic on a given projection: the statistics and their CSV rows. */
export function statsCommand(csr: Csr, flags: StatsFlags = {}): { format: ReturnType<typeof parseFormat>; stats: GraphStats; rows: Array<Record<string, unknown>> } {
  const format = parseFormat(flags.format);
  const stats = graphStats(csr);
  return { format, stats, rows: flattenRows(stats) };
}

/**
 * Writes stats.json, degree-distribution.svg (all kinds), degree-<kind>.svg per kind with nodes and
 * degree-distribution.csv (kind,degree,nodes,share) into `dir`; returns the paths.
 */
export function writeStatsReport(dir: string, csr: Csr, stats: GraphStats): string[] {
  mkdirSync(dir, { recursive: true });
  const charts = degreeCharts(csr, stats);
  const files: Array<[string, string]> = [
    ['stats.json', JSON.stringify(stats, null, 2) + '\n'],
    ['degree-distribution.svg', charts.overview],
    ...Object.entries(charts.byKind).map(([kind, svg]) => [`degree-${kind.toLowerCase()}.svg`, svg] as [string, string]),
    ['degree-distribution.csv', toCsv(charts.rows as unknown as Array<Record<string, unknown>>, ['kind', 'degree', 'nodes', 'share'])],
  ];
  return files.map(([name, text]) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  });
}

export const statsCliCommand: Command = {
  name: 'stats',
  summary: 'graph statistics of the projection: counts, degree distributions, density, components',
  help: `usage: graphrec stats [--format json|csv] [--out DIR]

Projects the graph (Neo4j, or the current snapshot under graph/snapshots/) and prints:
  nodes.byKind, edges.byRelation, edges.byKindPair, degree.<Kind> {min, median, mean, max, histogram},
  density {undirected, interactions}, components {count, largestSize, largestShare, isolatedNodes, topSizes}

Options:
  --format F   json (default) or csv (rows: metric,value)
  --out DIR    also write stats.json, degree-distribution.svg (log-log, all kinds), degree-<kind>.svg and
               degree-distribution.csv (kind,degree,nodes,share)
  --quiet      no info logs on stderr`,
  async run(argv) {
    const { values } = parseFlags(argv, { format: { type: 'string' }, out: { type: 'string' } });
    const format = parseFormat(values.format);
    const { csr, close } = await loadProjection();
    try {
      const { stats, rows } = statsCommand(csr, { format });
      if (values.out) writeStatsReport(values.out, csr, stats);
      printResult(format, stats, rows, ['metric', 'value']);
    } finally {
      await close();
    }
  },
};
