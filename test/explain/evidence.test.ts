/**
 * The evidence builder's fast paths (per-user profile and restricted histories kept across calls, forward path beams
 * reused for one source, counts made from the cheaper side) against the definitions computed naively, and against
 * fresh scratch, on random graphs with parallel edges, cold-start seeds and already-rated items.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import type { NodeRef } from '../../src/core/model.ts';
import { buildTransition, type Transition } from '../../src/compute/ppr/transition.ts';
import { buildEvidence, carryEvidenceTables, evidenceTablesOf, giveEvidenceTables, HISTORY_SIDE, historyBuilds, shareEvidenceTables, type EvidenceRequest } from '../../src/explain/evidence.ts';
import { createPathFinder } from '../../src/explain/paths.ts';
import { buildCsr, INTERACTION_RELATION, KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { addInteractions } from '../../src/project/csr-update.ts';

const RELATIONS = [INTERACTION_RELATION, 'director', 'starring', 'subject', 'partner'];

/** Users rate random items (some twice: parallel edges), items link to entities; `linked` adds entity–entity edges. */
function randomGraph(seed: number, linked: boolean): Csr {
  const rng = createRng(seed);
  const nUsers = 30;
  const nItems = 25;
  const nEntities = 10;
  const ids = [
    ...Array.from({ length: nUsers }, (_, i) => `User:u${i}`),
    ...Array.from({ length: nItems }, (_, i) => `Item:i${i}`),
    ...Array.from({ length: nEntities }, (_, i) => `Entity:e${i}`),
  ];
  const kinds = ids.map((id) => (id.startsWith('User:') ? KIND_CODES.User : id.startsWith('Item:') ? KIND_CODES.Item : KIND_CODES.Entity));
  const src: number[] = [];
  const dst: number[] = [];
  const weight: number[] = [];
  const relation: number[] = [];
  const edge = (a: number, b: number, r: number, w: number): void => {
    src.push(a);
    dst.push(b);
    relation.push(r);
    weight.push(w);
  };
  for (let u = 0; u < nUsers; u++) {
    const count = 2 + rng.int(12);
    for (let j = 0; j < count; j++) edge(u, nUsers + rng.int(nItems), 0, 1 + rng.int(5));
  }
  for (let i = 0; i < nItems; i++) {
    for (let j = rng.int(4); j > 0; j--) edge(nUsers + i, nUsers + nItems + rng.int(nEntities), 1 + rng.int(3), 1);
  }
  if (linked) for (let j = 0; j < 6; j++) edge(nUsers + nItems + rng.int(nEntities), nUsers + nItems + rng.int(nEntities), 4, 1);
  return buildCsr({ ids, kinds, relations: RELATIONS, edges: { src: Uint32Array.from(src), dst: Uint32Array.from(dst), weight: Float32Array.from(weight), relation: Uint16Array.from(relation) } });
}

/** Similar items and users straight from their definitions (module doc of explain/evidence), no scratch. */
function naiveSimilar(csr: Csr, user: number, seeds: number[], item: number, limit = 3, likeAt = 4) {
  const out = (v: number, interaction: boolean): number[] => {
    const r: number[] = [];
    for (let e = csr.outStarts[v]!; e < csr.outStarts[v + 1]!; e++) if ((csr.outRelations[e] === 0) === interaction) r.push(csr.outTargets[e]!);
    return r;
  };
  const into = (v: number, interaction: boolean): Array<[number, number]> => {
    const r: Array<[number, number]> = [];
    for (let e = csr.inStarts[v]!; e < csr.inStarts[v + 1]!; e++) if ((csr.inRelations[e] === 0) === interaction) r.push([csr.inSources[e]!, csr.inWeights[e]!]);
    return r;
  };
  const knowledge = (v: number): number[] => [...out(v, false), ...into(v, false).map(([w]) => w)];
  const isItem = (v: number): boolean => csr.kinds[v] === KIND_CODES.Item;
  const profile = new Set((user >= 0 ? out(user, true) : seeds).filter((x) => isItem(x) && x !== item));
  const raters = into(item, true).filter(([v]) => v !== user);
  const degree = (v: number): number => out(v, true).length + into(v, true).length;
  const items = [...profile]
    .map((x) => {
      const users = raters.reduce((s, [v]) => s + out(v, true).filter((y) => y === x).length, 0);
      const ents = knowledge(item).reduce((s, ent) => s + knowledge(ent).filter((y) => y === x).length, 0);
      const score = users / Math.sqrt(Math.max(degree(item), 1) * Math.max(degree(x), 1)) + (ents > 0 ? ents / Math.sqrt(Math.max(knowledge(item).length, 1) * Math.max(knowledge(x).length, 1)) : 0);
      return { key: csr.ids.at(x)!, v: x, users, ents, score };
    })
    .filter((s) => s.users > 0 || s.ents > 0)
    .sort((a, b) => b.score - a.score || a.v - b.v)
    .slice(0, limit);
  const users = raters
    .filter(([v, w]) => w >= likeAt && csr.kinds[v] === KIND_CODES.User)
    .map(([v]) => {
      const overlap = out(v, true).filter((y) => profile.has(y)).length;
      return { key: csr.ids.at(v)!, v, overlap, score: overlap / Math.sqrt(Math.max(profile.size, 1) * Math.max(out(v, true).length, 1)) };
    })
    .filter((s) => s.overlap > 0)
    .sort((a, b) => b.score - a.score || a.v - b.v)
    .slice(0, limit);
  return { items, users };
}

/** The same graph as a new object: buildEvidence keys its scratch (and path finder) by the CSR object. */
const fresh = (csr: Csr): Csr => ({ ...csr });

describe('evidence fast paths', () => {
  for (const linked of [false, true]) {
    const csr = randomGraph(linked ? 7 : 3, linked);
    const transition = buildTransition(csr);
    const users = [...csr.ids].filter((id) => id.startsWith('User:'));
    const items = [...csr.ids].filter((id) => id.startsWith('Item:'));

    it(`matches the definitions of similar items and users for every user and item (${linked ? 'entity links' : 'two-sided'})`, () => {
      const ctx = { csr, transition };
      for (const user of users) {
        // Every item, rated ones included (the profile then leaves the item out for that call only).
        for (const item of items) {
          const ev = buildEvidence(ctx, { user, item });
          const want = naiveSimilar(csr, csr.index.get(user)!, [], csr.index.get(item)!);
          expect(ev.similarItems.map((s) => [s.key, s.sharedUsers, s.sharedEntities])).toEqual(want.items.map((s) => [s.key, s.users, s.ents]));
          ev.similarItems.forEach((s, j) => expect(s.score).toBeCloseTo(want.items[j]!.score, 12));
          expect(ev.similarUsers.map((s) => [s.key, s.sharedItems])).toEqual(want.users.map((s) => [s.key, s.overlap]));
          ev.similarUsers.forEach((s, j) => expect(s.score).toBeCloseTo(want.users[j]!.score, 12));
        }
      }
    });

    it(`matches the definitions for cold-start seeds, few or many (${linked ? 'entity links' : 'two-sided'})`, () => {
      const ctx = { csr, transition };
      const rng = createRng(23);
      for (const size of [1, 3, 20]) {
        for (let round = 0; round < 4; round++) {
          const seedItems = Array.from({ length: size }, () => items[rng.int(items.length)]!);
          const seeds: NodeRef[] = [...seedItems.map((id) => ({ kind: 'Item' as const, id: id.slice(5) })), { kind: 'Entity', id: `e${rng.int(10)}` }];
          const seedNodes = seedItems.map((id) => csr.index.get(id)!);
          for (const item of items) {
            const ev = buildEvidence(ctx, { seeds, item });
            const want = naiveSimilar(csr, -1, seedNodes, csr.index.get(item)!);
            expect(ev.similarItems.map((s) => [s.key, s.sharedUsers, s.sharedEntities])).toEqual(want.items.map((s) => [s.key, s.users, s.ents]));
            expect(ev.similarUsers.map((s) => [s.key, s.sharedItems])).toEqual(want.users.map((s) => [s.key, s.overlap]));
            ev.similarUsers.forEach((s, j) => expect(s.score).toBeCloseTo(want.users[j]!.score, 12));
          }
        }
      }
    });

    it(`gives the same evidence whatever was served before (${linked ? 'entity links' : 'two-sided'})`, () => {
      const rng = createRng(11);
      const requests: EvidenceRequest[] = [];
      for (let j = 0; j < 120; j++) {
        const roll = rng.int(10);
        // Runs of one user or one set of cold-start seeds (a request's k items), sometimes repeated later. Half of the
        // runs name a batch: all of the run's items, or only some of them (a later item outside it), sometimes with an
        // unknown id.
        const run = Array.from({ length: 1 + rng.int(4) }, () => items[rng.int(items.length)]!);
        const batch = rng.int(2) === 0 ? [...run.slice(0, 1 + rng.int(run.length)), ...(rng.int(3) === 0 ? ['Item:nope'] : [])] : undefined;
        const who: Pick<EvidenceRequest, 'user' | 'seeds'> =
          roll < 2 ? { seeds: [{ kind: 'Item', id: items[rng.int(items.length)]!.slice(5) }, { kind: 'Entity', id: `e${rng.int(10)}` }] } : { user: users[rng.int(roll < 5 ? 3 : users.length)]! };
        for (const item of run) requests.push({ ...who, item, ...(batch ? { batch } : {}) });
      }
      // Two sets of seeds in turn with the same batch: the second must not get the first's paths.
      const same = items.slice(0, 3);
      for (const seed of [items[3]!, items[4]!, items[3]!]) for (const item of same) requests.push({ seeds: [{ kind: 'Item', id: seed.slice(5) }], item, batch: same });
      const shared = { csr, transition };
      let batched = 0;
      const built = { ...historyBuilds };
      for (const request of requests) {
        const { batch, ...plain } = request;
        if (batch) batched++;
        const alone = buildEvidence({ csr: fresh(csr), transition }, plain);
        expect(buildEvidence(shared, request)).toEqual(alone);
      }
      expect(batched).toBeGreaterThan(80);
      expect(requests.filter((r) => r.seeds && r.batch).length).toBeGreaterThan(10);
      // A batch's histories were built from each side (the cheaper one) at least once.
      expect(historyBuilds.fromRaters).toBeGreaterThan(built.fromRaters);
      expect(historyBuilds.fromProfile).toBeGreaterThan(built.fromProfile);
    });

    it(`builds a batch's histories alike from the profile and from the batch's raters (${linked ? 'entity links' : 'two-sided'})`, () => {
      const rng = createRng(17);
      const saved = { ...HISTORY_SIDE };
      let builds = 0;
      try {
        for (let j = 0; j < 60; j++) {
          const user = users[rng.int(users.length)]!;
          const batch = Array.from({ length: 1 + rng.int(5) }, () => items[rng.int(items.length)]!);
          const answers = (side: 'profile' | 'raters') => {
            // A cost of 0 on one side makes it the cheaper one whatever the counts.
            Object.assign(HISTORY_SIDE, side === 'raters' ? { ratersCost: 0, profileCost: 1 } : { ratersCost: 1, profileCost: 0 });
            const before = { ...historyBuilds };
            const graph = fresh(csr);
            const out = batch.map((item) => buildEvidence({ csr: graph, transition }, { user, item, batch }));
            const from = side === 'raters' ? historyBuilds.fromRaters - before.fromRaters : historyBuilds.fromProfile - before.fromProfile;
            return { out, from };
          };
          const byRaters = answers('raters');
          const byProfile = answers('profile');
          expect(byRaters.out).toEqual(byProfile.out);
          expect(byRaters.from).toBe(byProfile.from);
          builds += byRaters.from;
        }
      } finally {
        Object.assign(HISTORY_SIDE, saved);
      }
      expect(builds).toBeGreaterThan(30);
    });

    it(`reuses the forward beams only where the answer cannot change (${linked ? 'entity links' : 'two-sided'})`, () => {
      const finder = createPathFinder(csr, transition);
      const single = (t: Transition) => createPathFinder(csr, t);
      const rng = createRng(5);
      for (const user of users) {
        const u = csr.index.get(user)!;
        // All items in a random order: unseen ones, the user's own (a first-hop neighbour) and an override in between.
        const order = rng.shuffle(items.map((id) => csr.index.get(id)!));
        for (const [j, t] of order.entries()) {
          const options = j % 7 === 3 ? { maxNodeReuse: 2 } : {};
          expect(finder.find(u, t, options)).toEqual(single(transition).find(u, t, options));
        }
      }
    });
  }
});

describe('evidence tables after a live write', () => {
  for (const linked of [false, true]) {
    it(`are patched at the written rows and give the evidence a fresh derivation gives (${linked ? 'entity links' : 'two-sided'})`, () => {
      const before = randomGraph(linked ? 17 : 13, linked);
      const users = [...before.ids].filter((id) => id.startsWith('User:'));
      const items = [...before.ids].filter((id) => id.startsWith('Item:'));
      // The tables of the version before exist once it has served an evidence.
      buildEvidence({ csr: before, transition: buildTransition(before) }, { user: users[0]!, item: items[0]! });
      const rng = createRng(23);
      const written = Array.from({ length: 6 }, () => ({ userId: users[rng.int(users.length)]!, itemId: items[rng.int(items.length)]!, weight: 1 + rng.int(5) }));
      const after = addInteractions(before, written, { onExisting: 'replace', createNodes: false }).csr;
      const touched = written.flatMap((w) => [after.index.get(w.userId)!, after.index.get(w.itemId)!]);
      expect(carryEvidenceTables(before, after, touched)).toBe(true);
      expect(carryEvidenceTables(before, after, touched)).toBe(false); // the new version has its tables now
      const transition = buildTransition(after);
      for (const user of users) {
        for (const item of items) {
          expect(buildEvidence({ csr: after, transition }, { user, item })).toEqual(buildEvidence({ csr: fresh(after), transition }, { user, item }));
        }
      }
      // A version without tables has nothing to carry.
      expect(carryEvidenceTables(fresh(before), fresh(after), touched)).toBe(false);
    });
  }
});

describe('evidence tables given by another engine (engine/replicas)', () => {
  it('a graph given the tables of an equal graph explains as one that derived its own; tables of another graph are refused', () => {
    const graph = randomGraph(19, true);
    const users = [...graph.ids].filter((id) => id.startsWith('User:'));
    const items = [...graph.ids].filter((id) => id.startsWith('Item:'));
    expect(evidenceTablesOf(graph)).toBeUndefined();
    // Derived on ordinary buffers unless the graph is marked (an engine's first version).
    const plain = randomGraph(19, true);
    buildEvidence({ csr: plain, transition: buildTransition(plain) }, { user: users[0]!, item: items[0]! });
    expect(evidenceTablesOf(plain)!.intOut.buffer).toBeInstanceOf(ArrayBuffer);
    shareEvidenceTables(graph);
    buildEvidence({ csr: graph, transition: buildTransition(graph) }, { user: users[0]!, item: items[0]! });
    const tables = evidenceTablesOf(graph)!;
    expect(tables.intOut.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Another object of the same graph (as a copy's thread receives it) takes them without deriving its own.
    const copy = fresh(graph);
    giveEvidenceTables(copy, tables);
    expect(evidenceTablesOf(copy)!.intOut).toBe(tables.intOut);
    const transition = buildTransition(copy);
    for (const user of users) {
      for (const item of items) expect(buildEvidence({ csr: copy, transition }, { user, item })).toEqual(buildEvidence({ csr: fresh(graph), transition }, { user, item }));
    }
    const other = randomGraph(7, false);
    expect(() => giveEvidenceTables(other, tables)).toThrow(/another graph/);
  });
});
