/**
 * @module ingest/formats/rows
 * Helpers every reader uses to turn a record of text cells into `ParsedRow`s: a row-level rejection (`RowReject`,
 * caught per row and never escaping a reader), cell parsers that reject with a precise reason, and the adapter that
 * maps a stream of delimited records to parsed rows.
 *
 * @example
 * yield* mapRecords(path, readDelimited(path, { delimiter: '\t' }), (cells) => {
 *   expectColumns(cells, 4);
 *   return [{ type: 'interaction', value: { userId: 'u:' + requireInt(cells[0], 'user_id'), … } }];
 * });
 */
import type { DataRecord, EntityRecord, SourcePosition } from '../../core/model.ts';
import type { ParsedRow, SourceFile } from '../source.ts';
import { isBlank, lineTooLong, type DelimitedRecord, type TextLine } from './text-lines.ts';

/** Thrown inside a row mapper to reject the row; the adapter turns it into `{ ok: false, reason }`. */
export class RowReject extends Error {
  override readonly name = 'RowReject';
}

export function reject(reason: string): never {
  throw new RowReject(reason);
}

/** Rejects unless the record has exactly `n` cells. */
export function expectColumns(cells: readonly string[], n: number): void {
  if (cells.length !== n) reject(`wrong column count: expected ${n}, got ${cells.length}`);
}

/** Cell `i`, trimmed; rejects when the cell does not exist. */
export function cell(cells: readonly string[], i: number, name: string): string {
  const v = cells[i];
  if (v === undefined) reject(`missing field ${name}`);
  return v.trim();
}

/** A non-empty identifier. */
export function requireId(value: string | undefined, name: string): string {
  if (value === undefined) reject(`missing field ${name}`);
  const v = value.trim();
  if (v.length === 0) reject(`empty ${name}`);
  return v;
}

/** A finite number (decimal or scientific notation), optionally within [min, max]. */
export function requireNumber(value: string | undefined, name: string, range: { min?: number; max?: number } = {}): number {
  if (value === undefined) reject(`missing field ${name}`);
  const v = value.trim();
  if (v.length === 0) reject(`empty ${name}`);
  const x = Number(v);
  if (!Number.isFinite(x)) reject(`${name} ${JSON.stringify(v)} is not a number`);
  if ((range.min !== undefined && x < range.min) || (range.max !== undefined && x > range.max)) {
    reject(`${name} ${x} is out of range [${range.min ?? '-inf'}, ${range.max ?? 'inf'}]`);
  }
  return x;
}

const INT_RE = /^[+-]?\d+$/;

/** An integer written as digits (no decimals), optionally within [min, max]. */
export function requireInt(value: string | undefined, name: string, range: { min?: number; max?: number } = {}): number {
  if (value === undefined) reject(`missing field ${name}`);
  const v = value.trim();
  if (v.length === 0) reject(`empty ${name}`);
  if (!INT_RE.test(v)) reject(`${name} ${JSON.stringify(v)} is not an integer`);
  const x = Number(v);
  if (!Number.isSafeInteger(x)) reject(`${name} ${JSON.stringify(v)} is not a safe integer`);
  if ((range.min !== undefined && x < range.min) || (range.max !== undefined && x > range.max)) {
    reject(`${name} ${x} is out of range [${range.min ?? '-inf'}, ${range.max ?? 'inf'}]`);
  }
  return x;
}

/** Appends the row `map(input, pos.line)` makes: its records, its `RowReject` as a bad row, or nothing for `null`. */
function pushMapped<T>(rows: ParsedRow[], pos: SourcePosition, map: (input: T, line: number) => DataRecord[] | null, input: T): void {
  let out: DataRecord[] | null;
  try {
    out = map(input, pos.line);
  } catch (error) {
    if (!(error instanceof RowReject)) throw error;
    rows.push({ ok: false, pos, reason: error.message });
    return;
  }
  if (out !== null) rows.push({ ok: true, pos, records: out });
}

/**
 * Maps batches of delimited records to batches of parsed rows. The mapper returns the row's records (nodes before
 * edges), or `null` to drop a row that a format filters out on purpose (not an error). A `RowReject` becomes
 * `{ ok: false }`; any other exception propagates (a bug, not bad data).
 */
export async function* mapRecords(
  file: string,
  records: AsyncIterable<readonly DelimitedRecord[]>,
  map: (cells: string[], line: number) => DataRecord[] | null,
): AsyncGenerator<ParsedRow[]> {
  for await (const batch of records) {
    const rows: ParsedRow[] = [];
    for (const rec of batch) {
      const pos = { file, line: rec.line };
      if ('error' in rec) {
        rows.push({ ok: false, pos, reason: rec.error });
        continue;
      }
      pushMapped(rows, pos, map, rec.fields);
    }
    if (rows.length > 0) yield rows;
  }
}

/**
 * Maps batches of text lines (line-based formats: JSONL, LightGCN) to batches of parsed rows, as {@link mapRecords}
 * does for delimited records: blank lines are skipped; a line over the reader's limit or with invalid UTF-8 is a bad
 * row; a `RowReject` from the mapper becomes `{ ok: false }`.
 */
export async function* mapLines(
  file: string,
  lines: AsyncIterable<readonly TextLine[]>,
  map: (text: string, line: number) => DataRecord[] | null,
): AsyncGenerator<ParsedRow[]> {
  for await (const batch of lines) {
    const rows: ParsedRow[] = [];
    for (const line of batch) {
      const pos = { file, line: line.line };
      if (line.tooLong !== undefined) {
        rows.push({ ok: false, pos, reason: lineTooLong(line.tooLong) });
        continue;
      }
      if (isBlank(line.text)) continue;
      if (line.invalidUtf8) {
        rows.push({ ok: false, pos, reason: 'invalid UTF-8 byte sequence' });
        continue;
      }
      pushMapped(rows, pos, map, line.text);
    }
    if (rows.length > 0) yield rows;
  }
}

/** `table[key]` for the table's own keys only (a header named `constructor` must not find Object's). */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** A source file backed by an async generator function of row batches. */
export function sourceFile(path: string, read: () => AsyncIterable<readonly ParsedRow[]>): SourceFile {
  return { path, read };
}

/**
 * Kind by majority vote: an entity seen under several relations (a producer that is also a distributor) gets the kind
 * named most often; ties go to the kind seen first. Used by readers that scan a file once before emitting entities.
 */
export class KindVotes {
  private readonly votes = new Map<string, Map<string, number>>();

  add(id: string, kind: string): void {
    let m = this.votes.get(id);
    if (!m) {
      m = new Map();
      this.votes.set(id, m);
    }
    m.set(kind, (m.get(kind) ?? 0) + 1);
  }

  /** The winning kind, or `fallback` when the id was never voted on. */
  kindOf(id: string, fallback: string): string {
    const m = this.votes.get(id);
    if (!m) return fallback;
    let best = fallback;
    let bestN = 0;
    for (const [k, n] of m) {
      if (n > bestN) {
        best = k;
        bestN = n;
      }
    }
    return best;
  }
}

/** Returns an entity record the first time `id` is seen (and remembers it), otherwise `null`. */
export function firstSeen(seen: Set<string>, entity: EntityRecord): DataRecord | null {
  if (seen.has(entity.id)) return null;
  seen.add(entity.id);
  return { type: 'entity', value: entity };
}
