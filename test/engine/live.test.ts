/**
 * engine/live: item and user writes reach the engine's labels, keyword/search index and grounding name index at
 * once (issue 11.5); committed writes are coalesced into one patch; a write accepted before the engine exists is
 * applied when it attaches.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { LiveUpdates, withEngineUpdates } from '../../src/engine/live.ts';
import { searchNodes } from '../../src/retrieve/search.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { tinyMovies } from '../helpers/tiny-movies.ts';

/** The tiny movie graph in a memory store, the engine over its projection, and the wrapped store (writes applied at once by default). */
async function setup(coalesceMs = 0, sliceMs?: number) {
  const raw = new MemoryGraphStore();
  const { csr, labels } = tinyMovies();
  await raw.upsertUsers(['u1', 'u2', 'u3'].map((id) => ({ id })));
  await raw.upsertItems(['a', 'b', 'c', 'd'].map((id) => ({ id, title: labels.get(`Item:${id}`)! })));
  await raw.upsertEntities([{ id: 'rs', kind: 'person', name: 'Ridley Scott' }]);
  await raw.upsertKnowledge(['a', 'd'].map((id) => ({ head: { kind: 'Item' as const, id }, relation: 'director', tail: { kind: 'Entity' as const, id: 'rs' } })));
  const rated: Array<[string, string, number]> = [['u1', 'a', 5], ['u2', 'a', 4], ['u2', 'b', 5], ['u3', 'b', 4], ['u3', 'c', 5]];
  await raw.recordInteractions(rated.map(([u, i, r], j) => ({ eventId: `seed-${j}`, userId: u, itemId: i, kind: 'rating', rating: r, weight: r, ts: 1 })));
  const engine = new Engine({ csr, labels });
  const live = new LiveUpdates({ coalesceMs, maxApplyShare: 1, ...(sliceMs !== undefined ? { sliceMs } : {}) });
  live.attach(engine);
  return { engine, live, store: withEngineUpdates(raw, live) };
}

const search = (engine: Engine, q: string) => searchNodes(engine.context, { q, kinds: ['Item'], limit: 5, offset: 0 }).results.map((r) => [r.id, r.label]);

describe('engine/live', () => {
  it('a title edit is visible at once in recommendations, explanations, search and the grounding name index', async () => {
    const { engine, store } = await setup();
    expect(engine.recommend({ user: 'u1', k: 5, strategy: 'ppr' }).items.find((i) => i.id === 'd')?.title).toBe('Gladiator');
    await store.upsertItems([{ id: 'd', title: 'Gladiator Extended Cut' }]);
    expect(engine.recommend({ user: 'u1', k: 5, strategy: 'ppr' }).items.find((i) => i.id === 'd')?.title).toBe('Gladiator Extended Cut');
    const explained = await engine.explain({ user: 'u1', item: 'd' }, 'text');
    expect(explained.evidence!.item.label).toBe('Gladiator Extended Cut');
    expect(explained.explanation!.text).toContain('Gladiator Extended Cut');
    expect(search(engine, 'extended cut')).toEqual([['d', 'Gladiator Extended Cut']]);
    const namesOfD = [...engine.names.byName].filter(([, keys]) => keys.has('Item:d')).map(([name]) => name);
    expect(namesOfD.some((name) => name.includes('extended'))).toBe(true);
  });

  it('a new item is explained by its title and found by search', async () => {
    const { engine, store } = await setup();
    await store.upsertItems([{ id: 'e', title: 'Prometheus' }]);
    expect(search(engine, 'prometheus')).toEqual([['e', 'Prometheus']]);
    // u2 shares Alien with u1 and rates the new item: ppr reaches it, and the explanation names it.
    await store.recordInteractions([{ eventId: 'new-1', userId: 'u2', itemId: 'e', kind: 'rating', rating: 5, weight: 5, ts: 2 }]);
    const recs = engine.recommend({ user: 'u1', k: 5, strategy: 'ppr' });
    expect(recs.items.map((i) => [i.id, i.title])).toContainEqual(['e', 'Prometheus']);
    const explained = await engine.explain({ user: 'u1', item: 'e' }, 'text');
    expect(explained.explanation!.text).toContain('Prometheus');
    expect(explained.explanation!.text).not.toContain('Item:e');
  });

  it('coalesces writes into one patch and applies a write accepted before the engine exists when it attaches', async () => {
    const { engine, live, store } = await setup(60_000);
    const version = engine.version;
    await store.recordInteractions([{ eventId: 'c1', userId: 'u1', itemId: 'b', kind: 'click', weight: 1, ts: 3 }]);
    await store.recordInteractions([{ eventId: 'c2', userId: 'u1', itemId: 'c', kind: 'click', weight: 1, ts: 3 }]);
    expect(live.stats.pending).toBe(2);
    expect(engine.version).toBe(version);
    live.flush();
    expect(engine.version).toBe(version + 1);
    expect(engine.recommend({ user: 'u1', k: 5, strategy: 'ppr' }).items.map((i) => i.id)).not.toContain('b');

    const later = new LiveUpdates({ coalesceMs: 0, maxApplyShare: 1 });
    const booting = withEngineUpdates(new MemoryGraphStore(), later);
    await booting.upsertUsers([{ id: 'u9' }]);
    await booting.upsertItems([{ id: 'z', title: 'Zardoz' }]);
    await booting.recordInteractions([{ eventId: 'b1', userId: 'u9', itemId: 'z', kind: 'purchase', weight: 1 }]);
    const fresh = new Engine(tinyMovies());
    later.attach(fresh);
    const edge = fresh.context.csr.outTargets[fresh.context.csr.outStarts[fresh.context.csr.index.get('User:u9')!]!];
    expect(fresh.context.csr.ids.at(edge!)).toBe('Item:z');
    expect(search(fresh, 'zardoz')).toEqual([['z', 'Zardoz']]);
  });

  it('under a stream of writes, applications take at most maxApplyShare of the time; every write still arrives', async () => {
    // An engine whose application costs 30 ms of event-loop time, as a large graph's block copies do.
    const applied: Array<{ start: number; end: number; edges: number }> = [];
    const applyUpdates = (update: { edges?: readonly unknown[] }): number => {
      const start = performance.now();
      while (performance.now() - start < 30);
      applied.push({ start, end: performance.now(), edges: update.edges?.length ?? 0 });
      return performance.now() - start;
    };
    // In one piece either way: its whole time counts.
    const slow = { applyUpdates, applyUpdatesInSlices: (update: { edges?: readonly unknown[] }) => Promise.resolve(applyUpdates(update)) } as unknown as Engine;
    const edge = (n: number) => ({ userId: `u${n}`, itemId: 'a', kinds: [{ kind: 'click', weight: 1 }] });
    const run = async (maxApplyShare: number) => {
      applied.length = 0;
      const live = new LiveUpdates({ coalesceMs: 0, maxApplyShare });
      live.attach(slow);
      let n = 0;
      for (const t0 = performance.now(); performance.now() - t0 < 500; n++) {
        live.add({ edges: [edge(n)] });
        await new Promise((r) => setTimeout(r, 2));
      }
      await live.settled();
      // Share of the time spent applying over whole cycles (an application and the wait after it).
      const cycles = applied.slice(0, -1).reduce((sum, a) => sum + a.end - a.start, 0) / (applied.at(-1)!.start - applied[0]!.start);
      const gaps = applied.slice(1).map((a, j) => a.start - applied[j]!.end);
      return { written: n, cycles, gaps, edges: applied.reduce((sum, a) => sum + a.edges, 0), stats: live.stats };
    };
    const unbounded = await run(1);
    const bounded = await run(0.25);
    // Every write reaches the engine either way.
    expect(unbounded.edges).toBe(unbounded.written);
    expect(bounded.edges).toBe(bounded.written);
    expect(bounded.stats.pending).toBe(0);
    expect(bounded.stats.lastApplyMs).toBeGreaterThanOrEqual(30);
    // Without the bound the loop is busy applying nearly all the time; with 0.25 each application waits 3× its own
    // time after the one before (a Node timer may fire up to a millisecond early), so they take about a quarter.
    expect(unbounded.cycles).toBeGreaterThan(0.6);
    expect(bounded.gaps.length).toBeGreaterThanOrEqual(3);
    for (const gap of bounded.gaps) expect(gap).toBeGreaterThanOrEqual(3 * 30 - 2);
    expect(bounded.cycles).toBeLessThanOrEqual(0.27);
  });

  it('applies in slices after the wait: settled() waits for the changes pending when asked, and later ones follow', async () => {
    const { engine, live, store } = await setup(5, 1);
    const has = (user: string, item: string) => {
      const csr = engine.context.csr;
      const u = csr.index.get(`User:${user}`)!;
      const i = csr.index.get(`Item:${item}`);
      return i !== undefined && Array.from(csr.outTargets.subarray(csr.outStarts[u]!, csr.outStarts[u + 1]!)).includes(i);
    };
    await store.recordInteractions([{ eventId: 's1', userId: 'u1', itemId: 'b', kind: 'click', weight: 1, ts: 3 }]);
    expect(has('u1', 'b')).toBe(false); // waits 5 ms
    await live.settled();
    expect(has('u1', 'b')).toBe(true);
    // A write while an application runs goes into the next one; settled() resolves once it is in.
    await store.recordInteractions([{ eventId: 's2', userId: 'u1', itemId: 'c', kind: 'click', weight: 1, ts: 3 }]);
    const first = live.settled();
    await new Promise((r) => setTimeout(r, 6));
    await store.recordInteractions([{ eventId: 's3', userId: 'u3', itemId: 'a', kind: 'click', weight: 1, ts: 3 }]);
    await first;
    await live.settled();
    expect(has('u1', 'c') && has('u3', 'a')).toBe(true);
    expect(live.stats.pending).toBe(0);
    expect(live.stats.applied).toBeGreaterThanOrEqual(2);
  });

  it('a mirror hears the end of each application that made a version, in one piece and in slices, and nothing after detach', async () => {
    for (const sliceMs of [0, 1]) {
      const { engine, live, store } = await setup(2, sliceMs);
      // The version the engine holds when the mirror hears it: the application is complete by then.
      const heard: number[] = [];
      live.attach(engine, () => heard.push(engine.version));
      await store.recordInteractions([{ eventId: 'm1', userId: 'u1', itemId: 'b', kind: 'click', weight: 1, ts: 3 }]);
      await live.settled();
      expect(heard, `sliceMs ${sliceMs}`).toEqual([1]);
      await store.upsertItems([{ id: 'e', title: 'Elsewhere' }]);
      await store.upsertUsers([{ id: 'u4' }]);
      await store.recordInteractions([{ eventId: 'm2', userId: 'u4', itemId: 'e', kind: 'click', weight: 1, ts: 3 }]);
      await live.settled();
      expect(heard).toEqual([1, 2]);
      // A user the engine has already: the application changes nothing, and makes no version to hear.
      await store.upsertUsers([{ id: 'u1' }]);
      await live.settled();
      expect(engine.version).toBe(2);
      expect(heard).toEqual([1, 2]);
      live.detach();
      await store.recordInteractions([{ eventId: 'm3', userId: 'u2', itemId: 'c', kind: 'click', weight: 1, ts: 3 }]);
      live.flush();
      expect(heard).toHaveLength(2);
    }
  });

  it('onApplied hears the end of each application, with the error of one that failed', async () => {
    const { engine } = await setup();
    const ends: unknown[] = [];
    const live = new LiveUpdates({ coalesceMs: 0, maxApplyShare: 1, sliceMs: 0, onApplied: (error) => ends.push(error) });
    live.attach(engine);
    live.add({ edges: [{ userId: 'u1', itemId: 'c', kinds: [{ kind: 'click', weight: 1 }] }] });
    live.add({ users: [{ id: 'u9' }] });
    expect(ends).toEqual([undefined, undefined]);
    engine.applyUpdates = () => {
      throw new Error('broken');
    };
    live.add({ users: [{ id: 'u10' }] });
    expect(ends).toHaveLength(3);
    expect((ends[2] as Error).message).toBe('broken');
  });

  it('rejects a share outside (0, 1] and a negative wait', () => {
    expect(() => new LiveUpdates({ maxApplyShare: 0 })).toThrow(/maxApplyShare/);
    expect(() => new LiveUpdates({ maxApplyShare: 1.5 })).toThrow(/maxApplyShare/);
    expect(() => new LiveUpdates({ coalesceMs: -1 })).toThrow(/coalesceMs/);
    expect(() => new LiveUpdates({ sliceMs: -1 })).toThrow(/sliceMs/);
  });
});
