/**
 * @module cli/commands/evaluate
 * `graphrec evaluate --dataset lightgcn:<folder> --model lightgcn[,popular,itemknn,rp3beta]`: one experiment per model
 * through `evaluate/pipeline.ts` on the same split; prints `{ best, valid, test, configHash, timings, … }` (test keys
 * like "recall@20") for one model, an array of them for several.
 * `--out <dir>` also writes results.json, a Markdown table, and charts from the test rankings (`evaluate/report.ts`):
 * metric-vs-K curves for K = 1..`--curve-k` per metric (`curve-<metric>.svg`, `curves.csv`), the Recall/NDCG
 * overview (`metrics-at-k.svg`) and the popularity bias of the top-K lists (`popularity-bias.svg`/`.csv`).
 */
import { loadConfig } from '../../core/config.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import { EMBEDDINGS_DIR } from '../../core/paths.ts';
import { CHECKPOINT_EVERY_SECONDS } from '../../compute/lightgcn/checkpoint.ts';
import type { LightGcnOptions } from '../../compute/lightgcn/train.ts';
import { evaluate, MODEL_NAMES, PROTOCOLS, splitSourceLog, type EvaluateConfig, type EvaluateResult, type LightGcnCache, type ModelName, type Protocol } from '../../evaluate/pipeline.ts';
import { reportDetail, writeReport, type ReportDetail } from '../../evaluate/report.ts';
import { createProgress } from '../../core/progress.ts';
import { EASE_DEFAULTS, ITEMKNN_DEFAULTS } from '../../evaluate/baselines.ts';
import { sourceLogFromProjection, type SplitDataset } from '../../evaluate/datasets.ts';
import { loadProjection } from '../../project/load.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { interruptOnSigint } from '../interrupt.ts';
import { parseFormat, printResult } from '../output.ts';

/** Flags shared by `evaluate` and `train`. */
export const EXPERIMENT_FLAGS = {
  dataset: { type: 'string' },
  k: { type: 'string' },
  seed: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  schedule: { type: 'string' },
  reg: { type: 'string' },
  dim: { type: 'string' },
  layers: { type: 'string' },
  negatives: { type: 'string' },
  'dns-candidates': { type: 'string' },
  'max-seconds': { type: 'string' },
  'eval-every': { type: 'string' },
  patience: { type: 'string' },
  threads: { type: 'string' },
  'max-interactions': { type: 'string' },
  resume: { type: 'boolean' },
  'checkpoint-every': { type: 'string' },
  split: { type: 'string' },
  protocol: { type: 'string' },
  'merge-valid': { type: 'boolean' },
  format: { type: 'string' },
} as const;

export const LIGHTGCN_FLAGS_HELP = `LightGCN options (defaults from LIGHTGCN_DEFAULTS):
  --epochs N            maximum epochs [400]
  --max-seconds S       wall-clock training budget; the cosine schedule follows it when the epochs would not fit [2700]
  --batch-size N        triples per Adam step [auto: 8192; 16384 on Gowalla-sized data (> 524,288 interactions)]
  --lr X                Adam learning rate [auto: 0.005 · max(1, batch / 8192), at most 0.01]
  --schedule S          constant | cosine [cosine]
  --reg X               L2 weight on the batch's ego embeddings [1e-3]
  --dim N               embedding size [64]
  --layers N            propagation layers [3]
  --negatives S         dns (best of --dns-candidates uniform negatives) | uniform [dns]
  --dns-candidates N    [8]
  --eval-every N        epochs between validation runs (needs a validation part) [10]
  --patience N          validation runs without improvement before stopping [5]
  --threads N           1 or 2 (a worker thread shares the wasm kernels) [the cores available, at most 2]
  --max-interactions N  train on a seeded user sample holding at most N interactions, fold the other users in;
                        auto: only when the full model would not fit the CPU kernels' 4 GiB memory [auto]

Long runs (CPU kernels): progress on stderr (a bar on a terminal, else a JSON line per epoch at most every 30 s and
at least one a minute); a checkpoint under <embeddings>/checkpoints/ every --checkpoint-every seconds [300]; Ctrl-C
finishes the epoch, checkpoints, prints the metrics so far and exits 130 (twice: at once).
  --resume              continue from the checkpoint of the same command (same data and settings)
  --checkpoint-every S  seconds between checkpoints [300]`;

type Values = Record<string, string | boolean | undefined>;
const str = (v: Values, k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);

/** LightGCN options from flags (only the ones given). */
export function lightGcnOptionsFromFlags(values: Values): Partial<LightGcnOptions> {
  const o: Partial<LightGcnOptions> = {};
  const num = (flag: string, key: keyof LightGcnOptions, opts: { integer?: boolean; min?: number; max?: number }) => {
    const raw = str(values, flag);
    if (raw !== undefined) (o as Record<string, unknown>)[key] = numberFlag(flag, raw, 0, opts);
  };
  num('epochs', 'epochs', { integer: true, min: 0 });
  num('batch-size', 'batchSize', { integer: true, min: 1 });
  num('lr', 'learningRate', { min: 1e-9 });
  num('reg', 'regWeight', { min: 0 });
  num('dim', 'embeddingSize', { integer: true, min: 1, max: 1024 });
  num('layers', 'nLayers', { integer: true, min: 0, max: 10 });
  num('dns-candidates', 'dnsCandidates', { integer: true, min: 1, max: 1000 });
  num('max-seconds', 'maxSeconds', { min: 1 });
  num('eval-every', 'evalEvery', { integer: true, min: 1 });
  num('patience', 'patience', { integer: true, min: 1 });
  num('seed', 'seed', { integer: true });
  num('threads', 'threads', { integer: true, min: 1, max: 2 });
  const schedule = str(values, 'schedule');
  if (schedule !== undefined) {
    if (schedule !== 'constant' && schedule !== 'cosine') throw new AppError('BAD_REQUEST', '--schedule must be constant or cosine');
    o.lrSchedule = schedule;
  }
  const maxInteractions = str(values, 'max-interactions');
  if (maxInteractions !== undefined) o.maxInteractions = maxInteractions === 'auto' ? 'auto' : numberFlag('max-interactions', maxInteractions, 0, { integer: true, min: 1 });
  const negatives = str(values, 'negatives');
  if (negatives !== undefined) {
    if (negatives !== 'uniform' && negatives !== 'dns') throw new AppError('BAD_REQUEST', '--negatives must be uniform or dns');
    o.negatives = negatives;
  }
  return o;
}

/** Checkpoint settings from `--resume` / `--checkpoint-every`. */
export function checkpointFromFlags(values: Values): { resume: boolean; everySeconds: number } {
  return { resume: values.resume === true, everySeconds: numberFlag('checkpoint-every', str(values, 'checkpoint-every'), CHECKPOINT_EVERY_SECONDS, { min: 1 }) };
}

/**
 * Runs a long job with graceful Ctrl-C: `job` gets the abort signal; an INTERRUPTED failure prints its metrics so far
 * (the error's details) on stdout before it propagates (exit 130).
 */
export async function withInterrupt<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = interruptOnSigint();
  try {
    return await job(interrupt.signal);
  } catch (error) {
    if (isAppError(error, 'INTERRUPTED')) process.stdout.write(JSON.stringify(error.details, null, 2) + '\n');
    throw error;
  } finally {
    interrupt.dispose();
  }
}

/** `--k 10,20` → [10, 20]. */
export function parseKs(raw: string | undefined): number[] {
  if (raw === undefined) return [20];
  const ks = raw.split(',').map((s) => numberFlag('k', s.trim(), 0, { integer: true, min: 1, max: 1000 }));
  if (ks.length === 0) throw new AppError('BAD_REQUEST', '--k needs at least one value');
  return ks;
}

export const PROTOCOL_HELP = `  --protocol P          how a validation part is used (the same when there is none):
                          early-stop (default; RecBole's): fit on train, LightGCN's epoch chosen on valid,
                            test with train + valid items masked
                          merge-valid: fit on train + valid, test with train + valid masked
                          paper-lightgcnpp (LightGCN++'s): fit on train, epoch chosen on valid, test with only the
                            training items masked
  --merge-valid         the old name of --protocol merge-valid`;

/** `--protocol P` (or the old `--merge-valid`) → the protocol [early-stop]. */
export function parseProtocol(values: Values): Protocol {
  const raw = str(values, 'protocol');
  if (raw !== undefined && !PROTOCOLS.includes(raw as Protocol)) throw new AppError('BAD_REQUEST', `--protocol must be one of ${PROTOCOLS.join(', ')} (got ${JSON.stringify(raw)})`);
  if (values['merge-valid'] === true) {
    if (raw !== undefined && raw !== 'merge-valid') throw new AppError('BAD_REQUEST', `--merge-valid means --protocol merge-valid; it contradicts --protocol ${raw}`);
    return 'merge-valid';
  }
  return (raw as Protocol | undefined) ?? 'early-stop';
}

/** `--split random:0.8,0.1,0.1` | `temporal` | `temporal:1` (validation items per user) | `loo` | `loo:1`. */
export function parseSplit(raw: string | undefined): EvaluateConfig['split'] {
  if (raw === undefined) return undefined;
  const [kind, arg] = raw.split(':');
  if (kind === 'random') {
    const ratios = (arg ?? '0.8,0.2').split(',').map((s) => numberFlag('split', s.trim(), 0, { min: 0, max: 1 }));
    if (ratios.length !== 2 && ratios.length !== 3) throw new AppError('BAD_REQUEST', '--split random needs 2 or 3 ratios');
    return { kind: 'random', ratios };
  }
  if (kind === 'temporal') return { kind: 'temporal', nValid: numberFlag('split', arg, 0, { integer: true, min: 0 }) };
  if (kind === 'loo') return { kind: 'loo', nValid: numberFlag('split', arg, 0, { integer: true, min: 0, max: 1 }) };
  throw new AppError('BAD_REQUEST', `--split must be random:<ratios>, temporal[:nValid] or loo[:nValid] (got ${JSON.stringify(raw)})`);
}

/** `--model lightgcn,popular` → the model names, each known and listed once. */
export function parseModels(raw: string | undefined): ModelName[] {
  const names = (raw ?? 'lightgcn')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new AppError('BAD_REQUEST', '--model names no model');
  for (const name of names) {
    if (!MODEL_NAMES.includes(name as ModelName)) throw new AppError('BAD_REQUEST', `--model must list models among ${MODEL_NAMES.join(', ')} (got ${JSON.stringify(name)})`);
  }
  return [...new Set(names)] as ModelName[];
}

/** `--dataset neo4j`: the configured database's projection as a split dataset. */
async function readNeo4jDataset(split: EvaluateConfig['split'], seed: number): Promise<SplitDataset> {
  if (split?.kind === 'temporal') throw new AppError('BAD_REQUEST', 'evaluate: --dataset neo4j has no interaction times in its projection; use --split random:… or loo');
  const projection = await loadProjection();
  try {
    return splitSourceLog('neo4j', sourceLogFromProjection(projection.csr), split, seed);
  } finally {
    await projection.close();
  }
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'full-ranking evaluation of LightGCN and baselines on a benchmark split (Recall/NDCG/… @K, charts)',
  help: `usage: graphrec evaluate --dataset <spec> [--model LIST] [options]

<spec>: lightgcn:<folder>  (train.txt/test.txt, optional valid.txt: the given split; with --split, all its pairs re-split)
        movielens:<ml-100k folder or u.data>  (split by --split; default random 0.8/0.2 per user)
        generic:<dir> and every other spec \`graphrec ingest\` reads (movielens-dbpedia:<ml>,<dbpedia>, kgcn:…):
          the records as the store keeps them, split by --split; item→entity knowledge edges feed the served graph
        neo4j  the configured database (NEO4J_URI, or the local Neo4j): its users, items, interactions and
          item→entity edges, split by --split

Models (all on the same split):
  lightgcn              LightGCN (early stopping on the validation part when there is one)
  itemknn, rp3beta      item-neighbourhood baselines (cosine / P³α-β random walk)
  ease                  EASE^R, closed form (dense over the items with ≥ --ease-min-count training interactions)
  hybrid, ppr, embedding, popular
                        the SERVED strategies: each user ranked by retrieve/recommend(), the function behind
                        GET /v1/users/{id}/recommendations, on a graph of the training pairs (+ knowledge edges);
                        embedding and hybrid use the LightGCN vectors trained in the same run (--epochs etc. apply)

Options:
  --model LIST          one or more of ${MODEL_NAMES.join(', ')}, comma-separated [lightgcn]
  --k LIST              cut-offs, e.g. 10,20 [20]
  --metrics LIST        recall,ndcg,precision,mrr,hit,coverage,novelty,arp [all]
  --seed N              seed for splits, initialisation and sampling [2020]
  --split S             random:0.8,0.2 | random:0.8,0.1,0.1 | temporal[:nValid] | loo[:nValid] (random leave-one-out)
${PROTOCOL_HELP}
  --neighbours N        item-kNN / RP3β neighbours [100]
  --knn-neighbours N    item-kNN neighbours alone (RP3β keeps --neighbours) [--neighbours or ${ITEMKNN_DEFAULTS.neighbours}]
  --shrink X            item-kNN cosine shrinkage [${ITEMKNN_DEFAULTS.shrink}]
  --knn-scoring S       item-kNN scoring: plain (sum of similarities), normalized (weighted sum) or bias (weighted
                          sum + average bias, BARS's ItemCF) [${knnScoringName(ITEMKNN_DEFAULTS)}]
  --alpha X --beta X    RP3β exponents [1.0, 0.5]
  --ease-lambda X       EASE^R L2 weight [${EASE_DEFAULTS.lambda}]
  --ease-min-count N    EASE^R models items with at least N training interactions [${EASE_DEFAULTS.minItemCount}]
  --out DIR             also write results.json, results.md and the charts (SVG) with their CSV:
                          metrics-at-k.svg, curve-<metric>.svg + curves.csv (model,metric,k,value),
                          popularity-bias.svg + popularity-bias.csv (share of top-K slots per popularity decile)
  --curve-k N           largest K of the curves [50]
  --bias-k N            list length of the popularity-bias chart [largest --k]
  --format F            json (default; an array for several models) or csv (model,dataset,metric,value)
  --quiet               no info logs on stderr
${LIGHTGCN_FLAGS_HELP}`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...EXPERIMENT_FLAGS,
      model: { type: 'string' },
      metrics: { type: 'string' },
      neighbours: { type: 'string' },
      shrink: { type: 'string' },
      'knn-neighbours': { type: 'string' },
      'knn-scoring': { type: 'string' },
      alpha: { type: 'string' },
      beta: { type: 'string' },
      'ease-lambda': { type: 'string' },
      'ease-min-count': { type: 'string' },
      out: { type: 'string' },
      'curve-k': { type: 'string' },
      'bias-k': { type: 'string' },
    });
    const format = parseFormat(values.format);
    if (!values.dataset) throw new AppError('BAD_REQUEST', 'evaluate: --dataset is required (see --help)');
    const models = parseModels(values.model);
    const lightGcnOptions = lightGcnOptionsFromFlags(values);
    const baselineOptions = {
      ...(values.neighbours !== undefined ? { neighbours: numberFlag('neighbours', values.neighbours, 100, { integer: true, min: 1 }) } : {}),
      ...(values.alpha !== undefined ? { alpha: numberFlag('alpha', values.alpha, 1, { min: 0 }) } : {}),
      ...(values.beta !== undefined ? { beta: numberFlag('beta', values.beta, 0.5, { min: 0 }) } : {}),
    };
    const knnOptions = {
      ...baselineOptions,
      ...(values['knn-neighbours'] !== undefined ? { neighbours: numberFlag('knn-neighbours', values['knn-neighbours'], ITEMKNN_DEFAULTS.neighbours, { integer: true, min: 1 }) } : {}),
      ...(values.shrink !== undefined ? { shrink: numberFlag('shrink', values.shrink, ITEMKNN_DEFAULTS.shrink, { min: 0 }) } : {}),
      ...(values['knn-scoring'] !== undefined ? knnScoring(values['knn-scoring']) : {}),
    };
    const easeOptions = {
      ...(values['ease-lambda'] !== undefined ? { lambda: numberFlag('ease-lambda', values['ease-lambda'], EASE_DEFAULTS.lambda, { min: 1e-9 }) } : {}),
      ...(values['ease-min-count'] !== undefined ? { minItemCount: numberFlag('ease-min-count', values['ease-min-count'], 1, { integer: true, min: 1 }) } : {}),
    };
    const protocol = parseProtocol(values);
    const split = parseSplit(values.split);
    const ks = parseKs(values.k);
    const curveK = numberFlag('curve-k', values['curve-k'], 50, { integer: true, min: 1, max: 1000 });
    const biasK = numberFlag('bias-k', values['bias-k'], Math.max(...ks), { integer: true, min: 1, max: 1000 });
    const metricNames = values.metrics ? values.metrics.split(',').map((s) => s.trim()) : undefined;
    const seed = numberFlag('seed', values.seed, 2020, { integer: true });

    const checkpoint = { embeddingsDir: EMBEDDINGS_DIR, ...checkpointFromFlags(values) };
    const cache: LightGcnCache = new Map();
    const dataset = values.dataset === 'neo4j' ? await readNeo4jDataset(split, seed) : undefined;
    // Ingest specs (generic:…) get the configured interaction weight transforms, as the projection does.
    const weights = /^(lightgcn|movielens|neo4j)(:|$)/.test(values.dataset ?? '') ? undefined : loadConfig().weights;
    const results: EvaluateResult[] = [];
    const details: Array<ReportDetail | undefined> = [];
    const progress = createProgress();
    for (const model of models) {
      const config: EvaluateConfig = {
        dataset: values.dataset,
        model,
        modelOptions: model === 'lightgcn' ? { ...lightGcnOptions } : model === 'ease' ? { ...easeOptions } : model === 'itemknn' ? { ...knnOptions } : model === 'rp3beta' ? { ...baselineOptions } : {},
        ...(model === 'hybrid' || model === 'embedding' ? { lightgcnOptions: { ...lightGcnOptions } } : {}),
        ks,
        ...(metricNames ? { metrics: metricNames } : {}),
        ...(split ? { split } : {}),
        protocol,
        seed,
        ...(weights ? { weights } : {}),
      };
      let detail: ReportDetail | undefined;
      const hooks = values.out
        ? { rankDepth: Math.max(curveK, biasK), onTestRanking: (input: Parameters<typeof reportDetail>[0]) => void (detail = reportDetail(input, { maxK: curveK, popularityK: biasK, ...(metricNames ? { metrics: metricNames } : {}) })) }
        : {};
      results.push(await withInterrupt((signal) => evaluate(config, { ...hooks, progress, signal, checkpoint, cache, ...(dataset ? { dataset } : {}) })));
      details.push(detail);
    }
    if (values.out) writeReport(values.out, results, details);
    printResult(
      format,
      results.length === 1 ? results[0] : results,
      results.flatMap((result) => Object.entries(result.test).map(([metric, value]) => ({ model: result.model, dataset: result.dataset.name, metric, value }))),
      ['model', 'dataset', 'metric', 'value'],
    );
  },
};

const KNN_SCORINGS = { plain: { normalize: false, averageBias: false }, normalized: { normalize: true, averageBias: false }, bias: { normalize: true, averageBias: true } } as const;

/** `--knn-scoring` → item-kNN's `normalize` / `averageBias`. */
export function knnScoring(value: string): { normalize: boolean; averageBias: boolean } {
  const scoring = KNN_SCORINGS[value as keyof typeof KNN_SCORINGS];
  if (!Object.hasOwn(KNN_SCORINGS, value) || !scoring) throw new AppError('BAD_REQUEST', `evaluate: --knn-scoring must be plain, normalized or bias (got ${JSON.stringify(value)})`);
  return { ...scoring };
}

/** The `--knn-scoring` name of item-kNN options. */
export function knnScoringName(o: { normalize: boolean; averageBias: boolean }): string {
  return o.averageBias ? 'bias' : o.normalize ? 'normalized' : 'plain';
}
