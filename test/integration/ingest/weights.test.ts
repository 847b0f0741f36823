/**
 * Implicit counts end to end on the real Neo4j: a generic folder with a Latin-1 items file and HetRec-style headers
 * (`userID`, `artistID`, `weight`) is loaded with `encoding: 'latin1'`; the load report flags the heavy-tailed kind;
 * the stored weights stay raw while the projection applies the kind's transform (default, explicit, none), and a
 * snapshot made under one transform is never reused under another.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/core/config.ts';
import { parseTransform, transformWeights } from '../../../src/core/weight-transform.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import { resolveDataset } from '../../../src/ingest/resolve.ts';
import { findEdge, INTERACTION_RELATION_ID } from '../../../src/project/csr.ts';
import { projectDatabase } from '../../../src/project/load.ts';
import type { Database } from '../../../src/store/driver.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-weights-'));
// 3 users × 10 artists; user 1 played artist 1 200,000 times, everything else 10–40 times.
const plays = (u: number, a: number): number => (u === 1 && a === 1 ? 200_000 : 10 + ((u * 7 + a * 3) % 31));

describe('implicit counts: latin-1 generic ingest, heavy-tail warning, projection transforms (Neo4j)', () => {
  let db: Database;
  beforeAll(async () => {
    writeFileSync(join(dir, 'items.tsv'), Buffer.from('id\tname\n' + Array.from({ length: 10 }, (_, a) => `${a + 1}\tMot\xf6rhead ${a + 1}`).join('\n') + '\n', 'latin1'));
    const rows = ['userID\tartistID\tweight'];
    for (let u = 1; u <= 3; u++) for (let a = 1; a <= 10; a++) rows.push(`${u}\t${a}\t${plays(u, a)}`);
    writeFileSync(join(dir, 'interactions.tsv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'users.tsv'), 'userID\n1\n2\n3\n');
    db = await openTestDatabase();
    await deleteAll(db);
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every row, keeps the names, and warns about the heavy tail', async () => {
    const report = await loadDataset(db, resolveDataset(`generic:${dir}`, { encoding: 'latin1' }), { weights: DEFAULTS.weights });
    expect(report.errors).toEqual([]);
    expect(report.written).toMatchObject({ users: 3, items: 10, interactions: 30 });
    expect(report.interactionWeights['implicit']).toMatchObject({ count: 30, max: 200_000, heavyTailed: true, transform: DEFAULTS.weights.heavyTailTransform });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toContain('"implicit" has heavy-tailed weights');
  });

  it('projects transformed weights and keeps a snapshot per transform', async () => {
    const snapshotDir = join(dir, 'snapshots');
    const weightOf = (csr: Awaited<ReturnType<typeof projectDatabase>>['csr'], u: number, a: number): number =>
      csr.outWeights[findEdge(csr, csr.index.get(`User:${u}`)!, csr.index.get(`Item:${a}`)!, INTERACTION_RELATION_ID)]!;
    const raw = await projectDatabase(db, { snapshotDir, weights: { ...DEFAULTS.weights, heavyTailTransform: 'none' } });
    expect(weightOf(raw.csr, 1, 1)).toBe(200_000);
    expect(weightOf(raw.csr, 2, 3)).toBe(plays(2, 3));

    const byDefault = await projectDatabase(db, { snapshotDir, weights: DEFAULTS.weights });
    expect(byDefault.fromSnapshot).toBe(false);
    const users: number[] = [];
    const counts: number[] = [];
    for (let u = 1; u <= 3; u++) for (let a = 1; a <= 10; a++) {
        users.push(u);
        counts.push(plays(u, a));
      }
    const expected = transformWeights(parseTransform(DEFAULTS.weights.heavyTailTransform), users, counts);
    expect(weightOf(byDefault.csr, 1, 1)).toBeCloseTo(expected[0]!, 4);
    expect(weightOf(byDefault.csr, 3, 10)).toBeCloseTo(expected[29]!, 4);

    const binary = await projectDatabase(db, { snapshotDir, weights: { ...DEFAULTS.weights, transforms: { implicit: 'binary' } } });
    expect(weightOf(binary.csr, 1, 1)).toBe(1);
    // The same transform again reuses its snapshot (one snapshot per database is kept: the latest).
    const again = await projectDatabase(db, { snapshotDir, weights: { ...DEFAULTS.weights, transforms: { implicit: 'binary' } } });
    expect(again.fromSnapshot).toBe(true);
    expect(weightOf(again.csr, 1, 1)).toBe(1);
  });
});
