/**
 * @module test/api/app
 * The app's plumbing: health probes, the OpenAPI document (compared with the routes Express actually has, so an
 * undocumented route fails here), the error shape for every failure class (validation, malformed and oversized
 * bodies, unknown routes, store errors, unexpected throws without leaking them), and the extension points.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRoutes, createApp, type AppDeps } from '../../src/api/app.ts';
import { HTTP_STATUS, toAppError } from '../../src/api/error-handler.ts';
import { toOpenApiPath } from '../../src/api/openapi.ts';
import { defineRoute } from '../../src/api/route.ts';
import { Responses } from '../../src/api/schemas.ts';
import { loadConfig } from '../../src/core/config.ts';
import { AppError, ERROR_CODES } from '../../src/core/errors.ts';
import type { GraphStore } from '../../src/store/graph-store.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { seedContractFixture } from '../store/graph-store-contract.ts';

const cfg = loadConfig({ env: {}, overrides: { api: { bodyLimit: '1kb', maxLimit: 50, maxHops: 3 } } });

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

/** Serves `app` on an ephemeral port and returns a request function. */
async function serve(app: Express) {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (method: string, path: string, body?: string, contentType = 'application/json'): Promise<Reply> => {
    const res = await fetch(base + path, { method, body, headers: body === undefined ? {} : { 'content-type': contentType } });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
}

async function fixtureStore(): Promise<MemoryGraphStore> {
  const store = new MemoryGraphStore();
  await seedContractFixture(store);
  return store;
}

/** A store whose `method` throws `error`; everything else goes to the fixture store. */
function failingStore(base: MemoryGraphStore, method: keyof GraphStore, error: unknown): GraphStore {
  return new Proxy(base, {
    get(target, prop) {
      if (prop === method) return async () => Promise.reject(error);
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.enum(ERROR_CODES), message: z.string().min(1), details: z.unknown().optional() }),
});

function expectError(reply: Reply, status: number, code: string): z.output<typeof ErrorBody> {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body = ErrorBody.parse(reply.body);
  expect(body.error.code).toBe(code);
  return body;
}

describe('health', () => {
  it('live answers ok', async () => {
    const call = await serve(createApp({ store: new MemoryGraphStore(), cfg }));
    const reply = await call('GET', '/v1/health/live');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });

  it('ready is 200 when the store answers and the app says ready', async () => {
    const call = await serve(createApp({ store: new MemoryGraphStore(), cfg, ready: async () => ({ ready: true, detail: 'loaded' }) }));
    const reply = await call('GET', '/v1/health/ready');
    expect(reply.status).toBe(200);
    expect(Responses.ready.parse(reply.body)).toEqual({ status: 'ready', checks: { store: { ok: true }, app: { ok: true, detail: 'loaded' } } });
  });

  it('ready is 503 with Retry-After and the checks while the app is not ready', async () => {
    const call = await serve(createApp({ store: new MemoryGraphStore(), cfg, ready: async () => ({ ready: false, detail: 'loading data' }) }));
    const reply = await call('GET', '/v1/health/ready');
    const body = expectError(reply, 503, 'UNAVAILABLE');
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(body.error.details).toEqual({ checks: { store: { ok: true }, app: { ok: false, detail: 'loading data' } } });
  });

  it('ready is 503 when the store does not answer, and when the ready callback throws', async () => {
    const closed = new MemoryGraphStore();
    await closed.close();
    const call = await serve(createApp({ store: closed, cfg, ready: async () => Promise.reject(new Error('boom')) }));
    const body = expectError(await call('GET', '/v1/health/ready'), 503, 'UNAVAILABLE');
    expect(body.error.details).toMatchObject({ checks: { store: { ok: false, code: 'UNAVAILABLE' }, app: { ok: false } } });
  });
});

describe('OpenAPI document', () => {
  /** Every (METHOD, path) Express has a route layer for. */
  function routerRoutes(app: Express): string[] {
    const stack = (app.router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack;
    const out: string[] = [];
    for (const layer of stack) {
      if (!layer.route) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) if (on) out.push(`${method.toUpperCase()} ${layer.route.path}`);
    }
    return out.sort();
  }

  it('documents exactly the routes Express serves, with their path parameters and responses', async () => {
    const app = createApp({ store: new MemoryGraphStore(), cfg });
    const call = await serve(app);
    const reply = await call('GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    const doc = reply.body as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; parameters: { name: string; in: string; required: boolean }[]; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown>; responses: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');

    const served = routerRoutes(app);
    expect(served.length).toBeGreaterThanOrEqual(16);
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(served.map((r) => { const [m, p] = r.split(' '); return `${m} ${toOpenApiPath(p!)}`; }).sort());

    const operationIds = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(ops)) {
        expect(operationIds.has(op.operationId)).toBe(false);
        operationIds.add(op.operationId);
        const inPath = op.parameters.filter((p) => p.in === 'path');
        expect(inPath.map((p) => p.name).sort()).toEqual([...pathParams].sort());
        expect(inPath.every((p) => p.required)).toBe(true);
        expect(Object.keys(op.responses)).toContain('500');
        expect(Object.keys(op.responses).some((s) => s.startsWith('2'))).toBe(true);
        for (const [status, response] of Object.entries(op.responses)) {
          if (status.startsWith('2')) continue;
          const ref = (response as { $ref: string }).$ref;
          expect(doc.components.responses[ref.split('/').at(-1)!], ref).toBeDefined();
        }
      }
    }
  });

  it('carries the configured bounds, defaults and enums into the parameter schemas', async () => {
    const call = await serve(createApp({ store: new MemoryGraphStore(), cfg }));
    const doc = (await call('GET', '/v1/openapi.json')).body as { paths: Record<string, Record<string, Record<string, unknown>>>; components: { securitySchemes: Record<string, unknown> } };
    const history = doc.paths['/v1/users/{id}/history']!.get! as { parameters: { name: string; required: boolean; schema: Record<string, unknown> }[] };
    const limit = history.parameters.find((p) => p.name === 'limit')!;
    expect(limit.required).toBe(false);
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 50, default: 20 });
    const neighbours = doc.paths['/v1/nodes/{kind}/{id}/neighbours']!.get! as { parameters: { name: string; schema: { enum?: string[] } }[] };
    expect(neighbours.parameters.find((p) => p.name === 'direction')!.schema.enum).toEqual(['out', 'in', 'both']);
    expect(neighbours.parameters.find((p) => p.name === 'kind')!.schema.enum).toContain('user');
    const paths = doc.paths['/v1/paths']!.get! as { parameters: { name: string; required: boolean; schema: Record<string, unknown> }[] };
    expect(paths.parameters.find((p) => p.name === 'from')!.required).toBe(true);
    expect(paths.parameters.find((p) => p.name === 'maxHops')!.schema).toMatchObject({ maximum: 3, default: 3 });
    const subgraph = doc.paths['/v1/subgraph']!.post! as { requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } } };
    expect(Object.keys(subgraph.requestBody.content['application/json'].schema.properties).sort()).toEqual(['hops', 'limit', 'seeds']);
    const getUser = doc.paths['/v1/users/{id}']!.get! as { responses: Record<string, { content?: { 'application/json': { schema: { required: string[] } } } }> };
    expect(getUser.responses['200']!.content!['application/json'].schema.required.sort()).toEqual(['id', 'interactionCount', 'interactionsByKind', 'props']);
    expect(Object.keys(getUser.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '500']);
    // Keys: optional for reads, required for writes, none for the probes (scopes from api/security/scopes).
    expect((getUser as { security?: unknown[] }).security).toEqual([{}, { bearerKey: [] }, { headerKey: [] }]);
    expect((doc.paths['/v1/items/{id}']!.put as { security?: unknown[] }).security).toEqual([{ bearerKey: [] }, { headerKey: [] }]);
    expect((doc.paths['/v1/health/live']!.get as { security?: unknown[] }).security).toBeUndefined();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerKey', 'headerKey']);
  });

  it('lists extra routes passed in deps, and a route missing from the document is caught', async () => {
    const extra = defineRoute({
      method: 'get',
      path: '/v1/extra/:name',
      operationId: 'getExtra',
      tag: 'test',
      summary: 'extra',
      params: z.object({ name: z.string() }),
      response: z.object({ hello: z.string() }),
      handler: async ({ params }) => ({ hello: params.name }),
    });
    const deps: AppDeps = { store: new MemoryGraphStore(), cfg, routes: [extra] };
    const app = createApp(deps);
    const call = await serve(app);
    expect((await call('GET', '/v1/extra/x')).body).toEqual({ hello: 'x' });
    const doc = (await call('GET', '/v1/openapi.json')).body as { paths: Record<string, unknown> };
    expect(doc.paths['/v1/extra/{name}']).toBeDefined();
    // A route added behind the declarations' back shows up in the router list but not in the document.
    app.router.get('/v1/sneaky', (_req, res) => void res.json({}));
    const served = routerRoutes(app).map((r) => r.split(' ')[1]!);
    const documented = new Set<string>(apiRoutes(deps).map((r) => r.path));
    expect(served.filter((p) => !documented.has(p))).toEqual(['/v1/sneaky']);
  });
});

describe('errors', () => {
  it('answers unknown routes and methods with a JSON 404', async () => {
    const call = await serve(createApp({ store: new MemoryGraphStore(), cfg }));
    expectError(await call('GET', '/nope'), 404, 'NOT_FOUND');
    expectError(await call('GET', '/v2/stats'), 404, 'NOT_FOUND');
    expectError(await call('DELETE', '/v1/users/u1'), 404, 'NOT_FOUND');
  });

  it('answers a malformed JSON body with 400 and an oversized one with 413', async () => {
    const call = await serve(createApp({ store: new MemoryGraphStore(), cfg }));
    expectError(await call('POST', '/v1/users', '{"users": [{"id": "a"'), 400, 'BAD_REQUEST');
    expectError(await call('POST', '/v1/users', '"just a string"'), 400, 'BAD_REQUEST');
    const big = JSON.stringify({ users: [{ id: 'a', props: { pad: 'x'.repeat(2000) } }] });
    expectError(await call('POST', '/v1/users', big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a body that is not JSON with 400', async () => {
    const call = await serve(createApp({ store: new MemoryGraphStore(), cfg }));
    const body = expectError(await call('POST', '/v1/users', 'id=a', 'application/x-www-form-urlencoded'), 400, 'BAD_REQUEST');
    expect(body.error.details).toMatchObject({ issues: [{ path: 'body' }] });
  });

  it('reports validation issues with their paths', async () => {
    const call = await serve(createApp({ store: new MemoryGraphStore(), cfg }));
    const body = expectError(await call('POST', '/v1/subgraph', JSON.stringify({ seeds: [{ kind: 'user', id: '' }], hops: 9 })), 400, 'BAD_REQUEST');
    const paths = (body.error.details as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['body.hops', 'body.seeds.0.id']);
    // A batch body is an array or a wrapper object; the issue comes from the form the client used.
    const batch = expectError(await call('POST', '/v1/users', JSON.stringify({ users: [{ id: '' }] })), 400, 'BAD_REQUEST');
    expect((batch.error.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['body.users.0.id']);
  });

  it('maps a store UNAVAILABLE to 503 with Retry-After', async () => {
    const store = failingStore(await fixtureStore(), 'counts', new AppError('UNAVAILABLE', 'store: neo4j down', { retryAfterS: 12 }));
    const call = await serve(createApp({ store, cfg }));
    const reply = await call('GET', '/v1/stats');
    expectError(reply, 503, 'UNAVAILABLE');
    expect(reply.headers.get('retry-after')).toBe('12');
  });

  it('maps a store CONFLICT to 409', async () => {
    const store = failingStore(await fixtureStore(), 'getItem', new AppError('CONFLICT', 'store: busy'));
    const call = await serve(createApp({ store, cfg }));
    expectError(await call('GET', '/v1/items/i1'), 409, 'CONFLICT');
  });

  it('turns an unexpected throw into a 500 that leaks neither message nor stack', async () => {
    const secret = new Error('password=hunter2 at /srv/secret/file.ts:12');
    const store = failingStore(await fixtureStore(), 'getUser', secret);
    const call = await serve(createApp({ store, cfg }));
    const reply = await call('GET', '/v1/users/u1');
    const body = expectError(reply, 500, 'INTERNAL');
    expect(body.error.details).toBeUndefined();
    expect(reply.text).not.toContain('hunter2');
    expect(reply.text).not.toContain('secret');
    expect(reply.text).not.toContain('at ');
  });

  it('hides details of internal AppErrors but keeps their code', async () => {
    const store = failingStore(await fixtureStore(), 'paths', new AppError('NOT_CONVERGED', 'compute: gave up', { internal: 'x' }));
    const call = await serve(createApp({ store, cfg }));
    const body = expectError(await call('GET', '/v1/paths?from=user:u1&to=item:i1'), 500, 'NOT_CONVERGED');
    expect(body.error.details).toBeUndefined();
  });

  it('maps every error code to a status, and converts foreign errors', () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(HTTP_STATUS).toMatchObject({ BAD_REQUEST: 400, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, UNAVAILABLE: 503, INTERNAL: 500 });
    expect(toAppError(Object.assign(new Error('x'), { type: 'entity.parse.failed', status: 400 })).code).toBe('BAD_REQUEST');
    expect(toAppError(Object.assign(new Error('x'), { type: 'entity.too.large', status: 413 })).code).toBe('PAYLOAD_TOO_LARGE');
    expect(toAppError(Object.assign(new Error('bad charset'), { status: 415, expose: true })).code).toBe('BAD_REQUEST');
    expect(toAppError(new TypeError('x')).code).toBe('INTERNAL');
    expect(toAppError('a string').code).toBe('INTERNAL');
    const original = new AppError('NOT_FOUND', 'x');
    expect(toAppError(original)).toBe(original);
  });
});

describe('extension', () => {
  it('mounts raw additions before the JSON 404', async () => {
    const call = await serve(
      createApp({
        store: new MemoryGraphStore(),
        cfg,
        mount: (app) => app.use('/explorer', (_req, res) => void res.type('html').send('<h1>explorer</h1>')),
      }),
    );
    const page = await call('GET', '/explorer');
    expect(page.status).toBe(200);
    expect(page.text).toBe('<h1>explorer</h1>');
    expectError(await call('GET', '/v1/nothing'), 404, 'NOT_FOUND');
  });
});
