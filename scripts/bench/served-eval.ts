/**
 * `npm run bench -- served-eval [--dataset SPEC] [--epochs N] [--max-seconds S] [--seed N] [--no-tune]`: evaluates the
 * SERVED recommendation function (`retrieve/recommend`, the code behind the API) on ML-100K with RecBole's default
 * protocol for general recommendation, so its numbers sit beside RecBole's published table.
 *
 * Every number comes from `evaluate/pipeline.evaluate()` — what `graphrec evaluate --model hybrid,ppr,embedding,popular`
 * runs — so `graphrec evaluate --dataset SPEC --split random:0.8,0.1,0.1 --model hybrid,ppr --k 10 --epochs 400`
 * prints the same test values as this bench's `defaults` rows (the `--no-tune` run is exactly that command).
 *
 * Protocol: every rating is a positive; random per-user 80/10/10 split (RecBole's rounding, seeded); the served graph
 * is the TRAIN interactions (weight = rating) plus, with the default SPEC
 * `movielens-dbpedia:<data>/ml-100k,<data>/ml-100k-dbpedia`, the DBpedia item→entity edges; LightGCN (early stopping
 * on valid Recall@10) gives the vectors of `embedding` and `hybrid`; valid ranks with train masked, test with train +
 * valid masked (protocol `early-stop`).
 *
 * Tuning (unless `--no-tune`): a coordinate search ({@link TUNE_GRID}) over the hybrid blend weights (knowledge walk ×
 * PPR, then popularity), `rrf` instead of `blend`, then `knowledgeEntityDiscount` and `candidatePool`, scored on the
 * VALID part only (NDCG@10, then Recall@10); then `weightsNoEmbedding` (hybrid on a context without vectors) the same
 * way. LightGCN trains without a wall-clock budget unless `--max-seconds` is given, so a run is reproducible.
 *
 * Prints JSON lines; the last one is `{ protocol, test, valid, published, settings, … }`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { evaluate as runEvaluate, loadDataset, type EvaluateConfig, type EvaluateResult, type LightGcnCache } from '../../src/evaluate/pipeline.ts';
import { RECOMMEND_DEFAULTS, type RecommendOptions } from '../../src/retrieve/context.ts';
import type { StrategyName } from '../../src/retrieve/strategy.ts';

const K = 10;
const STRATEGIES: readonly StrategyName[] = ['hybrid', 'ppr', 'embedding', 'popular'];
/** RecBole's published ML-100K general-recommendation results (random 8:1:1, full ranking, @10). */
export const PUBLISHED = { BPR: { 'recall@10': 0.2523, 'ndcg@10': 0.292 } } as const;
/** The values the valid-only coordinate search tries, stage by stage (see `main`). */
export const TUNE_GRID = {
  knowledge: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
  ppr: [0, 0.05, 0.1, 0.2, 0.33],
  popular: [0, 0.01, 0.03, 0.1],
  knowledgeEntityDiscount: [0.75, 1, 1.25],
  candidatePool: [50, 100, 200],
  /** `weightsNoEmbedding` (hybrid on a context without vectors): ppr 1 × these knowledge × popular weights. */
  noVectorsKnowledge: [0, 0.1, 0.2, 0.4],
  noVectorsPopular: [0, 0.1],
} as const;

const emit = (o: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};
const round = (v: number): number => Math.round(v * 1e4) / 1e4;

export type Scores = { 'recall@10': number; 'ndcg@10': number };

const scoresOf = (m: Record<string, number>): Scores => ({ 'recall@10': round(m['recall@10']!), 'ndcg@10': round(m['ndcg@10']!) });

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const uData = path.join(SHARED_DATA_DIR, 'ml-100k', 'u.data');
  if (!existsSync(uData) || !existsSync(path.join(SHARED_DATA_DIR, 'ml-100k-dbpedia', 'enriched.csv'))) {
    emit({ error: `bench served-eval needs ${SHARED_DATA_DIR}/ml-100k and ml-100k-dbpedia (../shared/data is absent)` });
    process.exitCode = 1;
    return;
  }
  const seed = Number(flag(argv, 'seed') ?? 2020);
  const epochs = Number(flag(argv, 'epochs') ?? 400);
  // No wall-clock budget by default: with one, LightGCN's cosine LR follows elapsed time, so results vary with load.
  const maxSeconds = Number(flag(argv, 'max-seconds') ?? Infinity);
  const tune = !argv.includes('--no-tune');
  const dataset = flag(argv, 'dataset') ?? `movielens-dbpedia:${path.join(SHARED_DATA_DIR, 'ml-100k')},${path.join(SHARED_DATA_DIR, 'ml-100k-dbpedia')}`;
  const t0 = performance.now();
  const cache: LightGcnCache = new Map();
  const split = { kind: 'random', ratios: [0.8, 0.1, 0.1] } as const satisfies EvaluateConfig['split'];
  const ds = await loadDataset(dataset, { ...split, ratios: [...split.ratios] }, seed);
  const lightgcnOptions = { epochs, maxSeconds };
  const one = (model: StrategyName, options: Partial<RecommendOptions>, withVectors: boolean): Promise<EvaluateResult> =>
    runEvaluate(
      { dataset, model: model as 'hybrid', split: { ...split, ratios: [...split.ratios] }, ks: [K], metrics: ['recall', 'ndcg'], seed, modelOptions: options, protocol: 'early-stop', lightgcnOptions, servedVectors: withVectors },
      { cache, dataset: ds },
    );
  const first = await one('hybrid', {}, true);
  const fit = await cache.values().next().value!;
  const lightgcn = { backend: fit.backend, epochs: fit.epochs, bestEpoch: fit.bestEpoch, bestValidRecall10: fit.bestValid === null ? null : round(fit.bestValid), seconds: round((performance.now() - t0) / 1000) };
  emit({ stage: 'data', dataset, ...first.dataset });
  emit({ stage: 'lightgcn', ...lightgcn });

  // 3. Served evaluation.
  type Both = { valid: Record<string, Scores>; test: Record<string, Scores> };
  const evaluateBoth = async (options: Partial<RecommendOptions>, strategies: readonly StrategyName[], withVectors = true): Promise<Both> => {
    const out: Both = { valid: {}, test: {} };
    for (const st of strategies) {
      const r = await one(st, options, withVectors);
      out.valid[st] = scoresOf(r.valid!);
      out.test[st] = scoresOf(r.test);
    }
    return out;
  };
  const evaluate = async (options: Partial<RecommendOptions>, phase: 'valid' | 'test', strategies: readonly StrategyName[], withVectors = true): Promise<Record<string, Scores>> =>
    (await evaluateBoth(options, strategies, withVectors))[phase];
  const t2 = performance.now();
  const defaultsValid = await evaluate({}, 'valid', STRATEGIES);
  emit({ stage: 'valid', setting: 'defaults', ...defaultsValid, seconds: round((performance.now() - t2) / 1000) });

  // 4. Tuning on valid only (hybrid's NDCG@10, then Recall@10): a coordinate search from the defaults, one stage at a
  //    time, each stage keeping the best setting so far (weights are relative: embedding stays 1).
  let chosen: Partial<RecommendOptions> = {};
  let chosenValid = defaultsValid['hybrid']!;
  const tried: Array<{ options: Partial<RecommendOptions>; valid: Scores }> = [];
  let noVectorsChosen: RecommendOptions['weightsNoEmbedding'] | undefined;
  if (tune) {
    const t3 = performance.now();
    const better = (a: Scores, b: Scores): boolean => a['ndcg@10'] > b['ndcg@10'] || (a['ndcg@10'] === b['ndcg@10'] && a['recall@10'] > b['recall@10']);
    const tryOne = async (options: Partial<RecommendOptions>): Promise<void> => {
      const v = (await evaluate(options, 'valid', ['hybrid']))['hybrid']!;
      tried.push({ options, valid: v });
      emit({ stage: 'tune', options, valid: v });
      if (better(v, chosenValid)) {
        chosen = options;
        chosenValid = v;
      }
    };
    const weightsNow = (): RecommendOptions['weights'] => chosen.weights ?? RECOMMEND_DEFAULTS.weights;
    // (a) blend weights of the knowledge walk and PPR next to the embedding.
    for (const knowledge of TUNE_GRID.knowledge)
      for (const ppr of TUNE_GRID.ppr) await tryOne({ fusion: 'blend', weights: { embedding: 1, knowledge, ppr, popular: RECOMMEND_DEFAULTS.weights.popular / RECOMMEND_DEFAULTS.weights.embedding } });
    // (b) popularity weight; (c) reciprocal-rank fusion with the same weights.
    for (const popular of TUNE_GRID.popular) await tryOne({ ...chosen, weights: { ...weightsNow(), popular } });
    await tryOne({ ...chosen, fusion: 'rrf' });
    // (d) the knowledge walk's entity discount and the candidate pool. (`pprDegreeDiscount` is not tuned here: it is
    //     the `ppr` strategy's own setting, and tuning it for hybrid would change that strategy too.)
    for (const knowledgeEntityDiscount of TUNE_GRID.knowledgeEntityDiscount) await tryOne({ ...chosen, knowledgeEntityDiscount });
    for (const candidatePool of TUNE_GRID.candidatePool) await tryOne({ ...chosen, candidatePool });
    // (e) hybrid without vectors (its own weights, its own criterion): the context has no embedding index.
    let noVectorsValid = (await evaluate(chosen, 'valid', ['hybrid'], false))['hybrid']!;
    for (const knowledge of TUNE_GRID.noVectorsKnowledge)
      for (const popular of TUNE_GRID.noVectorsPopular) {
        const weightsNoEmbedding = { ppr: 1, embedding: 0, knowledge, popular };
        const v = (await evaluate({ ...chosen, weightsNoEmbedding }, 'valid', ['hybrid'], false))['hybrid']!;
        tried.push({ options: { weightsNoEmbedding }, valid: v });
        emit({ stage: 'tune', vectors: false, options: { weightsNoEmbedding }, valid: v });
        if (better(v, noVectorsValid)) {
          noVectorsChosen = weightsNoEmbedding;
          noVectorsValid = v;
        }
      }
    if (noVectorsChosen) chosen = { ...chosen, weightsNoEmbedding: noVectorsChosen };
    emit({ stage: 'tuned', options: chosen, valid: chosenValid, noVectorsValid, configs: tried.length, seconds: round((performance.now() - t3) / 1000) });
  }

  // 5. Test: defaults, and the valid-tuned setting when it differs.
  const defaultsTest = await evaluate({}, 'test', STRATEGIES);
  emit({ stage: 'test', setting: 'defaults', ...defaultsTest });
  const tuned = Object.keys(chosen).length > 0;
  const tunedValid = tuned ? await evaluate(chosen, 'valid', STRATEGIES) : defaultsValid;
  const tunedTest = tuned ? await evaluate(chosen, 'test', STRATEGIES) : defaultsTest;
  if (tuned) emit({ stage: 'test', setting: 'valid-tuned', options: chosen, ...tunedTest });
  // Hybrid on a context without vectors (it fuses with `weightsNoEmbedding`), the setting above otherwise.
  const noVectors = { valid: await evaluate(chosen, 'valid', ['hybrid', 'ppr'], false), test: await evaluate(chosen, 'test', ['hybrid', 'ppr'], false) };
  emit({ stage: 'test', setting: 'no-vectors', ...noVectors });
  const settings = { ...RECOMMEND_DEFAULTS, ...chosen };
  emit({
    protocol: 'ML-100K (943 users, 1682 items, 100000 ratings, all positive); random per-user 80/10/10 split (RecBole RO rounding), seed ' + seed + '; served graph = train interactions (weight = rating) + DBpedia item-entity edges; full ranking over all items, train items masked (test: train + valid masked); @10; recommend(ctx, {user, k: 10, strategy})',
    test: tunedTest,
    valid: tunedValid,
    published: PUBLISHED,
    settings: { tuned, tunedOn: tuned ? 'valid ndcg@10 of hybrid' : null, options: chosen, weights: settings.weights, weightsNoEmbedding: settings.weightsNoEmbedding, pprDegreeDiscount: settings.pprDegreeDiscount, knowledgeEntityDiscount: settings.knowledgeEntityDiscount, candidatePool: settings.candidatePool, fusion: settings.fusion, lightgcn: { ...lightgcn, maxSeconds, maxEpochs: epochs } },
    defaults: { valid: defaultsValid, test: defaultsTest },
    noVectors,
    seconds: round((performance.now() - t0) / 1000),
  });
}
