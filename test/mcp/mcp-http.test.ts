/**
 * The MCP endpoint (`POST /v1/mcp`) of the Express app, driven by the official SDK's client over streamable HTTP, on
 * the tiny movie graph (engine) and a memory store: the tool list and its schemas, every tool's result, tool errors
 * with the API's messages, and the same API keys and scopes as the REST routes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { exploreRoutes } from '../../src/api/routes/explore.ts';
import { converseRoutes } from '../../src/api/routes/converse.ts';
import { recommendRoutes } from '../../src/api/routes/recommend.ts';
import { hashKey } from '../../src/api/security/keys.ts';
import { loadConfig, type Config } from '../../src/core/config.ts';
import { mountMcp } from '../../src/mcp/http.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { tinyMoviesEngine } from '../helpers/tiny-movies.ts';

const READ_KEY = 'mcp-read-key-0123456789';
const servers: Server[] = [];

async function fixtureStore(): Promise<MemoryGraphStore> {
  const store = new MemoryGraphStore();
  await store.upsertUsers([{ id: 'u1' }, { id: 'u2' }, { id: 'u3' }]);
  await store.upsertItems([
    { id: 'a', title: 'Alien' },
    { id: 'b', title: 'Blade Runner' },
    { id: 'c', title: 'Casablanca' },
    { id: 'd', title: 'Gladiator' },
  ]);
  await store.upsertEntities([{ id: 'rs', kind: 'person', name: 'Ridley Scott' }]);
  await store.upsertKnowledge([
    { head: { kind: 'Item', id: 'a' }, relation: 'director', tail: { kind: 'Entity', id: 'rs' } },
    { head: { kind: 'Item', id: 'd' }, relation: 'director', tail: { kind: 'Entity', id: 'rs' } },
  ]);
  await store.recordInteractions([{ eventId: 'e1', userId: 'u1', itemId: 'a', kind: 'rating', rating: 5, weight: 5, ts: 1 }]);
  return store;
}

async function serve(cfg: Config): Promise<string> {
  const store = await fixtureStore();
  const engine = tinyMoviesEngine();
  const extra = { store, cfg, engine: () => engine };
  const deps = { store, cfg, routes: [...recommendRoutes(extra), ...exploreRoutes(extra), ...converseRoutes(extra)] };
  const app = createApp({ ...deps, mount: (express) => mountMcp(express, deps) });
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function connect(base: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'graphrec-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/v1/mcp`), { requestInit: { headers } }));
  return client;
}

type Text = Array<{ type: string; text: string }>;

afterAll(() => servers.forEach((s) => s.close()));

describe('MCP over streamable HTTP (no keys configured)', () => {
  let client: Client;
  let base: string;
  beforeAll(async () => {
    base = await serve(loadConfig({ env: {} }));
    client = await connect(base);
  });
  afterAll(async () => client?.close());

  it('lists the tools with input schemas from the API schemas and output schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['recommend', 'explain', 'search', 'similar_items', 'user_history', 'graph_neighbours', 'start_conversation', 'converse']);
    const recommend = tools.find((t) => t.name === 'recommend')!;
    expect(recommend.inputSchema.required).toEqual(['user']);
    const k = recommend.inputSchema.properties!.k as { default: number; description: string };
    expect(k.default).toBe(10);
    expect(k.description).toMatch(/^Items per page, 1\.\.\d+\.$/);
    expect(recommend.outputSchema?.type).toBe('object');
    expect(recommend.annotations?.readOnlyHint).toBe(true);
  });

  it('recommend: k items with ids and titles, structured and as text', async () => {
    const r = await client.callTool({ name: 'recommend', arguments: { user: 'u1', k: 3 } });
    expect(r.isError).toBeFalsy();
    const items = (r.structuredContent as { items: Array<{ id: string; title?: string; rank: number }> }).items;
    expect(items).toHaveLength(3);
    expect(items.map((i) => i.rank)).toEqual([1, 2, 3]);
    expect(items.map((i) => i.id)).not.toContain('a');
    for (const item of items) expect(item.title).toBeTruthy();
    const text = (r.content as Text)[0]!.text;
    expect(text.split('\n')[0]).toBe('3 recommendations for user u1 (strategy hybrid):');
    expect(text).toContain(`[${items[0]!.id}]`);
  });

  it('explain: the evidence and the template text naming the shared director', async () => {
    const r = await client.callTool({ name: 'explain', arguments: { user: 'u1', item: 'd' } });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { explanation: { text: string; source: string }; evidence: { paths: unknown[] } };
    expect(s.explanation.source).toBe('template');
    expect(s.explanation.text).toContain('Ridley Scott');
    expect(s.evidence.paths.length).toBeGreaterThan(0);
    expect((r.content as Text)[0]!.text).toContain('Ridley Scott');
  });

  it('search, similar_items, user_history, graph_neighbours', async () => {
    const search = await client.callTool({ name: 'search', arguments: { q: 'alien' } });
    expect((search.structuredContent as { results: Array<{ id: string }> }).results[0]).toMatchObject({ kind: 'Item', id: 'a', label: 'Alien' });

    const similar = await client.callTool({ name: 'similar_items', arguments: { item: 'a', k: 2 } });
    const s = similar.structuredContent as { item: { id: string }; items: Array<{ id: string }> };
    expect(s.item.id).toBe('a');
    expect(s.items).toHaveLength(2);
    expect(s.items.map((i) => i.id)).not.toContain('a');

    const history = await client.callTool({ name: 'user_history', arguments: { user: 'u1' } });
    expect(history.structuredContent).toMatchObject({ total: 1, items: [{ item: { id: 'a', title: 'Alien' }, kind: 'rating', rating: 5 }] });
    expect((history.content as Text)[0]!.text).toContain('Alien [a] rating 5');

    const neighbours = await client.callTool({ name: 'graph_neighbours', arguments: { kind: 'entity', id: 'rs' } });
    const ids = (neighbours.structuredContent as { items: Array<{ node: { id: string } }> }).items.map((n) => n.node.id).sort();
    expect(ids).toEqual(['a', 'd']);
  });

  it('start_conversation and converse: a session across calls, moves change the list, a bad move is a tool error', async () => {
    const started = await client.callTool({ name: 'start_conversation', arguments: { user: 'u1', k: 2, moves: [{ type: 'seed', node: { kind: 'entity', id: 'rs' } }] } });
    expect(started.isError).toBeFalsy();
    const s = started.structuredContent as { conversation: string; answer: { turn: number; items: Array<{ id: string }>; state: { seeds: Array<{ id: string }> } } };
    expect(s.answer.turn).toBe(1);
    expect(s.answer.state.seeds.map((x) => x.id)).toEqual(['rs']);
    expect(s.answer.items.map((i) => i.id)).toContain('d');
    expect((started.content as Text)[0]!.text).toContain('added Ridley Scott as a seed');

    const turn = await client.callTool({ name: 'converse', arguments: { conversation: s.conversation, moves: [{ type: 'reject', items: ['d'] }] } });
    expect(turn.isError).toBeFalsy();
    const t = turn.structuredContent as { turn: number; items: Array<{ id: string }>; state: { rejected: Array<{ id: string }> } };
    expect(t.turn).toBe(2);
    expect(t.items.map((i) => i.id)).not.toContain('d');
    expect(t.state.rejected).toEqual([{ id: 'd', label: 'Gladiator' }]);

    const bad = await client.callTool({ name: 'converse', arguments: { conversation: s.conversation, moves: [{ type: 'exclude', entity: 'nope' }] } });
    expect(bad.isError).toBe(true);
    expect((bad.content as Text)[0]!.text).toMatch(/^BAD_REQUEST: converse: move 0 \(exclude\)/);
  });

  it('bad input and unknown nodes are tool errors with the API message; the server keeps serving', async () => {
    const unknown = await client.callTool({ name: 'recommend', arguments: { user: 'nobody', k: 5 } });
    expect(unknown.isError).toBe(true);
    expect((unknown.content as Text)[0]!.text).toBe('NOT_FOUND: unknown user "nobody"');

    const badK = await client.callTool({ name: 'recommend', arguments: { user: 'u1', k: 0 } });
    expect(badK.isError).toBe(true);
    expect((badK.content as Text)[0]!.text).toMatch(/^BAD_REQUEST: api: invalid arguments\.k: /);

    const missing = await client.callTool({ name: 'explain', arguments: { user: 'u1' } });
    expect((missing.content as Text)[0]!.text).toMatch(/^BAD_REQUEST: api: invalid arguments\.item: /);

    const noTool = await client.callTool({ name: 'nope', arguments: {} });
    expect(noTool.isError).toBe(true);
    expect((noTool.content as Text)[0]!.text).toMatch(/^NOT_FOUND: mcp: unknown tool "nope"/);

    const ok = await client.callTool({ name: 'recommend', arguments: { user: 'u1', k: 1 } });
    expect(ok.isError).toBeFalsy();
  });

  it('GET on the endpoint is 405 with a JSON error', async () => {
    const res = await fetch(`${base}/v1/mcp`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });
});

describe('MCP over HTTP with API keys', () => {
  let base: string;
  beforeAll(async () => {
    const cfg = loadConfig({ env: {}, overrides: { auth: { keys: [{ name: 'reader', sha256: hashKey(READ_KEY), scopes: ['read'] }], readRequiresKey: true } } });
    base = await serve(cfg);
  });

  it('refuses a missing or wrong key (401), serves a key with the read scope', async () => {
    await expect(connect(base)).rejects.toThrow(/401|UNAUTHORIZED|API key/);
    await expect(connect(base, { authorization: 'Bearer wrong-key' })).rejects.toThrow(/401|UNAUTHORIZED|unknown API key/);
    const client = await connect(base, { authorization: `Bearer ${READ_KEY}` });
    const r = await client.callTool({ name: 'recommend', arguments: { user: 'u1', k: 2 } });
    expect((r.structuredContent as { items: unknown[] }).items).toHaveLength(2);
    await client.close();
    const viaHeader = await connect(base, { 'x-api-key': READ_KEY });
    expect((await viaHeader.listTools()).tools).toHaveLength(8);
    await viaHeader.close();
  });

  it('a raw POST without a key gets the API 401 body', async () => {
    const res = await fetch(`${base}/v1/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });
});
