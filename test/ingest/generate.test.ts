import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDataset, splitTotal } from '../../src/ingest/generate.ts';
import { readGeneric } from '../../src/ingest/formats/generic.ts';
import { rowsOf } from '../../src/ingest/source.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-generate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = ['users.csv', 'items.csv', 'entities.csv', 'interactions.csv', 'knowledge.csv'];
const opts = { users: 500, items: 2_000, interactions: 12_000, knowledge: 2_000 };

describe('generateDataset', () => {
  it('writes byte-identical files for the same seed, different ones for another seed', () => {
    generateDataset({ ...opts, seed: 7, out: join(dir, 'a') });
    generateDataset({ ...opts, seed: 7, out: join(dir, 'b') });
    generateDataset({ ...opts, seed: 8, out: join(dir, 'c') });
    for (const n of NAMES) expect(readFileSync(join(dir, 'b', n)).equals(readFileSync(join(dir, 'a', n))), n).toBe(true);
    expect(readFileSync(join(dir, 'c', 'interactions.csv')).equals(readFileSync(join(dir, 'a', 'interactions.csv')))).toBe(false);
  });

  it('gives exact counts, distinct edges, heavy-tailed degrees and planted communities, readable by the generic reader', async () => {
    const report = generateDataset({ ...opts, seed: 3, out: join(dir, 'd') });
    const counts = { user: 0, item: 0, entity: 0, interaction: 0, knowledge: 0 };
    const keys = new Set<string>();
    const userDeg = new Map<string, number>();
    const itemDeg = new Map<string, number>();
    let bad = 0;
    for (const f of readGeneric(join(dir, 'd')).files) {
      for await (const row of rowsOf(f)) {
        if (!row.ok) {
          bad++;
          continue;
        }
        for (const r of row.records) {
          counts[r.type]++;
          if (r.type === 'interaction') {
            keys.add(`${r.value.userId}|${r.value.itemId}`);
            userDeg.set(r.value.userId, (userDeg.get(r.value.userId) ?? 0) + 1);
            itemDeg.set(r.value.itemId, (itemDeg.get(r.value.itemId) ?? 0) + 1);
            expect(r.value.ts).toBeGreaterThanOrEqual(1_577_836_800);
          }
          if (r.type === 'knowledge') keys.add(`${r.value.head.id}|${r.value.relation}|${r.value.tail.id}`);
        }
      }
    }
    expect(bad).toBe(0);
    expect(counts).toEqual({ user: 500, item: 2_000, entity: report.entities, interaction: 12_000, knowledge: report.knowledge });
    expect(report.knowledge).toBe(2_000);
    expect(keys.size).toBe(12_000 + 2_000);
    expect(userDeg.size).toBe(500);
    // Heavy tails: the busiest user and item are far above the mean.
    const mean = 12_000 / 500;
    expect(Math.max(...userDeg.values())).toBeGreaterThan(4 * mean);
    expect(Math.max(...itemDeg.values())).toBeGreaterThan(8 * (12_000 / 2_000));
  });

  it('rejects impossible sizes with a clear error', () => {
    expect(() => generateDataset({ users: 100, items: 10, interactions: 50, out: join(dir, 'e') })).toThrow(/every user needs an interaction/);
    expect(() => generateDataset({ users: 10, items: 10, interactions: 1000, out: join(dir, 'e') })).toThrow(/do not fit/);
  });
});

describe('splitTotal', () => {
  it('splits exactly, within [min, cap]', () => {
    const w = new Float64Array([100, 1, 1, 1, 50]);
    const parts = splitTotal(40, w, 1, 12);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(40);
    for (const p of parts) expect(p >= 1 && p <= 12).toBe(true);
    expect(parts[0]).toBe(12);
  });
});
