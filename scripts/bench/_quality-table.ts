/**
 * The README's quality table, generated from `docs/results/quality.json` (written by `npm run bench -- quality`):
 * `renderQualityTable` turns the results into Markdown, `updateReadme` replaces the block between the markers
 * `<!-- quality-table:begin -->` and `<!-- quality-table:end -->`. `npx tsx scripts/bench/_quality-table.ts` rewrites
 * the README from the results file; test/evaluate/quality-table.test.ts fails when the two disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockOf, replaceBlock } from './_readme-block.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_FILE = path.join(ROOT, 'docs/results/quality.json');
export const README_FILE = path.join(ROOT, 'README.md');
export const BEGIN = '<!-- quality-table:begin (generated from docs/results/quality.json by scripts/bench/_quality-table.ts; do not edit) -->';
export const END = '<!-- quality-table:end -->';

/** One measured row of the results file. */
export interface QualityRow {
  id: string;
  /** What was measured, as the README says it. */
  what: string;
  /** The command that reproduces it. */
  command: string;
  /** Evaluation protocol (see docs/evaluation.md#protocols). */
  protocol: string;
  /** Metric keys shown, e.g. ["recall@20", "ndcg@20"]. */
  metrics: string[];
  /** model → metric → value (test part). */
  results: Record<string, Record<string, number>>;
  /** Published reference numbers under the same protocol, as text; "" when none is comparable. */
  reference: string;
  /** UTC date of the run (YYYY-MM-DD). */
  date: string;
  machine: string;
  /** Wall seconds of the row. */
  seconds: number | null;
  /** How the numbers came to be (a bench run, or a recorded earlier measurement). */
  provenance: string;
}

export interface QualityResults {
  rows: QualityRow[];
}

export function readResults(file = RESULTS_FILE): QualityResults {
  return JSON.parse(readFileSync(file, 'utf8')) as QualityResults;
}

const fmt = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(4));

/** The Markdown table of every row (one line per row, models joined). */
export function renderQualityTable(results: QualityResults): string {
  const lines = ['| what | result (test) | reference, same protocol | protocol · date · command |', '| --- | --- | --- | --- |'];
  for (const row of results.rows) {
    const models = Object.entries(row.results).map(([model, m]) => `${model} ${row.metrics.map((k) => fmt(m[k])).join(' / ')}`);
    const result = `${row.metrics.join(' / ')}: ${models.join('; ')}`;
    lines.push(`| ${row.what} | ${result} | ${row.reference || '—'} | ${row.protocol} · ${row.date} · \`${row.command}\` |`);
  }
  return lines.join('\n');
}

/** The README with its quality block replaced by the table of `results`. */
export function updateReadme(readme: string, results: QualityResults): string {
  return replaceBlock(readme, BEGIN, END, renderQualityTable(results));
}

/** The table block currently in the README. */
export function readmeBlock(readme: string): string {
  return blockOf(readme, BEGIN, END);
}

export function writeReadme(results: QualityResults = readResults()): void {
  writeFileSync(README_FILE, updateReadme(readFileSync(README_FILE, 'utf8'), results));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) writeReadme();
