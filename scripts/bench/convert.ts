/**
 * `npm run bench -- convert [--interactions N | --data DIR] [--rounds R]`: the conversion step of the bulk path
 * (`ingest/bulk prepareBulkImport`: read a generic dataset, write the importer's CSV files), with no Neo4j. Beside it,
 * in the same process and on the same files, its baseline: reading the same source to the end and doing nothing with
 * the rows (`read`), i.e. what the readers alone cost. The data is a generated graph of N interactions (default
 * 1,000,000; users and items scaled as `bench scale` does, seed 42: the files `bench scale` converts), or the generic
 * folder `--data DIR`.
 *
 * Each round reads, then converts (round 1 included: the first read warms the page cache for both). The last line has
 * the best of the rounds for each, their ratio, and the conversion's relationships per second.
 *
 * To compare two commits, run this file against each (it only calls `generateDataset`, `resolveDataset` and
 * `prepareBulkImport`, which exist since the bulk path was built).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { prepareBulkImport } from '../../src/ingest/bulk.ts';
import { generateDataset } from '../../src/ingest/generate.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import { emit } from './_neo4j.ts';

const load1 = () => Number(loadavg()[0]!.toFixed(2));

export async function main(argv: string[]): Promise<void> {
  const flag = (name: string) => {
    const k = argv.indexOf(name);
    return k >= 0 ? argv[k + 1] : undefined;
  };
  const interactions = Number(flag('--interactions') ?? 1_000_000);
  const rounds = Number(flag('--rounds') ?? 2);
  if (!Number.isInteger(interactions) || interactions < 1000) throw new Error('bench convert: --interactions takes an integer ≥ 1000');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('bench convert: --rounds takes an integer ≥ 1');
  const work = mkdtempSync(path.join(tmpdir(), 'graphrec-bench-convert-'));
  try {
    let data = flag('--data');
    if (!data) {
      data = path.join(work, 'data');
      const t = performance.now();
      generateDataset({ out: data, users: Math.max(1, Math.round(interactions / 25)), items: Math.max(500, Math.round(interactions / 125)), interactions, seed: 42 });
      emit({ stage: 'generate', interactions, seconds: Number(((performance.now() - t) / 1000).toFixed(2)) });
    }
    const spec = `generic:${data}`;
    let best = { read: Infinity, convert: Infinity };
    let relationships = 0;
    for (let round = 1; round <= rounds; round++) {
      let t = performance.now();
      let rows = 0;
      // A batch of rows since 2026-12-05; one row per step before (so this file also runs on older commits).
      for (const file of resolveDataset(spec).files) for await (const batch of file.read()) rows += Array.isArray(batch) ? batch.length : 1;
      const read = (performance.now() - t) / 1000;
      t = performance.now();
      const out = path.join(work, `out-${round}`);
      const prepared = await prepareBulkImport(resolveDataset(spec), out);
      const convert = (performance.now() - t) / 1000;
      rmSync(out, { recursive: true, force: true });
      relationships = prepared.files.relationshipCount;
      best = { read: Math.min(best.read, read), convert: Math.min(best.convert, convert) };
      emit({ round, rows, relationships, readSeconds: Number(read.toFixed(2)), convertSeconds: Number(convert.toFixed(2)), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20), loadAverage1m: load1() });
    }
    emit({
      data: flag('--data') ?? `generated ${interactions}`,
      relationships,
      readSeconds: Number(best.read.toFixed(2)),
      convertSeconds: Number(best.convert.toFixed(2)),
      convertOverRead: Number((best.convert / best.read).toFixed(2)),
      convertRelationshipsPerSecond: Math.round(relationships / best.convert),
      loadAverage1m: load1(),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
