/**
 * Small hand-built projections for the CLI tests: two datasets (`a:` and `b:`) so bare-id resolution has both a
 * unique and an ambiguous case, a knowledge relation whose name needs CSV quoting, and a fractional weight.
 */
import { buildCsr, INTERACTION_RELATION, KIND_CODES, type Csr } from '../../src/project/csr.ts';

export const TINY_KEYS = ['User:a:u:1', 'User:a:u:2', 'User:b:u:2', 'Item:a:i:10', 'Item:a:i:11', 'Item:a:i:12', 'Entity:a:e:x'] as const;

/** Users a:u:1, a:u:2, b:u:2; items a:i:10..12; entity a:e:x; relation "genre, main" (needs quoting). */
export function tinyCsr(): Csr {
  const ids = [...TINY_KEYS];
  const kinds = [KIND_CODES.User, KIND_CODES.User, KIND_CODES.User, KIND_CODES.Item, KIND_CODES.Item, KIND_CODES.Item, KIND_CODES.Entity];
  const e = (src: number, dst: number, weight: number, relation: number) => ({ src, dst, weight, relation });
  const list = [e(0, 3, 5, 0), e(0, 4, 3.5, 0), e(1, 4, 4, 0), e(1, 5, 0.1, 0), e(2, 3, 1, 0), e(3, 6, 1, 1), e(4, 6, 1, 1)];
  return buildCsr({
    ids,
    kinds,
    relations: [INTERACTION_RELATION, 'genre, main'],
    edges: {
      src: Uint32Array.from(list.map((x) => x.src)),
      dst: Uint32Array.from(list.map((x) => x.dst)),
      weight: Float32Array.from(list.map((x) => x.weight)),
      relation: Uint16Array.from(list.map((x) => x.relation)),
    },
  });
}
