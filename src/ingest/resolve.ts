/**
 * @module ingest/resolve
 * Turns a dataset spec (CLI argument, `GRAPHREC_DATA`) into a `DatasetSource`:
 *   demo | demo:<seed>                           the seeded demo catalogue
 *   movielens:<ml-100k dir>                      MovieLens 100K
 *   movielens-dbpedia:<ml-100k dir>,<dbpedia dir> MovieLens 100K, then its DBpedia knowledge graph
 *   dbpedia:<dbpedia dir>                        the DBpedia knowledge graph alone (items must exist already)
 *   freebase:<ml-100k dir>,<kg dir>              MovieLens 100K, then the Freebase KG (RecBole .link/.kg)
 *   kgcn:<dir>                                   KGCN Last.FM
 *   lightgcn:<dir> | lightgcn-train:<dir>        LightGCN train.txt (+ valid/test.txt when present) | train.txt only
 *   generic:<dir or file> | generic:<type>=<file> the documented CSV/TSV/JSONL format
 *   <dir or file>                                auto-detected by its files
 * Throws `AppError('BAD_REQUEST')` for an unknown spec or missing files.
 *
 * @example
 * const source = resolveDataset('movielens-dbpedia:../shared/data/ml-100k,../shared/data/ml-100k-dbpedia');
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import type { DatasetSource } from './source.ts';
import { createDemoSource, DEMO_DEFAULTS } from './demo.ts';
import { readMovieLens } from './formats/movielens.ts';
import { readDbpedia } from './formats/dbpedia.ts';
import { readFreebase } from './formats/freebase.ts';
import { readKgcn } from './formats/kgcn.ts';
import { readLightGcn } from './formats/lightgcn.ts';
import { GENERIC_TYPES, genericFilesIn, readGeneric, type GenericType } from './formats/generic.ts';
import { isDirectory, isFile, type TextEncoding } from './formats/text-lines.ts';

export interface ResolveOptions {
  /** Seed for a bare `demo` spec (`demo:<seed>` overrides it). */
  demoSeed?: number;
  /** Byte decoding of generic files (`latin1` for ISO-8859-1 exports); the other formats have their own. ['utf-8'] */
  encoding?: TextEncoding;
}

const WHO = 'ingest/resolve';

/** Concatenates sources: files in order, format names joined with `+`. */
export function concatSources(...sources: DatasetSource[]): DatasetSource {
  return { format: sources.map((s) => s.format).join('+'), files: sources.flatMap((s) => s.files) };
}

function twoDirs(kind: string, rest: string): [string, string] {
  const k = rest.lastIndexOf(',');
  const a = rest.slice(0, k).trim();
  const b = rest.slice(k + 1).trim();
  if (k < 0 || !a || !b) throw new AppError('BAD_REQUEST', `${WHO}: ${kind} needs two folders: ${kind}:<ml-100k dir>,<kg dir>`);
  return [a, b];
}

/** Auto-detects the format of a directory or file path. */
function detect(path: string, generic: { encoding?: TextEncoding }): DatasetSource {
  if (isFile(path)) return readGeneric(path, generic);
  if (!isDirectory(path)) throw new AppError('BAD_REQUEST', `${WHO}: no such file or directory: ${path}`);
  const has = (f: string) => existsSync(join(path, f));
  if (has('u.data') && has('u.item') && has('u.user')) return readMovieLens(path);
  if (has('enriched.csv')) return readDbpedia(path);
  if (has('user_artists.dat') && has('item_index2entity_id.txt') && has('kg.txt')) return readKgcn(path);
  if (has('train.txt')) return readLightGcn(path);
  const names = readdirSync(path);
  if (names.some((n) => n.endsWith('.kg')) && names.some((n) => n.endsWith('.link'))) {
    throw new AppError('BAD_REQUEST', `${WHO}: ${path} holds a Freebase KG; give its MovieLens folder too: freebase:<ml-100k dir>,${path}`);
  }
  if (genericFilesIn(path).length > 0) return readGeneric(path, generic);
  throw new AppError('BAD_REQUEST', `${WHO}: cannot tell the dataset format of ${path} (see docs/data-formats.md)`);
}

/** The dataset source a spec names. */
export function resolveDataset(spec: string, options: ResolveOptions = {}): DatasetSource {
  const s = spec.trim();
  const generic = options.encoding ? { encoding: options.encoding } : {};
  if (s.length === 0) throw new AppError('BAD_REQUEST', `${WHO}: empty dataset spec`);
  if (s === 'demo') return createDemoSource({ seed: options.demoSeed ?? DEMO_DEFAULTS.seed });
  const colon = s.indexOf(':');
  const kind = colon > 0 ? s.slice(0, colon) : '';
  const rest = colon > 0 ? s.slice(colon + 1).trim() : '';
  switch (kind) {
    case 'demo': {
      if (!/^-?\d+$/.test(rest)) throw new AppError('BAD_REQUEST', `${WHO}: demo seed must be an integer: ${spec}`);
      return createDemoSource({ seed: Number(rest) });
    }
    case 'movielens':
      return readMovieLens(rest);
    case 'dbpedia':
      return readDbpedia(rest);
    case 'movielens-dbpedia': {
      const [ml, kg] = twoDirs(kind, rest);
      return concatSources(readMovieLens(ml), readDbpedia(kg));
    }
    case 'freebase': {
      const [ml, kg] = twoDirs(kind, rest);
      return concatSources(readMovieLens(ml), readFreebase(kg));
    }
    case 'kgcn':
      return readKgcn(rest);
    case 'lightgcn':
      return readLightGcn(rest, { splits: ['train', 'valid', 'test'].filter((p) => p === 'train' || isFile(join(rest, `${p}.txt`))) as ('train' | 'valid' | 'test')[] });
    case 'lightgcn-train':
      return readLightGcn(rest, { splits: ['train'] });
    case 'generic': {
      const eq = rest.indexOf('=');
      const type = eq > 0 ? rest.slice(0, eq) : '';
      if (GENERIC_TYPES.includes(type as GenericType)) return readGeneric(rest.slice(eq + 1), { type: type as GenericType, ...generic });
      return readGeneric(rest, generic);
    }
    default:
      return detect(s, generic);
  }
}
