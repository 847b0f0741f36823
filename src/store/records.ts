/**
 * @module store/records
 * The boundary where Neo4j values become plain JavaScript: driver Integers become numbers (checked to be in the safe
 * range), temporal values and nodes never leak upward. Nothing above `store/` sees a driver type.
 */
import neo4j from 'neo4j-driver';
import { AppError } from '../core/errors.ts';

/**
 * A driver value as exact text, for fingerprints: an Integer in full (sums such as Σ ts pass 2^53 at a few million
 * interactions), anything else as `String(toNative(value))` — the same text for every value in the safe range.
 */
export function exactText(value: unknown): string {
  return neo4j.isInt(value) ? value.toString() : String(toNative(value));
}

/** Converts a driver value (Integer, array, map) to plain JS, recursively. */
export function toNative(value: unknown): unknown {
  if (neo4j.isInt(value)) {
    if (!neo4j.integer.inSafeRange(value)) throw new AppError('INTERNAL', `neo4j: integer ${value.toString()} is outside the safe range`);
    return value.toNumber();
  }
  if (Array.isArray(value)) return value.map(toNative);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toNative(v);
    return out;
  }
  return value;
}

export function toNumber(value: unknown): number {
  const native = toNative(value);
  if (typeof native !== 'number') throw new AppError('INTERNAL', `neo4j: expected a number, got ${typeof native}`);
  return native;
}

export function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

/** A JS integer as a driver Integer parameter (for SKIP/LIMIT and integer properties). */
export function int(value: number): ReturnType<typeof neo4j.int> {
  return neo4j.int(value);
}
