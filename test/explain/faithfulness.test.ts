import { describe, expect, it } from 'vitest';
import { checkFaithfulness } from '../../src/explain/faithfulness.ts';

const facts = ['You rated *Alien* 5★.', '*Alien* and *Blade Runner* were both directed by Ridley Scott.', 'Blade Runner stars Harrison Ford.'];

describe('faithfulness', () => {
  it('accepts a rewrite of the facts, inflections and glue words included', () => {
    const r = checkFaithfulness('Since you gave Alien 5 stars, you may enjoy Blade Runner, also from director Ridley Scott and starring Harrison Ford.', facts, 'Blade Runner');
    expect(r).toMatchObject({ ok: true, unsupported: [] });
    expect(r.support).toBe(1);
  });

  it('rejects invented praise, plots and awards', () => {
    const r = checkFaithfulness('Blade Runner won a Golden Globe and critics praise its neon dystopian plot.', facts, 'Blade Runner');
    expect(r.ok).toBe(false);
    expect(r.unsupported).toEqual(expect.arrayContaining(['golden', 'globe', 'critics']));
    expect(r.reason).toMatch(/^adds words the facts do not hold/);
  });

  it('rejects a degenerate loop even when every word is supported', () => {
    const r = checkFaithfulness('Alien and Blade Runner and Alien and Blade Runner and Alien and Blade Runner.', facts, 'Blade Runner');
    expect(r).toMatchObject({ ok: false });
    expect(r.reason).toMatch(/^repeats/);
  });

  it('treats a text with only glue words as supported, and honours minSupport', () => {
    expect(checkFaithfulness('You will like this one.', facts, 'Blade Runner').ok).toBe(true);
    expect(checkFaithfulness('Blade Runner: Ridley Scott, iconic.', facts, 'Blade Runner', { minSupport: 0.9 }).ok).toBe(false);
    expect(checkFaithfulness('Blade Runner: Ridley Scott, iconic.', facts, 'Blade Runner', { minSupport: 0.5 }).ok).toBe(true);
  });
});
