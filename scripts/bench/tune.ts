/**
 * `npm run bench -- tune [--rows a,b]`: chooses baseline and training defaults on VALIDATION data only, never on test,
 * and writes the grids with the chosen values to `docs/results/tuning.json` (rows not run keep their earlier entry).
 *
 * Rows (each a grid, scored by the validation metric named in the row; the chosen value is the best one):
 * - `itemknn-gowalla`: item-kNN scoring × shrink × neighbours on LightGCN++'s split of Gowalla's TRAINING pairs (719,081 train →
 *   91,047 valid; the test file is not read), Recall@20.
 * - `itemknn-ml100k`: the same item-kNN grid on ML-100K, random 80/10/10 seed 2020, valid Recall@10 (the defaults come
 *   from Gowalla; the README's ML-100K row uses this row's choice).
 * - `ease-ml100k`: EASE^R λ on ML-100K, random 80/10/10 seed 2020, valid Recall@10.
 * - `ease-gowalla`: EASE^R λ on the same Gowalla train → valid split, items with ≥ 40 training interactions, Recall@20.
 * - `lightgcn-reg-ml100k`: LightGCN's L2 weight on ML-100K valid, 100 epochs (the served run's early stopping ends
 *   there), Recall@10.
 * - `lightgcn-reg-lastfm`: LightGCN's L2 weight on LightGCN++ Last.fm train → valid, Recall@20.
 * Prints JSON lines; the last one is the whole tuning file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { parseLightGcnText, type SplitDataset } from '../../src/evaluate/datasets.ts';
import { evaluate, loadDataset, type EvaluateConfig, type ModelName } from '../../src/evaluate/pipeline.ts';
import { ROOT } from './_quality-table.ts';

export const TUNING_FILE = path.join(ROOT, 'docs/results/tuning.json');

interface TuneRow {
  id: string;
  what: string;
  /** Loads train → valid (as `train` and `test` of a dataset: the valid part plays the held-out part). */
  data: () => Promise<SplitDataset>;
  model: ModelName;
  metric: string;
  ks: number[];
  grid: Array<Record<string, unknown>>;
}

/** Train → valid of a LightGCN++ folder (its test file is not read). */
function trainValid(folder: string, name: string): SplitDataset {
  const tr = parseLightGcnText(readFileSync(path.join(folder, 'train.txt'), 'utf8'), 'train.txt');
  const va = parseLightGcnText(readFileSync(path.join(folder, 'valid.txt'), 'utf8'), 'valid.txt');
  const nUsers = Math.max(tr.maxUser, va.maxUser) + 1;
  const nItems = Math.max(tr.maxItem, va.maxItem) + 1;
  return { name, nUsers, nItems, train: { nUsers, nItems, users: tr.users, items: tr.items }, test: { nUsers, nItems, users: va.users, items: va.items } };
}

/** ML-100K random 80/10/10 (seed 2020) with its valid part as the held-out part. */
async function ml100kValid(): Promise<SplitDataset> {
  const { valid, test: _test, ...ds } = await loadDataset(`movielens:${path.join(SHARED_DATA_DIR, 'ml-100k')}`, { kind: 'random', ratios: [0.8, 0.1, 0.1] }, 2020);
  return { ...ds, name: 'ml-100k-valid', test: valid! };
}

const gowalla = () => Promise.resolve(trainValid(path.join(SHARED_DATA_DIR, 'lightgcn-gowalla', 'lightgcnpp-split'), 'gowalla-valid'));
const lastfmDir = path.join(SHARED_DATA_DIR, 'lightgcnpp-lastfm');

/**
 * Item-kNN: three scorings — plain sums of similarities, Sarwar's normalized weighted sum, and that plus the average
 * bias (the last two are what BARS's ItemCF runs) — each over shrink × neighbours.
 */
const KNN_GRID = [
  { normalize: false, averageBias: false },
  { normalize: true, averageBias: false },
  { normalize: true, averageBias: true },
].flatMap((scoring) => [0, 5, 10, 25, 50, 100].flatMap((shrink) => [50, 100, 200].map((neighbours) => ({ shrink, neighbours, ...scoring }))));

export const TUNE_ROWS: TuneRow[] = [
  {
    id: 'itemknn-gowalla',
    what: 'item-kNN scoring (plain / normalized / normalized + average bias), shrink and neighbours, Gowalla (LightGCN++ train → valid)',
    data: gowalla,
    model: 'itemknn',
    metric: 'recall@20',
    ks: [20],
    grid: KNN_GRID,
  },
  {
    id: 'itemknn-ml100k',
    what: 'item-kNN scoring, shrink and neighbours, ML-100K (random 80/10/10, valid)',
    data: ml100kValid,
    model: 'itemknn',
    metric: 'recall@10',
    ks: [10],
    grid: KNN_GRID,
  },
  { id: 'ease-ml100k', what: 'EASE^R λ, ML-100K (random 80/10/10, valid)', data: ml100kValid, model: 'ease', metric: 'recall@10', ks: [10], grid: [25, 50, 100, 250, 500, 1000].map((lambda) => ({ lambda })) },
  {
    id: 'ease-gowalla',
    what: 'EASE^R λ, Gowalla (LightGCN++ train → valid, items with ≥ 40 training interactions)',
    data: gowalla,
    model: 'ease',
    metric: 'recall@20',
    ks: [20],
    grid: [100, 500].map((lambda) => ({ lambda, minItemCount: 40 })),
  },
  { id: 'lightgcn-reg-ml100k', what: 'LightGCN L2 weight, ML-100K (random 80/10/10, valid)', data: ml100kValid, model: 'lightgcn', metric: 'recall@10', ks: [10], grid: [1e-4, 1e-3, 1e-2].map((regWeight) => ({ regWeight, epochs: 100 })) },
  {
    id: 'lightgcn-reg-lastfm',
    what: 'LightGCN L2 weight, LightGCN++ Last.fm (train → valid)',
    data: () => Promise.resolve(trainValid(lastfmDir, 'lastfm-valid')),
    model: 'lightgcn',
    metric: 'recall@20',
    ks: [20],
    grid: [1e-4, 1e-3, 1e-2].map((regWeight) => ({ regWeight })),
  },
];

const emit = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');

export async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--rows');
  const wanted = i >= 0 ? argv[i + 1]!.split(',') : TUNE_ROWS.map((r) => r.id);
  const unknown = wanted.filter((id) => !TUNE_ROWS.some((r) => r.id === id));
  if (unknown.length) throw new Error(`unknown rows ${unknown.join(', ')}; rows: ${TUNE_ROWS.map((r) => r.id).join(', ')}`);
  if (!existsSync(SHARED_DATA_DIR)) {
    emit({ error: `bench tune needs ${SHARED_DATA_DIR}` });
    process.exitCode = 1;
    return;
  }
  const readFile = (): { rows: Record<string, unknown> } => (existsSync(TUNING_FILE) ? JSON.parse(readFileSync(TUNING_FILE, 'utf8')) : { rows: {} });
  let file = readFile();
  for (const row of TUNE_ROWS.filter((r) => wanted.includes(r.id))) {
    const t0 = performance.now();
    const ds = await row.data();
    const tried: Array<{ options: Record<string, unknown>; value: number; seconds: number }> = [];
    for (const options of row.grid) {
      const t = performance.now();
      const config: EvaluateConfig = { dataset: ds.name, model: row.model, modelOptions: options, ks: row.ks, metrics: [row.metric.split('@')[0]!], seed: 2020 };
      const r = await evaluate(config, { dataset: ds });
      tried.push({ options, value: Math.round(r.test[row.metric]! * 1e4) / 1e4, seconds: Math.round((performance.now() - t) / 100) / 10 });
      emit({ row: row.id, ...tried.at(-1) });
    }
    const best = tried.reduce((a, b) => (b.value > a.value ? b : a));
    file = readFile(); // another tune run may have written meanwhile
    file.rows[row.id] = {
      what: row.what,
      metric: `valid ${row.metric}`,
      chosen: best.options,
      value: best.value,
      tried,
      date: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)} at the end`,
      seconds: Math.round((performance.now() - t0) / 1000),
      command: `npm run bench -- tune --rows ${row.id}`,
    };
    mkdirSync(path.dirname(TUNING_FILE), { recursive: true });
    writeFileSync(TUNING_FILE, JSON.stringify(file, null, 2) + '\n');
    emit({ row: row.id, chosen: best.options, value: best.value });
  }
  emit(file);
}
