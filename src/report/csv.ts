/**
 * @module report/csv
 * CSV text for notebooks and spreadsheets (RFC 4180): a header line with the union of the rows' keys (first-seen
 * order), one line per row, `\n` line ends; a cell is quoted when it holds a comma, a quote, a line break or leading
 * or trailing spaces, with quotes doubled. `null`/`undefined` are empty cells; objects and arrays are written as JSON.
 *
 * @example
 * toCsv([{ item: 'Alien, 1979', score: 0.5 }]); // 'item,score\n"Alien, 1979",0.5\n'
 */

/** One cell's text, quoted when needed. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The column names of `rows`: the union of their keys in first-seen order. */
export function csvColumns(rows: ReadonlyArray<Record<string, unknown>>): string[] {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (seen.has(key)) continue;
      seen.add(key);
      columns.push(key);
    }
  }
  return columns;
}

/** Renders rows as CSV; `columns` fixes the header (and keeps it when there are no rows). */
export function toCsv(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[] = csvColumns(rows)): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  return lines.join('\n') + '\n';
}
