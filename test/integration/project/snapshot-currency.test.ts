/**
 * When the projection snapshot is current (project/load `projectDatabase`): on the project's own Neo4j the store
 * version (database id + `graphrec.servingVersion`, registered by graph/'s launcher: every change but graphrec's own
 * vector properties) recorded with a fingerprint lets a restart skip the fingerprint scan; any write of what graphrec
 * reads — even one that changes only a value, never a count — moves the version, and the next projection takes the
 * fingerprint again and re-reads. Publishing the trained vectors does not move it: the snapshot and the names file
 * stay current. The read also counts the interaction kinds (kept in the snapshot) exactly as the aggregate query
 * does. Display names and item properties are kept at a store version the same way.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionKindOf, projectDatabase, readServingNames } from '../../../src/project/load.ts';
import type { Database } from '../../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { projectionFingerprint, readInteractionKindRows, storeVersion } from '../../../src/store/projection-reader.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { writeVectors } from '../../../src/store/vectors.ts';
import { openTestDatabase } from '../helpers.ts';

let db: Database;
const snapshotDir = mkdtempSync(path.join(tmpdir(), 'graphrec-currency-'));
beforeAll(async () => {
  db = await openTestDatabase();
  await deleteAll(db);
  const store = new Neo4jGraphStore(db.driver, db.database);
  await store.upsertUsers([{ id: 'u1' }, { id: 'u2' }]);
  await store.upsertItems(['a', 'b', 'c'].map((id) => ({ id, title: `Item ${id}` })));
  await store.recordInteractions([
    { eventId: 'c1', userId: 'u1', itemId: 'a', kind: 'rating', rating: 4, weight: 4, ts: 1 },
    { eventId: 'c2', userId: 'u1', itemId: 'b', kind: 'click', weight: 1, ts: 2 },
    { eventId: 'c3', userId: 'u2', itemId: 'a', kind: 'rating', rating: 2, weight: 2, ts: 3 },
    { eventId: 'c4', userId: 'u2', itemId: 'c', kind: 'rating', rating: 5, weight: 5, ts: 4 },
  ]);
});
afterAll(async () => {
  rmSync(snapshotDir, { recursive: true, force: true });
  await db?.close();
});

async function byHand(statement: string): Promise<void> {
  const session = db.driver.session({ database: db.database });
  try {
    await session.run(statement);
  } finally {
    await session.close();
  }
}

describe('projection snapshot currency from the store version', () => {
  it('the local server tells its store version; a read leaves it, a write moves it', async () => {
    const v1 = await storeVersion(db);
    expect(v1).toMatch(/^[0-9A-F]+:[0-9a-f-]{36}:\d+$/);
    await projectionFingerprint(db);
    expect(await storeVersion(db)).toBe(v1);
    await byHand("MATCH (u:User {id: 'u1'}) SET u.touched = true");
    expect(await storeVersion(db)).not.toBe(v1);
  });

  it('an unchanged database skips the fingerprint scan; a value-only write is caught and re-read', async () => {
    // No snapshot yet: no fingerprint is taken before the read; the read's own end fingerprint names the snapshot.
    const first = await projectDatabase(db, { snapshotDir });
    expect([first.fromSnapshot, first.currency]).toEqual([false, 'none']);
    expect(first.fingerprint).toBe(await projectionFingerprint(db));
    expect(first.interactionKinds).toEqual(await readInteractionKindRows(db));
    expect(interactionKindOf(first.interactionKinds!)).toEqual({ kind: 'interaction', rated: false });

    const again = await projectDatabase(db, { snapshotDir });
    expect([again.fromSnapshot, again.currency, again.fingerprint]).toEqual([true, 'version', first.fingerprint]);
    expect(again.fingerprint).toBe(await projectionFingerprint(db));
    expect(again.interactionKinds).toEqual(first.interactionKinds);

    // Same counts, one value changed by hand: only the version (then the fingerprint) can tell.
    await byHand("MATCH (:User {id: 'u2'})-[r:INTERACTED]->(:Item {id: 'c'}) SET r.weight = 3.0, r.rating = 3.0");
    const changed = await projectDatabase(db, { snapshotDir });
    expect([changed.fromSnapshot, changed.currency]).toEqual([false, 'fingerprint']);
    expect(changed.fingerprint).not.toBe(first.fingerprint);
    const u2 = changed.csr.index.get('User:u2')!;
    const c = changed.csr.index.get('Item:c')!;
    let w = -1;
    for (let e = changed.csr.outStarts[u2]!; e < changed.csr.outStarts[u2 + 1]!; e++) if (changed.csr.outTargets[e] === c) w = changed.csr.outWeights[e]!;
    expect(w).toBe(3);

    const settled = await projectDatabase(db, { snapshotDir });
    expect([settled.fromSnapshot, settled.currency, settled.fingerprint]).toEqual([true, 'version', changed.fingerprint]);
  });

  it('names and item properties are read from their file at an unchanged version, and from Neo4j after any write', async () => {
    const first = await readServingNames(db, { snapshotDir });
    expect(first.fromFile).toBe(false);
    expect(first.labels.get('Item:a')).toBe('Item a');
    const again = await readServingNames(db, { snapshotDir });
    expect(again.fromFile).toBe(true);
    expect([...again.labels]).toEqual([...first.labels]);
    expect([...again.itemProps]).toEqual([...first.itemProps]);
    // A title and a property written by hand: the version moves, the next read sees them.
    await byHand("MATCH (i:Item {id: 'a'}) SET i.title = 'Renamed', i.year = 1999");
    const changed = await readServingNames(db, { snapshotDir });
    expect(changed.fromFile).toBe(false);
    expect(changed.labels.get('Item:a')).toBe('Renamed');
    expect(changed.itemProps.get('Item:a')).toEqual({ year: 1999 });
    expect((await readServingNames(db, { snapshotDir })).fromFile).toBe(true);
    // A file kept under older rules (before graphrec's vector properties were left out of item props) is not used.
    const file = path.join(snapshotDir, readdirSync(snapshotDir).find((f) => f.endsWith('.names.json'))!);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...kept, format: 1 }));
    expect((await readServingNames(db, { snapshotDir })).fromFile).toBe(false);
    expect((await readServingNames(db, { snapshotDir })).fromFile).toBe(true);
    // Without a snapshot folder nothing is kept.
    expect((await readServingNames(db, { snapshotDir: '' })).fromFile).toBe(false);
  });

  it('publishing the vectors leaves the version: the snapshot and the names file stay current', async () => {
    const projected = await projectDatabase(db, { snapshotDir });
    await readServingNames(db, { snapshotDir });
    const v1 = await storeVersion(db);
    // What src/engine/embeddings publishEmbeddings writes after training: an `embedding` and its version per node.
    await writeVectors(db, 'User', ['u1', 'u2'], Float32Array.of(1, 0, 0, 1), 2, 'run-1');
    await writeVectors(db, 'Item', ['a', 'b', 'c'], Float32Array.of(1, 0, 0, 1, 1, 1), 2, 'run-1');
    expect(await storeVersion(db)).toBe(v1);
    const after = await projectDatabase(db, { snapshotDir });
    expect([after.fromSnapshot, after.currency, after.fingerprint]).toEqual([true, 'version', projected.fingerprint]);
    // The snapshot is still exactly the graph: the vector properties are not part of what the projection reads.
    expect(after.fingerprint).toBe(await projectionFingerprint(db));
    const names = await readServingNames(db, { snapshotDir });
    expect(names.fromFile).toBe(true);
    expect(names.itemProps.get('Item:a')).not.toHaveProperty('embedding');
    // Removing them leaves it too; a transaction that also changes anything else moves it.
    await byHand('MATCH (u:User) REMOVE u.embedding, u.embeddingVersion');
    expect(await storeVersion(db)).toBe(v1);
    await byHand("MATCH (i:Item {id: 'b'}) SET i.embeddingVersion = 'run-2', i.year = 2001");
    expect(await storeVersion(db)).not.toBe(v1);
    const changed = await readServingNames(db, { snapshotDir });
    expect([changed.fromFile, changed.itemProps.get('Item:b')]).toEqual([false, { year: 2001 }]);
  });

  it('without a snapshot folder there is nothing to compare: no fingerprint is taken before the read', async () => {
    const p = await projectDatabase(db, { snapshotDir: '' });
    expect([p.fromSnapshot, p.currency]).toEqual([false, 'none']);
    expect(p.fingerprint).toBe(await projectionFingerprint(db));
  });
});
