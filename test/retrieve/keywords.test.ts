import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NameChange } from '../../src/core/names.ts';
import { createKeywordMatcher, KEYWORD_DEFAULTS, tokenize, type KeywordMatch, type KeywordOptions } from '../../src/retrieve/keywords.ts';

/** The module header's scoring written plainly (a Map of names per token, token lists per name): what the matcher must return. */
function referenceMatch(names: ReadonlyMap<string, string>, text: string, options: Partial<KeywordOptions> = {}): KeywordMatch[] {
  const o = { ...KEYWORD_DEFAULTS, ...options };
  const STOP = new Set(['a', 'an', 'and', 'about', 'at', 'by', 'de', 'for', 'from', 'i', 'in', 'into', 'is', 'it', 'la', 'le', 'like', 'love', 'me', 'movie', 'movies', 'film', 'films', 'my', 'of', 'on', 'or', 'some', 'something', 'the', 'to', 'want', 'watch', 'with']);
  const content = (t: string) => {
    const all = tokenize(t);
    const kept = all.filter((x) => !STOP.has(x));
    return [...new Set(kept.length > 0 ? kept : all)];
  };
  const numeric = (t: string) => /^\p{N}+$/u.test(t);
  const entries = [...names].map(([key, name]) => ({ key, name, tokens: content(name) })).filter((e) => e.tokens.length > 0);
  const df = new Map<string, number>();
  for (const e of entries) for (const t of e.tokens) df.set(t, (df.get(t) ?? 0) + 1);
  const weight = (t: string) => Math.log(1 + entries.length / df.get(t)!) * (numeric(t) ? o.numericWeight : 1);
  const query = content(text).filter((t) => df.has(t));
  if (query.length === 0 || o.limit === 0) return [];
  let queryWeight = 0;
  for (const t of query) queryWeight += weight(t);
  const full: KeywordMatch[] = [];
  const partial: KeywordMatch[] = [];
  const hits = entries.map((e, id) => ({ e, id, matched: query.filter((t) => e.tokens.includes(t)) })).filter((h) => h.matched.length > 0);
  // The matcher meets the names in the order of the query's posting lists.
  const order = (h: (typeof hits)[number]) => [query.indexOf(h.matched[0]!), h.id];
  hits.sort((a, b) => order(a)[0]! - order(b)[0]! || order(a)[1]! - order(b)[1]!);
  for (const { e, matched } of hits) {
    let nameWeight = 0;
    for (const t of e.tokens) nameWeight += weight(t);
    let matchedWeight = 0;
    for (const t of matched) matchedWeight += weight(t);
    const nameCoverage = nameWeight > 0 ? matchedWeight / nameWeight : 0;
    if (nameCoverage < o.minCoverage || matchedWeight === 0) continue;
    const queryCoverage = queryWeight > 0 ? matchedWeight / queryWeight : 0;
    (e.tokens.every((t) => numeric(t) || matched.includes(t)) ? full : partial).push({ key: e.key, name: e.name, score: nameCoverage * queryCoverage, matched });
  }
  const out = full.length > 0 ? full : partial;
  out.sort((a, b) => b.score - a.score || a.name.length - b.name.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.slice(0, o.limit);
}

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

  it('returns what the plain formula returns on random catalogues and queries (plurals, accents, years, stop words)', () => {
    const word = fc.constantFrom('alien', 'Aliens', 'Amélie', 'amelie', 'scott', 'Scott', 'ridley', 'the', 'of', 'drama', 'dramas', '1979', '2001', 'blade', 'runner', 'glass', 'film');
    const phrase = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(
        fc.array(phrase, { minLength: 1, maxLength: 25 }),
        fc.array(phrase, { minLength: 1, maxLength: 6 }),
        fc.record({ limit: fc.integer({ min: 0, max: 8 }), minCoverage: fc.constantFrom(0, 0.3, 0.5, 1), numericWeight: fc.constantFrom(0, 0.25, 1) }),
        (titles, queries, options) => {
          const names = new Map(titles.map((t, j) => [`Item:${j}`, t]));
          const m = createKeywordMatcher(names);
          for (const q of queries) expect(m.match(q, options)).toEqual(referenceMatch(names, q, options));
        },
      ),
      { seed: 20261207, numRuns: 200 },
    );
  });

  it('changed by random batches of renamed, new and unnamed nodes (withChanges), returns what a build over the names as they are returns; the matcher before is unchanged', () => {
    const word = fc.constantFrom('alien', 'Aliens', 'Amélie', 'scott', 'ridley', 'the', 'of', 'drama', '1979', '2001', 'blade', 'runner', 'glass', 'zed');
    const phrase = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(' '));
    const queries = ['alien', 'ridley scott', 'blade runner 1979', 'the', 'drama of glass', 'zed', 'amelie 2001'];
    fc.assert(
      fc.property(
        fc.array(phrase, { minLength: 1, maxLength: 12 }),
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.option(phrase, { nil: undefined })), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 }),
        (titles, batches) => {
          const names = new Map(titles.map((t, j) => [`Item:${j}`, t]));
          let m = createKeywordMatcher(names);
          for (const batch of batches) {
            const changes: NameChange[] = [];
            for (const [j, after] of batch) {
              const key = `Item:${j}`;
              const before = names.get(key);
              if (before === after) continue;
              if (after === undefined) names.delete(key);
              else names.set(key, after);
              changes.push({ key, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) });
            }
            const previous = queries.map((q) => m.match(q, { limit: 20 }));
            const next = m.withChanges(changes, names);
            expect(queries.map((q) => m.match(q, { limit: 20 }))).toEqual(previous);
            m = next;
            const built = createKeywordMatcher(names);
            expect(m.size).toBe(built.size);
            for (const q of queries) for (const minCoverage of [0, 0.5]) expect(m.match(q, { limit: 20, minCoverage })).toEqual(built.match(q, { limit: 20, minCoverage }));
            for (const q of queries) expect(m.match(q, { limit: 20 })).toEqual(referenceMatch(names, q, { limit: 20 }));
          }
        },
      ),
      { seed: 20261207, numRuns: 200 },
    );
  });

  it('built anew once the changed names outgrow the built ones, with the same answers', () => {
    const names = new Map(Array.from({ length: 300 }, (_, j) => [`Item:${j}`, `Title ${j % 37} of ${j % 11 === 0 ? 'glass' : 'stone'}`]));
    let m = createKeywordMatcher(names);
    for (let round = 0; round < 14; round++) {
      const changes: NameChange[] = [];
      for (let j = 0; j < 100; j++) {
        const key = `Item:${300 + round * 100 + j}`;
        const after = `Title ${(round * 7 + j) % 41} of ${j % 3 === 0 ? 'glass' : 'sand'}`;
        names.set(key, after);
        changes.push({ key, after });
      }
      m = m.withChanges(changes, names);
      const built = createKeywordMatcher(names);
      for (const q of ['glass', 'sand', 'title 12 of glass', 'stone 3']) expect(m.match(q, { limit: 30 })).toEqual(built.match(q, { limit: 30 }));
    }
    expect(m.size).toBe(1700);
  });

  it('guards its options', () => {
    expect(() => matcher.match('x', { limit: -1 })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => matcher.match('x', { minCoverage: 2 })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
