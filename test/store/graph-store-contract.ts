/**
 * @module test/store/graph-store-contract
 * The one contract every `GraphStore` passes (memory twin and Neo4j). It only uses the interface, starts from the
 * empty store that `makeStore` returns (one per test) and fills it itself, and pins the semantics down:
 *
 * - Ordering. Strings compare by code point (the fixture keeps ordered strings ASCII, where every backend agrees);
 *   node kinds alphabetically (Entity < Item < User); edge types INTERACTED < RELATED.
 *   - history: ts descending, null ts last, then item id, then interaction kind.
 *   - item knowledge: per relation, by entity name then id. Item tails appear as `{ id, kind: 'item', name: title }`.
 *   - entity items: items with a RELATED edge *to* the entity, one row per (item, relation), by title, id, relation.
 *   - neighbours: by edge type, relation, neighbour id, neighbour kind, then outgoing before incoming.
 *   - paths: simple paths (no repeated node) over edges taken as undirected, fewest hops first; ties by the list of
 *     node ids, then node kinds, edge types, edge relations, then edge directions (with the walk before against it).
 *   - subgraph: nodes = seeds (given order, deduplicated), then by BFS distance, id, kind; edges by type, relation,
 *     from id, from kind, to id, to kind.
 * - Edges: `INTERACTED` has `relation` = interaction kind and a `weight`; `RELATED` has no `weight` key.
 * - Nodes: `label` = user id / item title / entity name; entities also carry `entityKind`.
 * - Writes: upserts MERGE (no duplicates); props merge key by key (omitted props keep theirs); title, entity kind and
 *   name are replaced. One INTERACTED edge per (user, item, kind) holding rating/weight/ts of the latest event by ts
 *   (an event without ts is older than any with one; on equal ts the later-recorded event wins; rating becomes null
 *   when the winning event has none). Event ids are idempotency keys, also within one batch.
 * - Failures: NOT_FOUND naming the missing ids and writing nothing of the batch; BAD_REQUEST for invalid arguments.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeRef } from '../../src/core/model.ts';
import type { GraphEdge, GraphPath, GraphStore, InteractionEvent } from '../../src/store/graph-store.ts';

const user = (id: string): NodeRef => ({ kind: 'User', id });
const item = (id: string): NodeRef => ({ kind: 'Item', id });
const entity = (id: string): NodeRef => ({ kind: 'Entity', id });

/**
 * The shared fixture: 3 users, 4 items, 4 entities, 6 interaction edges, 9 knowledge edges.
 *
 * ```
 * u1 -rating-> i1 (5, ts 100)   u1 -rating-> i2 (4, ts 300)   u1 -click-> i3 (ts 300)   u1 -click-> i4 (no ts)
 * u1 -click->  i1 (ts 200)      u2 -rating-> i1 (3, ts 50)    u3: no interactions
 * i1 -director-> e1  i2 -director-> e1  i3 -director-> e4  i1 -genre-> e2  i1 -genre-> e3  i2 -genre-> e2
 * i3 -genre-> e2     i1 -sequel-> i3    e4 -influencedBy-> e1
 * ```
 */
export async function seedContractFixture(store: GraphStore): Promise<void> {
  await store.upsertUsers([{ id: 'u1', props: { age: 30, occupation: 'writer' } }, { id: 'u2' }, { id: 'u3' }]);
  await store.upsertItems([
    { id: 'i1', title: 'Alien', props: { year: 1979 } },
    { id: 'i2', title: 'Blade Runner' },
    { id: 'i3', title: 'Aliens' },
    { id: 'i4', title: 'Zodiac' },
  ]);
  await store.upsertEntities([
    { id: 'e1', kind: 'person', name: 'Ridley Scott' },
    { id: 'e2', kind: 'genre', name: 'Sci-Fi' },
    { id: 'e3', kind: 'genre', name: 'Horror' },
    { id: 'e4', kind: 'person', name: 'James Cameron' },
  ]);
  await store.upsertKnowledge([
    { head: item('i1'), relation: 'director', tail: entity('e1') },
    { head: item('i2'), relation: 'director', tail: entity('e1') },
    { head: item('i3'), relation: 'director', tail: entity('e4') },
    { head: item('i1'), relation: 'genre', tail: entity('e2') },
    { head: item('i1'), relation: 'genre', tail: entity('e3') },
    { head: item('i2'), relation: 'genre', tail: entity('e2') },
    { head: item('i3'), relation: 'genre', tail: entity('e2') },
    { head: item('i1'), relation: 'sequel', tail: item('i3') },
    { head: entity('e4'), relation: 'influencedBy', tail: entity('e1') },
  ]);
  const result = await store.recordInteractions([
    { eventId: 'ev1', userId: 'u1', itemId: 'i1', kind: 'rating', rating: 5, weight: 5, ts: 100 },
    { eventId: 'ev2', userId: 'u1', itemId: 'i2', kind: 'rating', rating: 4, weight: 4, ts: 300 },
    { eventId: 'ev3', userId: 'u1', itemId: 'i3', kind: 'click', weight: 1, ts: 300 },
    { eventId: 'ev4', userId: 'u1', itemId: 'i4', kind: 'click', weight: 1 },
    { eventId: 'ev5', userId: 'u2', itemId: 'i1', kind: 'rating', rating: 3, weight: 3, ts: 50 },
    { eventId: 'ev6', userId: 'u1', itemId: 'i1', kind: 'click', weight: 1, ts: 200 },
  ]);
  expect(result).toMatchObject({ recorded: 6, duplicates: 0 });
  // The committed kinds of every touched (user, item) pair, one entry per pair.
  const u1i1 = result.edges.find((e) => e.userId === 'u1' && e.itemId === 'i1')!;
  expect(result.edges).toHaveLength(5);
  expect([...u1i1.kinds].sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
    { kind: 'click', weight: 1 },
    { kind: 'rating', weight: 5 },
  ]);
}

export const FIXTURE_COUNTS = { users: 3, items: 4, entities: 4, interactions: 6, knowledge: 9 } as const;

const short = (ref: NodeRef): string => `${ref.kind}:${ref.id}`;

/** `User:u2 -rating-> Item:i1 <-click- User:u1`: a path with each edge's true direction; checks the edges join the nodes. */
export function formatPath(path: GraphPath): string {
  expect(path.edges).toHaveLength(path.nodes.length - 1);
  let out = short(path.nodes[0]!);
  path.edges.forEach((edge, i) => {
    const a = path.nodes[i]!;
    const b = path.nodes[i + 1]!;
    const forward = edge.from.kind === a.kind && edge.from.id === a.id && edge.to.kind === b.kind && edge.to.id === b.id;
    const backward = edge.to.kind === a.kind && edge.to.id === a.id && edge.from.kind === b.kind && edge.from.id === b.id;
    expect(forward || backward, `edge ${i} joins its nodes`).toBe(true);
    out += forward ? ` -${edge.relation}-> ` : ` <-${edge.relation}- `;
    out += short(b);
  });
  return out;
}

const formatEdge = (edge: GraphEdge): string => `${edge.type} ${short(edge.from)} -${edge.relation}-> ${short(edge.to)}`;

async function expectCode(promise: Promise<unknown>, code: string, naming: string[] = []): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toMatchObject({ code });
  for (const id of naming) expect((error as Error).message).toContain(id);
}

/** Registers the contract suite for one `GraphStore` implementation; `makeStore` must return an empty store. */
export function describeGraphStoreContract(name: string, makeStore: () => GraphStore | Promise<GraphStore>): void {
  describe(`GraphStore contract: ${name}`, () => {
    let store: GraphStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('empty store', () => {
      it('answers ping and counts zero', async () => {
        await store.ping();
        expect(await store.counts()).toEqual({ users: 0, items: 0, entities: 0, interactions: 0, knowledge: 0 });
      });

      it('reports NOT_FOUND for every read of an unknown node', async () => {
        await expectCode(store.getUser('nope'), 'NOT_FOUND', ['nope']);
        await expectCode(store.getUserHistory('nope', { limit: 5, offset: 0 }), 'NOT_FOUND', ['nope']);
        await expectCode(store.getItem('nope'), 'NOT_FOUND', ['nope']);
        await expectCode(store.getEntity('nope', { limit: 5, offset: 0 }), 'NOT_FOUND', ['nope']);
        await expectCode(store.neighbours(user('nope'), { limit: 5 }), 'NOT_FOUND', ['nope']);
        await expectCode(store.subgraph([item('nope')], { hops: 1, limit: 5 }), 'NOT_FOUND', ['nope']);
      });
    });

    describe('with the fixture', () => {
      beforeEach(async () => {
        await seedContractFixture(store);
      });

      it('counts nodes and edges', async () => {
        expect(await store.counts()).toEqual(FIXTURE_COUNTS);
      });

      describe('getUser', () => {
        it('returns props and interaction counts in total and per kind', async () => {
          expect(await store.getUser('u1')).toEqual({
            id: 'u1',
            props: { age: 30, occupation: 'writer' },
            interactionCount: 5,
            interactionsByKind: { rating: 2, click: 3 },
          });
          expect(await store.getUser('u3')).toEqual({ id: 'u3', props: {}, interactionCount: 0, interactionsByKind: {} });
        });

        it('is NOT_FOUND for an unknown id, and ids of other kinds do not count', async () => {
          await expectCode(store.getUser('i1'), 'NOT_FOUND', ['i1']);
        });
      });

      describe('getUserHistory', () => {
        it('lists newest first, null ts last, ties by item id then kind', async () => {
          const page = await store.getUserHistory('u1', { limit: 10, offset: 0 });
          expect(page.total).toBe(5);
          expect(page.limit).toBe(10);
          expect(page.offset).toBe(0);
          expect(page.items).toEqual([
            { item: { id: 'i2', title: 'Blade Runner' }, kind: 'rating', rating: 4, weight: 4, ts: 300 },
            { item: { id: 'i3', title: 'Aliens' }, kind: 'click', rating: null, weight: 1, ts: 300 },
            { item: { id: 'i1', title: 'Alien' }, kind: 'click', rating: null, weight: 1, ts: 200 },
            { item: { id: 'i1', title: 'Alien' }, kind: 'rating', rating: 5, weight: 5, ts: 100 },
            { item: { id: 'i4', title: 'Zodiac' }, kind: 'click', rating: null, weight: 1, ts: null },
          ]);
        });

        it('pages with limit and offset; total counts the whole history', async () => {
          const page = await store.getUserHistory('u1', { limit: 2, offset: 2 });
          expect(page).toMatchObject({ total: 5, limit: 2, offset: 2 });
          expect(page.items.map((e) => `${e.item.id}/${e.kind}`)).toEqual(['i1/click', 'i1/rating']);
          const beyond = await store.getUserHistory('u1', { limit: 2, offset: 7 });
          expect(beyond).toEqual({ total: 5, limit: 2, offset: 7, items: [] });
        });

        it('gives an empty page for a known user without history', async () => {
          expect(await store.getUserHistory('u3', { limit: 5, offset: 0 })).toEqual({ total: 0, limit: 5, offset: 0, items: [] });
        });

        it('orders interaction kinds of one item at equal ts by kind', async () => {
          await store.recordInteractions([
            { eventId: 'x1', userId: 'u3', itemId: 'i2', kind: 'view', weight: 1, ts: 10 },
            { eventId: 'x2', userId: 'u3', itemId: 'i2', kind: 'cart', weight: 2, ts: 10 },
            { eventId: 'x3', userId: 'u3', itemId: 'i1', kind: 'view', weight: 1, ts: 10 },
          ]);
          const page = await store.getUserHistory('u3', { limit: 10, offset: 0 });
          expect(page.items.map((e) => `${e.item.id}/${e.kind}`)).toEqual(['i1/view', 'i2/cart', 'i2/view']);
        });

        it('rejects a negative offset or a fractional limit with BAD_REQUEST', async () => {
          await expectCode(store.getUserHistory('u1', { limit: 5, offset: -1 }), 'BAD_REQUEST');
          await expectCode(store.getUserHistory('u1', { limit: 1.5, offset: 0 }), 'BAD_REQUEST');
        });
      });

      describe('getItem', () => {
        it('groups outgoing knowledge by relation, sorted by name, item tails as kind "item"', async () => {
          expect(await store.getItem('i1')).toEqual({
            id: 'i1',
            title: 'Alien',
            props: { year: 1979 },
            interactionCount: 3,
            knowledge: {
              director: [{ id: 'e1', kind: 'person', name: 'Ridley Scott' }],
              genre: [
                { id: 'e3', kind: 'genre', name: 'Horror' },
                { id: 'e2', kind: 'genre', name: 'Sci-Fi' },
              ],
              sequel: [{ id: 'i3', kind: 'item', name: 'Aliens' }],
            },
          });
        });

        it('does not list incoming knowledge edges', async () => {
          const view = await store.getItem('i3');
          expect(view.knowledge).toEqual({
            director: [{ id: 'e4', kind: 'person', name: 'James Cameron' }],
            genre: [{ id: 'e2', kind: 'genre', name: 'Sci-Fi' }],
          });
          expect(view.interactionCount).toBe(1);
        });

        it('breaks name ties by entity id', async () => {
          await store.upsertEntities([
            { id: 'e9', kind: 'tag', name: 'dark' },
            { id: 'e8', kind: 'tag', name: 'dark' },
          ]);
          await store.upsertKnowledge([
            { head: item('i4'), relation: 'tag', tail: entity('e9') },
            { head: item('i4'), relation: 'tag', tail: entity('e8') },
          ]);
          expect((await store.getItem('i4')).knowledge.tag!.map((e) => e.id)).toEqual(['e8', 'e9']);
        });

        it('is NOT_FOUND for an unknown item', async () => {
          await expectCode(store.getItem('e1'), 'NOT_FOUND', ['e1']);
        });
      });

      describe('getEntity', () => {
        it('pages the items pointing to it, by title then id', async () => {
          expect(await store.getEntity('e2', { limit: 10, offset: 0 })).toEqual({
            id: 'e2',
            kind: 'genre',
            name: 'Sci-Fi',
            items: {
              total: 3,
              limit: 10,
              offset: 0,
              items: [
                { id: 'i1', title: 'Alien', relation: 'genre' },
                { id: 'i3', title: 'Aliens', relation: 'genre' },
                { id: 'i2', title: 'Blade Runner', relation: 'genre' },
              ],
            },
          });
          const page = await store.getEntity('e2', { limit: 2, offset: 1 });
          expect(page.items).toEqual({
            total: 3,
            limit: 2,
            offset: 1,
            items: [
              { id: 'i3', title: 'Aliens', relation: 'genre' },
              { id: 'i2', title: 'Blade Runner', relation: 'genre' },
            ],
          });
        });

        it('leaves out entities pointing to it, and lists one row per (item, relation)', async () => {
          await store.upsertItems([{ id: 'i0', title: 'Alien' }]);
          await store.upsertKnowledge([
            { head: item('i0'), relation: 'producer', tail: entity('e1') },
            { head: item('i0'), relation: 'director', tail: entity('e1') },
          ]);
          const view = await store.getEntity('e1', { limit: 10, offset: 0 });
          expect(view.items.total).toBe(4);
          expect(view.items.items.map((r) => `${r.id}/${r.relation}`)).toEqual(['i0/director', 'i0/producer', 'i1/director', 'i2/director']);
        });

        it('gives an empty page for an entity without items, NOT_FOUND for an unknown one', async () => {
          await store.upsertEntities([{ id: 'e5', kind: 'genre', name: 'Western' }]);
          expect((await store.getEntity('e5', { limit: 5, offset: 0 })).items).toEqual({ total: 0, limit: 5, offset: 0, items: [] });
          await expectCode(store.getEntity('i1', { limit: 5, offset: 0 }), 'NOT_FOUND', ['i1']);
        });
      });

      describe('neighbours', () => {
        it('lists both directions sorted by type, relation, neighbour id', async () => {
          const list = await store.neighbours(item('i1'), { direction: 'both', limit: 50 });
          expect(list.map((n) => `${n.edge.type} ${n.edge.relation} ${short(n.node)}`)).toEqual([
            'INTERACTED click User:u1',
            'INTERACTED rating User:u1',
            'INTERACTED rating User:u2',
            'RELATED director Entity:e1',
            'RELATED genre Entity:e2',
            'RELATED genre Entity:e3',
            'RELATED sequel Item:i3',
          ]);
          expect(list[0]).toEqual({
            node: { kind: 'User', id: 'u1', label: 'u1' },
            edge: { from: user('u1'), to: item('i1'), type: 'INTERACTED', relation: 'click', weight: 1 },
          });
          expect(list[3]).toEqual({
            node: { kind: 'Entity', id: 'e1', label: 'Ridley Scott', entityKind: 'person' },
            edge: { from: item('i1'), to: entity('e1'), type: 'RELATED', relation: 'director' },
          });
          expect(list[3]!.edge).not.toHaveProperty('weight');
          expect(list[6]!.node).toEqual({ kind: 'Item', id: 'i3', label: 'Aliens' });
        });

        it('defaults to both directions', async () => {
          expect(await store.neighbours(item('i1'), { limit: 50 })).toEqual(await store.neighbours(item('i1'), { direction: 'both', limit: 50 }));
        });

        it('filters by direction relative to the node, by relation, and caps at limit', async () => {
          const out = await store.neighbours(item('i1'), { direction: 'out', limit: 50 });
          expect(out.map((n) => short(n.node))).toEqual(['Entity:e1', 'Entity:e2', 'Entity:e3', 'Item:i3']);
          const incoming = await store.neighbours(item('i1'), { direction: 'in', limit: 50 });
          expect(incoming.map((n) => `${n.edge.relation} ${short(n.node)}`)).toEqual(['click User:u1', 'rating User:u1', 'rating User:u2']);
          const genre = await store.neighbours(item('i1'), { relation: 'genre', limit: 50 });
          expect(genre.map((n) => n.node.id)).toEqual(['e2', 'e3']);
          const capped = await store.neighbours(item('i1'), { limit: 2 });
          expect(capped.map((n) => `${n.edge.relation} ${n.node.id}`)).toEqual(['click u1', 'rating u1']);
          const inE1 = await store.neighbours(entity('e1'), { direction: 'in', limit: 50 });
          expect(inE1.map((n) => `${n.edge.relation} ${short(n.node)}`)).toEqual(['director Item:i1', 'director Item:i2', 'influencedBy Entity:e4']);
          expect(await store.neighbours(entity('e1'), { direction: 'out', limit: 50 })).toEqual([]);
          expect(await store.neighbours(user('u3'), { limit: 50 })).toEqual([]);
        });

        it('puts the outgoing edge first when the same relation runs both ways', async () => {
          await store.upsertKnowledge([
            { head: item('i2'), relation: 'similar', tail: item('i4') },
            { head: item('i4'), relation: 'similar', tail: item('i2') },
          ]);
          const list = await store.neighbours(item('i2'), { relation: 'similar', limit: 10 });
          expect(list.map((n) => formatEdge(n.edge))).toEqual(['RELATED Item:i2 -similar-> Item:i4', 'RELATED Item:i4 -similar-> Item:i2']);
        });

        it('is NOT_FOUND for an unknown node or the wrong kind', async () => {
          await expectCode(store.neighbours(entity('i1'), { limit: 5 }), 'NOT_FOUND', ['i1']);
        });
      });

      describe('paths', () => {
        it('finds the shortest path first and reports each edge with its true direction', async () => {
          const paths = await store.paths(user('u2'), entity('e1'), { maxHops: 4, limit: 10 });
          expect(paths.map(formatPath)).toEqual([
            'User:u2 -rating-> Item:i1 -director-> Entity:e1',
            'User:u2 -rating-> Item:i1 -genre-> Entity:e2 <-genre- Item:i2 -director-> Entity:e1',
            'User:u2 -rating-> Item:i1 -sequel-> Item:i3 -director-> Entity:e4 -influencedBy-> Entity:e1',
            'User:u2 -rating-> Item:i1 <-click- User:u1 -rating-> Item:i2 -director-> Entity:e1',
            'User:u2 -rating-> Item:i1 <-rating- User:u1 -rating-> Item:i2 -director-> Entity:e1',
          ]);
          expect(paths[0]).toEqual({
            nodes: [
              { kind: 'User', id: 'u2', label: 'u2' },
              { kind: 'Item', id: 'i1', label: 'Alien' },
              { kind: 'Entity', id: 'e1', label: 'Ridley Scott', entityKind: 'person' },
            ],
            edges: [
              { from: user('u2'), to: item('i1'), type: 'INTERACTED', relation: 'rating', weight: 3 },
              { from: item('i1'), to: entity('e1'), type: 'RELATED', relation: 'director' },
            ],
          });
        });

        it('stops at limit and at maxHops', async () => {
          const three = await store.paths(user('u2'), entity('e1'), { maxHops: 4, limit: 3 });
          expect(three.map((p) => p.nodes.map((n) => n.id).join(' '))).toEqual(['u2 i1 e1', 'u2 i1 e2 i2 e1', 'u2 i1 i3 e4 e1']);
          const short3 = await store.paths(user('u2'), entity('e1'), { maxHops: 3, limit: 10 });
          expect(short3).toHaveLength(1);
          expect(await store.paths(user('u2'), entity('e1'), { maxHops: 1, limit: 10 })).toEqual([]);
        });

        it('works in reverse, walking edges against their direction', async () => {
          const paths = await store.paths(entity('e1'), user('u2'), { maxHops: 2, limit: 10 });
          expect(paths.map(formatPath)).toEqual(['Entity:e1 <-director- Item:i1 <-rating- User:u2']);
        });

        it('breaks remaining ties by direction, walking with the edge before against it', async () => {
          await store.upsertKnowledge([
            { head: item('i4'), relation: 'similar', tail: item('i2') },
            { head: item('i2'), relation: 'similar', tail: item('i4') },
          ]);
          const paths = await store.paths(item('i2'), item('i4'), { maxHops: 1, limit: 10 });
          expect(paths.map(formatPath)).toEqual(['Item:i2 -similar-> Item:i4', 'Item:i2 <-similar- Item:i4']);
        });

        it('returns [] for nodes that are not connected', async () => {
          expect(await store.paths(user('u3'), item('i1'), { maxHops: 4, limit: 10 })).toEqual([]);
        });

        it('never repeats a node', async () => {
          const paths = await store.paths(user('u1'), item('i2'), { maxHops: 4, limit: 50 });
          expect(paths.length).toBeGreaterThan(3);
          for (const p of paths) {
            const keys = p.nodes.map(short);
            expect(new Set(keys).size).toBe(keys.length);
            expect(keys[0]).toBe('User:u1');
            expect(keys.at(-1)).toBe('Item:i2');
          }
          const hops = paths.map((p) => p.edges.length);
          expect(hops).toEqual([...hops].sort((a, b) => a - b));
          expect(formatPath(paths[0]!)).toBe('User:u1 -rating-> Item:i2');
        });

        it('is NOT_FOUND when either end is unknown, BAD_REQUEST for equal ends or maxHops 0', async () => {
          await expectCode(store.paths(user('ghost'), item('i1'), { maxHops: 2, limit: 5 }), 'NOT_FOUND', ['ghost']);
          await expectCode(store.paths(user('u1'), item('ghost'), { maxHops: 2, limit: 5 }), 'NOT_FOUND', ['ghost']);
          await expectCode(store.paths(user('u1'), user('u1'), { maxHops: 2, limit: 5 }), 'BAD_REQUEST');
          await expectCode(store.paths(user('u1'), item('i1'), { maxHops: 0, limit: 5 }), 'BAD_REQUEST');
        });
      });

      describe('subgraph', () => {
        it('walks hops undirected from the seed and keeps every edge among the nodes', async () => {
          const sub = await store.subgraph([user('u2')], { hops: 2, limit: 100 });
          expect(sub.truncated).toBe(false);
          expect(sub.nodes.map(short)).toEqual(['User:u2', 'Item:i1', 'Entity:e1', 'Entity:e2', 'Entity:e3', 'Item:i3', 'User:u1']);
          expect(sub.nodes[1]).toEqual({ kind: 'Item', id: 'i1', label: 'Alien' });
          expect(sub.edges.map(formatEdge)).toEqual([
            'INTERACTED User:u1 -click-> Item:i1',
            'INTERACTED User:u1 -click-> Item:i3',
            'INTERACTED User:u1 -rating-> Item:i1',
            'INTERACTED User:u2 -rating-> Item:i1',
            'RELATED Item:i1 -director-> Entity:e1',
            'RELATED Item:i1 -genre-> Entity:e2',
            'RELATED Item:i1 -genre-> Entity:e3',
            'RELATED Item:i3 -genre-> Entity:e2',
            'RELATED Item:i1 -sequel-> Item:i3',
          ]);
          expect(sub.edges[3]).toEqual({ from: user('u2'), to: item('i1'), type: 'INTERACTED', relation: 'rating', weight: 3 });
        });

        it('caps nodes at limit (seeds first, then distance, then id) and says so', async () => {
          const sub = await store.subgraph([user('u2')], { hops: 2, limit: 4 });
          expect(sub.truncated).toBe(true);
          expect(sub.nodes.map((n) => n.id)).toEqual(['u2', 'i1', 'e1', 'e2']);
          expect(sub.edges.map(formatEdge)).toEqual([
            'INTERACTED User:u2 -rating-> Item:i1',
            'RELATED Item:i1 -director-> Entity:e1',
            'RELATED Item:i1 -genre-> Entity:e2',
          ]);
          const exact = await store.subgraph([user('u2')], { hops: 1, limit: 2 });
          expect(exact.truncated).toBe(false);
          expect(exact.nodes.map((n) => n.id)).toEqual(['u2', 'i1']);
        });

        it('keeps seeds in the given order, deduplicated; hops 0 returns the seeds alone', async () => {
          const sub = await store.subgraph([entity('e1'), user('u2'), entity('e1')], { hops: 0, limit: 10 });
          expect(sub).toEqual({
            nodes: [
              { kind: 'Entity', id: 'e1', label: 'Ridley Scott', entityKind: 'person' },
              { kind: 'User', id: 'u2', label: 'u2' },
            ],
            edges: [],
            truncated: false,
          });
          const capped = await store.subgraph([entity('e1'), user('u2')], { hops: 1, limit: 1 });
          expect(capped.nodes.map((n) => n.id)).toEqual(['e1']);
          expect(capped.truncated).toBe(true);
        });

        it('merges the neighbourhoods of several seeds by distance to the nearest seed', async () => {
          const sub = await store.subgraph([item('i4'), entity('e4')], { hops: 1, limit: 50 });
          expect(sub.nodes.map(short)).toEqual(['Item:i4', 'Entity:e4', 'Entity:e1', 'Item:i3', 'User:u1']);
          expect(sub.edges.map(formatEdge)).toEqual([
            'INTERACTED User:u1 -click-> Item:i3',
            'INTERACTED User:u1 -click-> Item:i4',
            'RELATED Item:i3 -director-> Entity:e4',
            'RELATED Entity:e4 -influencedBy-> Entity:e1',
          ]);
        });

        it('is NOT_FOUND naming unknown seeds, BAD_REQUEST without seeds', async () => {
          await expectCode(store.subgraph([user('u1'), item('ghost')], { hops: 1, limit: 5 }), 'NOT_FOUND', ['ghost']);
          await expectCode(store.subgraph([], { hops: 1, limit: 5 }), 'BAD_REQUEST');
        });
      });

      describe('upserts', () => {
        it('are idempotent and merge props key by key', async () => {
          await store.upsertUsers([{ id: 'u1', props: { age: 31, city: 'Lyon' } }, { id: 'u2' }]);
          await store.upsertUsers([{ id: 'u1' }]);
          expect((await store.getUser('u1')).props).toEqual({ age: 31, occupation: 'writer', city: 'Lyon' });
          await store.upsertItems([{ id: 'i1', title: 'Alien (1979)', props: { rated: true } }]);
          const i1 = await store.getItem('i1');
          expect(i1.title).toBe('Alien (1979)');
          expect(i1.props).toEqual({ year: 1979, rated: true });
          await store.upsertEntities([{ id: 'e3', kind: 'mood', name: 'Scary' }]);
          expect((await store.getItem('i1')).knowledge.genre).toEqual([
            { id: 'e3', kind: 'mood', name: 'Scary' },
            { id: 'e2', kind: 'genre', name: 'Sci-Fi' },
          ]);
          await store.upsertKnowledge([{ head: item('i1'), relation: 'director', tail: entity('e1') }]);
          expect(await store.counts()).toEqual(FIXTURE_COUNTS);
        });

        it('upsertKnowledge is NOT_FOUND naming missing ends and writes nothing of the batch', async () => {
          await expectCode(
            store.upsertKnowledge([
              { head: item('i4'), relation: 'genre', tail: entity('e2') },
              { head: item('i4'), relation: 'genre', tail: entity('missing-entity') },
              { head: item('missing-item'), relation: 'genre', tail: entity('e2') },
            ]),
            'NOT_FOUND',
            ['missing-entity', 'missing-item'],
          );
          expect(await store.counts()).toEqual(FIXTURE_COUNTS);
          expect((await store.getItem('i4')).knowledge).toEqual({});
          // A knowledge end must be an item or an entity of that kind.
          await expectCode(store.upsertKnowledge([{ head: item('i4'), relation: 'x', tail: item('e2') }]), 'NOT_FOUND', ['e2']);
        });

        it('reject empty ids and users as knowledge ends with BAD_REQUEST', async () => {
          await expectCode(store.upsertUsers([{ id: 'ok' }, { id: '' }]), 'BAD_REQUEST');
          await expectCode(store.upsertItems([{ id: '', title: 'x' }]), 'BAD_REQUEST');
          await expectCode(store.upsertEntities([{ id: '', kind: 'genre', name: 'x' }]), 'BAD_REQUEST');
          await expectCode(store.upsertKnowledge([{ head: user('u1'), relation: 'likes', tail: entity('e1') }]), 'BAD_REQUEST');
          expect(await store.counts()).toEqual(FIXTURE_COUNTS);
        });

        it('keep a user and an item with the same id apart', async () => {
          await store.upsertUsers([{ id: 'same' }]);
          await store.upsertItems([{ id: 'same', title: 'Same' }]);
          await store.recordInteractions([{ eventId: 'same-ev', userId: 'same', itemId: 'same', kind: 'click', weight: 1 }]);
          expect((await store.getUser('same')).interactionCount).toBe(1);
          expect((await store.getItem('same')).interactionCount).toBe(1);
          const both = await store.neighbours(item('same'), { limit: 10 });
          expect(both.map((n) => formatEdge(n.edge))).toEqual(['INTERACTED User:same -click-> Item:same']);
          expect(await store.counts()).toMatchObject({ users: 4, items: 5 });
        });
      });

      describe('recordInteractions', () => {
        it('counts repeated event ids as duplicates, also within one batch, and changes nothing for them', async () => {
          const result = await store.recordInteractions([
            { eventId: 'ev1', userId: 'u1', itemId: 'i1', kind: 'rating', rating: 1, weight: 1, ts: 999 },
            { eventId: 'n1', userId: 'u3', itemId: 'i4', kind: 'rating', rating: 2, weight: 2, ts: 10 },
            { eventId: 'n1', userId: 'u3', itemId: 'i4', kind: 'rating', rating: 5, weight: 5, ts: 20 },
          ]);
          expect(result).toEqual({ recorded: 1, duplicates: 2, edges: [{ userId: 'u3', itemId: 'i4', kinds: [{ kind: 'rating', weight: 2 }] }] });
          const u1 = await store.getUserHistory('u1', { limit: 10, offset: 0 });
          expect(u1.items.find((e) => e.item.id === 'i1' && e.kind === 'rating')).toMatchObject({ rating: 5, weight: 5, ts: 100 });
          const u3 = await store.getUserHistory('u3', { limit: 10, offset: 0 });
          expect(u3.items).toEqual([{ item: { id: 'i4', title: 'Zodiac' }, kind: 'rating', rating: 2, weight: 2, ts: 10 }]);
          expect((await store.counts()).interactions).toBe(7);
        });

        it('keeps one edge per (user, item, kind) with the values of the latest event by ts', async () => {
          const results = [
            await store.recordInteractions([
              { eventId: 'a1', userId: 'u3', itemId: 'i2', kind: 'rating', rating: 4, weight: 4, ts: 200 },
              { eventId: 'a2', userId: 'u3', itemId: 'i2', kind: 'rating', rating: 2, weight: 2, ts: 100 },
            ]),
            await store.recordInteractions([{ eventId: 'a3', userId: 'u3', itemId: 'i2', kind: 'rating', weight: 9 }]),
          ];
          // Both report what the edge keeps after the write: the older undated event changed nothing.
          const kept = [{ userId: 'u3', itemId: 'i2', kinds: [{ kind: 'rating', weight: 4 }] }];
          expect(results).toEqual([
            { recorded: 2, duplicates: 0, edges: kept },
            { recorded: 1, duplicates: 0, edges: kept },
          ]);
          let history = await store.getUserHistory('u3', { limit: 10, offset: 0 });
          expect(history.items).toEqual([{ item: { id: 'i2', title: 'Blade Runner' }, kind: 'rating', rating: 4, weight: 4, ts: 200 }]);
          await store.recordInteractions([{ eventId: 'a4', userId: 'u3', itemId: 'i2', kind: 'rating', weight: 7, ts: 200 }]);
          history = await store.getUserHistory('u3', { limit: 10, offset: 0 });
          expect(history.items).toEqual([{ item: { id: 'i2', title: 'Blade Runner' }, kind: 'rating', rating: null, weight: 7, ts: 200 }]);
          expect(await store.getUser('u3')).toMatchObject({ interactionCount: 1, interactionsByKind: { rating: 1 } });
          const [n] = await store.neighbours(user('u3'), { limit: 10 });
          expect(n!.edge).toEqual({ from: user('u3'), to: item('i2'), type: 'INTERACTED', relation: 'rating', weight: 7 });
        });

        it('lets a later event without ts replace an earlier one without ts', async () => {
          await store.recordInteractions([{ eventId: 'b1', userId: 'u3', itemId: 'i3', kind: 'play', weight: 1 }]);
          await store.recordInteractions([{ eventId: 'b2', userId: 'u3', itemId: 'i3', kind: 'play', weight: 6 }]);
          const history = await store.getUserHistory('u3', { limit: 10, offset: 0 });
          expect(history.items).toEqual([{ item: { id: 'i3', title: 'Aliens' }, kind: 'play', rating: null, weight: 6, ts: null }]);
        });

        it('is NOT_FOUND naming unknown users and items and records none of the batch', async () => {
          const batch: InteractionEvent[] = [
            { eventId: 'c1', userId: 'u3', itemId: 'i1', kind: 'click', weight: 1, ts: 1 },
            { eventId: 'c2', userId: 'ghost-user', itemId: 'i1', kind: 'click', weight: 1, ts: 2 },
            { eventId: 'c3', userId: 'u3', itemId: 'ghost-item', kind: 'click', weight: 1, ts: 3 },
          ];
          await expectCode(store.recordInteractions(batch), 'NOT_FOUND', ['ghost-user', 'ghost-item']);
          expect(await store.counts()).toEqual(FIXTURE_COUNTS);
          expect((await store.getUserHistory('u3', { limit: 5, offset: 0 })).total).toBe(0);
          // The event ids of a rejected batch were not consumed.
          expect(await store.recordInteractions([batch[0]!])).toEqual({ recorded: 1, duplicates: 0, edges: [{ userId: 'u3', itemId: 'i1', kinds: [{ kind: 'click', weight: 1 }] }] });
        });

        it('rejects an empty event id or a non-finite weight with BAD_REQUEST and records nothing', async () => {
          const good: InteractionEvent = { eventId: 'd1', userId: 'u3', itemId: 'i1', kind: 'click', weight: 1 };
          await expectCode(store.recordInteractions([good, { ...good, eventId: '' }]), 'BAD_REQUEST');
          await expectCode(store.recordInteractions([good, { ...good, eventId: 'd2', weight: Number.NaN }]), 'BAD_REQUEST');
          expect((await store.counts()).interactions).toBe(FIXTURE_COUNTS.interactions);
        });

        it('reaches the same state whatever the order and batching, when timestamps differ', async () => {
          // One store for all runs: each run writes into its own namespace so runs cannot interfere.
          let run = 0;
          const nUsers = 2;
          const nItems = 3;
          const eventArb = fc.record({
            u: fc.nat({ max: nUsers - 1 }),
            i: fc.nat({ max: nItems - 1 }),
            kind: fc.constantFrom('click', 'rating'),
            weight: fc.integer({ min: 0, max: 9 }),
            rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
          });
          await fc.assert(
            fc.asyncProperty(
              fc.array(eventArb, { minLength: 1, maxLength: 8 }),
              fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
              fc.integer({ min: 1, max: 4 }),
              async (raw, shuffleKeys, chunk) => {
                run++;
                const history = async (ns: string, order: number[], size: number) => {
                  await store.upsertUsers(Array.from({ length: nUsers }, (_, u) => ({ id: `${ns}u${u}` })));
                  await store.upsertItems(Array.from({ length: nItems }, (_, i) => ({ id: `${ns}i${i}`, title: `t${i}` })));
                  const events: InteractionEvent[] = order.map((k) => ({
                    eventId: `${ns}ev${k}`,
                    userId: `${ns}u${raw[k]!.u}`,
                    itemId: `${ns}i${raw[k]!.i}`,
                    kind: raw[k]!.kind,
                    weight: raw[k]!.weight,
                    rating: raw[k]!.rating,
                    ts: 1000 + k,
                  }));
                  // Every event twice: the second copy is always a duplicate.
                  const all = [...events, ...events];
                  for (let s = 0; s < all.length; s += size) await store.recordInteractions(all.slice(s, s + size));
                  const pages = [];
                  for (let u = 0; u < nUsers; u++) {
                    const page = await store.getUserHistory(`${ns}u${u}`, { limit: 100, offset: 0 });
                    pages.push(page.items.map((e) => ({ ...e, item: e.item.id.slice(ns.length) })));
                  }
                  return pages;
                };
                const inOrder = raw.map((_, k) => k);
                const shuffled = [...inOrder].sort((a, b) => (shuffleKeys[a] ?? 0) - (shuffleKeys[b] ?? 0) || a - b);
                const a = await history(`p${run}a:`, inOrder, raw.length * 2);
                const b = await history(`p${run}b:`, shuffled, chunk);
                expect(b).toEqual(a);
                // The oracle: per (user, item, kind) the event with the highest ts (= the highest index) wins.
                const expected = new Map<string, number>();
                raw.forEach((e, k) => expected.set(`${e.u}/${e.i}/${e.kind}`, k));
                expect(a.flat()).toHaveLength(expected.size);
                for (let u = 0; u < nUsers; u++) {
                  for (const entry of a[u]!) {
                    const k = expected.get(`${u}/${entry.item.slice(1)}/${entry.kind}`)!;
                    expect(entry).toMatchObject({ weight: raw[k]!.weight, rating: raw[k]!.rating ?? null, ts: 1000 + k });
                  }
                }
              },
            ),
            { numRuns: 15 },
          );
        });
      });

      describe('ids', () => {
        const nasty = [
          "'; MATCH (n) DETACH DELETE n //",
          'name with spaces',
          'quote"d and \'single\'',
          'a:b:c',
          'ünïcødé 名前 🎬',
          'back\\slash/and/slash',
          '{"json": true}',
          '$param',
        ];

        it('round-trip arbitrary strings and never execute them', async () => {
          await store.upsertUsers(nasty.map((id) => ({ id, props: { note: id } })));
          await store.upsertItems(nasty.map((id) => ({ id, title: `title of ${id}` })));
          await store.upsertEntities(nasty.map((id) => ({ id, kind: 'tag', name: id })));
          await store.upsertKnowledge(nasty.map((id) => ({ head: item(id), relation: id, tail: entity(id) })));
          const result = await store.recordInteractions(nasty.map((id) => ({ eventId: id, userId: id, itemId: id, kind: id, weight: 1 })));
          expect(result).toMatchObject({ recorded: nasty.length, duplicates: 0 });
          // The committed state comes back with the ids exactly as given.
          expect(result.edges.map((e) => [e.userId, e.itemId, e.kinds]).sort()).toEqual(nasty.map((id) => [id, id, [{ kind: id, weight: 1 }]]).sort());
          expect(await store.counts()).toEqual({
            users: FIXTURE_COUNTS.users + nasty.length,
            items: FIXTURE_COUNTS.items + nasty.length,
            entities: FIXTURE_COUNTS.entities + nasty.length,
            interactions: FIXTURE_COUNTS.interactions + nasty.length,
            knowledge: FIXTURE_COUNTS.knowledge + nasty.length,
          });
          for (const id of nasty) {
            expect(await store.getUser(id)).toEqual({ id, props: { note: id }, interactionCount: 1, interactionsByKind: { [id]: 1 } });
            const view = await store.getItem(id);
            expect(view).toMatchObject({ id, title: `title of ${id}`, interactionCount: 1 });
            expect(view.knowledge).toEqual({ [id]: [{ id, kind: 'tag', name: id }] });
            const history = await store.getUserHistory(id, { limit: 5, offset: 0 });
            expect(history.items).toEqual([{ item: { id, title: `title of ${id}` }, kind: id, rating: null, weight: 1, ts: null }]);
            const paths = await store.paths(user(id), entity(id), { maxHops: 2, limit: 5 });
            expect(paths.map((p) => p.nodes.map((n) => n.id))).toEqual([[id, id, id]]);
          }
          expect(await store.recordInteractions([{ eventId: nasty[0]!, userId: 'u1', itemId: 'i1', kind: 'x', weight: 1 }])).toEqual({
            recorded: 0,
            duplicates: 1,
            edges: [],
          });
        });
      });
    });
  });
}
