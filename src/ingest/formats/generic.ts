/**
 * @module ingest/formats/generic
 * The format users bring: one file per record type, CSV (RFC-4180, header line), TSV (header line, no quoting) or
 * JSONL (one object per line). Types and their columns (header names are matched case-insensitively, ignoring `_`, `-`
 * and spaces, and may carry a type annotation `age:number` / `age::number`):
 *   users        id, then any columns → props
 *   items        id, title, then any columns → props
 *   entities     id, kind, name (name defaults to the id)
 *   interactions user_id, item_id, kind?, rating?, weight?, timestamp?
 *   knowledge    head_kind?, head_id, relation, tail_kind?, tail_id   (head_kind defaults to item, tail_kind to entity)
 * A directory is read in the order users, items, entities, interactions, knowledge (nodes before edges); see
 * docs/data-formats.md for file names, defaults and validation rules.
 *
 * @example
 * const src = readGeneric('./my-shop');                       // users.csv, items.csv, interactions.csv, …
 * const one = readGeneric('./clicks.jsonl', { type: 'interactions' });
 */
import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { INTERACTION_BOUNDS } from '../../core/bounds.ts';
import { AppError } from '../../core/errors.ts';
import { VECTOR_PROPERTY_KEYS, type DataRecord, type NodeKind, type Props, type PropValue } from '../../core/model.ts';
import type { DatasetSource, ParsedRow, SourceFile } from '../source.ts';
import { afterHeader, assertReadableFile, isDirectory, readDelimited, readTextLines, type TextEncoding } from './text-lines.ts';
import { lookup, mapLines, mapRecords, reject, sourceFile } from './rows.ts';

export const GENERIC_TYPES = ['users', 'items', 'entities', 'interactions', 'knowledge'] as const;
export type GenericType = (typeof GENERIC_TYPES)[number];

export const GENERIC_DEFAULTS = {
  /** Text put in front of every user, item and entity id (e.g. `shop:`); empty = ids as written. */
  idPrefix: '',
  /** Accepted rating range (inclusive); a rating outside it rejects the row. The loader also applies config `bounds`. */
  ratingMin: INTERACTION_BOUNDS.ratingMin,
  ratingMax: INTERACTION_BOUNDS.ratingMax,
  /** Byte decoding of every file: `utf-8` (checked; a bad line is rejected) or `latin1` (ISO-8859-1, every byte valid). */
  encoding: 'utf-8' as TextEncoding,
};

export type GenericOptions = typeof GENERIC_DEFAULTS;

/** The accepted `--encoding` values and the decoding each stands for. */
export const GENERIC_ENCODINGS: Readonly<Record<string, TextEncoding>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
};

/** The decoding an `--encoding` value names; throws `AppError('BAD_REQUEST')` for another. */
export function parseEncoding(name: string): TextEncoding {
  const e = lookup(GENERIC_ENCODINGS, name.trim().toLowerCase());
  if (!e) throw new AppError('BAD_REQUEST', `${WHO}: unknown encoding ${JSON.stringify(name)} (use utf-8 or latin1)`);
  return e;
}

export const GENERIC_FORMAT = 'generic';

const WHO = 'ingest/generic';

/** File stems accepted for each type (`users.csv`, `ratings.tsv`, `kg.jsonl`, …). */
export const GENERIC_FILE_STEMS: Readonly<Record<GenericType, readonly string[]>> = {
  users: ['users', 'user'],
  items: ['items', 'item'],
  entities: ['entities', 'entity'],
  interactions: ['interactions', 'interaction', 'ratings', 'events'],
  knowledge: ['knowledge', 'triples', 'kg'],
};

type Syntax = 'csv' | 'tsv' | 'jsonl';
const EXTENSIONS: Readonly<Record<string, Syntax>> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** Canonical column names, keyed by normalized header text (lower case, no `_`, `-`, spaces). */
const ALIASES: Readonly<Record<GenericType, Readonly<Record<string, string>>>> = {
  users: { id: 'id', userid: 'id', user: 'id' },
  items: { id: 'id', itemid: 'id', item: 'id', title: 'title' },
  entities: { id: 'id', entityid: 'id', entity: 'id', kind: 'kind', type: 'kind', name: 'name', label: 'name' },
  interactions: {
    userid: 'user_id', user: 'user_id', itemid: 'item_id', item: 'item_id', kind: 'kind', event: 'kind',
    rating: 'rating', weight: 'weight', timestamp: 'timestamp', ts: 'timestamp', time: 'timestamp',
  },
  knowledge: {
    headkind: 'head_kind', headid: 'head_id', head: 'head_id', relation: 'relation', rel: 'relation', predicate: 'relation',
    tailkind: 'tail_kind', tailid: 'tail_id', tail: 'tail_id',
  },
};

/**
 * Header names of common public datasets, taken for a canonical column only when no column of {@link ALIASES} (nor an
 * earlier column of this table) already fills it; otherwise they stay ordinary extra columns. MovieLens (`movieId`),
 * HetRec / Last.fm (`artistID`, `tagID`, `tagValue`), BookCrossing (`ISBN`), Amazon-style (`reviewerID`, `asin`,
 * `productId`), `count`/`plays`/`playcount` for an interaction's weight, `name` for an item's title.
 */
const ITEM_ID_SOFT = ['movieid', 'movie', 'artistid', 'artist', 'trackid', 'track', 'songid', 'song', 'bookid', 'isbn', 'productid', 'product', 'asin'];
const USER_ID_SOFT = ['reviewerid', 'customerid', 'customer'];
const toCanonical = (names: readonly string[], canonical: string): Record<string, string> => Object.fromEntries(names.map((n) => [n, canonical]));
const SOFT_ALIASES: Readonly<Record<GenericType, Readonly<Record<string, string>>>> = {
  users: toCanonical(USER_ID_SOFT, 'id'),
  items: { ...toCanonical(ITEM_ID_SOFT, 'id'), name: 'title' },
  entities: { tagid: 'id', tag: 'id', tagvalue: 'name', value: 'name' },
  interactions: { ...toCanonical(USER_ID_SOFT, 'user_id'), ...toCanonical(ITEM_ID_SOFT, 'item_id'), count: 'weight', plays: 'weight', playcount: 'weight', listens: 'weight' },
  knowledge: {},
};

const REQUIRED: Readonly<Record<GenericType, readonly string[]>> = {
  users: ['id'],
  items: ['id', 'title'],
  entities: ['id', 'kind'],
  interactions: ['user_id', 'item_id'],
  knowledge: ['head_id', 'relation', 'tail_id'],
};

/** Which generic type a file name stands for (`users.csv`, `my_users.tsv`, `shop-ratings.jsonl`), or undefined. */
export function genericTypeOfFile(path: string): GenericType | undefined {
  const stem = basename(path, extname(path)).toLowerCase();
  for (const t of GENERIC_TYPES) {
    for (const s of GENERIC_FILE_STEMS[t]) {
      if (stem === s || stem.endsWith('_' + s) || stem.endsWith('-' + s) || stem.endsWith('.' + s)) return t;
    }
  }
  return undefined;
}

function syntaxOf(path: string): Syntax {
  const s = lookup(EXTENSIONS, extname(path).toLowerCase());
  if (!s) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: unsupported extension (use .csv, .tsv, .jsonl)`);
  return s;
}

const normalize = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');

type ValueType = 'string' | 'number' | 'boolean';

/** A header cell: `Age:number` → { name: 'Age', type: 'number' }. */
function parseHeaderCell(raw: string): { name: string; type: ValueType } {
  const text = raw.trim();
  const k = text.indexOf(':');
  if (k < 0) return { name: text, type: 'string' };
  const ann = text.slice(k + 1).replace(/^:/, '').trim().toLowerCase();
  const type: ValueType = ['number', 'float', 'int', 'integer', 'double'].includes(ann) ? 'number' : ['boolean', 'bool'].includes(ann) ? 'boolean' : 'string';
  return { name: text.slice(0, k).trim(), type };
}

/** One row, whatever the syntax: canonical fields and the other (prop) columns. */
interface Row {
  get(canonical: string): unknown;
  props: [name: string, value: unknown, type: ValueType][];
}

/** A delimited row: its cells, looked up by canonical name through the file's column index (no map per row). */
class CellsRow implements Row {
  constructor(
    private readonly cells: readonly string[],
    private readonly columnOf: ReadonlyMap<string, number>,
    readonly props: [name: string, value: unknown, type: ValueType][],
  ) {}
  get(canonical: string): unknown {
    const i = this.columnOf.get(canonical);
    return i === undefined ? undefined : this.cells[i];
  }
}

function text(row: Row, field: string): string | undefined {
  const v = row.get(field);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  reject(`${field} must be a string or a number`);
}

function id(row: Row, field: string, prefix: string): string {
  const v = text(row, field);
  if (v === undefined) reject(`missing field ${field}`);
  if (v.length === 0) reject(`empty ${field}`);
  return prefix + v;
}

function num(row: Row, field: string): number | undefined {
  const v = row.get(field);
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  const x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  if (!Number.isFinite(x)) reject(`${field} ${JSON.stringify(v)} is not a number`);
  return x;
}

/** Unix seconds from a number, a numeric string, or an ISO-8601 date/time. */
function timestamp(row: Row): number | undefined {
  const v = row.get('timestamp');
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  let x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  if (typeof v === 'string' && !Number.isFinite(x) && /^\d{4}-\d{2}-\d{2}/.test(v.trim())) {
    const ms = Date.parse(v.trim());
    if (Number.isFinite(ms)) x = Math.floor(ms / 1000);
  }
  if (!Number.isFinite(x)) reject(`timestamp ${JSON.stringify(v)} is neither unix seconds nor an ISO-8601 date`);
  if (x < 0) reject(`timestamp ${x} is negative`);
  return x;
}

function propValue(name: string, v: unknown, type: ValueType): PropValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v !== 'string') return JSON.stringify(v);
  const s = v.trim();
  if (s.length === 0) return undefined;
  if (type === 'number') {
    const x = Number(s);
    if (!Number.isFinite(x)) reject(`column ${name} ${JSON.stringify(s)} is not a number`);
    return x;
  }
  if (type === 'boolean') {
    const b = s.toLowerCase();
    if (['true', '1', 'yes'].includes(b)) return true;
    if (['false', '0', 'no'].includes(b)) return false;
    reject(`column ${name} ${JSON.stringify(s)} is not a boolean`);
  }
  return s;
}

/** A user or item column that would be stored where graphrec publishes trained vectors (core/model). */
const reservedColumn = (name: string) => `column ${name} is graphrec's own (trained vectors are published under it); rename it`;

function propsOf(row: Row): Props | undefined {
  const props: Props = {};
  let any = false;
  for (const [name, v, type] of row.props) {
    if (VECTOR_PROPERTY_KEYS.includes(name)) reject(reservedColumn(name));
    const p = propValue(name, v, type);
    if (p !== undefined) {
      props[name] = p;
      any = true;
    }
  }
  return any ? props : undefined;
}

function nodeKind(row: Row, field: string, fallback: NodeKind): NodeKind {
  const v = text(row, field);
  if (v === undefined || v.length === 0) return fallback;
  const k = v.toLowerCase();
  if (k === 'item') return 'Item';
  if (k === 'entity') return 'Entity';
  reject(`${field} ${JSON.stringify(v)} must be item or entity`);
}

/** Builds the records of one row of type `type`. */
function buildRecords(type: GenericType, row: Row, o: GenericOptions): DataRecord[] {
  const p = o.idPrefix;
  switch (type) {
    case 'users': {
      const props = propsOf(row);
      return [{ type: 'user', value: props ? { id: id(row, 'id', p), props } : { id: id(row, 'id', p) } }];
    }
    case 'items': {
      const itemId = id(row, 'id', p);
      const title = text(row, 'title');
      if (title === undefined) reject('missing field title');
      if (title.length === 0) reject('empty title');
      const props = propsOf(row);
      return [{ type: 'item', value: props ? { id: itemId, title, props } : { id: itemId, title } }];
    }
    case 'entities': {
      const entityId = id(row, 'id', p);
      const kind = text(row, 'kind');
      if (kind === undefined) reject('missing field kind');
      if (kind.length === 0) reject('empty kind');
      const name = text(row, 'name');
      return [{ type: 'entity', value: { id: entityId, kind, name: name ? name : entityId.slice(p.length) } }];
    }
    case 'interactions': {
      const userId = id(row, 'user_id', p);
      const itemId = id(row, 'item_id', p);
      const rating = num(row, 'rating');
      if (rating !== undefined && (rating < o.ratingMin || rating > o.ratingMax)) reject(`rating ${rating} is out of range [${o.ratingMin}, ${o.ratingMax}]`);
      const weight = num(row, 'weight') ?? rating ?? 1;
      if (weight < 0) reject(`weight ${weight} is negative`);
      const ts = timestamp(row);
      const kind = text(row, 'kind') || (rating !== undefined ? 'rating' : 'implicit');
      const value: DataRecord & { type: 'interaction' } = { type: 'interaction', value: { userId, itemId, kind, weight } };
      if (rating !== undefined) value.value.rating = rating;
      if (ts !== undefined) value.value.ts = ts;
      return [value];
    }
    case 'knowledge': {
      const headKind = nodeKind(row, 'head_kind', 'Item');
      const head = id(row, 'head_id', p);
      const relation = text(row, 'relation');
      if (relation === undefined) reject('missing field relation');
      if (relation.length === 0) reject('empty relation');
      const tailKind = nodeKind(row, 'tail_kind', 'Entity');
      const tail = id(row, 'tail_id', p);
      return [{ type: 'knowledge', value: { head: { kind: headKind, id: head }, relation, tail: { kind: tailKind, id: tail } } }];
    }
  }
}

interface Column {
  name: string;
  type: ValueType;
  canonical: string | undefined;
}

function delimitedFile(path: string, type: GenericType, syntax: 'csv' | 'tsv', o: GenericOptions): SourceFile {
  function read(): AsyncGenerator<ParsedRow[]> {
    let columns: Column[] | undefined;
    // Column of each canonical field (the last column of a name wins, as a map filled column by column would).
    const columnOf = new Map<string, number>();
    const records = afterHeader(readDelimited(path, syntax === 'csv' ? { delimiter: ',', quoted: true, encoding: o.encoding } : { delimiter: '\t', encoding: o.encoding }), (rec) => {
      if (rec === undefined) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: empty file (no header)`);
      if ('error' in rec) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: unreadable header (line ${rec.line}): ${rec.error}`);
      columns = headerColumns(rec.fields, type, path);
      columns.forEach((col, i) => col.canonical !== undefined && columnOf.set(col.canonical, i));
    });
    return mapRecords(path, records, (cells) => {
      const cols = columns as Column[];
      if (cells.length !== cols.length) reject(`wrong column count: expected ${cols.length}, got ${cells.length}`);
      const props: Row['props'] = [];
      for (let i = 0; i < cols.length; i++) if (cols[i]!.canonical === undefined) props.push([cols[i]!.name, cells[i] as string, cols[i]!.type]);
      return buildRecords(type, new CellsRow(cells, columnOf, props), o);
    });
  }
  return sourceFile(path, read);
}

function headerColumns(cells: string[], type: GenericType, path: string): Column[] {
  const aliases = ALIASES[type];
  const cols = cells.map((c) => {
    const h = parseHeaderCell(c);
    return { name: h.name, type: h.type, canonical: lookup(aliases, normalize(h.name)) };
  });
  const seen = new Set<string>();
  for (const c of cols) {
    if (c.canonical === undefined) continue;
    if (seen.has(c.canonical)) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: column ${c.canonical} appears twice in the header`);
    seen.add(c.canonical);
  }
  for (const c of cols) {
    const soft = c.canonical === undefined ? lookup(SOFT_ALIASES[type], normalize(c.name)) : undefined;
    if (soft !== undefined && !seen.has(soft)) {
      c.canonical = soft;
      seen.add(soft);
    }
  }
  if (type === 'users' || type === 'items') {
    const reserved = cols.find((c) => c.canonical === undefined && VECTOR_PROPERTY_KEYS.includes(c.name));
    if (reserved) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: ${reservedColumn(reserved.name)}`);
  }
  const missing = REQUIRED[type].filter((r) => !seen.has(r));
  if (missing.length > 0) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: header lacks ${missing.join(', ')} (a ${type} file needs ${REQUIRED[type].join(', ')})`);
  return cols;
}

/** Canonical field of each JSONL key of one object: {@link ALIASES} first, then the free {@link SOFT_ALIASES}. */
function jsonlCanonical(keys: readonly string[], type: GenericType): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const k of keys) {
    const c = lookup(ALIASES[type], normalize(k));
    if (c !== undefined) {
      out.set(k, c);
      taken.add(c);
    }
  }
  for (const k of keys) {
    if (out.has(k)) continue;
    const c = lookup(SOFT_ALIASES[type], normalize(k));
    if (c !== undefined && !taken.has(c)) {
      out.set(k, c);
      taken.add(c);
    }
  }
  return out;
}

function jsonlFile(path: string, type: GenericType, o: GenericOptions): SourceFile {
  return sourceFile(path, () =>
    mapLines(path, readTextLines(path, o.encoding), (text) => {
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (error) {
        reject(`invalid JSON: ${(error as Error).message}`);
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) reject('a JSONL line must be a JSON object');
      const byName = new Map<string, unknown>();
      const row: Row = { get: (c) => byName.get(c), props: [] };
      const canonicalOf = jsonlCanonical(Object.keys(obj as object), type);
      for (const [key, v] of Object.entries(obj as Record<string, unknown>)) {
        const canonical = canonicalOf.get(key);
        if (canonical !== undefined) byName.set(canonical, v);
        else if (key === 'props' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
          for (const [pk, pv] of Object.entries(v)) row.props.push([pk, pv, 'string']);
        } else row.props.push([key, v, 'string']);
      }
      return buildRecords(type, row, o);
    }),
  );
}

/** One generic file of a known type. Throws `AppError('BAD_REQUEST')` for a missing file or an unknown extension. */
export function genericFile(path: string, type: GenericType, options: Partial<GenericOptions> = {}): SourceFile {
  const o = { ...GENERIC_DEFAULTS, ...options } satisfies GenericOptions;
  if (!GENERIC_TYPES.includes(type)) throw new AppError('BAD_REQUEST', `${WHO}: unknown record type ${String(type)}`);
  if (o.encoding !== 'utf-8' && o.encoding !== 'latin1') throw new AppError('BAD_REQUEST', `${WHO}: unknown encoding ${JSON.stringify(o.encoding)} (use utf-8 or latin1)`);
  if (!(o.ratingMin <= o.ratingMax)) throw new AppError('BAD_REQUEST', `${WHO}: ratingMin must not exceed ratingMax`);
  assertReadableFile(path, WHO);
  const syntax = syntaxOf(path);
  return syntax === 'jsonl' ? jsonlFile(path, type, o) : delimitedFile(path, type, syntax, o);
}

/** The generic files of a directory, ordered users, items, entities, interactions, knowledge (then by name). */
export function genericFilesIn(dir: string): { path: string; type: GenericType }[] {
  const found: { path: string; type: GenericType }[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (lookup(EXTENSIONS, extname(name).toLowerCase()) === undefined) continue;
    const stem = basename(name, extname(name)).toLowerCase();
    const type = GENERIC_TYPES.find((t) => GENERIC_FILE_STEMS[t].includes(stem));
    if (type) found.push({ path: join(dir, name), type });
  }
  return found.sort((a, b) => GENERIC_TYPES.indexOf(a.type) - GENERIC_TYPES.indexOf(b.type));
}

/**
 * A generic directory (files named by type: `users.csv`, `items.jsonl`, `interactions.tsv`, …) or a single file whose
 * type is `options.type` or read off its name. Throws `AppError('BAD_REQUEST')` when nothing readable is found.
 */
export function readGeneric(path: string, options: Partial<GenericOptions> & { type?: GenericType } = {}): DatasetSource {
  const { type, ...rest } = options;
  const readOptions = readOptionsText(rest);
  const source = (files: SourceFile[]): DatasetSource => (readOptions ? { format: GENERIC_FORMAT, readOptions, files } : { format: GENERIC_FORMAT, files });
  if (isDirectory(path)) {
    const found = genericFilesIn(path);
    if (found.length === 0) {
      throw new AppError('BAD_REQUEST', `${WHO}: no users/items/entities/interactions/knowledge .csv/.tsv/.jsonl files in ${path}`);
    }
    return source(found.map((f) => genericFile(f.path, f.type, rest)));
  }
  assertReadableFile(path, WHO);
  const t = type ?? genericTypeOfFile(path);
  if (!t) throw new AppError('BAD_REQUEST', `${WHO}: cannot tell the record type of ${path}; name it users/items/entities/interactions/knowledge or give the type`);
  return source([genericFile(path, t, rest)]);
}

/** The options that differ from the defaults, in the defaults' order (`idPrefix=shop:,encoding=latin1`); '' when none. */
function readOptionsText(options: Partial<GenericOptions>): string {
  const parts: string[] = [];
  for (const key of Object.keys(GENERIC_DEFAULTS) as (keyof GenericOptions)[]) {
    const value = options[key];
    if (value !== undefined && value !== GENERIC_DEFAULTS[key]) parts.push(`${key}=${String(value)}`);
  }
  return parts.join(',');
}
