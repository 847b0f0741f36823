import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';
import type { DataRecord } from '../../src/core/model.ts';
import { genericTypeOfFile, readGeneric } from '../../src/ingest/formats/generic.ts';
import { rowsOf, type DatasetSource, type ParsedRow } from '../../src/ingest/source.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-generic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function rows(src: DatasetSource): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for (const f of src.files) for await (const r of rowsOf(f)) out.push(r);
  return out;
}

const good = (rs: ParsedRow[]) => rs.filter((r): r is Extract<ParsedRow, { ok: true }> => r.ok);
const bad = (rs: ParsedRow[]) => rs.filter((r): r is Extract<ParsedRow, { ok: false }> => !r.ok);
const records = (rs: ParsedRow[]): DataRecord[] => good(rs).flatMap((r) => r.records);

async function expectBadRequest(fn: () => unknown): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(isAppError(caught, 'BAD_REQUEST'), String(caught)).toBe(true);
}

describe('generic interactions CSV with malformed rows', () => {
  const content = Buffer.concat([
    Buffer.from(
      [
        'user_id,item_id,rating,timestamp', //                          line 1
        'u1,i1,4,1700000000', //                                        line 2: good
        'u1,i2', //                                                     line 3: too few columns
        'u2,i1,five,1700000001', //                                     line 4: non-numeric rating
        'u2,i3,11,1700000002', //                                       line 5: out of range (default 0–10)
        '', //                                                          line 6: blank, skipped
        'u3,,3,1700000003', //                                          line 7: empty item_id
        'u3,i1,2,1700000004,extra', //                                  line 8: too many columns
      ].join('\n') + '\n',
    ),
    Buffer.from([0x75, 0x34, 0x2c, 0x69, 0xff, 0x2c, 0x33, 0x2c, 0x31, 0x0a]), //  line 9: invalid UTF-8 ("u4,i\xff,3,1")
    Buffer.from('"u5","i""9",1.5,2023-11-14T22:13:20Z\n'), //                line 10: good (quoted, ISO time)
  ]);
  const path = write('interactions.csv', content);

  it('parses the good rows', async () => {
    const rs = await rows(readGeneric(path));
    expect(good(rs).map((r) => r.pos.line)).toEqual([2, 10]);
    expect(records(rs)).toEqual([
      { type: 'interaction', value: { userId: 'u1', itemId: 'i1', kind: 'rating', rating: 4, weight: 4, ts: 1_700_000_000 } },
      { type: 'interaction', value: { userId: 'u5', itemId: 'i"9', kind: 'rating', rating: 1.5, weight: 1.5, ts: 1_700_000_000 } },
    ]);
  });

  it('reports every bad row with its line number and reason', async () => {
    const errs = bad(await rows(readGeneric(path)));
    expect(errs.map((e) => e.pos)).toEqual([3, 4, 5, 7, 8, 9].map((line) => ({ file: path, line })));
    const reasons = errs.map((e) => e.reason);
    expect(reasons[0]).toMatch(/column count.*4.*2/);
    expect(reasons[1]).toMatch(/rating "five" is not a number/);
    expect(reasons[2]).toMatch(/rating 11 is out of range/);
    expect(reasons[3]).toMatch(/empty item_id/);
    expect(reasons[4]).toMatch(/column count.*4.*5/);
    expect(reasons[5]).toMatch(/invalid UTF-8/);
  });

  it('honours a custom rating range', async () => {
    const errs = bad(await rows(readGeneric(path, { ratingMin: 1, ratingMax: 20 })));
    expect(errs.map((e) => e.pos.line)).toEqual([3, 4, 7, 8, 9]);
  });
});

describe('generic files with a line over the 16 MiB limit', () => {
  const huge = 'x'.repeat(17 * 1024 * 1024);

  it('CSV, TSV and JSONL: the line is one bad row with its number; the rows around it load', async () => {
    const csv = write('huge-interactions.csv', `user_id,item_id,rating\nu1,i1,4\nu2,"${huge}",3\nu3,i3,5\n`);
    const tsv = write('huge-interactions.tsv', `user_id\titem_id\nu1\ti1\n${huge}\nu3\ti3\n`);
    const jsonl = write('huge-interactions.jsonl', `{"user_id":"u1","item_id":"i1"}\n{"user_id":"${huge}","item_id":"i2"}\n{"user_id":"u3","item_id":"i3"}\n`);
    for (const path of [csv, tsv, jsonl]) {
      const rs = await rows(readGeneric(path, { type: 'interactions' }));
      expect(records(rs).map((r) => (r.type === 'interaction' ? r.value.userId : r.type)), path).toEqual(['u1', 'u3']);
      expect(bad(rs).map((r) => [r.pos.line, r.reason]), path).toEqual([[path.endsWith('.jsonl') ? 2 : 3, 'line longer than 16777216 bytes (not read)']]);
    }
  });
});

describe('generic record types', () => {
  it('reads users with typed props, items with props and entities with default names', async () => {
    const d = join(dir, 'shop');
    mkdirSync(d);
    writeFileSync(join(d, 'users.csv'), 'id,age:number,vip:boolean,city\nu1,34,true,Oslo\nu2,,no,\nu3,old,yes,Rome\n');
    writeFileSync(join(d, 'items.tsv'), 'item_id\ttitle\tprice::number\ni1\tRed "Kettle"\t19.5\ni2\t\t3\n');
    writeFileSync(join(d, 'entities.jsonl'), '{"id":"e1","kind":"brand","name":"Acme"}\n{"id":"e2","kind":"brand"}\n{"id":"e3"}\nnot json\n');
    const rs = await rows(readGeneric(d));
    expect(rs.map((r) => `${r.pos.file.split('/').pop()}:${r.pos.line}:${r.ok}`)).toEqual([
      'users.csv:2:true', 'users.csv:3:true', 'users.csv:4:false',
      'items.tsv:2:true', 'items.tsv:3:false',
      'entities.jsonl:1:true', 'entities.jsonl:2:true', 'entities.jsonl:3:false', 'entities.jsonl:4:false',
    ]);
    expect(records(rs)).toEqual([
      { type: 'user', value: { id: 'u1', props: { age: 34, vip: true, city: 'Oslo' } } },
      { type: 'user', value: { id: 'u2', props: { vip: false } } },
      { type: 'item', value: { id: 'i1', title: 'Red "Kettle"', props: { price: 19.5 } } },
      { type: 'entity', value: { id: 'e1', kind: 'brand', name: 'Acme' } },
      { type: 'entity', value: { id: 'e2', kind: 'brand', name: 'e2' } },
    ]);
    const reasons = bad(rs).map((r) => r.reason);
    expect(reasons[0]).toMatch(/age "old" is not a number/);
    expect(reasons[1]).toMatch(/empty title/);
    expect(reasons[2]).toMatch(/missing field kind/);
    expect(reasons[3]).toMatch(/invalid JSON/);
  });

  it('reads knowledge with node kinds and interactions with defaults, applying an id prefix', async () => {
    const k = write('knowledge.csv', 'head_kind,head_id,relation,tail_kind,tail_id\n,i1,brand,,e1\nentity,e1,parent,Entity,e2\nitem,i1,similar,item,i2\nuser,u1,x,entity,e1\n');
    const kr = await rows(readGeneric(k, { idPrefix: 'shop:' }));
    expect(records(kr)).toEqual([
      { type: 'knowledge', value: { head: { kind: 'Item', id: 'shop:i1' }, relation: 'brand', tail: { kind: 'Entity', id: 'shop:e1' } } },
      { type: 'knowledge', value: { head: { kind: 'Entity', id: 'shop:e1' }, relation: 'parent', tail: { kind: 'Entity', id: 'shop:e2' } } },
      { type: 'knowledge', value: { head: { kind: 'Item', id: 'shop:i1' }, relation: 'similar', tail: { kind: 'Item', id: 'shop:i2' } } },
    ]);
    expect(bad(kr).map((r) => [r.pos.line, r.reason])).toEqual([[5, expect.stringMatching(/head_kind "user" must be item or entity/)]]);

    const j = write('clicks.jsonl', '{"user":"u1","item":"i1"}\n{"userId":7,"itemId":"i2","kind":"view","weight":"2","ts":60}\n{"user_id":"u1","item_id":"i1","weight":-1}\n');
    const jr = await rows(readGeneric(j, { type: 'interactions' }));
    expect(records(jr)).toEqual([
      { type: 'interaction', value: { userId: 'u1', itemId: 'i1', kind: 'implicit', weight: 1 } },
      { type: 'interaction', value: { userId: '7', itemId: 'i2', kind: 'view', weight: 2, ts: 60 } },
    ]);
    expect(bad(jr).map((r) => r.pos.line)).toEqual([3]);
  });

  it('orders a directory users, items, entities, interactions, knowledge', async () => {
    const d = join(dir, 'ordered');
    mkdirSync(d);
    for (const [name, body] of [
      ['knowledge.csv', 'head_id,relation,tail_id\ni1,r,e1\n'],
      ['ratings.csv', 'user,item,rating\nu1,i1,5\n'],
      ['entities.csv', 'id,kind,name\ne1,tag,T\n'],
      ['items.csv', 'id,title\ni1,One\n'],
      ['users.csv', 'id\nu1\n'],
      ['notes.txt', 'ignored'],
    ] as const) writeFileSync(join(d, name), body);
    const src = readGeneric(d);
    expect(src.format).toBe('generic');
    expect(src.files.map((f) => f.path.split('/').pop())).toEqual(['users.csv', 'items.csv', 'entities.csv', 'ratings.csv', 'knowledge.csv']);
    expect(records(await rows(src)).map((r) => r.type)).toEqual(['user', 'item', 'entity', 'interaction', 'knowledge']);
  });
});

describe('generic file-level errors', () => {
  it('throws BAD_REQUEST for a missing file, an unknown type and an unsupported extension', async () => {
    await expectBadRequest(() => readGeneric(join(dir, 'missing.csv')));
    await expectBadRequest(() => readGeneric(write('stuff.csv', 'a\n1\n')));
    await expectBadRequest(() => readGeneric(write('users.xlsx', 'x'), { type: 'users' }));
    const empty = join(dir, 'empty-dir');
    mkdirSync(empty);
    await expectBadRequest(() => readGeneric(empty));
  });

  it('throws BAD_REQUEST when the header lacks a required column or is unreadable', async () => {
    await expectBadRequest(() => rows(readGeneric(write('items.csv', 'id,label\ni1,x\n'))));
    await expectBadRequest(() => rows(readGeneric(write('bad-header-users.csv', '"id,x\n'))));
    await expectBadRequest(() => rows(readGeneric(write('empty-users.csv', ''))));
  });

  it('refuses user and item columns named as graphrec\'s vector properties: the file in a CSV header, the row in JSONL', async () => {
    await expect(rows(readGeneric(write('vec-users.csv', 'id,embedding\nu1,x\n')))).rejects.toThrow(/column embedding is graphrec's own/);
    await expect(rows(readGeneric(write('vec-items.tsv', 'id\ttitle\tembeddingVersion\ni1\tT\tv\n')))).rejects.toThrow(/column embeddingVersion/);
    const rs = await rows(readGeneric(write('vec-items.jsonl', '{"id":"i1","title":"A","embedding":"x"}\n{"id":"i2","title":"B","props":{"embeddingVersion":"v"}}\n{"id":"i3","title":"C","genre":"g"}\n')));
    expect(bad(rs).map((r) => [r.pos.line, r.reason])).toEqual([
      [1, "column embedding is graphrec's own (trained vectors are published under it); rename it"],
      [2, "column embeddingVersion is graphrec's own (trained vectors are published under it); rename it"],
    ]);
    expect(records(rs)).toEqual([{ type: 'item', value: { id: 'i3', title: 'C', props: { genre: 'g' } } }]);
    // Other files keep such columns: an interaction's extra columns are not stored.
    expect(records(await rows(readGeneric(write('vec-ratings.csv', 'user_id,item_id,embedding\nu1,i1,x\n'))))).toHaveLength(1);
  });

  it('treats header names that are Object.prototype keys as ordinary prop columns', async () => {
    const rs = await rows(readGeneric(write('proto-users.csv', 'id,constructor,toString\nu1,a,b\n')));
    expect(records(rs)).toEqual([{ type: 'user', value: { id: 'u1', props: { constructor: 'a', toString: 'b' } } }]);
  });

  it('reads the record type off a file name', () => {
    expect(genericTypeOfFile('/x/users.csv')).toBe('users');
    expect(genericTypeOfFile('/x/shop-ratings.tsv')).toBe('interactions');
    expect(genericTypeOfFile('/x/my_kg.jsonl')).toBe('knowledge');
    expect(genericTypeOfFile('/x/data.csv')).toBeUndefined();
  });
});

describe('generic --encoding latin1 and header aliases (HetRec-style files)', () => {
  // "Motörhead" and "Beyoncé" in ISO-8859-1: ö = 0xF6, é = 0xE9 (invalid as UTF-8).
  const latin1Dir = join(dir, 'hetrec-latin1');
  mkdirSync(latin1Dir);
  writeFileSync(join(latin1Dir, 'items.tsv'), Buffer.from('id\tname\turl\n1\tMot\xf6rhead\thttp://x/1\n2\tBeyonc\xe9\thttp://x/2\n', 'latin1'));
  writeFileSync(join(latin1Dir, 'interactions.tsv'), Buffer.from('userID\tartistID\tweight\n2\t1\t13883\n2\t2\t11690\n', 'latin1'));
  writeFileSync(join(latin1Dir, 'entities.tsv'), Buffer.from('tagID\ttagValue\tkind\n13\tcaf\xe9 rock\ttag\n', 'latin1'));

  it('decodes latin-1 names and maps artistID / userID / name / tagID / tagValue', async () => {
    const rs = await rows(readGeneric(latin1Dir, { encoding: 'latin1' }));
    expect(bad(rs)).toEqual([]);
    expect(records(rs)).toEqual([
      { type: 'item', value: { id: '1', title: 'Motörhead', props: { url: 'http://x/1' } } },
      { type: 'item', value: { id: '2', title: 'Beyoncé', props: { url: 'http://x/2' } } },
      { type: 'entity', value: { id: '13', kind: 'tag', name: 'café rock' } },
      { type: 'interaction', value: { userId: '2', itemId: '1', kind: 'implicit', weight: 13883 } },
      { type: 'interaction', value: { userId: '2', itemId: '2', kind: 'implicit', weight: 11690 } },
    ]);
  });

  it('without the option the same bytes are rejected row by row as invalid UTF-8', async () => {
    const rs = await rows(readGeneric(latin1Dir));
    expect(bad(rs).map((r) => [r.pos.line, r.reason])).toEqual([
      [2, 'invalid UTF-8 byte sequence'],
      [3, 'invalid UTF-8 byte sequence'],
      [2, 'invalid UTF-8 byte sequence'],
    ]);
  });

  it('MovieLens-style movieId/userId and count headers; a canonical column wins over a soft alias', async () => {
    const p = write('ml_ratings.csv', 'userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n');
    expect(records(await rows(readGeneric(p)))).toEqual([{ type: 'interaction', value: { userId: '1', itemId: '31', kind: 'rating', weight: 2.5, rating: 2.5, ts: 1260759144 } }]);
    const both = write('both_interactions.csv', 'user_id,item_id,artist,count\nu1,i1,Björk,7\n');
    expect(records(await rows(readGeneric(both)))).toEqual([{ type: 'interaction', value: { userId: 'u1', itemId: 'i1', kind: 'implicit', weight: 7 } }]);
    const named = write('named_items.csv', 'id,title,name\ni1,Kettle,Acme kettle\n');
    expect(records(await rows(readGeneric(named)))).toEqual([{ type: 'item', value: { id: 'i1', title: 'Kettle', props: { name: 'Acme kettle' } } }]);
    const jsonl = write('aliases_interactions.jsonl', '{"userID": 5, "artistID": 9, "playcount": 3}\n');
    expect(records(await rows(readGeneric(jsonl)))).toEqual([{ type: 'interaction', value: { userId: '5', itemId: '9', kind: 'implicit', weight: 3 } }]);
  });

  it('rejects an unknown encoding name', async () => {
    const { parseEncoding } = await import('../../src/ingest/formats/generic.ts');
    expect(parseEncoding('Latin-1')).toBe('latin1');
    expect(parseEncoding('UTF8')).toBe('utf-8');
    await expectBadRequest(() => parseEncoding('cp1252'));
  });
});

describe('generic read options in the checkpoint key', () => {
  it('keeps the key of the defaults, and gives the same files read with other options another key', async () => {
    const { checkpointKey } = await import('../../src/ingest/load.ts');
    const dir = mkdtempSync(join(tmpdir(), 'generic-key-'));
    try {
      writeFileSync(join(dir, 'users.csv'), 'id\nu1\n');
      const file = join(dir, 'users.csv');
      const keyOf = async (source: DatasetSource) => checkpointKey(source, source.files[0]!);
      const plain = await keyOf(readGeneric(dir));
      expect(plain).toMatch(new RegExp(`^generic\\|${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\|[0-9a-f]{64}$`));
      expect(await keyOf(readGeneric(dir, { idPrefix: '' }))).toBe(plain);
      const prefixed = await keyOf(readGeneric(dir, { idPrefix: 'shop:' }));
      const latin = await keyOf(readGeneric(dir, { encoding: 'latin1' }));
      expect(new Set([plain, prefixed, latin, await keyOf(readGeneric(dir, { idPrefix: 'web:' }))]).size).toBe(4);
      expect(prefixed).toContain('idPrefix=shop:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
