import { describe, expect, it } from 'vitest';
import { createKeywordMatcher, tokenize } from '../../src/retrieve/keywords.ts';

const matcher = createKeywordMatcher(
  new Map([
    ['Entity:ridley', 'Ridley Scott'],
    ['Entity:priya', 'Priya Scott'],
    ['Item:alien', 'Alien (1979)'],
    ['Item:aliens', 'Aliens (1986)'],
    ['Item:amelie', 'Amélie (2001)'],
    ['Entity:drama', 'Drama'],
  ]),
);

describe('keyword matcher', () => {
  it('folds case, accents and plurals', () => {
    expect(tokenize('Amélie & the ALIENS, 1979')).toEqual(['amelie', 'the', 'alien', '1979']);
    expect(matcher.match('amelie').map((m) => m.key)).toEqual(['Item:amelie']);
    // Both titles fully match "alien" (years are optional); equal scores → the shorter name first.
    const aliens = matcher.match('ALIEN');
    expect(aliens.map((m) => m.key)).toEqual(['Item:alien', 'Item:aliens']);
    expect(aliens[0]!.score).toBeCloseTo(aliens[1]!.score, 12);
  });

  it('prefers full matches and scores by coverage', () => {
    const m = matcher.match('films by Ridley Scott, some drama');
    expect(m.map((x) => x.key)).toEqual(['Entity:ridley', 'Entity:drama']);
    expect(m[0]!.matched).toEqual(['ridley', 'scott']);
    // Query weight: idf(ridley) + idf(scott) + idf(drama) with N = 6: ln 7, ln 4, ln 7.
    expect(m[0]!.score).toBeCloseTo((Math.log(7) + Math.log(4)) / (2 * Math.log(7) + Math.log(4)), 12);
    // "scott" alone covers ln 4 / (ln 7 + ln 4) ≈ 0.42 of each name: below the 0.5 default, kept at 0.4.
    expect(matcher.match('scott')).toEqual([]);
    expect(matcher.match('scott', { minCoverage: 0.4 }).map((x) => x.key)).toEqual(['Entity:priya', 'Entity:ridley']);
    expect(matcher.match('nothing here')).toEqual([]);
    expect(matcher.match('alien', { limit: 1 })).toHaveLength(1);
  });

  it('guards its options', () => {
    expect(() => matcher.match('x', { limit: -1 })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => matcher.match('x', { minCoverage: 2 })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
