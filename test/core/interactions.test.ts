import { describe, expect, it } from 'vitest';
import { edgeWeight, eventValue, INTERACTION_DEFAULTS, kindWeight, latestPerKind, supersedes } from '../../src/core/interactions.ts';
import { DEFAULTS } from '../../src/core/config.ts';

describe('core/interactions', () => {
  it('values an event by its weight, else its rating, else 1', () => {
    expect(eventValue({ weight: 7, rating: 4 })).toBe(7);
    expect(eventValue({ rating: 4 })).toBe(4);
    expect(eventValue({})).toBe(1);
    expect(eventValue({ weight: 0 })).toBe(0);
  });

  it('lets the latest ts win; an undated event is older than a dated one; equal ts: the later one wins', () => {
    expect(supersedes({ ts: 5 }, { ts: 4 })).toBe(true);
    expect(supersedes({ ts: 3 }, { ts: 4 })).toBe(false);
    expect(supersedes({ ts: 4 }, { ts: 4 })).toBe(true);
    expect(supersedes({}, { ts: 0 })).toBe(false);
    expect(supersedes({ ts: 0 }, {})).toBe(true);
    expect(supersedes({}, {})).toBe(true);
  });

  it('drops repeated event ids (known or earlier in the batch) and keeps the latest event per (user, item, kind)', () => {
    const e = (eventId: string, kind: string, ts?: number) => ({ eventId, userId: 'u', itemId: 'i', kind, ...(ts === undefined ? {} : { ts }) });
    const batch = [e('a', 'rating', 5), e('b', 'rating', 3), e('a', 'rating', 9), e('c', 'click'), e('old', 'click', 1), e('d', 'rating', 5)];
    const { fresh, duplicates, latest } = latestPerKind(batch, new Set(['old']));
    expect(fresh.map((x) => x.eventId)).toEqual(['a', 'b', 'c', 'd']);
    expect(duplicates).toBe(2);
    expect(latest.map((x) => x.eventId)).toEqual(['d', 'c']);
  });

  it('combines the kinds of a pair by the documented kind weights (rating → value, click → 1, purchase → 3, listen → count)', () => {
    expect(edgeWeight([{ kind: 'rating', weight: 4 }])).toBe(4);
    expect(edgeWeight([{ kind: 'click', weight: 1 }, { kind: 'rating', weight: 4 }])).toBe(5);
    expect(edgeWeight([{ kind: 'purchase', weight: 1 }])).toBe(3);
    expect(edgeWeight([{ kind: 'listen', weight: 12 }])).toBe(12);
    expect(edgeWeight([{ kind: 'checkin', weight: 2 }])).toBe(2 * INTERACTION_DEFAULTS.defaultKindWeight);
    expect(edgeWeight([])).toBe(0);
    const settings = { kindWeights: { click: 0.5 }, defaultKindWeight: 2 };
    expect(edgeWeight([{ kind: 'click', weight: 1 }, { kind: 'rating', weight: 4 }], settings)).toBe(8.5);
    // `constructor` and friends are kinds like any other, not object members.
    expect(kindWeight('constructor')).toBe(INTERACTION_DEFAULTS.defaultKindWeight);
  });

  it('adds kinds in name order, so the sum does not depend on the order they come in', () => {
    const kinds = [{ kind: 'b', weight: 0.1 }, { kind: 'a', weight: 0.2 }, { kind: 'c', weight: 0.3 }];
    expect(edgeWeight(kinds)).toBe(edgeWeight([...kinds].reverse()));
  });

  it('is what the config defaults say', () => {
    expect(DEFAULTS.interactions.kindWeights).toEqual(INTERACTION_DEFAULTS.kindWeights);
    expect(DEFAULTS.interactions.defaultKindWeight).toBe(INTERACTION_DEFAULTS.defaultKindWeight);
  });
});
