import { describe, expect, it } from 'vitest';
import { interactionsFromCsr } from '../../src/engine/embeddings.ts';
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
