import { describe, expect, it } from 'vitest';
import { buildCsr, KIND_CODES } from '../../src/project/csr.ts';
import { LiveGraph, withLiveInteractions } from '../../src/engine/live-graph.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { seedsFromNodes } from '../../src/compute/ppr/seeds.ts';

function smallGraph() {
  const ids = ['User:u1', 'User:u2', 'Item:a', 'Item:b', 'Item:c'];
  const kinds = [KIND_CODES.User, KIND_CODES.User, KIND_CODES.Item, KIND_CODES.Item, KIND_CODES.Item];
  // u1–a, u2–a, u2–b
  return buildCsr({
    ids,
    kinds: Uint8Array.from(kinds),
    relations: ['INTERACTED'],
    edges: { src: Uint32Array.of(0, 1, 1), dst: Uint32Array.of(2, 2, 3), weight: Float32Array.of(5, 4, 3), relation: Uint16Array.of(0, 0, 0) },
  });
}

describe('LiveGraph', () => {
  it('makes an interaction recorded through the store visible to the next PPR query', async () => {
    const live = new LiveGraph(smallGraph());
    const store = new MemoryGraphStore();
    await store.upsertUsers([{ id: 'u1' }, { id: 'u2' }]);
    await store.upsertItems(['a', 'b', 'c'].map((id) => ({ id, title: id })));
    const observed = withLiveInteractions(store, live);

    const scoreOfC = () => {
      const { csr, solver } = live.current();
      const seeds = seedsFromNodes(csr, [{ kind: 'User', id: 'u1' }]);
      return solver.query(seeds).scores[csr.index.get('Item:c')!]!;
    };
    expect(scoreOfC()).toBe(0); // c is not connected yet
    const before = live.current().version;
    const result = await observed.recordInteractions([{ eventId: 'e1', userId: 'u2', itemId: 'c', kind: 'rating', rating: 5, weight: 5, ts: 1 }]);
    expect(result).toEqual({ recorded: 1, duplicates: 0 });
    expect(live.current().version).toBe(before + 1);
    expect(scoreOfC()).toBeGreaterThan(0); // u1 → a → u2 → c now carries mass
  });

  it('adds unknown users and items as new nodes, and forwards other calls unchanged', async () => {
    const live = new LiveGraph(smallGraph());
    expect(live.apply([{ userId: 'u9', itemId: 'z', weight: 1 }])).toEqual({ addedNodes: 2, addedEdges: 1, updatedEdges: 0 });
    expect(live.current().csr.index.has('User:u9')).toBe(true);
    const store = withLiveInteractions(new MemoryGraphStore(), live);
    expect(await store.counts()).toMatchObject({ users: 0 });
  });
});
