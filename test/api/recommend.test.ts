/**
 * The recommendation routes on an engine built from a small hand-made graph (no LLM: template explanations).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { mountExplanationStream, recommendRoutes } from '../../src/api/routes/recommend.ts';
import { loadConfig } from '../../src/core/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { tinyMoviesEngine } from '../helpers/tiny-movies.ts';
import { INTERACTION_RELATION as I } from '../../src/project/csr.ts';
import { tinyCsr } from '../explain/fixtures.ts';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

function engine(): Engine {
  return tinyMoviesEngine();
}

async function serve(getEngine: () => Engine | undefined) {
  const cfg = loadConfig({ env: {} });
  const store = new MemoryGraphStore();
  const app = createApp({ store, cfg, routes: recommendRoutes({ store, cfg, engine: getEngine }), mount: (a) => mountExplanationStream(a, getEngine) });
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path: string, init: RequestInit = {}) => {
    const res = await fetch(base + path, init);
    const text = await res.text();
    return { status: res.status, text, body: (res.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
}

describe('recommendation routes', () => {
  it('returns k unseen items, with evidence and a template explanation when asked', async () => {
    const get = await serve(engine);
    const plain = await get('/v1/users/u1/recommendations?k=3&strategy=ppr');
    expect(plain.status).toBe(200);
    const items = plain.body!.items as Array<{ id: string; rank: number; evidence?: unknown }>;
    expect(items).toHaveLength(3);
    expect(items.map((i) => i.id)).not.toContain('a');
    expect(items.map((i) => i.rank)).toEqual([1, 2, 3]);
    expect(items[0]!.evidence).toBeUndefined();

    const explained = await get('/v1/users/u1/recommendations?k=3&explain=text');
    const first = (explained.body!.items as Array<{ id: string; evidence: { paths: unknown[] }; explanation: { source: string; text: string } }>).find((i) => i.id === 'd')!;
    expect(first.explanation.source).toBe('template');
    expect(first.explanation.text).toContain('Ridley Scott');
    expect(first.evidence.paths.length).toBeGreaterThan(0);
  });

  it('filters by item properties and entities (props=name:value, entity=id)', async () => {
    const years: Record<string, { year: number; colour: boolean }> = {
      'Item:b': { year: 1982, colour: true },
      'Item:c': { year: 1942, colour: false },
      'Item:d': { year: 2000, colour: true },
    };
    const get = await serve(() => tinyMoviesEngine({ itemProps: new Map(Object.entries(years)) }));
    const ids = async (query: string) => ((await get(`/v1/users/u1/recommendations?k=3&${query}`)).body!.items as Array<{ id: string }>).map((i) => i.id);
    expect(await ids('props=colour:true')).toEqual(expect.arrayContaining(['b', 'd']));
    expect(await ids('props=colour:true')).not.toContain('c');
    expect(await ids('props=year:1942')).toEqual(['c']);
    expect(await ids('props=colour:true,year:2000')).toEqual(['d']);
    expect(await ids('entity=rs&props=year:2000')).toEqual(['d']);
    expect((await get('/v1/users/u1/recommendations?props=year')).status).toBe(400);
  });

  it('accepts a bare dataset id (1 → ml:u:1) when only one dataset has it, as the CLI does', async () => {
    const csr = tinyCsr(
      [['User:ml:u:1', 0], ['User:ml:u:2', 0], ['Item:ml:i:1', 1], ['Item:ml:i:2', 1], ['Item:ml:i:3', 1]],
      [I],
      [['User:ml:u:1', 'Item:ml:i:1', I, 5], ['User:ml:u:2', 'Item:ml:i:1', I, 5], ['User:ml:u:2', 'Item:ml:i:2', I, 4], ['User:ml:u:2', 'Item:ml:i:3', I, 3]],
    );
    const get = await serve(() => new Engine({ csr, labels: new Map() }));
    const bare = await get('/v1/users/1/recommendations?k=2');
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual((await get('/v1/users/ml:u:1/recommendations?k=2')).body);
    expect((await get('/v1/users/1/recommendations/2/explanation')).status).toBe(200);
    expect((await get('/v1/users/9/recommendations')).status).toBe(404);
  });

  it('answers 404 for an unknown user, 400 for bad input, 503 while the engine starts', async () => {
    const get = await serve(engine);
    expect((await get('/v1/users/nobody/recommendations')).status).toBe(404);
    expect((await get('/v1/users/u1/recommendations?k=0')).status).toBe(400);
    expect((await get('/v1/users/u1/recommendations?k=abc')).status).toBe(400);
    expect((await get('/v1/users/u1/recommendations?explain=everything')).status).toBe(400);
    const starting = await serve(() => undefined);
    const reply = await starting('/v1/users/u1/recommendations');
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });

  it('serves cold start from seeds and keywords, and rejects an empty request', async () => {
    const get = await serve(engine);
    const post = (body: unknown) => get('/v1/recommendations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const fromSeed = await post({ seeds: [{ kind: 'entity', id: 'rs' }], k: 2 });
    expect(fromSeed.status).toBe(200);
    expect((fromSeed.body!.items as Array<{ id: string }>).map((i) => i.id)).toEqual(expect.arrayContaining(['a', 'd']));
    const fromWords = await post({ keywords: 'ridley scott', k: 2 });
    expect(fromWords.status).toBe(200);
    expect(fromWords.body!.seeds).toEqual(['Entity:rs']);
    expect((await post({ k: 2 })).status).toBe(400);
  });

  it('explains one pair as JSON and as a server-sent event stream', async () => {
    const get = await serve(engine);
    const json = await get('/v1/users/u1/recommendations/d/explanation');
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ explanation: { source: 'template' }, evidence: { item: { key: 'Item:d', label: 'Gladiator' } } });
    const stream = await get('/v1/users/u1/recommendations/d/explanation/stream');
    const events = [...stream.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(['evidence', 'explanation', 'end']);
    const missing = await get('/v1/users/nobody/recommendations/d/explanation/stream');
    expect(missing.text).toContain('event: error');
    expect(missing.text).toContain('NOT_FOUND');
  });
});
