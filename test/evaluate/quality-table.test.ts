/** The README's quality table is generated from docs/results/quality.json: this test fails when they disagree. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_FILE, readmeBlock, readResults, renderQualityTable, updateReadme, type QualityResults } from '../../scripts/bench/_quality-table.ts';
import { commandOf, QUALITY_ROWS } from '../../scripts/bench/quality.ts';

describe('README quality table', () => {
  const results = readResults();

  it('equals the table generated from docs/results/quality.json', () => {
    expect(readmeBlock(readFileSync(README_FILE, 'utf8'))).toBe(renderQualityTable(results));
  });

  it('every recorded row has a date, a command the bench runs, a protocol and its provenance', () => {
    for (const row of results.rows) {
      expect(row.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const spec = QUALITY_ROWS.find((r) => r.id === row.id);
      expect(spec, row.id).toBeDefined();
      expect(row.command).toBe(commandOf(spec!));
      expect(row.protocol).toBe(spec!.protocol);
      expect(row.provenance).not.toBe('');
      for (const m of Object.values(row.results)) for (const k of row.metrics) expect(Number.isFinite(m[k]), `${row.id} ${k}`).toBe(true);
    }
  });

  it('a changed number changes the generated table (the check can fail)', () => {
    const changed: QualityResults = structuredClone(results);
    const first = Object.values(changed.rows[0]!.results)[0]!;
    const key = changed.rows[0]!.metrics[0]!;
    first[key] = first[key]! + 0.01;
    const readme = readFileSync(README_FILE, 'utf8');
    expect(readmeBlock(updateReadme(readme, changed))).not.toBe(readmeBlock(readme));
  });
});
