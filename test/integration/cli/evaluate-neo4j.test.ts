/**
 * `graphrec evaluate --dataset neo4j` against a real Neo4j: a small dataset written in the generic format is loaded
 * with the ingest loader, then evaluated from the database and from the files; both give the same numbers (ids are
 * zero-padded and declared in id order, so the projection's node order equals the files' declaration order).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../src/core/paths.ts';
import { createRng } from '../../../src/compute/rng.ts';
import { readGeneric } from '../../../src/ingest/formats/generic.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import type { Database } from '../../../src/store/driver.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'graphrec-evalneo-'));
const pad = (n: number) => String(n).padStart(2, '0');

function writeGenericFixture(): string {
  const folder = path.join(dir, 'shop');
  mkdirSync(folder, { recursive: true });
  const rng = createRng(21);
  const rows: string[] = [];
  for (let u = 0; u < 30; u++) {
    const base = u % 2 === 0 ? 0 : 12;
    const items: number[] = [];
    for (let i = base; i < base + 12; i++) if (rng.float() < 0.6) items.push(i);
    while (items.length < 4) items.push(base + items.length);
    for (const i of [...new Set(items)].sort((a, b) => a - b)) rows.push(`u${pad(u)},i${pad(i)},click,1`);
  }
  writeFileSync(path.join(folder, 'users.csv'), 'id\n' + Array.from({ length: 30 }, (_, u) => `u${pad(u)}\n`).join(''));
  writeFileSync(path.join(folder, 'items.csv'), 'id,title\n' + Array.from({ length: 24 }, (_, i) => `i${pad(i)},Item ${i}\n`).join(''));
  writeFileSync(path.join(folder, 'interactions.csv'), 'user_id,item_id,kind,weight\n' + rows.map((r) => r + '\n').join(''));
  return folder;
}

async function graphrec(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI! };
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(ROOT, 'scripts', 'graphrec.js'), ...args, '--quiet'], { env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('graphrec evaluate --dataset neo4j (real Neo4j)', () => {
  let db: Database;
  let folder: string;
  beforeAll(async () => {
    folder = writeGenericFixture();
    db = await openTestDatabase();
    await deleteAll(db);
    await loadDataset(db, readGeneric(folder), { resume: false });
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the numbers of the same data read from the files (ppr, itemknn, popular)', async () => {
    const common = ['--split', 'random:0.8,0.2', '--model', 'ppr,itemknn,popular', '--k', '5', '--metrics', 'recall,ndcg', '--seed', '4'];
    const fromDb = await graphrec(['evaluate', '--dataset', 'neo4j', ...common]);
    expect(fromDb.code, fromDb.stderr).toBe(0);
    const fromFiles = await graphrec(['evaluate', '--dataset', `generic:${folder}`, ...common]);
    expect(fromFiles.code, fromFiles.stderr).toBe(0);
    const a = JSON.parse(fromDb.stdout) as Array<{ model: string; test: Record<string, number>; dataset: { nUsers: number; nItems: number; nTrain: number } }>;
    const b = JSON.parse(fromFiles.stdout) as typeof a;
    expect(a.map((r) => r.model)).toEqual(['ppr', 'itemknn', 'popular']);
    for (let m = 0; m < 3; m++) {
      expect(a[m]!.dataset).toMatchObject({ nUsers: 30, nItems: 24, nTrain: b[m]!.dataset.nTrain });
      expect(a[m]!.test).toEqual(b[m]!.test);
      expect(a[m]!.test['recall@5']).toBeGreaterThan(0);
    }
  });

  it('refuses a temporal split (the projection holds no times) with a clear error', async () => {
    const r = await graphrec(['evaluate', '--dataset', 'neo4j', '--split', 'temporal', '--model', 'popular']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no interaction times/);
  });
});
