/**
 * Bring your own graph, the outside check (issue 14): a shop built with its own Cypher in its own schema
 * (`(:Customer {customerId})-[:BOUGHT {quantity, at}]->(:Product {sku, name})-[:IN_CATEGORY]->(:Category {name})`,
 * brands), a mapping file, and `graphrec serve` started as a real process with NEO4J_URI at that database and
 * GRAPHREC_GRAPH_MAPPING at the file. It must seed and ingest nothing, start although graphrec's own labels are
 * absent, answer `GET /v1/users/{customerId}/recommendations?k=5&explain=paths` with 5 products the customer did not
 * buy, each with a path through a category or a co-buyer, serve the graph views in graphrec's terms, write through the
 * API into the shop's labels, and refuse a mapping that names a label the database lacks.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/store/driver.ts';
import { openTestDatabase } from '../helpers.ts';
import { childEnv, killChild, spawnCli, type CliRun } from '../faults/fault-neo4j.ts';
import { inventory, runCypherScript, wipe } from './graph-script.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SHOP_SCRIPT = path.join(ROOT, 'examples/graph-mapping/shop.cypher');
const SHOP_MAPPING = path.join(ROOT, 'examples/graph-mapping/shop.mapping.json');

let db: Database;
let serve: CliRun | undefined;
let base = '';

async function startServe(mappingFile: string): Promise<CliRun> {
  const run = spawnCli(['serve', '--port', '0'], childEnv({ NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI!, GRAPHREC_GRAPH_MAPPING: mappingFile, GRAPHREC_EXPLAIN_LLM: 'never' }), 240_000);
  return run;
}

async function waitReady(run: CliRun): Promise<string> {
  const end = Date.now() + 200_000;
  for (;;) {
    const line = run.stdout().split('\n').find((l) => l.includes('"ready":true'));
    if (line) return (JSON.parse(line) as { url: string }).url;
    if (run.child.exitCode !== null) throw new Error(`serve exited ${run.child.exitCode}: ${run.stderr().slice(-3000)}`);
    if (Date.now() > end) throw new Error(`serve not ready: ${run.stderr().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field below
async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(base + url);
  return { status: res.status, body: await res.json() };
}

let before: Awaited<ReturnType<typeof inventory>>;

beforeAll(async () => {
  db = await openTestDatabase();
  await wipe(db);
  await runCypherScript(db, SHOP_SCRIPT);
  before = await inventory(db);
  serve = await startServe(SHOP_MAPPING);
  base = await waitReady(serve);
}, 300_000);

afterAll(async () => {
  await killChild(serve);
  await wipe(db).catch(() => {});
  await db?.close();
}, 60_000);

describe('graphrec serve over a shop schema through a graph mapping', () => {
  it('seeds and ingests nothing: the database holds exactly the shop', async () => {
    expect(await inventory(db)).toEqual(before);
    expect(before.labels).toEqual(['Brand', 'Category', 'Customer', 'Product']);
  });

  it('recommends 5 products the customer did not buy, each with a path through a category or a co-buyer', async () => {
    const bought = new Set(['P01', 'P02', 'P08']);
    const { status, body } = await getJson('/v1/users/c1/recommendations?k=5&explain=paths');
    expect(status).toBe(200);
    const items = body.items as Array<{ id: string; evidence: { paths: Array<{ nodes: Array<{ key: string; kind: string }>; edges: Array<{ relation: string }> }> } }>;
    expect(items).toHaveLength(5);
    for (const item of items) {
      expect(bought.has(item.id)).toBe(false);
      expect(item.id).toMatch(/^P\d\d$/);
      const through = item.evidence.paths.some((p) => p.nodes.at(-1)!.key === `Item:${item.id}` && p.nodes.slice(1, -1).some((n) => n.key.startsWith('Entity:category:') || n.kind === 'User'));
      expect(through, `${item.id}: ${JSON.stringify(item.evidence.paths)}`).toBe(true);
    }
  });

  it('explains with the mapping relation names', async () => {
    const { body } = await getJson('/v1/users/c1/recommendations?k=5&explain=text&style=full');
    const texts = (body.items as Array<{ explanation: { text: string } }>).map((i) => i.explanation.text).join(' ');
    // "category" reads "is listed under …" (explain/text); "brand" is humanised ("has brand …", "both have brand …").
    expect(texts, texts).toMatch(/listed under (Kitchen|Garden|Books|Toys)|brand (Acme|Globex|Initech)/);
    expect(texts).toMatch(/You bought/);
  });

  it('serves the graph views in graphrec terms', async () => {
    expect((await getJson('/v1/users/c1')).body).toMatchObject({ id: 'c1', interactionCount: 3, interactionsByKind: { purchase: 3 } });
    const history = (await getJson('/v1/users/c1/history')).body;
    expect(history.items.map((h: { item: { id: string } }) => h.item.id)).toEqual(['P08', 'P02', 'P01']);
    expect(history.items[1]).toMatchObject({ kind: 'purchase', weight: 2, ts: Date.UTC(2026, 10, 2, 10) / 1000 });
    const item = (await getJson('/v1/items/P01')).body;
    expect(item).toMatchObject({ id: 'P01', title: 'Chef knife', interactionCount: 2, knowledge: { category: [{ id: 'category:Kitchen', kind: 'category', name: 'Kitchen' }], brand: [{ id: 'brand:Acme', name: 'Acme' }] } });
    const entity = (await getJson('/v1/entities/category:Kitchen')).body;
    expect(entity.items.items.map((i: { id: string }) => i.id)).toEqual(['P01', 'P02', 'P03', 'P04']);
    const paths = (await getJson('/v1/paths?from=User:c1&to=Item:P04&maxHops=3&limit=5')).body.paths as Array<{ nodes: Array<{ id: string }> }>;
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect([p.nodes[0]!.id, p.nodes.at(-1)!.id]).toEqual(['c1', 'P04']);
    const neighbours = (await getJson('/v1/nodes/Entity/category:Kitchen/neighbours?direction=in&limit=10')).body.items as Array<{ node: { id: string }; edge: { from: { id: string }; relation: string } }>;
    expect(neighbours.map((n) => n.node.id)).toEqual(['P01', 'P02', 'P03', 'P04']);
    expect(neighbours.every((n) => n.edge.relation === 'category' && n.edge.from.id === n.node.id)).toBe(true);
    expect((await getJson('/v1/stats')).body).toMatchObject({ users: 6, items: 12, entities: 7, interactions: 21, knowledge: 24 });
    expect((await getJson('/v1/users/nobody')).status).toBe(404);
  });

  it('writes users, items and interactions into the shop schema', async () => {
    const put = (url: string, body: unknown) => fetch(base + url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put('/v1/users/c9', { props: { city: 'Oslo' } })).status).toBeLessThan(300);
    expect((await put('/v1/items/P99', { title: 'Garden gloves' })).status).toBeLessThan(300);
    const post = await fetch(base + '/v1/interactions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [{ eventId: 'e1', userId: 'c9', itemId: 'P99', kind: 'purchase', weight: 2, ts: 1_790_000_000 }] }) });
    expect(post.status).toBe(200);
    const unmapped = await fetch(base + '/v1/interactions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [{ eventId: 'e2', userId: 'c9', itemId: 'P99', kind: 'rating', rating: 4 }] }) });
    expect(unmapped.status).toBe(400);
    const after = await inventory(db);
    expect(after.labels).toEqual(before.labels);
    expect(after.nodes).toBe(before.nodes + 2);
    expect(after.rels).toBe(before.rels + 1);
    expect((await getJson('/v1/users/c9/history')).body.items).toEqual([{ item: { id: 'P99', title: 'Garden gloves' }, kind: 'purchase', rating: null, weight: 2, ts: 1_790_000_000 }]);
  });
});

describe('a mapping the database does not fit', () => {
  it('is refused at start with the field named', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'graphrec-map-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ users: [{ label: 'Client', id: 'customerId' }], items: [{ label: 'Product', id: 'sku' }], interactions: [{ type: 'BOUGHT', kind: 'purchase' }] }));
    const run = await startServe(file);
    expect(await run.exited).not.toBe(0);
    expect(run.stderr()).toMatch(/users\[0\]\.label: label "Client" is not among the database's labels/);
    const quoted = path.join(dir, 'quoted.json');
    writeFileSync(quoted, JSON.stringify({ users: [{ label: 'Customer`) DETACH DELETE (x', id: 'customerId' }], items: [{ label: 'Product', id: 'sku' }], interactions: [{ type: 'BOUGHT', kind: 'purchase' }] }));
    const run2 = await startServe(quoted);
    expect(await run2.exited).not.toBe(0);
    expect(run2.stderr()).toMatch(/users\[0\]\.label: must not contain a backtick/);
    expect((await inventory(db)).labels).toEqual(before.labels);
  }, 120_000);
});
