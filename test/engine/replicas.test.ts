/**
 * engine/replicas: copies of the serving engine in worker threads rank exactly as the serving engine does — before
 * any write, after live updates (new pairs, new users, new items) that engine/live hands them, and after vectors are
 * swapped in — and a copy that is behind, busy or closed never answers in the serving engine's place.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { recommendRoutes } from '../../src/api/routes/recommend.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { loadConfig } from '../../src/core/config.ts';
import { AppError } from '../../src/core/errors.ts';
import { log } from '../../src/core/log.ts';
import { engineFrom, type EngineState } from '../../src/engine/boot.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { LiveUpdates } from '../../src/engine/live.ts';
import type { EmbeddingVectors } from '../../src/engine/embeddings.ts';
import { COPY_HEADROOM, copiesThatFit, EngineReplicas, measuredMemory, replicaInputOf, sharingCost } from '../../src/engine/replicas.ts';
import { isShared } from '../../src/core/shared-arrays.ts';
import { evidenceTablesOf } from '../../src/explain/evidence.ts';
import { KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { csrFromParts } from '../../src/project/node-ids.ts';
import type { InteractionValues } from '../../src/project/interaction-values.ts';
import { createEmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import type { RecommendRequest } from '../../src/retrieve/recommend.ts';
import { demoGraph } from '../retrieve/fixtures.ts';

const { csr, names } = demoGraph({ users: 30, items: 40 });
const rawOf = (key: string) => key.slice(key.indexOf(':') + 1);
const idsOf = (graph: Csr, kind: number) => [...graph.ids].filter((_, v) => graph.kinds[v] === kind).map(rawOf);
const USERS = idsOf(csr, KIND_CODES.User);
const ITEMS = idsOf(csr, KIND_CODES.Item);

/** The stored values behind the fixture's interaction edges (one `rating` per pair, its weight as the value). */
function valuesOf(graph: Csr): InteractionValues {
  const user: number[] = [];
  const item: number[] = [];
  const raw: number[] = [];
  for (let u = 0; u < graph.nodeCount; u++) {
    if (graph.kinds[u] !== KIND_CODES.User) continue;
    for (let e = graph.outStarts[u]!; e < graph.outStarts[u + 1]!; e++) {
      if (graph.outRelations[e] !== 0) continue;
      user.push(u);
      item.push(graph.outTargets[e]!);
      raw.push(graph.outWeights[e]!);
    }
  }
  return { kinds: ['rating'], user: Uint32Array.from(user), item: Uint32Array.from(item), kind: new Uint16Array(user.length), raw: Float64Array.from(raw) };
}

const state: EngineState = { csr, values: valuesOf(csr), labels: new Map(names), itemProps: new Map(), interactionKind: { kind: 'rating', rated: true } };
const cfg = loadConfig();

/** Every user's answer for each strategy, as the serving engine ranks it. */
function requests(engine: Engine): RecommendRequest[] {
  const users = idsOf(engine.context.csr, KIND_CODES.User);
  return users.flatMap((user) => (['hybrid', 'ppr', 'popular', 'embedding'] as const).map((strategy) => ({ user, k: 6, strategy })));
}

async function expectSameAnswers(replicas: EngineReplicas, engine: Engine): Promise<void> {
  const before = replicas.stats.byReplica;
  for (const request of requests(engine)) {
    const ranked = await replicas.rank(engine, request);
    expect(ranked.version).toBe(engine.version);
    expect(ranked.result, JSON.stringify(request)).toEqual(engine.recommend(request));
  }
  // One request at a time: a current copy that is free takes every one of them.
  expect(replicas.stats.byReplica - before).toBe(requests(engine).length);
}

let open: EngineReplicas | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('engine/replicas', () => {
  it('copies rank as the serving engine does, before and after live updates that add pairs, users and items', async () => {
    const engine = engineFrom(state, cfg, undefined, { llm: false });
    const replicas = (open = EngineReplicas.start(engine, state, cfg, { threads: 2 }));
    // Not built yet: the serving engine answers.
    const early = await replicas.rank(engine, { user: USERS[0]!, k: 5 });
    expect(early.result).toEqual(engine.recommend({ user: USERS[0]!, k: 5 }));
    await replicas.caughtUp();
    expect(replicas.stats).toMatchObject({ threads: 2, ready: 2, dropped: 0 });
    await expectSameAnswers(replicas, engine);

    const live = new LiveUpdates({ coalesceMs: 0, maxApplyShare: 1, sliceMs: 0 });
    live.attach(engine, () => replicas.adopt());
    const batches = [
      { edges: [{ userId: USERS[1]!, itemId: ITEMS[3]!, kinds: [{ kind: 'rating', weight: 5 }] }] },
      { users: [{ id: 'newcomer' }], edges: [{ userId: 'newcomer', itemId: ITEMS[0]!, kinds: [{ kind: 'rating', weight: 4 }] }] },
      { items: [{ id: 'fresh', title: 'A fresh item', props: { year: 2026 } }], edges: [{ userId: USERS[2]!, itemId: 'fresh', kinds: [{ kind: 'rating', weight: 5 }] }] },
      { edges: [{ userId: USERS[1]!, itemId: ITEMS[3]!, kinds: [{ kind: 'rating', weight: 1 }] }, { userId: 'newcomer', itemId: 'fresh', kinds: [{ kind: 'rating', weight: 3 }] }] },
    ];
    for (const batch of batches) {
      live.add(batch);
      await live.settled();
      // The copies have not adopted it yet: the serving engine answers, at its own version.
      const local = replicas.stats.local;
      const ranked = await replicas.rank(engine, { user: USERS[2]!, k: 5 });
      expect(ranked.version).toBe(engine.version);
      expect(replicas.stats.local).toBe(local + 1);
      await replicas.caughtUp();
      await expectSameAnswers(replicas, engine);
    }
    expect(engine.version).toBe(batches.length);
    // A burst: the copies adopt each version in order and end where the engine is.
    for (let j = 0; j < 12; j++) live.add({ edges: [{ userId: USERS[j % USERS.length]!, itemId: ITEMS[(3 * j + 1) % ITEMS.length]!, kinds: [{ kind: 'rating', weight: 1 + (j % 5) }] }] });
    await live.settled();
    await replicas.caughtUp();
    await expectSameAnswers(replicas, engine);
    // Each copy adopted each version the serving engine built.
    expect(replicas.stats.adoptions.count).toBe(2 * engine.version);
    expect(idsOf(engine.context.csr, KIND_CODES.Item)).toContain('fresh');
    // A filter on the new item's props reaches the copies' item props too.
    const filtered = await replicas.rank(engine, { user: USERS[0]!, k: 5, filters: { itemProps: { year: 2026 } } });
    expect(filtered.result.items.map((i) => i.id)).toEqual(['fresh']);
  });

  it('copies read the serving state, transition, knowledge lists and evidence tables on shared buffers, which no live write changes', async () => {
    const views = (o: object): ArrayBufferView[] => Object.values(o).filter((v): v is ArrayBufferView => ArrayBuffer.isView(v));
    // The fixture's arrays are ordinary: the copies' input holds them on shared buffers, copied there once.
    // The evidence tables exist once an evidence was built (warm-up builds one when its first user has an answer).
    const primeEvidence = (e: Engine) => {
      const user = USERS.map((raw) => e.resolveId('User', raw)).find((u) => e.recommend({ user: u, k: 1 }).items.length > 0)!;
      e.evidence({ user, item: e.recommend({ user, k: 1 }).items[0]!.id });
    };
    const plain = engineFrom(state, cfg, undefined, { llm: false });
    plain.warm();
    primeEvidence(plain);
    const cost = sharingCost(plain, state);
    const first = replicaInputOf(plain, state, cfg);
    expect(isShared(state.csr.outTargets)).toBe(false);
    const prebuilt = first.prebuilt!;
    const arrays = [...views(first.state.csr), ...views(first.state.values), ...views(prebuilt.transition), ...views(prebuilt.knowledgeLists!), ...views(prebuilt.evidenceTables!)];
    // Every typed array, the transition's small tables included.
    const shareable = arrays;
    expect(shareable.every(isShared)).toBe(true);
    // The transition and the lists are the serving engine's own, built on shared buffers (no copy).
    expect(prebuilt.transition.weights).toBe(plain.context.transition.weights);
    expect(prebuilt.knowledgeLists!.listNode).toBe(plain.context.knowledgeLists.peek()!.listNode);
    expect(prebuilt.evidenceTables!.intOut).toBe(evidenceTablesOf(state.csr)!.intOut);
    expect(prebuilt.transition.kinds).toBe(first.state.csr.kinds);
    const sharedBytes = [...new Set(shareable.map((a) => a.buffer))].reduce((sum, b) => sum + b.byteLength, 0);
    // What had to be copied onto shared buffers: everything but what the engine built there (its transition, lists and
    // tables; not the transition's small tables nor the CSR's node kinds it holds).
    const built = [...views(plain.context.transition), ...views(plain.context.knowledgeLists.peek()!), ...views(evidenceTablesOf(state.csr)!)].filter(isShared);
    const builtBytes = [...new Set(built.map((a) => a.buffer))].reduce((sum, b) => sum + b.byteLength, 0);
    expect(cost.toCopy).toBeGreaterThan(0);
    expect(cost.bytes - cost.toCopy).toBe(builtBytes);
    expect(measuredMemory(sharedBytes).perCopyBytes).toBeCloseTo((process.memoryUsage.rss() - sharedBytes) * COPY_HEADROOM, -8);

    // A serving state already on shared buffers (as a snapshot reads it) is handed over as it is.
    const sharedState: EngineState = { ...state, csr: csrFromParts(first.state.csr), values: first.state.values };
    const engine = engineFrom(sharedState, cfg, undefined, { llm: false });
    engine.warm();
    primeEvidence(engine);
    const input = replicaInputOf(engine, sharedState, cfg);
    const again = sharingCost(engine, sharedState);
    expect(again.toCopy).toBe(0);
    expect(input.state.csr.outTargets).toBe(sharedState.csr.outTargets);
    expect(input.state.values.raw).toBe(sharedState.values.raw);
    const held = [...views(input.state.csr), ...views(input.state.values), ...views(input.prebuilt!.transition), ...views(input.prebuilt!.knowledgeLists!), ...views(input.prebuilt!.evidenceTables!)].filter(isShared);
    expect(input.prebuilt!.evidenceTables!.intIn).toBe(evidenceTablesOf(sharedState.csr)!.intIn);
    const bytes = () => held.map((a) => Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).toString('base64'));
    const before = bytes();

    const replicas = (open = EngineReplicas.start(engine, sharedState, cfg, { threads: 1 }));
    await replicas.caughtUp();
    expect(replicas.stats.sharedMb).toBe(Math.round(again.bytes / 2 ** 20));
    // The copy's evidence, built on the tables it was given (and after writes on its own), is the serving engine's.
    const sameEvidence = async () => {
      for (const raw of USERS.slice(0, 6)) {
        const user = engine.resolveId('User', raw);
        const ranked = await replicas.rank(engine, { user, k: 4 }, { user });
        expect(ranked.evidence).toEqual(ranked.result.items.map((item) => engine.evidence({ user, item: item.id })));
      }
    };
    await expectSameAnswers(replicas, engine);
    await sameEvidence();
    const live = new LiveUpdates({ coalesceMs: 0, maxApplyShare: 1, sliceMs: 1 });
    live.attach(engine, () => replicas.adopt());
    // Re-weighted pairs (the transition and the knowledge lists patched), new pairs, a new user and a new item.
    for (const batch of [
      { edges: [{ userId: USERS[0]!, itemId: ITEMS[0]!, kinds: [{ kind: 'rating', weight: 1 }] }, { userId: USERS[4]!, itemId: ITEMS[9]!, kinds: [{ kind: 'rating', weight: 5 }] }] },
      { users: [{ id: 'later' }], items: [{ id: 'novel', title: 'A novel item' }], edges: [{ userId: 'later', itemId: 'novel', kinds: [{ kind: 'rating', weight: 4 }] }] },
    ]) {
      live.add(batch);
      await live.settled();
      await replicas.caughtUp();
      await expectSameAnswers(replicas, engine);
      await sameEvidence();
    }
    expect(engine.version).toBe(2);
    expect(engine.context.transition.weights).not.toBe(input.prebuilt!.transition.weights);
    expect(bytes()).toEqual(before);
    // With copies, what the writes built is on shared buffers: the copies adopted it instead of building their own.
    const { transition: now, csr: graphNow } = engine.context;
    expect([now.weights, now.neighbors, graphNow.outTargets, graphNow.inWeights, ...views(engine.context.knowledgeLists()), ...views(evidenceTablesOf(graphNow)!)].every(isShared)).toBe(true);
  });

  it('through the API: the same bodies with copies as without, for explain none, paths and text', async () => {
    const engine = engineFrom(state, cfg, undefined, { llm: false });
    const replicas = (open = EngineReplicas.start(engine, state, cfg, { threads: 1 }));
    await replicas.caughtUp();
    const store = new MemoryGraphStore();
    const base = async (withCopies: boolean) => {
      const routes = recommendRoutes({ store, cfg, engine: () => engine, ...(withCopies ? { rank: (e, request, evidenceFor) => replicas.rank(e, request, evidenceFor) } : {}) });
      const server = createServer(createApp({ store, cfg, routes }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    };
    const [plain, copied] = await Promise.all([base(false), base(true)]);
    try {
      for (const user of USERS.slice(0, 8)) {
        for (const explain of ['none', 'paths', 'text']) {
          const path = `/v1/users/${encodeURIComponent(user)}/recommendations?k=4&explain=${explain}`;
          const [a, b] = await Promise.all([plain.url, copied.url].map(async (url) => (await fetch(url + path)).json()));
          expect(b, path).toEqual(a);
        }
      }
      const missing = await fetch(`${copied.url}/v1/users/nobody/recommendations`);
      expect(missing.status).toBe(404);
      const refused = await fetch(`${copied.url}/v1/users/${encodeURIComponent(USERS[0]!)}/recommendations?k=0`);
      expect(refused.status).toBe(400);
    } finally {
      for (const { server } of [plain, copied]) server.close();
    }
    // Every ranking went to the copy, with its evidence for `paths` (one request at a time: the free copy takes each).
    expect(replicas.stats.byReplica).toBe(8 * 3);
  });

  it('a request the copy refuses is refused with the same error code', async () => {
    const engine = engineFrom(state, cfg, undefined, { llm: false });
    const replicas = (open = EngineReplicas.start(engine, state, cfg, { threads: 1 }));
    await replicas.caughtUp();
    const refused = replicas.rank(engine, { user: USERS[0]!, k: 0 });
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(() => engine.recommend({ user: USERS[0]!, k: 0 })).toThrow(AppError);
    expect(replicas.stats.byReplica).toBe(1);
  });

  it('a busy copy leaves the rest to the serving engine; rankings in flight at close are answered by it; with no copy current the engine ranks at once', async () => {
    const engine = engineFrom(state, cfg, undefined, { llm: false });
    const replicas = (open = EngineReplicas.start(engine, state, cfg, { threads: 1, maxQueued: 2 }));
    await replicas.caughtUp();
    const asked = USERS.slice(0, 6).map((user) => ({ user, k: 4 }));
    const answers = await Promise.all(asked.map((request) => replicas.rank(engine, request)));
    expect(answers.map((a) => a.result)).toEqual(asked.map((request) => engine.recommend(request)));
    // Two to the copy at once (maxQueued), the rest to the serving engine's queue, which runs one per turn; the copy
    // takes queued ones over as it answers.
    const split = replicas.stats;
    expect(split.byReplica + split.local).toBe(asked.length);
    expect(split.byReplica).toBeGreaterThanOrEqual(2);
    expect(split.local).toBeGreaterThanOrEqual(1);
    const inFlight = asked.slice(0, 2).map((request) => replicas.rank(engine, request));
    await replicas.close();
    expect((await Promise.all(inFlight)).map((a) => a.result)).toEqual(asked.slice(0, 2).map((request) => engine.recommend(request)));
    expect(replicas.stats).toMatchObject({ dropped: 1, ready: 0 });
    // Closed: the serving engine answers everything, at once (nothing else could take it).
    const local = replicas.stats.local;
    const atOnce = replicas.rank(engine, asked[0]!);
    expect(replicas.stats.local).toBe(local + 1);
    expect((await atOnce).result).toEqual(engine.recommend(asked[0]!));
  });

  it('vectors swapped in reach the copies; until a copy has them the serving engine answers', async () => {
    const engine = engineFrom(state, cfg, undefined, { llm: false });
    const replicas = (open = EngineReplicas.start(engine, state, cfg, { threads: 1 }));
    await replicas.caughtUp();
    const dim = 4;
    let seed = 7;
    const next = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const vectors: EmbeddingVectors = {
      dim,
      itemKeys: [...csr.ids].filter((_, v) => csr.kinds[v] === KIND_CODES.Item),
      userKeys: [...csr.ids].filter((_, v) => csr.kinds[v] === KIND_CODES.User),
      items: Float32Array.from({ length: ITEMS.length * dim }, next),
      users: Float32Array.from({ length: USERS.length * dim }, next),
    };
    engine.setEmbeddings(createEmbeddingIndex({ dim, itemKeys: vectors.itemKeys, itemVectors: vectors.items, userKeys: vectors.userKeys, userVectors: vectors.users }));
    replicas.setEmbeddings(vectors);
    const local = replicas.stats.local;
    const ranked = await replicas.rank(engine, { user: USERS[0]!, k: 5, strategy: 'embedding' });
    expect(ranked.result).toEqual(engine.recommend({ user: USERS[0]!, k: 5, strategy: 'embedding' }));
    expect(replicas.stats.local).toBe(local + 1);
    await replicas.caughtUp();
    await expectSameAnswers(replicas, engine);
    expect(engine.recommend({ user: USERS[0]!, k: 5, strategy: 'embedding' }).fallbackUsed).toBe(false);
  });

  it('copies start only from an engine no update has changed', () => {
    const engine = engineFrom(state, cfg, undefined, { llm: false });
    engine.applyUpdates({ users: [{ id: 'someone' }], edges: [{ userId: 'someone', itemId: ITEMS[1]!, kinds: [{ kind: 'rating', weight: 5 }] }] });
    expect(engine.version).toBe(1);
    expect(() => EngineReplicas.start(engine, state, cfg, { threads: 1 })).toThrow(/no live update/);
    const fresh = engineFrom(state, cfg, undefined, { llm: false });
    expect(() => EngineReplicas.start(fresh, state, cfg, { threads: -1 })).toThrow(/threads/);
  });

  it('starts only the copies that fit in the available memory; with none, the serving engine ranks', async () => {
    expect(copiesThatFit(3, { perCopyBytes: 100, availableBytes: 250 })).toBe(2);
    expect(copiesThatFit(3, { perCopyBytes: 100, availableBytes: 99 })).toBe(0);
    expect(copiesThatFit(2, { perCopyBytes: 100, availableBytes: 10_000 })).toBe(2);
    const measured = measuredMemory();
    expect(measured.perCopyBytes).toBeCloseTo(process.memoryUsage.rss() * COPY_HEADROOM, -8);
    expect(measured.availableBytes).toBeGreaterThan(0);

    const engine = engineFrom(state, cfg, undefined, { llm: false });
    // The fixture's arrays are not on shared buffers: copying them there once comes off the available memory first.
    const { toCopy } = sharingCost(engine, state);
    expect(toCopy).toBeGreaterThan(1000);
    const one = (open = EngineReplicas.start(engine, state, cfg, { threads: 2, memory: { perCopyBytes: 100, availableBytes: toCopy + 150 } }));
    expect(one.stats).toMatchObject({ threads: 1, notStarted: 1 });
    await one.caughtUp();
    expect(one.stats.ready).toBe(1);
    await one.close();
    const short = (open = EngineReplicas.start(engine, state, cfg, { threads: 2, memory: { perCopyBytes: 100, availableBytes: 150 } }));
    expect(short.stats).toMatchObject({ threads: 0, notStarted: 2 });
    await short.close();

    const none = (open = EngineReplicas.start(engine, state, cfg, { threads: 2, memory: { perCopyBytes: 100, availableBytes: 50 } }));
    expect(none.stats).toMatchObject({ threads: 0, notStarted: 2, ready: 0 });
    await none.caughtUp();
    const request = { user: USERS[1]!, k: 5 };
    expect((await none.rank(engine, request)).result).toEqual(engine.recommend(request));
    expect(none.stats).toMatchObject({ byReplica: 0, local: 1 });
  });

  it('warns when the copies and the serving thread are more threads than the cores', async () => {
    const engine = engineFrom(state, cfg, undefined, { llm: false });
    const warn = vi.spyOn(log, 'warn');
    try {
      const fits = { perCopyBytes: 1, availableBytes: 1e12 };
      const spare = (open = EngineReplicas.start(engine, state, cfg, { threads: 1, cores: 2, memory: fits }));
      expect(spare.stats).toMatchObject({ threads: 1, cores: 2 });
      expect(warn.mock.calls.filter(([message]) => message.includes('cores'))).toEqual([]);
      await spare.close();
      const over = (open = EngineReplicas.start(engine, state, cfg, { threads: 2, cores: 2, memory: fits }));
      expect(over.stats).toMatchObject({ threads: 2, cores: 2 });
      const said = warn.mock.calls.filter(([message]) => message.includes('cores')).map(([message]) => message);
      expect(said).toEqual(['engine/replicas: 2 copies and the serving thread are 3 ranking threads on 2 cores: they take turns instead of ranking at once (a local Neo4j shares the cores too); GRAPHREC_RANK_THREADS=1 gives each a core']);
    } finally {
      warn.mockRestore();
    }
  });
});
