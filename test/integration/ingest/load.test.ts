/**
 * Ingest into the real Neo4j with a hand-made source: counts, idempotency, unknown ids reported with their line,
 * resume from a checkpoint, and no half-written batch when a write fails. Also the CREATE fast path's fallback: edges
 * that exist already (an earlier file, an earlier row of the same batch) are merged, later rows win, and a row error is
 * reported once even though its batch ran twice.
 */
import neo4j from 'neo4j-driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataRecord } from '../../../src/core/model.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import { rowsOf, type DatasetSource, type ParsedRow } from '../../../src/ingest/source.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

function memorySource(format: string, files: Record<string, Array<DataRecord[] | string>>): DatasetSource {
  return {
    format,
    files: Object.entries(files).map(([path, rows]) => ({
      path,
      // Two rows per batch: source batches and the loader's write batches do not line up.
      async *read(): AsyncIterable<ParsedRow[]> {
        let line = 1;
        let batch: ParsedRow[] = [];
        for (const row of rows) {
          line++;
          batch.push(typeof row === 'string' ? { ok: false, pos: { file: path, line }, reason: row } : { ok: true, pos: { file: path, line }, records: row });
          if (batch.length === 2) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
      },
    })),
  };
}

const user = (id: string): DataRecord => ({ type: 'user', value: { id, props: { age: 30 } } });
const item = (id: string): DataRecord => ({ type: 'item', value: { id, title: `Title ${id}` } });
const entity = (id: string): DataRecord => ({ type: 'entity', value: { id, kind: 'person', name: `Person ${id}` } });
const rating = (u: string, i: string, r: number): DataRecord => ({ type: 'interaction', value: { userId: u, itemId: i, kind: 'rating', rating: r, weight: r, ts: 1000 + r } });
const link = (i: string, rel: string, e: string): DataRecord => ({ type: 'knowledge', value: { head: { kind: 'Item', id: i }, relation: rel, tail: { kind: 'Entity', id: e } } });

function fixture(): DatasetSource {
  return memorySource('test', {
    'nodes.csv': [[user('u1'), user('u2'), item('i1'), item('i2'), item('i3'), entity('e1')]],
    'ratings.csv': [[rating('u1', 'i1', 5)], [rating('u1', 'i2', 3)], 'rating is not a number', [rating('u2', 'i1', 4)], [rating('u9', 'i1', 1)], [rating('u2', 'nope', 2)]],
    'kg.csv': [[link('i1', 'director', 'e1')], [link('i2', 'director', 'e1'), link('i3', 'starring', 'e1')], [link('i1', 'director', 'ghost')]],
  });
}

describe('loadDataset (Neo4j)', () => {
  let db: Database;
  let store: Neo4jGraphStore;
  beforeAll(async () => {
    db = await openTestDatabase();
    store = new Neo4jGraphStore(db.driver, db.database);
  });
  afterAll(async () => db?.close());
  beforeEach(async () => deleteAll(db));

  it('loads the good rows and reports each bad one with its file and line', async () => {
    const report = await loadDataset(db, fixture(), { batchSize: 2 });
    expect(await store.counts()).toEqual({ users: 2, items: 3, entities: 1, interactions: 3, knowledge: 3 });
    expect(report.written.interactions).toBe(3);
    expect(report.written.knowledge).toBe(3);
    expect(report.errors.map((e) => [e.file, e.line])).toEqual([
      ['ratings.csv', 4],
      ['ratings.csv', 6],
      ['ratings.csv', 7],
      ['kg.csv', 4],
    ]);
    expect(report.errors[1]!.reason).toContain('u9');
    expect(report.errors[2]!.reason).toContain('nope');
    expect(report.errors[3]!.reason).toContain('ghost');
  });

  it('is idempotent: loading again (with or without the checkpoint) changes nothing', async () => {
    await loadDataset(db, fixture(), { batchSize: 3 });
    const before = await store.counts();
    const again = await loadDataset(db, fixture(), { batchSize: 3 });
    expect(again.files.every((f) => f.alreadyLoaded)).toBe(true);
    await loadDataset(db, fixture(), { batchSize: 1, resume: false });
    expect(await store.counts()).toEqual(before);
    const history = await store.getUserHistory('u1', { limit: 10, offset: 0 });
    expect(history.items.map((h) => [h.item.id, h.rating])).toEqual([
      ['i1', 5],
      ['i2', 3],
    ]);
  });

  it('resumes after the last committed batch', async () => {
    const rows: DataRecord[][] = [[user('u1'), ...Array.from({ length: 10 }, (_, k) => item(`i${k}`))]];
    for (let k = 0; k < 10; k++) rows.push([rating('u1', `i${k}`, 1 + (k % 5))]);
    const source = memorySource('resume', { 'all.csv': rows });
    // A run that dies while writing its third batch: the failure surfaces and the first two batches stay committed.
    let reads = 0;
    const dying: DatasetSource = {
      format: 'resume',
      files: [
        {
          path: 'all.csv',
          async *read() {
            for await (const row of rowsOf(source.files[0]!)) {
              if (++reads > 7) throw new Error('killed');
              yield [row];
            }
          },
        },
      ],
    };
    await expect(loadDataset(db, dying, { batchSize: 3 })).rejects.toThrow('killed');
    const partial = await store.counts();
    expect(partial.interactions).toBeGreaterThan(0);
    expect(partial.interactions).toBeLessThan(10);
    const resumed = await loadDataset(db, source, { batchSize: 3 });
    expect(resumed.files[0]!.resumedRows).toBeGreaterThan(0);
    expect(await store.counts()).toMatchObject({ users: 1, items: 10, interactions: 10 });
  });

  it('merges edges an earlier file or row wrote (fast-path fallback): the latest row by ts wins (core/interactions), each error reported once', async () => {
    const source = memorySource('overlap', {
      'nodes.csv': [[user('u1'), user('u2'), item('i1'), item('i2'), entity('e1')]],
      'first.csv': [[rating('u1', 'i1', 5)], [rating('u2', 'i2', 4)], [link('i1', 'director', 'e1')]],
      // Batch 1 repeats u1–i1 (exists) and holds an unknown user; batch 2 repeats one key twice within itself.
      'second.csv': [[rating('u1', 'i1', 2)], [rating('u9', 'i1', 1)], [link('i1', 'director', 'e1')], [rating('u2', 'i1', 1)], [rating('u2', 'i1', 3)]],
    });
    const seen: number[] = [];
    const report = await loadDataset(db, source, { batchSize: 3, onError: (e) => seen.push(e.line) });
    expect(await store.counts()).toEqual({ users: 2, items: 2, entities: 1, interactions: 3, knowledge: 1 });
    expect(report.written).toMatchObject({ interactions: 5, knowledge: 2 });
    expect(seen).toEqual([3]);
    expect(report.errors.map((e) => [e.file, e.line])).toEqual([['second.csv', 3]]);
    // u1–i1: the later file's row is older (ts 1002 < 1005), so the first file's rating stays.
    const u1 = await store.getUserHistory('u1', { limit: 10, offset: 0 });
    expect(u1.items.map((h) => [h.item.id, h.rating])).toEqual([['i1', 5]]);
    const u2 = await store.getUserHistory('u2', { limit: 10, offset: 0 });
    expect(u2.items.map((h) => [h.item.id, h.rating]).sort()).toEqual([
      ['i1', 3],
      ['i2', 4],
    ]);
  });

  it('refuses a database keyed by the old JSON-string scheme (CONFLICT) and writes nothing', async () => {
    await loadDataset(db, memorySource('legacy', { 'nodes.csv': [[user('u1'), item('i1')]] }));
    const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      await session.executeWrite((tx) => tx.run(`MATCH (u:User {id: 'u1'}), (i:Item {id: 'i1'}) CREATE (u)-[:INTERACTED {key: '["u1","i1","rating"]', kind: 'rating'}]->(i)`));
    } finally {
      await session.close();
    }
    await expect(loadDataset(db, fixture())).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.counts()).toMatchObject({ users: 1, items: 1, interactions: 1 });
  });

  it('writes with batches in flight the graph and report of a load that sends one batch at a time', async () => {
    // One file that defines nodes between edges that use them, repeats edge keys across batches (equal ts: the later
    // row wins), re-upserts an item with another title, and has rows for unknown ids; plus many independent rows.
    const rows: Array<DataRecord[] | string> = [[user('u1'), user('u2'), item('i1'), item('i2')]];
    for (let k = 0; k < 60; k++) {
      const u = `u${1 + (k % 2)}`;
      const i = `i${1 + (k % 3)}`;
      if (k === 10) rows.push([item('i3')]);
      if (k === 20) rows.push([{ type: 'item', value: { id: 'i1', title: 'Renamed' } }]);
      if (k === 30) rows.push([entity('e2')]);
      rows.push([{ type: 'interaction', value: { userId: u, itemId: i, kind: 'rating', rating: 1 + (k % 5), weight: 1 + (k % 5), ts: 7 } }]);
      rows.push([link(i, `rel${k % 4}`, k < 35 ? 'e1' : 'e2')]);
      if (k % 9 === 0) rows.push([rating('u9', i, 2)]);
    }
    const source = () => memorySource('inflight', { 'nodes.csv': [[entity('e1')]], 'mixed.csv': rows });
    const dump = async () => {
      const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
      try {
        const nodes = await session.run("MATCH (n) WHERE NOT n:IngestCheckpoint RETURN labels(n)[0] + ' ' + n.id + ' ' + coalesce(n.title, n.name, '') AS line");
        const edges = await session.run("MATCH (a)-[r]->(b) RETURN a.id + ' ' + type(r) + ' ' + b.id + ' ' + coalesce(r.relation, r.kind) + ' ' + toString(coalesce(r.rating, '')) AS line");
        const checkpoints = await session.run('MATCH (c:IngestCheckpoint) RETURN c.file + " " + toString(c.rows) + " " + toString(c.done) AS line');
        return [...nodes.records, ...edges.records, ...checkpoints.records].map((r) => r.get('line') as string).sort();
      } finally {
        await session.close();
      }
    };
    const reports = [];
    const graphs = [];
    for (const inFlight of [1, 2, 4]) {
      await deleteAll(db);
      const report = await loadDataset(db, source(), { batchSize: 3, inFlight });
      reports.push({ written: report.written, errors: report.errors, rejected: report.rejectedRows });
      graphs.push(await dump());
    }
    expect(graphs[0]).toContain('Item i1 Renamed');
    // u9 is unknown (7 rows); i3 is unknown until its row (3 ratings and 3 links before it).
    expect(reports[0]!.errors.length).toBe(13);
    expect(graphs[1]).toEqual(graphs[0]);
    expect(graphs[2]).toEqual(graphs[0]);
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
  });

  it('refuses an inFlight that is not a positive integer', async () => {
    await expect(loadDataset(db, fixture(), { inFlight: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
