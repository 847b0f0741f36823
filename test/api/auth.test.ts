/**
 * @module test/api/auth
 * API keys, scopes and rate limits over real HTTP: keys held as SHA-256 digests, Bearer and X-API-Key, 401 vs 403,
 * reads open or keyed by config, the no-key mode (local clients only may write), token buckets with Retry-After, the
 * scope table, the env format of keys, and the absence of any route that takes Cypher from the caller.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRoutes, createApp, type AppDeps } from '../../src/api/app.ts';
import { defineRoute, type Route } from '../../src/api/route.ts';
import { exploreRoutes } from '../../src/api/routes/explore.ts';
import { recommendRoutes } from '../../src/api/routes/recommend.ts';
import { isLocalRequest, isLoopbackAddress, isLoopbackHost, namesThisServer } from '../../src/api/security/client.ts';
import { authorise } from '../../src/api/security/guard.ts';
import { hashKey, KeyRing, presentedKey } from '../../src/api/security/keys.ts';
import { RateLimiter } from '../../src/api/security/rate-limit.ts';
import { grants, routeScope, SCOPE_RULES } from '../../src/api/security/scopes.ts';
import { loadConfig } from '../../src/core/config.ts';
import { isAppError } from '../../src/core/errors.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { serveApp, type Reply, type Served } from './http-client.ts';

const KEYS = { reader: 'r-key-0123456789', writer: 'w-key-0123456789', ops: 'a-key-0123456789' } as const;
const KEY_CONFIG = [
  { name: 'reader', sha256: hashKey(KEYS.reader), scopes: ['read'] },
  { name: 'writer', sha256: hashKey(KEYS.writer), scopes: ['write'] },
  { name: 'ops', sha256: hashKey(KEYS.ops), scopes: ['admin'] },
];

const served: Served[] = [];
afterEach(async () => {
  await Promise.all(served.splice(0).map((s) => s.close()));
});

/** An admin route at the metrics path, in case the app has none there (a built-in one is mounted first and wins). */
const metricsRoute: Route = defineRoute({
  method: 'get',
  path: '/v1/health/metrics',
  operationId: 'testMetrics',
  tag: 'health',
  summary: 'test admin route',
  response: z.object({ ok: z.boolean() }),
  handler: async () => ({ ok: true }),
});

async function serve(overrides: Record<string, unknown> = {}, extra: Partial<AppDeps> = {}) {
  const cfg = loadConfig({ env: {}, overrides });
  const s = await serveApp(createApp({ store: new MemoryGraphStore(), cfg, routes: [metricsRoute], ...extra }), cfg);
  served.push(s);
  return s;
}

const putUser = (headers: Record<string, string> = {}) => ({
  method: 'PUT',
  path: '/v1/users/u1',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ props: { a: 1 } }),
});

function expectCode(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.json).toMatchObject({ error: { code } });
}

describe('keys', () => {
  it('hashes with SHA-256 and finds a key only by its exact value', () => {
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const ring = new KeyRing(KEY_CONFIG.map((k) => ({ ...k, scopes: k.scopes as ['read'] })));
    expect(ring.find(KEYS.writer)).toEqual({ name: 'writer', scopes: ['write'] });
    expect(ring.find(KEYS.writer + ' ')).toBeUndefined();
    expect(ring.find(KEYS.writer.toUpperCase())).toBeUndefined();
    expect(ring.find('')).toBeUndefined();
    // Digests in upper-case hex match too.
    expect(new KeyRing([{ name: 'x', sha256: hashKey('k').toUpperCase(), scopes: ['read'] }]).find('k')?.name).toBe('x');
  });

  it('reads Bearer and X-API-Key, and refuses malformed or conflicting credentials', () => {
    expect(presentedKey({})).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer   abc ' })).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'Bearer abc', 'x-api-key': 'abc' })).toBe('abc');
    for (const headers of [{ authorization: 'Basic YTpi' }, { authorization: 'Bearer' }, { authorization: 'Bearer a b' }, { 'x-api-key': ' ' }, { authorization: 'Bearer a', 'x-api-key': 'b' }]) {
      expect(() => presentedKey(headers), JSON.stringify(headers)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    }
  });

  it('loads keys from GRAPHREC_API_KEYS and refuses bad key configuration at boot', () => {
    const env = { GRAPHREC_API_KEYS: `reader:${hashKey('a')}:read; ops:${hashKey('b')}:write,admin;` };
    const cfg = loadConfig({ env });
    expect(cfg.auth.keys).toEqual([
      { name: 'reader', sha256: hashKey('a'), scopes: ['read'] },
      { name: 'ops', sha256: hashKey('b'), scopes: ['write', 'admin'] },
    ]);
    const bad = (e: Record<string, string>) => {
      try {
        loadConfig({ env: e });
      } catch (error) {
        return isAppError(error, 'CONFIG');
      }
      return false;
    };
    expect(bad({ GRAPHREC_API_KEYS: 'x:nothex:read' })).toBe(true);
    expect(bad({ GRAPHREC_API_KEYS: `x:${hashKey('a')}:root` })).toBe(true);
    expect(bad({ GRAPHREC_API_KEYS: `x:${hashKey('a')}` })).toBe(true);
    expect(bad({ GRAPHREC_API_KEYS: `x:${hashKey('a')}:read;x:${hashKey('b')}:read` })).toBe(true);
    expect(bad({ GRAPHREC_API_KEYS: `x:${hashKey('a')}:read;y:${hashKey('a')}:read` })).toBe(true);
    expect(bad({ GRAPHREC_READ_REQUIRES_KEY: 'true' })).toBe(true);
    expect(bad({ GRAPHREC_READ_REQUIRES_KEY: 'maybe' })).toBe(true);
    expect(loadConfig({ env: { ...env, GRAPHREC_READ_REQUIRES_KEY: 'true' } }).auth.readRequiresKey).toBe(true);
  });
});

describe('scopes', () => {
  it('classifies every route: GET read, other methods write, the table for the exceptions', () => {
    const cfg = loadConfig({ env: {} });
    const store = new MemoryGraphStore();
    const extra = { store, cfg, engine: () => undefined };
    const routes = apiRoutes({ store, cfg, routes: [...recommendRoutes(extra), ...exploreRoutes(extra)] });
    for (const route of routes) {
      const scope = routeScope(route.method, route.path);
      const rule = SCOPE_RULES.find((r) => r.path === route.path && (r.method === '*' || r.method === route.method.toUpperCase()));
      const expected = rule ? rule.scope : route.method === 'get' ? 'read' : 'write';
      expect(scope, `${route.method} ${route.path}`).toBe(expected);
    }
    expect(routeScope('PUT', '/v1/users/1')).toBe('write');
    expect(routeScope('POST', '/v1/interactions')).toBe('write');
    expect(routeScope('DELETE', '/anything')).toBe('write');
    expect(routeScope('GET', '/')).toBe('public');
    expect(routeScope('HEAD', '/v1/stats')).toBe('read');
    expect(routeScope('GET', '/V1/Health/Metrics/')).toBe('admin');
    expect(routeScope('PUT', '/V1/USERS/1')).toBe('write');
    expect(routeScope('POST', '/v1/subgraph')).toBe('read');
  });

  it('nests scopes: admin ⊇ write ⊇ read', () => {
    expect(grants(['admin'], 'read')).toBe(true);
    expect(grants(['write'], 'admin')).toBe(false);
    expect(grants(['read'], 'write')).toBe(false);
    expect(grants([], 'public')).toBe(true);
    const auth = loadConfig({ env: {} }).auth;
    expect(authorise('write', undefined, true, auth)).toBeUndefined();
    expect(authorise('write', undefined, false, auth)?.code).toBe('FORBIDDEN');
  });
});

describe('auth over HTTP with keys configured', () => {
  it('writes need a key with the write scope; reads are open by default', async () => {
    const s = await serve({ auth: { keys: KEY_CONFIG } });
    expect((await s.send({ path: '/v1/stats' })).status).toBe(200);
    const anonymous = await s.send(putUser());
    expectCode(anonymous, 401, 'UNAUTHORIZED');
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    expectCode(await s.send(putUser({ authorization: `Bearer ${KEYS.reader}` })), 403, 'FORBIDDEN');
    expectCode(await s.send(putUser({ authorization: 'Bearer not-a-key' })), 401, 'UNAUTHORIZED');
    expectCode(await s.send(putUser({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })), 401, 'UNAUTHORIZED');
    expectCode(await s.send(putUser({ authorization: `Bearer ${KEYS.writer}`, 'x-api-key': KEYS.ops })), 401, 'UNAUTHORIZED');
    expect((await s.send(putUser({ authorization: `Bearer ${KEYS.writer}` }))).status).toBe(200);
    expect((await s.send(putUser({ 'x-api-key': KEYS.ops }))).status).toBe(200);
    // Loopback does not stand in for a key once keys exist.
    expectCode(await s.send({ ...putUser(), path: '/v1/users/u2' }), 401, 'UNAUTHORIZED');
    // Query-like POST routes are reads.
    const subgraph = await s.send({ method: 'POST', path: '/v1/subgraph', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seeds: [{ kind: 'user', id: 'u1' }] }) });
    expect(subgraph.status, subgraph.text).toBe(200);
  });

  it('admin routes need the admin scope, however the path is spelled', async () => {
    const s = await serve({ auth: { keys: KEY_CONFIG } });
    for (const p of ['/v1/health/metrics', '/v1/health/metrics/', '/V1/HEALTH/METRICS', '/v1/Health/Metrics?x=1']) {
      const anonymous = await s.send({ path: p });
      expect([401, 404], `${p} → ${anonymous.status}`).toContain(anonymous.status);
      const writer = await s.send({ path: p, headers: { 'x-api-key': KEYS.writer } });
      expect([403, 404], `${p} → ${writer.status}`).toContain(writer.status);
    }
    expect((await s.send({ path: '/v1/health/metrics', headers: { authorization: `Bearer ${KEYS.ops}` } })).status).toBe(200);
    // Probes stay open.
    expect((await s.send({ path: '/v1/health/live' })).status).toBe(200);
  });

  it('with auth.readRequiresKey, reads need a key too (probes excepted)', async () => {
    const s = await serve({ auth: { keys: KEY_CONFIG, readRequiresKey: true } });
    expectCode(await s.send({ path: '/v1/stats' }), 401, 'UNAUTHORIZED');
    expectCode(await s.send({ path: '/v1/openapi.json' }), 401, 'UNAUTHORIZED');
    expect((await s.send({ path: '/v1/stats', headers: { 'x-api-key': KEYS.reader } })).status).toBe(200);
    expect((await s.send({ path: '/v1/stats', headers: { 'x-api-key': KEYS.writer } })).status).toBe(200);
    expect((await s.send({ path: '/v1/health/live' })).status).toBe(200);
  });
});

describe('auth over HTTP with no keys configured', () => {
  it('lets local clients write and refuses everyone else', async () => {
    const s = await serve();
    expect((await s.send(putUser())).status).toBe(200);
    expect((await s.send({ path: '/v1/health/metrics' })).status).toBe(200);
    // A request a reverse proxy forwarded is not local, nor one naming a foreign host (DNS rebinding).
    expectCode(await s.send(putUser({ 'x-forwarded-for': '203.0.113.9' })), 403, 'FORBIDDEN');
    expectCode(await s.send(putUser({ forwarded: 'for=203.0.113.9' })), 403, 'FORBIDDEN');
    expectCode(await s.send(putUser({ host: 'evil.example:3000' })), 403, 'FORBIDDEN');
    expectCode(await s.send({ path: '/v1/health/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } }), 403, 'FORBIDDEN');
    // Reads stay open to everyone; a key that is not configured is still refused.
    expect((await s.send({ path: '/v1/stats', headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
    expectCode(await s.send({ path: '/v1/stats', headers: { 'x-api-key': 'anything' } }), 401, 'UNAUTHORIZED');
  });

  it('answers reads only for a Host naming this server (DNS rebinding), unless keys are configured', async () => {
    const s = await serve();
    for (const host of ['evil.example', 'evil.example:3000', '127.0.0.1.nip.io', 'localhost.evil.example', '203.0.113.9']) {
      expectCode(await s.send({ path: '/v1/stats', headers: { host } }), 403, 'FORBIDDEN');
      expectCode(await s.send({ path: '/v1/users/u1/recommendations?explain=text', headers: { host } }), 403, 'FORBIDDEN');
    }
    const own = [...Object.values(networkInterfaces())].flat().map((i) => i!.address).find((a) => !a.startsWith('127.') && a !== '::1');
    for (const host of ['localhost:3000', '127.0.0.1', '[::1]:3000', 'app.localhost', hostname(), ...(own ? [own.includes(':') ? `[${own}]:3000` : own] : [])]) {
      expect((await s.send({ path: '/v1/stats', headers: { host } })).status, host).toBe(200);
    }
    const named = await serve({ api: { allowedHosts: ['recs.example.org', '.corp.example'] } });
    for (const host of ['recs.example.org', 'recs.example.org:8080', 'a.corp.example', 'corp.example']) expect((await named.send({ path: '/v1/stats', headers: { host } })).status, host).toBe(200);
    expectCode(await named.send({ path: '/v1/stats', headers: { host: 'evilcorp.example' } }), 403, 'FORBIDDEN');
    // With keys configured, the keys guard the data; reads answer any Host.
    const keyed = await serve({ auth: { keys: KEY_CONFIG } });
    expect((await keyed.send({ path: '/v1/stats', headers: { host: 'evil.example' } })).status).toBe(200);
    expect(namesThisServer('evil.example', ['*'])).toBe(true);
    expect(namesThisServer(undefined)).toBe(false);
  });

  it('knows loopback addresses and hosts', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '1.127.0.0', '', undefined, '0.0.0.0']) expect(isLoopbackAddress(a), String(a)).toBe(false);
    for (const h of ['localhost', 'localhost:3000', 'app.localhost', '127.0.0.1:80', '[::1]:3000', 'LOCALHOST.']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['example.com', 'localhost.example.com', '127.0.0.1.nip.io', '[::2]', '', undefined, 'localhost:abc']) expect(isLoopbackHost(h), String(h)).toBe(false);
    expect(isLocalRequest({ remoteAddress: '127.0.0.1', headers: { host: 'localhost' } })).toBe(true);
    expect(isLocalRequest({ remoteAddress: '127.0.0.1', headers: { host: 'localhost', via: '1.1 proxy' } })).toBe(false);
    expect(isLocalRequest({ remoteAddress: '192.0.2.1', headers: { host: 'localhost' } })).toBe(false);
  });
});

describe('rate limits', () => {
  it('token bucket: burst, refill, Retry-After, LRU cap', () => {
    let now = 0;
    const limiter = new RateLimiter({ maxClients: 2, now: () => now });
    const policy = { perSecond: 2, burst: 3 };
    expect([1, 2, 3].map(() => limiter.take('a', policy).ok)).toEqual([true, true, true]);
    const denied = limiter.take('a', policy);
    expect(denied).toEqual({ ok: false, retryAfterS: 0.5 });
    now = 500;
    expect(limiter.take('a', policy).ok).toBe(true);
    expect(limiter.take('a', policy).ok).toBe(false);
    now = 100_000;
    expect(limiter.take('a', policy)).toEqual({ ok: true, remaining: 2 });
    limiter.take('b', policy);
    limiter.take('c', policy);
    expect(limiter.clients).toBe(2);
    expect(limiter.take('x', { perSecond: 0, burst: 1 }).ok).toBe(true);
  });

  it('answers 429 with Retry-After per anonymous address and per key, separately', async () => {
    const s = await serve({
      auth: { keys: KEY_CONFIG, rateLimit: { anonymousPerSecond: 0.5, anonymousBurst: 3, keyPerSecond: 0.5, keyBurst: 2, exemptLoopback: false } },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await s.send({ path: '/v1/stats' })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await s.send({ path: '/v1/stats' });
    expectCode(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The key has its own bucket.
    const keyed = [];
    for (let i = 0; i < 3; i++) keyed.push((await s.send({ path: '/v1/stats', headers: { 'x-api-key': KEYS.reader } })).status);
    expect(keyed).toEqual([200, 200, 429]);
    expect((await s.send({ path: '/v1/stats', headers: { 'x-api-key': KEYS.writer } })).status).toBe(200);
  });

  it('exempts local clients by default, but not forwarded ones', async () => {
    const s = await serve({ auth: { rateLimit: { anonymousPerSecond: 0.5, anonymousBurst: 2 } } });
    for (let i = 0; i < 10; i++) expect((await s.send({ path: '/v1/stats' })).status).toBe(200);
    const forwarded = { 'x-forwarded-for': '198.51.100.1' };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await s.send({ path: '/v1/stats', headers: forwarded })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('no caller-supplied Cypher', () => {
  /** Every object key any request schema of any route accepts (params, query, body), found by walking the zod schemas. */
  function acceptedKeys(routes: readonly Route[]): Set<string> {
    const keys = new Set<string>();
    const seen = new Set<unknown>();
    const walk = (schema: unknown): void => {
      if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
      seen.add(schema);
      const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (!def) return;
      if (def.type === 'object') {
        for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) {
          keys.add(key);
          walk(value);
        }
      }
      for (const value of Object.values(def)) {
        if (Array.isArray(value)) value.forEach(walk);
        else walk(value);
      }
    };
    for (const r of routes) [r.params, r.query, r.body].forEach(walk);
    return keys;
  }

  it('no route accepts a query, cypher or statement field', () => {
    const cfg = loadConfig({ env: {} });
    const store = new MemoryGraphStore();
    const extra = { store, cfg, engine: () => undefined };
    const routes = apiRoutes({ store, cfg, routes: [...recommendRoutes(extra), ...exploreRoutes(extra)] });
    const keys = acceptedKeys(routes);
    // The walk does reach into bodies (a guard against a walker that finds nothing).
    expect(keys).toContain('seeds');
    expect(keys).toContain('eventId');
    expect(keys).toContain('maxHops');
    const forbidden = [...keys].filter((k) => /cypher|query|statement|cql|gql/i.test(k));
    expect(forbidden).toEqual([]);
  });

  it('all Cypher text in src/ comes from cypher/ files: no string literal in code is a Cypher statement', () => {
    const CYPHER = /\b(MATCH|MERGE|CREATE|DETACH\s+DELETE|DELETE|UNWIND|RETURN|CALL|LOAD\s+CSV)\b[\s\S]*\b(RETURN|SET|DELETE|YIELD|WHERE|\()|^\s*CALL\s+\w+\.\w+/;
    // Fixed maintenance calls with no parameters (the statement files hold everything else).
    const ALLOWED = new Set(['CALL db.awaitIndexes(300)']);
    const files: string[] = [];
    const walkDir = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walkDir(full);
        else if (name.endsWith('.ts')) files.push(full);
      }
    };
    walkDir('src');
    const offenders: string[] = [];
    for (const file of files) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        let text: string | undefined;
        if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
        else if (ts.isTemplateExpression(node)) text = node.head.text + node.templateSpans.map((s) => '${}' + s.literal.text).join('');
        if (text !== undefined && CYPHER.test(text) && !ALLOWED.has(text)) offenders.push(`${file}: ${text.slice(0, 80)}`);
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(files.length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
    // The detector itself recognises a statement in a literal.
    expect(CYPHER.test('MATCH (n:User {id: $id}) RETURN n')).toBe(true);
    expect(CYPHER.test("CALL db.index.fulltext.queryNodes('x', $q)")).toBe(true);
  });
});
