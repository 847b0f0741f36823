/**
 * @module cli/commands/train
 * `graphrec train --dataset lightgcn:<folder>`: trains LightGCN on the fastest path available (tfjs-node-gpu when it
 * loads, else the CPU kernels), evaluates on the test part, and saves a versioned artifact under `embeddings/`.
 * Progress goes to stderr; a checkpoint is written every few minutes (and on Ctrl-C, which exits 130 after the
 * current epoch); `--resume` continues an interrupted run to the same result.
 */
import { AppError } from '../../core/errors.ts';
import { EMBEDDINGS_DIR } from '../../core/paths.ts';
import { fitLightGcn } from '../../compute/lightgcn/fit.ts';
import { fingerprintInteractions } from '../../compute/lightgcn/graph.ts';
import { saveEmbeddings } from '../../compute/lightgcn/artifact.ts';
import { planCheckpoint, removeCheckpoint } from '../../compute/lightgcn/checkpoint.ts';
import type { Recommender } from '../../compute/lightgcn/types.ts';
import { LIGHTGCN_DEFAULTS } from '../../compute/lightgcn/train.ts';
import { createProgress } from '../../core/progress.ts';
import { concatInteractions } from '../../evaluate/datasets.ts';
import { computeMetrics } from '../../evaluate/metrics.ts';
import { interruptedError, loadDataset } from '../../evaluate/pipeline.ts';
import { buildRankingInput } from '../../evaluate/ranking.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';
import { checkpointFromFlags, EXPERIMENT_FLAGS, LIGHTGCN_FLAGS_HELP, lightGcnOptionsFromFlags, parseKs, parseProtocol, parseSplit, PROTOCOL_HELP, withInterrupt } from './evaluate.ts';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train LightGCN embeddings on a dataset and save them as a versioned artifact under embeddings/',
  help: `usage: graphrec train --dataset <spec> [options]

<spec>: lightgcn:<folder> | movielens:<ml-100k folder or u.data> | an ingest spec (generic:<dir>, …)

Options:
  --name NAME           artifact name; the folder is <dir>/<NAME>-<UTC timestamp> [dataset name]
  --embeddings-dir DIR  where artifacts go [<project>/embeddings]
  --k LIST              cut-offs of the test metrics stored in the manifest [20]
  --seed N              [2020]
  --split S             random:0.8,0.2 | random:0.8,0.1,0.1 | temporal[:nValid] | loo[:nValid]
${PROTOCOL_HELP}
  --format F            json (default) or csv
${LIGHTGCN_FLAGS_HELP}`,
  async run(argv) {
    const { values } = parseFlags(argv, { ...EXPERIMENT_FLAGS, name: { type: 'string' }, 'embeddings-dir': { type: 'string' } });
    const format = parseFormat(values.format);
    if (!values.dataset) throw new AppError('BAD_REQUEST', 'train: --dataset is required (see --help)');
    const ks = parseKs(values.k);
    const depth = Math.max(...ks);
    const seed = numberFlag('seed', values.seed, 2020, { integer: true });
    const ds = await loadDataset(values.dataset, parseSplit(values.split), seed);
    const protocol = parseProtocol(values);
    let train = ds.train;
    let valid = ds.valid;
    if (valid && protocol === 'merge-valid') {
      train = concatInteractions(train, valid);
      valid = undefined;
    }
    const options = { seed, ...lightGcnOptionsFromFlags(values) };
    const validSet = valid;
    const dir = values['embeddings-dir'] ?? EMBEDDINGS_DIR;
    const name = values.name ?? ds.name;
    const checkpoint = planCheckpoint({ embeddingsDir: dir, name: `train-${name}`, options: { ...LIGHTGCN_DEFAULTS, ...options }, train, valid: validSet, ...checkpointFromFlags(values) });
    const progress = createProgress();
    const res = await withInterrupt(async (signal) => {
      const r = await fitLightGcn(train, options, {
        ...(validSet ? { validate: (m: Recommender) => computeMetrics(buildRankingInput(m, train, validSet, depth), [depth], ['recall'])[`recall@${depth}`]! } : {}),
        progress,
        signal,
        checkpoint,
      });
      if (r.interrupted) throw interruptedError(r, checkpoint.file);
      return r;
    });
    const model = res.model;
    const test = computeMetrics(buildRankingInput(model, train, ds.test, depth, { exclude: valid && protocol === 'early-stop' ? [train, valid] : [train], progress, label: 'rank test' }), ks, ['recall', 'ndcg', 'precision']);
    const path = saveEmbeddings(dir, {
      name,
      users: model.userEmbeddings(),
      items: model.itemEmbeddings(),
      dim: model.d,
      nLayers: model.nLayers,
      basis: model.foldInBasis(),
      config: { ...res.options, ...(res.sample ? { sample: res.sample } : {}) },
      data: { fingerprint: fingerprintInteractions(train), nInteractions: train.users.length, source: values.dataset },
      metrics: test,
      backend: res.backend,
      epochs: res.epochs,
      trainSeconds: Math.round(res.seconds * 1000) / 1000,
    });
    removeCheckpoint(checkpoint.file);
    const out = { path, backend: res.backend, epochs: res.epochs, bestEpoch: res.bestEpoch, secondsPerEpoch: res.secondsPerEpoch, ...(res.sample ? { sample: res.sample } : {}), test };
    printResult(format, out, [{ path, backend: res.backend, epochs: res.epochs, ...test }]);
  },
};
