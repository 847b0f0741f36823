/**
 * Reads the real datasets under ../shared/data (relative to the repository root) and checks the exact counts their
 * SOURCE.md files give. Needs no database; skipped, with a message, when the data folder is absent.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataRecord } from '../../src/core/model.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import { rowsOf, type DatasetSource } from '../../src/ingest/source.ts';

const DATA = fileURLToPath(new URL('../../../shared/data', import.meta.url));
const present = existsSync(join(DATA, 'ml-100k', 'u.data'));
if (!present) console.warn(`real-datasets: ${DATA} is absent; skipping the real-dataset count checks`);

interface Tally {
  rows: number;
  badRows: string[];
  records: Record<DataRecord['type'], number>;
  users: Set<string>;
  items: Set<string>;
  entities: Set<string>;
  relations: Map<string, number>;
  entityKinds: Map<string, number>;
  ratings: number[];
  /** Edges whose endpoint was not emitted earlier in the source. */
  dangling: number;
  lines: { line: number; first?: DataRecord }[];
}

/** Streams a source and counts what it yields (keeps no records, so Gowalla's million rows stay cheap). */
async function tally(src: DatasetSource, keepLinesOf?: string): Promise<Tally> {
  const t: Tally = {
    rows: 0, badRows: [], records: { user: 0, item: 0, entity: 0, interaction: 0, knowledge: 0 }, users: new Set(), items: new Set(),
    entities: new Set(), relations: new Map(), entityKinds: new Map(), ratings: [0, 0, 0, 0, 0, 0], dangling: 0, lines: [],
  };
  for (const f of src.files) {
    for await (const row of rowsOf(f)) {
      t.rows += 1;
      if (keepLinesOf !== undefined && f.path.endsWith(keepLinesOf)) t.lines.push({ line: row.pos.line, ...(row.ok ? { first: row.records[0] } : {}) });
      if (!row.ok) {
        t.badRows.push(`${row.pos.file}:${row.pos.line} ${row.reason}`);
        continue;
      }
      for (const r of row.records) {
        t.records[r.type] += 1;
        if (r.type === 'user') t.users.add(r.value.id);
        else if (r.type === 'item') t.items.add(r.value.id);
        else if (r.type === 'entity') {
          if (!t.entities.has(r.value.id)) t.entityKinds.set(r.value.kind, (t.entityKinds.get(r.value.kind) ?? 0) + 1);
          t.entities.add(r.value.id);
        } else if (r.type === 'interaction') {
          if (r.value.rating !== undefined) t.ratings[r.value.rating] = (t.ratings[r.value.rating] ?? 0) + 1;
          if (!t.users.has(r.value.userId) || !t.items.has(r.value.itemId)) t.dangling += 1;
        } else {
          t.relations.set(r.value.relation, (t.relations.get(r.value.relation) ?? 0) + 1);
          const known = (n: { kind: string; id: string }) => (n.kind === 'Item' ? t.items : t.entities).has(n.id);
          if (!known(r.value.head) || !known(r.value.tail)) t.dangling += 1;
        }
      }
    }
  }
  return t;
}

describe.skipIf(!present)('real datasets under ../shared/data', () => {
  it('MovieLens 100K + DBpedia: 943 users, 1,682 items, 100,000 ratings; 36,805 item–entity pairs, 10,619 entities', async () => {
    const t = await tally(resolveDataset(`movielens-dbpedia:${join(DATA, 'ml-100k')},${join(DATA, 'ml-100k-dbpedia')}`), 'enriched.csv');
    expect(t.badRows).toEqual([]);
    expect(t.users.size).toBe(943);
    expect(t.items.size).toBe(1682);
    expect(t.records.interaction).toBe(100_000);
    expect(t.ratings.slice(1)).toEqual([6110, 11370, 27145, 34174, 21201]);
    expect(t.dangling).toBe(0);
    // DBpedia part: exact per-relation pairs from SOURCE.md, and the 19 MovieLens genres.
    expect(Object.fromEntries(t.relations)).toEqual({
      genre: 2893, director: 1399, starring: 6155, writer: 1752, producer: 1763, distributor: 1418, cinematography: 1041, subject: 23277,
    });
    expect(t.records.knowledge - 2893).toBe(36_805);
    expect(t.entities.size).toBe(10_619 + 19);
    expect(t.records.entity).toBe(t.entities.size);
    expect(t.entityKinds.get('category')).toBe(4477);
    expect(t.entityKinds.get('genre')).toBe(19);
    // One row per linked item; the quoted three-line abstract of item 1452 starts on line 512.
    expect(t.lines.length).toBe(1411);
    const at = t.lines.findIndex((l) => l.line === 512);
    expect(at).toBeGreaterThan(0);
    expect(t.lines[at + 1]?.line).toBe(515);
  });

  it('MovieLens u.item is decoded as latin-1', async () => {
    const src = resolveDataset(join(DATA, 'ml-100k'));
    const titles = new Map<string, string>();
    for await (const row of rowsOf(src.files[2]!)) {
      if (row.ok) for (const r of row.records) if (r.type === 'item') titles.set(r.value.id, r.value.title);
    }
    expect(titles.get('ml100k:i:543')).toBe('Misérables, Les (1995)');
    expect(titles.get('ml100k:i:1633')).toBe('Á köldum klaka (Cold Fever) (1994)');
  });

  it('MovieLens 100K + Freebase: 91,631 triples over 24 relations; unlinked MIDs are 33,030 fb: entities', async () => {
    const t = await tally(resolveDataset(`freebase:${join(DATA, 'ml-100k')},${join(DATA, 'ml-100k-kg-freebase')}`));
    expect(t.badRows).toEqual([]);
    expect(t.records.knowledge - 2893).toBe(91_631);
    expect(t.relations.size - 1).toBe(24);
    expect(t.relations.get('film.film.actor')).toBe(40_152);
    expect(t.relations.get('film.film.directed_by')).toBe(1727);
    expect([...t.entities].filter((id) => id.startsWith('fb:')).length).toBe(34_628 - 1598);
    expect(t.dangling).toBe(0);
  });

  it('KGCN Last.FM: 21,173 interactions, 1,872 users, 3,846 items, 15,518 triples over 60 relations', async () => {
    const t = await tally(resolveDataset(`kgcn:${join(DATA, 'kgcn-lastfm')}`));
    expect(t.badRows).toEqual([]);
    expect(t.records.interaction).toBe(21_173);
    expect(t.users.size).toBe(1872);
    expect(t.items.size).toBe(3846);
    expect(t.records.knowledge).toBe(15_518);
    expect(t.relations.size).toBe(60);
    expect(t.entities.size).toBe(9366 - 3846);
    expect(t.dangling).toBe(0);
  });

  it('LightGCN++ Last.fm: 64,315 + 9,143 + 18,321 interactions, 1,885 users, 17,388 items', async () => {
    const dir = join(DATA, 'lightgcnpp-lastfm');
    const train = await tally(resolveDataset(`lightgcn-train:${dir}`));
    expect(train.records.interaction).toBe(64_315);
    const all = await tally(resolveDataset(`lightgcn:${dir}`));
    expect(all.badRows).toEqual([]);
    expect(all.records.interaction).toBe(91_779);
    expect(all.users.size).toBe(1885);
    expect(all.items.size).toBe(17_388);
  });

  it('Gowalla (LightGCN split): 810,128 train + 217,242 test, 29,858 users, 40,981 items', async () => {
    const t = await tally(resolveDataset(`lightgcn:${join(DATA, 'lightgcn-gowalla')}`));
    expect(t.badRows).toEqual([]);
    expect(t.records.interaction).toBe(810_128 + 217_242);
    expect(t.users.size).toBe(29_858);
    expect(t.items.size).toBe(40_981);
    expect(t.dangling).toBe(0);
  });
});
