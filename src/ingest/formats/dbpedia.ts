/**
 * @module ingest/formats/dbpedia
 * FranKGraphBench's ML-100K ↔ DBpedia file `enriched.csv` (RFC-4180 CSV, quoted multi-line abstracts, UTF-8). Each row
 * is one MovieLens item; the list cells producer, distributor, writer, cinematography, subject, starring, director hold
 * DBpedia URIs joined by `::` (split only after CSV parsing). Emits, per row, the entities seen for the first time and
 * then one knowledge edge item→entity per (relation, URI); relation = the column name. Items themselves come from the
 * MovieLens reader (`ml100k:i:<item_id>`); the abstract is not emitted (items are not re-written by this reader).
 *
 * Ids: `http://dbpedia.org/resource/<name>` → `dbpedia:<name>` (categories keep their `Category:` prefix,
 * `dbpedia:Category:1995_films`); any other URI → `dbpedia:<uri>`. Display name: resource name with `_` → space,
 * percent-decoded, a trailing disambiguator such as ` (English actor)` removed, and `Category:` dropped. Kind: subject →
 * `category`, distributor → `company`, the other five → `person`; an entity named under relations of different kinds gets
 * the kind named most often (a first pass over the file counts them; ties → first seen).
 *
 * @example
 * const src = readDbpedia('../shared/data/ml-100k-dbpedia'); // 36,805 item–entity edges, 10,619 entities
 */
import { join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { DataRecord, EntityRecord } from '../../core/model.ts';
import type { DatasetSource, ParsedRow } from '../source.ts';
import { afterHeader, assertReadableFile, isFile, readDelimited } from './text-lines.ts';
import { KindVotes, firstSeen, lookup, mapRecords, reject, requireInt, sourceFile } from './rows.ts';
import { MOVIELENS_DEFAULTS, movieLensIds } from './movielens.ts';

export const DBPEDIA_DEFAULTS = {
  /** MovieLens id prefix the item ids join to. */
  itemPrefix: MOVIELENS_DEFAULTS.prefix,
  /** Separator of URIs inside a list cell. */
  listSeparator: '::',
};

export type DbpediaOptions = typeof DBPEDIA_DEFAULTS;

export const DBPEDIA_FORMAT = 'dbpedia';

/** Relation columns of enriched.csv and the entity kind each implies. */
export const DBPEDIA_RELATION_KINDS: Readonly<Record<string, string>> = {
  producer: 'person',
  distributor: 'company',
  writer: 'person',
  cinematography: 'person',
  subject: 'category',
  starring: 'person',
  director: 'person',
};

const WHO = 'ingest/dbpedia';
const RESOURCE_PREFIXES = ['http://dbpedia.org/resource/', 'https://dbpedia.org/resource/'];

/** `http://dbpedia.org/resource/Ridley_Scott` → `dbpedia:Ridley_Scott`; other URIs keep their full text. */
export function dbpediaEntityId(uri: string): string {
  for (const p of RESOURCE_PREFIXES) if (uri.startsWith(p)) return 'dbpedia:' + uri.slice(p.length);
  return 'dbpedia:' + uri;
}

/**
 * Display name of a DBpedia URI: `Kenneth_%22Babyface%22_Edmonds` → `Kenneth "Babyface" Edmonds`,
 * `Tom_Wilkinson_(English_actor)` → `Tom Wilkinson`, `Category:1995_films` → `1995 films`. Non-DBpedia URIs are returned as is.
 */
export function dbpediaDisplayName(uri: string): string {
  const prefix = RESOURCE_PREFIXES.find((p) => uri.startsWith(p));
  if (prefix === undefined) return uri;
  let name = uri.slice(prefix.length);
  try {
    name = decodeURIComponent(name);
  } catch {
    // Not valid percent-encoding: keep the raw text.
  }
  name = name.replace(/^Category:/, '').replace(/_/g, ' ').trim();
  const m = /^(.+?)\s+\([^()]*\)$/.exec(name);
  return m?.[1] ?? name;
}

interface Layout {
  itemCol: number;
  relations: { col: number; relation: string }[];
  columns: number;
}

/** Header cells look like `item_id::string`; the part before `::` is the column name. */
function layoutOf(header: string[], path: string): Layout {
  const names = header.map((h) => (h.split('::')[0] ?? '').trim().toLowerCase());
  const itemCol = names.indexOf('item_id');
  const relations = names.flatMap((n, col) => (lookup(DBPEDIA_RELATION_KINDS, n) !== undefined ? [{ col, relation: n }] : []));
  if (itemCol < 0 || relations.length === 0) {
    throw new AppError('BAD_REQUEST', `${WHO}: ${path}: header needs item_id and at least one of ${Object.keys(DBPEDIA_RELATION_KINDS).join(', ')}`);
  }
  return { itemCol, relations, columns: header.length };
}

/** Splits a list cell into distinct non-empty URIs (order kept). */
function splitList(value: string | undefined, sep: string): string[] {
  if (!value) return [];
  return [...new Set(value.split(sep).map((s) => s.trim()).filter((s) => s.length > 0))];
}

/**
 * Reads `enriched.csv` from a directory (or the file itself). Throws `AppError('BAD_REQUEST')` when it is missing or its
 * header lacks the item and relation columns.
 */
export function readDbpedia(dirOrFile: string, options: Partial<DbpediaOptions> = {}): DatasetSource {
  const o = { ...DBPEDIA_DEFAULTS, ...options } satisfies DbpediaOptions;
  const path = isFile(dirOrFile) ? dirOrFile : join(dirOrFile, 'enriched.csv');
  assertReadableFile(path, WHO);
  const ids = movieLensIds(o.itemPrefix);

  // The header's layout, read again by each pass over the file (the same each time).
  let layout: Layout | undefined;
  const records = () =>
    afterHeader(readDelimited(path, { delimiter: ',', quoted: true }), (rec) => {
      if (rec === undefined) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: empty file (no header)`);
      if ('error' in rec) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: unreadable header: ${rec.error}`);
      layout = layoutOf(rec.fields, path);
    });

  async function* read(): AsyncGenerator<ParsedRow[]> {
    // Pass 1: the kind of every entity, by vote over the relations that name it.
    const votes = new KindVotes();
    for await (const batch of records()) {
      const lay = layout as Layout;
      for (const rec of batch) {
        if ('error' in rec || rec.fields.length !== lay.columns) continue;
        for (const { col, relation } of lay.relations) {
          for (const uri of splitList(rec.fields[col], o.listSeparator)) votes.add(uri, DBPEDIA_RELATION_KINDS[relation] as string);
        }
      }
    }
    // Pass 2: rows.
    const seen = new Set<string>();
    const lay = layout as Layout;
    yield* mapRecords(path, records(), (cells) => {
      if (cells.length !== lay.columns) reject(`wrong column count: expected ${lay.columns}, got ${cells.length}`);
      const itemId = ids.item(requireInt(cells[lay.itemCol], 'item_id', { min: 0 }));
      const nodes: DataRecord[] = [];
      const edges: DataRecord[] = [];
      for (const { col, relation } of lay.relations) {
        for (const uri of splitList(cells[col], o.listSeparator)) {
          const entity: EntityRecord = { id: dbpediaEntityId(uri), kind: votes.kindOf(uri, DBPEDIA_RELATION_KINDS[relation] as string), name: dbpediaDisplayName(uri) };
          const node = firstSeen(seen, entity);
          if (node) nodes.push(node);
          edges.push({ type: 'knowledge', value: { head: { kind: 'Item', id: itemId }, relation, tail: { kind: 'Entity', id: entity.id } } });
        }
      }
      return [...nodes, ...edges];
    });
  }

  return { format: DBPEDIA_FORMAT, files: [sourceFile(path, read)] };
}
