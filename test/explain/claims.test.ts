import { describe, expect, it } from 'vitest';
import { buildTransition } from '../../src/compute/ppr/transition.ts';
import { checkClaims, claimSpans, knownItems } from '../../src/explain/claims.ts';
import { buildEvidence } from '../../src/explain/evidence.ts';
import { explainEvidence } from '../../src/explain/explain.ts';
import { buildNameIndex } from '../../src/explain/grounding.ts';
import { GuardedLlm, type LlmClient } from '../../src/explain/llm/client.ts';
import { MOVIE_LABELS, MOVIES } from './fixtures.ts';

const names = buildNameIndex(Object.entries(MOVIE_LABELS).map(([key, name]) => ({ key, name })));
// Ann rated Alien and Brazil; Blade Runner is recommended to her.
const evidence = buildEvidence({ csr: MOVIES, transition: buildTransition(MOVIES), labels: (k) => MOVIE_LABELS[k] }, { user: 'User:ann', item: 'Item:blade' });

/** A model that answers from a script, one answer per call. */
function scripted(answers: string[]): { llm: GuardedLlm; calls: () => number } {
  let calls = 0;
  const inner: LlmClient = {
    name: 'scripted',
    complete: async () => answers[Math.min(calls++, answers.length - 1)]!,
    close: async () => {},
  };
  return { llm: new GuardedLlm(inner), calls: () => calls };
}

describe('claim check', () => {
  it('knows the items the evidence shows the user rated, never the recommended one', () => {
    const known = knownItems(evidence);
    expect(known.has('Item:alien')).toBe(true);
    expect(known.has('Item:blade')).toBe(false);
  });

  it('cuts each "you <verb>" clause at its end', () => {
    expect(claimSpans('Since you rated Alien 5 stars, you will like Blade Runner.')).toEqual([' Alien 5 stars']);
    expect(claimSpans('You have already watched Brazil and Alien; try Blade Runner')).toEqual([' Brazil and Alien']);
    expect(claimSpans('Blade Runner shares a director with Alien.')).toEqual([]);
  });

  it('accepts true claims and claims about entities', () => {
    expect(checkClaims('You rated Alien 5 stars, so Blade Runner, also directed by Ridley Scott, fits.', evidence, names).ok).toBe(true);
    expect(checkClaims('You enjoy films by Ridley Scott, and Blade Runner is one.', evidence, names).ok).toBe(true);
    expect(checkClaims("You'll love Blade Runner.", evidence, names).ok).toBe(true);
  });

  it('rejects a claim that the user rated the recommended item or an item outside their history', () => {
    const r = checkClaims('You rated Blade Runner 5 stars.', evidence, names);
    expect(r).toMatchObject({ ok: false, unsupported: ['Item:blade'] });
    expect(r.reason).toContain('the recommended item');
    expect(checkClaims('You also watched Blade Runner and Alien.', evidence, names).ok).toBe(false);
  });

  it('makes explainEvidence regenerate a false claim and serve the next grounded answer', async () => {
    const { llm, calls } = scripted(['You rated Blade Runner 5 stars.', 'You rated Alien 5 stars, and Blade Runner was also directed by Ridley Scott.']);
    const out = await explainEvidence({ llm, names }, evidence);
    expect(calls()).toBe(2);
    expect(out).toMatchObject({ source: 'llm', text: 'You rated Alien 5 stars, and Blade Runner was also directed by Ridley Scott.' });
  });

  it('serves the template when every answer makes a false claim', async () => {
    const { llm } = scripted(['You watched Blade Runner already, like Alien by Ridley Scott.']);
    const out = await explainEvidence({ llm, names }, evidence);
    expect(out.source).toBe('template');
    expect(out.fallbackReason).toMatch(/^false claim/);
  });

  it('serves only texts that name the recommended item and a reason from the evidence', async () => {
    const offTopic = await explainEvidence({ llm: scripted(['You rated Alien 5 stars, a Ridley Scott film.']).llm, names }, evidence);
    expect(offTopic).toMatchObject({ source: 'template', fallbackReason: 'off topic: does not name the recommended item' });
    const noReason = await explainEvidence({ llm: scripted(['Blade Runner is a legendary painting.']).llm, names }, evidence);
    expect(noReason).toMatchObject({ source: 'template', fallbackReason: 'no reason: names no evidence besides the recommended item' });
  });

  it('serves the template when the answer invents what the facts do not hold', async () => {
    const out = await explainEvidence({ llm: scripted(['You rated Alien, and Blade Runner won an Oscar for its neon dystopian visuals.']).llm, names }, evidence);
    expect(out).toMatchObject({ source: 'template' });
    expect(out.fallbackReason).toMatch(/^unfaithful: adds words/);
  });

  it('caches by the caller key and the prompt version', async () => {
    const { llm, calls } = scripted(['You rated Alien 5 stars, and Blade Runner was also directed by Ridley Scott.']);
    await explainEvidence({ llm, names }, evidence, { cacheKey: 'ann|blade|0' });
    const again = await explainEvidence({ llm, names }, evidence, { cacheKey: 'ann|blade|0' });
    expect(calls()).toBe(1);
    expect(again).toMatchObject({ source: 'llm', cached: true });
    expect(llm.cached('ann|blade|0|explain-recommendation.v1')).toBeDefined();
  });
});
