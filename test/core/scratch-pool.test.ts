/**
 * core/scratch-pool: claims hand one scratch from holder to holder (reset, then prepared for the new holder), a holder
 * that lost its scratch claims it back, a graph that outgrows the room gets a new one, and the pool keeps no holder's
 * closures alive. The path search with a pool across two versions of a graph (explain/paths) finds what a finder with
 * its own beams finds, its calls interleaved; the retrieval side is checked in test/retrieve/context-patch.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { buildTransition } from '../../src/compute/ppr/transition.ts';
import { claimer, scratchCapacity, ScratchPool, type PooledScratch } from '../../src/core/scratch-pool.ts';
import { fullCollector } from '../../src/core/shared-arrays.ts';
import { createPathFinder, type PathFacts } from '../../src/explain/paths.ts';
import { addInteractions } from '../../src/project/csr-update.ts';
import { KIND_CODES } from '../../src/project/csr.ts';
import { demoGraph } from '../retrieve/fixtures.ts';

class Marks implements PooledScratch {
  readonly mark: Uint8Array;
  resets = 0;
  constructor(readonly capacity: number) {
    this.mark = new Uint8Array(capacity);
  }
  reset(): void {
    this.mark.fill(0);
    this.resets++;
  }
}

describe('scratch pool', () => {
  it('hands one scratch between holders, each claim reset and prepared for its holder', () => {
    const pool = new ScratchPool();
    const prepared: string[] = [];
    const a = claimer(pool, 'marks', 100, (capacity) => new Marks(capacity), () => prepared.push('a'));
    const b = claimer(pool, 'marks', 100, (capacity) => new Marks(capacity), () => prepared.push('b'));
    const sa = a();
    expect(sa.capacity).toBe(scratchCapacity(100));
    sa.mark[7] = 1;
    expect(a()).toBe(sa); // still held: no claim
    expect(prepared).toEqual(['a']);
    const sb = b();
    expect(sb).toBe(sa); // the same arrays, reset for b
    expect(sb.mark[7]).toBe(0);
    expect(prepared).toEqual(['a', 'b']);
    expect(pool.holds('marks', {})).toBe(false);
    // a lost it: its next use claims it back, reset and prepared again.
    sb.mark[3] = 1;
    expect(a()).toBe(sa);
    expect(sa.mark[3]).toBe(0);
    expect(prepared).toEqual(['a', 'b', 'a']);
    expect(pool.counts).toEqual({ made: 1, reused: 2 });
  });

  it('gives a holder with more nodes than the room a new scratch; the room takes a few inserted nodes', () => {
    const pool = new ScratchPool();
    const first = claimer(pool, 'marks', 1000, (capacity) => new Marks(capacity))();
    expect(claimer(pool, 'marks', 1001, (capacity) => new Marks(capacity))()).toBe(first);
    const bigger = claimer(pool, 'marks', first.capacity + 1, (capacity) => new Marks(capacity))();
    expect(bigger).not.toBe(first);
    expect(bigger.capacity).toBe(scratchCapacity(first.capacity + 1));
    // Other keys are other slots.
    expect(claimer(pool, 'other', 10, (capacity) => new Marks(capacity))()).not.toBe(bigger);
  });

  it('without a pool a holder makes its own scratch, sized to its nodes, prepared once', () => {
    let prepares = 0;
    const own = claimer(undefined, 'marks', 50, (capacity) => new Marks(capacity), () => prepares++);
    expect(own()).toBe(own());
    expect(own().capacity).toBe(50);
    expect(prepares).toBe(1);
  });

  it('keeps no holder alive: what a dropped holder captured is collected while the pool lives', async () => {
    const collect = fullCollector();
    if (!collect) return; // the collector cannot be exposed here (core/shared-arrays says when)
    const pool = new ScratchPool();
    // A holder whose closures capture a large graph array, made and dropped in a function of its own.
    const weak = (() => {
      const graph = new Float64Array(1 << 20);
      const get = claimer(pool, 'marks', 64, (capacity) => new Marks(capacity), (s) => void (s.mark[0] = graph[0]!));
      get();
      return new WeakRef(graph);
    })();
    claimer(pool, 'marks', 64, (capacity) => new Marks(capacity))();
    // A weak reference made in this task holds its target until the task ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collect();
    expect(weak.deref()).toBeUndefined();
  });
});

describe('path search with beams from a pool', () => {
  it('finds the same paths across two versions of a graph as finders with their own beams, calls interleaved', () => {
    const { csr } = demoGraph({ users: 25, items: 30 });
    const users = [...csr.ids].flatMap((id, v) => (csr.kinds[v] === KIND_CODES.User ? [id] : []));
    const items = [...csr.ids].flatMap((id, v) => (csr.kinds[v] === KIND_CODES.Item ? [id] : []));
    const next = addInteractions(csr, users.slice(0, 6).map((userId, j) => ({ userId, itemId: items[(j * 7) % items.length]!, weight: 5 })), { onExisting: 'replace', createNodes: false }).csr;
    const pool = new ScratchPool();
    const facts: PathFacts = {};
    const versions = [csr, next].map((g) => ({
      g,
      pooled: createPathFinder(g, buildTransition(g), {}, { pool, facts }),
      own: createPathFinder(g, buildTransition(g)),
    }));
    const paths = (finder: ReturnType<typeof createPathFinder>, g: typeof csr, u: string, i: string) => JSON.stringify(finder.find(g.index.get(u)!, g.index.get(i)!));
    let compared = 0;
    for (const u of users.slice(0, 10)) {
      for (const i of items.slice(0, 6)) {
        // The newer version, then the older one, then the newer again: the beams move between them on each call.
        for (const { g, pooled, own } of [versions[1]!, versions[0]!, versions[1]!]) {
          expect(paths(pooled, g, u, i)).toBe(paths(own, g, u, i));
          compared++;
        }
      }
    }
    expect(compared).toBe(180);
    expect(pool.counts.made).toBe(1);
    expect(pool.counts.reused).toBeGreaterThan(100);
    // The facts were derived once and hold for the written version (live writes add user–item edges only).
    // User–item and item–entity only: bits 3·User + Item, 3·Item + User, 3·Item + Entity, 3·Entity + Item.
    expect(facts.kindLinks).toBe((1 << 1) | (1 << 3) | (1 << 5) | (1 << 7));
  });
});
