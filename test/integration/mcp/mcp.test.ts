/**
 * The MCP server against the real engine on the demo catalogue, driven by the official SDK's client:
 * - stdio: `node scripts/graphrec.js mcp` spawned the way an MCP client starts it, with no configuration but the port
 *   of the test Neo4j (the local-Neo4j path `npm start` takes, reusing the running server) on an EMPTY database, so
 *   it loads the default demo data itself; it lists the tools, calls each one (recommend {"user": "1", "k": 5} → 5
 *   items with ids and titles), and answers bad input with tool errors while stdout stays pure JSON-RPC;
 * - HTTP: `POST /v1/mcp` of the Express app over the same database and a real engine, every tool again.
 */
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.ts';
import { exploreRoutes } from '../../../src/api/routes/explore.ts';
import { converseRoutes } from '../../../src/api/routes/converse.ts';
import { recommendRoutes } from '../../../src/api/routes/recommend.ts';
import { ROOT } from '../../../src/core/paths.ts';
import { bootEngine } from '../../../src/engine/boot.ts';
import type { Engine } from '../../../src/engine/engine.ts';
import { mountMcp } from '../../../src/mcp/http.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase, testConfig } from '../helpers.ts';

type Text = Array<{ type: string; text: string }>;
type Rec = { items: Array<{ id: string; title?: string; rank: number; score: number }> };

const TOOLS = ['recommend', 'explain', 'search', 'similar_items', 'user_history', 'graph_neighbours', 'start_conversation', 'converse'];

/** The environment of the spawned server: the test Neo4j through the local-Neo4j settings when it is local. */
function serverEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NEO4J_') && !k.startsWith('GRAPHREC_')) env[k] = v;
  const uri = process.env.GRAPHREC_TEST_NEO4J_URI!;
  const local = /^bolt:\/\/127\.0\.0\.1:(\d+)$/.exec(uri);
  if (local) env.GRAPHREC_NEO4J_PORT = local[1]!;
  else env.NEO4J_URI = uri;
  // Few epochs: the test checks the plumbing, not the model.
  env.GRAPHREC_TRAIN_EPOCHS = '5';
  return env;
}

/** Calls every tool once on the demo catalogue and checks the results (both transports share it). */
async function checkEveryTool(client: Client): Promise<void> {
  const rec = await client.callTool({ name: 'recommend', arguments: { user: '1', k: 5 } });
  expect(rec.isError, JSON.stringify(rec.content)).toBeFalsy();
  const items = (rec.structuredContent as Rec).items;
  expect(items).toHaveLength(5);
  expect(items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5]);
  for (const item of items) {
    expect(item.id).toMatch(/^demo:i:\d+$/);
    expect(item.title).toBeTruthy();
  }
  const text = (rec.content as Text)[0]!.text.split('\n');
  expect(text[0]).toMatch(/^5 recommendations for user 1 /);
  expect(text[1]).toContain(`${items[0]!.title} [${items[0]!.id}]`);

  const history = await client.callTool({ name: 'user_history', arguments: { user: 'demo:u:1', limit: 100 } });
  const seen = (history.structuredContent as { total: number; items: Array<{ item: { id: string } }> });
  expect(seen.total).toBeGreaterThan(0);
  // Recommendations are unseen items.
  const seenIds = new Set(seen.items.map((h) => h.item.id));
  if (seen.total <= 100) for (const item of items) expect(seenIds.has(item.id)).toBe(false);

  const why = await client.callTool({ name: 'explain', arguments: { user: '1', item: items[0]!.id } });
  expect(why.isError, JSON.stringify(why.content)).toBeFalsy();
  const explained = why.structuredContent as { explanation: { text: string; source: string }; evidence: { item: { key: string }; paths: unknown[] } };
  expect(explained.evidence.item.key).toBe(`Item:${items[0]!.id}`);
  expect(explained.explanation.text.length).toBeGreaterThan(0);
  expect(['llm', 'template']).toContain(explained.explanation.source);

  const title = items[0]!.title!;
  const search = await client.callTool({ name: 'search', arguments: { q: title, kind: 'item' } });
  expect((search.structuredContent as { results: Array<{ id: string }> }).results.map((r) => r.id)).toContain(items[0]!.id);

  const similar = await client.callTool({ name: 'similar_items', arguments: { item: items[0]!.id, k: 4 } });
  const sim = similar.structuredContent as { item: { id: string; title?: string }; items: Array<{ id: string }> };
  expect(sim.item).toEqual({ id: items[0]!.id, title });
  expect(sim.items).toHaveLength(4);
  expect(sim.items.map((i) => i.id)).not.toContain(items[0]!.id);

  const neighbours = await client.callTool({ name: 'graph_neighbours', arguments: { kind: 'item', id: items[0]!.id, direction: 'out' } });
  const edges = (neighbours.structuredContent as { items: Array<{ node: { kind: string }; edge: { type: string } }> }).items;
  expect(edges.length).toBeGreaterThan(0);
  expect(edges.every((e) => e.edge.type === 'RELATED' && e.node.kind === 'Entity')).toBe(true);

  // A conversation: start for user 1 with a seed (an entity of the first recommendation), then reject what was shown.
  const entity = edges.find((e) => e.node.kind === 'Entity')!.node as unknown as { id: string };
  const started = await client.callTool({ name: 'start_conversation', arguments: { user: '1', k: 5, moves: [{ type: 'seed', node: { kind: 'entity', id: entity.id } }] } });
  expect(started.isError, JSON.stringify(started.content)).toBeFalsy();
  const conv = started.structuredContent as { conversation: string; answer: { items: Array<{ id: string; title?: string }>; state: { seeds: Array<{ id: string }> } } };
  expect(conv.answer.items).toHaveLength(5);
  expect(conv.answer.state.seeds.map((x) => x.id)).toEqual([entity.id]);
  const shown = conv.answer.items.map((i) => i.id);
  const turn = await client.callTool({ name: 'converse', arguments: { conversation: conv.conversation, moves: [{ type: 'reject', items: shown }] } });
  expect(turn.isError, JSON.stringify(turn.content)).toBeFalsy();
  const next = turn.structuredContent as { turn: number; items: Array<{ id: string }> };
  expect(next.turn).toBe(2);
  expect(next.items).toHaveLength(5);
  for (const item of next.items) expect(shown).not.toContain(item.id);
  expect((turn.content as Text)[0]!.text).toContain(`conversation ${conv.conversation}, turn 2: rejected 5 items`);

  const unknown = await client.callTool({ name: 'recommend', arguments: { user: 'nobody', k: 5 } });
  expect(unknown.isError).toBe(true);
  expect((unknown.content as Text)[0]!.text).toBe('NOT_FOUND: unknown user "nobody"');
  const badK = await client.callTool({ name: 'recommend', arguments: { user: '1', k: 100_000 } });
  expect(badK.isError).toBe(true);
  expect((badK.content as Text)[0]!.text).toMatch(/^BAD_REQUEST: api: invalid arguments\.k: /);
  const unknownItem = await client.callTool({ name: 'similar_items', arguments: { item: 'no-such-item' } });
  expect((unknownItem.content as Text)[0]!.text).toBe('NOT_FOUND: unknown item "no-such-item"');
}

describe('MCP server on the real engine (demo catalogue)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
    await deleteAll(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  describe('stdio: graphrec mcp', () => {
    let client: Client;
    let transport: StdioClientTransport;
    const stderr: string[] = [];
    const transportErrors: string[] = [];

    it('starts with no configuration, answers tools/list at once, loads the demo data into the empty database', async () => {
      transport = new StdioClientTransport({ command: process.execPath, args: [path.join(ROOT, 'scripts', 'graphrec.js'), 'mcp'], env: serverEnv(), cwd: ROOT, stderr: 'pipe' });
      transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
      client = new Client({ name: 'graphrec-integration', version: '1.0.0' });
      client.onerror = (error) => transportErrors.push(error.message);
      const started = performance.now();
      await client.connect(transport);
      const { tools } = await client.listTools();
      const listedMs = performance.now() - started;
      expect(tools.map((t) => t.name)).toEqual(TOOLS);
      console.log(JSON.stringify({ mcpStdio: { toolsListedMs: Math.round(listedMs) } }));
      expect(client.getServerVersion()?.name).toBe('graphrec');
    });

    it('calls every tool (recommend {"user": "1", "k": 5} → 5 items with ids and titles); errors are tool errors', async () => {
      const started = performance.now();
      // The first call waits for the boot (demo load, projection, training); progress keeps the client waiting.
      const first = await client.callTool({ name: 'recommend', arguments: { user: '1', k: 5 } }, undefined, { timeout: 280_000, resetTimeoutOnProgress: true, onprogress: () => {} });
      console.log(JSON.stringify({ mcpStdio: { firstCallMs: Math.round(performance.now() - started) } }));
      expect(first.isError, JSON.stringify(first.content)).toBeFalsy();
      await checkEveryTool(client);
      const log = stderr.join('');
      expect(log).toContain('data: empty database, loading');
      expect(log).toContain('local Neo4j: reusing the server already listening');
      // Nothing but JSON-RPC reached stdout (a stray line would be a parse error on the client side).
      expect(transportErrors).toEqual([]);
    });

    it('stops when the client closes stdin', async () => {
      const pid = transport.pid!;
      await client.close();
      const deadline = Date.now() + 30_000;
      let alive = true;
      while (alive && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        try {
          process.kill(pid, 0);
        } catch {
          alive = false;
        }
      }
      expect(alive).toBe(false);
    });
  });

  describe('HTTP: POST /v1/mcp on the Express app', () => {
    let engine: Engine;
    let server: Server;
    let client: Client;
    beforeAll(async () => {
      // The stdio server above loaded the demo data; a run of this block alone loads it first.
      const cfg = testConfig({ train: { epochs: 5 } });
      const store = new Neo4jGraphStore(db.driver, db.database, cfg.bounds);
      if ((await store.counts()).users === 0) {
        const { loadDataset } = await import('../../../src/ingest/load.ts');
        const { createDemoSource } = await import('../../../src/ingest/demo.ts');
        await loadDataset(db, createDemoSource({ seed: cfg.data.demoSeed }), { resume: false });
      }
      engine = await bootEngine(db, cfg, { llm: false });
      const extra = { store, cfg, engine: () => engine };
      const deps = { store, cfg, routes: [...recommendRoutes(extra), ...exploreRoutes(extra), ...converseRoutes(extra)] };
      server = createServer(createApp({ ...deps, mount: (app) => mountMcp(app, deps) }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      client = new Client({ name: 'graphrec-integration', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/mcp`)));
    });
    afterAll(async () => {
      await client?.close();
      server?.close();
      await engine?.close();
    });

    it('lists the tools and calls every one', async () => {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOLS);
      await checkEveryTool(client);
    });
  });
});
