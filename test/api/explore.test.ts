/**
 * The explorer routes (`GET /v1/search`, `GET /v1/items/:id/similar`) over real HTTP, on an engine built from a small
 * hand-made graph and `createApp` with the MemoryGraphStore: results, paging, validation (400), unknown items (404),
 * the engine still starting (503), and their presence in the OpenAPI document.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { exploreRoutes } from '../../src/api/routes/explore.ts';
import { loadConfig } from '../../src/core/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { buildCsr, KIND_CODES } from '../../src/project/csr.ts';
import { createEmbeddingIndex } from '../../src/retrieve/embedding-index.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

const K = KIND_CODES;
const USERS = ['demo:u:1', 'demo:u:2', 'demo:u:10', 'demo:u:12', 'other'];
const ITEMS: Array<[string, string]> = [
  ['a', 'Alien (1979)'],
  ['b', 'Blade Runner (1982)'],
  ['c', 'Aliens (1986)'],
  ['d', 'Gladiator (2000)'],
  ['e', '<script>alert(1)</script> MATCH (n) DETACH DELETE n'],
  ['f', 'Amélie (2001)'],
];

function engine(withEmbeddings: boolean): Engine {
  const ids = [...USERS.map((u) => `User:${u}`), ...ITEMS.map(([i]) => `Item:${i}`), 'Entity:rs', 'Entity:scifi'];
  const kinds = [...USERS.map(() => K.User), ...ITEMS.map(() => K.Item), K.Entity, K.Entity];
  const at = (key: string) => ids.indexOf(key);
  const edges: Array<[string, string, number, number]> = [
    ['User:demo:u:1', 'Item:a', 5, 0],
    ['User:demo:u:2', 'Item:a', 4, 0],
    ['User:demo:u:2', 'Item:b', 5, 0],
    ['User:demo:u:10', 'Item:b', 4, 0],
    ['User:demo:u:10', 'Item:c', 5, 0],
    ['User:demo:u:12', 'Item:a', 5, 0],
    ['User:other', 'Item:f', 3, 0],
    ['Item:a', 'Entity:rs', 1, 1],
    ['Item:d', 'Entity:rs', 1, 1],
    ['Item:a', 'Entity:scifi', 1, 2],
    ['Item:c', 'Entity:scifi', 1, 2],
  ];
  const csr = buildCsr({
    ids,
    kinds: Uint8Array.from(kinds),
    relations: ['INTERACTED', 'director', 'genre'],
    edges: {
      src: Uint32Array.from(edges, (e) => at(e[0])),
      dst: Uint32Array.from(edges, (e) => at(e[1])),
      weight: Float32Array.from(edges, (e) => e[2]),
      relation: Uint16Array.from(edges, (e) => e[3]),
    },
  });
  const labels = new Map<string, string>([...ITEMS.map(([i, t]) => [`Item:${i}`, t] as [string, string]), ['Entity:rs', 'Ridley Scott'], ['Entity:scifi', 'Science Fiction']]);
  const embeddings = createEmbeddingIndex({ dim: 2, itemKeys: ['Item:a', 'Item:b', 'Item:c'], itemVectors: Float32Array.of(1, 0, 0, 1, 0.9, 0.1) });
  return new Engine({ csr, labels, ...(withEmbeddings ? { context: { embeddings } } : {}) });
}

async function serve(getEngine: () => Engine | undefined) {
  const cfg = loadConfig({ env: {}, overrides: { api: { defaultLimit: 3, maxLimit: 50 } } });
  const store = new MemoryGraphStore();
  const app = createApp({ store, cfg, routes: exploreRoutes({ store, cfg, engine: getEngine }) });
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}

type Hit = { kind: string; id: string; label: string; score: number };
const ids = (body: Record<string, unknown>) => (body.results as Hit[]).map((h) => h.id);

describe('GET /v1/search', () => {
  it('finds users by id prefix or last-segment prefix, in natural order, paged', async () => {
    const get = await serve(() => engine(false));
    const page1 = await get('/v1/search?kind=user&q=demo:u:1');
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ q: 'demo:u:1', total: 3, offset: 0, limit: 3 });
    expect(ids(page1.body)).toEqual(['demo:u:1', 'demo:u:10', 'demo:u:12']);
    expect((page1.body.results as Hit[])[0]).toEqual({ kind: 'User', id: 'demo:u:1', label: 'demo:u:1', score: 1 });
    expect(ids((await get('/v1/search?kind=user&q=1&limit=2&offset=1')).body)).toEqual(['demo:u:10', 'demo:u:12']);
    const all = await get('/v1/search?kind=user&limit=50');
    expect(all.body.total).toBe(5);
    expect(ids(all.body)).toEqual(['demo:u:1', 'demo:u:2', 'demo:u:10', 'demo:u:12', 'other']);
  });

  it('finds items and entities by keywords first, then by folded substring (search as you type)', async () => {
    const get = await serve(() => engine(false));
    const alien = await get('/v1/search?q=alien&kind=item&limit=10');
    expect(ids(alien.body)).toEqual(['a', 'c']); // keyword match ('aliens' folds to 'alien'), shorter title first
    expect(ids((await get('/v1/search?q=Blade%20Run&limit=10')).body)).toEqual(['b']); // prefix of a word
    expect(ids((await get('/v1/search?q=AMELIE&kind=item')).body)).toEqual(['f']); // accents and case folded
    const entity = await get('/v1/search?q=ridley&kind=entity');
    expect(entity.body.results).toEqual([{ kind: 'Entity', id: 'rs', label: 'Ridley Scott', score: expect.any(Number) }]);
    expect(ids((await get('/v1/search?q=ridley&kind=item')).body)).toEqual([]);
    // Titles are data: returned verbatim, never interpreted.
    const hostile = await get('/v1/search?q=script%20alert&kind=item');
    expect((hostile.body.results as Hit[])[0]!.label).toBe(ITEMS[4]![1]);
    // Empty query: items by popularity.
    expect(ids((await get('/v1/search?kind=item&limit=2')).body)).toEqual(['a', 'b']);
  });

  it('rejects bad input with 400 and answers 503 while the engine starts', async () => {
    const get = await serve(() => engine(false));
    for (const bad of ['kind=users', 'kind=', 'limit=0', 'limit=51', 'offset=-1', 'limit=1e1', `q=${'x'.repeat(501)}`]) {
      const reply = await get(`/v1/search?${bad}`);
      expect(reply.status, bad).toBe(400);
      expect(reply.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }
    const starting = await serve(() => undefined);
    expect((await starting('/v1/search?q=a')).status).toBe(503);
  });
});

describe('GET /v1/items/:id/similar', () => {
  it('uses embedding cosine when the item has a vector (folded in from its knowledge neighbours if new), PPR without vectors; never returns the item', async () => {
    const get = await serve(() => engine(true));
    const byVector = await get('/v1/items/a/similar?k=2');
    expect(byVector.status).toBe(200);
    expect(byVector.body).toMatchObject({ item: { id: 'a', title: 'Alien (1979)' }, method: 'embedding' });
    // d is not in the artifact: it takes the vector of a, its knowledge neighbour (same director), so it ranks first.
    expect((byVector.body.items as Hit[]).map((i) => i.id)).toEqual(['d', 'c']);
    expect((byVector.body.items as Hit[])[1]).toMatchObject({ label: 'Aliens (1986)' });
    expect((await get('/v1/items/d/similar?k=1')).body).toMatchObject({ method: 'embedding', items: [{ id: 'a' }] });
    const byWalk = await (await serve(() => engine(false)))('/v1/items/d/similar?k=3');
    expect(byWalk.body.method).toBe('ppr');
    expect((byWalk.body.items as Hit[])[0]!.id).toBe('a'); // shares the director
    expect((byWalk.body.items as Hit[]).map((i) => i.id)).not.toContain('d');
  });

  it('answers 404 for an unknown item, 400 for a bad k, 503 while the engine starts', async () => {
    const get = await serve(() => engine(true));
    expect((await get('/v1/items/nope/similar')).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await get('/v1/items/nope/similar')).status).toBe(404);
    expect((await get('/v1/items/rs/similar')).status).toBe(404); // an entity, not an item
    expect((await get('/v1/items/a/similar?k=0')).status).toBe(400);
    expect((await get('/v1/items/a/similar?k=x')).status).toBe(400);
    expect((await (await serve(() => undefined))('/v1/items/a/similar')).status).toBe(503);
  });

  it('is listed in the OpenAPI document', async () => {
    const get = await serve(() => engine(true));
    const doc = (await get('/v1/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.paths['/v1/search']?.get?.operationId).toBe('search');
    expect(doc.paths['/v1/items/{id}/similar']?.get?.operationId).toBe('similarItems');
  });
});
