/**
 * The conversation API over the real Neo4j: the test database is reset and loaded with the seeded demo catalogue, the
 * engine is built from its projection (labels and item properties read from Neo4j; no embeddings, so `hybrid` fuses
 * PPR and the knowledge walk), and the routes `graphrec serve` mounts answer over real HTTP. Each move's effect on the
 * state and on the list is checked against the graph as Neo4j stores it (an excluded genre's items, read back from
 * Neo4j, never appear), bad moves are 400 naming the move and change nothing, and an expired conversation is 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { converseRoutes } from '../../src/api/routes/converse.ts';
import { SessionStore } from '../../src/converse/session.ts';
import { Engine } from '../../src/engine/engine.ts';
import { loadDataset } from '../../src/ingest/load.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import { projectDatabase, readItemProps, readLabels } from '../../src/project/load.ts';
import type { Database } from '../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../src/store/schema.ts';
import { serveApp, type Served } from '../api/http-client.ts';
import { openTestDatabase, testConfig } from './helpers.ts';

interface Turn {
  conversation: string;
  turn: number;
  summary: string;
  changes: string[];
  items: Array<{ id: string; title?: string; explanation?: { text: string; source: string } }>;
  state: {
    seeds: Array<{ kind: string; id: string; weight: number }>;
    excluded: Array<{ id: string }>;
    rejected: Array<{ id: string }>;
    constraints: Array<{ name: string; op: string; value: unknown }>;
    shown: Array<{ id: string }>;
    turns: number;
  };
}

let db: Database;
let served: Served;
let store: Neo4jGraphStore;
let now = Date.now();
const TTL_MS = 60_000;

const post = async (path: string, body: unknown) => {
  const reply = await served.send({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return reply;
};

beforeAll(async () => {
  const cfg = testConfig();
  db = await openTestDatabase();
  await deleteAll(db);
  await loadDataset(db, resolveDataset('demo', { demoSeed: cfg.data.demoSeed }), { batchSize: cfg.ingest.batchSize });
  const { csr } = await projectDatabase(db, { interactions: cfg.interactions, bounds: cfg.bounds, weights: cfg.weights });
  const engine = new Engine({ csr, labels: await readLabels(db), itemProps: await readItemProps(db), interactions: cfg.interactions });
  store = new Neo4jGraphStore(db.driver, db.database, cfg.bounds);
  const sessions = new SessionStore({ ttlMs: TTL_MS }, () => now);
  served = await serveApp(createApp({ store, cfg, routes: converseRoutes({ store, cfg, engine: () => engine, sessions }) }), cfg);
}, 300_000);

afterAll(async () => {
  await served?.close();
  await db?.close();
});

/** Entity ids an item links to, as Neo4j stores them. */
async function entitiesOf(itemId: string): Promise<Set<string>> {
  const item = await store.getItem(itemId);
  return new Set(Object.values(item.knowledge).flat().map((e) => e.id));
}

describe('conversation API (real Neo4j, demo catalogue)', () => {
  let id = '';
  let first: Turn;

  it('starts a conversation for a user with a first turn: a genre seed', async () => {
    const genre = Object.entries((await store.getItem('demo:i:1')).knowledge).find(([relation]) => relation === 'genre')![1][0]!;
    const reply = await post('/v1/conversations', { user: 'demo:u:1', k: 8, moves: [{ type: 'seed', node: { kind: 'entity', id: genre.id } }], explain: 'text' });
    expect(reply.status).toBe(200);
    const body = reply.json as { conversation: string; answer: Turn };
    id = body.conversation;
    first = body.answer;
    expect(first.turn).toBe(1);
    expect(first.items).toHaveLength(8);
    expect(first.state.seeds).toEqual([{ kind: 'Entity', id: genre.id, label: genre.name, weight: 1 }]);
    expect(first.changes).toEqual([`added ${genre.name} as a seed`]);
    for (const item of first.items) {
      expect(item.explanation?.source).toBe('template');
      expect(item.explanation!.text.length).toBeGreaterThan(0);
    }
    // The genre seed pulls its items up: most of the list is in that genre.
    const inGenre = await Promise.all(first.items.map(async (x) => (await entitiesOf(x.id)).has(genre.id)));
    expect(inGenre.filter(Boolean).length).toBeGreaterThanOrEqual(4);
  });

  it('exclude: no item linked to the excluded entity (checked in Neo4j); reject: gone for good', async () => {
    // Exclude an entity some shown item links to that is not the seed genre.
    const seedIds = new Set(first.state.seeds.map((s) => s.id));
    const linked = [...(await entitiesOf(first.items[0]!.id))].find((e) => !seedIds.has(e))!;
    const rejected = first.items[1]!.id;
    const reply = await post(`/v1/conversations/${id}/turns`, { moves: [{ type: 'exclude', entity: linked }, { type: 'reject', items: [rejected] }], explain: 'none' });
    expect(reply.status).toBe(200);
    const turn = reply.json as Turn;
    expect(turn.turn).toBe(2);
    expect(turn.state.excluded.map((x) => x.id)).toEqual([linked]);
    expect(turn.state.rejected.map((x) => x.id)).toContain(rejected);
    expect(turn.items.map((x) => x.id)).not.toContain(rejected);
    for (const item of turn.items) expect((await entitiesOf(item.id)).has(linked), `${item.id} links to ${linked}`).toBe(false);
    expect(turn.summary).toMatch(/removed \d+ items? \(/);
  });

  it('older: every item is older than the median year of the list shown last (years read from Neo4j)', async () => {
    const shown = (JSON.parse((await served.send({ path: `/v1/conversations/${id}` })).text) as { state: Turn['state'] }).state.shown;
    const years = (await Promise.all(shown.map(async (x) => (await store.getItem(x.id)).props.year as number))).sort((a, b) => a - b);
    const median = years[Math.floor((years.length - 1) / 2)]!;
    const turn = (await post(`/v1/conversations/${id}/turns`, { moves: [{ type: 'older' }], explain: 'none' })).json as Turn;
    expect(turn.state.constraints).toEqual([{ name: 'year', op: 'lt', value: median }]);
    expect(turn.items.length).toBeGreaterThan(0);
    for (const item of turn.items) expect((await store.getItem(item.id)).props.year as number).toBeLessThan(median);
  });

  it('bad moves are 400 naming the move, and change nothing', async () => {
    const before = (await served.send({ path: `/v1/conversations/${id}` })).json as { state: unknown; turns: unknown[] };
    const unknown = await post(`/v1/conversations/${id}/turns`, { moves: [{ type: 'seed', node: { kind: 'item', id: 'demo:i:2' } }, { type: 'exclude', entity: 'no-such-entity' }] });
    expect(unknown.status).toBe(400);
    expect((unknown.json as { error: { code: string; details: unknown } }).error).toMatchObject({ code: 'BAD_REQUEST', details: { move: 1 } });
    const shape = await post(`/v1/conversations/${id}/turns`, { moves: [{ type: 'seed' }] });
    expect(shape.status).toBe(400);
    expect(JSON.stringify((shape.json as { error: unknown }).error)).toContain('moves');
    const prop = await post(`/v1/conversations/${id}/turns`, { moves: [{ type: 'property', name: 'colour', op: 'eq', value: 'red' }] });
    expect(prop.status).toBe(400);
    const after = (await served.send({ path: `/v1/conversations/${id}` })).json as { state: unknown; turns: unknown[] };
    expect(after).toMatchObject({ state: before.state });
    expect(after.turns).toHaveLength(3);
  });

  it('keywords and more-like seeds change the seeds; unknown users are 404', async () => {
    const turn = (await post(`/v1/conversations/${id}/turns`, { moves: [{ type: 'more', node: { kind: 'item', id: first.items[2]!.id } }], explain: 'none' })).json as Turn;
    expect(turn.state.seeds.find((s) => s.id === first.items[2]!.id)?.weight).toBe(2);
    expect(turn.items.map((x) => x.id)).not.toContain(first.items[2]!.id);
    expect((await post('/v1/conversations', { user: 'nobody-at-all' })).status).toBe(404);
  });

  it('a conversation expires after its TTL of inactivity', async () => {
    expect((await served.send({ path: `/v1/conversations/${id}` })).status).toBe(200);
    now += TTL_MS + 1;
    const gone = await served.send({ path: `/v1/conversations/${id}` });
    expect(gone.status).toBe(404);
    expect((await post(`/v1/conversations/${id}/turns`, { moves: [] })).status).toBe(404);
  });
});
