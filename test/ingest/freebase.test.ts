import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataRecord } from '../../src/core/model.ts';
import { readFreebase } from '../../src/ingest/formats/freebase.ts';
import { relationEndKind } from '../../src/ingest/formats/relation-kinds.ts';
import { rowsOf, type DatasetSource, type ParsedRow } from '../../src/ingest/source.ts';

const root = mkdtempSync(join(tmpdir(), 'graphrec-freebase-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rows(src: DatasetSource): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for (const f of src.files) for await (const r of rowsOf(f)) out.push(r);
  return out;
}

function fixture(name: string, kg: string[], link = ['1\tm.item1', '2\tm.item2']): string {
  const d = join(root, name);
  mkdirSync(d);
  writeFileSync(join(d, 'ml-100k.link'), ['item_id:token\tentity_id:token', ...link].join('\n') + '\n');
  writeFileSync(join(d, 'ml-100k.kg'), ['head_id:token\trelation_id:token\ttail_id:token', ...kg].join('\n') + '\n');
  return d;
}

const show = (r: DataRecord) =>
  r.type === 'knowledge' ? `${r.value.head.kind}:${r.value.head.id} ${r.value.relation} ${r.value.tail.kind}:${r.value.tail.id}`
  : r.type === 'entity' ? `entity ${r.value.id} ${r.value.kind} ${r.value.name}`
  : r.type;

describe('readFreebase', () => {
  it('maps linked MIDs to MovieLens items and other MIDs to fb: entities typed by the relation', async () => {
    const d = fixture('ok', [
      'm.item1\tfilm.film.directed_by\tm.dir', //        line 2
      'm.dir\tfilm.director.film\tm.item2', //           line 3
      'm.item1\tfilm.film.sequel\tm.item2', //           line 4: item → item
      'm.genre\tfilm.film_genre.films_in_this_genre\tm.item1', // line 5
      'm.item2\tfilm.film.prequel\tm.other', //          line 6: unlinked film
      'm.item2\tfilm.film.rating', //                    line 7: two columns
      '\tfilm.film.genre\tm.genre', //                   line 8: empty head
    ]);
    const rs = await rows(readFreebase(d));
    expect(rs.map((r) => [r.pos.line, r.ok])).toEqual([[2, true], [3, true], [4, true], [5, true], [6, true], [7, false], [8, false]]);
    expect(rs.flatMap((r) => (r.ok ? r.records.map(show) : [r.reason]))).toEqual([
      'entity fb:m.dir person m.dir',
      'Item:ml100k:i:1 film.film.directed_by Entity:fb:m.dir',
      'Entity:fb:m.dir film.director.film Item:ml100k:i:2',
      'Item:ml100k:i:1 film.film.sequel Item:ml100k:i:2',
      'entity fb:m.genre genre m.genre',
      'Entity:fb:m.genre film.film_genre.films_in_this_genre Item:ml100k:i:1',
      'entity fb:m.other film m.other',
      'Item:ml100k:i:2 film.film.prequel Entity:fb:m.other',
      'wrong column count: expected 3, got 2',
      'empty head_id',
    ]);
  });

  it('gives an entity the kind most of its triples imply', async () => {
    const d = fixture('vote', ['m.item1\tfilm.film.subjects\tm.x', 'm.item2\tfilm.film.sequel\tm.x', 'm.item2\tfilm.film.prequel\tm.x']);
    const ents = (await rows(readFreebase(d))).flatMap((r) => (r.ok ? r.records : [])).filter((r) => r.type === 'entity');
    expect(ents.map(show)).toEqual(['entity fb:m.x film m.x']);
  });

  it('throws BAD_REQUEST without a .link file or with a wrong header', async () => {
    const d = join(root, 'nolink');
    mkdirSync(d);
    writeFileSync(join(d, 'x.kg'), 'head_id:token\trelation_id:token\ttail_id:token\n');
    expect(() => readFreebase(d)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    const h = fixture('badheader', []);
    writeFileSync(join(h, 'ml-100k.kg'), 'a\tb\tc\n');
    await expect(rows(readFreebase(h))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('reads entity kinds off Freebase relation paths', () => {
    expect(relationEndKind('film.film.directed_by', 'tail')).toBe('person');
    expect(relationEndKind('film.film.directed_by', 'head')).toBe('film');
    expect(relationEndKind('music.artist.origin', 'tail')).toBe('place');
    expect(relationEndKind('film.production_company.films', 'head')).toBe('company');
    expect(relationEndKind('weird.relation.name', 'tail')).toBe('entity');
    expect(relationEndKind('nodots', 'tail')).toBe('entity');
    expect(relationEndKind('a.toString.constructor', 'tail')).toBe('entity');
    expect(relationEndKind('a.toString.constructor', 'head')).toBe('entity');
  });
});
