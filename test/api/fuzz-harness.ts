/**
 * @module test/api/fuzz-harness
 * Property-based HTTP fuzzing of the whole API, shared by `test/api/fuzz.test.ts` (a fixed-seed run) and
 * `npm run bench -- fuzz [runs]` (a longer one). The target is a real server (`createApp` + `createApiServer` on an
 * ephemeral loopback port) over a seeded MemoryGraphStore, with the routes `graphrec serve` adds (recommendations,
 * explorer search) on a small real Engine, and one admin API key configured. The routes to attack come from `apiRoutes` (cross-checked against the served OpenAPI
 * document), so a new route is fuzzed without touching this file.
 *
 * Requests mix: route-shaped requests with bad ids (unicode, lone surrogates, NUL, percent-encoding garbage, long),
 * hostile query strings (huge/negative/float numbers, duplicated and unknown keys), mutated and hostile bodies (wrong
 * types, deep nesting, oversized, malformed JSON, wrong content types and charsets), other methods, key headers; and
 * raw bytes on a socket (broken request lines and headers, unknown methods, smuggling-shaped framing, NUL bytes);
 * and JSON-RPC at the MCP endpoint (`POST /v1/mcp`: initialize, tools/list, tools/call of every tool, notifications,
 * batches, each mutated; other methods, missing Accept headers), whose replies must be JSON-RPC (a tool's structured
 * content valid against its route's response schema) or an error body (the API's, or the transport's JSON-RPC error).
 * Every reply must be < 500 and carry the security headers; an error must be JSON `{ error: { code, message } }`; a
 * success must match the response schema of the route that served it.
 *
 * @example
 * const target = await startFuzzTarget();
 * const stats = await fuzzRequests(target, fc.sample(requestArbitrary(target), { seed: 1, numRuns: 100 }));
 */
import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import { z } from 'zod';
import { apiRoutes, createApp } from '../../src/api/app.ts';
import type { Route } from '../../src/api/route.ts';
import { exploreRoutes } from '../../src/api/routes/explore.ts';
import { recommendRoutes } from '../../src/api/routes/recommend.ts';
import { converseRoutes } from '../../src/api/routes/converse.ts';
import { SessionStore } from '../../src/converse/session.ts';
import { startConversation } from '../../src/converse/converse.ts';
import { hashKey } from '../../src/api/security/keys.ts';
import { loadConfig, type Config } from '../../src/core/config.ts';
import { ERROR_CODES } from '../../src/core/errors.ts';
import { Engine } from '../../src/engine/engine.ts';
import { MCP_PATH, mountMcp } from '../../src/mcp/http.ts';
import { TOOL_SPECS } from '../../src/mcp/tools.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { tinyMoviesEngine } from '../helpers/tiny-movies.ts';
import { serveApp, type Reply, type Served } from './http-client.ts';

export const FUZZ_KEY = 'fuzz-admin-key-0123456789abcdef';

export type FuzzRequest =
  | { kind: 'http'; method: string; path: string; headers: Record<string, string>; body?: Buffer }
  | { kind: 'raw'; bytes: Buffer; /** The request is complete, so a reply is owed. */ complete: boolean };

export interface FuzzTarget {
  served: Served;
  routes: Route[];
  cfg: Config;
  close(): Promise<void>;
}

export interface FuzzStats {
  requests: number;
  fiveXx: number;
  crashes: number;
  /** Complete requests that got no reply at all. */
  noReply: number;
  /** Replies that broke a rule (5xx included), with the request that caused them (first 20 kept). */
  violations: number;
  examples: Array<{ problem: string; request: string; status: number; reply: string }>;
  byStatus: Record<string, number>;
  /** Per declared route (operationId): replies 2xx and 400 (the request reached validation or the handler). */
  byRoute: Record<string, { ok: number; invalid: number }>;
  seconds: number;
}

// ------------------------------------------------------------------ target

function fixtureEngine(): Engine {
  return tinyMoviesEngine();
}

async function fixtureStore(): Promise<MemoryGraphStore> {
  const store = new MemoryGraphStore();
  await store.upsertUsers([{ id: 'u1', props: { age: 30 } }, { id: 'u2' }, { id: 'u3' }]);
  await store.upsertItems(['a', 'b', 'c', 'd', 'i1'].map((id) => ({ id, title: `Title ${id}` })));
  await store.upsertEntities([{ id: 'rs', kind: 'person', name: 'Ridley Scott' }]);
  await store.upsertKnowledge([{ head: { kind: 'Item', id: 'a' }, relation: 'director', tail: { kind: 'Entity', id: 'rs' } }]);
  await store.recordInteractions([{ eventId: 'ev1', userId: 'u1', itemId: 'a', kind: 'rating', rating: 5, weight: 5, ts: 1 }]);
  return store;
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const cfg = loadConfig({
    env: {},
    overrides: { api: { requestTimeoutMs: 5000, headersTimeoutMs: 5000 }, auth: { keys: [{ name: 'fuzz', sha256: hashKey(FUZZ_KEY), scopes: ['admin'] }] } },
  });
  const store = await fixtureStore();
  const engine = fixtureEngine();
  // The extra routes `graphrec serve` mounts (recommendations, explorer search), as it mounts them.
  const extra = { store, cfg, engine: () => engine };
  // Conversations: one session whose id is a fixture id (`d`) so turns and reads can succeed.
  let first = true;
  const sessions = new SessionStore({}, Date.now, () => (first ? ((first = false), 'd') : randomUUID()));
  startConversation(engine, sessions, { k: 3 });
  const deps = { store, cfg, routes: [...recommendRoutes(extra), ...exploreRoutes(extra), ...converseRoutes({ ...extra, sessions })] };
  // The MCP endpoint `graphrec serve` mounts (POST /v1/mcp; not an OpenAPI route, fuzzed by `mcpRequestArb`).
  const served = await serveApp(createApp({ ...deps, mount: (app) => mountMcp(app, deps) }), cfg);
  const routes = apiRoutes(deps);
  return { served, routes, cfg, close: () => served.close() };
}

// ------------------------------------------------------------------ generators

const enc = (s: string) => Buffer.from(s, 'utf8');

/** Percent-encodes every byte of the UTF-8 form that is not unreserved (lone surrogates become U+FFFD here). */
function percentEncode(s: string): string {
  let out = '';
  for (const byte of enc(s)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** What `node:http` accepts in a path (0x21..0x7e); everything else is percent-encoded. */
function safePath(s: string): string {
  return s.replace(/[^\x21-\x7e]/g, (c) => percentEncode(c));
}

const PERCENT_GARBAGE = ['%', '%%', '%zz', '%E0%A4%A', '%ED%A0%80', '%ED%BF%BF', '%C0%AF', '%00', '%2F', '%2f..%2f', '..', '.', '%2e%2e', '%F4%90%80%80', '%FF%FE', '%u0041', '%25', '%0D%0A', '%3Cscript%3E', '\\'];
const FIXTURE_IDS = ['u1', 'u2', 'a', 'd', 'i1', 'rs', 'nobody', 'ev1'];

const segmentArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIXTURE_IDS) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(percentEncode) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(percentEncode) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...PERCENT_GARBAGE), fc.constantFrom(...FIXTURE_IDS)), { minLength: 1, maxLength: 4 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 6000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('', '%20', '%00', 'user:u1', 'a%2Fb', 'nul%00id', '%E2%80%AE', '%F0%9F%98%80') },
);

const kindArb = fc.constantFrom('user', 'item', 'entity', 'User', 'ITEM', 'Entity', 'x', '%00', 'user%00', '__proto__', 'constructor');

const NUMBER_STRINGS = ['0', '1', '-1', '5', '10', '100', '101', '1000', '1e3', '0x10', '1.5', '-0', '007', ' 1', '1 ', '', 'NaN', 'Infinity', '-Infinity', '9007199254740993', '99999999999999999999999', '١٢', '1_000', 'true', 'null', '[]', '{}'];
const ENUM_STRINGS = ['hybrid', 'ppr', 'embedding', 'popular', 'none', 'paths', 'text', 'out', 'in', 'both', 'director', 'rating', 'user:u1', 'item:a', 'entity:rs', 'user:', ':u1', 'nobody:x', 'item:' + 'z'.repeat(300), 'rs,rs,,', '0.5', '2', '-0.1', 'short', 'full'];

const queryValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NUMBER_STRINGS) },
  { weight: 4, arbitrary: fc.constantFrom(...ENUM_STRINGS) },
  { weight: 2, arbitrary: fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }).map(String) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 5000 }).map((n) => 'q'.repeat(n)) },
);

const QUERY_KEYS = ['k', 'n', 'limit', 'offset', 'maxHops', 'hops', 'from', 'to', 'strategy', 'explain', 'entity', 'diversity', 'relation', 'direction', 'query', 'cypher', '__proto__', 'constructor', 'toString', 'a[b]', 'limit[]', ''];

/** Plausible query strings per operation, to be extended with hostile pairs. */
const SAMPLE_QUERIES: Record<string, Array<[string, string]>> = {
  getPaths: [['from', 'user:u1'], ['to', 'item:a'], ['maxHops', '3']],
  getUserHistory: [['limit', '5'], ['offset', '0']],
  getEntity: [['limit', '5']],
  getNeighbours: [['direction', 'out'], ['limit', '10']],
  recommendForUser: [['k', '3'], ['explain', 'paths'], ['strategy', 'ppr']],
  explainRecommendation: [['style', 'short']],
  search: [['q', 'ali'], ['limit', '5']],
  similarItems: [['k', '3']],
};

function queryArb(route: Route | undefined): fc.Arbitrary<string> {
  const sample = route ? SAMPLE_QUERIES[route.operationId] : undefined;
  const own = route?.query ? Object.keys(route.query.shape) : [];
  const keyArb = fc.oneof({ weight: 3, arbitrary: own.length ? fc.constantFrom(...own) : fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });
  const random = fc.array(fc.tuple(keyArb, queryValueArb, fc.boolean()), { maxLength: 6 });
  const seeded = sample
    ? fc.tuple(fc.subarray(sample), fc.array(fc.tuple(keyArb, queryValueArb, fc.boolean()), { maxLength: 2 })).map(([kept, extra]) => [
        ...kept.map(([k, v]): [string, string, boolean] => [k, v, false]),
        ...extra,
      ])
    : random;
  const pairs = fc.oneof(random, seeded).map((list) =>
    list.map(([k, v, raw]) => `${percentEncode(k)}=${raw ? safePath(v).replace(/[&#]/g, '%26') : percentEncode(v)}`).join('&'),
  );
  return fc.oneof(
    { weight: 6, arbitrary: pairs.map((q) => (q ? '?' + q : '')) },
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&&=&=', '?%', '?k=%FF', '?k=%ED%A0%80', '?=1', '?k', '?k=1&k=2&k=3', '?limit=1&limit=', '?a[b][c]=1', '#frag', '?k=1#x') },
  );
}

/** Plausible bodies per operation, to be mutated; unknown operations get generic JSON. */
const SAMPLE_BODIES: Record<string, unknown> = {
  putUser: { props: { age: 30, name: 'x' } },
  putItem: { title: 'A title', props: { year: 1999 } },
  postUsers: [{ id: 'nu1', props: { a: 1 } }],
  postItems: { items: [{ id: 'ni1', title: 'New item' }] },
  postInteractions: { events: [{ eventId: 'e-1', userId: 'u1', itemId: 'a', kind: 'rating', rating: 4, ts: 10 }] },
  postSubgraph: { seeds: [{ kind: 'user', id: 'u1' }], hops: 1, limit: 10 },
  recommendColdStart: { seeds: [{ kind: 'entity', id: 'rs' }], keywords: 'ridley', k: 3, explain: 'text' },
  startConversation: { user: 'u1', k: 3, moves: [{ type: 'seed', node: { kind: 'entity', id: 'rs' } }], explain: 'paths' },
  conversationTurn: { moves: [{ type: 'more', node: { kind: 'item', id: 'a' } }, { type: 'reject', items: ['d'] }, { type: 'keywords', text: 'ridley' }], explain: 'text' },
};

const jsonLeafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', 'x', '\u0000', '\ud800', '\udfff', '😀', '<script>alert(1)</script>', "'}) DETACH DELETE n //", 'user:u1'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => 's'.repeat(n)),
);
const jsonArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: jsonLeafArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });

/** Replaces, deletes or adds one thing somewhere in a sample body. */
function mutate(sample: unknown): fc.Arbitrary<unknown> {
  const paths: Array<Array<string | number>> = [];
  const visit = (v: unknown, at: Array<string | number>) => {
    paths.push(at);
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...at, i]));
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => visit(x, [...at, k]));
  };
  visit(sample, []);
  const op = fc.constantFrom('replace', 'delete', 'add', 'wrap', 'repeat');
  return fc.tuple(fc.constantFrom(...paths), op, jsonArb, fc.constantFrom('extra', 'query', 'cypher', '__proto__', 'constructor', 'id', 'title', 'k'), fc.integer({ min: 2, max: 3000 })).map(([path, what, value, key, times]) => {
    const copy = structuredClone(sample) as Record<string | number, unknown>;
    if (path.length === 0) return what === 'wrap' ? [copy] : what === 'replace' ? value : copy;
    const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((node, k) => node[k] as Record<string | number, unknown>, copy);
    const last = path[path.length - 1]!;
    if (what === 'replace') parent[last] = value;
    else if (what === 'delete') delete parent[last];
    else if (what === 'add' && parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last])) (parent[last] as Record<string, unknown>)[key] = value;
    else if (what === 'wrap') parent[last] = [parent[last]];
    else if (what === 'repeat' && Array.isArray(parent)) parent.push(...Array.from({ length: times }, () => parent[0]));
    return copy;
  });
}

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

const hostileBodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(33, 100, 5000, 200_000).chain((d) => fc.constantFrom(nested(d, '[', ']'), nested(d, '{"a":', '}'), nested(d, '[{"x":', '}]'))).map(enc),
  fc.constantFrom('', '{', '{"a":1,}', '[1,2', 'nul', 'NaN', '1e999', '"\\ud800"', '\ufeff{}', '{"a":"\\u0000"}', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"k":1,"k":"2"}', "{'a':1}", '[]', '{}', 'true', '0').map(enc),
  fc.integer({ min: 1_048_577, max: 1_200_000 }).map((n) => enc('"' + 'a'.repeat(n) + '"')),
  fc.integer({ min: 10_000, max: 120_000 }).map((n) => enc('[' + Array.from({ length: n }, () => '0').join(',') + ']')),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
);

function bodyArb(route: Route | undefined): fc.Arbitrary<Buffer | undefined> {
  const sample = route ? SAMPLE_BODIES[route.operationId] : undefined;
  const json = (arb: fc.Arbitrary<unknown>) => arb.map((v) => enc(JSON.stringify(v) ?? 'null'));
  const options: Array<fc.WeightedArbitrary<Buffer | undefined>> = [
    { weight: 2, arbitrary: json(jsonArb) },
    { weight: 2, arbitrary: hostileBodyArb },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ];
  if (sample !== undefined) options.push({ weight: 3, arbitrary: json(fc.constant(sample)) }, { weight: 8, arbitrary: json(mutate(sample)) });
  return fc.oneof(...options);
}

const contentTypeArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      'text/plain',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16le',
      'application/json; charset=latin1',
      'application/json; charset=nope',
      'APPLICATION/JSON',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/vnd.api+json',
      'application/json, text/plain',
      ';;;',
    ),
  },
);

const keyHeaderArb: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ authorization: `Bearer ${FUZZ_KEY}` }) },
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constant({ 'x-api-key': FUZZ_KEY }) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', 'bearer x y', `Bearer ${FUZZ_KEY}x`, 'Digest x', 'Bearer \t').map((v) => ({ authorization: v })),
      fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~ +/='.split('')), maxLength: 200 }).map((v) => ({ 'x-api-key': v })),
      fc.constant({ authorization: `Bearer ${FUZZ_KEY}`, 'x-api-key': 'other' }),
    ),
  },
);

const extraHeadersArb: fc.Arbitrary<Record<string, string>> = fc
  .array(
    fc.constantFrom<[string, string]>(
      ['origin', 'https://evil.example'],
      ['x-forwarded-for', '203.0.113.7'],
      ['host', 'evil.example'],
      ['content-encoding', 'gzip'],
      ['content-encoding', 'br'],
      ['content-encoding', 'x-unknown'],
      ['access-control-request-method', 'PUT'],
      ['accept', 'text/html'],
      ['accept-charset', 'utf-16'],
      ['expect', '100-continue'],
      ['upgrade', 'websocket'],
      ['x-http-method-override', 'DELETE'],
      ['range', 'bytes=0-1'],
      ['if-none-match', '*'],
    ),
    { maxLength: 3 },
  )
  .map((pairs) => Object.fromEntries(pairs));

const OTHER_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE', 'LOCK', 'MKCOL', 'QUERY', 'FOO', 'get'];

/** Plausible path parameters per operation (routes with two ids rarely get a valid pair by chance). */
const SAMPLE_PARAMS: Record<string, Record<string, string>> = {
  explainRecommendation: { id: 'u1', itemId: 'd' },
  conversationTurn: { id: 'd' },
  getConversation: { id: 'd' },
};

function routePath(route: Route): fc.Arbitrary<string> {
  const parts = route.path.split('/');
  const random = fc.tuple(...parts.map((p) => (p === ':kind' ? kindArb : p.startsWith(':') ? segmentArb : fc.constant(p)))).map((segs) => segs.join('/'));
  const sample = SAMPLE_PARAMS[route.operationId];
  if (!sample) return random;
  const plausible = parts.map((p) => (p.startsWith(':') ? (sample[p.slice(1)] ?? p) : p)).join('/');
  return fc.oneof({ weight: 3, arbitrary: random }, { weight: 1, arbitrary: fc.constant(plausible) });
}

function httpRequestArb(routes: readonly Route[]): fc.Arbitrary<FuzzRequest> {
  const routeArb = fc.constantFrom(...routes);
  const shaped = routeArb.chain((route) =>
    fc
      .record({
        path: routePath(route),
        query: queryArb(route),
        body: route.body ? bodyArb(route) : fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bodyArb(undefined) }),
        method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method.toUpperCase()) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) }),
        contentType: contentTypeArb,
        keys: keyHeaderArb,
        extra: extraHeadersArb,
        trailingSlash: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        upper: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      })
      .map((r): FuzzRequest => {
        let path = r.path + (r.trailingSlash ? '/' : '');
        if (r.upper) path = path.toUpperCase();
        const headers: Record<string, string> = { ...r.keys, ...r.extra };
        if (r.body !== undefined && r.contentType !== '') headers['content-type'] = r.contentType;
        return { kind: 'http', method: r.method, path: path + r.query, headers, ...(r.body !== undefined ? { body: r.body } : {}) };
      }),
  );
  const stray = fc
    .record({
      path: fc.oneof(
        fc.constantFrom('/', '/v1', '/v1/', '/v2/stats', '/v1/../v1/stats', '/v1/./stats', '//v1/stats', '/v1//users/u1', '/V1/STATS', '/v1/stats/', '/v1/users', '/v1/users/', '/v1/nodes/user/u1', '/v1/paths/x', '/.env', '/%2e%2e/etc/passwd', '/v1/health', '/favicon.ico', '/v1/openapi.json/x', '/*', '/v1/users/u1/recommendations/d/explanation/extra'),
        fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => '/' + percentEncode(s)),
        fc.array(segmentArb, { minLength: 1, maxLength: 6 }).map((segs) => '/v1/' + segs.join('/')),
      ),
      query: queryArb(undefined),
      method: fc.constantFrom(...OTHER_METHODS),
      keys: keyHeaderArb,
      body: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostileBodyArb }),
    })
    .map((r): FuzzRequest => ({ kind: 'http', method: r.method, path: r.path + r.query, headers: { ...r.keys, ...(r.body ? { 'content-type': 'application/json' } : {}) }, ...(r.body ? { body: r.body } : {}) }));
  return fc.oneof({ weight: 9, arbitrary: shaped }, { weight: 1, arbitrary: stray });
}

const RAW_LINES: Array<[string, boolean]> = [
  ['GET /v1/stats HTTP/1.1\r\nHost: localhost\r\n\r\n', true],
  ['GET /v1/stats HTTP/9.9\r\nHost: localhost\r\n\r\n', true],
  ['GET /v1/stats HTTP/1.1x\r\nHost: localhost\r\n\r\n', true],
  ['GET /v1/stats\r\n\r\n', true],
  ['GET  /v1/stats  HTTP/1.1\r\nHost: localhost\r\n\r\n', true],
  ['GET /v1/users/u\u00001 HTTP/1.1\r\nHost: localhost\r\n\r\n', true],
  ['GET /v1/users/\u00e9\u00e8 HTTP/1.1\r\nHost: localhost\r\n\r\n', true],
  ['GET /v1/users/😀 HTTP/1.1\r\nHost: localhost\r\n\r\n', true],
  ['GET /v1/stats HTTP/1.1\nHost: localhost\n\n', true],
  ['GET /v1/stats HTTP/1.1\rHost: localhost\r\r', true],
  ['GET /v1/stats HTTP/1.1\r\nHost localhost\r\n\r\n', true],
  ['GET /v1/stats HTTP/1.1\r\nHost : localhost\r\n\r\n', true],
  ['GET /v1/stats HTTP/1.1\r\nHost: local\u0000host\r\n\r\n', true],
  ['GET /v1/stats HTTP/1.1\r\nHost: localhost\r\nX-Folded: a\r\n b\r\n\r\n', true],
  ['GET /v1/stats HTTP/1.1\r\n\r\n', true],
  ['GET /v1/stats HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', true],
  ['G\u00c9T /v1/stats HTTP/1.1\r\nHost: localhost\r\n\r\n', true],
  ['FOO /v1/stats HTTP/1.1\r\nHost: localhost\r\n\r\n', true],
  ['CONNECT localhost:22 HTTP/1.1\r\nHost: localhost:22\r\n\r\n', true],
  ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', true],
  ['\r\n\r\n', false], // empty lines before a request line are skipped (RFC 9112 §2.2): no request, no reply
  ['POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 12\r\nContent-Length: 13\r\n\r\n[{"id":"a"}]', true],
  ['POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 12\r\nTransfer-Encoding: chunked\r\n\r\n[{"id":"a"}]', true],
  ['POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n', true],
  ['POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n[]\r\n0\r\n\r\n', true],
  ['POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n', true],
  ['POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n', true],
  ['POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"id":"a"}]', false],
  ['GET /v1/stats HTTP/1.1\r\nHost: localhost\r\n\r\nGET /v1/stats HTTP/1.1\r\nHost: localhost\r\n\r\n', true],
  ['GET /v1/stats HTTP/1.1\r\nHost: localhost\r\n', false],
];

const rawArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RAW_LINES).map(([text, complete]): FuzzRequest => ({ kind: 'raw', bytes: Buffer.from(text, 'utf8'), complete })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'X', ''), fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.uint8Array({ maxLength: 100 }))
      .map(([m, path, header]): FuzzRequest => ({
        kind: 'raw',
        bytes: Buffer.concat([enc(`${m} /v1/users/`), Buffer.from(path), enc(' HTTP/1.1\r\nHost: localhost\r\nX-A: '), Buffer.from(header), enc('\r\n\r\n')]),
        complete: true,
      })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 16_500, max: 40_000 }).map((n): FuzzRequest => ({ kind: 'raw', bytes: enc(`GET /v1/stats HTTP/1.1\r\nHost: localhost\r\nX-Pad: ${'p'.repeat(n)}\r\n\r\n`), complete: true })) },
  { weight: 1, arbitrary: fc.integer({ min: 5000, max: 20_000 }).map((n): FuzzRequest => ({ kind: 'raw', bytes: enc(`GET /v1/users/${'u'.repeat(n)} HTTP/1.1\r\nHost: localhost\r\n\r\n`), complete: true })) },
  { weight: 1, arbitrary: fc.integer({ min: 101, max: 300 }).map((n): FuzzRequest => ({ kind: 'raw', bytes: enc(`GET /v1/stats HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`), complete: true })) },
);

const MCP_TOOL_ARGS: Record<string, Record<string, unknown>> = {
  recommend: { user: 'u1', k: 3, explain: 'text' },
  explain: { user: 'u1', item: 'd' },
  search: { q: 'ali', kind: 'item,entity' },
  similar_items: { item: 'a', k: 2 },
  user_history: { user: 'u1', limit: 5 },
  graph_neighbours: { kind: 'entity', id: 'rs', direction: 'in' },
  start_conversation: { user: 'u1', k: 3, moves: [{ type: 'seed', node: { kind: 'entity', id: 'rs' } }] },
  converse: { conversation: 'd', moves: [{ type: 'reject', items: ['d'] }, { type: 'keywords', text: 'ridley' }] },
};
const rpc = (id: number, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) });
const MCP_SAMPLES: unknown[] = [
  rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1.0.0' } }),
  rpc(2, 'tools/list'),
  ...TOOL_SPECS.map((t, i) => rpc(10 + i, 'tools/call', { name: t.name, arguments: MCP_TOOL_ARGS[t.name] ?? {} })),
  rpc(3, 'tools/call', { name: 'nope', arguments: {} }),
  rpc(4, 'ping'),
  rpc(5, 'resources/list'),
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  [rpc(6, 'tools/list'), rpc(7, 'tools/call', { name: 'search', arguments: { q: 'blade' } })],
];

/** JSON-RPC at the MCP endpoint: sample messages, mutated ones, hostile bodies; other methods; odd Accept headers. */
const mcpRequestArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    body: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...MCP_SAMPLES).map((m) => enc(JSON.stringify(m))) },
      { weight: 6, arbitrary: fc.constantFrom(...MCP_SAMPLES).chain(mutate).map((m) => enc(JSON.stringify(m) ?? 'null')) },
      { weight: 1, arbitrary: hostileBodyArb },
    ),
    method: fc.oneof({ weight: 12, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) }),
    accept: fc.oneof({ weight: 8, arbitrary: fc.constant('application/json, text/event-stream') }, { weight: 1, arbitrary: fc.constantFrom('', 'application/json', 'text/event-stream', '*/*', 'text/html') }),
    contentType: contentTypeArb,
    keys: keyHeaderArb,
    extra: extraHeadersArb,
    version: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('2025-06-18', '2025-03-26', '1999-01-01', 'x') }),
  })
  .map((r): FuzzRequest => {
    const headers: Record<string, string> = { ...r.keys, ...r.extra };
    if (r.accept !== '') headers.accept = r.accept;
    if (r.contentType !== '') headers['content-type'] = r.contentType;
    if (r.version !== '') headers['mcp-protocol-version'] = r.version;
    return { kind: 'http', method: r.method, path: MCP_PATH, headers, body: r.body };
  });

/** Everything the fuzzer sends: mostly route-shaped HTTP requests, some MCP JSON-RPC, some raw bytes. */
export function requestArbitrary(target: Pick<FuzzTarget, 'routes'>): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ weight: 14, arbitrary: httpRequestArb(target.routes) }, { weight: 2, arbitrary: mcpRequestArb }, { weight: 1, arbitrary: rawArb });
}

// ------------------------------------------------------------------ checking

const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.enum(ERROR_CODES), message: z.string().min(1), details: z.unknown().optional() }),
});

/** What the MCP transport itself answers with (a JSON-RPC error, e.g. a missing Accept header or an unknown version). */
const JsonRpcErrorBody = z.object({ jsonrpc: z.literal('2.0'), error: z.object({ code: z.number().int(), message: z.string().min(1) }), id: z.union([z.string(), z.number(), z.null()]).optional() });
const JsonRpcReply = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.number().int(), message: z.string() }).optional(),
});

/** A reply of the MCP endpoint: JSON-RPC replies (tool results with text, structured content valid for the route), or an error body. */
function checkMcpReply(request: Extract<FuzzRequest, { kind: 'http' }>, reply: Reply, routes: readonly Route[]): string | undefined {
  if (reply.status >= 400) {
    if (request.method.toUpperCase() === 'HEAD') return undefined;
    if (!String(reply.headers['content-type'] ?? '').startsWith('application/json')) return `mcp error without JSON content type (${String(reply.headers['content-type'])})`;
    return ErrorBody.safeParse(reply.json).success || JsonRpcErrorBody.safeParse(reply.json).success ? undefined : `mcp error body neither the API's nor JSON-RPC: ${reply.text.slice(0, 200)}`;
  }
  if (reply.status === 202 || reply.status === 204) return undefined;
  if (reply.status !== 200) return `mcp: unexpected status ${reply.status}`;
  if (!String(reply.headers['content-type'] ?? '').startsWith('application/json')) return 'mcp success without JSON content type';
  const replies = Array.isArray(reply.json) ? (reply.json as unknown[]) : [reply.json];
  let sent: unknown;
  try {
    sent = JSON.parse(request.body!.toString('utf8'));
  } catch {
    return 'mcp: a reply to a body that is not JSON';
  }
  const calls = (Array.isArray(sent) ? sent : [sent]) as Array<{ id?: unknown; method?: unknown; params?: { name?: unknown } }>;
  const byOperation = new Map(routes.map((r) => [r.operationId, r]));
  for (const one of replies) {
    const parsed = JsonRpcReply.safeParse(one);
    if (!parsed.success) return `mcp reply is not JSON-RPC: ${JSON.stringify(one).slice(0, 200)}`;
    const call = calls.find((c) => c && typeof c === 'object' && c.id === parsed.data.id && c.method === 'tools/call');
    const result = parsed.data.result;
    if (!call || !result) continue;
    if (!Array.isArray(result.content)) return 'mcp tool result without content';
    const spec = TOOL_SPECS.find((t) => t.name === call.params?.name);
    if (!spec || result.isError === true) continue;
    const ok = byOperation.get(spec.operationId)!.response.safeParse(result.structuredContent);
    if (!ok.success) return `mcp ${spec.name} structured content does not match ${spec.operationId}: ${ok.error.issues[0]?.message}`;
  }
  return undefined;
}

function compiledRoutes(routes: readonly Route[]) {
  return routes.map((route) => ({
    route,
    re: new RegExp('^' + route.path.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/') + '/?$', 'i'),
  }));
}

/** Why `reply` breaks the rules for `request`, or undefined. */
export function checkReply(request: FuzzRequest, reply: Reply, routes: ReturnType<typeof compiledRoutes>): string | undefined {
  if (reply.status === 0) return request.kind === 'raw' && !request.complete ? undefined : 'no reply';
  if (reply.status >= 500) return `status ${reply.status}`;
  if (reply.headers['x-content-type-options'] !== 'nosniff' || !reply.headers['content-security-policy']) return 'missing security headers';
  if (request.kind === 'http' && request.path === MCP_PATH && request.method.toUpperCase() !== 'OPTIONS') {
    return checkMcpReply(request, reply, routes.map((r) => r.route));
  }
  const method = request.kind === 'http' ? request.method.toUpperCase() : 'RAW';
  if (reply.status >= 400) {
    if (method === 'HEAD') return undefined;
    if (!String(reply.headers['content-type'] ?? '').startsWith('application/json')) return `error without JSON content type (${String(reply.headers['content-type'])})`;
    const parsed = ErrorBody.safeParse(reply.json);
    return parsed.success ? undefined : `error body not {error:{code,message}}: ${reply.text.slice(0, 200)}`;
  }
  // Raw successes are well-formed requests sent as bytes; their bodies are checked as HTTP requests elsewhere.
  if (reply.status === 204 || method === 'HEAD' || request.kind === 'raw') return undefined;
  if (reply.status === 304 && request.headers['if-none-match'] !== undefined) return undefined; // conditional GET: valid
  if (reply.status >= 300) return `unexpected status ${reply.status}`;
  const path = request.path.split(/[?#]/)[0]!;
  const hit = routes.find((r) => r.route.method.toUpperCase() === method && r.re.test(path));
  if (!hit) return `success from no declared route: ${method} ${path.slice(0, 100)}`;
  if (!String(reply.headers['content-type'] ?? '').startsWith('application/json')) return 'success without JSON content type';
  const ok = hit.route.response.safeParse(reply.json);
  return ok.success ? undefined : `success body does not match ${hit.route.operationId}: ${ok.error.issues[0]?.message}`;
}

export function describeRequest(request: FuzzRequest): string {
  if (request.kind === 'raw') return 'RAW ' + JSON.stringify(request.bytes.toString('latin1').slice(0, 300));
  const body = request.body ? ` body(${request.body.length})=${JSON.stringify(request.body.toString('utf8').slice(0, 200))}` : '';
  return `${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers)}${body}`;
}

/** Sends one request (raw ones on their own socket); transport errors (the server hung up) count as no reply. */
export async function sendFuzz(served: Served, request: FuzzRequest): Promise<Reply> {
  try {
    if (request.kind === 'raw') return await served.raw(request.bytes);
    return await served.send({ method: request.method, path: safePath(request.path), headers: request.headers, ...(request.body ? { body: request.body } : {}) });
  } catch (error) {
    return { status: 0, headers: {}, text: `transport error: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, json: undefined };
  }
}

/** Runs requests `concurrency` at a time and tallies them. Crashes = uncaught exceptions or rejections meanwhile. */
export async function fuzzRequests(target: FuzzTarget, requests: Iterable<FuzzRequest>, options: { concurrency?: number } = {}): Promise<FuzzStats> {
  const routes = compiledRoutes(target.routes);
  const stats: FuzzStats = { requests: 0, fiveXx: 0, crashes: 0, noReply: 0, violations: 0, examples: [], byStatus: {}, byRoute: {}, seconds: 0 };
  for (const { route } of routes) stats.byRoute[route.operationId] = { ok: 0, invalid: 0 };
  stats.byRoute.mcp = { ok: 0, invalid: 0 };
  const onCrash = () => void stats.crashes++;
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const t0 = performance.now();
  const iterator = requests[Symbol.iterator]();
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      const request = next.value;
      const reply = await sendFuzz(target.served, request);
      stats.requests++;
      stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
      if (reply.status >= 500) stats.fiveXx++;
      if (request.kind === 'http' && request.path === MCP_PATH && (reply.status === 200 || reply.status === 400)) {
        stats.byRoute.mcp![reply.status === 200 ? 'ok' : 'invalid']++;
      } else if (request.kind === 'http' && (reply.status === 200 || reply.status === 400)) {
        const path = request.path.split(/[?#]/)[0]!;
        const hit = routes.find((r) => r.route.method.toUpperCase() === request.method.toUpperCase() && r.re.test(path));
        if (hit) stats.byRoute[hit.route.operationId]![reply.status === 200 ? 'ok' : 'invalid']++;
      }
      const problem = checkReply(request, reply, routes);
      if (problem === 'no reply') stats.noReply++;
      if (problem) {
        stats.violations++;
        if (stats.examples.length < 20) stats.examples.push({ problem, request: describeRequest(request), status: reply.status, reply: reply.text.slice(0, 300) });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  stats.seconds = Number(((performance.now() - t0) / 1000).toFixed(2));
  return stats;
}

/** `count` requests from `seed`, generated lazily in chunks (so a long run holds one chunk in memory). */
export function* generateRequests(target: Pick<FuzzTarget, 'routes'>, seed: number, count: number, chunk = 500): Generator<FuzzRequest> {
  const arb = requestArbitrary(target);
  for (let done = 0, round = 0; done < count; round++) {
    const n = Math.min(chunk, count - done);
    yield* fc.sample(arb, { seed: seed + round, numRuns: n });
    done += n;
  }
}
