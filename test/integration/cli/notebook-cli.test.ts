/**
 * The notebook-facing commands against a real Neo4j, run the way a notebook runs them (a child process, stdout parsed,
 * stderr checked): `recommend` (one user, a file of users), `similar`, `export`, `stats --out`, and a one-line error.
 * The graph is a small seeded demo catalogue; LightGCN trains a few epochs for it on first use.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../../src/cli/npy.ts';
import { ROOT } from '../../../src/core/paths.ts';
import { createDemoSource } from '../../../src/ingest/demo.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import type { Database } from '../../../src/store/driver.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'graphrec-nbcli-'));

async function graphrec(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI!, GRAPHREC_TRAIN_EPOCHS: '5' };
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(ROOT, 'scripts', 'graphrec.js'), ...args, '--quiet'], { env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('graphrec CLI for notebooks (real Neo4j)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
    await deleteAll(db);
    await loadDataset(db, createDemoSource({ seed: 7, users: 40, items: 60, directors: 10, actors: 20, studios: 4, meanRatingsPerUser: 15, minRatingsPerUser: 5, maxRatingsPerUser: 40 }), { resume: false });
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recommend --user <bare id> --k 5 --format csv: a header and one line per item', async () => {
    const r = await graphrec(['recommend', '--user', '1', '--k', '5', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('user,rank,item,title,score,via');
    expect(lines).toHaveLength(6);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['1', '2', '3', '4', '5']);
    expect(lines.slice(1).every((l) => l.startsWith('demo:u:1,'))).toBe(true);
  });

  it('recommend --users FILE: every known user ranked, an unknown one reported, not fatal', async () => {
    const file = path.join(dir, 'users.txt');
    writeFileSync(file, '# users\ndemo:u:2\n3\n\nnobody\n');
    const r = await graphrec(['recommend', '--users', file, '--k', '3']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Array<{ user: string; userId?: string; items: unknown[]; error?: string }>;
    expect(out.map((x) => [x.user, x.userId, x.items.length])).toEqual([
      ['demo:u:2', 'demo:u:2', 3],
      ['3', 'demo:u:3', 3],
      ['nobody', undefined, 0],
    ]);
    expect(out[2]!.error).toMatch(/^NOT_FOUND: /);
    expect(r.stderr).toContain('user skipped'); // the warning survives --quiet
  });

  it('an unknown --user exits 2 with one stderr line', async () => {
    const r = await graphrec(['recommend', '--user', 'nobody', '--format', 'csv']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual(['graphrec recommend: NOT_FOUND: unknown user "nobody"']);
  });

  it('similar --item <bare id>: k other items', async () => {
    const r = await graphrec(['similar', '--item', '7', '--k', '4', '--format', 'csv']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('item,rank,id,title,score,method');
    expect(lines).toHaveLength(5);
    expect(lines.slice(1).every((l) => l.startsWith('demo:i:7,') && !l.split(',')[2]!.endsWith(':i:7'))).toBe(true);
  });

  it('export --out: node and edge tables and .npy embeddings that agree with the manifest', async () => {
    const out = path.join(dir, 'export');
    const r = await graphrec(['export', '--out', out]);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(manifest.counts.users).toBe(40);
    expect(manifest.counts.items).toBe(60);
    const nodes = readFileSync(path.join(out, 'nodes.csv'), 'utf8').trimEnd().split('\n');
    expect(nodes).toHaveLength(1 + manifest.counts.nodes);
    expect(readFileSync(path.join(out, 'edges.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(1 + manifest.counts.edges);
    const items = decodeNpy(readFileSync(path.join(out, 'item_embeddings.npy')));
    expect(items.shape).toEqual([manifest.embeddings.items, manifest.embeddings.dim]);
    expect(items.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('stats --out writes the degree charts', async () => {
    const out = path.join(dir, 'stats');
    const r = await graphrec(['stats', '--out', out, '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('metric,value');
    for (const f of ['stats.json', 'degree-distribution.svg', 'degree-user.svg', 'degree-item.svg', 'degree-entity.svg', 'degree-distribution.csv']) expect(existsSync(path.join(out, f)), f).toBe(true);
  });
});
