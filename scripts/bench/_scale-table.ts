/**
 * The README's scale table, generated from `docs/results/scale.json`: one recorded run of `npm run bench -- scale` per
 * size (interactions), each with every JSON line the run printed, the command, the commit, the date and the machine.
 * `npm run bench -- scale -- … --record` writes its own run there and rewrites the README block between
 * `<!-- scale-table:begin … -->` and `<!-- scale-table:end -->`; `npx tsx scripts/bench/_scale-table.ts --from-log FILE
 * --command CMD [--commit C] [--date D]` records a run from the saved stdout of a run made without `--record` (its
 * provenance says so). test/evaluate/scale-table.test.ts fails when the README and the results file disagree.
 *
 * Every figure of the table is read from the run's own lines (`summarizeScaleRun`); nothing is typed in by hand.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockOf, replaceBlock } from './_readme-block.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCALE_RESULTS_FILE = path.join(ROOT, 'docs/results/scale.json');
export const README_FILE = path.join(ROOT, 'README.md');
export const BEGIN = '<!-- scale-table:begin (generated from docs/results/scale.json by scripts/bench/_scale-table.ts; do not edit) -->';
export const END = '<!-- scale-table:end -->';

/** One JSON line of a `bench scale` run. */
export type ScaleLine = Record<string, unknown>;

export interface ScaleRun {
  interactions: number;
  /** UTC time the run started (ISO 8601). */
  startedAt: string;
  /** Short commit of the code that ran, `+changes` when the working tree differed from it; null when unknown. */
  commit: string | null;
  /** The command as typed (environment variables that change the run first). */
  command: string;
  machine: string;
  /** How the lines reached this file: the bench's `--record`, or its saved stdout (`--from-log`). */
  provenance: string;
  lines: ScaleLine[];
}

export interface ScaleResults {
  runs: ScaleRun[];
}

/** The issue-12 targets the table compares with (the bench's last line carries the same). */
export const SCALE_TARGETS = {
  bulkImportRelsPerSec: 500_000,
  onlineIngestRelsPerSec: 50_000,
  projectionEdgesPerSec: 1_000_000,
  bytesPerEdge: 16,
  bootSeconds: 30,
  noneP99Ms: 20,
  noneRps: 500,
  pathsP99Ms: 60,
} as const;

/** Environment variables that change what `bench scale` measures; recorded in the command when set. */
export const SCALE_ENV = ['GRAPHREC_NEO4J_PAGECACHE_MB', 'GRAPHREC_NEO4J_HEAP_MB', 'NODE_OPTIONS', 'GRAPHREC_RANK_THREADS'] as const;

export function readScaleResults(file = SCALE_RESULTS_FILE): ScaleResults {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ScaleResults) : { runs: [] };
}

/** The code's commit, `+changes` appended when the working tree differs from it; null outside a git checkout. */
export function currentCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

export function machineDescription(): string {
  return `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, no GPU`;
}

/** `npm run bench -- scale -- ARGS`, with the variables of {@link SCALE_ENV} that are set in front. */
export function commandOf(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const vars = SCALE_ENV.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => `${k}=${/\s/.test(env[k]!) ? JSON.stringify(env[k]) : env[k]}`);
  const args = argv.filter((a) => a !== '--');
  return [...vars, 'npm run bench -- scale --', ...args].join(' ');
}

/** The run of `run.interactions` added to `results`, replacing an earlier run of that size; runs kept in size order. */
export function withRun(results: ScaleResults, run: ScaleRun): ScaleResults {
  const runs = results.runs.filter((r) => r.interactions !== run.interactions);
  runs.push(run);
  runs.sort((a, b) => a.interactions - b.interactions);
  return { runs };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** What the table shows of one run, read from its lines (null where the stage did not run). */
export interface ScaleSummary {
  interactions: number;
  bulk: { relsPerSec: number; convertSeconds: number | null; importSeconds: number | null; schemaSeconds: number | null } | null;
  projectionEdgesPerSec: number | null;
  bytesPerEdge: number | null;
  epoch: { seconds: number; complete: boolean; sampleUsers: number | null; sampleInteractionShare: number | null; users: number | null; rssMb: number | null } | null;
  bootSeconds: number | null;
  rssMb: number | null;
  neo4jRssMb: number | null;
  none: { rps: number; p99Ms: number; cpuMsPerRequest: number | null } | null;
  paths: { rps: number; p99Ms: number; cpuMsPerRequest: number | null } | null;
  openLoop: { explain: 'none' | 'paths'; rate: number; p99Ms: number }[];
  onlineRelsPerSec: number | null;
  load: { min: number; max: number } | null;
}

export function summarizeScaleRun(run: ScaleRun): ScaleSummary {
  const stage = (name: string) => run.lines.filter((l) => l.stage === name && !l.skipped && !l.error);
  const last = run.lines.find((l) => l.stage === undefined && typeof l.interactions === 'number' && 'bulkImportRelsPerSec' in l) ?? {};
  const bulkLine = stage('bulk')[0];
  const bulkRate = num(last.bulkImportRelsPerSec);
  const epochLine = stage('epoch')[0];
  const sample = epochLine?.sample as { users?: number; interactions?: number; ofInteractions?: number } | null | undefined;
  const share = num(sample?.interactions) !== null && num(sample?.ofInteractions) ? sample!.interactions! / sample!.ofInteractions! : null;
  const closed = (explain: string) => {
    // With copies the bench serves each mode twice; the last line's keys (and this table) are the last such run.
    const lines = stage('serve').filter((l) => l.explain === explain);
    const l = lines[lines.length - 1];
    const rps = num(l?.requestsPerSecond);
    const p99 = num(l?.p99Ms);
    return rps !== null && p99 !== null ? { rps, p99Ms: p99, cpuMsPerRequest: num(l!.cpuMsPerRequest) } : null;
  };
  const loads = run.lines.map((l) => num(l.loadAverage1m)).filter((x): x is number => x !== null);
  return {
    interactions: run.interactions,
    bulk: bulkRate === null ? null : { relsPerSec: bulkRate, convertSeconds: num(bulkLine?.convertSeconds), importSeconds: num(bulkLine?.importSeconds), schemaSeconds: num(bulkLine?.schemaSeconds) },
    projectionEdgesPerSec: num(last.projectionEdgesPerSec),
    bytesPerEdge: num(last.bytesPerEdge),
    epoch:
      num(last.epochSeconds) === null
        ? null
        : { seconds: num(last.epochSeconds)!, complete: epochLine?.complete !== false, sampleUsers: num(sample?.users), sampleInteractionShare: share, users: num(epochLine?.users), rssMb: num(epochLine?.peakRssMb) },
    bootSeconds: num(last.bootSeconds),
    rssMb: num(last.rssMb),
    neo4jRssMb: num(last.neo4jRssMb),
    none: closed('none'),
    paths: closed('paths'),
    openLoop: stage('serve: open loop')
      .filter((l) => (l.explain === 'none' || l.explain === 'paths') && num(l.offeredPerSecond) !== null && num(l.p99Ms) !== null)
      .map((l) => ({ explain: l.explain as 'none' | 'paths', rate: num(l.offeredPerSecond)!, p99Ms: num(l.p99Ms)! })),
    onlineRelsPerSec: num(last.onlineIngestRelsPerSec),
    load: loads.length > 0 ? { min: Math.min(...loads), max: Math.max(...loads) } : null,
  };
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
/** A duration (ms or s): one decimal below 100, whole above. */
const short = (x: number) => (x < 100 ? x.toFixed(1) : int(x));
const verdict = (met: boolean) => (met ? 'met' : 'missed');

export function sizeName(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return int(n);
}

/** The Markdown block: one column per recorded size, one row per measure, each target's verdict in its cell. */
export function renderScaleTable(results: ScaleResults): string {
  const sums = results.runs.map(summarizeScaleRun);
  const T = SCALE_TARGETS;
  const rows: Array<[string, (x: ScaleSummary) => string, string]> = [
    [
      'bulk import into an empty local Neo4j (conversion + importer + start and schema)',
      (x) => (x.bulk ? `${int(x.bulk.relsPerSec)} rel/s (${[x.bulk.convertSeconds, x.bulk.importSeconds, x.bulk.schemaSeconds].map((v) => (v === null ? '—' : short(v))).join(' + ')} s), ${verdict(x.bulk.relsPerSec >= T.bulkImportRelsPerSec)}` : '—'),
      `≥ ${int(T.bulkImportRelsPerSec)} rel/s`,
    ],
    ['online loader into the now non-empty database (its first load since Neo4j started: cold plans and pages)', (x) => (x.onlineRelsPerSec === null ? '—' : `${int(x.onlineRelsPerSec)} rel/s, ${verdict(x.onlineRelsPerSec >= T.onlineIngestRelsPerSec)}`), `≥ ${int(T.onlineIngestRelsPerSec)} rel/s`],
    ['projection read out of Neo4j', (x) => (x.projectionEdgesPerSec === null ? '—' : `${int(x.projectionEdgesPerSec)} edges/s, ${verdict(x.projectionEdgesPerSec >= T.projectionEdgesPerSec)}`), `≥ ${int(T.projectionEdgesPerSec)} edges/s`],
    ['bytes per directed edge entry', (x) => (x.bytesPerEdge === null ? '—' : `${x.bytesPerEdge}, ${verdict(x.bytesPerEdge <= T.bytesPerEdge)}`), `≤ ${T.bytesPerEdge}`],
    [
      'one LightGCN epoch (CPU kernels, 2 threads)',
      (x) =>
        x.epoch === null
          ? '—'
          : `${short(x.epoch.seconds)} s${x.epoch.complete ? '' : ' (extrapolated from a cut epoch)'}${x.epoch.sampleUsers !== null ? ` on a sample of ${int(x.epoch.sampleUsers)} users${x.epoch.sampleInteractionShare !== null ? ` (${Math.round(x.epoch.sampleInteractionShare * 100)} % of the interactions)` : ''}` : ''}${x.epoch.rssMb !== null ? `, peak RSS ${int(x.epoch.rssMb)} MB` : ''}`,
      'reported',
    ],
    ['boot from the snapshot', (x) => (x.bootSeconds === null ? '—' : `${short(x.bootSeconds)} s, ${verdict(x.bootSeconds <= T.bootSeconds)}`), `≤ ${T.bootSeconds} s`],
    ['RSS: server process / Neo4j', (x) => (x.rssMb === null ? '—' : `${int(x.rssMb)} / ${x.neo4jRssMb === null ? '—' : int(x.neo4jRssMb)} MB`), 'reported'],
    [
      '`explain=none`, 10 closed loops',
      (x) => (x.none ? `${int(x.none.rps)} req/s at p99 ${short(x.none.p99Ms)} ms, ${verdict(x.none.rps >= T.noneRps && x.none.p99Ms <= T.noneP99Ms)}` : '—'),
      `≥ ${T.noneRps} req/s at p99 ≤ ${T.noneP99Ms} ms`,
    ],
    ['`explain=none`, p99 at an offered rate (open loop)', (x) => openLoop(x, 'none'), `p99 ≤ ${T.noneP99Ms} ms`],
    ['`explain=paths`, 10 closed loops', (x) => (x.paths ? `${int(x.paths.rps)} req/s at p99 ${short(x.paths.p99Ms)} ms, ${verdict(x.paths.p99Ms <= T.pathsP99Ms)}` : '—'), `p99 ≤ ${T.pathsP99Ms} ms`],
    ['`explain=paths`, p99 at an offered rate (open loop)', (x) => openLoop(x, 'paths'), `p99 ≤ ${T.pathsP99Ms} ms`],
    ['load average during the run', (x) => (x.load ? `${x.load.min.toFixed(1)}–${x.load.max.toFixed(1)}` : '—'), '2 cores'],
  ];
  const lines = [`| measure | ${sums.map((x) => sizeName(x.interactions)).join(' | ')} | target |`, `| --- | ${sums.map(() => '---').join(' | ')} | --- |`];
  for (const [what, cell, target] of rows) lines.push(`| ${what} | ${sums.map(cell).join(' | ')} | ${target} |`);
  lines.push('');
  for (const run of results.runs) {
    lines.push(`- ${sizeName(run.interactions)}: ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${run.commit ?? 'unknown'}, ${run.machine}; \`${run.command}\` (${run.provenance}).`);
  }
  return lines.join('\n');
}

function openLoop(x: ScaleSummary, explain: 'none' | 'paths'): string {
  const runs = x.openLoop.filter((o) => o.explain === explain);
  if (runs.length === 0) return '—';
  const target = explain === 'none' ? SCALE_TARGETS.noneP99Ms : SCALE_TARGETS.pathsP99Ms;
  return runs.map((o) => `${short(o.p99Ms)} ms at ${o.rate}/s${o.p99Ms <= target ? '' : ' (over)'}`).join(', ');
}

export function updateReadme(readme: string, results: ScaleResults): string {
  return replaceBlock(readme, BEGIN, END, renderScaleTable(results));
}

export function readmeBlock(readme: string): string {
  return blockOf(readme, BEGIN, END);
}

/** Writes `run` into the results file (replacing the run of its size) and regenerates the README block. */
export function recordScaleRun(run: ScaleRun, file = SCALE_RESULTS_FILE, readmeFile = README_FILE): ScaleResults {
  const results = withRun(readScaleResults(file), run);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(readmeFile, updateReadme(readFileSync(readmeFile, 'utf8'), results));
  return results;
}

/** The run in a saved stdout of `bench scale`: its JSON lines (other lines, npm's and the log's, are left out). */
export function runFromLog(text: string, meta: { command: string; commit: string | null; startedAt?: string }): ScaleRun {
  const lines: ScaleLine[] = [];
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    if (!t.startsWith('{')) continue;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      continue;
    }
    if (v && typeof v === 'object' && ('stage' in v || 'bulkImportRelsPerSec' in v)) lines.push(v as ScaleLine);
  }
  const start = lines.find((l) => l.stage === 'start');
  const interactions = num(start?.interactions);
  if (interactions === null) throw new Error('no {"stage":"start"} line with the interactions: not the output of bench scale');
  if (!lines.some((l) => 'bulkImportRelsPerSec' in l)) throw new Error('no last line with bulkImportRelsPerSec: the run did not finish');
  const startedAt = (typeof start!.startedAt === 'string' ? start!.startedAt : undefined) ?? meta.startedAt;
  if (!startedAt) throw new Error('the start line has no startedAt (older bench): give --date YYYY-MM-DDTHH:MMZ');
  return { interactions, startedAt, commit: (typeof start!.commit === 'string' ? start!.commit : null) ?? meta.commit, command: meta.command, machine: machineDescription(), provenance: 'recorded from the saved stdout of the run by _scale-table.ts --from-log', lines };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const k = argv.indexOf(name);
    return k >= 0 ? argv[k + 1] : undefined;
  };
  const log = flag('--from-log');
  if (log) {
    const command = flag('--command');
    if (!command) throw new Error('--from-log needs --command "the command that printed it"');
    const run = runFromLog(readFileSync(log, 'utf8'), { command, commit: flag('--commit') ?? null, ...(flag('--date') ? { startedAt: new Date(flag('--date')!).toISOString() } : {}) });
    recordScaleRun(run);
    process.stdout.write(`recorded the ${sizeName(run.interactions)} run in ${path.relative(ROOT, SCALE_RESULTS_FILE)} and the README\n`);
  } else {
    writeFileSync(README_FILE, updateReadme(readFileSync(README_FILE, 'utf8'), readScaleResults()));
    process.stdout.write('README scale table regenerated from docs/results/scale.json\n');
  }
}
