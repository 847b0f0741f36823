/**
 * `graphrec.createInteractions` (graph/src/main/java/graphrec/Ingest.java), the write procedure that the floor of
 * `npm run bench -- online-cost` compares with the loader's statement: on the same rows it must write what
 * cypher/ingest/create-interactions writes (the same relationships, property values and types, nulls left unset) and
 * report the same rows as missing, or the bench would compare different work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cypher } from '../../../src/store/cypher.ts';
import type { Database } from '../../../src/store/driver.ts';
import { interactionKey } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

const rows = [
  { user: 'u1', item: 'i1', kind: 'rating', rating: 4, weight: 4, ts: 1_000 },
  { user: 'u1', item: 'i2', kind: 'play', rating: null, weight: 2.5, ts: null },
  { user: 'u2', item: 'i1', kind: 'rating', rating: 1.5, weight: 0.25, ts: 1_700_000_000.5 },
  { user: 'nobody', item: 'i1', kind: 'rating', rating: 3, weight: 3, ts: 5 },
  { user: 'u2', item: 'nothing', kind: 'rating', rating: 3, weight: 3, ts: 5 },
  { user: 'ghost', item: 'void', kind: 'rating', rating: 3, weight: 3, ts: 5 },
  { user: 'u2', item: 'i2', kind: 'rating', rating: 5, weight: 5, ts: 9 },
];

const params = {
  keys: rows.map((r) => interactionKey(r.user, r.item, r.kind)),
  userIds: rows.map((r) => r.user),
  itemIds: rows.map((r) => r.item),
  kinds: rows.map((r) => r.kind),
  ratings: rows.map((r) => r.rating),
  weights: rows.map((r) => r.weight),
  ts: rows.map((r) => r.ts),
};

describe('graphrec.createInteractions (the local Neo4j)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await deleteAll(db);
    await db?.close();
  });

  /** Writes `params` with `statement` into a graph of two users and two items; returns what was written and missed. */
  async function write(statement: string) {
    await deleteAll(db);
    const session = db.driver.session({ database: db.database });
    try {
      await session.run("UNWIND ['u1', 'u2'] AS id CREATE (:User {id: id})");
      await session.run("UNWIND ['i1', 'i2'] AS id CREATE (:Item {id: id, title: id})");
      const missing = await session.executeWrite((tx) => tx.run(statement, params));
      const written = await session.run(
        'MATCH (u:User)-[r:INTERACTED]->(i:Item) RETURN u.id AS user, i.id AS item, properties(r) AS props, [k IN keys(r) | k + ":" + valueType(r[k])] AS types ORDER BY user, item',
      );
      return {
        missing: missing.records.map((r) => ({ n: Number(r.get('n')), user: r.get('missingUser') as boolean, item: r.get('missingItem') as boolean })).sort((a, b) => a.n - b.n),
        written: written.records.map((r) => ({ user: r.get('user') as string, item: r.get('item') as string, props: r.get('props') as unknown, types: (r.get('types') as string[]).sort() })),
      };
    } finally {
      await session.close();
    }
  }

  it('writes what create-interactions writes and reports the same missing rows', async () => {
    const statement = await write(cypher('ingest', 'create-interactions'));
    const procedure = await write('CALL graphrec.createInteractions($keys, $userIds, $itemIds, $kinds, $ratings, $weights, $ts) YIELD n, missingUser, missingItem RETURN n, missingUser, missingItem');
    expect(statement.written).toHaveLength(4);
    expect(statement.missing).toEqual([
      { n: 3, user: true, item: false },
      { n: 4, user: false, item: true },
      { n: 5, user: true, item: true },
    ]);
    // The row without a rating or timestamp has neither property, through both.
    expect(statement.written.find((w) => w.item === 'i2' && w.user === 'u1')!.types).toEqual(['key:INTEGER NOT NULL', 'kind:STRING NOT NULL', 'weight:FLOAT NOT NULL']);
    expect(procedure).toEqual(statement);
  });

  it('refuses lists of different lengths', async () => {
    const session = db.driver.session({ database: db.database });
    try {
      await expect(session.run('CALL graphrec.createInteractions($keys, $userIds, $itemIds, $kinds, $ratings, $weights, $ts)', { ...params, ts: [1] })).rejects.toThrow(/differ in length/);
    } finally {
      await session.close();
    }
  });
});
