/**
 * `npm run bench -- ann [--epochs N] [--users N] [--probes 8,16,32,64] [--items N] [--seed S]`: the IVF index of the
 * `embedding` part (retrieve/ivf) against the exact scan it replaces on large catalogues, on VALIDATION data:
 * LightGCN is trained for `--epochs` (default 30) on LightGCN++'s split of Gowalla's training pairs (the test file is
 * not read), then for a seeded sample of `--users` (default 3,000) validation users each search ranks the items the
 * user has not trained on, both ways, in this process:
 *
 * - `recall@100` / `recall@20`: the share of the exact scan's top 100 (the candidate pool a request asks for) / top
 *   20 that the IVF search returns too — the ANN's own error, with no labels involved;
 * - `validRecall@20`: Recall@20 of each ranking against the user's validation items (exact vs IVF);
 * - `msPerQuery` of each, and their ratio; `scanned`: items the IVF scored per query.
 *
 * `--items N` (e.g. 400000, the 50M scale bench's catalogue) also times both on a catalogue of N items made from
 * Gowalla's: each trained item vector repeated with seeded Gaussian noise (σ = 0.25 × the coordinates' spread). Its
 * recall is against the exact scan of the same made-up catalogue; it has no validation labels.
 */
import { fitLightGcn } from '../../src/compute/lightgcn/fit.ts';
import type { Interactions } from '../../src/compute/lightgcn/graph.ts';
import { createRng } from '../../src/compute/rng.ts';
import { createEmbeddingIndex, embeddingTopK, type EmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { buildIvf, ivfTopK, type IvfIndex } from '../../src/retrieve/ivf.ts';
import { gowallaValidSplit } from './_gowalla.ts';

const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function byUser(part: Interactions): Array<Set<number>> {
  const out = Array.from({ length: part.nUsers }, () => new Set<number>());
  for (let t = 0; t < part.users.length; t++) out[part.users[t]!]!.add(part.items[t]!);
  return out;
}

interface Query {
  vector: Float32Array;
  seen: Set<number>;
  valid: Set<number>;
}

/** The catalogue as an embedding index (keys are row numbers). */
function indexOf(items: Float32Array, dim: number): EmbeddingIndex {
  return createEmbeddingIndex({ dim, itemKeys: Array.from({ length: items.length / dim }, (_, i) => String(i)), itemVectors: items });
}

/** Exact top lists and timing for every query. */
function exactRun(index: EmbeddingIndex, queries: Query[], k: number): { tops: number[][]; ms: number } {
  const t0 = performance.now();
  const tops = queries.map((q) => embeddingTopK(index, q.vector, k, { keep: (row) => !q.seen.has(row) }).map((r) => r.row));
  return { tops, ms: (performance.now() - t0) / queries.length };
}

function compare(ivf: IvfIndex, index: EmbeddingIndex, queries: Query[], exact: number[][], nProbe: number, k: number, labels: boolean): Record<string, number> {
  let scanned = 0;
  const t0 = performance.now();
  const tops = queries.map((q) => {
    const r = ivfTopK(ivf, index, q.vector, k, nProbe, (row) => !q.seen.has(row));
    scanned += r.scanned;
    return Array.from(r.ids);
  });
  const ms = (performance.now() - t0) / queries.length;
  let at100 = 0;
  let at20 = 0;
  let validExact = 0;
  let validIvf = 0;
  let counted = 0;
  queries.forEach((q, j) => {
    const e = exact[j]!;
    const got = new Set(tops[j]);
    const got20 = new Set(tops[j]!.slice(0, 20));
    at100 += e.filter((x) => got.has(x)).length / Math.max(1, e.length);
    at20 += e.slice(0, 20).filter((x) => got20.has(x)).length / Math.max(1, Math.min(20, e.length));
    if (labels && q.valid.size > 0) {
      validExact += e.slice(0, 20).filter((x) => q.valid.has(x)).length / q.valid.size;
      validIvf += tops[j]!.slice(0, 20).filter((x) => q.valid.has(x)).length / q.valid.size;
      counted++;
    }
  });
  const n = queries.length;
  return {
    nProbe,
    [`recall@${k}`]: r4(at100 / n),
    'recall@20': r4(at20 / n),
    ...(labels ? { validRecall20Exact: r4(validExact / counted), validRecall20Ivf: r4(validIvf / counted) } : {}),
    ivfMsPerQuery: r4(ms),
    scanned: Math.round(scanned / n),
  };
}

export async function main(argv: string[]): Promise<void> {
  const split = gowallaValidSplit('ann');
  if (!split) return;
  const epochs = Number(flag(argv, 'epochs') ?? 30);
  const nQueries = Number(flag(argv, 'users') ?? 3000);
  const probes = (flag(argv, 'probes') ?? '8,16,32,64').split(',').map(Number);
  const bigItems = Number(flag(argv, 'items') ?? 0);
  const seed = Number(flag(argv, 'seed') ?? 2020);
  if (!(Number.isInteger(epochs) && epochs >= 1 && Number.isInteger(nQueries) && nQueries >= 1 && probes.every((p) => Number.isInteger(p) && p >= 1) && Number.isInteger(bigItems) && bigItems >= 0)) {
    throw new Error('bench ann: --epochs, --users and --probes take positive integers, --items an integer ≥ 0');
  }
  const { nUsers, nItems, train, valid } = split;
  const t0 = performance.now();
  const res = await fitLightGcn(train, { batchSize: 16_384, learningRate: 0.01, seed, epochs }, {}, { path: 'cpu' });
  const users = res.model.userEmbeddings();
  const items = res.model.itemEmbeddings();
  const dim = res.model.d;
  await res.model.close();
  emit({ step: 'trained', dataset: 'gowalla (LightGCN++ train → valid)', nUsers, nItems, epochs, seconds: Math.round((performance.now() - t0) / 1000) });

  const seen = byUser(train);
  const validSets = byUser(valid);
  const candidates = Array.from({ length: nUsers }, (_, u) => u).filter((u) => validSets[u]!.size > 0);
  const rng = createRng(seed);
  rng.shuffle(candidates);
  const queries: Query[] = candidates.slice(0, nQueries).map((u) => ({ vector: users.subarray(u * dim, (u + 1) * dim), seen: seen[u]!, valid: validSets[u]! }));
  const k = 100;

  const summary: Record<string, unknown> = { dataset: 'gowalla (LightGCN++ train → valid)', users: queries.length, k };
  /** Builds the IVF of `vectors`, ranks `asked` exactly, then by each probe count: one line per count and a summary. */
  const sweep = (catalogue: string, vectors: Float32Array, asked: Query[], labels: boolean) => {
    const ivf = buildIvf(vectors, dim, 'dot', { seed });
    const index = indexOf(vectors, dim);
    const exact = exactRun(index, asked, k);
    const head = { items: vectors.length / dim, nLists: ivf.nLists, buildSeconds: r4(ivf.buildSeconds), exactMsPerQuery: r4(exact.ms) };
    emit({ catalogue, metric: 'dot', users: asked.length, ...head });
    const rows = probes.map((p) => {
      const row = compare(ivf, index, asked, exact.tops, p, k, labels);
      const line = { catalogue, items: head.items, ...row, speedup: r4(exact.ms / row.ivfMsPerQuery!) };
      emit(line);
      return line;
    });
    return { ...head, probes: rows };
  };
  summary.gowalla = sweep('gowalla', items, queries, true);

  if (bigItems > 0) {
    const spread = Math.sqrt(items.reduce((s, x) => s + x * x, 0) / items.length);
    const noise = createRng(seed + 1);
    const big = new Float32Array(bigItems * dim);
    for (let i = 0; i < bigItems; i++) {
      const src = (i % nItems) * dim;
      for (let c = 0; c < dim; c++) big[i * dim + c] = items[src + c]! + (i < nItems ? 0 : noise.normal(0, 0.25 * spread));
    }
    const few = queries.slice(0, Math.min(queries.length, 500)).map((q) => ({ ...q, seen: new Set<number>() }));
    summary.madeUp = sweep(`made-up: gowalla × noise, ${bigItems} items`, big, few, false);
  }
  emit(summary);
}
