import { describe, expect, it } from 'vitest';
import { growF32, growU16, growU32 } from '../../src/project/growable.ts';

describe('project/growable', () => {
  it('keeps every pushed value across growth and trims to its length', () => {
    const a = growU32(16);
    for (let k = 0; k < 10_000; k++) a.push(k * 3);
    expect(a.length).toBe(10_000);
    const out = a.toArray();
    expect(out).toBeInstanceOf(Uint32Array);
    expect(out.length).toBe(10_000);
    for (let k = 0; k < 10_000; k += 997) expect(out[k]).toBe(k * 3);
    expect(a.get(9_999)).toBe(29_997);
  });

  it('stores in the column type (a float32 column rounds, a u16 column wraps as typed arrays do)', () => {
    const w = growF32();
    w.push(0.1);
    expect(w.get(0)).toBe(Math.fround(0.1));
    const r = growU16();
    r.push(65_537);
    expect(r.get(0)).toBe(1);
  });

  it('sets only filled entries', () => {
    const a = growU32();
    a.push(1);
    a.set(0, 7);
    expect(a.toArray()).toEqual(Uint32Array.from([7]));
    expect(() => a.set(1, 2)).toThrow(/past length/);
  });
});
