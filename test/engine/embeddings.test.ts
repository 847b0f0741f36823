import { describe, expect, it } from 'vitest';
import { fitInteractions, fitInteractionsInWorker, interactionsFromCsr } from '../../src/engine/embeddings.ts';
import { buildCsr, KIND_CODES } from '../../src/project/csr.ts';

describe('interactionsFromCsr', () => {
  it('renumbers users and items and keeps only interaction edges', () => {
    const ids = ['User:u1', 'Item:a', 'Entity:e', 'User:u2', 'Item:b'];
    const kinds = Uint8Array.from([KIND_CODES.User, KIND_CODES.Item, KIND_CODES.Entity, KIND_CODES.User, KIND_CODES.Item]);
    const csr = buildCsr({
      ids,
      kinds,
      relations: ['INTERACTED', 'director'],
      // u1→a, u2→a, u2→b (interactions), a→e (knowledge)
      edges: { src: Uint32Array.of(0, 3, 3, 1), dst: Uint32Array.of(1, 1, 4, 2), weight: Float32Array.of(1, 1, 1, 1), relation: Uint16Array.of(0, 0, 0, 1) },
    });
    const { data, userKeys, itemKeys } = interactionsFromCsr(csr);
    expect(userKeys).toEqual(['User:u1', 'User:u2']);
    expect(itemKeys).toEqual(['Item:a', 'Item:b']);
    expect({ nUsers: data.nUsers, nItems: data.nItems }).toEqual({ nUsers: 2, nItems: 2 });
    expect([...data.users].map((u, k) => `${u}-${data.items[k]}`).sort()).toEqual(['0-0', '1-0', '1-1']);
  });
});

describe('fitInteractionsInWorker', () => {
  it('trains in a worker thread to the same vectors as in this thread, and stops when aborted', async () => {
    // 12 users × 8 items, each user rating 4 items.
    const users: number[] = [];
    const items: number[] = [];
    for (let u = 0; u < 12; u++) {
      for (let k = 0; k < 4; k++) {
        users.push(u);
        items.push((u + 3 * k) % 8);
      }
    }
    const data = { nUsers: 12, nItems: 8, users: Int32Array.from(users), items: Int32Array.from(items) };
    const options = { epochs: 3, embeddingSize: 8, threads: 1 as const, batchSize: 16 };
    const here = await fitInteractions(data, options);
    const there = await fitInteractionsInWorker(data, options);
    expect(there.dim).toBe(8);
    expect(there.epochs).toBe(3);
    expect([...there.users]).toEqual([...here.users]);
    expect([...there.items]).toEqual([...here.items]);
    const abort = new AbortController();
    const cancelled = fitInteractionsInWorker(data, { ...options, epochs: 10_000 }, abort.signal);
    abort.abort();
    await expect(cancelled).rejects.toThrow('training cancelled');
  }, 60_000);
});
