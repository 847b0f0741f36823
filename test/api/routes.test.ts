/**
 * @module test/api/routes
 * Every route of the graph API against `createApp` + `MemoryGraphStore` holding the contract fixture, over real HTTP
 * on an ephemeral port: a success case (body checked against the documented response schema), the not-found case
 * where one applies, and invalid input. Bounds come from a small config so they are cheap to cross.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from '../../src/api/app.ts';
import { Responses } from '../../src/api/schemas.ts';
import { loadConfig } from '../../src/core/config.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { FIXTURE_COUNTS, formatPath, seedContractFixture } from '../store/graph-store-contract.ts';

const cfg = loadConfig({
  env: {},
  overrides: { api: { defaultLimit: 3, maxLimit: 50, maxHops: 4, maxPaths: 5, maxSubgraphNodes: 20, maxSeeds: 3, maxBatch: 3 } },
});

let store: MemoryGraphStore;
let app: Express;
let server: Server;
let base = '';

beforeAll(async () => {
  // One server for the file; each test gets a fresh store and app behind it.
  server = createServer((req, res) => app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  store = new MemoryGraphStore();
  await seedContractFixture(store);
  app = createApp({ store, cfg });
});

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(method: string, path: string, body?: unknown): Promise<Reply> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  return { status: res.status, headers: res.headers, body: JSON.parse(text) };
}

/** The reply is 200 and its body is exactly what the documented schema describes (no undocumented keys). */
function ok<S extends z.ZodType>(reply: Reply, schema: S): z.output<S> {
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  const parsed = schema.parse(reply.body);
  expect(parsed).toEqual(reply.body);
  return parsed;
}

function fails(reply: Reply, status: number, code: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body).toMatchObject({ error: { code, message: expect.any(String) } });
}

const enc = encodeURIComponent;

describe('GET /v1/stats', () => {
  it('returns the store counts', async () => {
    expect(ok(await call('GET', '/v1/stats'), Responses.stats)).toEqual(FIXTURE_COUNTS);
  });
});

describe('GET /v1/users/:id', () => {
  it('returns the user view', async () => {
    expect(ok(await call('GET', '/v1/users/u1'), Responses.user)).toEqual({
      id: 'u1',
      props: { age: 30, occupation: 'writer' },
      interactionCount: 5,
      interactionsByKind: { rating: 2, click: 3 },
    });
  });

  it('404s for an unknown user', async () => {
    fails(await call('GET', '/v1/users/nobody'), 404, 'NOT_FOUND');
  });

  it('400s for an id over 256 characters', async () => {
    fails(await call('GET', `/v1/users/${'x'.repeat(257)}`), 400, 'BAD_REQUEST');
  });

  it('round-trips percent-encoded ids with slashes, spaces, colons and quotes', async () => {
    const id = `a/b c:d'"; MATCH (n) DETACH DELETE n //`;
    ok(await call('PUT', `/v1/users/${enc(id)}`, { props: { x: 1 } }), Responses.user);
    expect(ok(await call('GET', `/v1/users/${enc(id)}`), Responses.user)).toMatchObject({ id, props: { x: 1 } });
    expect(ok(await call('GET', '/v1/stats'), Responses.stats).users).toBe(FIXTURE_COUNTS.users + 1);
  });

  it('400s for a malformed percent-encoding', async () => {
    fails(await call('GET', '/v1/users/%E0%A4%A'), 400, 'BAD_REQUEST');
  });

  it.each(['id', 'title', 'embedding', 'embeddingVersion'])('400s for the reserved prop key %s, which the store keeps for itself', async (key) => {
    fails(await call('PUT', '/v1/users/reserved', { props: { [key]: 'x' } }), 400, 'BAD_REQUEST');
    fails(await call('PUT', '/v1/items/reserved', { title: 'T', props: { [key]: 'x' } }), 400, 'BAD_REQUEST');
  });
});

describe('GET /v1/users/:id/history', () => {
  it('pages newest first with the configured default limit', async () => {
    const page = ok(await call('GET', '/v1/users/u1/history'), Responses.history);
    expect(page).toMatchObject({ total: 5, limit: 3, offset: 0 });
    expect(page.items.map((e) => `${e.item.id}/${e.kind}/${e.ts}`)).toEqual(['i2/rating/300', 'i3/click/300', 'i1/click/200']);
    const next = ok(await call('GET', '/v1/users/u1/history?limit=3&offset=3'), Responses.history);
    expect(next.items.map((e) => `${e.item.id}/${e.kind}/${e.ts}`)).toEqual(['i1/rating/100', 'i4/click/null']);
  });

  it('404s for an unknown user', async () => {
    fails(await call('GET', '/v1/users/nobody/history'), 404, 'NOT_FOUND');
  });

  it.each([
    ['limit=0'],
    ['limit=51'],
    ['limit=abc'],
    ['limit=1.5'],
    ['limit=1e1'],
    ['limit='],
    ['offset=-1'],
    ['limit=2&limit=3'],
  ])('400s for %s', async (query) => {
    const reply = await call('GET', `/v1/users/u1/history?${query}`);
    fails(reply, 400, 'BAD_REQUEST');
    expect((reply.body as { error: { details: { issues: { path: string }[] } } }).error.details.issues[0]!.path).toMatch(/^query\./);
  });
});

describe('GET /v1/items/:id', () => {
  it('returns the item with knowledge by relation', async () => {
    const view = ok(await call('GET', '/v1/items/i1'), Responses.item);
    expect(view).toMatchObject({ id: 'i1', title: 'Alien', props: { year: 1979 }, interactionCount: 3 });
    expect(view.knowledge.genre!.map((e) => e.name)).toEqual(['Horror', 'Sci-Fi']);
    expect(view.knowledge.sequel).toEqual([{ id: 'i3', kind: 'item', name: 'Aliens' }]);
  });

  it('404s for an unknown item', async () => {
    fails(await call('GET', '/v1/items/e1'), 404, 'NOT_FOUND');
  });

  it('400s for an id over 256 characters', async () => {
    fails(await call('GET', `/v1/items/${'i'.repeat(300)}`), 400, 'BAD_REQUEST');
  });
});

describe('GET /v1/entities/:id', () => {
  it('returns the entity with a page of its items', async () => {
    const view = ok(await call('GET', '/v1/entities/e2?limit=2&offset=1'), Responses.entity);
    expect(view).toEqual({
      id: 'e2',
      kind: 'genre',
      name: 'Sci-Fi',
      items: {
        total: 3,
        limit: 2,
        offset: 1,
        items: [
          { id: 'i3', title: 'Aliens', relation: 'genre' },
          { id: 'i2', title: 'Blade Runner', relation: 'genre' },
        ],
      },
    });
  });

  it('404s for an unknown entity', async () => {
    fails(await call('GET', '/v1/entities/i1'), 404, 'NOT_FOUND');
  });

  it('400s for a bad offset', async () => {
    fails(await call('GET', '/v1/entities/e2?offset=x'), 400, 'BAD_REQUEST');
  });
});

describe('GET /v1/nodes/:kind/:id/neighbours', () => {
  it('lists neighbours with direction, relation and limit', async () => {
    const all = ok(await call('GET', '/v1/nodes/item/i1/neighbours?limit=10'), Responses.neighbours);
    expect(all.items.map((n) => `${n.edge.type} ${n.edge.relation} ${n.node.id}`)).toEqual([
      'INTERACTED click u1',
      'INTERACTED rating u1',
      'INTERACTED rating u2',
      'RELATED director e1',
      'RELATED genre e2',
      'RELATED genre e3',
      'RELATED sequel i3',
    ]);
    const out = ok(await call('GET', '/v1/nodes/Item/i1/neighbours?direction=out&relation=genre'), Responses.neighbours);
    expect(out.items.map((n) => n.node)).toEqual([
      { kind: 'Entity', id: 'e2', label: 'Sci-Fi', entityKind: 'genre' },
      { kind: 'Entity', id: 'e3', label: 'Horror', entityKind: 'genre' },
    ]);
    const incoming = ok(await call('GET', '/v1/nodes/entity/e1/neighbours?direction=in&limit=2'), Responses.neighbours);
    expect(incoming.items.map((n) => n.node.id)).toEqual(['i1', 'i2']);
  });

  it('applies the default limit', async () => {
    expect(ok(await call('GET', '/v1/nodes/item/i1/neighbours'), Responses.neighbours).items).toHaveLength(3);
  });

  it('404s for an unknown node', async () => {
    fails(await call('GET', '/v1/nodes/user/i1/neighbours'), 404, 'NOT_FOUND');
  });

  it.each([
    ['/v1/nodes/movie/i1/neighbours'],
    ['/v1/nodes/item/i1/neighbours?direction=up'],
    ['/v1/nodes/item/i1/neighbours?limit=51'],
    ['/v1/nodes/item/i1/neighbours?relation='],
  ])('400s for %s', async (path) => {
    fails(await call('GET', path), 400, 'BAD_REQUEST');
  });
});

describe('GET /v1/paths', () => {
  it('returns shortest paths first, capped by limit', async () => {
    const reply = ok(await call('GET', '/v1/paths?from=user:u2&to=entity:e1&maxHops=4&limit=3'), Responses.paths);
    expect(reply.paths.map(formatPath)).toEqual([
      'User:u2 -rating-> Item:i1 -director-> Entity:e1',
      'User:u2 -rating-> Item:i1 -genre-> Entity:e2 <-genre- Item:i2 -director-> Entity:e1',
      'User:u2 -rating-> Item:i1 -sequel-> Item:i3 -director-> Entity:e4 -influencedBy-> Entity:e1',
    ]);
  });

  it('defaults maxHops to 3 and returns [] when nothing is that close', async () => {
    expect(ok(await call('GET', '/v1/paths?from=user:u2&to=entity:e1'), Responses.paths).paths).toHaveLength(1);
    expect(ok(await call('GET', '/v1/paths?from=user:u3&to=item:i1'), Responses.paths).paths).toEqual([]);
  });

  it('takes everything after the first colon as the id', async () => {
    ok(await call('PUT', `/v1/items/${enc('ml:a:b')}`, { title: 'Colons' }), Responses.item);
    ok(await call('POST', '/v1/interactions', { events: [{ eventId: 'p1', userId: 'u3', itemId: 'ml:a:b', kind: 'click' }] }), Responses.recorded);
    const reply = ok(await call('GET', `/v1/paths?from=User:u3&to=${enc('item:ml:a:b')}`), Responses.paths);
    expect(reply.paths.map(formatPath)).toEqual(['User:u3 -click-> Item:ml:a:b']);
  });

  it('404s when an end is unknown', async () => {
    fails(await call('GET', '/v1/paths?from=user:ghost&to=item:i1'), 404, 'NOT_FOUND');
  });

  it.each([
    ['to=item:i1'],
    ['from=user:u1'],
    ['from=movie:1&to=item:i1'],
    ['from=user:&to=item:i1'],
    ['from=u1&to=item:i1'],
    ['from=user:u1&to=item:i1&maxHops=5'],
    ['from=user:u1&to=item:i1&maxHops=0'],
    ['from=user:u1&to=item:i1&limit=6'],
    ['from=user:u1&to=user:u1'],
    [`from=user:${'x'.repeat(257)}&to=item:i1`],
  ])('400s for %s', async (query) => {
    fails(await call('GET', `/v1/paths?${query}`), 400, 'BAD_REQUEST');
  });
});

describe('POST /v1/subgraph', () => {
  it('returns the neighbourhood of the seeds', async () => {
    const sub = ok(await call('POST', '/v1/subgraph', { seeds: [{ kind: 'user', id: 'u2' }], hops: 2, limit: 4 }), Responses.subgraph);
    expect(sub.truncated).toBe(true);
    expect(sub.nodes.map((n) => n.id)).toEqual(['u2', 'i1', 'e1', 'e2']);
    expect(sub.edges).toHaveLength(3);
  });

  it('defaults to 1 hop and accepts capitalised kinds', async () => {
    const sub = ok(await call('POST', '/v1/subgraph', { seeds: [{ kind: 'User', id: 'u2' }] }), Responses.subgraph);
    expect(sub.nodes.map((n) => n.id)).toEqual(['u2', 'i1']);
    expect(sub.truncated).toBe(false);
  });

  it('404s for an unknown seed', async () => {
    fails(await call('POST', '/v1/subgraph', { seeds: [{ kind: 'item', id: 'ghost' }] }), 404, 'NOT_FOUND');
  });

  const seed = { kind: 'user', id: 'u1' };
  it.each([
    ['no seeds', { seeds: [] }],
    ['too many seeds', { seeds: [seed, seed, seed, seed] }],
    ['a bad kind', { seeds: [{ kind: 'movie', id: 'x' }] }],
    ['an empty id', { seeds: [{ kind: 'user', id: '' }] }],
    ['hops over the maximum', { seeds: [seed], hops: 5 }],
    ['a fractional hop', { seeds: [seed], hops: 1.5 }],
    ['limit over the maximum', { seeds: [seed], limit: 21 }],
    ['an unknown key', { seeds: [seed], depth: 2 }],
    ['an array body', [seed]],
  ])('400s for %s', async (_what, body) => {
    fails(await call('POST', '/v1/subgraph', body), 400, 'BAD_REQUEST');
  });
});

describe('PUT /v1/users/:id', () => {
  it('creates a user, then merges props', async () => {
    expect(ok(await call('PUT', '/v1/users/u9', { props: { age: 20 } }), Responses.user)).toEqual({
      id: 'u9',
      props: { age: 20 },
      interactionCount: 0,
      interactionsByKind: {},
    });
    expect(ok(await call('PUT', '/v1/users/u9', { props: { city: 'Oslo', vip: true } }), Responses.user).props).toEqual({
      age: 20,
      city: 'Oslo',
      vip: true,
    });
    expect(ok(await call('PUT', '/v1/users/u9', {}), Responses.user).props).toEqual({ age: 20, city: 'Oslo', vip: true });
  });

  it.each([
    ['a reserved prop key', { props: { id: 'x' } }],
    ['a nested prop value', { props: { a: { b: 1 } } }],
    ['a null prop value', { props: { a: null } }],
    ['an unknown key', { name: 'x' }],
    ['an overlong prop value', { props: { a: 'x'.repeat(4097) } }],
  ])('400s for %s', async (_what, body) => {
    fails(await call('PUT', '/v1/users/u9', body), 400, 'BAD_REQUEST');
    fails(await call('GET', '/v1/users/u9'), 404, 'NOT_FOUND');
  });
});

describe('POST /v1/users', () => {
  it('upserts a batch', async () => {
    expect(ok(await call('POST', '/v1/users', { users: [{ id: 'n1' }, { id: 'u1', props: { age: 31 } }] }), Responses.upserted)).toEqual({
      upserted: 2,
    });
    expect(ok(await call('GET', '/v1/stats'), Responses.stats).users).toBe(FIXTURE_COUNTS.users + 1);
    expect(ok(await call('GET', '/v1/users/u1'), Responses.user).props).toEqual({ age: 31, occupation: 'writer' });
  });

  it('also takes a bare array', async () => {
    expect(ok(await call('POST', '/v1/users', [{ id: 'n2' }, { id: 'n3' }]), Responses.upserted)).toEqual({ upserted: 2 });
    ok(await call('GET', '/v1/users/n3'), Responses.user);
  });

  it.each([
    ['an empty batch', { users: [] }],
    ['a batch over maxBatch', { users: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }] }],
    ['a user without id', { users: [{ props: {} }] }],
    ['an array with a bad record', [{ id: 'a' }, { id: '' }]],
    ['a wrong wrapper key', { items: [{ id: 'a' }] }],
  ])('400s for %s and writes nothing', async (_what, body) => {
    fails(await call('POST', '/v1/users', body), 400, 'BAD_REQUEST');
    expect(ok(await call('GET', '/v1/stats'), Responses.stats)).toEqual(FIXTURE_COUNTS);
  });
});

describe('PUT /v1/items/:id', () => {
  it('creates an item, then replaces the title and merges props', async () => {
    expect(ok(await call('PUT', '/v1/items/i9', { title: 'Heat', props: { year: 1995 } }), Responses.item)).toEqual({
      id: 'i9',
      title: 'Heat',
      props: { year: 1995 },
      interactionCount: 0,
      knowledge: {},
    });
    const view = ok(await call('PUT', '/v1/items/i9', { title: 'Heat (1995)', props: { runtime: 170 } }), Responses.item);
    expect(view).toMatchObject({ title: 'Heat (1995)', props: { year: 1995, runtime: 170 } });
  });

  it.each([
    ['a missing title', { props: {} }],
    ['an empty title', { title: '' }],
    ['a reserved prop key', { title: 'x', props: { title: 'y' } }],
  ])('400s for %s', async (_what, body) => {
    fails(await call('PUT', '/v1/items/i9', body), 400, 'BAD_REQUEST');
  });
});

describe('POST /v1/items', () => {
  it('upserts a batch', async () => {
    expect(ok(await call('POST', '/v1/items', { items: [{ id: 'i8', title: 'Ran' }] }), Responses.upserted)).toEqual({ upserted: 1 });
    expect(ok(await call('GET', '/v1/items/i8'), Responses.item).title).toBe('Ran');
    expect(ok(await call('POST', '/v1/items', [{ id: 'i7', title: 'Ikiru' }]), Responses.upserted)).toEqual({ upserted: 1 });
    expect(ok(await call('GET', '/v1/items/i7'), Responses.item).title).toBe('Ikiru');
  });

  it.each([
    ['an item without title', { items: [{ id: 'i8' }] }],
    ['a batch over maxBatch', { items: ['a', 'b', 'c', 'd'].map((id) => ({ id, title: id })) }],
    ['a wrong wrapper key', { users: [{ id: 'i8', title: 'Ran' }] }],
  ])('400s for %s', async (_what, body) => {
    fails(await call('POST', '/v1/items', body), 400, 'BAD_REQUEST');
    expect(ok(await call('GET', '/v1/stats'), Responses.stats)).toEqual(FIXTURE_COUNTS);
  });
});

describe('POST /v1/interactions', () => {
  const event = { eventId: 'w1', userId: 'u3', itemId: 'i2', kind: 'rating', rating: 4, ts: 500 };

  it('records events, weight defaulting to the rating, and counts repeats as duplicates', async () => {
    expect(ok(await call('POST', '/v1/interactions', { events: [event, { ...event, eventId: 'w2', itemId: 'i4', kind: 'click', rating: undefined }] }), Responses.recorded)).toEqual({
      recorded: 2,
      duplicates: 0,
    });
    expect(ok(await call('POST', '/v1/interactions', { events: [event] }), Responses.recorded)).toEqual({ recorded: 0, duplicates: 1 });
    const history = ok(await call('GET', '/v1/users/u3/history'), Responses.history);
    expect(history.items).toEqual([
      { item: { id: 'i2', title: 'Blade Runner' }, kind: 'rating', rating: 4, weight: 4, ts: 500 },
      { item: { id: 'i4', title: 'Zodiac' }, kind: 'click', rating: null, weight: 1, ts: 500 },
    ]);
  });

  it('404s naming unknown users and items, and records none of the batch', async () => {
    const reply = await call('POST', '/v1/interactions', { events: [event, { ...event, eventId: 'w3', userId: 'ghost' }] });
    fails(reply, 404, 'NOT_FOUND');
    expect((reply.body as { error: { message: string } }).error.message).toContain('ghost');
    expect(ok(await call('GET', '/v1/stats'), Responses.stats)).toEqual(FIXTURE_COUNTS);
  });

  it.each([
    ['a string rating', { ...event, rating: '4' }],
    ['a negative ts', { ...event, ts: -1 }],
    ['a fractional ts', { ...event, ts: 1.5 }],
    ['a negative weight', { ...event, weight: -1 }],
    ['a missing eventId', { ...event, eventId: undefined }],
    ['an overlong kind', { ...event, kind: 'k'.repeat(65) }],
    ['an unknown key', { ...event, score: 1 }],
  ])('400s for %s and records nothing', async (_what, bad) => {
    fails(await call('POST', '/v1/interactions', { events: [{ ...event, eventId: 'w9' }, bad] }), 400, 'BAD_REQUEST');
    expect(ok(await call('GET', '/v1/stats'), Responses.stats)).toEqual(FIXTURE_COUNTS);
  });

  it('400s for an empty batch or one over maxBatch', async () => {
    fails(await call('POST', '/v1/interactions', { events: [] }), 400, 'BAD_REQUEST');
    const many = ['a', 'b', 'c', 'd'].map((id) => ({ ...event, eventId: id }));
    fails(await call('POST', '/v1/interactions', { events: many }), 400, 'BAD_REQUEST');
  });
});
