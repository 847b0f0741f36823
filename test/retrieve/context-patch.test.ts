/**
 * retrieve/context `patchRecommendContext` (and compute/ppr `patchTransition`): after random batches of interaction
 * writes (new edges, re-weighted edges, weights set to 0, items gaining their first interaction), the patched context
 * equals a context built from scratch — same transition arrays, popularity, popular order, embedding fold-in — and
 * every strategy answers every user identically.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { componentSides } from '../../src/compute/ppr/push.ts';
import { ScratchPool } from '../../src/core/scratch-pool.ts';
import { fullCollector } from '../../src/core/shared-arrays.ts';
import { buildTransition, patchTransition } from '../../src/compute/ppr/transition.ts';
import { addInteractions, insertNodes } from '../../src/project/csr-update.ts';
import { KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { createRecommendContext, patchRecommendContext, type RecommendContext, type RecommendContextInput } from '../../src/retrieve/context.ts';
import { createEmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { recommend } from '../../src/retrieve/recommend.ts';
import { canonicalOf, demoGraph } from './fixtures.ts';

const { csr: base, labels } = demoGraph({ users: 30, items: 40 });
const nodesOf = (kind: number) => [...base.ids].filter((_, v) => base.kinds[v] === kind);
const USERS = nodesOf(KIND_CODES.User);
const ITEMS = nodesOf(KIND_CODES.Item);
// Vectors for most users and for half the items: the rest fold in from their knowledge neighbours.
const dim = 3;
const vec = (j: number) => [Math.sin(j), Math.cos(j * 0.7), Math.sin(j * 1.3 + 1)];
const input: RecommendContextInput = {
  labels,
  embeddings: createEmbeddingIndex({
    dim,
    itemKeys: ITEMS.filter((_, j) => j % 2 === 0),
    itemVectors: Float32Array.from(ITEMS.filter((_, j) => j % 2 === 0).flatMap((_, j) => vec(j))),
    userKeys: USERS.slice(0, 25),
    userVectors: Float32Array.from(USERS.slice(0, 25).flatMap((_, j) => vec(j + 100))),
  }),
};

function sameArrays(a: RecommendContext, b: RecommendContext): void {
  for (const field of ['starts', 'neighbors', 'weights', 'strength', 'invStrength', 'dangling'] as const) {
    expect(Array.from(a.transition[field]), field).toEqual(Array.from(b.transition[field]));
  }
  expect(Array.from(a.popularity)).toEqual(Array.from(b.popularity));
  expect(Array.from(a.popularOrder)).toEqual(Array.from(b.popularOrder));
  expect(Array.from(a.tailOrder())).toEqual(Array.from(b.tailOrder()));
  expect(a.embeddings?.itemKeys).toEqual(b.embeddings?.itemKeys);
  expect(Array.from(a.embeddings?.itemVectors ?? [])).toEqual(Array.from(b.embeddings?.itemVectors ?? []));
  expect(Array.from(a.itemRows ?? [])).toEqual(Array.from(b.itemRows ?? []));
}

function answers(ctx: RecommendContext, users: readonly string[] = USERS): unknown[] {
  return users.flatMap((key) =>
    (['ppr', 'hybrid', 'embedding', 'popular'] as const).map((strategy) => {
      const r = recommend(ctx, { user: key.slice('User:'.length), k: 8, strategy });
      return [key, strategy, r.items.map((i) => [i.id, i.score])];
    }),
  );
}

const writeArb = fc.array(fc.tuple(fc.nat(USERS.length - 1), fc.nat(ITEMS.length - 1), fc.constantFrom(0, 0.5, 1, 2, 3, 4, 5, 17)), { minLength: 1, maxLength: 12 });

describe('patched retrieval context = rebuilt context', () => {
  // The second case cuts the knowledge walk's lists at 2 items per entity, so writes that move an item's popularity
  // re-cut the lists of its broad entities. Each round's answers build the lists and the push solver's component
  // sides, so the next patch carries them over (or finds that the write changed the components).
  // The third case hands the request scratch from version to version through a pool (core/scratch-pool); the rebuilt
  // context it is compared with has its own scratch, and answering both in turn moves the pool's scratch back and forth.
  it.each([
    ['default options', input],
    ['knowledge lists cut at 2 items', { ...input, options: { knowledgeMaxEntityItems: 2 } }],
    ['a scratch pool handed between versions', { ...input, scratchPool: new ScratchPool() }],
  ] as const)('after each of 40 random write batches (chained), %s: same arrays, same answers for every user and strategy', (_, input) => {
    let csr: Csr = base;
    let patched = createRecommendContext(csr, input);
    const carried = { sides: 0, sidesRebuilt: 0, listsRecut: 0, tailOrders: 0 };
    fc.assert(
      fc.property(writeArb, (writes) => {
        const result = addInteractions(csr, writes.map(([u, i, w]) => ({ userId: USERS[u]!, itemId: ITEMS[i]!, weight: w })), { onExisting: 'replace', createNodes: false });
        const touched = writes.flatMap(([u, i]) => [result.csr.index.get(USERS[u]!)!, result.csr.index.get(ITEMS[i]!)!]);
        csr = result.csr;
        expect(patchTransition(patched.transition, csr, touched)).toEqual(buildTransition(csr));
        const lists = patched.knowledgeLists.peek();
        if (patched.tailOrder.peek()) carried.tailOrders++;
        const older = patched;
        const olderAnswers = answers(older);
        patched = patchRecommendContext(patched, csr, touched, input);
        if (patched.solver.sides) carried.sides++;
        else carried.sidesRebuilt++;
        const rebuilt = createRecommendContext(csr, { ...input, scratchPool: undefined });
        sameArrays(patched, rebuilt);
        expect(answers(patched)).toEqual(answers(rebuilt));
        // The older version still answers as it did after the newer one took the scratch.
        expect(answers(older)).toEqual(olderAnswers);
        const [a, b] = [patched.knowledgeLists(), rebuilt.knowledgeLists()];
        for (const field of ['step', 'listStart', 'listNode', 'listWeight', 'broad'] as const) expect(Array.from(a[field]), field).toEqual(Array.from(b[field]));
        if (lists && a !== lists) carried.listsRecut++;
        // The component sides the patch carried over are those of the new graph (up to the colouring of a component
        // that is not bipartite, which the tail does not use).
        const fresh = componentSides(patched.transition);
        expect(Array.from(patched.solver.sides!.component)).toEqual(Array.from(fresh.component));
        expect(Array.from(patched.solver.sides!.strengthBySide)).toEqual(Array.from(fresh.strengthBySide));
      }),
      { seed: 20261204, numRuns: 40 },
    );
    // Both paths ran: sides carried over and rebuilt (writes that cut a user off or join components), lists re-cut.
    expect(carried.sides).toBeGreaterThan(0);
    expect(carried.sidesRebuilt).toBeGreaterThan(0);
    if (input.options?.knowledgeMaxEntityItems === 2) expect(carried.listsRecut).toBeGreaterThan(0);
    expect(carried.tailOrders).toBeGreaterThan(0);
    if (input.scratchPool) expect(input.scratchPool.counts.reused).toBeGreaterThan(0);
  });

  it('an item that gains its first interaction gets its learned status back (fold-in redone)', () => {
    // Remove every interaction of one item (weight 0 keeps the edge but the walk drops it; popularity counts edges).
    const item = ITEMS.find((key) => createRecommendContext(base, input).popularity[base.index.get(key)!]! === 0) ?? ITEMS[ITEMS.length - 1]!;
    const ctx = createRecommendContext(base, input);
    const user = USERS.find((u) => addInteractions(base, [{ userId: u, itemId: item, weight: 1 }]).addedEdges === 1)!;
    const next = addInteractions(base, [{ userId: user, itemId: item, weight: 4 }], { createNodes: false }).csr;
    const patched = patchRecommendContext(ctx, next, [next.index.get(user)!, next.index.get(item)!], input);
    sameArrays(patched, createRecommendContext(next, input));
  });

  it('a user whose every edge is set to 0 becomes dangling, and back', () => {
    const ctx = createRecommendContext(base, input);
    const u = base.index.get(USERS[3]!)!;
    const items = Array.from(base.outTargets.subarray(base.outStarts[u]!, base.outStarts[u + 1]!), (v) => base.ids.at(v)!);
    const zero = addInteractions(base, items.map((itemId) => ({ userId: USERS[3]!, itemId, weight: 0 })), { createNodes: false }).csr;
    const touched = [u, ...items.map((key) => base.index.get(key)!)];
    const patched = patchRecommendContext(ctx, zero, touched, input);
    expect(Array.from(patched.transition.dangling)).toContain(u);
    sameArrays(patched, createRecommendContext(zero, input));
    const back = addInteractions(zero, [{ userId: USERS[3]!, itemId: items[0]!, weight: 2 }], { createNodes: false }).csr;
    sameArrays(patchRecommendContext(patched, back, touched, input), createRecommendContext(back, input));
  });

  it('holds no earlier version: a patched context lets its predecessor go, whatever it built or left to build', async () => {
    const collect = fullCollector();
    if (!collect) return; // the collector cannot be exposed here (core/shared-arrays says when)
    // Versions whose lazy parts were built (answers) and versions whose parts are left to build when the next patch
    // comes, so that each kind of carried part (built, or left as a closure) is checked.
    const chain = (built: boolean): { last: RecommendContext; first: WeakRef<RecommendContext> } => {
      let csr: Csr = base;
      let ctx = createRecommendContext(csr, input);
      answers(ctx);
      const first = new WeakRef(ctx);
      for (let j = 0; j < 4; j++) {
        // Every other write adds a user (the context patched with a renumbering).
        const inserted = j % 2 === 1 ? insertNodes(csr, [{ id: `User:added${j}`, kind: KIND_CODES.User }]) : { csr, renumbering: undefined };
        const userId = inserted.renumbering ? `User:added${j}` : USERS[j]!;
        const result = addInteractions(inserted.csr, [{ userId, itemId: ITEMS[j + 3]!, weight: 5 }], { onExisting: 'replace', createNodes: false });
        csr = result.csr;
        ctx = patchRecommendContext(ctx, csr, [csr.index.get(userId)!, csr.index.get(ITEMS[j + 3]!)!], input, undefined, inserted.renumbering);
        if (built) answers(ctx);
      }
      return { last: ctx, first };
    };
    const kept = [chain(true), chain(false)];
    // A weak reference made in this task holds its target until the task ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collect();
    for (const { last, first } of kept) {
      expect(first.deref()).toBeUndefined();
      expect(last.csr.nodeCount).toBe(base.nodeCount + 2);
    }
  });

  it('refuses a graph with other nodes', () => {
    const ctx = createRecommendContext(base, input);
    const grown = addInteractions(base, [{ userId: 'User:new', itemId: ITEMS[0]!, weight: 1 }]).csr;
    expect(() => patchRecommendContext(ctx, grown, [0], input)).toThrow(/same nodes/);
    expect(() => patchRecommendContext(ctx, grown, [0], input, undefined, { oldToNew: new Uint32Array(3), nodeCount: grown.nodeCount })).toThrow(/same nodes/);
  });
});

/** Every field of the push solver's component sides equals a fresh `componentSides` of the same transition. */
function sameSides(ctx: RecommendContext): void {
  const fresh = componentSides(ctx.transition);
  const sides = ctx.solver.sides!;
  expect(sides.count).toBe(fresh.count);
  for (const field of ['component', 'side', 'bipartite', 'strengthBySide'] as const) expect(Array.from(sides[field]), field).toEqual(Array.from(fresh[field]));
}

describe('renumbered retrieval context (new users and items) = rebuilt context', () => {
  // New users and items land between the old ones (canonical order), then some of the batch's writes join them to
  // the graph. The context is patched with the renumbering in one step, as engine/engine applies such a batch, and
  // also in two: renumbered alone (no written rows), then patched at the written rows.
  const start = canonicalOf(base);
  const batchArb = fc.record({
    users: fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    items: fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    writes: fc.array(fc.tuple(fc.nat(1000), fc.nat(1000), fc.constantFrom(0, 1, 3, 5)), { maxLength: 6 }),
  });
  it.each([
    ['default options', input],
    ['knowledge lists cut at 2 items', { ...input, options: { knowledgeMaxEntityItems: 2 } }],
    ['a scratch pool handed between versions', { ...input, scratchPool: new ScratchPool() }],
  ] as const)('after each of 30 random batches (chained), %s: same arrays, component sides and answers', (_, input) => {
    let csr = start;
    let ctx = createRecommendContext(csr, input);
    const seen = { renumbered: 0, sidesKept: 0, merged: 0 };
    fc.assert(
      fc.property(batchArb, ({ users, items, writes }) => {
        answers(ctx); // builds the component sides and the tail order, so that they carry over
        ctx.knowledgeLists();
        const nodes = [...users.map((id) => ({ id: `User:${id}`, kind: KIND_CODES.User })), ...items.map((id) => ({ id: `Item:${id}`, kind: KIND_CODES.Item }))];
        const inserted = insertNodes(csr, nodes);
        let next = ctx;
        if (inserted.renumbering) {
          seen.renumbered++;
          next = patchRecommendContext(ctx, inserted.csr, [], input, undefined, inserted.renumbering);
          const rebuilt = createRecommendContext(inserted.csr, { ...input, scratchPool: undefined });
          sameArrays(next, rebuilt);
          sameSides(next);
        }
        const userIds = [...inserted.csr.ids].filter((_, v) => inserted.csr.kinds[v] === KIND_CODES.User);
        const itemIds = [...inserted.csr.ids].filter((_, v) => inserted.csr.kinds[v] === KIND_CODES.Item);
        const fresh = new Set(nodes.map((n) => n.id));
        // Half of the writes name a node of this batch when it has one.
        const pick = (ids: string[], j: number, k: number) => {
          const mine = ids.filter((id) => fresh.has(id));
          return mine.length > 0 && k % 2 === 0 ? mine[j % mine.length]! : ids[j % ids.length]!;
        };
        const written = writes.map(([u, i, w], k) => ({ userId: pick(userIds, u, k), itemId: pick(itemIds, i, k + 1), weight: w }));
        const result = addInteractions(inserted.csr, written, { onExisting: 'replace', createNodes: false });
        const touched = written.flatMap((w) => [result.csr.index.get(w.userId)!, result.csr.index.get(w.itemId)!]);
        const sides = next.solver.sides;
        const twoSteps = patchRecommendContext(next, result.csr, touched, input);
        ctx = patchRecommendContext(ctx, result.csr, touched, input, undefined, inserted.renumbering);
        csr = result.csr;
        if (ctx.solver.sides) {
          seen.sidesKept++;
          if (ctx.solver.sides.count < sides!.count) seen.merged++;
        }
        const rebuilt = createRecommendContext(csr, { ...input, scratchPool: undefined });
        sameArrays(ctx, rebuilt);
        sameArrays(twoSteps, rebuilt);
        expect([...ctx.csr.ids]).toEqual([...rebuilt.csr.ids]);
        const everyUser = [...csr.ids].filter((_, v) => csr.kinds[v] === KIND_CODES.User);
        expect(answers(ctx, everyUser)).toEqual(answers(rebuilt, everyUser));
        expect(answers(twoSteps, everyUser)).toEqual(answers(rebuilt, everyUser));
        const [a, b] = [ctx.knowledgeLists(), rebuilt.knowledgeLists()];
        for (const field of ['step', 'listStart', 'listNode', 'listWeight', 'broad'] as const) expect(Array.from(a[field]), field).toEqual(Array.from(b[field]));
        if (ctx.solver.sides) sameSides(ctx);
        if (twoSteps.solver.sides) sameSides(twoSteps);
      }),
      { seed: 20261207, numRuns: 30 },
    );
    // Batches that added nodes, and writes that joined a new node's component to another one, both ran.
    expect(seen.renumbered).toBeGreaterThan(10);
    expect(seen.merged).toBeGreaterThan(5);
    expect(seen.sidesKept).toBeGreaterThan(20);
  });
});
