/**
 * @module ingest/formats/kgcn
 * KGCN's Last.FM "music" data (TAB-separated, no names). Files, in this order:
 *   item_index2entity_id.txt → one item `kgcn:i:<artistID>` per mapped artist (title `Last.fm artist <artistID>`,
 *                              props artist_id, entity_id)
 *   user_artists.dat         → header `userID artistID weight`; KGCN filtering keeps only rows whose artist is mapped
 *                              (the others are dropped, not errors); users `kgcn:u:<userID>` the first time seen, and
 *                              interactions kind `listen`, weight = listening count
 *   kg.txt                   → `head relation tail` over integer entity ids: an id that the mapping gives to an artist is
 *                              that item, any other id the entity `kgcn:e:<id>` (name `entity <id>`, kind from the
 *                              relation, see relation-kinds.ts)
 *
 * @example
 * const src = readKgcn('../shared/data/kgcn-lastfm'); // 3,846 items, 1,872 users, 21,173 interactions, 15,518 triples
 */
import { join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { DataRecord, NodeRef } from '../../core/model.ts';
import type { DatasetSource, ParsedRow } from '../source.ts';
import { assertReadableFile, readDelimited } from './text-lines.ts';
import { KindVotes, expectColumns, firstSeen, mapRecords, requireId, requireInt, requireNumber, sourceFile } from './rows.ts';
import { relationEndKind } from './relation-kinds.ts';

export const KGCN_DEFAULTS = {
  /** Id prefix of this dataset's nodes. */
  prefix: 'kgcn',
  mappingFile: 'item_index2entity_id.txt',
  interactionsFile: 'user_artists.dat',
  kgFile: 'kg.txt',
};

export type KgcnOptions = typeof KGCN_DEFAULTS;

export const KGCN_FORMAT = 'kgcn';

const WHO = 'ingest/kgcn';

/** Loads the artist ↔ entity mapping (file-level errors throw: every other file depends on it). */
async function loadMapping(path: string): Promise<{ artistToEntity: Map<number, number>; entityToArtist: Map<number, number> }> {
  const artistToEntity = new Map<number, number>();
  const entityToArtist = new Map<number, number>();
  for await (const batch of readDelimited(path, { delimiter: '\t' })) {
    for (const rec of batch) {
      const a = 'fields' in rec && rec.fields.length === 2 ? Number(rec.fields[0]) : NaN;
      const e = 'fields' in rec && rec.fields.length === 2 ? Number(rec.fields[1]) : NaN;
      if (!Number.isInteger(a) || !Number.isInteger(e)) throw new AppError('BAD_REQUEST', `${WHO}: ${path} line ${rec.line}: expected artistID TAB entityID`);
      artistToEntity.set(a, e);
      entityToArtist.set(e, a);
    }
  }
  return { artistToEntity, entityToArtist };
}

/** The KGCN Last.FM directory as a source. Throws `AppError('BAD_REQUEST')` when a file is missing. */
export function readKgcn(dir: string, options: Partial<KgcnOptions> = {}): DatasetSource {
  const o = { ...KGCN_DEFAULTS, ...options } satisfies KgcnOptions;
  const paths = { mapping: join(dir, o.mappingFile), inter: join(dir, o.interactionsFile), kg: join(dir, o.kgFile) };
  for (const p of Object.values(paths)) assertReadableFile(p, WHO);
  const userId = (u: number) => `${o.prefix}:u:${u}`;
  const itemId = (a: number) => `${o.prefix}:i:${a}`;

  const items = sourceFile(paths.mapping, () =>
    mapRecords(paths.mapping, readDelimited(paths.mapping, { delimiter: '\t' }), (cells) => {
      expectColumns(cells, 2);
      const artist = requireInt(cells[0], 'artistID', { min: 0 });
      const entity = requireInt(cells[1], 'entityID', { min: 0 });
      return [{ type: 'item', value: { id: itemId(artist), title: `Last.fm artist ${artist}`, props: { artist_id: artist, entity_id: entity } } }];
    }),
  );

  async function* readInteractions(): AsyncGenerator<ParsedRow[]> {
    const { artistToEntity } = await loadMapping(paths.mapping);
    const seen = new Set<number>();
    let header = true;
    yield* mapRecords(paths.inter, readDelimited(paths.inter, { delimiter: '\t' }), (cells) => {
      if (header) {
        header = false;
        if (cells[0]?.trim() === 'userID') return null;
      }
      expectColumns(cells, 3);
      const user = requireInt(cells[0], 'userID', { min: 0 });
      const artist = requireInt(cells[1], 'artistID', { min: 0 });
      const weight = requireNumber(cells[2], 'weight', { min: 0 });
      if (!artistToEntity.has(artist)) return null;
      const out: DataRecord[] = [];
      if (!seen.has(user)) {
        seen.add(user);
        out.push({ type: 'user', value: { id: userId(user) } });
      }
      out.push({ type: 'interaction', value: { userId: userId(user), itemId: itemId(artist), kind: 'listen', weight } });
      return out;
    });
  }

  async function* readKg(): AsyncGenerator<ParsedRow[]> {
    const { entityToArtist } = await loadMapping(paths.mapping);
    const votes = new KindVotes();
    for await (const batch of readDelimited(paths.kg, { delimiter: '\t' })) {
      for (const rec of batch) {
        if ('error' in rec || rec.fields.length !== 3) continue;
        const [h, r, t] = rec.fields.map((s) => s.trim()) as [string, string, string];
        if (!entityToArtist.has(Number(h))) votes.add(h, relationEndKind(r, 'head'));
        if (!entityToArtist.has(Number(t))) votes.add(t, relationEndKind(r, 'tail'));
      }
    }
    const seen = new Set<string>();
    yield* mapRecords(paths.kg, readDelimited(paths.kg, { delimiter: '\t' }), (cells) => {
      expectColumns(cells, 3);
      const h = requireInt(cells[0], 'head', { min: 0 });
      const relation = requireId(cells[1], 'relation');
      const t = requireInt(cells[2], 'tail', { min: 0 });
      const nodes: DataRecord[] = [];
      const ref = (e: number, end: 'head' | 'tail'): NodeRef => {
        const artist = entityToArtist.get(e);
        if (artist !== undefined) return { kind: 'Item', id: itemId(artist) };
        const id = `${o.prefix}:e:${e}`;
        const node = firstSeen(seen, { id, kind: votes.kindOf(String(e), relationEndKind(relation, end)), name: `entity ${e}` });
        if (node) nodes.push(node);
        return { kind: 'Entity', id };
      };
      const head = ref(h, 'head');
      const tail = ref(t, 'tail');
      return [...nodes, { type: 'knowledge', value: { head, relation, tail } }];
    });
  }

  return { format: KGCN_FORMAT, files: [items, sourceFile(paths.inter, readInteractions), sourceFile(paths.kg, readKg)] };
}
