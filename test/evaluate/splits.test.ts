import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLightGcnFolder, parseLightGcnText, readMovieLensUData } from '../../src/evaluate/datasets.ts';
import { randomSplit, splitCounts, temporalLeaveLastOut } from '../../src/evaluate/splits.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evaluate/datasets', () => {
  it('parses the LightGCN text format', () => {
    const p = parseLightGcnText('0 1 2 3\n1 0\n\n3 4 2\n');
    expect(Array.from(p.users)).toEqual([0, 0, 0, 1, 3, 3]);
    expect(Array.from(p.items)).toEqual([1, 2, 3, 0, 4, 2]);
    expect([p.maxUser, p.maxItem]).toEqual([3, 4]);
    expect(() => parseLightGcnText('0 1 x\n')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('reads a LightGCN++ folder with train/valid/test in one id space, optionally merging valid into train', () => {
    const folder = join(dir, 'lgpp');
    mkdirSync(folder);
    writeFileSync(join(folder, 'train.txt'), '0 0 1\n1 2\n');
    writeFileSync(join(folder, 'valid.txt'), '0 3\n');
    writeFileSync(join(folder, 'test.txt'), '2 4\n');
    const ds = loadLightGcnFolder(folder);
    expect([ds.nUsers, ds.nItems, ds.train.users.length, ds.valid?.users.length, ds.test.users.length]).toEqual([3, 5, 3, 1, 1]);
    const merged = loadLightGcnFolder(folder, { mergeValidIntoTrain: true });
    expect(merged.valid).toBeUndefined();
    expect(Array.from(merged.train.items)).toEqual([0, 1, 2, 3]);
    expect(() => loadLightGcnFolder(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('reads MovieLens u.data with 1-based ids remapped', () => {
    const file = join(dir, 'u.data');
    writeFileSync(file, '1\t3\t5\t100\n2\t1\t3\t50\n1\t1\t4\t200\n');
    const log = readMovieLensUData(file);
    expect([log.nUsers, log.nItems]).toEqual([2, 3]);
    expect(Array.from(log.users)).toEqual([0, 1, 0]);
    expect(Array.from(log.items)).toEqual([2, 0, 0]);
    expect(Array.from(log.timestamps!)).toEqual([100, 50, 200]);
  });
});

describe('evaluate/splits', () => {
  it('splitCounts follows RecBole’s rounding', () => {
    expect(splitCounts(10, [0.8, 0.1, 0.1])).toEqual([8, 1, 1]);
    expect(splitCounts(3, [0.8, 0.1, 0.1])).toEqual([1, 1, 1]);
    expect(splitCounts(5, [0.8, 0.2])).toEqual([4, 1]);
    expect(splitCounts(1, [0.8, 0.2])).toEqual([1, 0]);
    expect(splitCounts(7, [0.8, 0.2])).toEqual([6, 1]);
  });

  it('random per-user split is a seeded partition with the right sizes per user', () => {
    const users = new Int32Array(60);
    const items = new Int32Array(60);
    for (let t = 0; t < 60; t++) {
      users[t] = t % 3;
      items[t] = t;
    }
    const log = { nUsers: 3, nItems: 60, users, items };
    const a = randomSplit(log, { ratios: [0.8, 0.1, 0.1], seed: 1 });
    const b = randomSplit(log, { ratios: [0.8, 0.1, 0.1], seed: 1 });
    const c = randomSplit(log, { ratios: [0.8, 0.1, 0.1], seed: 2 });
    expect(Array.from(a.test.items)).toEqual(Array.from(b.test.items));
    expect(Array.from(a.test.items)).not.toEqual(Array.from(c.test.items));
    for (let u = 0; u < 3; u++) {
      expect(a.train.users.filter((x) => x === u).length).toBe(16);
      expect(a.valid!.users.filter((x) => x === u).length).toBe(2);
      expect(a.test.users.filter((x) => x === u).length).toBe(2);
    }
    const all = [...a.train.items, ...a.valid!.items, ...a.test.items].sort((x, y) => x - y);
    expect(all).toEqual(Array.from(items));
    expect(() => randomSplit(log, { ratios: [0.5] })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('temporal leave-last-out puts each user’s latest interactions in test (and valid)', () => {
    const log = {
      nUsers: 2,
      nItems: 6,
      users: Int32Array.of(0, 0, 0, 1, 0, 1),
      items: Int32Array.of(0, 1, 2, 3, 4, 5),
      timestamps: Float64Array.of(30, 10, 20, 5, 40, 1),
    };
    const s = temporalLeaveLastOut(log, { nValid: 1 });
    expect(Array.from(s.test.items)).toEqual([4]);
    expect(Array.from(s.valid!.items)).toEqual([0]);
    expect(Array.from(s.train.items).sort()).toEqual([1, 2, 3, 5]);
    expect(() => temporalLeaveLastOut({ ...log, timestamps: undefined })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
