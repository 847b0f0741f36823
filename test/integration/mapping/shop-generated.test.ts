/**
 * Bring your own graph on a shop generated at a size beyond a hand-written example (issue 14): a seeded dataset of
 * the generator (`graphrec generate`, 300 users, 200 items, 6000 interactions) ingested into graphrec's model and turned
 * into the shop schema by examples/graph-mapping/shop-from-graphrec.cypher (Customer, Product, Category, Brand,
 * BOUGHT {quantity, at}), then served by `graphrec serve` through examples/graph-mapping/shop.mapping.json. For every
 * tenth customer, `GET /v1/users/{customerId}/recommendations?k=5&explain=paths` must give 5 products the customer did
 * not buy, each with an evidence path through a category or a co-buyer (on this dense graph the evidence chooses
 * co-buyer paths; the categories are read through the mapping: stats and the item view show them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../src/core/paths.ts';
import { readGeneric } from '../../../src/ingest/formats/generic.ts';
import { generateDataset } from '../../../src/ingest/generate.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import { openSession, type Database } from '../../../src/store/driver.ts';
import { childEnv, killChild, spawnCli, type CliRun } from '../faults/fault-neo4j.ts';
import { openTestDatabase } from '../helpers.ts';
import { inventory, runCypherScript, wipe } from './graph-script.ts';

const SCRIPT = path.join(ROOT, 'examples/graph-mapping/shop-from-graphrec.cypher');
const MAPPING = path.join(ROOT, 'examples/graph-mapping/shop.mapping.json');
const dir = mkdtempSync(path.join(tmpdir(), 'graphrec-shopgen-'));

let db: Database;
let serve: CliRun | undefined;
let base = '';

beforeAll(async () => {
  db = await openTestDatabase();
  await wipe(db);
  generateDataset({ seed: 7, users: 300, items: 200, interactions: 6000, out: dir });
  await loadDataset(db, readGeneric(dir), { resume: false });
  await runCypherScript(db, SCRIPT);
  serve = spawnCli(['serve', '--port', '0', '--mapping', MAPPING], childEnv({ NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI!, GRAPHREC_EXPLAIN_LLM: 'never' }), 300_000);
  const end = Date.now() + 240_000;
  for (;;) {
    const line = serve.stdout().split('\n').find((l) => l.includes('"ready":true'));
    if (line) {
      base = (JSON.parse(line) as { url: string }).url;
      break;
    }
    if (serve.child.exitCode !== null || Date.now() > end) throw new Error(`serve not ready: ${serve.stderr().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 400_000);

afterAll(async () => {
  await killChild(serve);
  await wipe(db).catch(() => {});
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function boughtBy(customerId: string): Promise<Set<string>> {
  const session = openSession(db, 'READ');
  try {
    const r = await session.run('MATCH (:Customer {customerId: $customerId})-[:BOUGHT]->(p:Product) RETURN collect(p.sku) AS skus', { customerId });
    return new Set(r.records[0]!.get('skus') as string[]);
  } finally {
    await session.close();
  }
}

describe('graphrec serve over a generated shop through the graph mapping', () => {
  it('the database is in the shop schema only', async () => {
    const { labels } = await inventory(db);
    expect(labels).toEqual(['Brand', 'Category', 'Customer', 'Product']);
    const stats = (await (await fetch(`${base}/v1/stats`)).json()) as { users: number; items: number; entities: number; interactions: number; knowledge: number };
    const item = (await (await fetch(`${base}/v1/items/i0`)).json()) as { knowledge: Record<string, Array<{ id: string }>> };
    console.info(JSON.stringify({ stats, i0: item.knowledge }));
    expect(stats).toMatchObject({ users: 300, items: 200, interactions: 6000 });
    expect(stats.knowledge).toBeGreaterThanOrEqual(200);
    expect(item.knowledge.category?.[0]?.id).toMatch(/^category:Category \d+$/);
  });

  it('recommends 5 unbought products per customer, each with a path through a category or a co-buyer', async () => {
    for (let u = 0; u < 300; u += 10) {
      const customerId = `u${u}`;
      const bought = await boughtBy(customerId);
      const res = await fetch(`${base}/v1/users/${customerId}/recommendations?k=5&explain=paths`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: Array<{ id: string; evidence: { paths: Array<{ nodes: Array<{ key: string; kind: string }> }> } }> };
      expect(body.items).toHaveLength(5);
      for (const item of body.items) {
        expect(bought.has(item.id), `${customerId} bought ${item.id}`).toBe(false);
        const through = item.evidence.paths.some((p) => p.nodes.at(-1)!.key === `Item:${item.id}` && p.nodes.slice(1, -1).some((n) => n.key.startsWith('Entity:category:') || n.kind === 'User'));
        expect(through, `${customerId} → ${item.id}: ${JSON.stringify(item.evidence.paths)}`).toBe(true);
      }
    }
  });
});
