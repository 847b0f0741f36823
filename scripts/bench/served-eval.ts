/**
 * `npm run bench -- served-eval [--epochs N] [--max-seconds S] [--seed N] [--no-tune]`: evaluates the SERVED
 * recommendation function (`retrieve/recommend`, the code behind the API) on ML-100K with RecBole's default protocol
 * for general recommendation, so its numbers sit beside RecBole's published table.
 *
 * Protocol: every rating is a positive; random per-user 80/10/10 split (`evaluate/splits.randomSplit`, RecBole's
 * rounding, seeded); the graph the context serves is built from the TRAIN interactions only (weight = rating) plus the
 * DBpedia item→entity edges; LightGCN (`fitLightGcn` defaults, early stopping on valid Recall@10) gives the vectors of
 * `embedding` and `hybrid`. For every user with valid (test) items, `recommend(ctx, { user, k: 10, strategy })` ranks
 * the whole catalogue with the user's training items masked (for test also the user's valid items, passed as
 * `exclude`, as RecBole masks train + valid at test time). Recall@10 / NDCG@10 are `evaluate/metrics` on the returned ids.
 *
 * Tuning (unless `--no-tune`): a coordinate search ({@link TUNE_GRID}) over the hybrid blend weights (knowledge walk ×
 * PPR, then popularity), `rrf` instead of `blend`, then `knowledgeEntityDiscount` and `candidatePool`, scored on the
 * VALID part only (NDCG@10, then Recall@10); then `weightsNoEmbedding` (hybrid on a context without vectors) the same
 * way. The chosen setting is then run once on test. LightGCN trains without a wall-clock budget unless `--max-seconds`
 * is given, so a run is reproducible.
 *
 * Prints JSON lines; the last one is `{ protocol, test, valid, published, settings, … }`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { fitLightGcn } from '../../src/compute/lightgcn/fit.ts';
import { userItemCsr, type Interactions } from '../../src/compute/lightgcn/graph.ts';
import type { LightGcnModel } from '../../src/compute/lightgcn/model.ts';
import { readMovieLensUData } from '../../src/evaluate/datasets.ts';
import { computeMetrics, type RankingInput } from '../../src/evaluate/metrics.ts';
import { buildRankingInput, itemPopularity } from '../../src/evaluate/ranking.ts';
import { randomSplit } from '../../src/evaluate/splits.ts';
import { createRecommendContext, RECOMMEND_DEFAULTS, type RecommendContext, type RecommendOptions } from '../../src/retrieve/context.ts';
import { createEmbeddingIndex, type EmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { recommend } from '../../src/retrieve/recommend.ts';
import type { StrategyName } from '../../src/retrieve/strategy.ts';
import { buildTrainCsr, readDbpediaItemEdges, type RatedTriple } from './_ml100k.ts';

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

/** Metric input for the users with items in `truth`, ranked by `recommend` (0-based ML ids ↔ `ml100k:*:<id+1>`). */
export function servedRanking(ctx: RecommendContext, strategy: StrategyName, train: Interactions, truth: Interactions, masked: Interactions | undefined): RankingInput {
  const truthCsr = userItemCsr(truth);
  const maskCsr = masked ? userItemCsr(masked) : undefined;
  const users: number[] = [];
  for (let u = 0; u < truth.nUsers; u++) if (truthCsr.indptr[u + 1]! > truthCsr.indptr[u]!) users.push(u);
  const topK = new Int32Array(users.length * K).fill(-1);
  const truthIndptr = new Int32Array(users.length + 1);
  const truthIdx: number[] = [];
  users.forEach((u, r) => {
    const exclude = maskCsr ? Array.from(maskCsr.indices.subarray(maskCsr.indptr[u]!, maskCsr.indptr[u + 1]!), (i) => `ml100k:i:${i + 1}`) : [];
    const res = recommend(ctx, { user: `ml100k:u:${u + 1}`, k: K, strategy, ...(exclude.length ? { exclude } : {}) });
    res.items.forEach((it, j) => {
      topK[r * K + j] = Number(it.id.slice('ml100k:i:'.length)) - 1;
    });
    const t = Array.from(truthCsr.indices.subarray(truthCsr.indptr[u]!, truthCsr.indptr[u + 1]!)).sort((a, b) => a - b);
    truthIdx.push(...t);
    truthIndptr[r + 1] = truthIdx.length;
  });
  return { users: Int32Array.from(users), depth: K, topK, truthIndptr, truthIndices: Int32Array.from(truthIdx), nItems: train.nItems, nUsers: train.nUsers, itemPopularity: itemPopularity(train) };
}

export type Scores = { 'recall@10': number; 'ndcg@10': number };

export function metricsOf(input: RankingInput): Scores {
  const m = computeMetrics(input, [K], ['recall', 'ndcg']);
  return { 'recall@10': round(m['recall@10']!), 'ndcg@10': round(m['ndcg@10']!) };
}

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
  const t0 = performance.now();

  // 1. Data and split (all ratings positive).
  const log = readMovieLensUData(uData);
  const ratingOf = new Map<number, number>();
  for (let t = 0; t < log.users.length; t++) ratingOf.set(log.users[t]! * log.nItems + log.items[t]!, log.ratings![t]!);
  const { train, valid, test } = randomSplit(log, { ratios: [0.8, 0.1, 0.1], seed });
  if (!valid) throw new Error('served-eval: the 3-way split returned no valid part');
  const triples: RatedTriple[] = Array.from(train.users, (u, t) => ({ user: u + 1, item: train.items[t]! + 1, rating: ratingOf.get(u * log.nItems + train.items[t]!)! }));
  const allUsers = Array.from({ length: log.nUsers }, (_, u) => String(u + 1));
  const allItems = Array.from({ length: log.nItems }, (_, i) => String(i + 1));
  const csr = buildTrainCsr(triples, readDbpediaItemEdges(), allUsers, allItems);
  emit({ stage: 'data', users: log.nUsers, items: log.nItems, train: train.users.length, valid: valid.users.length, test: test.users.length, nodes: csr.nodeCount, edges: csr.edgeCount, seconds: round((performance.now() - t0) / 1000) });

  // 2. LightGCN on train, early stopping on valid Recall@10 (the library's own full-ranking evaluation).
  const t1 = performance.now();
  const fit = await fitLightGcn(train, { seed, epochs, maxSeconds }, {
    validate: (m: LightGcnModel) => computeMetrics(buildRankingInput(m, train, valid, K), [K], ['recall'])['recall@10']!,
  });
  const dim = fit.options.embeddingSize;
  const embeddings: EmbeddingIndex = createEmbeddingIndex({
    dim,
    itemKeys: allItems.map((i) => `Item:ml100k:i:${i}`),
    itemVectors: fit.model.itemEmbeddings(),
    userKeys: allUsers.map((u) => `User:ml100k:u:${u}`),
    userVectors: fit.model.userEmbeddings(),
  });
  await fit.model.close();
  const lightgcn = { backend: fit.backend, epochs: fit.epochs, bestEpoch: fit.bestEpoch, bestValidRecall10: fit.bestValid === null ? null : round(fit.bestValid), seconds: round((performance.now() - t1) / 1000) };
  emit({ stage: 'lightgcn', ...lightgcn });

  // 3. Served evaluation.
  const evaluate = (options: Partial<RecommendOptions>, phase: 'valid' | 'test', strategies: readonly StrategyName[], withVectors = true): Record<string, Scores> => {
    const ctx = createRecommendContext(csr, { ...(withVectors ? { embeddings } : {}), options });
    const out: Record<string, Scores> = {};
    for (const s of strategies) out[s] = phase === 'valid' ? metricsOf(servedRanking(ctx, s, train, valid, undefined)) : metricsOf(servedRanking(ctx, s, train, test, valid));
    return out;
  };
  const t2 = performance.now();
  const defaultsValid = evaluate({}, 'valid', STRATEGIES);
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
    const tryOne = (options: Partial<RecommendOptions>): void => {
      const v = evaluate(options, 'valid', ['hybrid'])['hybrid']!;
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
      for (const ppr of TUNE_GRID.ppr) tryOne({ fusion: 'blend', weights: { embedding: 1, knowledge, ppr, popular: RECOMMEND_DEFAULTS.weights.popular / RECOMMEND_DEFAULTS.weights.embedding } });
    // (b) popularity weight; (c) reciprocal-rank fusion with the same weights.
    for (const popular of TUNE_GRID.popular) tryOne({ ...chosen, weights: { ...weightsNow(), popular } });
    tryOne({ ...chosen, fusion: 'rrf' });
    // (d) the knowledge walk's entity discount and the candidate pool. (`pprDegreeDiscount` is not tuned here: it is
    //     the `ppr` strategy's own setting, and tuning it for hybrid would change that strategy too.)
    for (const knowledgeEntityDiscount of TUNE_GRID.knowledgeEntityDiscount) tryOne({ ...chosen, knowledgeEntityDiscount });
    for (const candidatePool of TUNE_GRID.candidatePool) tryOne({ ...chosen, candidatePool });
    // (e) hybrid without vectors (its own weights, its own criterion): the context has no embedding index.
    let noVectorsValid = evaluate(chosen, 'valid', ['hybrid'], false)['hybrid']!;
    for (const knowledge of TUNE_GRID.noVectorsKnowledge)
      for (const popular of TUNE_GRID.noVectorsPopular) {
        const weightsNoEmbedding = { ppr: 1, embedding: 0, knowledge, popular };
        const v = evaluate({ ...chosen, weightsNoEmbedding }, 'valid', ['hybrid'], false)['hybrid']!;
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
  const defaultsTest = evaluate({}, 'test', STRATEGIES);
  emit({ stage: 'test', setting: 'defaults', ...defaultsTest });
  const tuned = Object.keys(chosen).length > 0;
  const tunedValid = tuned ? evaluate(chosen, 'valid', STRATEGIES) : defaultsValid;
  const tunedTest = tuned ? evaluate(chosen, 'test', STRATEGIES) : defaultsTest;
  if (tuned) emit({ stage: 'test', setting: 'valid-tuned', options: chosen, ...tunedTest });
  // Hybrid on a context without vectors (it fuses with `weightsNoEmbedding`), the setting above otherwise.
  const noVectors = { valid: evaluate(chosen, 'valid', ['hybrid', 'ppr'], false), test: evaluate(chosen, 'test', ['hybrid', 'ppr'], false) };
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
