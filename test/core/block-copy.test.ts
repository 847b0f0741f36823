/**
 * core/block-copy: queued copies give what copies at once give, a long copy is split into steps, and a drain leaves
 * the event loop free between its slices.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyQueue, copyNow } from '../../src/core/block-copy.ts';

describe('core/block-copy', () => {
  it('a queue, stepped in any amounts, copies exactly what copyNow copies', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(40), fc.nat(40), fc.nat(40)), { maxLength: 8 }), fc.integer({ min: 1, max: 7 }), (ops, stepSize) => {
        const src = Float64Array.from({ length: 40 }, (_, k) => k + 0.5);
        const now = new Float64Array(80);
        const later = new Float64Array(80);
        const queue = new CopyQueue();
        for (const [a, b, at] of ops) {
          const [from, to] = a <= b ? [a, b] : [b, a];
          copyNow.copy(now, src, from, to, at);
          queue.copy(later, src, from, to, at);
        }
        expect(queue.pending).toBe(ops.reduce((sum, [a, b]) => sum + Math.abs(a - b), 0));
        // Each step copies at most its amount, and exactly that while enough is left.
        for (let left = queue.pending; left > 0; ) {
          queue.step(stepSize);
          expect(queue.pending).toBe(Math.max(0, left - stepSize));
          left = queue.pending;
        }
        expect(queue.step(stepSize)).toBe(false);
        expect(Array.from(later)).toEqual(Array.from(now));
      }),
      { seed: 20261206, numRuns: 200 },
    );
  });

  it('with a map, writes each entry at its new index (a table, one shift, several), in one piece and split into steps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30)), { maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.nat(31), { minLength: 1, maxLength: 4 }),
        (ops, stepSize, cuts) => {
          const src = Uint32Array.from({ length: 30 }, (_, k) => (k * 7) % 30);
          // New nodes inserted before old indices `cuts` (30 = at the end): old v moves up by the cuts ≤ v.
          const shifts = Uint32Array.from(cuts.sort((a, b) => a - b));
          const oldToNew = Uint32Array.from({ length: 30 }, (_, v) => v + shifts.filter((t) => t <= v).length);
          for (const map of [{ oldToNew }, { oldToNew, shifts }]) {
            const now = new Uint32Array(60);
            const later = new Uint32Array(60);
            const expected = new Uint32Array(60);
            const queue = new CopyQueue();
            for (const [a, b, at] of ops) {
              const [from, to] = a <= b ? [a, b] : [b, a];
              copyNow.copy(now, src, from, to, at, map);
              queue.copy(later, src, from, to, at, map);
              for (let e = from; e < to; e++) expected[at + e - from] = oldToNew[src[e]!]!;
            }
            while (queue.step(stepSize));
            expect(Array.from(now)).toEqual(Array.from(expected));
            expect(Array.from(later)).toEqual(Array.from(expected));
          }
        },
      ),
      { seed: 20261207, numRuns: 200 },
    );
  });

  it('drains in slices with the event loop free in between, and reports the time it copied', async () => {
    const n = 1 << 24;
    const src = Uint32Array.from({ length: n }, (_, k) => k);
    const dst = new Uint32Array(n);
    const queue = new CopyQueue();
    for (let rep = 0; rep < 4; rep++) queue.copy(dst, src, 0, n, 0);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const busy = await queue.drain(0.1);
    clearInterval(ticker);
    expect(dst[n - 1]).toBe(n - 1);
    expect(dst[12345]).toBe(12345);
    expect(busy).toBeGreaterThan(0);
    // 64M entries at 2^20 per step and one step per slice: the interval ran between slices.
    expect(turns).toBeGreaterThan(0);
  });
});
