import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/compute/rng.ts';

describe('compute/rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs);
  });

  it('int(n) stays in range and is roughly uniform; normal has mean ≈ 0 and sd ≈ 1', () => {
    const rng = createRng(7);
    const counts = new Array<number>(5).fill(0);
    for (let t = 0; t < 50_000; t++) {
      const v = rng.int(5);
      expect(v >= 0 && v < 5).toBe(true);
      counts[v]!++;
    }
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(400);
    let s = 0;
    let s2 = 0;
    for (let t = 0; t < 50_000; t++) {
      const v = rng.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / 50_000)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(s2 / 50_000) - 1)).toBeLessThan(0.03);
  });

  it('shuffle permutes in place', () => {
    const arr = Int32Array.from({ length: 20 }, (_, i) => i);
    createRng(1).shuffle(arr);
    expect(Array.from(arr).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Array.from(arr)).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
