import { describe, expect, it } from 'vitest';
import { itemOrder } from '../../src/project/load.ts';

/** The order a comparator sort gives: by node, ties by position. */
const byComparator = (items: number[]): number[] => items.map((_, k) => k).sort((a, b) => items[a]! - items[b]! || a - b);

describe('itemOrder (a row of the projection read in node order)', () => {
  it('equals the comparator order on sorted, unsorted, tied and huge-node rows', () => {
    let seed = 5;
    const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const rows: number[][] = [[], [7], [1, 2, 2, 9], [9, 2, 2, 1], [2 ** 31 - 1, 0, 2 ** 31 - 1, 5]];
    for (let r = 0; r < 200; r++) rows.push(Array.from({ length: 1 + Math.floor(rand() * 60) }, () => Math.floor(rand() * (r % 2 ? 10 : 1e6))));
    for (const row of rows) expect(Array.from(itemOrder(row)), String(row)).toEqual(byComparator(row));
    // Keys past 2^53 take the comparator path: a long row of large node numbers.
    const long = Array.from({ length: 5_000_000 }, (_, k) => (k % 2 ? 2 ** 31 - 1 - k : k));
    const order = itemOrder(long);
    for (let q = 1; q < 1000; q++) expect(long[order[q]!]! >= long[order[q - 1]!]!).toBe(true);
  });
});
