import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/core/config.ts';
import { describeWeights } from '../../src/ingest/load.ts';

describe('ingest: heavy-tailed weight warning', () => {
  const listens = Array.from({ length: 200 }, (_, k) => (k < 5 ? 50_000 + k : 100 + k));
  const ratings = Array.from({ length: 200 }, (_, k) => 1 + (k % 5));

  it('warns for listen counts with the transform the projection will apply, not for ratings', () => {
    const { interactionWeights, warnings } = describeWeights(new Map([['listen', listens], ['rating', ratings]]), DEFAULTS.weights);
    expect(interactionWeights['listen']).toMatchObject({ count: 200, heavyTailed: true, transform: DEFAULTS.weights.heavyTailTransform });
    expect(interactionWeights['rating']).toMatchObject({ count: 200, heavyTailed: false, transform: 'none', max: 5 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"listen" has heavy-tailed weights');
    expect(warnings[0]).toContain('weights.heavyTailTransform');
  });

  it('names the kind’s own transform when one is configured, and honours the ratio', () => {
    const own = describeWeights(new Map([['listen', listens]]), { ...DEFAULTS.weights, transforms: { listen: 'cap:99' } });
    expect(own.warnings[0]).toContain('"cap:99" (weights.transforms.listen)');
    const lenient = describeWeights(new Map([['listen', listens]]), { ...DEFAULTS.weights, heavyTailRatio: 10_000 });
    expect(lenient.warnings).toEqual([]);
    expect(lenient.interactionWeights['listen']!.transform).toBe('none');
  });
});
