/**
 * `graphrec.servingVersion()` across restarts of the local Neo4j (graph/src/main/java/graphrec/ServingVersion.java),
 * on a Neo4j of this file's own (fault-neo4j.ts): a clean stop keeps the version, so a boot after a restart still
 * finds its snapshot current without the fingerprint scan; a crash (SIGKILL) or a kept file that does not belong to
 * this store starts a new epoch, so no version recorded before can match; the kept file is consumed as it is read.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../../src/core/paths.ts';
import type { Database } from '../../../src/store/driver.ts';
import type { LocalNeo4j } from '../../../src/store/local-neo4j.ts';
import { Neo4jGraphStore } from '../../../src/store/neo4j-graph-store.ts';
import { storeVersion } from '../../../src/store/projection-reader.ts';
import { writeVectors } from '../../../src/store/vectors.ts';
import { FAULT_DATA, FAULT_PORT, killNeo4j, openFaultDatabase, startFaultNeo4j, waitPortClosed, wipeDataDir } from './fault-neo4j.ts';

const DATA = `${FAULT_DATA}-version`;
const KEPT = fromRoot(path.join(DATA, 'graphrec-serving-version.properties'));

let local: LocalNeo4j | undefined;
let db: Database | undefined;

async function start(): Promise<string> {
  local = await startFaultNeo4j(DATA);
  db = await openFaultDatabase();
  const version = await storeVersion(db);
  expect(version).toMatch(/^[0-9A-F]+:[0-9a-f-]{36}:\d+$/);
  return version!;
}

async function stop(): Promise<void> {
  await db?.close();
  db = undefined;
  await local?.stop();
  local = undefined;
  await waitPortClosed(FAULT_PORT);
}

afterAll(async () => {
  await stop();
  wipeDataDir(DATA);
}, 90_000);

describe('the serving version across restarts of the local Neo4j', () => {
  it('survives a clean stop, moves with data and not with vectors, and starts anew after a crash or a foreign file', async () => {
    wipeDataDir(DATA);
    await start();
    const store = () => new Neo4jGraphStore(db!.driver, db!.database);
    await store().upsertUsers([{ id: 'u1' }]);
    await store().upsertItems([{ id: 'a', title: 'A' }]);
    await store().recordInteractions([{ eventId: 'e1', userId: 'u1', itemId: 'a', kind: 'rating', rating: 4, weight: 4, ts: 1 }]);
    const written = await storeVersion(db!);

    // A clean stop keeps it; the next start takes it back and deletes the file.
    await stop();
    expect(existsSync(KEPT)).toBe(true);
    expect(await start()).toBe(written);
    expect(existsSync(KEPT)).toBe(false);

    // Vectors leave it; a data write moves it.
    await writeVectors(db!, 'User', ['u1'], Float32Array.of(1, 0), 2, 'run-1');
    expect(await storeVersion(db!)).toBe(written);
    await store().upsertItems([{ id: 'b', title: 'B' }]);
    const moved = (await storeVersion(db!))!;
    expect(moved).not.toBe(written);

    // A crash leaves no file: a new epoch, so nothing recorded before matches.
    await db!.close();
    db = undefined;
    await killNeo4j(local!);
    local = undefined;
    expect(existsSync(KEPT)).toBe(false);
    const afterCrash = await start();
    expect(afterCrash).not.toBe(moved);
    expect(afterCrash.split(':')[1]).not.toBe(moved.split(':')[1]);

    // A kept file of another store (what a bulk import into this folder leaves behind) is not taken back.
    await stop();
    const kept = readFileSync(KEPT, 'utf8');
    writeFileSync(KEPT, kept.replace(/^store=.*$/m, 'store=1-2'));
    const foreign = await start();
    expect(foreign.split(':')[1]).not.toBe(afterCrash.split(':')[1]);
  }, 600_000);
});
