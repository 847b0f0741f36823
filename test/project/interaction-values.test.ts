import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sortFewDistinct } from '../../src/core/weight-transform.ts';
import { readInteractionValues, writeInteractionValues, type InteractionValues } from '../../src/project/interaction-values.ts';
import { expectRejectCode } from '../helpers/errors.ts';

/** A seeded LCG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Bit-exact equality (tells −0 from +0 and compares NaN with itself). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('sortFewDistinct', () => {
  it('orders exactly as Float64Array.prototype.sort, by counting or past maxDistinct by comparison', () => {
    const next = rng(7);
    const pools = [
      [1, 2, 3, 4, 5],
      [0.5, 1, 1.5, 4.5, 5],
      [-0, 0, -1, 2, NaN, Infinity, -Infinity],
      [-0, 3, -2],
      [-0, -0],
      [NaN],
      Array.from({ length: 100 }, (_, i) => (i % 2 ? -1 : 1) * i * 0.25), // past the short list: the Map
    ];
    for (const pool of pools) {
      for (const length of [0, 1, 7, 2000]) {
        const values = Float64Array.from({ length }, () => pool[Math.floor(next() * pool.length)]!);
        const expected = values.slice().sort();
        expect(sameBits(sortFewDistinct(values.slice()), expected), `${pool} × ${length}`).toBe(true);
        // Few distinct values allowed: the comparison sort takes over, with the same result.
        expect(sameBits(sortFewDistinct(values.slice(), 2), expected), `${pool} × ${length}, fallback`).toBe(true);
      }
    }
    const wide = Float64Array.from({ length: 10_000 }, () => next() * 1000);
    expect(sameBits(sortFewDistinct(wide.slice()), wide.slice().sort())).toBe(true);
  });
});

describe('interaction values in a snapshot folder', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const values = (): InteractionValues => ({
    kinds: ['rating', 'play'],
    user: Uint32Array.from([0, 0, 1, 2]),
    item: Uint32Array.from([3, 4, 3, 5]),
    kind: Uint16Array.from([0, 1, 0, 0]),
    raw: Float64Array.from([4, 17, 2.5, 5]),
  });

  it('round-trip, and a damaged or cut file is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphrec-values-'));
    dirs.push(dir);
    writeInteractionValues(dir, values());
    const back = await readInteractionValues(dir);
    expect(back.kinds).toEqual(['rating', 'play']);
    for (const key of ['user', 'item', 'kind', 'raw'] as const) {
      expect([...back[key]], key).toEqual([...values()[key]]);
      expect(back[key].buffer, key).toBeInstanceOf(SharedArrayBuffer);
    }
    const file = join(dir, 'values-raw.f64');
    const bytes = readFileSync(file);
    bytes[3] = bytes[3]! ^ 0x10;
    writeFileSync(file, bytes);
    await expectRejectCode(readInteractionValues(dir), 'INVALID_GRAPH');
    writeFileSync(file, bytes.subarray(0, 8));
    await expectRejectCode(readInteractionValues(dir), 'INVALID_GRAPH');
    await expectRejectCode(readInteractionValues(join(dir, 'none')), 'INVALID_GRAPH');
  });
});
