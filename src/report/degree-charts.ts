/**
 * @module report/degree-charts
 * Degree-distribution charts of a projection (what `graphrec stats --out` writes): per node kind, a log-log plot of
 * the share of nodes with each degree (one dot per observed degree) with the log-binned density over it (the
 * power-of-two buckets of `project/stats.ts`, count / bucket width / nodes), and one overview with the log-binned
 * curves of all kinds. Degrees are undirected (in + out edges), as in `graphStats`; nodes of degree 0 cannot sit on
 * a log axis and are counted in the subtitle instead.
 *
 * @example
 * const charts = degreeCharts(csr, graphStats(csr)); // { overview: '<svg…', byKind: { User: '<svg…', … }, rows }
 */
import { NODE_KINDS, type NodeKind } from '../core/model.ts';
import { KIND_CODES, type Csr } from '../project/csr.ts';
import type { GraphStats } from '../project/stats.ts';
import { lineChart, PALETTE, type Series } from './svg-chart.ts';

export interface DegreeCount {
  kind: NodeKind;
  degree: number;
  nodes: number;
  /** nodes / all nodes of the kind. */
  share: number;
}

/** How many nodes of each kind have each degree (ascending degree). */
export function degreeCounts(csr: Csr): DegreeCount[] {
  const out: DegreeCount[] = [];
  for (const kind of NODE_KINDS) {
    const code = KIND_CODES[kind];
    const counts = new Map<number, number>();
    let total = 0;
    for (let v = 0; v < csr.nodeCount; v++) {
      if (csr.kinds[v] !== code) continue;
      const d = csr.outStarts[v + 1]! - csr.outStarts[v]! + csr.inStarts[v + 1]! - csr.inStarts[v]!;
      counts.set(d, (counts.get(d) ?? 0) + 1);
      total++;
    }
    for (const [degree, nodes] of [...counts].sort((a, b) => a[0] - b[0])) out.push({ kind, degree, nodes, share: nodes / total });
  }
  return out;
}

/** The log-binned density of one kind: at each bucket's geometric centre, nodes / width / nodes of the kind. */
function binnedSeries(stats: GraphStats, kind: NodeKind): Array<[number, number]> {
  const summary = stats.degree[kind];
  return summary.histogram.filter((b) => b.from > 0 && b.count > 0).map((b) => [Math.sqrt(b.from * b.to), b.count / (b.to - b.from + 1) / summary.nodes] as [number, number]);
}

const kindColor = (kind: NodeKind) => PALETTE[NODE_KINDS.indexOf(kind)]!;

export interface DegreeCharts {
  overview: string;
  byKind: Partial<Record<NodeKind, string>>;
  /** The per-degree counts behind the dots (for `degree-distribution.csv`). */
  rows: DegreeCount[];
}

/** The charts of the module header, for the kinds that have nodes. */
export function degreeCharts(csr: Csr, stats: GraphStats): DegreeCharts {
  const rows = degreeCounts(csr);
  const kinds = NODE_KINDS.filter((k) => stats.degree[k].nodes > 0);
  const byKind: Partial<Record<NodeKind, string>> = {};
  for (const kind of kinds) {
    const s = stats.degree[kind];
    const isolated = s.histogram[0]?.count ?? 0;
    const series: Series[] = [
      { label: `${kind}: share with degree d`, points: rows.filter((r) => r.kind === kind && r.degree > 0).map((r) => [r.degree, r.share]), line: false, marker: 2.5, opacity: 0.55, color: kindColor(kind) },
      { label: 'log-binned density', points: binnedSeries(stats, kind), color: '#222', marker: 3 },
    ];
    byKind[kind] = lineChart({
      title: `Degree distribution of ${kind} nodes (log-log)`,
      subtitle: `${s.nodes.toLocaleString('en-US')} nodes · degree min ${s.min}, median ${s.median}, mean ${s.mean.toFixed(1)}, max ${s.max}${isolated ? ` · ${isolated} with degree 0 not shown` : ''}`,
      x: { label: 'degree d (in + out edges, log scale)', scale: 'log' },
      y: { label: 'share of nodes (log scale)', scale: 'log' },
      series,
    });
  }
  const overview = lineChart({
    title: 'Degree distributions by node kind (log-log, log-binned)',
    subtitle: `${stats.nodes.total.toLocaleString('en-US')} nodes, ${stats.edges.total.toLocaleString('en-US')} edges · power-of-two bins: nodes in bin / bin width / nodes of the kind`,
    x: { label: 'degree d (in + out edges, log scale)', scale: 'log' },
    y: { label: 'density P(degree = d) (log scale)', scale: 'log' },
    series: kinds.map((kind) => ({ label: `${kind} (${stats.degree[kind].nodes.toLocaleString('en-US')})`, points: binnedSeries(stats, kind), color: kindColor(kind) })),
  });
  return { overview, byKind, rows };
}
