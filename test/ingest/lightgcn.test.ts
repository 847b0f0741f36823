import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataRecord } from '../../src/core/model.ts';
import { lightGcnPrefix, readLightGcn } from '../../src/ingest/formats/lightgcn.ts';
import { rowsOf, type DatasetSource, type ParsedRow } from '../../src/ingest/source.ts';

const root = mkdtempSync(join(tmpdir(), 'graphrec-lightgcn-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rows(src: DatasetSource): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for (const f of src.files) for await (const r of rowsOf(f)) out.push(r);
  return out;
}

const show = (r: DataRecord) =>
  r.type === 'interaction' ? `${r.value.userId}->${r.value.itemId}` : r.type === 'user' ? `user ${r.value.id}` : r.type === 'item' ? `item ${r.value.id} "${r.value.title}"` : r.type;

describe('readLightGcn', () => {
  const d = join(root, 'My Gowalla');
  mkdirSync(d);
  writeFileSync(join(d, 'train.txt'), '0 1 2\n1 2\n\n2 x 3\n3\n');
  writeFileSync(join(d, 'test.txt'), '0 3\n');

  it('emits users and items the first time a file mentions them, then implicit interactions', async () => {
    const rs = await rows(readLightGcn(d, { splits: ['train'] }));
    expect(rs.map((r) => [r.pos.line, r.ok])).toEqual([[1, true], [2, true], [4, false], [5, true]]);
    expect(rs.flatMap((r) => (r.ok ? r.records.map(show) : [r.reason]))).toEqual([
      'user my-gowalla:u:0', 'item my-gowalla:i:1 "item 1"', 'item my-gowalla:i:2 "item 2"', 'my-gowalla:u:0->my-gowalla:i:1', 'my-gowalla:u:0->my-gowalla:i:2',
      'user my-gowalla:u:1', 'my-gowalla:u:1->my-gowalla:i:2',
      'item id (token 2) "x" is not an integer',
      'user my-gowalla:u:3',
    ]);
    const inter = rs.flatMap((r) => (r.ok ? r.records : [])).find((r) => r.type === 'interaction');
    expect(inter).toEqual({ type: 'interaction', value: { userId: 'my-gowalla:u:0', itemId: 'my-gowalla:i:1', kind: 'implicit', weight: 1 } });
  });

  it('reads train then test by default, each file self-contained', async () => {
    const src = readLightGcn(d, { prefix: 'g' });
    expect(src.files.map((f) => f.path.split('/').pop())).toEqual(['train.txt', 'test.txt']);
    const rs = await rows(src);
    const last = rs[rs.length - 1];
    expect(last?.ok && last.records.map(show)).toEqual(['user g:u:0', 'item g:i:3 "item 3"', 'g:u:0->g:i:3']);
  });

  it('throws BAD_REQUEST for an explicitly requested missing split', () => {
    expect(() => readLightGcn(d, { splits: ['train', 'valid'] })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('derives the id prefix from the folder name', () => {
    expect(lightGcnPrefix('/data/lightgcn-gowalla/')).toBe('lightgcn-gowalla');
    expect(lightGcnPrefix('/data/My Set.v2')).toBe('my-set-v2');
  });
});
