/**
 * Embeddings written to Neo4j and served by its vector index: nearest neighbours by cosine, and a dimension change
 * rebuilds the index.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeKey, readItemProps } from '../../../src/project/load.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { nearestByVector, writeVectors } from '../../../src/store/vectors.ts';
import { VECTOR_PROPERTY_KEYS } from '../../../src/core/model.ts';
import { openTestDatabase } from '../helpers.ts';

describe('vectors in Neo4j', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
    await deleteAll(db);
    const store = new Neo4jGraphStore(db.driver, db.database);
    await store.upsertItems(['a', 'b', 'c', 'd'].map((id) => ({ id, title: id.toUpperCase() })));
  });
  afterAll(async () => db?.close());

  it('answers nearest neighbours through the vector index', async () => {
    const vectors = Float32Array.from([1, 0, 0, /* b */ 0.9, 0.1, 0, /* c */ 0, 1, 0, /* d */ 0, 0, 1]);
    await writeVectors(db, 'Item', ['a', 'b', 'c', 'd'], vectors, 3, 'v1');
    const near = await nearestByVector(db, 'Item', Float32Array.from([1, 0.05, 0]), 2);
    expect(near.map((n) => n.id)).toEqual(['a', 'b']);
    expect(near[0]!.score).toBeGreaterThan(near[1]!.score);
  });

  it('rebuilds the index when the dimension changes', async () => {
    await writeVectors(db, 'Item', ['a', 'b'], Float32Array.from([0, 1, 1, 0]), 2, 'v2');
    const near = await nearestByVector(db, 'Item', Float32Array.from([1, 0]), 1);
    expect(near.map((n) => n.id)).toEqual(['b']);
  });

  it('keeps the vector and its version out of the nodes\' props (reads, filters, the names file)', async () => {
    const store = new Neo4jGraphStore(db.driver, db.database);
    await store.upsertUsers([{ id: 'u', props: { age: 3 } }]);
    await store.upsertItems([{ id: 'e', title: 'E', props: { genre: 'x' } }]);
    await writeVectors(db, 'User', ['u'], Float32Array.from([1, 0]), 2, 'v9');
    await writeVectors(db, 'Item', ['e'], Float32Array.from([0, 1]), 2, 'v9');
    expect((await store.getUser('u')).props).toEqual({ age: 3 });
    expect((await store.getItem('e')).props).toEqual({ genre: 'x' });
    const itemProps = await readItemProps(db);
    expect(itemProps.get(nodeKey('Item', 'e'))).toEqual({ genre: 'x' });
    for (const props of itemProps.values()) for (const key of VECTOR_PROPERTY_KEYS) expect(props).not.toHaveProperty(key);
  });

  it('rejects vectors of the wrong size', async () => {
    await expect(writeVectors(db, 'Item', ['a'], new Float32Array(5), 3, 'v3')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
