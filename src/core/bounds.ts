/**
 * @module core/bounds
 * The one definition of which interaction values are valid, shared by every place that meets them: the API write
 * path and both GraphStores (a batch is checked whole before anything is written), the ingest loader (a bad row is
 * rejected with its reason), the projection read at start (a bad stored edge is skipped and counted, never fatal) and
 * `graphrec doctor` (lists and repairs stored edges outside them).
 *
 * - `weight`: finite, ≥ 0, ≤ `maxWeight` (config `bounds.maxWeight`, itself ≤ the largest 32-bit float, because the
 *   projection stores weights as f32 — a larger number would become `Infinity` there).
 * - `rating`: absent, or finite and within [`ratingMin`, `ratingMax`] (config `bounds.ratingMin` / `ratingMax`).
 *
 * @example
 * interactionProblem({ weight: 4, rating: 4 }); // undefined (valid)
 * interactionProblem({ weight: -5, rating: -5 }); // 'rating -5 is outside the rating scale [0, 10]'
 */

/** The largest finite 32-bit float (the projection's weight type). */
export const F32_MAX = 3.4028234663852886e38;

export interface InteractionBounds {
  /** Lowest accepted rating. */
  ratingMin: number;
  /** Highest accepted rating. */
  ratingMax: number;
  /** Largest accepted edge weight (≤ F32_MAX). */
  maxWeight: number;
}

/**
 * Defaults (also the `bounds` section of core/config's DEFAULTS). The scale [0, 10] holds every rating of the bundled
 * datasets (MovieLens 1–5, the demo 1–5) and the generic format's 0–10 scores; 1e9 is above any play or check-in count
 * of the bundled datasets by orders of magnitude while a sum of a few kinds stays far inside f32.
 */
export const INTERACTION_BOUNDS: InteractionBounds = { ratingMin: 0, ratingMax: 10, maxWeight: 1e9 };

/** Why `bounds` itself is unusable (config check), or undefined. */
export function boundsProblem(bounds: InteractionBounds): string | undefined {
  const { ratingMin, ratingMax, maxWeight } = bounds;
  if (![ratingMin, ratingMax, maxWeight].every(Number.isFinite)) return 'bounds must be finite numbers';
  if (ratingMin > ratingMax) return 'bounds.ratingMin must not exceed bounds.ratingMax';
  if (!(maxWeight > 0 && maxWeight <= F32_MAX)) return `bounds.maxWeight must be in (0, ${F32_MAX}] (the projection stores 32-bit floats)`;
  return undefined;
}

/** Why `weight` is not a valid edge weight, or undefined. */
export function weightProblem(weight: unknown, bounds: InteractionBounds = INTERACTION_BOUNDS): string | undefined {
  if (typeof weight !== 'number' || !Number.isFinite(weight)) return `weight ${String(weight)} is not a finite number`;
  if (weight < 0) return `weight ${weight} is negative`;
  if (weight > bounds.maxWeight) return `weight ${weight} is above the maximum ${bounds.maxWeight}`;
  return undefined;
}

/** Why `rating` is not a valid rating (null/undefined = no rating, valid), or undefined. */
export function ratingProblem(rating: unknown, bounds: InteractionBounds = INTERACTION_BOUNDS): string | undefined {
  if (rating === null || rating === undefined) return undefined;
  if (typeof rating !== 'number' || !Number.isFinite(rating)) return `rating ${String(rating)} is not a finite number`;
  if (rating < bounds.ratingMin || rating > bounds.ratingMax) return `rating ${rating} is outside the rating scale [${bounds.ratingMin}, ${bounds.ratingMax}]`;
  return undefined;
}

/** Why an interaction (its rating, then its weight) is invalid, or undefined. */
export function interactionProblem(value: { weight: unknown; rating?: unknown }, bounds: InteractionBounds = INTERACTION_BOUNDS): string | undefined {
  return ratingProblem(value.rating, bounds) ?? weightProblem(value.weight, bounds);
}
