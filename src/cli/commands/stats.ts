/**
 * @module cli/commands/stats
 * `graphrec stats`: statistics of the projected graph (counts per kind and relation, degree distributions,
 * densities, components) as JSON, or as CSV rows `metric,value` with dotted metric paths.
 */
import { graphStats, type GraphStats } from '../../project/stats.ts';
import type { Csr } from '../../project/csr.ts';
import { loadProjection } from '../../project/load.ts';
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

export const statsCliCommand: Command = {
  name: 'stats',
  summary: 'graph statistics of the projection: counts, degree distributions, density, components',
  help: `usage: graphrec stats [--format json|csv]

Projects the graph (Neo4j, or the current snapshot under graph/snapshots/) and prints:
  nodes.byKind, edges.byRelation, edges.byKindPair, degree.<Kind> {min, median, mean, max, histogram},
  density {undirected, interactions}, components {count, largestSize, largestShare, isolatedNodes, topSizes}

Options:
  --format F   json (default) or csv (rows: metric,value)`,
  async run(argv) {
    const { values } = parseFlags(argv, { format: { type: 'string' } });
    const format = parseFormat(values.format);
    const { csr, close } = await loadProjection();
    try {
      const { stats, rows } = statsCommand(csr, { format });
      printResult(format, stats, rows);
    } finally {
      await close();
    }
  },
};
