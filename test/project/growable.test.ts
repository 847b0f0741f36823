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

  it('keeps its values through a trim, and grows again after it', () => {
    const a = growU32(16);
    for (let k = 0; k < 1000; k++) a.push(k);
    a.trim();
    for (let k = 1000; k < 3000; k++) a.push(k);
    expect(a.length).toBe(3000);
    expect(Array.from(a.toArray())).toEqual(Array.from({ length: 3000 }, (_, k) => k));
    const empty = growU16();
    empty.trim();
    empty.push(5);
    expect(empty.get(0)).toBe(5);
  });

  it('sets only filled entries', () => {
    const a = growU32();
    a.push(1);
    a.set(0, 7);
    expect(a.toArray()).toEqual(Uint32Array.from([7]));
    expect(() => a.set(1, 2)).toThrow(/past length/);
  });
});
