/**
 * `npm run bench -- online-cost [--interactions N]`: where the online loader's time goes, on the bench Neo4j (port
 * GRAPHREC_BENCH_NEO4J_PORT or 7689) holding ML-100K + DBpedia. Each pass loads a new generated graph of N
 * interactions (default 200,000, plus N / 10 knowledge edges, new ids) next to it, and reports the rate with the CPU
 * seconds of this process (reading, batching, Bolt) and of the Neo4j JVM (from /proc, so Linux only) during the load.
 *
 * Passes: the defaults (batch 5,000); batch 20,000; then without the `interacted_ts` index (cypher/schema/09; no
 * statement of graphrec seeks by it) at both batch sizes; then with the index again. The index is re-created at the
 * end whatever happens. The last line gives each pass's rate as a ratio to the first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDataset } from '../../src/ingest/generate.ts';
import { readGeneric } from '../../src/ingest/formats/generic.ts';
import { loadDataset } from '../../src/ingest/load.ts';
import { emit, ensureMl100kDbpedia, ml100kDbpediaSpec, openBenchDatabase } from './_neo4j.ts';

/** User + system CPU seconds of process `pid` (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function main(argv: string[]): Promise<void> {
  const spec = ml100kDbpediaSpec();
  if (!spec) return;
  const k = argv.indexOf('--interactions');
  const interactions = Number(k >= 0 ? argv[k + 1] : 200_000);
  if (!Number.isInteger(interactions) || interactions < 1000) throw new Error('bench online-cost: --interactions takes an integer ≥ 1000');
  const db = await openBenchDatabase();
  const pid = db.local?.pid;
  if (pid === undefined) {
    emit({ error: 'bench online-cost measures the JVM of the project\'s local Neo4j; NEO4J_URI names another server' });
    process.exitCode = 1;
    await db.close();
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), 'graphrec-bench-online-cost-'));
  const session = db.driver.session();
  const rows: Array<{ pass: string; relationshipsPerSecond: number }> = [];
  let seed = 100;
  const pass = async (name: string, batchSize: number) => {
    const dir = path.join(work, `gen-${seed}`);
    generateDataset({ out: dir, users: Math.round(interactions / 25), items: Math.max(500, Math.round(interactions / 125)), interactions, seed });
    const java0 = cpuSecondsOf(pid);
    const node0 = process.cpuUsage();
    const report = await loadDataset(db, readGeneric(dir, { idPrefix: `cost${seed}:` }), { batchSize });
    const node = process.cpuUsage(node0);
    const relationships = report.written.interactions + report.written.knowledge;
    const line = {
      pass: name,
      batchSize,
      relationships,
      seconds: Number(report.seconds.toFixed(2)),
      relationshipsPerSecond: Math.round(report.relationshipsPerSecond),
      nodeCpuSeconds: Number(((node.user + node.system) / 1e6).toFixed(2)),
      neo4jCpuSeconds: Number((cpuSecondsOf(pid) - java0).toFixed(2)),
      neo4jCpuMicrosPerRelationship: Math.round(((cpuSecondsOf(pid) - java0) * 1e6) / relationships),
    };
    emit(line);
    rows.push(line);
    seed++;
  };
  try {
    await ensureMl100kDbpedia(db, spec);
    await pass('defaults', 5000);
    await pass('batch 20,000', 20_000);
    await session.run('DROP INDEX interacted_ts IF EXISTS');
    await pass('without the interacted_ts index', 5000);
    await pass('without the interacted_ts index, batch 20,000', 20_000);
    await session.run('CREATE INDEX interacted_ts IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.ts)');
    await session.run('CALL db.awaitIndexes(600)');
    await pass('with the index again', 5000);
    const base = rows[0]!.relationshipsPerSecond;
    emit({ interactions, passes: rows.map((r) => ({ pass: r.pass, relationshipsPerSecond: r.relationshipsPerSecond, ratio: Number((r.relationshipsPerSecond / base).toFixed(3)) })), target: { online: 50_000 } });
  } finally {
    await session.run('CREATE INDEX interacted_ts IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.ts)').catch(() => {});
    await session.close();
    await db.close();
    rmSync(work, { recursive: true, force: true });
  }
}
