/**
 * @module test/core/bounds
 * The one definition of valid interaction values (core/bounds), its config binding, and the store guard that checks a
 * whole batch before any write (both GraphStores share it).
 */
import { describe, expect, it } from 'vitest';
import { boundsProblem, F32_MAX, INTERACTION_BOUNDS, interactionProblem, ratingProblem, weightProblem } from '../../src/core/bounds.ts';
import { loadConfig } from '../../src/core/config.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';

describe('core/bounds', () => {
  it('accepts weights in [0, maxWeight] and rejects negative, non-finite, oversized and non-numbers', () => {
    for (const w of [0, 1, 4.5, INTERACTION_BOUNDS.maxWeight]) expect(weightProblem(w)).toBeUndefined();
    expect(weightProblem(-5)).toMatch(/negative/);
    expect(weightProblem(1e39)).toMatch(/above the maximum/);
    expect(weightProblem(Infinity)).toMatch(/not a finite number/);
    expect(weightProblem(NaN)).toMatch(/not a finite number/);
    expect(weightProblem('5')).toMatch(/not a finite number/);
    expect(weightProblem(2e9, { ...INTERACTION_BOUNDS, maxWeight: 3e9 })).toBeUndefined();
  });

  it('accepts no rating or one on the scale, rejects the rest', () => {
    expect(ratingProblem(undefined)).toBeUndefined();
    expect(ratingProblem(null)).toBeUndefined();
    expect(ratingProblem(0)).toBeUndefined();
    expect(ratingProblem(10)).toBeUndefined();
    expect(ratingProblem(-5)).toMatch(/outside the rating scale \[0, 10\]/);
    expect(ratingProblem(1e39)).toMatch(/outside the rating scale/);
    expect(ratingProblem(0.4, { ratingMin: 0.5, ratingMax: 5, maxWeight: 10 })).toMatch(/\[0.5, 5\]/);
    expect(interactionProblem({ weight: 3, rating: 11 })).toMatch(/rating 11/);
    expect(interactionProblem({ weight: -1, rating: 3 })).toMatch(/weight -1/);
  });

  it('config: `bounds` defaults, env bindings and cross-checks', () => {
    expect(loadConfig({ env: {} }).bounds).toEqual(INTERACTION_BOUNDS);
    expect(loadConfig({ env: { GRAPHREC_RATING_MIN: '0.5', GRAPHREC_RATING_MAX: '5', GRAPHREC_MAX_WEIGHT: '1000' } }).bounds).toEqual({ ratingMin: 0.5, ratingMax: 5, maxWeight: 1000 });
    expect(() => loadConfig({ env: { GRAPHREC_RATING_MIN: '6', GRAPHREC_RATING_MAX: '5' } })).toThrow(/ratingMin must not exceed/);
    expect(() => loadConfig({ env: { GRAPHREC_MAX_WEIGHT: '1e39' } })).toThrow(/32-bit/);
    expect(boundsProblem({ ratingMin: 0, ratingMax: 5, maxWeight: F32_MAX })).toBeUndefined();
  });
});

describe('store guard: a batch is checked whole before anything is written', () => {
  async function store(): Promise<MemoryGraphStore> {
    const s = new MemoryGraphStore({ ratingMin: 0.5, ratingMax: 5, maxWeight: 100 });
    await s.upsertUsers([{ id: 'u' }]);
    await s.upsertItems([{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }]);
    return s;
  }

  it.each([
    ['rating -5', { rating: -5, weight: -5 }, /rating -5 is outside/],
    ['rating 1e39', { rating: 1e39, weight: 1e39 }, /rating 1e\+39 is outside/],
    ['weight above the maximum', { weight: 101 }, /weight 101 is above the maximum 100/],
    ['weight NaN', { weight: NaN }, /weight NaN is not a finite number/],
  ])('%s: 400 (BAD_REQUEST) and not even the valid events of the batch are recorded', async (_, bad, message) => {
    const s = await store();
    const events = [
      { eventId: 'ok', userId: 'u', itemId: 'a', kind: 'rating', rating: 4, weight: 4 },
      { eventId: 'bad', userId: 'u', itemId: 'b', kind: 'rating', ...bad },
    ];
    await expect(s.recordInteractions(events)).rejects.toMatchObject({ code: 'BAD_REQUEST', message });
    expect((await s.counts()).interactions).toBe(0);
    // The same valid event alone is recorded (it was refused only because its batch was).
    expect(await s.recordInteractions([events[0]!])).toMatchObject({ recorded: 1, duplicates: 0 });
  });
});
