/**
 * The projection read out of Neo4j (store/projection-reader's compact interaction lists, project/load's assembly) is
 * exactly the graph of the files: a generated dataset (`graphrec generate`, seed 11) plus a second interaction kind on
 * a few pairs is loaded into the test Neo4j, and the CSR must hold every user, item and entity, one interaction edge
 * per (user, item) with the weight core/interactions `edgeWeight` gives its kinds, and every knowledge edge with its
 * relation, nothing else. Weight transforms are off here (`none`), so the expected weights follow from the files alone.
 * The read goes through graphrec's procedure (the test Neo4j is the project's own); the last case checks that the
 * Cypher read gives exactly the same result on a graph with the odd stored values each read has rules for.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/core/config.ts';
import { edgeWeight, INTERACTION_DEFAULTS, type KindValue } from '../../../src/core/interactions.ts';
import { generateDataset } from '../../../src/ingest/generate.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import { resolveDataset } from '../../../src/ingest/resolve.ts';
import { assertValidCsr, csrMemory } from '../../../src/project/csr.ts';
import { readProjectionSnapshot } from '../../../src/project/load.ts';
import { projectionFingerprint, readProjectionRows } from '../../../src/store/projection-reader.ts';
import type { Database } from '../../../src/store/driver.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-projection-eq-'));
const gen = join(dir, 'gen');

function csvRows(file: string): string[][] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
}

describe('projection equality: Neo4j → CSR holds exactly the files (generated graph + a second kind)', () => {
  let db: Database;
  beforeAll(async () => {
    generateDataset({ out: gen, users: 200, items: 100, interactions: 2000, seed: 11 });
    // A click on the first 25 rated pairs: those pairs then carry two kinds, combined into one edge.
    const pairs = csvRows(join(gen, 'interactions.csv')).slice(0, 25);
    writeFileSync(join(dir, 'clicks.csv'), 'user_id,item_id,kind,weight\n' + pairs.map(([u, i]) => `${u},${i},click,3`).join('\n') + '\n');
    db = await openTestDatabase();
    await deleteAll(db);
    expect((await loadDataset(db, resolveDataset(`generic:${gen}`))).errors).toEqual([]);
    expect((await loadDataset(db, resolveDataset(`generic:interactions=${join(dir, 'clicks.csv')}`))).errors).toEqual([]);
  }, 300_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every node, every interaction pair with its combined weight, every knowledge edge — and nothing else', async () => {
    const weights = { ...DEFAULTS.weights, transforms: {}, heavyTailTransform: 'none' as const };
    const { csr, invalid } = await readProjectionSnapshot(db, { weights, pageSize: 17 });
    assertValidCsr(csr, { deep: true });
    expect(invalid.count).toBe(0);

    const expectedNodes = new Set<string>();
    for (const [id] of csvRows(join(gen, 'users.csv'))) expectedNodes.add(`User:${id}`);
    for (const [id] of csvRows(join(gen, 'items.csv'))) expectedNodes.add(`Item:${id}`);
    for (const [id] of csvRows(join(gen, 'entities.csv'))) expectedNodes.add(`Entity:${id}`);
    expect(new Set(csr.ids)).toEqual(expectedNodes);

    const kindsOf = new Map<string, KindValue[]>();
    for (const [u, i, rating] of csvRows(join(gen, 'interactions.csv'))) kindsOf.set(`User:${u}→Item:${i}`, [{ kind: 'rating', weight: Number(rating) }]);
    for (const [u, i] of csvRows(join(dir, 'clicks.csv'))) kindsOf.get(`User:${u}→Item:${i}`)!.push({ kind: 'click', weight: 3 });
    const expected = new Map<string, string>();
    for (const [pair, kinds] of kindsOf) expected.set(pair, `INTERACTED ${Math.fround(edgeWeight(kinds, INTERACTION_DEFAULTS))}`);
    for (const [headKind, head, relation, tailKind, tail] of csvRows(join(gen, 'knowledge.csv'))) {
      const cap = (k: string) => (k === 'item' ? 'Item' : 'Entity');
      expected.set(`${cap(headKind!)}:${head}→${cap(tailKind!)}:${tail}|${relation}`, `${relation} 1`);
    }

    const actual = new Map<string, string>();
    for (let v = 0; v < csr.nodeCount; v++) {
      for (let e = csr.outStarts[v]!; e < csr.outStarts[v + 1]!; e++) {
        const rel = csr.relations[csr.outRelations[e]!]!;
        const key = `${csr.ids.at(v)}→${csr.ids.at(csr.outTargets[e]!)}${rel === 'INTERACTED' ? '' : `|${rel}`}`;
        expect(actual.has(key), `edge ${key} twice`).toBe(false);
        actual.set(key, `${rel} ${csr.outWeights[e]}`);
      }
    }
    expect(actual.size).toBe(expected.size);
    expect(actual).toEqual(expected);
    // Two kinds on a pair make one edge whose weight differs from the rating alone.
    const [u, i] = csvRows(join(dir, 'clicks.csv'))[0]!;
    expect(actual.get(`User:${u}→Item:${i}`)).not.toBe(`INTERACTED ${kindsOf.get(`User:${u}→Item:${i}`)![0]!.weight}`);
    expect(csrMemory(csr).entries).toBe(2 * csr.edgeCount);
  });

  it.each(['procedure', 'cypher'] as const)('a fingerprint taken before the read stands in for its first one; a stale one makes it read again (%s)', async (via) => {
    const visitor = { begin() {}, node() {}, interactions() {}, knowledge() {} };
    const current = await projectionFingerprint(db, via);
    expect(current).toMatch(via === 'procedure' ? /^p[0-9a-f]{23}$/ : /^[0-9a-f]{24}$/);
    const fresh = await readProjectionRows(db, visitor, { before: current, via });
    expect({ attempts: fresh.attempts, stable: fresh.stable, fingerprint: fresh.fingerprint }).toEqual({ attempts: 1, stable: true, fingerprint: current });
    const stalePrint = via === 'procedure' ? `p${'0'.repeat(23)}` : '0'.repeat(24);
    const stale = await readProjectionRows(db, visitor, { before: stalePrint, via });
    expect({ attempts: stale.attempts, stable: stale.stable, fingerprint: stale.fingerprint }).toEqual({ attempts: 2, stable: true, fingerprint: current });
    // A fingerprint the other read took (a version record may hold one) is not compared: the read takes its own.
    const other = await projectionFingerprint(db, via === 'procedure' ? 'cypher' : 'procedure');
    const crossed = await readProjectionRows(db, visitor, { before: other, via });
    expect({ attempts: crossed.attempts, stable: crossed.stable, fingerprint: crossed.fingerprint }).toEqual({ attempts: 1, stable: true, fingerprint: current });
  });

  it('the procedure read and the Cypher read give exactly the same projection, odd stored values included', async () => {
    // Written by hand as a user of Cypher could: ids whose order differs between UTF-16 and code points, an item whose
    // id is a number, an item without an id, an edge without a kind, without a weight, with an integer weight, with a
    // text weight and a rating off the scale (invalid), knowledge edges without a relation, with a number for one, to an
    // unlabelled node or to a user, an interaction with an entity, and a node that is both an item and an entity.
    const session = db.driver.session({ database: db.database });
    try {
      await session.run(
        `UNWIND $ids AS id
         MERGE (u:User {id: 'odd-' + id}) MERGE (i:Item {id: 'odd-' + id}) MERGE (e:Entity {id: 'odd-' + id})
         MERGE (u)-[:INTERACTED {kind: 'rating', weight: 4.0, rating: 4.0}]->(i)
         MERGE (i)-[:RELATED {relation: 'about'}]->(e)`,
        { ids: ['\uFFFD', '😀', 'é', 'Z', 'a'] },
      );
      await session.run(
        `MATCH (u:User {id: 'odd-a'}), (z:Item {id: 'odd-Z'}), (x:Item {id: 'odd-😀'}), (y:Item {id: 'odd-é'}), (w:Item {id: 'odd-\uFFFD'}), (e:Entity {id: 'odd-a'})
         CREATE (n:Item {id: 42}), (m:Item), (q:Thing {id: 'q'})
         CREATE (u)-[:INTERACTED {kind: 'click'}]->(z)
         CREATE (u)-[:INTERACTED {kind: 'click', weight: 2}]->(x)
         CREATE (u)-[:INTERACTED {weight: 1.5}]->(y)
         CREATE (u)-[:INTERACTED {kind: 'click', weight: 'heavy'}]->(w)
         CREATE (u)-[:INTERACTED {kind: 'rating', weight: 3.0, rating: 99}]->(w)
         CREATE (u)-[:INTERACTED {kind: 'click', weight: 1.0}]->(n)
         CREATE (u)-[:INTERACTED {kind: 'click', weight: 1.0}]->(m)
         CREATE (e)-[:RELATED]->(z)
         CREATE (e)-[:RELATED {relation: 'about'}]->(q)
         CREATE (e)-[:RELATED {relation: 7}]->(z)
         CREATE (e)-[:RELATED {relation: 'about'}]->(u)
         CREATE (b:Item:Entity {id: 'odd-both'})
         CREATE (e)-[:RELATED {relation: 'about'}]->(b)
         CREATE (b)-[:RELATED {relation: 'near'}]->(e)
         CREATE (u)-[:INTERACTED {kind: 'click', weight: 1.0}]->(e)
         CREATE (u)-[:INTERACTED {kind: 'click', weight: 2.0}]->(b)`,
      );
    } finally {
      await session.close();
    }
    const weights = { ...DEFAULTS.weights, transforms: {}, heavyTailTransform: 'none' as const };
    const viaProcedure = await readProjectionSnapshot(db, { weights, via: 'procedure' });
    const viaCypher = await readProjectionSnapshot(db, { weights, via: 'cypher', pageSize: 17 });
    const plainCsr = (c: typeof viaCypher.csr) => ({ ...c, ids: [...c.ids] });
    expect(plainCsr(viaProcedure.csr)).toEqual(plainCsr(viaCypher.csr));
    expect(viaProcedure.values).toEqual(viaCypher.values);
    expect(viaProcedure.interactionKinds).toEqual(viaCypher.interactionKinds);
    expect(viaProcedure.invalid).toEqual(viaCypher.invalid);
    // The procedure's fingerprint without the read is the read's own (both scan the same edges, each its own way).
    expect(await projectionFingerprint(db, 'procedure')).toBe(viaProcedure.fingerprint);
    expect([...viaProcedure.csr.ids]).toEqual(expect.arrayContaining(['Item:odd-both', 'Entity:odd-both']));
    // What the odd values make: two invalid edges, the kind-less edge and the numbered item's edge counted, the
    // integer weight kept, the odd ids in code point order.
    const problems = viaProcedure.invalid.samples.map((x) => x.problem).sort();
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^rating 99 is outside the rating scale/);
    expect(problems[1]).toBe('weight heavy is not a finite number');
    expect(viaProcedure.invalid.samples.every((x) => x.elementId !== '')).toBe(true);
    expect(viaProcedure.interactionKinds.find((k) => k.kind === 'interaction')?.edges).toBe(1);
    const users = [...viaProcedure.csr.ids].filter((id) => id.startsWith('User:odd-'));
    expect(users).toEqual(['User:odd-Z', 'User:odd-a', 'User:odd-é', 'User:odd-\uFFFD', 'User:odd-😀']);
  });
});
