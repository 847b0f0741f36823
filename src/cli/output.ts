/**
 * @module cli/output
 * Printing results for notebooks: JSON (default) or CSV (`--format csv`: a header line, RFC-4180 quoting).
 */
import { AppError } from '../core/errors.ts';

export type OutputFormat = 'json' | 'csv';

export function parseFormat(raw: string | undefined): OutputFormat {
  if (raw === undefined || raw === 'json') return 'json';
  if (raw === 'csv') return 'csv';
  throw new AppError('BAD_REQUEST', `--format must be json or csv (got ${JSON.stringify(raw)})`);
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Renders rows as CSV with the union of their keys (in first-seen order) as the header. */
export function toCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (seen.has(key)) continue;
      seen.add(key);
      columns.push(key);
    }
  }
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  return lines.join('\n') + '\n';
}

/** Prints `value` as JSON, or `rows` as CSV (commands choose which rows represent their result in CSV). */
export function printResult(format: OutputFormat, value: unknown, rows?: ReadonlyArray<Record<string, unknown>>): void {
  if (format === 'csv') {
    if (!rows) throw new AppError('BAD_REQUEST', 'this command has no CSV form; use --format json');
    process.stdout.write(toCsv(rows));
  } else {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }
}
