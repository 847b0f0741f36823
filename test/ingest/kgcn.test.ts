import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataRecord } from '../../src/core/model.ts';
import { readKgcn } from '../../src/ingest/formats/kgcn.ts';
import { rowsOf, type DatasetSource, type ParsedRow } from '../../src/ingest/source.ts';

const root = mkdtempSync(join(tmpdir(), 'graphrec-kgcn-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rows(src: DatasetSource): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for (const f of src.files) for await (const r of rowsOf(f)) out.push(r);
  return out;
}

const show = (r: DataRecord) =>
  r.type === 'knowledge' ? `${r.value.head.kind}:${r.value.head.id} ${r.value.relation} ${r.value.tail.kind}:${r.value.tail.id}`
  : r.type === 'entity' ? `entity ${r.value.id} ${r.value.kind}`
  : r.type === 'interaction' ? `${r.value.userId}->${r.value.itemId} ${r.value.kind} ${r.value.weight}`
  : r.type === 'user' ? `user ${r.value.id}`
  : `item ${r.value.id} ${r.value.title}`;

describe('readKgcn', () => {
  const d = join(root, 'music');
  mkdirSync(d);
  writeFileSync(join(d, 'item_index2entity_id.txt'), '51\t0\n52\t1\n');
  writeFileSync(join(d, 'user_artists.dat'), 'userID\tartistID\tweight\n2\t51\t13883\n2\t99\t5\n3\t52\t1\n2\t52\t7\n4\t51\tlots\n');
  writeFileSync(join(d, 'kg.txt'), '0\tmusic.artist.origin\t2\n1\tmusic.artist.origin\t2\n0\tfilm.actor.film\t3\n0\tmusic.album.artist\t1\nx\tr\t1\n');

  it('applies KGCN filtering, maps entity ids to items, and types other entities by relation', async () => {
    const src = readKgcn(d);
    expect(src.format).toBe('kgcn');
    const rs = await rows(src);
    // user_artists line 3 (artist 99, unmapped) is filtered out silently; line 6 has a bad weight.
    expect(rs.map((r) => `${r.pos.file.split('/').pop()}:${r.pos.line}:${r.ok}`)).toEqual([
      'item_index2entity_id.txt:1:true', 'item_index2entity_id.txt:2:true',
      'user_artists.dat:2:true', 'user_artists.dat:4:true', 'user_artists.dat:5:true', 'user_artists.dat:6:false',
      'kg.txt:1:true', 'kg.txt:2:true', 'kg.txt:3:true', 'kg.txt:4:true', 'kg.txt:5:false',
    ]);
    expect(rs.flatMap((r) => (r.ok ? r.records.map(show) : [r.reason]))).toEqual([
      'item kgcn:i:51 Last.fm artist 51',
      'item kgcn:i:52 Last.fm artist 52',
      'user kgcn:u:2', 'kgcn:u:2->kgcn:i:51 listen 13883',
      'user kgcn:u:3', 'kgcn:u:3->kgcn:i:52 listen 1',
      'kgcn:u:2->kgcn:i:52 listen 7',
      'weight "lots" is not a number',
      'entity kgcn:e:2 place', 'Item:kgcn:i:51 music.artist.origin Entity:kgcn:e:2',
      'Item:kgcn:i:52 music.artist.origin Entity:kgcn:e:2',
      'entity kgcn:e:3 film', 'Item:kgcn:i:51 film.actor.film Entity:kgcn:e:3',
      'Item:kgcn:i:51 music.album.artist Item:kgcn:i:52',
      'head "x" is not an integer',
    ]);
  });
});
