/**
 * @module core/hash
 * The 32-bit FNV-1a hash the in-memory open-addressing tables use (project/node-ids over id bytes, explain/grounding
 * over name code units): {@link FNV_OFFSET} to start, {@link fnvStep} per unit, then {@link avalanche}, murmur3's
 * finalizer, so that a table's low bits (its slot) depend on every unit.
 */
export const FNV_OFFSET = 0x811c9dc5;

/** One unit (a byte or a UTF-16 code unit) into hash `h`. */
export function fnvStep(h: number, unit: number): number {
  return Math.imul(h ^ unit, 0x01000193);
}

/** Murmur3's 32-bit finalizer; the result is unsigned. */
export function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
