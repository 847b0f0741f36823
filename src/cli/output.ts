/**
 * @module cli/output
 * Printing results for notebooks: JSON (default) or CSV (`--format csv`: a header line, then one line per record,
 * RFC-4180 quoting — see `report/csv.ts`). Commands choose which records stand for their result in CSV and may fix
 * the columns, so an empty result still prints its header.
 */
import { AppError } from '../core/errors.ts';
import { toCsv } from '../report/csv.ts';

export { csvCell, toCsv } from '../report/csv.ts';

export const OUTPUT_FORMATS = ['json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `--format` → 'json' (default) or 'csv'; anything else is BAD_REQUEST. */
export function parseFormat(raw: string | undefined): OutputFormat {
  if (raw === undefined || raw === 'json') return 'json';
  if (raw === 'csv') return 'csv';
  throw new AppError('BAD_REQUEST', `--format must be json or csv (got ${JSON.stringify(raw)})`);
}

/** The text `printResult` writes. */
export function formatResult(format: OutputFormat, value: unknown, rows?: ReadonlyArray<Record<string, unknown>>, columns?: readonly string[]): string {
  if (format === 'csv') {
    if (!rows) throw new AppError('BAD_REQUEST', 'this command has no CSV form; use --format json');
    return toCsv(rows, columns);
  }
  return JSON.stringify(value, null, 2) + '\n';
}

/** Prints `value` as JSON, or `rows` as CSV (with `columns` as the header when given). */
export function printResult(format: OutputFormat, value: unknown, rows?: ReadonlyArray<Record<string, unknown>>, columns?: readonly string[]): void {
  process.stdout.write(formatResult(format, value, rows, columns));
}
