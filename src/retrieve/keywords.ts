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
import type { NameChange } from '../core/names.ts';

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
  /**
   * The matcher of the names as `changes` leave them (`now`: all names as they are now, read when it builds anew); this
   * one is left as it was.
   */
  withChanges(changes: readonly NameChange[], now: ReadonlyMap<string, string>): KeywordMatcher;
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

/** The names a matcher was built from, interned (see {@link createKeywordMatcher}); shared by the versions changed from it. */
interface Built {
  keys: string[];
  labels: string[];
  tokenId: Map<string, number>;
  tokenText: string[];
  /** Names holding each token. */
  df: Uint32Array;
  numeric: Uint8Array;
  /** Name id → its token ids at `tokensOfName[starts[id] … starts[id + 1])`, in first-seen order. */
  starts: Uint32Array;
  tokensOfName: Uint32Array;
  /** Token id → the names holding it, ascending, at `postings[postStart[t] … postStart[t + 1])`. */
  postStart: Uint32Array;
  postings: Uint32Array;
}

/**
 * What live writes changed since the build: built names no longer held (`removed`), names added or renamed since
 * (`entries`, ids `built.keys.length + j`), tokens no built name has (ids from `built.tokenText.length`), and the
 * change in each token's name count.
 */
interface Changed {
  removed: ReadonlySet<number>;
  entries: ReadonlyArray<{ key: string; label: string; tokens: readonly number[] }>;
  extraTokenId: ReadonlyMap<string, number>;
  extraText: readonly string[];
  /** 1 for each of those tokens that is purely numeric. */
  extraNumeric: readonly number[];
  dfDelta: ReadonlyMap<number, number>;
  /** Token id → the entries holding it. */
  postings: ReadonlyMap<number, readonly number[]>;
}

const NOTHING_CHANGED: Changed = { removed: new Set(), entries: [], extraTokenId: new Map(), extraText: [], extraNumeric: [], dfDelta: new Map(), postings: new Map() };

/**
 * The names' tokens are interned (one id per distinct token) and both the names' token lists and the tokens' posting
 * lists are flat typed arrays with row offsets: a JS array per name and per token cost 25 MB and 200k objects of the
 * serving heap at 10M interactions (a heap snapshot on 2026-12-07), which every garbage collection marks.
 *
 * `withChanges` gives the matcher of the names as a live write leaves them, equal to a build over them, without
 * building it again (a build took 1.3–1.4 s at 50M interactions; docs/scaling.md, "Titles written live"): the built
 * arrays are shared and the changed names kept beside them, until they number more than an eighth of the built ones,
 * when the names are built again.
 */
export function createKeywordMatcher(names: ReadonlyMap<string, string>): KeywordMatcher {
  return matcherOf(build(names), NOTHING_CHANGED);
}

function build(names: ReadonlyMap<string, string>): Built {
  const keys: string[] = [];
  const labels: string[] = [];
  // Interned tokens: id → text, df (names holding it).
  const tokenId = new Map<string, number>();
  const tokenText: string[] = [];
  const df: number[] = [];
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
  const numeric = Uint8Array.from(tokenText, (t) => (isNumeric(t) ? 1 : 0));
  return { keys, labels, tokenId, tokenText, df: Uint32Array.from(df), numeric, starts, tokensOfName, postStart, postings };
}

/** `changed` with `changes` applied over `built`, or undefined when the changed names have outgrown the built ones. */
function applyChanges(built: Built, changed: Changed, changes: readonly NameChange[]): Changed | undefined {
  const removed = new Set(changed.removed);
  const live = new Map(changed.entries.map((e) => [e.key, e]));
  const extraTokenId = new Map(changed.extraTokenId);
  const extraText = [...changed.extraText];
  const extraNumeric = [...changed.extraNumeric];
  const dfDelta = new Map(changed.dfDelta);
  const count = (t: number, by: number) => dfDelta.set(t, (dfDelta.get(t) ?? 0) + by);
  // Built names whose old label goes: found in one pass over the built keys below.
  const leaving = new Set<string>();
  for (const { key, before, after } of changes) {
    const entry = live.get(key);
    if (entry) {
      for (const t of entry.tokens) count(t, -1);
      live.delete(key);
    } else if (before !== undefined) leaving.add(key);
    const tokens = after === undefined ? [] : contentTokens(after);
    if (tokens.length === 0) continue;
    const ids = tokens.map((t) => {
      let id = built.tokenId.get(t) ?? extraTokenId.get(t);
      if (id === undefined) {
        id = built.tokenText.length + extraText.length;
        extraTokenId.set(t, id);
        extraText.push(t);
        extraNumeric.push(isNumeric(t) ? 1 : 0);
      }
      count(id, 1);
      return id;
    });
    live.set(key, { key, label: after!, tokens: ids });
  }
  if (leaving.size > 0) {
    const keys = built.keys;
    for (let id = 0; id < keys.length; id++) {
      if (removed.has(id) || !leaving.has(keys[id]!)) continue;
      removed.add(id);
      for (let j = built.starts[id]!; j < built.starts[id + 1]!; j++) count(built.tokensOfName[j]!, -1);
    }
  }
  const entries = [...live.values()];
  if (entries.length + removed.size > Math.max(1024, built.keys.length / 8)) return undefined;
  const postings = new Map<number, number[]>();
  entries.forEach((e, j) => {
    for (const t of e.tokens) {
      const list = postings.get(t);
      if (list) list.push(j);
      else postings.set(t, [j]);
    }
  });
  return { removed, entries, extraTokenId, extraText, extraNumeric, dfDelta, postings };
}

function matcherOf(built: Built, changed: Changed): KeywordMatcher {
  const base = built.keys.length;
  const builtTokens = built.tokenText.length;
  const n = base - changed.removed.size + changed.entries.length;
  // Each token's weight, ln(1 + N / df): computed on the first match of this version (live writes make versions
  // nobody may query).
  let idf: Float64Array | undefined;
  const idfOf = (): Float64Array => {
    if (idf) return idf;
    idf = new Float64Array(builtTokens + changed.extraText.length);
    for (let t = 0; t < idf.length; t++) idf[t] = Math.log(1 + n / ((t < builtTokens ? built.df[t]! : 0) + (changed.dfDelta.get(t) ?? 0)));
    return idf;
  };
  const isNumericToken = (t: number): boolean => (t < builtTokens ? built.numeric[t] : changed.extraNumeric[t - builtTokens]) === 1;
  const textOf = (t: number): string => (t < builtTokens ? built.tokenText[t]! : changed.extraText[t - builtTokens]!);
  /** The tokens of name `id` (built or changed). */
  const tokensOf = (id: number): ArrayLike<number> => (id < base ? built.tokensOfName.subarray(built.starts[id]!, built.starts[id + 1]!) : changed.entries[id - base]!.tokens);

  const matcher: KeywordMatcher = {
    size: n,
    withChanges(changes: readonly NameChange[], now: ReadonlyMap<string, string>): KeywordMatcher {
      if (changes.length === 0) return matcher;
      const next = applyChanges(built, changed, changes);
      return next ? matcherOf(built, next) : createKeywordMatcher(now);
    },
    match(text: string, overrides: Partial<KeywordOptions> = {}): KeywordMatch[] {
      const o = { ...KEYWORD_DEFAULTS, ...overrides } satisfies KeywordOptions;
      if (typeof text !== 'string') throw new AppError('BAD_REQUEST', 'retrieve/keywords: the keywords must be a string');
      if (!Number.isInteger(o.limit) || o.limit < 0) throw new AppError('BAD_REQUEST', 'retrieve/keywords: limit must be an integer ≥ 0');
      if (!(o.minCoverage >= 0 && o.minCoverage <= 1)) throw new AppError('BAD_REQUEST', 'retrieve/keywords: minCoverage must be in [0, 1]');
      if (!(o.numericWeight >= 0 && Number.isFinite(o.numericWeight))) throw new AppError('BAD_REQUEST', 'retrieve/keywords: numericWeight must be finite and ≥ 0');
      const idf = idfOf();
      const weight = (t: number): number => idf[t]! * (isNumericToken(t) ? o.numericWeight : 1);
      // The query's known tokens, as ids (looked up once).
      const query: number[] = [];
      for (const t of contentTokens(text)) {
        const tid = built.tokenId.get(t) ?? changed.extraTokenId.get(t);
        // A token whose names were all renamed is known to no name, as in a build.
        if (tid !== undefined && Number.isFinite(idf[tid]!)) query.push(tid);
      }
      if (query.length === 0 || o.limit === 0) return [];
      let queryWeight = 0;
      for (const t of query) queryWeight += weight(t);
      const hit = new Map<number, number[]>();
      const add = (id: number, t: number) => {
        const list = hit.get(id);
        if (list) list.push(t);
        else hit.set(id, [t]);
      };
      for (const t of query) {
        if (t < builtTokens) {
          for (let p = built.postStart[t]!; p < built.postStart[t + 1]!; p++) {
            const id = built.postings[p]!;
            if (!changed.removed.has(id)) add(id, t);
          }
        }
        for (const j of changed.postings.get(t) ?? []) add(base + j, t);
      }
      const out: KeywordMatch[] = [];
      const partial: KeywordMatch[] = [];
      for (const [id, matched] of hit) {
        const tokens = tokensOf(id);
        let nameWeight = 0;
        for (let j = 0; j < tokens.length; j++) nameWeight += weight(tokens[j]!);
        let matchedWeight = 0;
        for (const t of matched) matchedWeight += weight(t);
        const nameCoverage = nameWeight > 0 ? matchedWeight / nameWeight : 0;
        if (nameCoverage < o.minCoverage || matchedWeight === 0) continue;
        const queryCoverage = queryWeight > 0 ? matchedWeight / queryWeight : 0;
        let full = true;
        for (let j = 0; j < tokens.length && full; j++) full = isNumericToken(tokens[j]!) || matched.includes(tokens[j]!);
        const [key, name] = id < base ? [built.keys[id]!, built.labels[id]!] : [changed.entries[id - base]!.key, changed.entries[id - base]!.label];
        (full ? out : partial).push({ key, name, score: nameCoverage * queryCoverage, matched: matched.map(textOf) });
      }
      if (out.length === 0) out.push(...partial);
      out.sort((a, b) => b.score - a.score || a.name.length - b.name.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return out.slice(0, o.limit);
    },
  };
  return matcher;
}
