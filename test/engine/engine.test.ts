import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectSharedGarbageOnDrop, sharedGarbage } from '../../src/core/shared-arrays.ts';
import { Engine, type EngineUpdate } from '../../src/engine/engine.ts';
import { evidenceTablesOf } from '../../src/explain/evidence.ts';
import { createEmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { LiveUpdates, withEngineUpdates } from '../../src/engine/live.ts';
import { buildNameIndex } from '../../src/explain/grounding.ts';
import { GuardedLlm, type LlmClient } from '../../src/explain/llm/client.ts';
import { buildCsr, KIND_CODES } from '../../src/project/csr.ts';
import { canonicalOf, csrInput, demoGraph } from '../retrieve/fixtures.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { tinyMoviesEngine } from '../helpers/tiny-movies.ts';

/** u1 rated a; u2 rated a and b; a and c share director d; item e is isolated. */
function graph() {
  const ids = ['User:u1', 'User:u2', 'Item:a', 'Item:b', 'Item:c', 'Entity:d', 'Item:e'];
  const K = KIND_CODES;
  return buildCsr({
    ids,
    kinds: Uint8Array.from([K.User, K.User, K.Item, K.Item, K.Item, K.Entity, K.Item]),
    relations: ['INTERACTED', 'director'],
    edges: {
      src: Uint32Array.of(0, 1, 1, 2, 4),
      dst: Uint32Array.of(2, 2, 3, 5, 5),
      weight: Float32Array.of(5, 4, 5, 1, 1),
      relation: Uint16Array.of(0, 0, 0, 1, 1),
    },
  });
}
const labels = new Map([
  ['Item:a', 'Alien'],
  ['Item:b', 'Blade Runner'],
  ['Item:c', 'Gladiator'],
  ['Item:e', 'Heat'],
  ['Entity:d', 'Ridley Scott'],
]);

class ScriptedLlm implements LlmClient {
  readonly name = 'scripted';
  calls = 0;
  constructor(private readonly answers: string[]) {}
  async complete(): Promise<string> {
    return this.answers[Math.min(this.calls++, this.answers.length - 1)]!;
  }
  async close(): Promise<void> {}
}

describe('Engine', () => {
  it('recommends unseen items and makes recorded interactions visible to the next request', async () => {
    let engine: Engine | undefined = new Engine({ csr: graph(), labels });
    const first = engine.recommend({ user: 'u1', k: 3, strategy: 'ppr' });
    expect(first.items.map((i) => i.id)).not.toContain('a');
    const store = new MemoryGraphStore();
    await store.upsertUsers([{ id: 'u1' }, { id: 'u2' }]);
    await store.upsertItems(['a', 'b', 'c', 'e'].map((id) => ({ id, title: labels.get(`Item:${id}`)! })));
    const live = new LiveUpdates({ coalesceMs: 0, maxApplyShare: 1 });
    live.attach(engine);
    const observed = withEngineUpdates(store, live);
    await observed.recordInteractions([{ eventId: 'x', userId: 'u1', itemId: 'b', kind: 'rating', rating: 5, weight: 5, ts: 1 }]);
    expect(engine.version).toBe(1);
    expect(engine.recommend({ user: 'u1', k: 3, strategy: 'ppr' }).items.map((i) => i.id)).not.toContain('b');
    engine = undefined;
  });

  it('serves a verified LLM explanation, and the template when the model names something outside the evidence', async () => {
    const good = new ScriptedLlm(['Because you loved Alien, you might enjoy Gladiator, also directed by Ridley Scott.']);
    const engine = new Engine({ csr: graph(), labels, llm: new GuardedLlm(good) });
    const explained = await engine.explain({ user: 'u1', item: 'c' }, 'text');
    expect(explained.explanation).toMatchObject({ source: 'llm', model: 'scripted' });
    expect(explained.evidence!.paths.length).toBeGreaterThan(0);
    // Cached: the second call does not ask the model again.
    await engine.explain({ user: 'u1', item: 'c' }, 'text');
    expect(good.calls).toBe(1);

    const bad = new ScriptedLlm(['You will love Heat, a classic.', 'Heat is great.']);
    const strict = new Engine({ csr: graph(), labels, llm: new GuardedLlm(bad) });
    const fallback = await strict.explain({ user: 'u1', item: 'c' }, 'text');
    expect(fallback.explanation!.source).toBe('template');
    expect(fallback.explanation!.text).toContain('Ridley Scott');
    expect(bad.calls).toBe(2); // regenerated once, then the template
  });

  it('without an LLM serves the template; explain=paths gives evidence only', async () => {
    const engine = new Engine({ csr: graph(), labels });
    expect((await engine.explain({ user: 'u1', item: 'c' }, 'text')).explanation).toMatchObject({ source: 'template', fallbackReason: 'no LLM configured' });
    const paths = await engine.explain({ user: 'u1', item: 'c' }, 'paths');
    expect(paths.explanation).toBeUndefined();
    expect(paths.evidence!.item.label).toBe('Gladiator');
    expect(buildNameIndex([{ key: 'x', name: 'Heat (1995)' }]).byName.has('heat')).toBe(true);
  });
});

describe('Engine: item property filters across writes', () => {
  it("compares each version's props: a write that changes an item's props is seen by the next filtered request", () => {
    const engine = tinyMoviesEngine({ itemProps: new Map([['Item:a', { year: 1979 }], ['Item:b', { year: 1982 }], ['Item:c', { year: 1942 }]]) });
    // User u1 has rated a only.
    const filtered = (year: number) => engine.recommend({ user: 'User:u1', k: 10, filters: { itemProps: { year } } }).items.map((i) => i.id).sort();
    // The first filtered request builds the version's list of props; the next ones read it.
    expect(filtered(1982)).toEqual(['b']);
    expect(filtered(1942)).toEqual(['c']);
    expect(filtered(1979)).toEqual([]);
    engine.applyUpdates({ items: [{ id: 'b', title: 'Blade Runner', props: { year: 1979 } }, { id: 'd', title: 'Gladiator', props: { year: 2000 } }] });
    expect(filtered(1979)).toEqual(['b']);
    expect(filtered(1982)).toEqual([]);
    expect(filtered(2000)).toEqual(['d']);
    expect(filtered(1942)).toEqual(['c']);
  });
});

describe('Engine.warm', () => {
  it('builds the request path ahead and leaves every answer as a cold engine gives it', () => {
    const warmed = new Engine({ csr: graph(), labels });
    expect(warmed.warm()).toBeGreaterThanOrEqual(0);
    const cold = new Engine({ csr: graph(), labels });
    for (const strategy of ['hybrid', 'ppr', 'popular'] as const) {
      expect(warmed.recommend({ user: 'u1', k: 3, strategy })).toEqual(cold.recommend({ user: 'u1', k: 3, strategy }));
    }
    expect(warmed.evidence({ user: 'User:u1', item: 'c' })).toEqual(cold.evidence({ user: 'User:u1', item: 'c' }));
  });
});

describe('Engine.setEmbeddings (vectors trained while serving)', () => {
  it('serves PPR / popular / hybrid without vectors, then adds the embedding strategy when they are swapped in', () => {
    const engine = new Engine({ csr: graph(), labels });
    expect(engine.strategies).toEqual({ live: ['hybrid', 'ppr', 'popular'], pending: ['embedding'], hybridParts: ['ppr', 'knowledge'], embeddingSearch: 'none' });
    const before = engine.recommend({ user: 'User:u1', k: 2, strategy: 'embedding' });
    expect(before.fallbackUsed).toBe(true);
    const version = engine.version;
    // 2-d vectors: u1 points at b, away from c and e.
    engine.setEmbeddings(
      createEmbeddingIndex({
        dim: 2,
        userKeys: ['User:u1', 'User:u2'],
        userVectors: Float32Array.of(1, 0, 0, 1),
        itemKeys: ['Item:a', 'Item:b', 'Item:c', 'Item:e'],
        itemVectors: Float32Array.of(0.5, 0.5, 2, 0, -1, 0, -2, 0),
      }),
    );
    expect(engine.strategies.live).toEqual(['hybrid', 'ppr', 'embedding', 'popular']);
    expect(engine.strategies.pending).toEqual([]);
    expect(engine.strategies.embeddingSearch).toBe('exact');
    expect(engine.strategies.hybridParts).toContain('embedding');
    const after = engine.recommend({ user: 'User:u1', k: 1, strategy: 'embedding' });
    expect(after.fallbackUsed).toBe(false);
    expect(after.items.map((i) => i.id)).toEqual(['b']);
    expect(engine.version).toBe(version);
  });

  it('keeps the transition and the knowledge lists (they do not depend on the vectors), and answers as an engine built with the vectors', () => {
    const vectors = createEmbeddingIndex({
      dim: 2,
      userKeys: ['User:u1', 'User:u2'],
      userVectors: Float32Array.of(1, 0, 0, 1),
      itemKeys: ['Item:a', 'Item:b', 'Item:c', 'Item:e'],
      itemVectors: Float32Array.of(0.5, 0.5, 2, 0, -1, 0, -2, 0),
    });
    const csr = graph();
    const engine = new Engine({ csr, labels });
    engine.warm();
    const { transition } = engine.context;
    const lists = engine.context.knowledgeLists.peek();
    expect(lists).toBeDefined();
    engine.setEmbeddings(vectors);
    expect(engine.context.transition).toBe(transition);
    expect(engine.context.knowledgeLists()).toBe(lists);
    const built = new Engine({ csr, labels, context: { embeddings: vectors } });
    for (const strategy of ['hybrid', 'ppr', 'embedding', 'popular'] as const) {
      for (const user of ['User:u1', 'User:u2']) expect(engine.recommend({ user, k: 3, strategy })).toEqual(built.recommend({ user, k: 3, strategy }));
    }
    // An engine given another engine's transition and lists (engine/replicas) answers as one that built its own.
    const given = new Engine({ csr, labels, prebuilt: { transition, ...(lists ? { knowledgeLists: lists } : {}) } });
    expect(given.context.transition).toBe(transition);
    expect(given.context.knowledgeLists()).toBe(lists);
    for (const strategy of ['hybrid', 'ppr', 'popular'] as const) expect(given.recommend({ user: 'User:u2', k: 3, strategy })).toEqual(new Engine({ csr, labels }).recommend({ user: 'User:u2', k: 3, strategy }));
  });
});

describe('Engine memory across live writes', () => {
  it('does not keep the CSR it was built from once a live write replaced it', async () => {
    // The collector, reachable from a test (the flag takes effect for contexts made after it is set).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Built inside a function, so this test holds the first CSR only through the weak reference.
    const make = (): { engine: Engine; first: WeakRef<Uint32Array> } => {
      const csr = graph();
      const engine = new Engine({ csr, labels, values: { kinds: ['rating'], user: Uint32Array.of(0, 1, 1), item: Uint32Array.of(2, 2, 3), kind: new Uint16Array(3), raw: Float64Array.of(5, 4, 5) } });
      engine.warm();
      return { engine, first: new WeakRef(csr.outTargets) };
    };
    const { engine, first } = make();
    engine.applyUpdates({ edges: [{ userId: 'u1', itemId: 'c', kinds: [{ kind: 'rating', weight: 4 }] }] });
    expect(engine.context.csr.outTargets).not.toBe(first.deref());
    // A weak reference's target lives at least to the end of the task that read it.
    for (let round = 0; round < 3 && first.deref() !== undefined; round++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
    expect(first.deref()).toBeUndefined();
    expect(engine.recommend({ user: 'User:u1', k: 2 }).items.length).toBeGreaterThan(0);
  });

  it('hands the shared arrays of its first version that a live write replaced to the collector of shared garbage', () => {
    const was = collectSharedGarbageOnDrop(false);
    try {
      const engine = new Engine({ csr: graph(), labels, values: { kinds: ['rating'], user: Uint32Array.of(0, 1, 1), item: Uint32Array.of(2, 2, 3), kind: new Uint16Array(3), raw: Float64Array.of(5, 4, 5) } });
      engine.warm();
      const first = engine.context.transition;
      // The first version's transition is on shared buffers (engine/replicas' copies read it).
      expect(first.weights.buffer).toBeInstanceOf(SharedArrayBuffer);
      const before = sharedGarbage().pendingBytes;
      engine.applyUpdates({ edges: [{ userId: 'u1', itemId: 'c', kinds: [{ kind: 'rating', weight: 4 }] }] });
      const next = engine.context.transition;
      expect(next.weights).not.toBe(first.weights);
      const dropped = sharedGarbage().pendingBytes - before;
      expect(dropped).toBeGreaterThanOrEqual(first.weights.buffer.byteLength);
      // A second write drops nothing shared: what live writes build is ordinary.
      const mid = sharedGarbage().pendingBytes;
      engine.applyUpdates({ edges: [{ userId: 'u2', itemId: 'c', kinds: [{ kind: 'rating', weight: 2 }] }] });
      expect(sharedGarbage().pendingBytes).toBe(mid);
    } finally {
      collectSharedGarbageOnDrop(was);
    }
  });
});

describe('Engine with sharedVersions', () => {
  it('builds every version a live write makes on shared buffers and hands each replaced one to the collector of shared garbage', () => {
    const was = collectSharedGarbageOnDrop(false);
    try {
      const values = { kinds: ['rating'], user: Uint32Array.of(0, 1, 1), item: Uint32Array.of(2, 2, 3), kind: new Uint16Array(3), raw: Float64Array.of(5, 4, 5) };
      const engine = new Engine({ csr: graph(), labels, values, sharedVersions: true });
      engine.warm();
      engine.applyUpdates({ edges: [{ userId: 'u1', itemId: 'c', kinds: [{ kind: 'rating', weight: 4 }] }] });
      const first = engine.context;
      expect(first.transition.weights.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(first.csr.outTargets.buffer).toBeInstanceOf(SharedArrayBuffer);
      const before = sharedGarbage().pendingBytes;
      // A write that adds a user too: the renumbered version is shared as well.
      engine.applyUpdates({ users: [{ id: 'n1' }], edges: [{ userId: 'n1', itemId: 'c', kinds: [{ kind: 'rating', weight: 2 }] }] });
      const next = engine.context;
      expect(next.csr.outTargets).not.toBe(first.csr.outTargets);
      expect(next.csr.outTargets.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(next.transition.weights.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(sharedGarbage().pendingBytes - before).toBeGreaterThanOrEqual(first.csr.outTargets.buffer.byteLength + first.transition.weights.buffer.byteLength);
      // The answers are those of an engine without the setting given the same writes.
      const plain = new Engine({ csr: graph(), labels, values: { ...values, user: values.user.slice(), item: values.item.slice(), raw: values.raw.slice() } });
      plain.applyUpdates({ edges: [{ userId: 'u1', itemId: 'c', kinds: [{ kind: 'rating', weight: 4 }] }] });
      plain.applyUpdates({ users: [{ id: 'n1' }], edges: [{ userId: 'n1', itemId: 'c', kinds: [{ kind: 'rating', weight: 2 }] }] });
      expect(plain.context.csr.outTargets.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      for (const user of ['User:u1', 'User:u2', 'User:n1']) expect(engine.recommend({ user, k: 4 })).toEqual(plain.recommend({ user, k: 4 }));
    } finally {
      collectSharedGarbageOnDrop(was);
    }
  });
});

describe('Engine versions adopted by a copy', () => {
  it("a copy that adopts each version holds the serving engine's arrays and answers as it does; it applies no writes itself", () => {
    const values = () => ({ kinds: ['rating'], user: Uint32Array.of(0, 1, 1), item: Uint32Array.of(2, 2, 3), kind: new Uint16Array(3), raw: Float64Array.of(5, 4, 5) });
    const csr = graph();
    const serving = new Engine({ csr, labels, values: values() });
    serving.warm();
    serving.shareVersions();
    const lists = serving.context.knowledgeLists();
    const copy = new Engine({ csr, labels, values: values(), prebuilt: { transition: serving.context.transition, knowledgeLists: lists } });
    const sameAnswers = () => {
      for (const user of ['User:u1', 'User:u2', 'User:u9', 'User:new'].filter((u) => serving.context.csr.index.has(u))) {
        for (const strategy of ['hybrid', 'ppr', 'popular'] as const) expect(copy.recommend({ user, k: 4, strategy }), `${user} ${strategy}`).toEqual(serving.recommend({ user, k: 4, strategy }));
        const item = serving.recommend({ user, k: 1 }).items[0];
        if (item) expect(copy.evidence({ user, item: item.id })).toEqual(serving.evidence({ user, item: item.id }));
      }
    };
    const batches = [
      // A new pair: the transition and the context patched.
      { edges: [{ userId: 'u1', itemId: 'c', kinds: [{ kind: 'rating', weight: 4 }] }] },
      // A new user and item: the nodes renumbered, the context patched with the renumbering (the copy's too).
      { users: [{ id: 'new' }], items: [{ id: 'f', title: 'Fargo', props: { year: 1996 } }], edges: [{ userId: 'new', itemId: 'f', kinds: [{ kind: 'rating', weight: 5 }] }, { userId: 'new', itemId: 'a', kinds: [{ kind: 'rating', weight: 3 }] }] },
      // A title alone.
      { items: [{ id: 'a', title: 'Aliens' }] },
    ];
    for (const batch of batches) {
      const hadSides = copy.context.solver.sides !== undefined;
      serving.applyUpdates(batch);
      const version = serving.versionForCopies();
      copy.adopt(version);
      // The copy carries its component sides over (renumbered when the batch added nodes), as the serving engine does.
      if (hadSides) expect(copy.context.solver.sides).toEqual(serving.context.solver.sides);
      expect(copy.version).toBe(serving.version);
      const [a, b] = [copy.context, serving.context];
      expect(a.transition).toBe(b.transition);
      expect(a.csr.outTargets).toBe(b.csr.outTargets);
      expect([...a.csr.ids]).toEqual([...b.csr.ids]);
      expect(a.knowledgeLists()).toBe(b.knowledgeLists());
      // What the serving engine's writes built is on shared buffers, for copies in other threads.
      expect(b.transition.weights.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(b.csr.outTargets.buffer).toBeInstanceOf(SharedArrayBuffer);
      sameAnswers();
    }
    // Name indexes compared by what they hold (their storage is private: a `toEqual` of the objects compares nothing).
    expect([...copy.names.byName]).toEqual([...serving.names.byName]);
    expect([...copy.names.bySquashed]).toEqual([...serving.names.bySquashed]);
    expect(copy.recommend({ user: 'User:u1', k: 5, filters: { itemProps: { year: 1996 } } })).toEqual(serving.recommend({ user: 'User:u1', k: 5, filters: { itemProps: { year: 1996 } } }));
    // Versions in order only, and no write of its own once it adopts.
    expect(() => copy.adopt(serving.versionForCopies())).toThrow(/does not follow/);
    expect(() => copy.applyUpdates({ edges: [{ userId: 'u2', itemId: 'c', kinds: [{ kind: 'rating', weight: 1 }] }] })).toThrow(/does not apply writes/);
  });
});

describe('Engine: writes that add users and items', () => {
  // A canonical graph (as a projection numbers it), so that the new nodes land between the old ones.
  const demo = demoGraph({ users: 25, items: 30 });
  const start = canonicalOf(demo.csr);
  const rawOf = (key: string) => key.slice(key.indexOf(':') + 1);
  const batchArb = fc.record({
    users: fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    items: fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    edges: fc.array(fc.tuple(fc.nat(1000), fc.nat(1000), fc.constantFrom(1, 3, 5)), { minLength: 1, maxLength: 5 }),
    // An existing item retitled, and the title each new item takes: some shared (up to punctuation and case), so that
    // the reload tells them apart ("Heat [#id]") and a write can relabel another item.
    retitle: fc.option(fc.nat(1000), { nil: undefined }),
    titles: fc.array(fc.constantFrom('Heat', 'heat!', 'Alien', 'Gladiator (2000)', 'unique'), { minLength: 3, maxLength: 3 }),
  });

  it('after each of 20 random batches (chained): the same graph, transition, answers and evidence as an engine built on that graph, with the derived parts renumbered, not derived again; a copy adopting each version answers alike', () => {
    const names = new Map(demo.names);
    const engine = new Engine({ csr: start, labels: names });
    engine.warm();
    engine.shareVersions();
    // A copy that adopts each version (engine/replicas): patched with the same renumbering, not rebuilt.
    const copy = new Engine({ csr: start, labels: new Map(demo.names), prebuilt: { transition: engine.context.transition, knowledgeLists: engine.context.knowledgeLists() } });
    copy.warm();
    let titles = 0;
    fc.assert(
      fc.property(batchArb, ({ users, items, edges, retitle, titles: pool }) => {
        const csr0 = engine.context.csr;
        const ofKind = (kind: number) => [...csr0.ids].filter((_, v) => csr0.kinds[v] === kind).map(rawOf);
        // Answers and evidence before the write build the sides, lists and tables that the write then carries over.
        const someUser = ofKind(KIND_CODES.User).find((user) => engine.recommend({ user, k: 1 }).items.length > 0)!;
        engine.evidence({ user: someUser, item: engine.recommend({ user: someUser, k: 1 }).items[0]!.id });
        const newUsers = [...new Set(users.map((u) => `n${u}`))].filter((u) => !csr0.index.has(`User:${u}`));
        const newItems = [...new Set(items.map((i) => `n${i}`))].filter((i) => !csr0.index.has(`Item:${i}`));
        const userPool = [...new Set([...newUsers, ...ofKind(KIND_CODES.User)])];
        const itemPool = [...new Set([...newItems, ...ofKind(KIND_CODES.Item)])];
        const update: EngineUpdate = {
          users: newUsers.map((id) => ({ id })),
          items: [
            ...newItems.map((id, j) => ({ id, title: pool[j % pool.length] === 'unique' ? `Title ${titles++}` : pool[j % pool.length]! })),
            ...(retitle === undefined ? [] : [{ id: ofKind(KIND_CODES.Item)[retitle % ofKind(KIND_CODES.Item).length]!, title: pool[2]! }]),
          ],
          // Every other edge starts at a new node of the batch when there is one.
          edges: edges.map(([u, i, w], k) => ({ userId: userPool[k % 2 === 0 ? u % Math.max(1, newUsers.length) : u % userPool.length]!, itemId: itemPool[k % 2 === 0 ? i % Math.max(1, newItems.length) : i % itemPool.length]!, kinds: [{ kind: 'rating', weight: w }] })),
        };
        for (const i of update.items!) names.set(`Item:${i.id}`, i.title);
        expect(engine.context.solver.sides).toBeDefined();
        engine.applyUpdates(update);
        const ctx = engine.context;
        // Carried over: the sides without a first query, the evidence tables without a first evidence.
        expect(ctx.solver.sides).toBeDefined();
        expect(evidenceTablesOf(ctx.csr)).toBeDefined();
        const version = engine.versionForCopies();
        copy.adopt(version);
        if (version.ids) expect(version.renumbering).toBeDefined();
        expect(copy.context.solver.sides).toEqual(ctx.solver.sides);
        const fresh = new Engine({ csr: buildCsr(csrInput(ctx.csr)), labels: names });
        expect([...ctx.csr.ids]).toEqual([...fresh.context.csr.ids]);
        // The name index and the keyword matcher, changed at the written titles only, hold what a build holds.
        const held = (e: Engine) => ({ byName: new Map([...e.names.byName].map(([n, keys]) => [n, [...keys]])), bySquashed: new Map([...e.names.bySquashed].map(([n, keys]) => [n, [...keys]])), maxTokens: e.names.maxTokens });
        expect(held(engine)).toEqual(held(fresh));
        expect(held(copy)).toEqual(held(fresh));
        for (const q of ['heat', 'alien', 'gladiator 2000', 'title 3', 'item']) {
          expect(ctx.keywords!.match(q, { limit: 50 }), q).toEqual(fresh.context.keywords!.match(q, { limit: 50 }));
          expect(copy.context.keywords!.match(q, { limit: 50 }), q).toEqual(fresh.context.keywords!.match(q, { limit: 50 }));
        }
        for (const field of ['starts', 'neighbors', 'weights', 'strength', 'invStrength', 'dangling'] as const) expect(Array.from(ctx.transition[field]), field).toEqual(Array.from(fresh.context.transition[field]));
        expect(Array.from(ctx.popularOrder)).toEqual(Array.from(fresh.context.popularOrder));
        for (const user of [...ctx.csr.ids].filter((_, v) => ctx.csr.kinds[v] === KIND_CODES.User).map(rawOf)) {
          for (const strategy of ['hybrid', 'ppr', 'popular'] as const) expect(engine.recommend({ user, k: 5, strategy }), `${user} ${strategy}`).toEqual(fresh.recommend({ user, k: 5, strategy }));
          expect(copy.recommend({ user, k: 5 }), `${user} on the copy`).toEqual(engine.recommend({ user, k: 5 }));
        }
        for (const e of update.edges!.slice(0, 3)) {
          const item = engine.recommend({ user: e.userId, k: 1 }).items[0];
          if (item) expect(engine.evidence({ user: e.userId, item: item.id })).toEqual(fresh.evidence({ user: e.userId, item: item.id }));
        }
      }),
      { seed: 20261207, numRuns: 20 },
    );
  });
});
