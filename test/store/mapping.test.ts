/**
 * The graph mapping file (store/mapping): validation with the path of the bad field, the database check, the quoting
 * rule of the mapped statements, and the id lookups (prefixes, integer ids).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.ts';
import { checkMappingAgainstDatabase, loadGraphMapping, parseGraphMapping, quoteName, renderMapped, ResolvedMapping } from '../../src/store/mapping.ts';
import { toEpochSeconds } from '../../src/store/mapped-read.ts';
import { cypher } from '../../src/store/cypher.ts';

const SHOP = {
  users: [{ label: 'Customer', id: 'customerId' }],
  items: [{ label: 'Product', id: 'sku', title: 'name' }],
  interactions: [{ type: 'BOUGHT', kind: 'purchase', weight: 'quantity', timestamp: 'at' }],
  entities: [
    { label: 'Category', id: 'name', name: 'name', kind: 'category', prefix: 'category:' },
    { label: 'Brand', id: 'name', name: 'name', kind: 'brand', prefix: 'brand:' },
  ],
  relations: [{ type: 'IN_CATEGORY', relation: 'category' }, { type: 'MADE_BY', relation: 'brand' }],
};

function configError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CONFIG');
    return error as AppError;
  }
  throw new Error('expected a CONFIG error');
}

describe('graph mapping: validation', () => {
  it('accepts the shop example (id property = name property) and fills the defaults', () => {
    const m = parseGraphMapping(SHOP);
    expect(m.users[0]).toEqual({ label: 'Customer', id: 'customerId', idType: 'string', prefix: '' });
    expect(m.interactions[0]!.direction).toBe('out');
    expect(m.entities[0]!.id).toBe(m.entities[0]!.name);
  });

  it('names the path of the bad field', () => {
    expect(configError(() => parseGraphMapping({ ...SHOP, items: [{ label: 'Product' }] })).message).toMatch(/items\[0\]\.id/);
    expect(configError(() => parseGraphMapping({ ...SHOP, interactions: [{ type: 'BOUGHT', kind: 'purchase', direction: 'sideways' }] })).message).toMatch(/interactions\[0\]\.direction/);
    expect(configError(() => parseGraphMapping({ ...SHOP, users: [] })).message).toMatch(/users: needs at least one user label/);
    expect(configError(() => parseGraphMapping({ ...SHOP, extra: 1 })).message).toMatch(/extra|Unrecognized/);
  });

  it('refuses a name with a backtick or a control character', () => {
    expect(configError(() => parseGraphMapping({ ...SHOP, users: [{ label: 'Cust`) DETACH DELETE (n', id: 'customerId' }] })).message).toMatch(/users\[0\]\.label: must not contain a backtick/);
    expect(configError(() => parseGraphMapping({ ...SHOP, relations: [{ type: 'IN\nCATEGORY' }] })).message).toMatch(/relations\[0\]\.type/);
  });

  it('refuses a label mapped twice and a type mapped twice', () => {
    expect(configError(() => parseGraphMapping({ ...SHOP, items: [{ label: 'Customer', id: 'sku' }] })).message).toMatch(/mapped twice/);
    expect(configError(() => parseGraphMapping({ ...SHOP, relations: [{ type: 'BOUGHT' }] })).message).toMatch(/relations\[0\]\.type.*mapped twice/);
  });

  it('reads a file and says when it is not JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'graphrec-mapping-'));
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(SHOP));
    expect(loadGraphMapping(good).items[0]!.title).toBe('name');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ users: ');
    expect(configError(() => loadGraphMapping(bad)).message).toMatch(/cannot read it as JSON/);
  });
});

describe('graph mapping: names must exist in the database', () => {
  const known = {
    labels: new Set(['Customer', 'Product', 'Category', 'Brand']),
    types: new Set(['BOUGHT', 'IN_CATEGORY', 'MADE_BY']),
    props: new Set(['customerId', 'sku', 'name', 'quantity', 'at']),
  };

  it('passes when every label, type and property is known', () => {
    expect(() => checkMappingAgainstDatabase(parseGraphMapping(SHOP), known)).not.toThrow();
  });

  it('names the field of a label, a type or a property the database does not have', () => {
    expect(configError(() => checkMappingAgainstDatabase(parseGraphMapping({ ...SHOP, users: [{ label: 'Client', id: 'customerId' }] }), known)).message).toMatch(/users\[0\]\.label: label "Client" is not among the database's labels/);
    expect(configError(() => checkMappingAgainstDatabase(parseGraphMapping({ ...SHOP, relations: [{ type: 'SIMILAR' }] }), known)).message).toMatch(/relations\[0\]\.type: relationship type "SIMILAR" is not among/);
    expect(configError(() => checkMappingAgainstDatabase(parseGraphMapping({ ...SHOP, items: [{ label: 'Product', id: 'ean' }] }), known)).message).toMatch(/items\[0\]\.id: property "ean" is not among/);
  });
});

describe('graph mapping: rendering mapped statements', () => {
  const mapping = new ResolvedMapping(parseGraphMapping(SHOP));

  it('quotes names with backticks (a backtick inside is doubled)', () => {
    expect(quoteName('Product')).toBe('`Product`');
    expect(quoteName('a`b')).toBe('`a``b`');
  });

  it('fills placeholders only with names of the mapping, quoted', () => {
    const text = renderMapped(cypher('mapped', 'node'), mapping, { label: 'Product', idProp: 'sku' });
    expect(text).toContain('MATCH (n:`Product` {`sku`: $id})');
    expect(renderMapped('MATCH ()-[:{{types}}]-()', mapping, { types: true })).toBe('MATCH ()-[:`BOUGHT`|`IN_CATEGORY`|`MADE_BY`]-()');
  });

  it('refuses a name the mapping does not hold (such as one taken from a request)', () => {
    expect(() => renderMapped(cypher('mapped', 'node'), mapping, { label: 'User', idProp: 'sku' })).toThrow(/needs a name of the graph mapping/);
    expect(() => renderMapped(cypher('mapped', 'node'), mapping, { label: 'Product`) DETACH DELETE (x', idProp: 'sku' })).toThrow(AppError);
    expect(() => renderMapped(cypher('mapped', 'node'), mapping, { label: 'Product' })).toThrow(/idProp/);
    expect(() => renderMapped('{{hops}}', mapping, { hops: 11 })).toThrow(/hops/);
  });

  it('finds the labels an id may belong to by prefix, and parses integer ids', () => {
    expect(mapping.candidates('Entity', 'category:Kitchen')).toEqual([{ label: 'Category', idProp: 'name', value: 'Kitchen' }]);
    expect(mapping.candidates('Entity', 'Kitchen')).toEqual([]);
    const numeric = new ResolvedMapping(parseGraphMapping({ ...SHOP, users: [{ label: 'Customer', id: 'customerId', idType: 'integer' }] }));
    expect(numeric.candidates('User', '42')).toEqual([{ label: 'Customer', idProp: 'customerId', value: 42 }]);
    expect(numeric.candidates('User', '42abc')).toEqual([]);
  });
});

describe('mapped values: timestamps', () => {
  it('reads integer seconds, ISO strings and leaves other values out', () => {
    expect(toEpochSeconds(1_700_000_000)).toBe(1_700_000_000);
    expect(toEpochSeconds('2026-11-01T10:00:00Z')).toBe(Date.UTC(2026, 10, 1, 10) / 1000);
    expect(toEpochSeconds('1700000000')).toBe(1_700_000_000);
    expect(toEpochSeconds(null)).toBeNull();
    expect(toEpochSeconds({})).toBeNull();
  });
});

describe('commands of graphrec own model refuse a mapped database', () => {
  it('ingest and doctor stop with CONFIG when a mapping file is set, and run without one', async () => {
    const { refuseMapped } = await import('../../src/store/open.ts');
    expect(configError(() => refuseMapped('shop.json', 'graphrec ingest')).message).toMatch(/graphrec ingest works on graphrec's own model only; unset GRAPHREC_GRAPH_MAPPING \(shop\.json\)/);
    expect(() => refuseMapped('', 'graphrec ingest')).not.toThrow();
    expect(() => refuseMapped(undefined, 'graphrec doctor')).not.toThrow();
  });
});

describe('graphrec own model written as a mapping', () => {
  it('is a valid mapping file (the docs show it)', async () => {
    const { DEFAULT_MAPPING_JSON } = await import('../../src/store/mapping.ts');
    const m = parseGraphMapping(DEFAULT_MAPPING_JSON);
    expect(m.users[0]!.label).toBe('User');
    expect(new ResolvedMapping(m).rels.RELATED!.type).toBe('RELATED');
  });
});
