import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/cli/npy.ts';

describe('cli/npy', () => {
  it('writes the NumPy 1.0 header: magic, version, 64-byte aligned dict ending in a newline', () => {
    const bytes = encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = bytes.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    const header = bytes.toString('latin1', 10, 10 + headerLen);
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(header.endsWith('\n')).toBe(true);
    expect(bytes.length).toBe(10 + headerLen + 6 * 4);
    expect(bytes.readFloatLE(10 + headerLen + 4 * 5)).toBe(6);
  });

  it('round-trips float32, float64, int32 and uint8 arrays of any shape', () => {
    const f32 = Float32Array.from({ length: 64 * 3 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
    const back = decodeNpy(encodeNpy(f32, [64, 3]));
    expect(back.descr).toBe('<f4');
    expect(back.shape).toEqual([64, 3]);
    expect(back.data).toEqual(f32);
    expect(decodeNpy(encodeNpy(Float64Array.of(Math.PI, -0.5), [2])).data).toEqual(Float64Array.of(Math.PI, -0.5));
    const vec = decodeNpy(encodeNpy(Int32Array.of(-7, 2 ** 31 - 1), [2]));
    expect(vec.shape).toEqual([2]);
    expect(vec.data).toEqual(Int32Array.of(-7, 2 ** 31 - 1));
    expect(decodeNpy(encodeNpy(Uint8Array.of(1, 255), [1, 2])).descr).toBe('|u1');
  });

  it('writes a 1-D shape as a Python 1-tuple and an empty matrix', () => {
    const one = encodeNpy(Float32Array.of(1), [1]);
    expect(one.toString('latin1', 10, 10 + one.readUInt16LE(8))).toContain("'shape': (1,)");
    const empty = decodeNpy(encodeNpy(new Float32Array(0), [0, 64]));
    expect(empty.shape).toEqual([0, 64]);
    expect(empty.data.length).toBe(0);
  });

  it('rejects a shape that does not match the data, and bytes that are not .npy', () => {
    expect(() => encodeNpy(Float32Array.of(1, 2, 3), [2, 2])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => decodeNpy(Buffer.from('not numpy at all'))).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    const cut = encodeNpy(Float32Array.of(1, 2, 3, 4), [4]);
    expect(() => decodeNpy(cut.subarray(0, cut.length - 4))).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
