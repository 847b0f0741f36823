/**
 * @module evaluate/datasets
 * Readers for the benchmark formats, straight into typed arrays (0-based indices):
 * - the LightGCN text format (`train.txt`/`test.txt`, one line per user: `user item item …`, space separated), and
 *   the LightGCN++ folders with `train.txt`/`valid.txt`/`test.txt`;
 * - MovieLens `u.data` (`user \t item \t rating \t timestamp`, 1-based ids remapped to 0-based).
 * A dataset holds one id space (nUsers, nItems) shared by its parts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import type { Interactions } from '../compute/lightgcn/graph.ts';

/** Interactions with optional per-pair timestamps and ratings. */
export interface InteractionLog extends Interactions {
  timestamps?: Float64Array;
  ratings?: Float32Array;
}

/** A dataset with its parts in one id space. `valid` is absent when the source has no validation file. */
export interface SplitDataset {
  name: string;
  nUsers: number;
  nItems: number;
  train: Interactions;
  valid?: Interactions;
  test: Interactions;
}

interface RawPairs {
  users: Int32Array;
  items: Int32Array;
  maxUser: number;
  maxItem: number;
}

/** Parses one LightGCN-format file (`user item item …` per line). */
export function parseLightGcnText(text: string, source = 'input'): RawPairs {
  const users: number[] = [];
  const items: number[] = [];
  let maxUser = -1;
  let maxItem = -1;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const parts = trimmed.split(/\s+/);
    const u = Number(parts[0]);
    if (!Number.isInteger(u) || u < 0) throw new AppError('BAD_REQUEST', `evaluate/datasets: ${source}:${lineNo}: bad user id ${JSON.stringify(parts[0])}`);
    if (u > maxUser) maxUser = u;
    for (let k = 1; k < parts.length; k++) {
      const i = Number(parts[k]);
      if (!Number.isInteger(i) || i < 0) throw new AppError('BAD_REQUEST', `evaluate/datasets: ${source}:${lineNo}: bad item id ${JSON.stringify(parts[k])}`);
      if (i > maxItem) maxItem = i;
      users.push(u);
      items.push(i);
    }
  }
  return { users: Int32Array.from(users), items: Int32Array.from(items), maxUser, maxItem };
}

function readPairs(path: string): RawPairs {
  if (!existsSync(path)) throw new AppError('NOT_FOUND', `evaluate/datasets: ${path} not found`);
  return parseLightGcnText(readFileSync(path, 'utf8'), path);
}

/**
 * Reads a LightGCN / LightGCN++ folder: `train.txt` and `test.txt`, plus `valid.txt` when present (or `validFile`).
 * With `mergeValidIntoTrain`, the validation pairs are added to the training set (the "train+valid → test" protocol).
 */
export function loadLightGcnFolder(folder: string, options: { validFile?: string; trainFile?: string; mergeValidIntoTrain?: boolean } = {}): SplitDataset {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new AppError('NOT_FOUND', `evaluate/datasets: ${folder} is not a folder`);
  const trainPath = join(folder, options.trainFile ?? 'train.txt');
  const validPath = options.validFile ?? join(folder, 'valid.txt');
  const train = readPairs(trainPath);
  const test = readPairs(join(folder, 'test.txt'));
  const valid = existsSync(validPath) ? readPairs(validPath) : undefined;
  const nUsers = Math.max(train.maxUser, test.maxUser, valid?.maxUser ?? -1) + 1;
  const nItems = Math.max(train.maxItem, test.maxItem, valid?.maxItem ?? -1) + 1;
  const wrap = (p: RawPairs): Interactions => ({ nUsers, nItems, users: p.users, items: p.items });
  let trainSet = wrap(train);
  let validSet = valid ? wrap(valid) : undefined;
  if (validSet && options.mergeValidIntoTrain) {
    trainSet = concatInteractions(trainSet, validSet);
    validSet = undefined;
  }
  const name = folder.replace(/\/+$/, '').split('/').pop() ?? folder;
  return { name, nUsers, nItems, train: trainSet, ...(validSet ? { valid: validSet } : {}), test: wrap(test) };
}

/** Concatenates interaction sets of the same id space. */
export function concatInteractions(a: Interactions, b: Interactions): Interactions {
  if (a.nUsers !== b.nUsers || a.nItems !== b.nItems) throw new AppError('BAD_REQUEST', 'evaluate/datasets: id spaces differ');
  const users = new Int32Array(a.users.length + b.users.length);
  const items = new Int32Array(users.length);
  users.set(a.users);
  users.set(b.users, a.users.length);
  items.set(a.items);
  items.set(b.items, a.items.length);
  return { nUsers: a.nUsers, nItems: a.nItems, users, items };
}

/** Reads MovieLens `u.data` (tab-separated user, item, rating, timestamp; 1-based ids) as an interaction log. */
export function readMovieLensUData(path: string, options: { minRating?: number } = {}): InteractionLog {
  if (!existsSync(path)) throw new AppError('NOT_FOUND', `evaluate/datasets: ${path} not found`);
  const minRating = options.minRating ?? 0;
  const us: number[] = [];
  const is: number[] = [];
  const rs: number[] = [];
  const ts: number[] = [];
  let maxU = 0;
  let maxI = 0;
  let lineNo = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    const [u, i, r, t] = line.split('\t').map(Number);
    if (!Number.isInteger(u) || !Number.isInteger(i) || u! < 1 || i! < 1 || !Number.isFinite(r) || !Number.isFinite(t)) {
      throw new AppError('BAD_REQUEST', `evaluate/datasets: ${path}:${lineNo}: malformed line`);
    }
    if (r! < minRating) continue;
    us.push(u! - 1);
    is.push(i! - 1);
    rs.push(r!);
    ts.push(t!);
    if (u! > maxU) maxU = u!;
    if (i! > maxI) maxI = i!;
  }
  return {
    nUsers: maxU,
    nItems: maxI,
    users: Int32Array.from(us),
    items: Int32Array.from(is),
    ratings: Float32Array.from(rs),
    timestamps: Float64Array.from(ts),
  };
}
