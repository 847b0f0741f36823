/**
 * `npm run bench -- quality [--rows ID,…|all] [--list]`: reproduces the quality rows of the README and writes them to
 * `docs/results/quality.json` (date, command, machine, protocol, seconds per row; rows not run keep their entry), then
 * regenerates the README table from that file (`_quality-table.ts`).
 *
 * Every row is one `graphrec evaluate` command (printed in the row; this bench calls the same `evaluate()` in-process,
 * with one LightGCN training shared by the models of a row, as the CLI does). Default rows are the ones that finish in
 * minutes on the 2-core machine; `--rows all` (or naming a row) also runs the slow ones — Gowalla LightGCN takes
 * ≈ 45 min, and its entry in the results file is, until re-run, the recorded measurement named in its provenance.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { evaluate, type EvaluateConfig, type LightGcnCache, type ModelName, type Protocol } from '../../src/evaluate/pipeline.ts';
import { TUNING_FILE } from './tune.ts';
import { knnScoringName } from '../../src/cli/commands/evaluate.ts';
import { readResults, RESULTS_FILE, writeReadme, type QualityResults, type QualityRow } from './_quality-table.ts';

interface RowSpec {
  id: string;
  what: string;
  /** Dataset spec relative to the project (`../shared/data/…`). */
  dataset: string;
  models: ModelName[];
  split?: EvaluateConfig['split'];
  splitFlag?: string;
  ks: number[];
  metrics: string[];
  protocol: Protocol;
  /** Per-model options and the CLI flags that give them. */
  options?: Partial<Record<ModelName, Record<string, unknown>>>;
  flags?: string;
  reference: string;
  /** Runs only when named (or with `--rows all`). */
  slow: boolean;
}

const data = (name: string) => `../shared/data/${name}`;
/** The `chosen` options of a row of docs/results/tuning.json (`npm run bench -- tune --rows ID`), or undefined before that tuning exists. */
function tunedChoice<T>(rowId: string): T | undefined {
  if (!existsSync(TUNING_FILE)) return undefined;
  return (JSON.parse(readFileSync(TUNING_FILE, 'utf8')) as { rows: Record<string, { chosen?: T }> }).rows[rowId]?.chosen;
}
/** EASE^R's λ on Gowalla, as chosen on validation by `tune --rows ease-gowalla` (the row refuses to run before that). */
const EASE_GOWALLA_LAMBDA = tunedChoice<{ lambda?: number }>('ease-gowalla')?.lambda;
/** Item-kNN's options on ML-100K as chosen by `tune --rows itemknn-ml100k`. */
const KNN_ML100K = tunedChoice<{ shrink: number; neighbours: number; normalize: boolean; averageBias: boolean }>('itemknn-ml100k');

export const QUALITY_ROWS: RowSpec[] = [
  {
    id: 'gowalla-lightgcn',
    what: 'LightGCN on Gowalla (train → test, the README command with its defaults)',
    dataset: `lightgcn:${data('lightgcn-gowalla')}`,
    models: ['lightgcn'],
    ks: [20],
    metrics: ['recall@20', 'ndcg@20'],
    protocol: 'early-stop',
    reference: 'LightGCN paper 0.1830 / 0.1554',
    slow: true,
  },
  {
    id: 'gowalla-baselines',
    what: 'item-kNN and RP³β on Gowalla (train → test; item-kNN defaults chosen on validation)',
    dataset: `lightgcn:${data('lightgcn-gowalla')}`,
    models: ['itemknn', 'rp3beta'],
    ks: [20],
    metrics: ['recall@20', 'ndcg@20'],
    protocol: 'early-stop',
    reference: 'BARS ItemCF (cosine, 100 neighbours) 0.1570 / 0.1214',
    slow: true,
  },
  {
    id: 'gowalla-ease',
    what: 'EASE^R on Gowalla (train → test), dense over the items with ≥ 40 training interactions only, λ chosen on validation',
    dataset: `lightgcn:${data('lightgcn-gowalla')}`,
    models: ['ease'],
    ks: [20],
    metrics: ['recall@20', 'ndcg@20'],
    protocol: 'early-stop',
    options: { ease: { lambda: EASE_GOWALLA_LAMBDA ?? Number.NaN, minItemCount: 40 } },
    flags: `--ease-lambda ${EASE_GOWALLA_LAMBDA ?? '<λ from bench tune --rows ease-gowalla>'} --ease-min-count 40`,
    reference: 'BARS EASE^R 0.1765 / 0.1467 (all 40,981 items: not comparable, see docs/evaluation.md)',
    slow: true,
  },
  {
    id: 'lastfm-lightgcn-paper',
    what: 'LightGCN on LightGCN++ Last.fm (train, epoch on valid, train masked at test)',
    dataset: `lightgcn:${data('lightgcnpp-lastfm')}`,
    models: ['lightgcn'],
    ks: [10, 20],
    metrics: ['recall@10', 'ndcg@10'],
    protocol: 'paper-lightgcnpp',
    reference: 'LightGCN++ paper (same protocol): LightGCN 0.1741 / 0.1996, LightGCN++ 0.1889 / 0.2171',
    slow: true,
  },
  {
    id: 'ml100k-served',
    what: 'served `recommend()`, ML-100K + DBpedia (RecBole random 80/10/10)',
    dataset: `movielens-dbpedia:${data('ml-100k')},${data('ml-100k-dbpedia')}`,
    models: ['hybrid', 'embedding', 'ppr', 'popular'],
    split: { kind: 'random', ratios: [0.8, 0.1, 0.1] },
    splitFlag: 'random:0.8,0.1,0.1',
    ks: [10],
    metrics: ['recall@10', 'ndcg@10'],
    protocol: 'early-stop',
    options: { hybrid: {}, embedding: {} },
    reference: 'RecBole BPR 0.2523 / 0.2920',
    slow: false,
  },
  {
    id: 'ml100k-baselines',
    what: 'baselines and LightGCN, ML-100K (RecBole random 80/10/10)',
    dataset: `movielens:${data('ml-100k')}`,
    models: ['lightgcn', 'ease', 'itemknn', 'rp3beta'],
    split: { kind: 'random', ratios: [0.8, 0.1, 0.1] },
    splitFlag: 'random:0.8,0.1,0.1',
    ks: [10],
    metrics: ['recall@10', 'ndcg@10'],
    protocol: 'early-stop',
    reference: 'RecBole BPR 0.2523 / 0.2920',
    // item-kNN as chosen on ML-100K valid (its defaults come from Gowalla valid)
    ...(KNN_ML100K
      ? {
          options: { itemknn: { ...KNN_ML100K } },
          flags: `--knn-neighbours ${KNN_ML100K.neighbours} --shrink ${KNN_ML100K.shrink} --knn-scoring ${knnScoringName(KNN_ML100K)}`,
        }
      : {}),
    slow: false,
  },
];

/** The `graphrec evaluate` command of a row. */
export function commandOf(row: RowSpec): string {
  return [
    'graphrec evaluate',
    `--dataset ${row.dataset}`,
    ...(row.splitFlag ? [`--split ${row.splitFlag}`] : []),
    `--model ${row.models.join(',')}`,
    `--k ${row.ks.join(',')}`,
    ...(row.protocol !== 'early-stop' ? [`--protocol ${row.protocol}`] : []),
    ...(row.flags ? [row.flags] : []),
  ].join(' ');
}

const emit = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export async function main(argv: string[]): Promise<void> {
  if (argv.includes('--list')) {
    for (const row of QUALITY_ROWS) emit({ id: row.id, slow: row.slow, command: commandOf(row) });
    return;
  }
  const i = argv.indexOf('--rows');
  const named = i >= 0 ? argv[i + 1]! : undefined;
  const rows = named === 'all' ? QUALITY_ROWS : named ? named.split(',').map((id) => QUALITY_ROWS.find((r) => r.id === id) ?? fail(id)) : QUALITY_ROWS.filter((r) => !r.slow);
  if (!existsSync(SHARED_DATA_DIR)) {
    emit({ error: `bench quality needs ${SHARED_DATA_DIR} (../shared/data is absent)` });
    process.exitCode = 1;
    return;
  }
  let results: QualityResults = existsSync(RESULTS_FILE) ? readResults() : { rows: [] };
  for (const row of rows) {
    if (row.id === 'gowalla-ease' && EASE_GOWALLA_LAMBDA === undefined) throw new Error('row gowalla-ease needs λ chosen on validation first: npm run bench -- tune --rows ease-gowalla');
    const t0 = performance.now();
    const cache: LightGcnCache = new Map();
    const out: Record<string, Record<string, number>> = {};
    for (const model of row.models) {
      const dataset = row.dataset.replace('../shared/data', SHARED_DATA_DIR);
      const r = await evaluate(
        {
          dataset: dataset.includes(',') ? dataset.split(',').map((p) => p.replace('../shared/data', SHARED_DATA_DIR)).join(',') : dataset,
          model,
          ks: row.ks,
          metrics: [...new Set(row.metrics.map((m) => m.split('@')[0]!))],
          protocol: row.protocol,
          ...(row.split ? { split: row.split } : {}),
          ...(row.options?.[model] ? { modelOptions: row.options[model] } : {}),
          seed: 2020,
        },
        { cache },
      );
      out[model] = Object.fromEntries(row.metrics.map((m) => [m, r4(r.test[m]!)]));
      emit({ row: row.id, model, test: out[model], valid: r.valid, epochs: r.epochs, best: r.best, seconds: r.timings.total });
    }
    const entry: QualityRow = {
      id: row.id,
      what: row.what,
      command: commandOf(row),
      protocol: row.protocol,
      metrics: row.metrics,
      results: out,
      reference: row.reference,
      date: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), load ${os.loadavg()[0]!.toFixed(1)} at the end`,
      seconds: Math.round((performance.now() - t0) / 1000),
      provenance: 'npm run bench -- quality --rows ' + row.id,
    };
    results = existsSync(RESULTS_FILE) ? readResults() : { rows: [] }; // another run may have written meanwhile
    const at = results.rows.findIndex((r) => r.id === row.id);
    if (at >= 0) results.rows[at] = entry;
    else results.rows.push(entry);
    results.rows.sort((a, b) => QUALITY_ROWS.findIndex((r) => r.id === a.id) - QUALITY_ROWS.findIndex((r) => r.id === b.id));
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2) + '\n');
    writeReadme(results);
    emit({ row: row.id, done: true, seconds: entry.seconds });
  }
  emit(results);
}

function fail(id: string): never {
  throw new Error(`unknown row ${id}; rows: ${QUALITY_ROWS.map((r) => r.id).join(', ')}`);
}
