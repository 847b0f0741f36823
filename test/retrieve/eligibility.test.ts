import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { createRecommendContext } from '../../src/retrieve/context.ts';
import { buildEligibility, type EligibilityInput } from '../../src/retrieve/eligibility.ts';
import { demoGraph } from './fixtures.ts';

describe('eligibility mask', () => {
  it('a mask kept across requests equals one built fresh for each request', () => {
    const { csr } = demoGraph({ users: 30, items: 60, seed: 5 });
    const kept = createRecommendContext(csr);
    const rng = createRng(11);
    const itemIds = Array.from(kept.items, (v) => csr.ids.at(v)!);
    const entityIds = Array.from({ length: csr.nodeCount }, (_, v) => v).filter((v) => csr.kinds[v] === 2).map((v) => csr.ids.at(v)!);
    for (let q = 0; q < 200; q++) {
      const seen = Array.from({ length: rng.int(12) }, () => kept.items[rng.int(kept.items.length)]!);
      const input: EligibilityInput = {
        seen,
        exclude: Array.from({ length: rng.int(4) }, () => (rng.float() < 0.8 ? itemIds[rng.int(itemIds.length)]! : 'Item:unknown')),
        // A filtered request now and then (it rebuilds the mask; the next unfiltered one must start from scratch).
        ...(rng.float() < 0.2 ? { filters: { entity: [entityIds[rng.int(entityIds.length)]!] } } : {}),
      };
      const count = buildEligibility(kept, input);
      const fresh = createRecommendContext(csr);
      const freshCount = buildEligibility(fresh, input);
      expect(Array.from(kept.scratch.mask), `request ${q}`).toEqual(Array.from(fresh.scratch.mask));
      expect(count).toBe(freshCount);
      expect(count).toBe(kept.scratch.mask.reduce((a, b) => a + b, 0));
    }
  });
});
