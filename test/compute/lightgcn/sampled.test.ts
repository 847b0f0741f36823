import { describe, expect, it } from 'vitest';
import { BprWorkspace } from '../../../src/compute/lightgcn/bpr.ts';
import { fitLightGcn } from '../../../src/compute/lightgcn/fit.ts';
import { foldInUser } from '../../../src/compute/lightgcn/fold-in.ts';
import { userItemCsr, type Interactions } from '../../../src/compute/lightgcn/graph.ts';
import { planUserSample, SampledLightGcn, sampleUsers, trainingArenaBytes } from '../../../src/compute/lightgcn/sampled.ts';
import { createLightGcn, LIGHTGCN_DEFAULTS, resolveOptions, trainLightGcn } from '../../../src/compute/lightgcn/train.ts';
import type { Recommender } from '../../../src/compute/lightgcn/types.ts';
import { createRng } from '../../../src/compute/rng.ts';
import { expectRejectCode } from '../../helpers/errors.ts';

/** Random distinct pairs: user u has 1 + (u mod 7) items, a few users none. */
function randomData(seed: number, nUsers = 120, nItems = 50): Interactions {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    if (u % 17 === 16) continue;
    const picked = new Set<number>();
    while (picked.size < 1 + (u % 7)) picked.add(rng.int(nItems));
    for (const i of picked) {
      users.push(u);
      items.push(i);
    }
  }
  // shuffle the pair order, so that a user's pairs are not contiguous
  const order = rng.shuffle(Array.from(users, (_, t) => t));
  return { nUsers, nItems, users: Int32Array.from(order, (t) => users[t]!), items: Int32Array.from(order, (t) => items[t]!) };
}

function degrees(data: Interactions): Int32Array {
  const d = new Int32Array(data.nUsers);
  for (const u of data.users) d[u]!++;
  return d;
}

describe('compute/lightgcn/sampled: the user sample', () => {
  const data = randomData(7);

  it('keeps every interaction of each sampled user, in order, and stays within the limit', () => {
    const { sub, users } = sampleUsers(data, 2020, (_u, k) => k <= 150);
    expect(sub.users.length).toBeLessThanOrEqual(150);
    expect(sub.users.length).toBeGreaterThan(130); // stops only when the next user's interactions would not fit (≤ 7 each)
    expect(sub.nItems).toBe(data.nItems);
    expect(Array.from(users)).toEqual([...users].sort((a, b) => a - b));
    const full = degrees(data);
    const part = degrees(sub);
    for (let k = 0; k < users.length; k++) expect(part[k]).toBe(full[users[k]!]);
    // the sampled pairs are the full data's pairs of those users, in their original order
    const expected: string[] = [];
    const chosen = new Set(users);
    for (let t = 0; t < data.users.length; t++) if (chosen.has(data.users[t]!)) expected.push(`${data.users[t]}:${data.items[t]}`);
    expect(Array.from(sub.users, (s, t) => `${users[s]}:${sub.items[t]}`)).toEqual(expected);
    // users without interactions are never sampled
    for (const u of users) expect(full[u]).toBeGreaterThan(0);
  });

  it('is the same for the same seed and differs for another', () => {
    const a = sampleUsers(data, 5, (_u, k) => k <= 120);
    const b = sampleUsers(data, 5, (_u, k) => k <= 120);
    const c = sampleUsers(data, 6, (_u, k) => k <= 120);
    expect(Array.from(a.users)).toEqual(Array.from(b.users));
    expect(Array.from(a.sub.items)).toEqual(Array.from(b.sub.items));
    expect(Array.from(a.users)).not.toEqual(Array.from(c.users));
  });

  it('refuses a limit that leaves no user', () => {
    expect(() => sampleUsers(data, 1, () => false)).toThrow(/no user/);
  });

  it('plans the whole graph when its model fits the arena, and a sample when a limit is given', () => {
    const o = resolveOptions({}, data.users.length);
    expect(planUserSample(data, o, undefined, true).sample).toBeNull();
    expect(planUserSample(data, { ...o, maxInteractions: data.users.length }, undefined, true).sample).toBeNull();
    const plan = planUserSample(data, { ...o, maxInteractions: 100 }, undefined, false);
    expect(plan.reason).toBe('option');
    expect(plan.sample!.sub.users.length).toBeLessThanOrEqual(100);
  });

  it('estimates the arena of a training run from above, within a few percent', async () => {
    const o = resolveOptions({ threads: 1 }, data.users.length);
    const model = createLightGcn(data, o);
    model.allocNodeBuffer();
    model.allocNodeBuffer();
    model.allocNodeBuffer();
    model.allocNodeBuffer();
    new BprWorkspace(model, o.batchSize, o.dnsCandidates);
    const estimate = trainingArenaBytes({ users: data.nUsers, items: data.nItems, entities: 0, interactions: data.users.length, knowledge: 0, d: o.embeddingSize, batch: o.batchSize, candidates: o.dnsCandidates });
    expect(model.arena.used).toBeLessThanOrEqual(estimate);
    // the estimate's fixed 1 MiB of slack dominates at this size; without it, it is within 5 %
    expect(estimate - (1 << 20)).toBeGreaterThan(model.arena.used * 0.95);
    await model.close();
  });

  it('at 50M interactions (2M users, 400k items, batch 2^20) the full model exceeds 4 GiB', () => {
    const shape = { users: 2_000_000, items: 400_000, entities: 0, interactions: 50_000_000, knowledge: 0, d: 64, batch: 2 ** 20, candidates: 8 };
    expect(trainingArenaBytes(shape)).toBeGreaterThan(2 ** 32);
  });
});

describe('compute/lightgcn/sampled: the model over every user', () => {
  const data = randomData(11);

  it('keeps the sampled users’ trained vectors, folds the others in, and scores by dot products', async () => {
    const sample = sampleUsers(data, 3, (_u, k) => k <= data.users.length / 2);
    const trained = await trainLightGcn(sample.sub, { epochs: 3, threads: 1, seed: 4 });
    const model = SampledLightGcn.from(trained.model, data, sample);
    const d = model.d;
    expect(model.nUsers).toBe(data.nUsers);
    expect(model.itemEmbeddings()).toEqual(trained.model.itemEmbeddings());
    const users = model.userEmbeddings();
    const subUsers = trained.model.userEmbeddings();
    const isSampled = new Map(Array.from(sample.users, (u, k) => [u, k]));
    const csr = userItemCsr(data);
    const basis = trained.model.foldInBasis();
    let folded = 0;
    for (let u = 0; u < data.nUsers; u++) {
      const row = users.subarray(u * d, u * d + d);
      const k = isSampled.get(u);
      if (k !== undefined) expect(row).toEqual(subUsers.subarray(k * d, k * d + d));
      else {
        const items = csr.indices.subarray(csr.indptr[u]!, csr.indptr[u + 1]!);
        expect(row).toEqual(items.length ? foldInUser(basis, items) : new Float32Array(d));
        if (items.length) folded++;
      }
    }
    expect(folded).toBeGreaterThan(10);
    const all = model.scoreAll(Int32Array.of(0, 5, 40));
    const pairs = model.score(Int32Array.of(0, 5, 40, 40), Int32Array.of(3, 0, 49, 7));
    expect(all[0 * data.nItems + 3]).toBeCloseTo(pairs[0]!, 5);
    expect(all[1 * data.nItems + 0]).toBeCloseTo(pairs[1]!, 5);
    expect(all[2 * data.nItems + 49]).toBeCloseTo(pairs[2]!, 5);
    expect(all[2 * data.nItems + 7]).toBeCloseTo(pairs[3]!, 5);
    expect(() => model.scoreAll(Int32Array.of(data.nUsers))).toThrow(/out of range/);
    await trained.model.close();
  });

  it('fitLightGcn trains on the sample, validates over every user and reports the sample', async () => {
    const seen: number[] = [];
    const validate = (m: Recommender) => {
      seen.push(m.nUsers);
      return 0;
    };
    const res = await fitLightGcn(data, { epochs: 2, evalEvery: 1, threads: 1, maxInteractions: 200 }, { validate }, { path: 'cpu' });
    expect(res.sample).toMatchObject({ ofUsers: data.nUsers, ofInteractions: data.users.length, reason: 'option' });
    expect(res.sample!.interactions).toBeLessThanOrEqual(200);
    expect(res.model.nUsers).toBe(data.nUsers);
    expect(res.model.userEmbeddings().length).toBe(data.nUsers * res.model.d);
    expect(seen).toEqual([data.nUsers, data.nUsers]);
    await res.model.close();
    const whole = await fitLightGcn(data, { epochs: 1, threads: 1 }, {}, { path: 'cpu' });
    expect(whole.sample).toBeUndefined();
    await whole.model.close();
    await expectRejectCode(fitLightGcn(data, { epochs: 1, maxInteractions: 0 }, {}, { path: 'cpu' }), 'BAD_REQUEST');
  });

  it("'auto' samples the largest user set whose model fits the 4 GiB arena", () => {
    // 200,000 users with 2 interactions each at d = 1024: 8 buffers × 200,050 × 1024 floats ≈ 6.6 GB, over the limit.
    const nUsers = 200_000;
    const big: Interactions = { nUsers, nItems: 50, users: Int32Array.from({ length: 2 * nUsers }, (_, t) => t >> 1), items: Int32Array.from({ length: 2 * nUsers }, (_, t) => t % 50) };
    const o = resolveOptions({ embeddingSize: 1024 }, big.users.length);
    expect(LIGHTGCN_DEFAULTS.maxInteractions).toBe('auto');
    const plan = planUserSample(big, o, undefined, false);
    expect(plan.reason).toBe('arena');
    const k = plan.sample!.users.length;
    const shape = (users: number) => ({ users, items: 50, entities: 0, interactions: 2 * users, knowledge: 0, d: 1024, batch: o.batchSize, candidates: o.dnsCandidates });
    expect(trainingArenaBytes(shape(k))).toBeLessThanOrEqual(2 ** 32);
    expect(trainingArenaBytes(shape(k + 1))).toBeGreaterThan(2 ** 32);
    expect(k).toBeGreaterThan(100_000);
    expect(k).toBeLessThan(nUsers);
  });
});
