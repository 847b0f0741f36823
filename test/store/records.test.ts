import neo4j from 'neo4j-driver';
import { describe, expect, it } from 'vitest';
import { exactText, toNative } from '../../src/store/records.ts';

describe('store/records', () => {
  it('exactText keeps an Integer past 2^53 exact (fingerprint sums) and equals String(toNative) in the safe range', () => {
    // Σ ts over 10M interactions is ≈ 1.6e16: toNative refuses it, the fingerprint must not.
    const big = neo4j.int('16371433781027785');
    expect(() => toNative(big)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(exactText(big)).toBe('16371433781027785');
    expect(exactText(neo4j.int('16371433781027786'))).not.toBe(exactText(big));
    for (const v of [neo4j.int(42), neo4j.int(-7), 1.5, 'x', null]) expect(exactText(v)).toBe(String(toNative(v)));
  });
});
