/**
 * @module retrieve/search
 * Name search over a retrieval context, for pickers (the explorer page, `GET /v1/search`):
 *
 * - items and entities by title/name: first the context's keyword matcher (`keywords.ts`: whole tokens, accents and
 *   plurals folded, idf-weighted), then — so that search-as-you-type finds "Star Wa" — names that contain the query
 *   as a folded substring (a match at the start of a word first, then shorter names). An empty query lists items by
 *   popularity.
 * - users by id: ids starting with the query, then ids whose last `:`-separated segment starts with it ("12" finds
 *   `ml100k:u:12`), each in natural order (`u:2` before `u:10`). An empty query lists every user.
 *
 * Results are capped at `maxResults` before paging, so `total` is exact up to that cap. The folded name list and the
 * sorted user list are built once per context (O(n log n)) and cached; a query then costs one O(n) scan.
 *
 * @example
 * searchNodes(ctx, { q: 'alien', kinds: ['Item'], limit: 5, offset: 0 }); // { total: 2, results: [{ kind: 'Item', id: 'a', label: 'Alien', score: 1 }, …] }
 */
import { normalizeName } from '../core/names.ts';
import { AppError } from '../core/errors.ts';
import type { NodeKind } from '../core/model.ts';
import { KIND_CODES } from '../project/csr.ts';
import type { RecommendContext } from './context.ts';
import { graphIdOf } from './recommend.ts';

export interface SearchOptions {
  /** Results considered before paging. [200] */
  maxResults: number;
}

export const SEARCH_DEFAULTS = { maxResults: 200 } as const satisfies SearchOptions;

export interface SearchRequest {
  q: string;
  kinds: readonly NodeKind[];
  limit: number;
  offset: number;
}

export interface SearchHit {
  kind: NodeKind;
  /** Graph id. */
  id: string;
  /** Title, name, or the id for users. */
  label: string;
  /**
   * Keyword score in (0, 1]; a substring match scores 0.5 (at a word start) or 0.25 (inside a word) × the share of the
   * name it covers; users 1 (id prefix) or 0.5 (last-segment prefix); 0 when listing. Results are in match-class order
   * (keyword, word start, inside), so scores are informative only within a class.
   */
  score: number;
}

export interface SearchResult {
  total: number;
  results: SearchHit[];
}

interface SearchIndex {
  /** Item/entity node indices with a name, and their folded names. */
  named: Uint32Array;
  folded: string[];
  /** User node indices in natural id order, and their graph ids. */
  users: Uint32Array;
  userIds: string[];
}

const indexCache = new WeakMap<RecommendContext, SearchIndex>();

/** Lower case, accents removed, runs of non-alphanumerics collapsed to one space (as grounding folds names). */
export const foldName = normalizeName;

function searchIndex(ctx: RecommendContext): SearchIndex {
  const cached = indexCache.get(ctx);
  if (cached) return cached;
  const { csr } = ctx;
  const named: number[] = [];
  const folded: string[] = [];
  const users: number[] = [];
  for (let v = 0; v < csr.nodeCount; v++) {
    const kind = csr.kinds[v];
    if (kind === KIND_CODES.User) users.push(v);
    else {
      const label = ctx.labels?.(csr.ids.at(v)!);
      if (label) {
        named.push(v);
        folded.push(foldName(label));
      }
    }
  }
  const collator = new Intl.Collator('en', { numeric: true });
  const userIds = users.map((v) => graphIdOf(csr, v));
  const order = users.map((_, j) => j).sort((a, b) => collator.compare(userIds[a]!, userIds[b]!));
  const index: SearchIndex = { named: Uint32Array.from(named), folded, users: Uint32Array.from(order, (j) => users[j]!), userIds: order.map((j) => userIds[j]!) };
  indexCache.set(ctx, index);
  return index;
}

function kindOf(code: number): NodeKind {
  return code === KIND_CODES.Item ? 'Item' : code === KIND_CODES.Entity ? 'Entity' : 'User';
}

/** Searches users, items and entities of a context by id or name. See the module header. */
export function searchNodes(ctx: RecommendContext, request: SearchRequest, options: Partial<SearchOptions> = {}): SearchResult {
  const o = { ...SEARCH_DEFAULTS, ...options } satisfies SearchOptions;
  const { q, kinds, limit, offset } = request;
  if (typeof q !== 'string' || q.length > 500) throw new AppError('BAD_REQUEST', 'retrieve/search: q must be a string of at most 500 characters');
  if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0) throw new AppError('BAD_REQUEST', 'retrieve/search: limit and offset must be integers ≥ 0');
  const { csr } = ctx;
  const index = searchIndex(ctx);
  const hits: SearchHit[] = [];
  const seen = new Set<number>();
  const add = (v: number, score: number): void => {
    if (seen.has(v) || hits.length >= o.maxResults) return;
    seen.add(v);
    const kind = kindOf(csr.kinds[v]!);
    const label = kind === 'User' ? graphIdOf(csr, v) : (ctx.labels?.(csr.ids.at(v)!) ?? graphIdOf(csr, v));
    hits.push({ kind, id: graphIdOf(csr, v), label, score });
  };
  const wants = new Set(kinds);
  const query = q.trim();

  if (wants.has('User')) {
    if (query === '') index.users.forEach((v) => add(v, 0));
    else {
      const lower = query.toLowerCase();
      const segment = (id: string) => id.slice(id.lastIndexOf(':') + 1).toLowerCase();
      index.users.forEach((v, j) => index.userIds[j]!.toLowerCase().startsWith(lower) && add(v, 1));
      index.users.forEach((v, j) => segment(index.userIds[j]!).startsWith(lower) && add(v, 0.5));
    }
  }
  const wantNamed = (v: number): boolean => wants.has(kindOf(csr.kinds[v]!)) && kindOf(csr.kinds[v]!) !== 'User';
  if (wants.has('Item') || wants.has('Entity')) {
    if (query === '') {
      if (wants.has('Item')) for (const v of ctx.popularOrder) add(v, 0);
    } else {
      for (const m of ctx.keywords?.match(query, { limit: o.maxResults }) ?? []) {
        const v = csr.index.get(m.key);
        if (v !== undefined && wantNamed(v)) add(v, m.score);
      }
      const needle = foldName(query);
      if (needle !== '') {
        const starts: number[] = [];
        const inside: number[] = [];
        index.folded.forEach((name, j) => {
          const at = name.indexOf(needle);
          if (at < 0 || !wantNamed(index.named[j]!)) return;
          (at === 0 || name[at - 1] === ' ' ? starts : inside).push(j);
        });
        const byLength = (a: number, b: number) => index.folded[a]!.length - index.folded[b]!.length || a - b;
        const coverage = (j: number) => needle.length / Math.max(index.folded[j]!.length, 1);
        for (const j of starts.sort(byLength)) add(index.named[j]!, 0.5 * coverage(j));
        for (const j of inside.sort(byLength)) add(index.named[j]!, 0.25 * coverage(j));
      }
    }
  }
  return { total: hits.length, results: hits.slice(offset, offset + limit) };
}
