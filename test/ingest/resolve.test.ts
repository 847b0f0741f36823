import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';

const root = mkdtempSync(join(tmpdir(), 'graphrec-resolve-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder holding the named files (empty: resolving only looks at names; reading is tested per format). */
function folder(name: string, files: string[]): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const f of files) writeFileSync(join(d, f), '');
  return d;
}

const ml = folder('ml-100k', ['u.genre', 'u.user', 'u.item', 'u.data']);
const dbp = folder('ml-100k-dbpedia', ['enriched.csv', 'map.csv']);
const fb = folder('ml-100k-kg-freebase', ['ml-100k.kg', 'ml-100k.link', 'ml-100k.inter']);
const kgcn = folder('kgcn-lastfm', ['user_artists.dat', 'item_index2entity_id.txt', 'kg.txt']);
const lgcn = folder('lightgcnpp-lastfm', ['train.txt', 'valid.txt', 'test.txt']);
const generic = folder('shop', ['users.csv', 'interactions.jsonl']);

const names = (spec: string) => {
  const src = resolveDataset(spec);
  return [src.format, ...src.files.map((f) => f.path.slice(root.length + 1))];
};

function badRequest(spec: string): boolean {
  try {
    resolveDataset(spec);
  } catch (error) {
    return isAppError(error, 'BAD_REQUEST');
  }
  return false;
}

describe('resolveDataset', () => {
  it('resolves the demo with the default, given and configured seeds', () => {
    expect(resolveDataset('demo').files.map((f) => f.path)).toEqual(['demo:42']);
    expect(resolveDataset('demo:7').files.map((f) => f.path)).toEqual(['demo:7']);
    expect(resolveDataset('demo', { demoSeed: 9 }).files.map((f) => f.path)).toEqual(['demo:9']);
    expect(resolveDataset('demo').format).toBe('demo');
  });

  it('resolves every named format', () => {
    expect(names(`movielens:${ml}`)).toEqual(['movielens-100k', 'ml-100k/u.genre', 'ml-100k/u.user', 'ml-100k/u.item', 'ml-100k/u.data']);
    expect(names(`movielens-dbpedia:${ml},${dbp}`)).toEqual(['movielens-100k+dbpedia', 'ml-100k/u.genre', 'ml-100k/u.user', 'ml-100k/u.item', 'ml-100k/u.data', 'ml-100k-dbpedia/enriched.csv']);
    expect(names(`freebase:${ml},${fb}`)).toEqual(['movielens-100k+freebase', 'ml-100k/u.genre', 'ml-100k/u.user', 'ml-100k/u.item', 'ml-100k/u.data', 'ml-100k-kg-freebase/ml-100k.kg']);
    expect(names(`dbpedia:${dbp}`)).toEqual(['dbpedia', 'ml-100k-dbpedia/enriched.csv']);
    expect(names(`kgcn:${kgcn}`)).toEqual(['kgcn', 'kgcn-lastfm/item_index2entity_id.txt', 'kgcn-lastfm/user_artists.dat', 'kgcn-lastfm/kg.txt']);
    expect(names(`lightgcn:${lgcn}`)).toEqual(['lightgcn', 'lightgcnpp-lastfm/train.txt', 'lightgcnpp-lastfm/valid.txt', 'lightgcnpp-lastfm/test.txt']);
    expect(names(`lightgcn-train:${lgcn}`)).toEqual(['lightgcn', 'lightgcnpp-lastfm/train.txt']);
    expect(names(`generic:${generic}`)).toEqual(['generic', 'shop/users.csv', 'shop/interactions.jsonl']);
    expect(names(`generic:interactions=${join(generic, 'users.csv')}`)).toEqual(['generic', 'shop/users.csv']);
  });

  it('auto-detects a plain directory or file by its files', () => {
    expect(names(ml)[0]).toBe('movielens-100k');
    expect(names(dbp)[0]).toBe('dbpedia');
    expect(names(kgcn)[0]).toBe('kgcn');
    expect(names(lgcn)[0]).toBe('lightgcn');
    expect(names(generic)[0]).toBe('generic');
    expect(names(join(generic, 'users.csv'))).toEqual(['generic', 'shop/users.csv']);
  });

  it('rejects unknown, incomplete and malformed specs with BAD_REQUEST', () => {
    expect(badRequest('')).toBe(true);
    expect(badRequest(join(root, 'missing'))).toBe(true);
    expect(badRequest('demo:abc')).toBe(true);
    expect(badRequest(`movielens-dbpedia:${ml}`)).toBe(true);
    expect(badRequest(`movielens:${dbp}`)).toBe(true);
    expect(badRequest(fb)).toBe(true);
    expect(badRequest(folder('nothing', ['readme.md']))).toBe(true);
  });
});
