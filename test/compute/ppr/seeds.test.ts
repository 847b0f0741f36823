import { describe, expect, it } from 'vitest';
import { assertSeeds, makeSeedVector } from '../../../src/compute/ppr/seed-vector.ts';
import { historyWeights, seedsFromCsrHistory, seedsFromHistory, seedsFromNodes, seenItems } from '../../../src/compute/ppr/seeds.ts';
import { buildCsr, INTERACTION_RELATION } from '../../../src/project/csr.ts';
import { expectCode } from '../../helpers/errors.ts';

// Keys as project/load.ts writes them.
const csr = buildCsr({
  ids: ['User:u1', 'User:u2', 'Item:i1', 'Item:i2', 'Item:i3', 'Entity:e1'],
  kinds: [0, 0, 1, 1, 1, 2],
  relations: [INTERACTION_RELATION, 'director'],
  edges: {
    src: Uint32Array.of(0, 0, 0, 1, 2),
    dst: Uint32Array.of(2, 3, 4, 4, 5),
    weight: Float32Array.of(5, 3, 1, 2, 1),
    relation: Uint16Array.of(0, 0, 0, 0, 1),
  },
});
const DAY = 86_400;

describe('makeSeedVector', () => {
  it('sums duplicates, drops zeros, normalizes and sorts', () => {
    const s = makeSeedVector([4, 1, 4, 2], [1, 2, 1, 0]);
    expect([...s.nodes]).toEqual([1, 4]);
    expect([...s.weights]).toEqual([0.5, 0.5]);
    assertSeeds(s, 5);
    expect([...makeSeedVector([3, 0]).weights]).toEqual([0.5, 0.5]);
  });

  it('rejects empty, negative, all-zero and out-of-range seeds', () => {
    expectCode(() => makeSeedVector([]), 'BAD_REQUEST');
    expectCode(() => makeSeedVector([1], [-1]), 'BAD_REQUEST');
    expectCode(() => makeSeedVector([1, 2], [0, 0]), 'BAD_REQUEST');
    expectCode(() => makeSeedVector([7], undefined, 5), 'BAD_REQUEST');
    expectCode(() => makeSeedVector([1.5]), 'BAD_REQUEST');
    expectCode(() => assertSeeds(makeSeedVector([7]), 5), 'BAD_REQUEST');
    expectCode(() => assertSeeds({ nodes: Uint32Array.of(2, 1), weights: Float64Array.of(0.5, 0.5) }, 5), 'BAD_REQUEST');
  });
});

describe('historyWeights', () => {
  it('follows the documented formula: (rating − floor)⁺ · 0.5^(age / half-life)', () => {
    const w = historyWeights(
      [
        { item: 'i1', rating: 5, ts: 1000 * DAY },
        { item: 'i2', rating: 4, ts: 820 * DAY }, // 180 days before the latest → half weight
        { item: 'i3', rating: 2, ts: 1000 * DAY }, // at the floor → 0
        { item: 'i1', weight: 7 }, // implicit, no timestamp → its weight, no decay
        { item: 'i2', rating: 3, ts: 640 * DAY }, // 360 days → a quarter
      ],
      {},
    );
    expect([...w]).toEqual([3, 1, 0, 7, 0.25]);
    const fixedNow = historyWeights([{ item: 'i1', rating: 5, ts: 0 }], { now: 90 * DAY, halfLifeS: 90 * DAY, ratingFloor: 0 });
    expect([...fixedNow]).toEqual([2.5]);
    const noRecency = historyWeights([{ item: 'i1', rating: 4, ts: 0 }, { item: 'i2', rating: 4, ts: 1e9 }], { halfLifeS: Infinity });
    expect([...noRecency]).toEqual([2, 2]);
  });

  it('guards its options and entries', () => {
    expectCode(() => historyWeights([{ item: 'x', weight: -1 }]), 'BAD_REQUEST');
    expectCode(() => historyWeights([{ item: 'x' }], { halfLifeS: 0 }), 'BAD_REQUEST');
  });
});

describe('seed vectors from histories and nodes', () => {
  it('weights a history, resolving ids under the <Kind>:<id> keys', () => {
    const s = seedsFromHistory(csr, [
      { item: 'i1', rating: 5 },
      { item: 'Item:i2', rating: 4 },
      { item: 4, rating: 1 },
    ]);
    expect([...s.nodes]).toEqual([2, 3]);
    expect([...s.weights]).toEqual([0.6, 0.4]);
  });

  it('falls back to uniform weights when every term is 0', () => {
    const s = seedsFromHistory(csr, [
      { item: 'i1', rating: 1 },
      { item: 'i3', rating: 2 },
    ]);
    expect([...s.nodes]).toEqual([2, 4]);
    expect([...s.weights]).toEqual([0.5, 0.5]);
  });

  it('reads a user history from the CSR (edge weight = rating)', () => {
    const s = seedsFromCsrHistory(csr, 'User:u1');
    // ratings 5, 3, 1 → 3, 1, 0
    expect([...s.nodes]).toEqual([2, 3]);
    expect([...s.weights]).toEqual([0.75, 0.25]);
    const implicit = seedsFromCsrHistory(csr, 0, { rated: false });
    expect([...implicit.weights].map((w) => w * 9)).toEqual([5, 3, 1].map((x) => expect.closeTo(x, 12)));
    expect([...seenItems(csr, 0)].sort()).toEqual([2, 3, 4]);
  });

  it('builds cold-start seeds from items and entities', () => {
    const s = seedsFromNodes(csr, [{ kind: 'Entity', id: 'e1' }, { kind: 'Item', id: 'i3' }, 3], [2, 1, 1]);
    expect([...s.nodes]).toEqual([3, 4, 5]);
    expect([...s.weights]).toEqual([0.25, 0.25, 0.5]);
  });

  it('reports unknown ids, wrong kinds and empty input', () => {
    expectCode(() => seedsFromHistory(csr, []), 'BAD_REQUEST');
    expectCode(() => seedsFromHistory(csr, [{ item: 'nope', rating: 5 }]), 'NOT_FOUND');
    expectCode(() => seedsFromHistory(csr, [{ item: 'Entity:e1', rating: 5 }]), 'BAD_REQUEST');
    expectCode(() => seedsFromCsrHistory(csr, 'User:zz'), 'NOT_FOUND');
    expectCode(() => seedsFromCsrHistory(csr, 'Item:i1'), 'BAD_REQUEST');
    expectCode(() => seedsFromNodes(csr, [{ kind: 'User', id: 'i1' }]), 'NOT_FOUND');
    expectCode(() => seedsFromNodes(csr, []), 'BAD_REQUEST');
  });
});
