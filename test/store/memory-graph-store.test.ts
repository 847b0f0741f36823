/**
 * @module test/store/memory-graph-store
 * The shared GraphStore contract on the in-memory twin, plus what only the twin promises (string order by code point,
 * returned views are copies, a closed store stops answering ping).
 */
import { describe, expect, it } from 'vitest';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { compareCodePoints } from '../../src/store/guards.ts';
import { describeGraphStoreContract } from './graph-store-contract.ts';

describeGraphStoreContract('memory', () => new MemoryGraphStore());

describe('MemoryGraphStore specifics', () => {
  it('compares strings by code point, not UTF-16 unit', () => {
    // U+1F3AC (a surrogate pair starting 0xD83C) sorts after U+FF21 by code point but before it by UTF-16 unit.
    expect(compareCodePoints('\u{1F3AC}', '\uFF21')).toBeGreaterThan(0);
    expect(compareCodePoints('\uFF21', '\u{1F3AC}')).toBeLessThan(0);
    expect(compareCodePoints('a', 'b')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('\u00e9', '\u00e9')).toBe(0);
    expect(compareCodePoints('\uD7FF', '\u{10000}')).toBeLessThan(0);
  });

  it('returns copies that callers cannot use to change the store', async () => {
    const store = new MemoryGraphStore();
    const props = { a: 1 };
    await store.upsertUsers([{ id: 'u', props }]);
    props.a = 2;
    const view = await store.getUser('u');
    view.props.a = 3;
    expect((await store.getUser('u')).props).toEqual({ a: 1 });
  });

  it('answers ping until closed, then UNAVAILABLE', async () => {
    const store = new MemoryGraphStore();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('rejects prop values that are not scalars with BAD_REQUEST', async () => {
    const store = new MemoryGraphStore();
    await expect(store.upsertUsers([{ id: 'u', props: { bad: Number.POSITIVE_INFINITY } }])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await store.counts()).users).toBe(0);
  });
});
