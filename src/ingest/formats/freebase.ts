/**
 * @module ingest/formats/freebase
 * RecBole atomic knowledge files for MovieLens (`<name>.link`: item_id TAB entity_id; `<name>.kg`: head_id TAB
 * relation_id TAB tail_id; both TAB-separated with a typed header line `name:token`). Every triple is one knowledge
 * edge with the Freebase relation path kept as its name (`film.film.directed_by`). A MID that `.link` maps to a
 * MovieLens item becomes that item (`ml100k:i:<item_id>`); any other MID becomes the entity `fb:<mid>` named by its MID
 * (the data has no names), with a kind read off the relation (`film.film.directed_by` tail → `person`, see
 * relation-kinds.ts), by majority over all triples naming it. New entities come before the edge in their row.
 *
 * @example
 * const src = readFreebase('../shared/data/ml-100k-kg-freebase'); // 91,631 triples
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { DataRecord, NodeRef } from '../../core/model.ts';
import type { DatasetSource, ParsedRow } from '../source.ts';
import { afterHeader, assertReadableFile, isDirectory, readDelimited } from './text-lines.ts';
import { KindVotes, expectColumns, firstSeen, mapRecords, requireId, sourceFile } from './rows.ts';
import { MOVIELENS_DEFAULTS, movieLensIds } from './movielens.ts';
import { relationEndKind } from './relation-kinds.ts';

export const FREEBASE_DEFAULTS = {
  /** MovieLens id prefix that linked items join to. */
  itemPrefix: MOVIELENS_DEFAULTS.prefix,
  /** Id prefix of unlinked MIDs (`fb:m.0abc`). */
  entityPrefix: 'fb',
};

export type FreebaseOptions = typeof FREEBASE_DEFAULTS;

export const FREEBASE_FORMAT = 'freebase';

const WHO = 'ingest/freebase';

/** Finds the one `*.<ext>` file of a RecBole dataset folder. */
function findOne(dir: string, ext: string): string {
  if (!isDirectory(dir)) throw new AppError('BAD_REQUEST', `${WHO}: not a directory: ${dir}`);
  const hits = readdirSync(dir).filter((f) => f.endsWith('.' + ext)).sort();
  if (hits.length !== 1) throw new AppError('BAD_REQUEST', `${WHO}: expected exactly one *.${ext} file in ${dir}, found ${hits.length}`);
  return join(dir, hits[0] as string);
}

/** True when the first cell of a RecBole header starts with `name` (`head_id:token`). */
function headerOk(cells: string[], names: string[]): boolean {
  return cells.length === names.length && names.every((n, i) => (cells[i] ?? '').trim().split(':')[0] === n);
}

/** Loads `.link` into MID → MovieLens item id. The table is small and must be intact (else BAD_REQUEST). */
async function loadLinks(path: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const records = afterHeader(readDelimited(path, { delimiter: '\t' }), (rec) => {
    if (rec === undefined) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: empty file (no header)`);
    if ('error' in rec) throw new AppError('BAD_REQUEST', `${WHO}: ${path} line ${rec.line}: ${rec.error}`);
    if (!headerOk(rec.fields, ['item_id', 'entity_id'])) throw new AppError('BAD_REQUEST', `${WHO}: ${path}: header must be item_id:token TAB entity_id:token`);
  });
  for await (const batch of records) {
    for (const rec of batch) {
      if ('error' in rec) throw new AppError('BAD_REQUEST', `${WHO}: ${path} line ${rec.line}: ${rec.error}`);
      const [item, mid] = rec.fields.map((s) => s.trim());
      if (rec.fields.length !== 2 || !item || !mid) throw new AppError('BAD_REQUEST', `${WHO}: ${path} line ${rec.line}: expected item_id TAB entity_id`);
      links.set(mid, item);
    }
  }
  return links;
}

/**
 * Reads `<name>.kg` with `<name>.link` from a RecBole dataset folder. Throws `AppError('BAD_REQUEST')` when either file is
 * missing, ambiguous, or has the wrong header.
 */
export function readFreebase(dir: string, options: Partial<FreebaseOptions> = {}): DatasetSource {
  const o = { ...FREEBASE_DEFAULTS, ...options } satisfies FreebaseOptions;
  const kgPath = findOne(dir, 'kg');
  const linkPath = findOne(dir, 'link');
  assertReadableFile(kgPath, WHO);
  assertReadableFile(linkPath, WHO);
  const ids = movieLensIds(o.itemPrefix);

  /** The batches of records after the header. */
  const triples = () =>
    afterHeader(readDelimited(kgPath, { delimiter: '\t' }), (rec) => {
      if (rec === undefined) throw new AppError('BAD_REQUEST', `${WHO}: ${kgPath}: empty file (no header)`);
      if ('error' in rec || !headerOk(rec.fields, ['head_id', 'relation_id', 'tail_id'])) {
        throw new AppError('BAD_REQUEST', `${WHO}: ${kgPath}: header must be head_id:token TAB relation_id:token TAB tail_id:token`);
      }
    });

  async function* read(): AsyncGenerator<ParsedRow[]> {
    const links = await loadLinks(linkPath);
    const votes = new KindVotes();
    for await (const batch of triples()) {
      for (const rec of batch) {
        if ('error' in rec || rec.fields.length !== 3) continue;
        const [h, r, t] = rec.fields.map((s) => s.trim()) as [string, string, string];
        if (!links.has(h)) votes.add(h, relationEndKind(r, 'head'));
        if (!links.has(t)) votes.add(t, relationEndKind(r, 'tail'));
      }
    }
    const seen = new Set<string>();
    yield* mapRecords(kgPath, triples(), (cells) => {
      expectColumns(cells, 3);
      const h = requireId(cells[0], 'head_id');
      const relation = requireId(cells[1], 'relation_id');
      const t = requireId(cells[2], 'tail_id');
      const nodes: DataRecord[] = [];
      const ref = (mid: string, end: 'head' | 'tail'): NodeRef => {
        const item = links.get(mid);
        if (item !== undefined) return { kind: 'Item', id: ids.item(item) };
        const id = `${o.entityPrefix}:${mid}`;
        const node = firstSeen(seen, { id, kind: votes.kindOf(mid, relationEndKind(relation, end)), name: mid });
        if (node) nodes.push(node);
        return { kind: 'Entity', id };
      };
      const head = ref(h, 'head');
      const tail = ref(t, 'tail');
      return [...nodes, { type: 'knowledge', value: { head, relation, tail } }];
    });
  }

  return { format: FREEBASE_FORMAT, files: [sourceFile(kgPath, read)] };
}
