import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planCheckpoint, readCheckpoint, writeCheckpoint } from '../../../src/compute/lightgcn/checkpoint.ts';
import type { Interactions } from '../../../src/compute/lightgcn/graph.ts';
import type { Recommender } from '../../../src/compute/lightgcn/types.ts';
import { LIGHTGCN_DEFAULTS, trainLightGcn, type LightGcnOptions } from '../../../src/compute/lightgcn/train.ts';
import { createRng, restoreRng } from '../../../src/compute/rng.ts';
import { isAppError } from '../../../src/core/errors.ts';
import { computeMetrics } from '../../../src/evaluate/metrics.ts';
import { evaluate, type EvaluateConfig } from '../../../src/evaluate/pipeline.ts';
import { buildRankingInput } from '../../../src/evaluate/ranking.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three communities of users and items, random memberships; a validation part for early stopping. */
function data(): { train: Interactions; valid: Interactions } {
  const rng = createRng(11);
  const nUsers = 120;
  const nItems = 60;
  const tu: number[] = [];
  const ti: number[] = [];
  const vu: number[] = [];
  const vi: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const base = (u % 3) * 20;
    for (let i = base; i < base + 20; i++) {
      const r = rng.float();
      const [us, is] = r < 0.3 ? [tu, ti] : r < 0.4 ? [vu, vi] : [null, null];
      us?.push(u);
      is?.push(i);
    }
  }
  return {
    train: { nUsers, nItems, users: Int32Array.from(tu), items: Int32Array.from(ti) },
    valid: { nUsers, nItems, users: Int32Array.from(vu), items: Int32Array.from(vi) },
  };
}

const { train, valid } = data();
const options: Partial<LightGcnOptions> = { embeddingSize: 16, batchSize: 128, epochs: 40, evalEvery: 5, patience: 3, seed: 7 };
const validate = (m: Recommender) => computeMetrics(buildRankingInput(m, train, valid, 10), [10], ['recall'])['recall@10']!;

function plan(resume: boolean) {
  return planCheckpoint({ embeddingsDir: dir, name: 'test', options: { ...LIGHTGCN_DEFAULTS, ...options }, train, valid, resume });
}

describe('compute/lightgcn checkpoints', () => {
  it('rng state: restoreRng(state()) continues the same sequence, Box–Muller spare included', () => {
    const a = createRng(5);
    a.u32();
    a.normal();
    const b = restoreRng(a.state());
    expect([b.normal(), b.u32(), b.float()]).toEqual([a.normal(), a.u32(), a.float()]);
  });

  it('an interrupted run resumed from its checkpoint ends with the same bits as an uninterrupted one (threads 1 and 2)', async () => {
    const reference = await trainLightGcn(train, { ...options, threads: 1 }, { validate });
    const ref = reference.model.e0.view.slice();

    // Stop after epoch 12 (the signal is checked between epochs), as Ctrl-C does.
    const controller = new AbortController();
    const first = await trainLightGcn(train, { ...options, threads: 2 }, {
      validate,
      signal: controller.signal,
      checkpoint: plan(false),
      onEpoch: (e) => void (e.epoch === 12 && controller.abort()),
    });
    expect(first.interrupted).toBe(true);
    expect(first.epochs).toBe(12);
    const ck = plan(true);
    expect(readCheckpoint(ck.file)).toMatchObject({ epoch: 12, key: ck.key });
    expect(readdirSync(join(dir, 'checkpoints')).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const resumed = await trainLightGcn(train, { ...options, threads: 1 }, { validate, checkpoint: ck });
    await first.model.close();
    expect(resumed.interrupted).toBe(false);
    expect(resumed.epochs).toBe(reference.epochs);
    expect(resumed.bestEpoch).toBe(reference.bestEpoch);
    expect(resumed.bestValid).toBe(reference.bestValid);
    expect(resumed.history.map((h) => [h.epoch, h.loss, h.valid])).toEqual(reference.history.map((h) => [h.epoch, h.loss, h.valid]));
    expect(Buffer.from(resumed.model.e0.view.buffer, resumed.model.e0.view.byteOffset, resumed.model.e0.view.byteLength).equals(Buffer.from(ref.buffer))).toBe(true);
    expect(resumed.model.userEmbeddings()).toEqual(reference.model.userEmbeddings());
  });

  it('a checkpoint is refused by another run (other settings or data) and a damaged file is BAD_REQUEST', async () => {
    const ck = plan(false);
    const state = { key: ck.key, epoch: 1, step: 1, rng: createRng(1).state(), best: null, bestEpoch: 0, badRuns: 0, elapsedSeconds: 1, timeLed: false, history: [], e0: new Float32Array(4), adamM: new Float32Array(4), adamV: new Float32Array(4), bestE0: null };
    writeCheckpoint(ck.file, state);
    expect(readCheckpoint(ck.file)).toMatchObject({ epoch: 1, e0: new Float32Array(4) });
    const other = planCheckpoint({ embeddingsDir: dir, name: 'test', options: { ...LIGHTGCN_DEFAULTS, ...options, learningRate: 0.01 }, train, valid, resume: true });
    expect(other.key).not.toBe(ck.key);
    // threads and the time budget do not change the result, so they do not change the key
    expect(planCheckpoint({ embeddingsDir: dir, name: 'test', options: { ...LIGHTGCN_DEFAULTS, ...options, threads: 1, maxSeconds: 5 }, train, valid, resume: true }).key).toBe(ck.key);
    writeCheckpoint(other.file, { ...state, key: 'someone-else' });
    await expect(trainLightGcn(train, options, { checkpoint: other })).rejects.toSatisfy((e) => isAppError(e, 'BAD_REQUEST'));
    writeFileSync(ck.file, 'GRCKPT01garbage');
    expect(() => readCheckpoint(ck.file)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(readCheckpoint(join(dir, 'none.ckpt'))).toBeNull();
    expect(existsSync(ck.file)).toBe(true);
  });

  it('evaluate: Ctrl-C during training throws INTERRUPTED with the metrics so far; --resume gives the uninterrupted result', async () => {
    const folder = join(dir, 'lightgcn-fx');
    mkdirSync(folder, { recursive: true });
    const lines = (d: Interactions) => {
      const per = new Map<number, number[]>();
      for (let t = 0; t < d.users.length; t++) per.set(d.users[t]!, [...(per.get(d.users[t]!) ?? []), d.items[t]!]);
      return [...per].map(([u, items]) => [u, ...items].join(' ')).join('\n') + '\n';
    };
    writeFileSync(join(folder, 'train.txt'), lines(train));
    writeFileSync(join(folder, 'valid.txt'), lines(valid));
    writeFileSync(join(folder, 'test.txt'), lines(valid));
    const config: EvaluateConfig = { dataset: `lightgcn:${folder}`, model: 'lightgcn', modelOptions: { ...options, threads: 1 }, ks: [10], metrics: ['recall', 'ndcg'], seed: 7 };
    const checkpoint = { embeddingsDir: join(dir, 'eval-emb'), resume: false };
    const full = await evaluate(config, { checkpoint });

    const controller = new AbortController();
    // The progress hook sees every finished epoch; stop after the 8th, as a Ctrl-C would.
    const progress = { update: (_label: string, done: number, _total?: number, _f?: unknown, partial?: boolean) => void (!partial && done >= 8 && controller.abort()), done: () => {} };
    const error = await evaluate(config, { checkpoint, progress, signal: controller.signal }).catch((e: unknown) => e);
    expect(isAppError(error, 'INTERRUPTED')).toBe(true);
    const details = (error as { details: { epochs: number; loss: number; checkpoint: string } }).details;
    expect(details.epochs).toBe(8);
    expect(details.loss).toBeGreaterThan(0);
    expect(existsSync(details.checkpoint)).toBe(true);

    const resumed = await evaluate(config, { checkpoint: { ...checkpoint, resume: true } });
    expect(resumed.test).toEqual(full.test);
    expect(resumed.best).toEqual(full.best);
    expect(resumed.epochs).toBe(full.epochs);
    expect(existsSync(details.checkpoint)).toBe(false);
  });
});
