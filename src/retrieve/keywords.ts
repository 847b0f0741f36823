/**
 * @module retrieve/keywords
 * Cold start from free text (KALM4Rec-style): a few keywords ("ridley scott sci-fi") are matched against item titles
 * and entity names, and the matched nodes become PPR seeds.
 *
 * Tokens: Unicode NFKD with combining marks removed (so "Amélie" = "amelie"), lower case, split on anything but
 * letters and digits, a light plural fold (a trailing "s" after ≥ 3 letters is dropped: "aliens" = "alien"), and a
 * small stop list (articles, prepositions, "movie"/"film" and the like) — names made only of stop words keep them.
 * Each name token t weighs idf(t) = ln(1 + N / df(t)) (N names), a purely numeric token (a year) `numericWeight` of
 * that. For a name with token set T and the query's set Q:
 *
 *     nameCoverage  = w(T ∩ Q) / w(T)     (how much of the name the query says)
 *     queryCoverage = w(T ∩ Q) / w(Q)     (how much of the query the name explains; w(Q) over query tokens known
 *                                          to some name)
 *     score = nameCoverage · queryCoverage
 *
 * A name matches fully when the query holds all its non-numeric tokens ("alien" fully matches "Alien (1979)").
 * When some name matches fully only full matches are returned; otherwise partial matches with
 * nameCoverage ≥ minCoverage are ("vera mbeki" never drags in "Priya Mbeki", "scott" alone may find "Ridley Scott").
 *
 * Building is O(total tokens); a query costs the posting lists of its tokens.
 *
 * @example
 * const m = createKeywordMatcher(new Map([['Entity:dbr:Ridley_Scott', 'Ridley Scott'], ['Item:1', 'Alien (1979)']]));
 * m.match('films by ridley scott'); // [{ key: 'Entity:dbr:Ridley_Scott', name: 'Ridley Scott', score: 1, matched: ['ridley', 'scott'] }]
 */
import { AppError } from '../core/errors.ts';

export interface KeywordOptions {
  /** Matches returned. [5] */
  limit: number;
  /** Least share of a name's token weight the query must cover. [0.5] */
  minCoverage: number;
  /** Weight factor of purely numeric tokens (years in titles). [0.25] */
  numericWeight: number;
}

export const KEYWORD_DEFAULTS = { limit: 5, minCoverage: 0.5, numericWeight: 0.25 } as const satisfies KeywordOptions;

const STOP_WORDS = new Set([
  'a', 'an', 'and', 'about', 'at', 'by', 'de', 'for', 'from', 'i', 'in', 'into', 'is', 'it', 'la', 'le', 'like', 'love',
  'me', 'movie', 'movies', 'film', 'films', 'my', 'of', 'on', 'or', 'some', 'something', 'the', 'to', 'want', 'watch', 'with',
]);

export interface KeywordMatch {
  key: string;
  name: string;
  score: number;
  /** The normalised query tokens the name matched. */
  matched: string[];
}

export interface KeywordMatcher {
  readonly size: number;
  match(text: string, options?: Partial<KeywordOptions>): KeywordMatch[];
}

/** The normalised tokens of `text` (accents and case folded, light plural fold), stop words kept. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .map((t) => (t.length > 3 && t.endsWith('s') && !t.endsWith('ss') && /\p{L}/u.test(t) ? t.slice(0, -1) : t));
}

/** Content tokens: stop words removed unless nothing else is left; unique, in first-seen order. */
function contentTokens(text: string): string[] {
  const all = tokenize(text);
  const content = all.filter((t) => !STOP_WORDS.has(t));
  return [...new Set(content.length > 0 ? content : all)];
}

const isNumeric = (t: string): boolean => /^\p{N}+$/u.test(t);

/**
 * The names' tokens are interned (one id per distinct token) and both the names' token lists and the tokens' posting
 * lists are flat typed arrays with row offsets: a JS array per name and per token cost 25 MB and 200k objects of the
 * serving heap at 10M interactions (a heap snapshot on 2026-12-07), which every garbage collection marks.
 */
export function createKeywordMatcher(names: ReadonlyMap<string, string>): KeywordMatcher {
  const keys: string[] = [];
  const labels: string[] = [];
  // Interned tokens: id → text, df (names holding it), whether it is numeric.
  const tokenId = new Map<string, number>();
  const tokenText: string[] = [];
  const df: number[] = [];
  // Each name's tokens (ids, in first-seen order) at nameStart[id] .. nameStart[id + 1].
  const nameStart: number[] = [0];
  const nameTokens: number[] = [];
  for (const [key, name] of names) {
    if (typeof name !== 'string') continue;
    const tokens = contentTokens(name);
    if (tokens.length === 0) continue;
    keys.push(key);
    labels.push(name);
    for (const t of tokens) {
      let id = tokenId.get(t);
      if (id === undefined) {
        id = tokenText.length;
        tokenId.set(t, id);
        tokenText.push(t);
        df.push(0);
      }
      df[id]!++;
      nameTokens.push(id);
    }
    nameStart.push(nameTokens.length);
  }
  const n = keys.length;
  const tokenCount = tokenText.length;
  const starts = Uint32Array.from(nameStart);
  const tokensOfName = Uint32Array.from(nameTokens);
  // Posting lists (names holding each token, ascending) by a counting pass over the names in order.
  const postStart = new Uint32Array(tokenCount + 1);
  for (let t = 0; t < tokenCount; t++) postStart[t + 1] = postStart[t]! + df[t]!;
  const postings = new Uint32Array(tokensOfName.length);
  const fill = postStart.slice(0, tokenCount);
  for (let id = 0; id < n; id++) for (let j = starts[id]!; j < starts[id + 1]!; j++) postings[fill[tokensOfName[j]!]!++] = id;
  const idf = Float64Array.from(df, (d) => Math.log(1 + n / d));
  const numeric = Uint8Array.from(tokenText, (t) => (isNumeric(t) ? 1 : 0));

  return {
    size: n,
    match(text: string, overrides: Partial<KeywordOptions> = {}): KeywordMatch[] {
      const o = { ...KEYWORD_DEFAULTS, ...overrides } satisfies KeywordOptions;
      if (typeof text !== 'string') throw new AppError('BAD_REQUEST', 'retrieve/keywords: the keywords must be a string');
      if (!Number.isInteger(o.limit) || o.limit < 0) throw new AppError('BAD_REQUEST', 'retrieve/keywords: limit must be an integer ≥ 0');
      if (!(o.minCoverage >= 0 && o.minCoverage <= 1)) throw new AppError('BAD_REQUEST', 'retrieve/keywords: minCoverage must be in [0, 1]');
      if (!(o.numericWeight >= 0 && Number.isFinite(o.numericWeight))) throw new AppError('BAD_REQUEST', 'retrieve/keywords: numericWeight must be finite and ≥ 0');
      const weight = (t: number): number => idf[t]! * (numeric[t] === 1 ? o.numericWeight : 1);
      // The query's known tokens, as ids (looked up once).
      const query: number[] = [];
      for (const t of contentTokens(text)) {
        const tid = tokenId.get(t);
        if (tid !== undefined) query.push(tid);
      }
      if (query.length === 0 || o.limit === 0) return [];
      let queryWeight = 0;
      for (const t of query) queryWeight += weight(t);
      const hit = new Map<number, number[]>();
      for (const t of query) {
        for (let p = postStart[t]!; p < postStart[t + 1]!; p++) {
          const id = postings[p]!;
          const list = hit.get(id);
          if (list) list.push(t);
          else hit.set(id, [t]);
        }
      }
      const out: KeywordMatch[] = [];
      const partial: KeywordMatch[] = [];
      for (const [id, matched] of hit) {
        const from = starts[id]!;
        const to = starts[id + 1]!;
        let nameWeight = 0;
        for (let j = from; j < to; j++) nameWeight += weight(tokensOfName[j]!);
        let matchedWeight = 0;
        for (const t of matched) matchedWeight += weight(t);
        const nameCoverage = nameWeight > 0 ? matchedWeight / nameWeight : 0;
        if (nameCoverage < o.minCoverage || matchedWeight === 0) continue;
        const queryCoverage = queryWeight > 0 ? matchedWeight / queryWeight : 0;
        let full = true;
        for (let j = from; j < to && full; j++) full = numeric[tokensOfName[j]!] === 1 || matched.includes(tokensOfName[j]!);
        (full ? out : partial).push({ key: keys[id]!, name: labels[id]!, score: nameCoverage * queryCoverage, matched: matched.map((t) => tokenText[t]!) });
      }
      if (out.length === 0) out.push(...partial);
      out.sort((a, b) => b.score - a.score || a.name.length - b.name.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return out.slice(0, o.limit);
    },
  };
}
