/**
 * @module core/interactions
 * The one meaning of an interaction, used by ingest, the API write path, the projection reload and the live engine:
 *
 * 1. **Value of an event** ({@link eventValue}): its `weight` when given, else its `rating`, else 1. That is what the
 *    store keeps on the (user, item, kind) edge as `weight` (a rating's value, a play count, 1 for a click).
 * 2. **Latest wins** ({@link supersedes}): per (user, item, kind) the event with the latest `ts` defines the edge; an
 *    undated event is older than any dated one; on equal `ts` the later-recorded event wins. A repeated event id is a
 *    no-op ({@link latestPerKind} drops it, the store never records it twice).
 * 3. **Edge weight** ({@link edgeWeight}): the (user, item) edge of the projection combines the pair's kinds as
 *
 *        w(u, i) = Σ over kinds k of the pair   kindWeight(k) · value(k)
 *
 *    with `kindWeight(k) = interactions.kindWeights[k]`, else `interactions.defaultKindWeight` (config). The default
 *    table makes a rating count its value (rating → 1 · stars), a click 1, a purchase 3, a listen its play count.
 *    Kinds are summed in kind-name order, so the live engine and a reload add the same floats in the same order.
 *
 * Per-kind weight transforms (e.g. log1p of play counts) apply to `value(k)` before the combination; they extend
 * {@link edgeWeight}, which stays the single place the combination is written.
 *
 * @example
 * edgeWeight([{ kind: 'rating', weight: 4 }, { kind: 'click', weight: 1 }]); // 4 · 1 + 1 · 1 = 5
 */

export interface InteractionSettings {
  /** Multiplier of each interaction kind's value in the (user, item) edge weight. */
  kindWeights: Readonly<Record<string, number>>;
  /** Multiplier of a kind not named in `kindWeights`. */
  defaultKindWeight: number;
}

/** Documented defaults (also the `interactions` section of core/config's DEFAULTS). */
export const INTERACTION_DEFAULTS: InteractionSettings = {
  // rating → its value (1 × stars); click → 1; purchase → 3; listen → its play count (1 × count).
  kindWeights: { rating: 1, click: 1, purchase: 3, listen: 1 },
  defaultKindWeight: 1,
};

/** What an event contributes as its kind's value: `weight`, else `rating`, else 1. */
export function eventValue(event: { weight?: number | null; rating?: number | null }): number {
  return event.weight ?? event.rating ?? 1;
}

/** True when event `next` replaces the kept event `current` of the same (user, item, kind): latest `ts` wins. */
export function supersedes(next: { ts?: number | null }, current: { ts?: number | null }): boolean {
  return (next.ts ?? -1) >= (current.ts ?? -1);
}

/** The (user, item, kind) identity of an event, as a map key. */
export function kindKey(event: { userId: string; itemId: string; kind: string }): string {
  return JSON.stringify([event.userId, event.itemId, event.kind]);
}

/** The (user, item) identity of an event, as a map key. */
export function pairKey(event: { userId: string; itemId: string }): string {
  return JSON.stringify([event.userId, event.itemId]);
}

export interface EventLike {
  eventId: string;
  userId: string;
  itemId: string;
  kind: string;
  ts?: number | null;
}

/**
 * One batch of events under the rules above: `fresh` = events whose id is neither in `known` nor earlier in the
 * batch (what gets recorded), `duplicates` = the rest, `latest` = per (user, item, kind) the fresh event that wins
 * within the batch (in first-seen order), which the store then compares against what it already keeps.
 */
export function latestPerKind<T extends EventLike>(events: readonly T[], known: ReadonlySet<string> = new Set()): { fresh: T[]; duplicates: number; latest: T[] } {
  const seen = new Set(known);
  const fresh: T[] = [];
  let duplicates = 0;
  const latest = new Map<string, T>();
  for (const event of events) {
    if (seen.has(event.eventId)) {
      duplicates++;
      continue;
    }
    seen.add(event.eventId);
    fresh.push(event);
    const key = kindKey(event);
    const prev = latest.get(key);
    if (!prev || supersedes(event, prev)) latest.set(key, event);
  }
  return { fresh, duplicates, latest: [...latest.values()] };
}

/** One kind's kept value on a (user, item) pair. */
export interface KindValue {
  kind: string;
  /** The stored value (see {@link eventValue}). */
  weight: number;
}

/** The multiplier of kind `kind`. */
export function kindWeight(kind: string, settings: InteractionSettings = INTERACTION_DEFAULTS): number {
  return Object.hasOwn(settings.kindWeights, kind) ? settings.kindWeights[kind]! : settings.defaultKindWeight;
}

/**
 * The projection's weight of a (user, item) edge from the kinds kept on the pair (see the module header). `kinds`
 * holds at most one entry per kind; an empty list gives 0.
 */
export function edgeWeight(kinds: readonly KindValue[], settings: InteractionSettings = INTERACTION_DEFAULTS): number {
  const sorted = kinds.length > 1 ? [...kinds].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)) : kinds;
  let sum = 0;
  for (const k of sorted) sum += kindWeight(k.kind, settings) * k.weight;
  return sum;
}

/** The committed kinds of one (user, item) pair, as the store returns them after a write. */
export interface PairState {
  userId: string;
  itemId: string;
  kinds: KindValue[];
}
