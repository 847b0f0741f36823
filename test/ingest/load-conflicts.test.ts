/**
 * When two batches of a file may be in flight together (ingest/load `conflicts`): only when the graph after both does
 * not depend on which commits first.
 */
import { describe, expect, it } from 'vitest';
import type { EntityRecord, InteractionRecord, ItemRecord, KnowledgeRecord, UserRecord } from '../../src/core/model.ts';
import { conflicts, footprintOf } from '../../src/ingest/load.ts';
import type { BatchRows } from '../../src/store/bulk-writer.ts';

const pos = { file: 'f.csv', line: 2 };

function batch(parts: { users?: UserRecord[]; items?: ItemRecord[]; entities?: EntityRecord[]; interactions?: InteractionRecord[]; knowledge?: KnowledgeRecord[] }): BatchRows {
  return {
    users: parts.users ?? [],
    items: parts.items ?? [],
    entities: parts.entities ?? [],
    interactions: (parts.interactions ?? []).map((value) => ({ pos, value })),
    knowledge: (parts.knowledge ?? []).map((value) => ({ pos, value })),
  };
}

const rating = (userId: string, itemId: string, ts = 1, kind = 'rating'): InteractionRecord => ({ userId, itemId, kind, rating: 4, weight: 4, ts });
const link = (itemId: string, relation: string, entityId: string): KnowledgeRecord => ({ head: { kind: 'Item', id: itemId }, relation, tail: { kind: 'Entity', id: entityId } });
const both = (a: BatchRows, b: BatchRows): [boolean, boolean] => [conflicts(footprintOf(a), footprintOf(b)), conflicts(footprintOf(b), footprintOf(a))];

describe('ingest/load conflicts', () => {
  it('lets batches that only look up the same users and items go together', () => {
    expect(both(batch({ interactions: [rating('u1', 'i1'), rating('u2', 'i2')] }), batch({ interactions: [rating('u1', 'i2'), rating('u2', 'i1')] }))).toEqual([false, false]);
    expect(both(batch({ knowledge: [link('i1', 'director', 'e1')] }), batch({ knowledge: [link('i2', 'director', 'e1'), link('i1', 'starring', 'e1')] }))).toEqual([false, false]);
  });

  it('holds back a batch that writes an edge key another one writes (the later row must win)', () => {
    expect(both(batch({ interactions: [rating('u1', 'i1', 5)] }), batch({ interactions: [rating('u1', 'i1', 5)] }))).toEqual([true, true]);
    expect(both(batch({ knowledge: [link('i1', 'director', 'e1')] }), batch({ knowledge: [link('i1', 'director', 'e1')] }))).toEqual([true, true]);
    // Another kind or relation is another edge.
    expect(both(batch({ interactions: [rating('u1', 'i1')] }), batch({ interactions: [rating('u1', 'i1', 1, 'click')] }))).toEqual([false, false]);
  });

  it('holds back a batch whose edges look up a node the other one upserts, either way round', () => {
    const creates = batch({ entities: [{ id: 'e9', kind: 'person', name: 'Nine' }] });
    const uses = batch({ knowledge: [link('i1', 'director', 'e9')] });
    expect(both(creates, uses)).toEqual([true, true]);
    // A user id and an item id of the same text are different nodes.
    expect(both(batch({ users: [{ id: 'x' }] }), batch({ interactions: [rating('u1', 'x')] }))).toEqual([false, false]);
  });

  it('lets the same node be upserted with the same value, not with different ones', () => {
    const a = batch({ items: [{ id: 'i1', title: 'One' }], interactions: [rating('u1', 'i1')] });
    const same = batch({ items: [{ id: 'i1', title: 'One' }], interactions: [rating('u2', 'i1')] });
    const other = batch({ items: [{ id: 'i1', title: 'One, renamed' }], interactions: [rating('u2', 'i1')] });
    expect(both(a, same)).toEqual([false, false]);
    expect(both(a, other)).toEqual([true, true]);
  });

  it('does not count a node a batch upserts itself among the nodes it looks up', () => {
    const own = batch({ users: [{ id: 'u1' }], interactions: [rating('u1', 'i1')] });
    expect(conflicts(footprintOf(own), footprintOf(batch({ users: [{ id: 'u1' }] })))).toBe(false);
    expect(conflicts(footprintOf(own), footprintOf(batch({ items: [{ id: 'i1', title: 'One' }] })))).toBe(true);
  });
});
