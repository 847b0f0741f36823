/**
 * @module ingest/formats/movielens
 * MovieLens 100K directory reader. Files, in this order (nodes before the edges that use them):
 *   u.genre → genre entities `ml100k:genre:<name>` (kind `genre`)
 *   u.user  → users `ml100k:u:<id>` with props age (number), gender, occupation, zip (string: some are not numeric)
 *   u.item  → items `ml100k:i:<id>` (latin-1) with title, release_date, year, imdb_url, and one `genre` knowledge
 *             edge item→genre per set flag (the 19 flags follow u.genre's order)
 *   u.data  → interactions kind `rating`, rating = weight = 1–5, ts = unix seconds (or another ratings file such as
 *             u1.base through `ratingsFile`)
 *
 * @example
 * const src = readMovieLens('../shared/data/ml-100k');
 * for (const f of src.files) for await (const row of f.read()) …
 */
import { join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { DataRecord, Props } from '../../core/model.ts';
import type { DatasetSource, ParsedRow, SourceFile } from '../source.ts';
import { assertReadableFile, readDelimited } from './text-lines.ts';
import { cell, expectColumns, mapRecords, reject, requireId, requireInt, sourceFile } from './rows.ts';

export const MOVIELENS_DEFAULTS = {
  /** Id prefix of every node of this dataset (`<prefix>:u:1`, `<prefix>:i:1`, `<prefix>:genre:Comedy`). */
  prefix: 'ml100k',
  /** Ratings file inside the directory: `u.data` (all 100,000), or a split such as `u1.base` / `ua.base`. */
  ratingsFile: 'u.data',
};

export type MovieLensOptions = typeof MOVIELENS_DEFAULTS;

export const MOVIELENS_FORMAT = 'movielens-100k';

/** Id helpers of the MovieLens scheme; the DBpedia and Freebase readers join to items through `item`. */
export function movieLensIds(prefix: string = MOVIELENS_DEFAULTS.prefix) {
  return {
    user: (id: number | string) => `${prefix}:u:${id}`,
    item: (id: number | string) => `${prefix}:i:${id}`,
    genre: (name: string) => `${prefix}:genre:${name}`,
  };
}

/** The MovieLens 100K files a directory must hold. */
export const MOVIELENS_FILES = ['u.genre', 'u.user', 'u.item'] as const;

const WHO = 'ingest/movielens';
const YEAR_IN_TITLE = /\((\d{4})\)\s*$/;
const YEAR_IN_DATE = /^\d{1,2}-[A-Za-z]{3}-(\d{4})$/;

/** Reads u.genre into names by index; rows that are not `name|index` are file-level errors (the table is tiny). */
async function loadGenres(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const batch of readDelimited(path, { delimiter: '|' })) {
    for (const rec of batch) {
      if ('error' in rec || rec.fields.length !== 2) throw new AppError('BAD_REQUEST', `${WHO}: unreadable genre table ${path} line ${rec.line}`);
      const name = rec.fields[0]?.trim() ?? '';
      const idx = Number(rec.fields[1]);
      if (name.length === 0 || !Number.isInteger(idx) || idx < 0 || names[idx] !== undefined) {
        throw new AppError('BAD_REQUEST', `${WHO}: bad genre entry at ${path} line ${rec.line}`);
      }
      names[idx] = name;
    }
  }
  for (let i = 0; i < names.length; i += 1) {
    if (names[i] === undefined) throw new AppError('BAD_REQUEST', `${WHO}: genre index ${i} missing in ${path}`);
  }
  if (names.length === 0) throw new AppError('BAD_REQUEST', `${WHO}: empty genre table ${path}`);
  return names;
}

function genreFile(path: string, ids: ReturnType<typeof movieLensIds>): SourceFile {
  return sourceFile(path, () =>
    mapRecords(path, readDelimited(path, { delimiter: '|' }), (cells) => {
      expectColumns(cells, 2);
      const name = requireId(cells[0], 'genre name');
      requireInt(cells[1], 'genre index', { min: 0 });
      return [{ type: 'entity', value: { id: ids.genre(name), kind: 'genre', name } }];
    }),
  );
}

function userFile(path: string, ids: ReturnType<typeof movieLensIds>): SourceFile {
  return sourceFile(path, () =>
    mapRecords(path, readDelimited(path, { delimiter: '|' }), (cells) => {
      expectColumns(cells, 5);
      const id = requireInt(cells[0], 'user_id', { min: 0 });
      const age = requireInt(cells[1], 'age', { min: 0, max: 150 });
      const props: Props = { age };
      const gender = cell(cells, 2, 'gender');
      const occupation = cell(cells, 3, 'occupation');
      const zip = cell(cells, 4, 'zip');
      if (gender) props.gender = gender;
      if (occupation) props.occupation = occupation;
      if (zip) props.zip = zip;
      return [{ type: 'user', value: { id: ids.user(id), props } }];
    }),
  );
}

function itemFile(path: string, genrePath: string, ids: ReturnType<typeof movieLensIds>): SourceFile {
  async function* read(): AsyncGenerator<ParsedRow[]> {
    const genres = await loadGenres(genrePath);
    yield* mapRecords(path, readDelimited(path, { delimiter: '|', encoding: 'latin1' }), (cells) => {
      expectColumns(cells, 5 + genres.length);
      const id = requireInt(cells[0], 'item_id', { min: 0 });
      const title = requireId(cells[1], 'title');
      const releaseDate = cell(cells, 2, 'release_date');
      const imdbUrl = cell(cells, 4, 'imdb_url');
      const props: Props = {};
      if (releaseDate) props.release_date = releaseDate;
      const year = YEAR_IN_DATE.exec(releaseDate)?.[1] ?? YEAR_IN_TITLE.exec(title)?.[1];
      if (year) props.year = Number(year);
      if (imdbUrl) props.imdb_url = imdbUrl;
      const itemId = ids.item(id);
      const out: DataRecord[] = [{ type: 'item', value: { id: itemId, title, props } }];
      for (let g = 0; g < genres.length; g += 1) {
        const flag = cells[5 + g]?.trim();
        if (flag === '1') {
          out.push({ type: 'knowledge', value: { head: { kind: 'Item', id: itemId }, relation: 'genre', tail: { kind: 'Entity', id: ids.genre(genres[g] as string) } } });
        } else if (flag !== '0') {
          reject(`genre flag ${genres[g]} ${JSON.stringify(flag)} is not 0 or 1`);
        }
      }
      return out;
    });
  }
  return sourceFile(path, read);
}

/** Reads a MovieLens ratings file (u.data layout: user TAB item TAB rating TAB timestamp). */
export function movieLensRatingsFile(path: string, prefix: string = MOVIELENS_DEFAULTS.prefix): SourceFile {
  const ids = movieLensIds(prefix);
  return sourceFile(path, () =>
    mapRecords(path, readDelimited(path, { delimiter: '\t' }), (cells) => {
      expectColumns(cells, 4);
      const user = requireInt(cells[0], 'user_id', { min: 0 });
      const item = requireInt(cells[1], 'item_id', { min: 0 });
      const rating = requireInt(cells[2], 'rating', { min: 1, max: 5 });
      const ts = requireInt(cells[3], 'timestamp', { min: 0 });
      return [{ type: 'interaction', value: { userId: ids.user(user), itemId: ids.item(item), kind: 'rating', rating, weight: rating, ts } }];
    }),
  );
}

/**
 * The MovieLens 100K directory as a source. Throws `AppError('BAD_REQUEST')` when a required file is missing.
 */
export function readMovieLens(dir: string, options: Partial<MovieLensOptions> = {}): DatasetSource {
  const o = { ...MOVIELENS_DEFAULTS, ...options } satisfies MovieLensOptions;
  const ids = movieLensIds(o.prefix);
  const paths = {
    genre: join(dir, 'u.genre'),
    user: join(dir, 'u.user'),
    item: join(dir, 'u.item'),
    data: join(dir, o.ratingsFile),
  };
  for (const p of Object.values(paths)) assertReadableFile(p, WHO);
  return {
    format: MOVIELENS_FORMAT,
    files: [genreFile(paths.genre, ids), userFile(paths.user, ids), itemFile(paths.item, paths.genre, ids), movieLensRatingsFile(paths.data, o.prefix)],
  };
}
