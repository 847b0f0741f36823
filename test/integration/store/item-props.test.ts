/**
 * Item properties read out of Neo4j for the recommendation filters: scalars by item node key, without id and title,
 * integers as numbers; items without other properties left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readItemProps } from '../../../src/project/load.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

describe('item properties from Neo4j', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
    await deleteAll(db);
    const store = new Neo4jGraphStore(db.driver, db.database);
    await store.upsertItems([
      { id: 'a', title: 'Alien', props: { year: 1979, language: 'en', colour: true } },
      { id: 'b', title: 'Brazil' },
      { id: 'c', title: "'}) DETACH DELETE n //", props: { year: 1985 } },
    ]);
  });
  afterAll(async () => db?.close());

  it('reads every item with properties, keyset-paged', async () => {
    const props = await readItemProps(db, { pageSize: 1 });
    expect(Object.fromEntries(props)).toEqual({
      'Item:a': { year: 1979, language: 'en', colour: true },
      'Item:c': { year: 1985 },
    });
  });
});
