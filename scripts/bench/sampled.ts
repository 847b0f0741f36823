/**
 * `npm run bench -- sampled [--epochs N] [--fractions 0.5,0.25] [--seed S]`: what the sampled-subgraph mode
 * (compute/lightgcn/sampled) costs in quality, on VALIDATION data: LightGCN++'s split of Gowalla's training pairs
 * (719,081 train → 91,047 valid; the test file is not read).
 *
 * Runs, one after another in this process: LightGCN on all training pairs for `--epochs` (default 60) epochs, then for
 * each fraction f a user sample holding at most f × the training pairs (`maxInteractions`), the other users folded
 * in. Every run uses the same batch (16,384) and learning rate (0.01), and the same number of Adam steps: a sample's
 * epochs are scaled by 1 / (its share of the pairs), so that only the data seen differs, not the optimisation length.
 * Each line gives valid Recall@20 / NDCG@20 over every valid user, then apart for the sampled and the folded-in users,
 * the training seconds, and the ratios to the full run. The last line is the summary.
 */
import { fitLightGcn } from '../../src/compute/lightgcn/fit.ts';
import type { Interactions } from '../../src/compute/lightgcn/graph.ts';
import { planUserSample } from '../../src/compute/lightgcn/sampled.ts';
import { resolveOptions, type LightGcnOptions } from '../../src/compute/lightgcn/train.ts';
import type { TrainedLightGcn } from '../../src/compute/lightgcn/types.ts';
import { computeMetrics } from '../../src/evaluate/metrics.ts';
import { buildRankingInput } from '../../src/evaluate/ranking.ts';
import { gowallaValidSplit } from './_gowalla.ts';

const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The pairs of `part` whose user is (or is not) in `users`. */
function usersPart(part: Interactions, users: Set<number>, keep: boolean): Interactions {
  const idx: number[] = [];
  for (let t = 0; t < part.users.length; t++) if (users.has(part.users[t]!) === keep) idx.push(t);
  return { nUsers: part.nUsers, nItems: part.nItems, users: Int32Array.from(idx, (t) => part.users[t]!), items: Int32Array.from(idx, (t) => part.items[t]!) };
}

function metrics(model: TrainedLightGcn, train: Interactions, valid: Interactions): { recall: number; ndcg: number; users: number } {
  const input = buildRankingInput(model, train, valid, 20);
  const m = computeMetrics(input, [20], ['recall', 'ndcg']);
  return { recall: r4(m['recall@20']!), ndcg: r4(m['ndcg@20']!), users: input.users.length };
}

export async function main(argv: string[]): Promise<void> {
  const split = gowallaValidSplit('sampled');
  if (!split) return;
  const epochs = Number(flag(argv, 'epochs') ?? 60);
  const fractions = (flag(argv, 'fractions') ?? '0.5,0.25').split(',').map(Number);
  const seed = Number(flag(argv, 'seed') ?? 2020);
  if (!Number.isInteger(epochs) || epochs < 1 || fractions.some((f) => !(f > 0 && f < 1)) || !Number.isInteger(seed)) {
    throw new Error('bench sampled: --epochs N (≥ 1), --fractions in (0, 1), --seed an integer');
  }
  const { nUsers, nItems, train, valid } = split;
  const batchSize = 16_384;
  const base: Partial<LightGcnOptions> = { batchSize, learningRate: 0.01, seed };
  emit({ dataset: 'gowalla (LightGCN++ train → valid)', nUsers, nItems, train: train.users.length, valid: valid.users.length, epochs, fractions, ...base });

  const runs: Array<Record<string, unknown>> = [];
  let full: { recall: number; ndcg: number; seconds: number } | undefined;
  for (const fraction of [1, ...fractions]) {
    const maxInteractions = fraction === 1 ? ('auto' as const) : Math.floor(fraction * train.users.length);
    // The same sample fitLightGcn takes (seeded), to rank its users apart from the folded-in ones.
    const plan = maxInteractions === 'auto' ? null : planUserSample(train, resolveOptions({ ...base, maxInteractions }, train.users.length), undefined, false);
    const share = plan?.sample ? plan.sample.sub.users.length / train.users.length : 1;
    const runEpochs = Math.max(1, Math.round(epochs / share));
    const t0 = performance.now();
    const res = await fitLightGcn(train, { ...base, maxInteractions, epochs: runEpochs }, {}, { path: 'cpu' });
    const seconds = (performance.now() - t0) / 1000;
    const all = metrics(res.model, train, valid);
    const line: Record<string, unknown> = {
      run: fraction === 1 ? 'full' : `sample ${fraction}`,
      sample: res.sample ?? null,
      epochs: res.epochs,
      steps: res.epochs * Math.ceil((res.sample?.interactions ?? train.users.length) / batchSize),
      secondsPerEpoch: r4(res.secondsPerEpoch),
      seconds: Math.round(seconds * 10) / 10,
      'recall@20': all.recall,
      'ndcg@20': all.ndcg,
    };
    if (plan?.sample) {
      const sampled = new Set(plan.sample.users);
      line.sampledUsers = metrics(res.model, train, usersPart(valid, sampled, true));
      line.foldedInUsers = metrics(res.model, train, usersPart(valid, sampled, false));
    }
    if (!full) full = { recall: all.recall, ndcg: all.ndcg, seconds };
    else Object.assign(line, { recallRatio: r4(all.recall / full.recall), ndcgRatio: r4(all.ndcg / full.ndcg), secondsRatio: r4(seconds / full.seconds) });
    await res.model.close();
    emit(line);
    runs.push(line);
  }
  emit({ summary: 'sampled-subgraph LightGCN vs the full graph, Gowalla valid, equal Adam steps', runs });
}
