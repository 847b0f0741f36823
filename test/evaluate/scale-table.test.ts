/** The README's scale table is generated from docs/results/scale.json: this test fails when they disagree. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BEGIN,
  commandOf,
  END,
  README_FILE,
  readmeBlock,
  readScaleResults,
  recordScaleRun,
  renderScaleTable,
  runFromLog,
  summarizeScaleRun,
  updateReadme,
  withRun,
  type ScaleLine,
  type ScaleRun,
} from '../../scripts/bench/_scale-table.ts';

/** The lines of a small finished run, as bench scale prints them (only the fields the table reads, plus noise). */
function linesOf(interactions: number, over: { bulk?: number; noneRps?: number; noneP99?: number } = {}): ScaleLine[] {
  return [
    { stage: 'start', interactions, startedAt: '2026-12-08T01:02:03.000Z', commit: 'abc1234', loadAverage1m: 0.5 },
    { stage: 'epoch', interactions, users: 100, sample: { users: 40 }, complete: true, epochSeconds: 3.5, peakRssMb: 300, loadAverage1m: 1.2 },
    { stage: 'serve', explain: 'none', requestsPerSecond: over.noneRps ?? 120, p99Ms: over.noneP99 ?? 80.25, cpuMsPerRequest: 8, loadAverage1m: 1.9 },
    { stage: 'serve', explain: 'paths', requestsPerSecond: 40, p99Ms: 300, loadAverage1m: 1.5 },
    { stage: 'serve: open loop', explain: 'none', offeredPerSecond: 50, p99Ms: 12.5, loadAverage1m: 1 },
    { stage: 'serve: open loop', explain: 'paths', offeredPerSecond: 10, p99Ms: 75, loadAverage1m: 1 },
    { stage: 'online', skipped: true },
    { stage: 'bulk', convertSeconds: 1, importSeconds: 2, schemaSeconds: 3, relationshipsPerSecond: over.bulk ?? 40_000 },
    { interactions, bulkImportRelsPerSec: over.bulk ?? 40_000, onlineIngestRelsPerSec: null, projectionEdgesPerSec: 1_200_000, bytesPerEdge: 10.21, epochSeconds: 3.5, bootSeconds: 2, rssMb: 500, neo4jRssMb: 900, noneP99Ms: over.noneP99 ?? 80.25, noneRps: over.noneRps ?? 120, pathsP99Ms: 300, loadAverage1m: 0.7 },
  ];
}

function runOf(interactions: number, over?: Parameters<typeof linesOf>[1]): ScaleRun {
  return { interactions, startedAt: '2026-12-08T01:02:03.000Z', commit: 'abc1234', command: `npm run bench -- scale -- --interactions ${interactions} --record`, machine: '2 cores', provenance: 'test', lines: linesOf(interactions, over) };
}

describe('README scale table', () => {
  const results = readScaleResults();

  it('equals the table generated from docs/results/scale.json', () => {
    expect(readmeBlock(readFileSync(README_FILE, 'utf8'))).toBe(renderScaleTable(results));
  });

  it('every recorded run has its start time, the command that reproduces it for its size, a finished last line and its provenance', () => {
    for (const run of results.runs) {
      expect(Number.isNaN(Date.parse(run.startedAt)), run.startedAt).toBe(false);
      expect(run.command).toMatch(/(^|\s)npm run bench -- scale -- /);
      expect(run.command).toContain(`--interactions ${run.interactions}`);
      expect(run.command).not.toMatch(/--(reuse|skip)\b/);
      expect(run.provenance).not.toBe('');
      expect(run.lines.some((l) => 'bulkImportRelsPerSec' in l)).toBe(true);
      expect(run.lines.find((l) => l.stage === 'start')?.interactions).toBe(run.interactions);
    }
  });

  it('a changed number changes the generated table (the check can fail)', () => {
    const readme = readFileSync(README_FILE, 'utf8');
    const changed = withRun(results, runOf(123_000));
    expect(readmeBlock(updateReadme(readme, changed))).not.toBe(readmeBlock(readme));
  });
});

describe('summarizeScaleRun and renderScaleTable', () => {
  it('reads each figure from its stage line and gives each target its verdict', () => {
    const sum = summarizeScaleRun(runOf(1_000_000));
    expect(sum.bulk).toEqual({ relsPerSec: 40_000, convertSeconds: 1, importSeconds: 2, schemaSeconds: 3 });
    expect(sum.epoch).toEqual({ seconds: 3.5, complete: true, sampleUsers: 40, sampleInteractionShare: null, users: 100, rssMb: 300 });
    expect(sum.none).toEqual({ rps: 120, p99Ms: 80.25, cpuMsPerRequest: 8 });
    expect(sum.openLoop).toEqual([
      { explain: 'none', rate: 50, p99Ms: 12.5 },
      { explain: 'paths', rate: 10, p99Ms: 75 },
    ]);
    expect(sum.onlineRelsPerSec).toBeNull();
    expect(sum.load).toEqual({ min: 0.5, max: 1.9 });

    const table = renderScaleTable({ runs: [runOf(1_000_000), runOf(50_000_000, { bulk: 600_000, noneRps: 800, noneP99: 15 })] });
    const row = (start: string) => table.split('\n').find((l) => l.startsWith(`| ${start}`))!;
    expect(row('measure')).toBe('| measure | 1M | 50M | target |');
    expect(row('bulk import')).toContain('40,000 rel/s (1.0 + 2.0 + 3.0 s), missed');
    expect(row('bulk import')).toContain('600,000 rel/s (1.0 + 2.0 + 3.0 s), met');
    expect(row('`explain=none`, 10 closed')).toContain('120 req/s at p99 80.3 ms, missed');
    expect(row('`explain=none`, 10 closed')).toContain('800 req/s at p99 15.0 ms, met');
    expect(row('`explain=paths`, p99 at')).toContain('75.0 ms at 10/s (over)');
    expect(row('online loader')).toContain('| — |');
    expect(row('one LightGCN epoch')).toContain('3.5 s on a sample of 40 users, peak RSS 300 MB');
    expect(table).toContain('- 50M: 2026-12-08 01:02 UTC, commit abc1234');
    const sampled = runOf(2_000_000);
    sampled.lines[1] = { ...sampled.lines[1], sample: { users: 40, interactions: 680, ofUsers: 100, ofInteractions: 1000 } };
    expect(renderScaleTable({ runs: [sampled] })).toContain('3.5 s on a sample of 40 users (68 % of the interactions), peak RSS 300 MB');
  });

  it('keeps one run per size, in size order, the newer replacing the older', () => {
    const a = withRun({ runs: [] }, runOf(10_000_000));
    const b = withRun(a, runOf(1_000_000));
    const c = withRun(b, { ...runOf(10_000_000), commit: 'def5678' });
    expect(c.runs.map((r) => [r.interactions, r.commit])).toEqual([
      [1_000_000, 'abc1234'],
      [10_000_000, 'def5678'],
    ]);
  });
});

describe('recording a run', () => {
  it('puts the variables that change the run in front of the command and leaves out the `--` separator', () => {
    const env = { GRAPHREC_NEO4J_PAGECACHE_MB: '8192', NODE_OPTIONS: '--max-old-space-size=8192', GRAPHREC_BENCH_NEO4J_PORT: '7781' };
    expect(commandOf(['--', '--interactions', '50000000', '--record'], env)).toBe(
      'GRAPHREC_NEO4J_PAGECACHE_MB=8192 NODE_OPTIONS=--max-old-space-size=8192 npm run bench -- scale -- --interactions 50000000 --record',
    );
    expect(commandOf(['--interactions', '1000'], { NODE_OPTIONS: '--a --b' })).toBe('NODE_OPTIONS="--a --b" npm run bench -- scale -- --interactions 1000');
  });

  it('reads a saved stdout: JSON lines kept, npm and log lines left out, an unfinished or foreign log refused', () => {
    const lines = linesOf(2_000_000);
    const text = ['> graphrec@0.1.0 bench', '{"t":"2026-12-08T00:00:00Z","level":"info","msg":"local Neo4j: ready"}', ...lines.map((l) => JSON.stringify(l)), 'exit 0'].join('\n');
    const run = runFromLog(text, { command: 'npm run bench -- scale -- --interactions 2000000', commit: null });
    expect(run.interactions).toBe(2_000_000);
    expect(run.commit).toBe('abc1234');
    expect(run.startedAt).toBe('2026-12-08T01:02:03.000Z');
    expect(run.lines).toEqual(lines);
    expect(() => runFromLog(lines.slice(0, -1).map((l) => JSON.stringify(l)).join('\n'), { command: 'x', commit: null })).toThrow(/did not finish/);
    expect(() => runFromLog('{"pass":"defaults"}\n', { command: 'x', commit: null })).toThrow(/not the output of bench scale/);
    const older = [{ stage: 'start', interactions: 1000 }, ...lines.slice(1)].map((l) => JSON.stringify(l)).join('\n');
    expect(() => runFromLog(older, { command: 'x', commit: null })).toThrow(/--date/);
    expect(runFromLog(older, { command: 'x', commit: 'fd3eab5', startedAt: '2026-12-08T03:12:13.000Z' })).toMatchObject({ interactions: 1000, commit: 'fd3eab5', startedAt: '2026-12-08T03:12:13.000Z' });
  });

  it('writes the results file and the README block together', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scale-table-'));
    try {
      const file = path.join(dir, 'scale.json');
      const readme = path.join(dir, 'README.md');
      writeFileSync(readme, `# x\n\n${BEGIN}\nold\n${END}\n\nafter\n`);
      recordScaleRun(runOf(1_000_000), file, readme);
      recordScaleRun(runOf(10_000_000), file, readme);
      const saved = readScaleResults(file);
      expect(saved.runs.map((r) => r.interactions)).toEqual([1_000_000, 10_000_000]);
      const text = readFileSync(readme, 'utf8');
      expect(readmeBlock(text)).toBe(renderScaleTable(saved));
      expect(text.endsWith(`${END}\n\nafter\n`)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
