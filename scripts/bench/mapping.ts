/**
 * `npm run bench -- mapping [repeats]`: the projection read through a graph mapping (store/mapping, docs/graph-mapping.md)
 * against graphrec's own statements, on the same graph, in one process. The bench database (scripts/bench/_neo4j.ts;
 * ML-100K + DBpedia, loaded when absent) gets a copy of its graph in another schema next to it
 * (scripts/bench/mapping-copy.cypher: BenchCustomer, BenchProduct, BenchThing, BENCH_RATED, one BENCH_<relation> type
 * per relation), read through scripts/bench/mapping.mapping.json; afterwards the copy is deleted. Each side reads the
 * whole projection `repeats` times (default 3, no snapshot), alternating; the CSRs must be equal (node ids; each
 * node's out-edges with weights and relation names, as a set). Prints JSON lines; the last: `ownMs`, `mappedMs` (median of the repeats), `ratio` (mapped / own), sizes.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { readProjectionSnapshot } from '../../src/project/load.ts';
import type { Csr } from '../../src/project/csr.ts';
import { openSession, type Database } from '../../src/store/driver.ts';
import { openDatabase } from '../../src/store/open.ts';
import { benchConfig, emit, ensureMl100kDbpedia, ml100kDbpediaSpec, openBenchDatabase } from './_neo4j.ts';

const HERE = import.meta.dirname;
const COPY = path.join(HERE, 'mapping-copy.cypher');
const MAPPING = path.join(HERE, 'mapping.mapping.json');

/** The statements of one part of a script (parts divided by a `// -- … --` line; statements end with `;`). */
function statements(file: string, part: number): string[] {
  const text = readFileSync(file, 'utf8').split(/^\/\/ -- .* --$/m)[part] ?? '';
  return text.split('\n').filter((l) => !l.trimStart().startsWith('//')).join('\n').split(/;\s*\n/).map((s) => s.trim().replace(/;$/, '')).filter(Boolean);
}

async function run(db: Database, part: number): Promise<void> {
  const session = openSession(db, 'WRITE');
  try {
    for (const s of statements(COPY, part)) await session.run(s);
  } finally {
    await session.close();
  }
}

/**
 * Where two CSRs first differ, or undefined: node ids in order, then each node's out-edges as a set of (target,
 * weight, relation name) — parallel edges between one item and one entity (a person who wrote and directed a film)
 * keep the order in which they were read, which the two readers do not share.
 */
function csrDifference(a: Csr, b: Csr): string | undefined {
  if (a.nodeCount !== b.nodeCount || a.edgeCount !== b.edgeCount) return `sizes ${a.nodeCount}/${a.edgeCount} vs ${b.nodeCount}/${b.edgeCount}`;
  for (let v = 0; v < a.nodeCount; v++) if (a.ids.at(v) !== b.ids.at(v)) return `node ${v}: ${a.ids.at(v)} vs ${b.ids.at(v)}`;
  const row = (c: Csr, v: number) => {
    const out: string[] = [];
    for (let e = c.outStarts[v]!; e < c.outStarts[v + 1]!; e++) out.push(`${c.outTargets[e]}|${c.outWeights[e]}|${c.relations[c.outRelations[e]!]}`);
    return out.sort().join(',');
  };
  for (let v = 0; v < a.nodeCount; v++) {
    const ra = row(a, v);
    const rb = row(b, v);
    if (ra !== rb) return `out-edges of ${a.ids.at(v)}: ${ra.slice(0, 200)} vs ${rb.slice(0, 200)}`;
  }
  return undefined;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

export async function main(args: string[]): Promise<void> {
  const repeats = Number(args[0] ?? 3);
  const spec = ml100kDbpediaSpec();
  if (!spec) return;
  const own = await openBenchDatabase();
  let mapped: Database | undefined;
  try {
    await ensureMl100kDbpedia(own, spec);
    emit({ step: 'copying the graph into the bench schema' });
    await run(own, 0);
    mapped = await openDatabase(benchConfig(), { mapping: MAPPING });
    const times = { own: [] as number[], mapped: [] as number[] };
    let csrs: { own?: Csr; mapped?: Csr } = {};
    for (let r = 0; r < repeats; r++) {
      for (const [side, db] of [['own', own], ['mapped', mapped]] as const) {
        const started = performance.now();
        const { csr } = await readProjectionSnapshot(db, { snapshotDir: '' });
        const ms = performance.now() - started;
        times[side].push(ms);
        csrs = { ...csrs, [side]: csr };
        emit({ side, repeat: r, ms: Math.round(ms), nodes: csr.nodeCount, edges: csr.edgeCount });
      }
    }
    const difference = csrDifference(csrs.own!, csrs.mapped!);
    const equal = difference === undefined;
    if (!equal) emit({ difference });
    const ownMs = median(times.own);
    const mappedMs = median(times.mapped);
    emit({ bench: 'mapping', dataset: 'ml-100k+dbpedia', repeats, nodes: csrs.own!.nodeCount, edges: csrs.own!.edgeCount, sameCsr: equal, ownMs: Math.round(ownMs), mappedMs: Math.round(mappedMs), ratio: Number((mappedMs / ownMs).toFixed(2)) });
    if (!equal) process.exitCode = 1;
  } finally {
    await run(own, 1).catch((error: unknown) => emit({ cleanupError: String(error) }));
    await mapped?.close();
    await own.close();
  }
}
