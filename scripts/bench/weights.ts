/**
 * `npm run bench -- weights [--seed N] [--epochs N] [--max-seconds S] [--datasets hetrec,lightgcn-lastfm] [--betas …]`: chooses the
 * default transform of heavy-tailed (count) interaction weights (`weights.heavyTailTransform`, core/weight-transform) on
 * VALIDATION data of two implicit datasets with listen counts, then reports test numbers before (`none`, raw counts)
 * and after (the choice).
 *
 * Datasets (../shared/data, never committed):
 * - `hetrec`: HetRec 2011 Last.fm raw `user_artists.dat` (1,892 users, 17,632 artists, 92,834 listen counts) plus the
 *   artist→tag pairs of `user_taggedartists.dat` as knowledge edges (relation `tag`, weight 1), so `hybrid`'s knowledge
 *   walk has entities to walk through.
 * - `lightgcn-lastfm`: LightGCN-PyTorch's Last.fm subset (`data1.txt` + `test1.txt`, 52,668 pairs, 4,489 artists, third
 *   column = listen count), pooled. It comes from the same HetRec release (other users' selection, remapped ids), so it is
 *   a second sample of the same service, not an independent domain; no other dataset here keeps counts.
 * Protocol: every pair is a positive; random per-user 80/10/10 split (`evaluate/splits.randomSplit`, seeded); the served
 * graph = TRAIN pairs only, weight = transform(listen count), plus the knowledge edges; LightGCN (binary, weights play
 * no part) trained on train with early stopping on valid Recall@20 gives `hybrid` its vectors. For every user with valid
 * (test) items, `recommend(ctx, { user, k: 20, strategy })` ranks the catalogue with the user's training items masked
 * (test: valid items too). Candidates: {@link CANDIDATES}. Choice: the candidate with the best mean, over the two
 * datasets and the strategies `ppr` and `hybrid`, of valid Recall@20 divided by the best valid Recall@20 of that
 * dataset and strategy, among the candidates whose `ppr` lists (valid) have a popularity within 2× of LightGCN's on
 * both datasets when there are such candidates (else among all). Popularity of a list = mean popularity rank of its items (rank 1 = the item with most training
 * pairs); the acceptance compares `ppr`'s with LightGCN's own top-20 (within 2×).
 *
 * Then `ppr`'s degree discount β swept on valid under the chosen transform (`--betas`), with `ppr`'s popularity next
 * to LightGCN's: the β for heavy-tailed counts (`pprDegreeDiscountHeavyTail`, retrieve/context) = the best mean
 * relative valid Recall@20 over datasets × {ppr, hybrid} among the βs within 2× of LightGCN's popularity on every
 * dataset. Test: before = raw counts at the ratings' β (0.75), after = the chosen transform at 0.75, afterBeta = and
 * at the chosen β.
 *
 * Shortcuts: `--only beta` skips the transform candidates (transform = `--transform`, default the configured one);
 * `--lightgcn-from docs/results/weights.json` reuses LightGCN's numbers of an earlier run instead of training (no
 * vectors: `ppr` only); `--users N` evaluates every ⌈n / N⌉-th user.
 *
 * Prints JSON lines; the last one is `{ chosen, score, within2x, betaSweep, betaScore, chosenBeta, valid, test, … }`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { parseTransform, transformWeights, weightStats } from '../../src/core/weight-transform.ts';
import { fitLightGcn } from '../../src/compute/lightgcn/fit.ts';
import type { Interactions } from '../../src/compute/lightgcn/graph.ts';
import type { Recommender } from '../../src/compute/lightgcn/types.ts';
import type { InteractionLog } from '../../src/evaluate/datasets.ts';
import { computeMetrics, type RankingInput } from '../../src/evaluate/metrics.ts';
import { buildRankingInput } from '../../src/evaluate/ranking.ts';
import { servedRankingInput } from '../../src/evaluate/served.ts';
import { randomSplit } from '../../src/evaluate/splits.ts';
import { CsrBuilder, INTERACTION_RELATION, KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { createRecommendContext, RECOMMEND_DEFAULTS, type RecommendContext } from '../../src/retrieve/context.ts';
import { DEFAULTS } from '../../src/core/config.ts';
import { createEmbeddingIndex, type EmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import type { StrategyName } from '../../src/retrieve/strategy.ts';

const K = 20;
/** The transforms tried on validation data (core/weight-transform syntax). */
export const CANDIDATES = ['none', 'binary', 'log1p', 'user-norm', 'cap:99', 'cap:95+log1p', 'log1p+user-norm'] as const;
const STRATEGIES: readonly StrategyName[] = ['ppr', 'hybrid'];
/** Degree discounts swept on valid (`--betas` overrides). */
const BETAS = [0, 0.25, 0.5, 0.75, 1] as const;
/** ppr's degree discount chosen on ML-100K ratings (RECOMMEND_DEFAULTS.pprDegreeDiscount), the "before". */
const RATINGS_BETA = RECOMMEND_DEFAULTS.pprDegreeDiscount;

const emit = (o: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};
const round = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Counts per (user, item) in 0-based ids, and knowledge edges item → entity name. */
interface CountData {
  name: string;
  log: InteractionLog;
  counts: Float64Array;
  kg: Array<[item: number, entity: string]>;
}

function denseIds(): { of(raw: string): number; size(): number } {
  const m = new Map<string, number>();
  return {
    of(raw) {
      let v = m.get(raw);
      if (v === undefined) m.set(raw, (v = m.size));
      return v;
    },
    size: () => m.size,
  };
}

function fromRows(name: string, rows: Array<[string, string, number]>, kgRaw: Array<[string, string]>): CountData {
  const us = denseIds();
  const is = denseIds();
  const users: number[] = [];
  const items: number[] = [];
  const counts: number[] = [];
  const pair = new Map<string, number>();
  for (const [u, i, w] of rows) {
    const key = `${u}\t${i}`;
    const at = pair.get(key);
    if (at !== undefined) {
      counts[at]! += w;
      continue;
    }
    pair.set(key, users.length);
    users.push(us.of(u));
    items.push(is.of(i));
    counts.push(w);
  }
  const kg: Array<[number, string]> = [];
  const seen = new Set<string>();
  for (const [i, e] of kgRaw) {
    const key = `${i}\t${e}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const item = is.of(i);
    kg.push([item, e]);
  }
  return { name, log: { nUsers: us.size(), nItems: is.size(), users: Int32Array.from(users), items: Int32Array.from(items) }, counts: Float64Array.from(counts), kg };
}

function readHetrec(dir: string): CountData {
  const lines = (f: string) => readFileSync(path.join(dir, f), 'latin1').split('\n').slice(1).map((l) => l.replace(/\r$/, '')).filter((l) => l.length > 0);
  const rows = lines('user_artists.dat').map((l) => {
    const [u, a, w] = l.split('\t');
    return [u!, a!, Number(w)] as [string, string, number];
  });
  const known = new Set(rows.map((r) => r[1]));
  const kg = lines('user_taggedartists.dat')
    .map((l) => l.split('\t'))
    .filter((c) => known.has(c[1]!))
    .map((c) => [c[1]!, `tag:${c[2]!}`] as [string, string]);
  return fromRows('hetrec2011-lastfm', rows, kg);
}

function readLightGcnLastfm(dir: string): CountData {
  const rows: Array<[string, string, number]> = [];
  for (const f of ['data1.txt', 'test1.txt']) {
    for (const l of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const c = l.trim().split('\t');
      if (c.length < 3) continue;
      rows.push([c[0]!, c[1]!, Number(c[2])]);
    }
  }
  return fromRows('lightgcn-lastfm', rows, []);
}

/** The served graph of the train pairs with transformed weights, plus the knowledge edges. */
function buildCsr(d: CountData, train: Interactions, trainCounts: Float64Array, transform: string): Csr {
  const w = transformWeights(parseTransform(transform), train.users, trainCounts);
  const b = new CsrBuilder([INTERACTION_RELATION, 'tag']);
  for (let u = 0; u < d.log.nUsers; u++) b.node(`User:u:${u}`, KIND_CODES.User);
  for (let i = 0; i < d.log.nItems; i++) b.node(`Item:i:${i}`, KIND_CODES.Item);
  for (let t = 0; t < train.users.length; t++) if (w[t]! > 0) b.edge(train.users[t]!, d.log.nUsers + train.items[t]!, 0, w[t]!);
  for (const [item, e] of d.kg) b.edge(d.log.nUsers + item, b.node(`Entity:${e}`, KIND_CODES.Entity), 1, 1);
  return b.build();
}

/** Top-K lists of `recommend` (evaluate/served `servedRankingInput`) for the users with items in `truth`. */
function servedRanking(ctx: RecommendContext, strategy: StrategyName, train: Interactions, truth: Interactions, masked: Interactions | undefined, sample?: number): RankingInput {
  // buildCsr's ids: users `u:<index>`, items `i:<index>`.
  const itemIds = Array.from({ length: train.nItems }, (_, i) => `i:${i}`);
  const graph = { csr: ctx.csr, userIds: Array.from({ length: train.nUsers }, (_, u) => `u:${u}`), itemIds, itemIndex: new Map(itemIds.map((id, i) => [id, i])) };
  return servedRankingInput(ctx, graph, strategy, truth, { depth: K, popularityFrom: train, ...(masked ? { masked } : {}), ...(sample !== undefined ? { sample } : {}) });
}

/** Mean popularity rank (1 = most training pairs) of the recommended items. */
function meanPopularityRank(input: RankingInput): number {
  const pop = input.itemPopularity;
  const order = Array.from(pop.keys()).sort((a, b) => pop[b]! - pop[a]! || a - b);
  const rank = new Float64Array(pop.length);
  order.forEach((item, r) => (rank[item] = r + 1));
  let sum = 0;
  let n = 0;
  for (const item of input.topK) {
    if (item < 0) continue;
    sum += rank[item]!;
    n++;
  }
  return n > 0 ? sum / n : 0;
}

interface LightGcnNumbers {
  valid: number;
  validPopularityRank: number;
  test: number;
  popularityRank: number;
  epochs: number;
  bestEpoch: number;
  seconds: number;
}

const recall = (input: RankingInput): number => round(computeMetrics(input, [K], ['recall'])[`recall@${K}`]!);

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const seed = Number(flag(argv, 'seed') ?? 2020);
  const epochs = Number(flag(argv, 'epochs') ?? 400);
  const maxSeconds = Number(flag(argv, 'max-seconds') ?? Infinity);
  const which = (flag(argv, 'datasets') ?? 'hetrec,lightgcn-lastfm').split(',');
  // --only beta: skip the transform candidates, sweep β under --transform (default: the configured default).
  const onlyBeta = flag(argv, 'only') === 'beta';
  const fixedTransform = flag(argv, 'transform') ?? DEFAULTS.weights.heavyTailTransform;
  parseTransform(fixedTransform);
  // --lightgcn-from FILE: reuse LightGCN's numbers from an earlier run's last line (docs/results/weights.json) instead of
  // training (then no vectors: `hybrid` is not evaluated); --users N: evaluate N seeded random users per split.
  const lightgcnFromPath = flag(argv, 'lightgcn-from');
  const lightgcnFrom = lightgcnFromPath
    ? Object.fromEntries(Object.entries((JSON.parse(readFileSync(lightgcnFromPath, 'utf8')) as { test: Record<string, { lightgcn: LightGcnNumbers }> }).test).map(([k, v]) => [k, v.lightgcn]))
    : undefined;
  if (lightgcnFromPath && !onlyBeta) throw new Error('weights: --lightgcn-from needs --only beta (the transform choice evaluates hybrid)');
  const userSample = flag(argv, 'users') !== undefined ? Number(flag(argv, 'users')) : undefined;
  const betas = (flag(argv, 'betas') ?? BETAS.join(',')).split(',').map(Number);
  if (betas.some((b) => !(b >= 0 && b <= 2))) throw new Error('weights: --betas must be numbers in [0, 2]');
  const t0 = performance.now();
  const hetrecDir = path.join(SHARED_DATA_DIR, 'hetrec2011-lastfm-2k');
  const lgDir = path.join(SHARED_DATA_DIR, 'lightgcn-lastfm');
  if (!existsSync(path.join(hetrecDir, 'user_artists.dat')) || !existsSync(path.join(lgDir, 'data1.txt'))) {
    emit({ error: `bench weights needs ${hetrecDir} and ${lgDir} (../shared/data is absent)` });
    process.exitCode = 1;
    return;
  }
  const datasets: CountData[] = [];
  if (which.includes('hetrec')) datasets.push(readHetrec(hetrecDir));
  if (which.includes('lightgcn-lastfm')) datasets.push(readLightGcnLastfm(lgDir));

  const valid: Record<string, Record<string, Record<string, number>>> = {};
  const perDataset: Array<{ d: CountData; train: Interactions; validPart: Interactions; test: Interactions; trainCounts: Float64Array; embeddings: EmbeddingIndex | undefined; lightgcn: LightGcnNumbers & { from?: string } }> = [];
  /** Whether `ppr`'s valid popularity rank is within 2× of LightGCN's, by dataset and transform. */
  const within2x: Record<string, Record<string, boolean>> = {};
  for (const d of datasets) {
    const stats = weightStats(d.counts);
    // Counts of each split pair, by (user, item).
    const countOf = new Map<number, number>();
    for (let t = 0; t < d.log.users.length; t++) countOf.set(d.log.users[t]! * d.log.nItems + d.log.items[t]!, d.counts[t]!);
    const { train, valid: validPart, test } = randomSplit(d.log, { ratios: [0.8, 0.1, 0.1], seed });
    if (!validPart) throw new Error('weights: the 3-way split returned no valid part');
    const trainCounts = Float64Array.from(train.users, (u, t) => countOf.get(u * d.log.nItems + train.items[t]!)!);
    emit({ stage: 'data', dataset: d.name, users: d.log.nUsers, items: d.log.nItems, pairs: d.log.users.length, knowledge: d.kg.length, train: train.users.length, valid: validPart.users.length, test: test.users.length, counts: { median: stats.median, p99: stats.p99, max: stats.max, maxOverMedian: round(stats.maxOverMedian), skew: round(stats.skew) } });

    const t1 = performance.now();
    const reused = lightgcnFrom?.[d.name];
    if (reused) {
      // --lightgcn-from: LightGCN's numbers of an earlier run of this bench (same seed, split and protocol); no vectors,
      // so `hybrid` is left out.
      const lightgcn = { ...reused, from: lightgcnFromPath! };
      emit({ stage: 'lightgcn', dataset: d.name, ...lightgcn });
      perDataset.push({ d, train, validPart, test, trainCounts, embeddings: undefined, lightgcn });
      continue;
    }
    const fit = await fitLightGcn(train, { seed, epochs, maxSeconds }, { validate: (m: Recommender) => computeMetrics(buildRankingInput(m, train, validPart, K), [K], ['recall'])[`recall@${K}`]! });
    const lgInput = buildRankingInput(fit.model, train, test, K, { exclude: [train, validPart] });
    const lgValid = buildRankingInput(fit.model, train, validPart, K);
    const lightgcn: LightGcnNumbers = { valid: recall(lgValid), validPopularityRank: round(meanPopularityRank(lgValid)), test: recall(lgInput), popularityRank: round(meanPopularityRank(lgInput)), epochs: fit.epochs, bestEpoch: fit.bestEpoch, seconds: round((performance.now() - t1) / 1000) };
    const embeddings = createEmbeddingIndex({
      dim: fit.options.embeddingSize,
      itemKeys: Array.from({ length: d.log.nItems }, (_, i) => `Item:i:${i}`),
      itemVectors: fit.model.itemEmbeddings(),
      userKeys: Array.from({ length: d.log.nUsers }, (_, u) => `User:u:${u}`),
      userVectors: fit.model.userEmbeddings(),
    });
    await fit.model.close();
    emit({ stage: 'lightgcn', dataset: d.name, ...lightgcn });
    perDataset.push({ d, train, validPart, test, trainCounts, embeddings, lightgcn });

    valid[d.name] = {};
    for (const transform of onlyBeta ? [] : CANDIDATES) {
      const t2 = performance.now();
      const ctx = createRecommendContext(buildCsr(d, train, trainCounts, transform), { ...(embeddings ? { embeddings } : {}) });
      const row: Record<string, number> = {};
      for (const s of STRATEGIES) {
        const input = servedRanking(ctx, s, train, validPart, undefined);
        row[s] = recall(input);
        if (s === 'ppr') row['pprPopularityRank'] = round(meanPopularityRank(input));
      }
      valid[d.name]![transform] = row;
      const ratio = lightgcn.validPopularityRank / row['pprPopularityRank']!;
      (within2x[d.name] ??= {})[transform] = ratio <= 2 && ratio >= 0.5;
      emit({ stage: 'valid', dataset: d.name, transform, recall20: row, seconds: round((performance.now() - t2) / 1000) });
    }
  }

  // Choice: best mean relative valid Recall@20 over datasets × {ppr, hybrid}.
  const score: Record<string, number> = {};
  for (const transform of onlyBeta ? [] : CANDIDATES) {
    let sum = 0;
    let n = 0;
    for (const d of datasets) {
      for (const s of STRATEGIES) {
        const best = Math.max(...CANDIDATES.map((c) => valid[d.name]![c]![s]!));
        sum += best > 0 ? valid[d.name]![transform]![s]! / best : 0;
        n++;
      }
    }
    score[transform] = round(sum / n);
  }
  // Among the candidates whose ppr popularity is within 2× of LightGCN's on every dataset's valid part, when any is.
  const popular = onlyBeta ? [] : CANDIDATES.filter((c) => datasets.every((d) => within2x[d.name]![c]));
  const pool = popular.length > 0 ? popular : [...CANDIDATES];
  const chosen = onlyBeta ? fixedTransform : [...pool].sort((a, b) => score[b]! - score[a]!)[0]!;
  if (!onlyBeta) emit({ stage: 'chosen', chosen, score, within2x, constrained: popular.length > 0 });

  // ppr's degree discount β (`pprDegreeDiscount`) under the chosen transform, on valid: Recall@20 of `ppr` and `hybrid`
  // (its ppr part uses the same β) and ppr's popularity against LightGCN's. The β for heavy-tailed counts
  // (`pprDegreeDiscountHeavyTail`) = the one with the best mean relative valid Recall@20 over datasets × {ppr, hybrid}
  // among the βs whose ppr lists are within 2× of LightGCN's popularity on every dataset (none: no such β).
  const betaSweep: Record<string, Array<{ beta: number; ppr: number; hybrid: number; popularityRank: number; lightgcnOverPpr: number; seconds: number }>> = {};
  for (const { d, train, validPart, trainCounts, embeddings, lightgcn } of perDataset) {
    const csr = buildCsr(d, train, trainCounts, chosen);
    betaSweep[d.name] = [];
    for (const beta of betas) {
      const t3 = performance.now();
      const ctx = createRecommendContext(csr, { ...(embeddings ? { embeddings } : {}), options: { pprDegreeDiscount: beta } });
      const input = servedRanking(ctx, 'ppr', train, validPart, undefined, userSample);
      const hybrid = embeddings ? recall(servedRanking(ctx, 'hybrid', train, validPart, undefined, userSample)) : Number.NaN;
      const rank = meanPopularityRank(input);
      const row = { beta, ppr: recall(input), hybrid, popularityRank: round(rank), lightgcnOverPpr: round(lightgcn.validPopularityRank / rank), seconds: round((performance.now() - t3) / 1000) };
      betaSweep[d.name]!.push(row);
      emit({ stage: 'beta-sweep', dataset: d.name, transform: chosen, ...row });
    }
  }
  const betaScore: Record<string, number> = {};
  for (const [b, beta] of betas.entries()) {
    let sum = 0;
    let n = 0;
    for (const d of datasets) {
      const rows = betaSweep[d.name]!;
      for (const s of ['ppr', 'hybrid'] as const) {
        if (rows.some((r) => Number.isNaN(r[s]))) continue; // no vectors: ppr only
        const best = Math.max(...rows.map((r) => r[s]));
        sum += best > 0 ? rows[b]![s] / best : 0;
        n++;
      }
    }
    betaScore[String(beta)] = round(sum / n);
  }
  const betaPool = betas.filter((_, b) => datasets.every((d) => betaSweep[d.name]![b]!.lightgcnOverPpr <= 2 && betaSweep[d.name]![b]!.lightgcnOverPpr >= 0.5));
  const chosenBeta = betaPool.length > 0 ? [...betaPool].sort((a, b) => betaScore[String(b)]! - betaScore[String(a)]!)[0]! : undefined;
  emit({ stage: 'beta-chosen', chosenBeta: chosenBeta ?? null, betaScore, within2x: betaPool });

  const test: Record<string, unknown> = {};
  for (const { d, train, validPart, test: testPart, trainCounts, embeddings, lightgcn } of perDataset) {
    const out: Record<string, unknown> = { lightgcn };
    // before = raw counts at the ratings' β; after = the chosen transform at the ratings' β; afterBeta = and at the
    // chosen heavy-tail β (when one was chosen).
    const runs: Array<[string, string, number]> = [['before', 'none', RATINGS_BETA], ['after', chosen, RATINGS_BETA]];
    if (chosenBeta !== undefined) runs.push(['afterBeta', chosen, chosenBeta]);
    for (const [key, transform, beta] of runs) {
      const ctx = createRecommendContext(buildCsr(d, train, trainCounts, transform), { ...(embeddings ? { embeddings } : {}), options: { pprDegreeDiscount: beta } });
      const row: Record<string, unknown> = {};
      for (const s of embeddings ? STRATEGIES : ['ppr' as const]) {
        const input = servedRanking(ctx, s, train, testPart, validPart, userSample);
        row[s] = { recall20: recall(input), popularityRank: round(meanPopularityRank(input)) };
      }
      out[key] = { transform, beta, ...row };
    }
    const after = out['after'] as Record<string, { popularityRank: number }>;
    const before = out['before'] as Record<string, { popularityRank: number }>;
    const final = (out['afterBeta'] ?? after) as Record<string, { popularityRank: number }>;
    out['pprPopularityVsLightgcn'] = { before: round(lightgcn.popularityRank / before['ppr']!.popularityRank), after: round(lightgcn.popularityRank / after['ppr']!.popularityRank), final: round(lightgcn.popularityRank / final['ppr']!.popularityRank), within2x: lightgcn.popularityRank / final['ppr']!.popularityRank <= 2 && final['ppr']!.popularityRank / lightgcn.popularityRank <= 2 };
    test[d.name] = out;
    emit({ stage: 'test', dataset: d.name, ...out });
  }
  emit({
    protocol: `random per-user 80/10/10 split, seed ${seed}; served graph = train pairs (weight = transform(listen count)) + knowledge edges; recommend(ctx, {user, k: ${K}, strategy}); Recall@${K}; popularity rank = mean rank of recommended items by training pairs (1 = most popular); pprPopularityVsLightgcn = lightgcn rank / ppr rank (> 1: ppr more popular)`,
    chosen,
    score,
    within2x,
    betaSweep,
    betaScore,
    chosenBeta: chosenBeta ?? null,
    valid,
    test,
    seconds: round((performance.now() - t0) / 1000),
  });
}
