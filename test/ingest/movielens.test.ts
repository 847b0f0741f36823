import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';
import type { DataRecord } from '../../src/core/model.ts';
import { readMovieLens } from '../../src/ingest/formats/movielens.ts';
import { rowsOf, type DatasetSource, type ParsedRow } from '../../src/ingest/source.ts';

const root = mkdtempSync(join(tmpdir(), 'graphrec-ml-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rows(src: DatasetSource): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for (const f of src.files) for await (const r of rowsOf(f)) out.push(r);
  return out;
}

/** A 3-genre MovieLens fixture (the real files have 19 genres; the reader follows u.genre). */
function fixture(name: string): string {
  const d = join(root, name);
  mkdirSync(d);
  writeFileSync(join(d, 'u.genre'), 'unknown|0\nComedy|1\nSci-Fi|2\n\n');
  writeFileSync(join(d, 'u.user'), '1|24|M|technician|85711\n2|53|F|other|T8H1N\n3|x|F|other|11111\n');
  writeFileSync(
    join(d, 'u.item'),
    Buffer.concat([
      Buffer.from('1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|1|0\n'),
      // "Café au lait (1993)" in latin-1: 0xE9 is é.
      Buffer.from([...Buffer.from('2|Caf'), 0xe9, ...Buffer.from(' au lait (1993)|||http://x|0|1|1\n')]),
      Buffer.from('3|Broken (1990)|01-Jan-1990|||0|2|0\n'),
      Buffer.from('267|unknown||||1|0|0\n'),
    ]),
  );
  writeFileSync(join(d, 'u.data'), '1\t1\t5\t881250949\n2\t2\t6\t881250950\n1\t2\t3\n2\t267\t1\t881250951\n');
  return d;
}

describe('readMovieLens', () => {
  it('emits genres, users, items with latin-1 titles and genre edges, then ratings, with bad rows reported', async () => {
    const d = fixture('ok');
    const src = readMovieLens(d);
    expect(src.format).toBe('movielens-100k');
    expect(src.files.map((f) => f.path)).toEqual(['u.genre', 'u.user', 'u.item', 'u.data'].map((f) => join(d, f)));
    const rs = await rows(src);
    const recs: DataRecord[] = rs.flatMap((r) => (r.ok ? r.records : []));
    const genres = recs.filter((r) => r.type === 'entity');
    expect(genres).toEqual([
      { type: 'entity', value: { id: 'ml100k:genre:unknown', kind: 'genre', name: 'unknown' } },
      { type: 'entity', value: { id: 'ml100k:genre:Comedy', kind: 'genre', name: 'Comedy' } },
      { type: 'entity', value: { id: 'ml100k:genre:Sci-Fi', kind: 'genre', name: 'Sci-Fi' } },
    ]);
    expect(recs.filter((r) => r.type === 'user')).toEqual([
      { type: 'user', value: { id: 'ml100k:u:1', props: { age: 24, gender: 'M', occupation: 'technician', zip: '85711' } } },
      { type: 'user', value: { id: 'ml100k:u:2', props: { age: 53, gender: 'F', occupation: 'other', zip: 'T8H1N' } } },
    ]);
    expect(recs.filter((r) => r.type === 'item')).toEqual([
      { type: 'item', value: { id: 'ml100k:i:1', title: 'Toy Story (1995)', props: { release_date: '01-Jan-1995', year: 1995, imdb_url: 'http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)' } } },
      { type: 'item', value: { id: 'ml100k:i:2', title: 'Café au lait (1993)', props: { year: 1993, imdb_url: 'http://x' } } },
      { type: 'item', value: { id: 'ml100k:i:267', title: 'unknown', props: {} } },
    ]);
    const edges = recs.filter((r) => r.type === 'knowledge').map((r) => (r.type === 'knowledge' ? `${r.value.head.id} ${r.value.relation} ${r.value.tail.id}` : ''));
    expect(edges).toEqual([
      'ml100k:i:1 genre ml100k:genre:Comedy',
      'ml100k:i:2 genre ml100k:genre:Comedy',
      'ml100k:i:2 genre ml100k:genre:Sci-Fi',
      'ml100k:i:267 genre ml100k:genre:unknown',
    ]);
    expect(recs.filter((r) => r.type === 'interaction')).toEqual([
      { type: 'interaction', value: { userId: 'ml100k:u:1', itemId: 'ml100k:i:1', kind: 'rating', rating: 5, weight: 5, ts: 881250949 } },
      { type: 'interaction', value: { userId: 'ml100k:u:2', itemId: 'ml100k:i:267', kind: 'rating', rating: 1, weight: 1, ts: 881250951 } },
    ]);
    const errors = rs.flatMap((r) => (r.ok ? [] : [`${r.pos.file.split('/').pop()}:${r.pos.line}`]));
    expect(errors).toEqual(['u.user:3', 'u.item:3', 'u.data:2', 'u.data:3']);
    const reasons = rs.flatMap((r) => (r.ok ? [] : [r.reason]));
    expect(reasons[0]).toMatch(/age "x" is not an integer/);
    expect(reasons[1]).toMatch(/genre flag Comedy "2" is not 0 or 1/);
    expect(reasons[2]).toMatch(/rating 6 is out of range/);
    expect(reasons[3]).toMatch(/column count/);
  });

  it('puts each item row before the genre edges of that row', async () => {
    const rs = await rows(readMovieLens(fixture('order')));
    for (const r of rs) if (r.ok && r.records[0]?.type === 'item') expect(r.records.slice(1).every((x) => x.type === 'knowledge')).toBe(true);
  });

  it('reads another ratings file and another prefix', async () => {
    const d = fixture('split');
    writeFileSync(join(d, 'u1.base'), '1\t2\t4\t5\n');
    const rs = await rows(readMovieLens(d, { ratingsFile: 'u1.base', prefix: 'ml' }));
    const last = rs[rs.length - 1];
    expect(last?.ok && last.records).toEqual([{ type: 'interaction', value: { userId: 'ml:u:1', itemId: 'ml:i:2', kind: 'rating', rating: 4, weight: 4, ts: 5 } }]);
  });

  it('throws BAD_REQUEST when a file is missing', () => {
    const d = join(root, 'empty');
    mkdirSync(d);
    let caught: unknown;
    try {
      readMovieLens(d);
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught, 'BAD_REQUEST')).toBe(true);
  });
});
