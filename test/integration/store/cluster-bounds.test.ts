/**
 * Cluster-correct driver use and the interaction bounds on the real Neo4j (issue 10.5, issue 11.1):
 * - the `neo4j://` routing scheme against the local server: a write, then a read in another session sees it, and the
 *   write's bookmark is in the driver's bookmark manager that every session shares; the health ping is a read
 *   transaction that works through routing;
 * - the projection read is one snapshot: a write that commits in the middle of the read makes it start over, and the
 *   result holds the write and carries the fingerprint of what it read;
 * - `POST /v1/interactions` with `rating: -5` or `rating: 1e39` answers 400 and commits nothing (not even the batch's
 *   valid events); the ingest loader rejects such rows with their reason;
 * - stored edges outside the bounds written by hand in Cypher: the projection skips and counts them, `graphrec serve`
 *   starts, serves and reports the count in `/v1/health/ready`, and `graphrec doctor` lists them and repairs them
 *   (`--fix` deletes, `--fix=clamp` clamps).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.ts';
import { loadConfig } from '../../../src/core/config.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import type { DatasetSource } from '../../../src/ingest/source.ts';
import { projectDatabase, readProjectionSnapshot } from '../../../src/project/load.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { openDatabase } from '../../../src/store/open.ts';
import { projectionFingerprint, readProjectionRows } from '../../../src/store/projection-reader.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase, testConfig } from '../helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(ROOT, 'scripts', 'graphrec.js');

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db?.close());

async function seed(store: Neo4jGraphStore): Promise<void> {
  await deleteAll(db);
  await store.upsertUsers([{ id: 'u1' }, { id: 'u2' }, { id: 'u3' }]);
  await store.upsertItems(['a', 'b', 'c', 'd'].map((id) => ({ id, title: `Item ${id.toUpperCase()}` })));
  await store.recordInteractions([
    { eventId: 'e1', userId: 'u1', itemId: 'a', kind: 'rating', rating: 4, weight: 4, ts: 1 },
    { eventId: 'e2', userId: 'u1', itemId: 'b', kind: 'rating', rating: 5, weight: 5, ts: 2 },
    { eventId: 'e3', userId: 'u2', itemId: 'a', kind: 'rating', rating: 3, weight: 3, ts: 3 },
    { eventId: 'e4', userId: 'u2', itemId: 'c', kind: 'click', weight: 1, ts: 4 },
    { eventId: 'e5', userId: 'u3', itemId: 'd', kind: 'rating', rating: 2, weight: 2, ts: 5 },
    { eventId: 'e6', userId: 'u3', itemId: 'b', kind: 'rating', rating: 4, weight: 4, ts: 6 },
  ]);
}

/** Raw Cypher, as a person would type it in the Neo4j browser: how bad rows get in past the API. */
async function cypherByHand(statement: string, params: Record<string, unknown> = {}): Promise<void> {
  const session = db.driver.session({ database: db.database });
  try {
    await session.run(statement, params);
  } finally {
    await session.close();
  }
}

/** Two edges outside the default bounds: a negative rating/weight and a weight beyond the f32 range. */
async function writeBadEdgesByHand(): Promise<void> {
  await cypherByHand("MATCH (u:User {id: 'u1'}), (i:Item {id: 'c'}) CREATE (u)-[:INTERACTED {kind: 'rating', rating: -5, weight: -5, ts: 10}]->(i)");
  await cypherByHand("MATCH (u:User {id: 'u2'}), (i:Item {id: 'd'}) CREATE (u)-[:INTERACTED {kind: 'listen', weight: 1e39, ts: 11}]->(i)");
}

async function interactionCount(): Promise<number> {
  const session = db.driver.session({ database: db.database });
  try {
    const r = await session.run('MATCH (:User)-[r:INTERACTED]->(:Item) RETURN count(r) AS n');
    return (r.records[0]!.get('n') as { toNumber(): number }).toNumber();
  } finally {
    await session.close();
  }
}

describe('neo4j:// routing and causal consistency (10.5)', () => {
  it('a write, then a read in another session through neo4j:// sees it; the bookmark manager holds the write', async () => {
    const uri = process.env.GRAPHREC_TEST_NEO4J_URI!.replace(/^bolt:/, 'neo4j:');
    expect(uri).toMatch(/^neo4j:\/\/127\.0\.0\.1:\d+$/);
    const routed = await openDatabase(testConfig({ neo4j: { uri } }));
    try {
      const store = new Neo4jGraphStore(routed.driver, routed.database);
      await seed(store);
      const before = [...(await routed.driver.executeQueryBookmarkManager.getBookmarks())];
      await store.recordInteractions([{ eventId: 'routed-1', userId: 'u3', itemId: 'a', kind: 'click', weight: 1, ts: 99 }]);
      const after = [...(await routed.driver.executeQueryBookmarkManager.getBookmarks())];
      // The write's bookmark replaced the earlier ones: the next session (any session of this driver) waits for it.
      expect(after.length).toBeGreaterThan(0);
      expect(after).not.toEqual(before);
      const history = await store.getUserHistory('u3', { limit: 10, offset: 0 });
      expect(history.items.map((h) => h.item.id)).toContain('a');
      // A second store object (its own sessions) on the same driver reads it too.
      expect((await new Neo4jGraphStore(routed.driver, routed.database).getUser('u3')).interactionsByKind.click).toBe(1);
      // The health ping: a read transaction, routed.
      await expect(routed.ping()).resolves.toBeUndefined();
    } finally {
      await routed.close();
    }
  });
});

describe('the projection is read as one snapshot (10.5)', () => {
  it('a write committed in the middle of the read makes it start over; the result holds the write (Cypher pages)', async () => {
    const store = new Neo4jGraphStore(db.driver, db.database);
    await seed(store);
    let begins = 0;
    let users = 0;
    let wrote = false;
    const result = await readProjectionRows(
      db,
      {
        begin: () => {
          begins++;
          users = 0;
        },
        node: (kind) => void (kind === 'User' && users++),
        interactions: () => {},
        knowledge: () => {},
      },
      {
        via: 'cypher',
        pageSize: 2,
        afterPage: async (attempt) => {
          if (attempt === 1 && !wrote) {
            wrote = true;
            // Another client: a new user committed while the first read is half-way.
            await store.upsertUsers([{ id: 'u9-mid-read' }]);
          }
        },
      },
    );
    expect(wrote).toBe(true);
    expect(begins).toBe(2);
    expect(result.attempts).toBe(2);
    expect(result.stable).toBe(true);
    expect(users).toBe(4);
    expect(result.fingerprint).toBe(await projectionFingerprint(db, 'cypher'));
  });

  it('a write the procedure read sees half-way makes it start over; the result holds the write', async () => {
    const store = new Neo4jGraphStore(db.driver, db.database);
    await seed(store);
    let begins = 0;
    let edges = 0;
    let wrote = false;
    const result = await readProjectionRows(
      db,
      {
        begin: () => {
          begins++;
          edges = 0;
        },
        node: () => {},
        interactions: (_user, e) => void (edges += e.items.length),
        knowledge: () => {},
      },
      {
        via: 'procedure',
        // One node or one user's interactions per record, streamed one at a time (the driver keeps a record or two
        // ahead): the write after the first record lands before the read reaches the interactions, and after the
        // fingerprint it is compared with.
        chunkBytes: 1,
        fetchSize: 1,
        afterPage: async (attempt) => {
          if (attempt === 1 && !wrote) {
            wrote = true;
            await store.recordInteractions([{ eventId: 'e-mid', userId: 'u3', itemId: 'c', kind: 'rating', rating: 5, weight: 5, ts: 7 }]);
          }
        },
      },
    );
    expect(wrote).toBe(true);
    expect(begins).toBe(2);
    expect(result.attempts).toBe(2);
    expect(result.stable).toBe(true);
    expect(edges).toBe(7);
    expect(result.fingerprint).toBe(await projectionFingerprint(db, 'procedure'));
  });

  it('the CSR read carries the fingerprint of what it read', async () => {
    const store = new Neo4jGraphStore(db.driver, db.database);
    await seed(store);
    const read = await readProjectionSnapshot(db);
    expect(read.fingerprint).toBe(await projectionFingerprint(db));
    expect(read.csr.edgeCount).toBe(6);
  });
});

describe('interaction bounds (11.1)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function api(): Promise<(body: unknown) => Promise<{ status: number; body: { error?: { code: string; message: string } } }>> {
    const cfg = loadConfig({ env: {}, overrides: { neo4j: { uri: process.env.GRAPHREC_TEST_NEO4J_URI } } });
    const store = new Neo4jGraphStore(db.driver, db.database, cfg.bounds);
    const server = createServer(createApp({ store, cfg }));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return async (body) => {
      const res = await fetch(`${base}/v1/interactions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
    };
  }

  async function eventCount(): Promise<number> {
    const session = db.driver.session({ database: db.database });
    try {
      return ((await session.run('MATCH (e:InteractionEvent) RETURN count(e) AS n')).records[0]!.get('n') as { toNumber(): number }).toNumber();
    } finally {
      await session.close();
    }
  }

  it.each([
    ['rating -5', { rating: -5 }, /rating -5 is outside the rating scale \[0, 10\]/],
    ['rating 1e39 without a weight', { rating: 1e39 }, /rating 1e\+39 is outside the rating scale/],
    ['weight 1e39', { weight: 1e39 }, /weight 1e\+39 is above the maximum/],
    // Caught by the body schema already (weight >= 0), before the store's guard.
    ['weight -1', { weight: -1 }, /weight/],
  ])('POST /v1/interactions with %s: 400, nothing committed (not even the valid event of the batch)', async (_, bad, message) => {
    await seed(new Neo4jGraphStore(db.driver, db.database));
    const post = await api();
    const edgesBefore = await interactionCount();
    const eventsBefore = await eventCount();
    const reply = await post({
      events: [
        { eventId: 'fine-1', userId: 'u1', itemId: 'c', kind: 'rating', rating: 3 },
        { eventId: 'bad-1', userId: 'u1', itemId: 'd', kind: 'rating', ...bad },
      ],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('BAD_REQUEST');
    expect(reply.body.error?.message).toMatch(message);
    expect(await interactionCount()).toBe(edgesBefore);
    expect(await eventCount()).toBe(eventsBefore);
    // The projection (what the next start reads) is unharmed.
    const { invalid } = await readProjectionSnapshot(db);
    expect(invalid.count).toBe(0);
  });

  it('the ingest loader rejects rows outside the bounds with their reason and loads the rest', async () => {
    await seed(new Neo4jGraphStore(db.driver, db.database));
    const rows = [
      { ok: true as const, pos: { file: 'mem', line: 1 }, records: [{ type: 'interaction' as const, value: { userId: 'u1', itemId: 'd', kind: 'rating', rating: 4, weight: 4 } }] },
      { ok: true as const, pos: { file: 'mem', line: 2 }, records: [{ type: 'interaction' as const, value: { userId: 'u2', itemId: 'b', kind: 'rating', rating: -5, weight: -5 } }] },
      { ok: true as const, pos: { file: 'mem', line: 3 }, records: [{ type: 'interaction' as const, value: { userId: 'u3', itemId: 'c', kind: 'listen', weight: 1e39 } }] },
    ];
    const source: DatasetSource = {
      format: 'bounds-test',
      files: [{ path: 'bounds-test-memory', async *read() { yield rows; } }],
    };
    const report = await loadDataset(db, source, { resume: false });
    expect(report.written.interactions).toBe(1);
    expect(report.errors.map((e) => [e.line, e.reason])).toEqual([
      [2, 'rating -5 is outside the rating scale [0, 10]'],
      [3, 'weight 1e+39 is above the maximum 1000000000'],
    ]);
    expect((await readProjectionSnapshot(db)).invalid.count).toBe(0);
  });

  it('hand-written bad edges: the projection skips and counts them; doctor lists, then --fix deletes them', async () => {
    await seed(new Neo4jGraphStore(db.driver, db.database));
    await writeBadEdgesByHand();
    const projection = await projectDatabase(db, { snapshotDir: '' });
    expect(projection.invalid.count).toBe(2);
    expect(projection.invalid.samples.map((e) => [e.userId, e.itemId, e.problem])).toEqual([
      ['u1', 'c', 'rating -5 is outside the rating scale [0, 10]'],
      ['u2', 'd', 'weight 1e+39 is above the maximum 1000000000'],
    ]);
    expect(projection.csr.edgeCount).toBe(6);

    const listed = await cli(['doctor']);
    expect(listed.code).toBe(0);
    const list = JSON.parse(listed.stdout) as { invalidInteractions: number; edges: Array<{ userId: string; itemId: string }> };
    expect(list.invalidInteractions).toBe(2);
    expect(list.edges.map((e) => `${e.userId}→${e.itemId}`)).toEqual(['u1→c', 'u2→d']);
    expect(await interactionCount()).toBe(8); // listing changes nothing

    const fixed = await cli(['doctor', '--fix']);
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ mode: 'delete', found: 2, deleted: 2, clamped: 0 });
    expect(await interactionCount()).toBe(6);
    expect(JSON.parse((await cli(['doctor'])).stdout)).toMatchObject({ invalidInteractions: 0 });
  });

  it('the skipped count survives in the projection snapshot; other bounds make a new snapshot', async () => {
    await seed(new Neo4jGraphStore(db.driver, db.database));
    await writeBadEdgesByHand();
    const snapshotDir = mkdtempSync(path.join(tmpdir(), 'graphrec-bounds-'));
    try {
      const first = await projectDatabase(db, { snapshotDir });
      expect([first.fromSnapshot, first.invalid.count]).toEqual([false, 2]);
      const again = await projectDatabase(db, { snapshotDir });
      expect([again.fromSnapshot, again.invalid.count, again.csr.edgeCount]).toEqual([true, 2, 6]);
      // A wider rating scale admits the -5 rating but not its negative weight; 1e39 still breaks the weight bound.
      const wider = await projectDatabase(db, { snapshotDir, bounds: { ratingMin: -10, ratingMax: 10, maxWeight: 1e9 } });
      expect(wider.fromSnapshot).toBe(false);
      expect(wider.invalid.samples.map((e) => e.problem)).toEqual(['weight -5 is negative', 'weight 1e+39 is above the maximum 1000000000']);
    } finally {
      rmSync(snapshotDir, { recursive: true, force: true });
    }
  });

  it('doctor --fix=clamp clamps finite values into the bounds and deletes what has no nearest valid value', async () => {
    await seed(new Neo4jGraphStore(db.driver, db.database));
    await writeBadEdgesByHand();
    await cypherByHand("MATCH (u:User {id: 'u3'}), (i:Item {id: 'a'}) CREATE (u)-[:INTERACTED {kind: 'rating', rating: 4, weight: 0.0/0.0, ts: 12}]->(i)");
    const fixed = await cli(['doctor', '--fix=clamp']);
    expect(fixed.code).toBe(0);
    const report = JSON.parse(fixed.stdout) as { found: number; clamped: number; deleted: number; repaired: Array<{ userId: string; itemId: string; action: string; newWeight?: number; newRating?: number | null }> };
    expect(report).toMatchObject({ found: 3, clamped: 2, deleted: 1 });
    const byPair = Object.fromEntries(report.repaired.map((r) => [`${r.userId}→${r.itemId}`, r]));
    expect(byPair['u1→c']).toMatchObject({ action: 'clamped', newWeight: 0, newRating: 0 });
    expect(byPair['u2→d']).toMatchObject({ action: 'clamped', newWeight: 1e9, newRating: null });
    expect(byPair['u3→a']).toMatchObject({ action: 'deleted' });
    expect(await interactionCount()).toBe(8);
    const { invalid, csr } = await readProjectionSnapshot(db);
    expect(invalid.count).toBe(0);
    expect(csr.edgeCount).toBe(8);
  });

  it('graphrec serve starts over hand-written bad edges, serves, and reports the count in /v1/health/ready', async () => {
    await seed(new Neo4jGraphStore(db.driver, db.database));
    await writeBadEdgesByHand();
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
      env: { ...process.env, NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI, LLM_PROVIDER: 'none', GRAPHREC_TRAIN_EPOCHS: '2', GRAPHREC_TRAIN_MAX_SECONDS: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve not ready in 180 s; stderr: ${err.slice(-3000)}`)), 180_000);
        const poll = setInterval(() => {
          const line = out.split('\n').find((l) => l.includes('"ready":true'));
          if (line) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve((JSON.parse(line) as { url: string }).url);
          }
        }, 100);
        void exited.then((code) => {
          clearInterval(poll);
          clearTimeout(timer);
          reject(new Error(`serve exited ${code} before ready; stderr: ${err.slice(-3000)}`));
        });
      });
      const ready = await fetch(`${url}/v1/health/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { checks: { projection?: { ok: boolean; detail: { skippedInvalidInteractions: number; examples: string[] } } } };
      expect(body.checks.projection?.ok).toBe(true);
      expect(body.checks.projection?.detail.skippedInvalidInteractions).toBe(2);
      expect(body.checks.projection?.detail.examples).toEqual(['u1→c (rating): rating -5 is outside the rating scale [0, 10]', 'u2→d (listen): weight 1e+39 is above the maximum 1000000000']);
      // It serves: recommendations for the user whose bad edge was skipped.
      const recs = await fetch(`${url}/v1/users/u1/recommendations?k=2&strategy=ppr`);
      expect(recs.status).toBe(200);
      // The log says what was skipped and how to repair it.
      expect(err).toMatch(/stored interactions outside the bounds/);
      expect(err).toMatch(/graphrec doctor/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

