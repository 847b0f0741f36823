import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { float32Text, writeExport } from '../../src/cli/commands/export.ts';
import { decodeNpy } from '../../src/cli/npy.ts';
import { tinyCsr, TINY_KEYS } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-cli-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CSV parser for the tests (quotes, doubled quotes, commas inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  return rows;
}

describe('graphrec export: writeExport', () => {
  const csr = tinyCsr();
  const dim = 3;
  // Vectors for the users and items in an order unlike the projection's, as an artifact may have them.
  const userKeys = ['User:b:u:2', 'User:a:u:1', 'User:a:u:2'];
  const itemKeys = ['Item:a:i:12', 'Item:a:i:10'];
  const users = Float32Array.from({ length: userKeys.length * dim }, (_, i) => i / 10);
  const items = Float32Array.from({ length: itemKeys.length * dim }, (_, i) => -i);
  const out = join(dir, 'exp');
  const manifest = writeExport(out, {
    csr,
    labels: new Map([['Item:a:i:10', 'Heat, The (1995)'], ['Entity:a:e:x', 'Say "x"']]),
    embeddings: { dim, userKeys, itemKeys, users, items, dir: '/emb/x', backend: 'cpu-js', epochs: 3 },
    source: { uri: 'bolt://test', database: 'neo4j', fingerprint: 'f' },
  });

  it('writes nodes.csv: one row per node with kind, id, label (quoted), degree and embedding row', () => {
    const rows = parseCsv(readFileSync(join(out, 'nodes.csv'), 'utf8'));
    expect(rows[0]).toEqual(['index', 'key', 'kind', 'id', 'label', 'degree', 'embedding_row']);
    expect(rows.slice(1).map((r) => r[1])).toEqual([...TINY_KEYS]);
    const byKey = new Map(rows.slice(1).map((r) => [r[1], r]));
    expect(byKey.get('Item:a:i:10')).toEqual(['3', 'Item:a:i:10', 'Item', 'a:i:10', 'Heat, The (1995)', '3', '1']);
    expect(byKey.get('User:b:u:2')![6]).toBe('0');
    expect(byKey.get('Item:a:i:11')![6]).toBe('-1');
    expect(byKey.get('Entity:a:e:x')!.slice(4)).toEqual(['Say "x"', '2', '-1']);
  });

  it('writes edges.csv in CSR order with relation names and float32 weights as short decimals', () => {
    const rows = parseCsv(readFileSync(join(out, 'edges.csv'), 'utf8'));
    expect(rows[0]).toEqual(['src', 'dst', 'relation', 'weight']);
    expect(rows).toHaveLength(1 + csr.edgeCount);
    expect(rows).toContainEqual(['1', '5', 'INTERACTED', '0.1']);
    expect(rows).toContainEqual(['0', '4', 'INTERACTED', '3.5']);
    expect(rows).toContainEqual(['3', '6', 'genre, main', '1']);
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    for (const v of [1 / 3, 2.718281828, 1e-7, 123456.789]) {
      const f = Math.fround(v);
      const text = float32Text(f);
      expect(Math.fround(Number(text)), text).toBe(f);
      expect(text.replace(/^0\.0*|[.-]|e.*$/g, '').length, text).toBeLessThanOrEqual(9);
    }
    expect(float32Text(Math.fround(1 / 3))).toBe('0.33333334');
  });

  it('writes the embeddings as float32 .npy in the artifact row order', () => {
    const u = decodeNpy(readFileSync(join(out, 'user_embeddings.npy')));
    expect(u.shape).toEqual([3, dim]);
    expect(u.data).toEqual(users);
    const i = decodeNpy(readFileSync(join(out, 'item_embeddings.npy')));
    expect(i.shape).toEqual([2, dim]);
    expect(i.data).toEqual(items);
  });

  it('writes a manifest whose sizes and hashes match the files', () => {
    const onDisk = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(onDisk).toEqual(manifest);
    expect(manifest).toMatchObject({ format: 'graphrec-export', version: 1, counts: { nodes: 7, edges: 7, users: 3, items: 3, entities: 1 }, relations: ['INTERACTED', 'genre, main'] });
    expect(manifest.embeddings).toMatchObject({ dim, users: 3, items: 2 });
    for (const f of manifest.files) {
      const bytes = readFileSync(join(out, f.file));
      expect(bytes.length, f.file).toBe(f.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), f.file).toBe(f.sha256);
    }
    expect(manifest.files.map((f) => f.file)).toEqual(['nodes.csv', 'edges.csv', 'user_embeddings.npy', 'item_embeddings.npy']);
  });

  it('skips the .npy files without embeddings', () => {
    const m = writeExport(join(dir, 'plain'), { csr, labels: new Map() });
    expect(m.embeddings).toBeNull();
    expect(m.files.map((f) => f.file)).toEqual(['nodes.csv', 'edges.csv']);
  });
});
