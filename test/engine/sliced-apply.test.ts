/**
 * engine/engine `applyUpdatesInSlices`: the same batches of writes applied in slices (block copies queued and drained
 * with the event loop free in between) leave the engine exactly as `applyUpdates` does — the CSR, the transition, every
 * strategy's answer for every user, the evidence of written pairs — and a request made while an application is in
 * flight is answered from the version before it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type EngineUpdate } from '../../src/engine/engine.ts';
import { KIND_CODES } from '../../src/project/csr.ts';
import { demoGraph } from '../retrieve/fixtures.ts';

const { csr, names: labels } = demoGraph({ users: 30, items: 40 });
const rawOf = (key: string) => key.slice(key.indexOf(':') + 1);
const USERS = [...csr.ids].filter((_, v) => csr.kinds[v] === KIND_CODES.User).map(rawOf);
const ITEMS = [...csr.ids].filter((_, v) => csr.kinds[v] === KIND_CODES.Item).map(rawOf);

function state(engine: Engine): unknown {
  const ctx = engine.context;
  const arrays = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => ArrayBuffer.isView(v)).map(([k, v]) => [k, Array.from(v as Float64Array)]));
  const answers = [...ctx.csr.ids]
    .filter((_, v) => ctx.csr.kinds[v] === KIND_CODES.User)
    .map(rawOf)
    .flatMap((user) => (['hybrid', 'ppr', 'popular'] as const).map((strategy) => engine.recommend({ user, k: 6, strategy }).items.map((i) => [i.id, i.score])));
  return { version: engine.version, ids: ctx.csr.ids, csr: arrays(ctx.csr), transition: arrays(ctx.transition), popularity: Array.from(ctx.popularity), answers };
}

const batchArb = fc.record({
  edges: fc.array(fc.tuple(fc.nat(USERS.length - 1), fc.nat(ITEMS.length - 1), fc.constantFrom(0, 1, 3, 5)), { minLength: 1, maxLength: 6 }),
  newUser: fc.boolean(),
});

describe('engine/engine applyUpdatesInSlices', () => {
  it('after each of 25 random batches (chained; some add a user): the same engine as applyUpdates, evidence included', async () => {
    const sync = new Engine({ csr, labels });
    const sliced = new Engine({ csr, labels });
    // Evidence built before the writes, so that the writes carry its tables over (queued copies included).
    for (const engine of [sync, sliced]) engine.evidence({ user: USERS[0]!, item: ITEMS[0]! });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(batchArb, async ({ edges, newUser }) => {
        const update: EngineUpdate = {
          edges: edges.map(([u, i, w]) => ({ userId: USERS[u]!, itemId: ITEMS[i]!, kinds: [{ kind: 'rating', weight: w }] })),
        };
        if (newUser) update.edges = [...update.edges!, { userId: `new-${n++}`, itemId: ITEMS[0]!, kinds: [{ kind: 'rating', weight: 4 }] }];
        sync.applyUpdates(update);
        const before = state(sliced);
        const pending = sliced.applyUpdatesInSlices(update, 0);
        // In flight: requests see the version before it.
        expect(state(sliced)).toEqual(before);
        expect(() => sliced.applyUpdates(update)).toThrow(/in flight/);
        const busy = await pending;
        expect(busy).toBeGreaterThanOrEqual(0);
        expect(state(sliced)).toEqual(state(sync));
        const [u, i] = edges[0]!;
        expect(sliced.evidence({ user: USERS[u]!, item: ITEMS[(i + 1) % ITEMS.length]! })).toEqual(sync.evidence({ user: USERS[u]!, item: ITEMS[(i + 1) % ITEMS.length]! }));
      }),
      { seed: 20261206, numRuns: 25 },
    );
  });
});
