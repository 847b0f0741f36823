/**
 * The one evaluation path: served strategies ranked through `recommend()`, the generic format evaluated like the
 * LightGCN format, the protocols, leave-one-out.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { userItemCsr } from '../../src/compute/lightgcn/graph.ts';
import { computeMetrics, type RankingInput } from '../../src/evaluate/metrics.ts';
import { evaluate, loadDataset, type ModelName } from '../../src/evaluate/pipeline.ts';
import { itemPopularity } from '../../src/compute/popularity.ts';
import { CsrBuilder, INTERACTION_RELATION, KIND_CODES } from '../../src/project/csr.ts';
import { createRecommendContext } from '../../src/retrieve/context.ts';
import { recommend } from '../../src/retrieve/recommend.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-served-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 40 users in two taste groups over 30 items (+ 4 entities on the items), written in both formats. */
function writeBothFormats(): { lightgcn: string; generic: string; lists: number[][] } {
  const rng = createRng(11);
  const lists: number[][] = [];
  for (let u = 0; u < 40; u++) {
    const base = u % 2 === 0 ? 0 : 15;
    const l: number[] = [];
    for (let i = base; i < base + 15; i++) if (rng.float() < 0.55) l.push(i);
    if (l.length < 4) l.push(...[base, base + 1, base + 2, base + 3].filter((i) => !l.includes(i)));
    lists.push(l);
  }
  lists[0]!.push(29); // the highest item index appears, so both formats see 30 items
  const lightgcn = join(dir, 'lightgcn');
  mkdirSync(lightgcn, { recursive: true });
  writeFileSync(join(lightgcn, 'train.txt'), lists.map((l, u) => [u, ...l].join(' ')).join('\n') + '\n');
  writeFileSync(join(lightgcn, 'test.txt'), '');
  const generic = join(dir, 'generic');
  mkdirSync(generic, { recursive: true });
  writeFileSync(join(generic, 'users.csv'), 'id\n' + lists.map((_, u) => `${u}\n`).join(''));
  writeFileSync(join(generic, 'items.csv'), 'id,title\n' + Array.from({ length: 30 }, (_, i) => `${i},Item ${i}\n`).join(''));
  writeFileSync(join(generic, 'interactions.csv'), 'user_id,item_id\n' + lists.flatMap((l, u) => l.map((i) => `${u},${i}\n`)).join(''));
  return { lightgcn, generic, lists };
}

const fixture = writeBothFormats();
const small = { embeddingSize: 8, epochs: 20, batchSize: 64, evalEvery: 5, learningRate: 0.05, threads: 1 };

describe('evaluate: served strategies and the generic format', () => {
  it('generic:DIR gives the same results as the same data in the LightGCN format (random 0.8/0.1/0.1)', async () => {
    const split = { kind: 'random' as const, ratios: [0.8, 0.1, 0.1] };
    for (const model of ['hybrid', 'ppr', 'lightgcn', 'itemknn', 'popular', 'ease'] as ModelName[]) {
      const common = { model, split, ks: [5, 10], seed: 7, ...(model === 'lightgcn' ? { modelOptions: small } : {}), lightgcnOptions: small };
      const a = await evaluate({ ...common, dataset: `generic:${fixture.generic}` });
      const b = await evaluate({ ...common, dataset: `lightgcn:${fixture.lightgcn}` });
      expect(a.dataset).toMatchObject({ nUsers: 40, nItems: 30, nTrain: b.dataset.nTrain, nValid: b.dataset.nValid, nTest: b.dataset.nTest });
      expect(a.test, model).toEqual(b.test);
      expect(a.valid, model).toEqual(b.valid);
      expect(a.test['recall@10']).toBeGreaterThan(0);
    }
  });

  it('a catalogue past annMinItems is ranked on the IVF index, built before the ranking starts', async () => {
    const split = { kind: 'random' as const, ratios: [0.8, 0.2] };
    const common = { dataset: `generic:${fixture.generic}`, model: 'embedding' as ModelName, split, ks: [5, 10], seed: 5, lightgcnOptions: small };
    // A pool of 10 (the depth ranked): the search stops once 10 eligible items are found.
    const pool = { candidatePool: 10 };
    const exact = await evaluate({ ...common, modelOptions: pool });
    // Every list read: the scan's ranking.
    expect((await evaluate({ ...common, modelOptions: { ...pool, annMinItems: 1, annProbe: 1000 } })).test).toEqual(exact.test);
    // One list of √30 ≈ 5 first, more until 10 items: another ranking, the same on every run (the index was ready
    // for the first user).
    const one = await evaluate({ ...common, modelOptions: { ...pool, annMinItems: 1, annProbe: 1 } });
    expect(one.test).not.toEqual(exact.test);
    expect((await evaluate({ ...common, modelOptions: { ...pool, annMinItems: 1, annProbe: 1 } })).test).toEqual(one.test);
  });

  it('ppr is ranked by the same recommend() the API serves: equal to calling it directly per user', async () => {
    const split = { kind: 'random' as const, ratios: [0.8, 0.2] };
    const r = await evaluate({ dataset: `generic:${fixture.generic}`, model: 'ppr', split, ks: [5], seed: 3, metrics: ['recall', 'ndcg'] });
    expect(r.served).toEqual({ vectors: false });
    // The same split, a graph built here by hand from the generic ids, and recommend() per user.
    const ds = await loadDataset(`generic:${fixture.generic}`, split, 3);
    const b = new CsrBuilder([INTERACTION_RELATION]);
    for (let u = 0; u < ds.nUsers; u++) b.node(`User:${u}`, KIND_CODES.User);
    for (let i = 0; i < ds.nItems; i++) b.node(`Item:${i}`, KIND_CODES.Item);
    for (let t = 0; t < ds.train.users.length; t++) b.edge(ds.train.users[t]!, ds.nUsers + ds.train.items[t]!, 0, 1);
    const ctx = createRecommendContext(b.build());
    const truth = userItemCsr(ds.test);
    const users: number[] = [];
    const topK: number[] = [];
    const truthIdx: number[] = [];
    const truthIndptr = [0];
    for (let u = 0; u < ds.nUsers; u++) {
      const t = Array.from(truth.indices.subarray(truth.indptr[u]!, truth.indptr[u + 1]!)).sort((x, y) => x - y);
      if (t.length === 0) continue;
      users.push(u);
      const items = recommend(ctx, { user: String(u), k: 5, strategy: 'ppr' }).items.map((it) => Number(it.id));
      topK.push(...items, ...Array(5 - items.length).fill(-1));
      truthIdx.push(...t);
      truthIndptr.push(truthIdx.length);
    }
    const input: RankingInput = { users: Int32Array.from(users), depth: 5, topK: Int32Array.from(topK), truthIndptr: Int32Array.from(truthIndptr), truthIndices: Int32Array.from(truthIdx), nItems: ds.nItems, nUsers: ds.nUsers, itemPopularity: itemPopularity(ds.train) };
    expect(r.test).toEqual(computeMetrics(input, [5], ['recall', 'ndcg']));
  });

  it('protocols: paper-lightgcnpp masks only training items at test, early-stop also the valid ones, merge-valid trains on both', async () => {
    const split = { kind: 'random' as const, ratios: [0.6, 0.2, 0.2] };
    const base = { dataset: `lightgcn:${fixture.lightgcn}`, model: 'itemknn' as const, split, ks: [3], seed: 5, metrics: ['recall'] };
    const early = await evaluate(base);
    const paper = await evaluate({ ...base, protocol: 'paper-lightgcnpp' });
    const merged = await evaluate({ ...base, protocol: 'merge-valid' });
    expect(early.protocol).toBe('early-stop');
    // Same model (fit on train), but valid items compete for the slots under the paper's protocol.
    expect(paper.valid).toEqual(early.valid);
    expect(paper.test['recall@3']).toBeLessThan(early.test['recall@3']!);
    expect(merged.dataset.nValid).toBe(0);
    expect(merged.dataset.nTrain).toBe(early.dataset.nTrain + early.dataset.nValid);
    await expect(evaluate({ ...base, protocol: 'train-only' as 'merge-valid' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('leave-one-out holds out one item per user (and one for valid)', async () => {
    const ds = await loadDataset(`generic:${fixture.generic}`, { kind: 'loo', nValid: 1 }, 9);
    expect(ds.test.users.length).toBe(40);
    expect(ds.valid?.users.length).toBe(40);
    expect(ds.train.users.length + 80).toBe(fixture.lists.reduce((a, l) => a + l.length, 0));
  });
});
