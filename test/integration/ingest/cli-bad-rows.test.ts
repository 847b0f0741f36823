/**
 * `graphrec ingest` on a generic CSV with malformed rows, as a user runs it: the good rows load, every bad row is
 * reported with its line, the process exits 0 (it did its job) and prints the report as JSON.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../src/core/paths.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

const run = promisify(execFile);

describe('graphrec ingest with bad rows', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
    await deleteAll(db);
  });
  afterAll(async () => db?.close());

  it('loads the good rows and reports each bad one with its line number', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'graphrec-bad-'));
    writeFileSync(path.join(dir, 'users.csv'), 'id,age\nu1,30\nu2,41\n');
    writeFileSync(path.join(dir, 'items.csv'), 'id,title\ni1,Alien\ni2,Blade Runner\ni3,Heat\n');
    const lines = [
      'user_id,item_id,rating,timestamp',
      'u1,i1,5,100', // 2 ok
      'u1,i2', // 3 missing fields
      'u2,i1,five,100', // 4 non-numeric rating
      'u2,i3,4,101', // 5 ok
      'u9,i1,3,102', // 6 unknown user
      'u2,i99,3,103', // 7 unknown item
    ];
    const bytes = Buffer.concat([
      Buffer.from(lines.join('\n') + '\n'),
      Buffer.from([0x75, 0x31, 0x2c, 0x69, 0x33, 0x2c, 0x34, 0x2c, 0xff, 0xfe, 0x0a]), // 8 invalid UTF-8
      Buffer.from('u2,i2,2,104\n'), // 9 ok
    ]);
    writeFileSync(path.join(dir, 'interactions.csv'), bytes);
    const env = { ...process.env, NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI! };
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'scripts', 'graphrec.js'), 'ingest', `generic:${dir}`], { env });
    const report = JSON.parse(stdout) as { rejectedRows: number; errors: Array<{ file: string; line: number; reason: string }> };
    const bad = report.errors.filter((e) => e.file.endsWith('interactions.csv')).map((e) => e.line).sort((a, b) => a - b);
    expect(bad).toEqual([3, 4, 6, 7, 8]);
    expect(report.rejectedRows).toBe(5);
    const counts = await new Neo4jGraphStore(db.driver, db.database).counts();
    expect(counts).toMatchObject({ users: 2, items: 3, interactions: 3 });
  });
});
