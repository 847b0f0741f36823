/**
 * @module ingest/formats/lightgcn
 * The NGCF / LightGCN implicit-feedback layout: `train.txt`, `test.txt` (and LightGCN++'s `valid.txt`), one line per
 * user, `user item item …`, space-separated (any whitespace accepted), 0-based ids. Users `<prefix>:u:<n>` and items
 * `<prefix>:i:<n>` (title `item <n>`) are emitted the first time a file mentions them, so each file stands alone
 * (a user present in train.txt and test.txt gets a node record in both; writes are idempotent); interactions are kind
 * `implicit`, weight 1. The prefix defaults to the folder name (`lightgcn-gowalla`).
 *
 * @example
 * const src = readLightGcn('../shared/data/lightgcn-gowalla', { splits: ['train'] }); // 810,128 interactions
 */
import { basename, join, resolve } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { DataRecord } from '../../core/model.ts';
import type { DatasetSource, ParsedRow, SourceFile } from '../source.ts';
import { assertReadableFile, isFile, readTextLines } from './text-lines.ts';
import { mapLines, requireInt, sourceFile } from './rows.ts';

export const LIGHTGCN_SPLITS = ['train', 'valid', 'test'] as const;
export type LightGcnSplit = (typeof LIGHTGCN_SPLITS)[number];

export const LIGHTGCN_DEFAULTS = {
  /** Id prefix; empty = the folder's name, lower-cased, with characters other than [a-z0-9_-] replaced by `-`. */
  prefix: '',
  /** Files to read, in this order; `train` must exist, a missing default `test`/`valid` is skipped. */
  splits: ['train', 'test'] as LightGcnSplit[],
};

export type LightGcnOptions = typeof LIGHTGCN_DEFAULTS;

export const LIGHTGCN_FORMAT = 'lightgcn';

const WHO = 'ingest/lightgcn';

/** The default prefix for a folder: `…/lightgcn-gowalla` → `lightgcn-gowalla`. */
export function lightGcnPrefix(dir: string): string {
  const name = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return name.length > 0 ? name : 'lightgcn';
}

/** One `user item item …` file. */
export function lightGcnFile(path: string, prefix: string): SourceFile {
  const userId = (u: number) => `${prefix}:u:${u}`;
  const itemId = (i: number) => `${prefix}:i:${i}`;
  function read(): AsyncGenerator<ParsedRow[]> {
    const users = new Set<number>();
    const items = new Set<number>();
    return mapLines(path, readTextLines(path), (text) => {
      const tokens = text.trim().split(/\s+/);
      const user = requireInt(tokens[0], 'user id', { min: 0 });
      const itemIds: number[] = [];
      for (let k = 1; k < tokens.length; k += 1) itemIds.push(requireInt(tokens[k], `item id (token ${k + 1})`, { min: 0 }));
      const nodes: DataRecord[] = [];
      const edges: DataRecord[] = [];
      if (!users.has(user)) {
        users.add(user);
        nodes.push({ type: 'user', value: { id: userId(user) } });
      }
      for (const i of itemIds) {
        if (!items.has(i)) {
          items.add(i);
          nodes.push({ type: 'item', value: { id: itemId(i), title: `item ${i}` } });
        }
        edges.push({ type: 'interaction', value: { userId: userId(user), itemId: itemId(i), kind: 'implicit', weight: 1 } });
      }
      return [...nodes, ...edges];
    });
  }
  return sourceFile(path, read);
}

/** A LightGCN-format folder as a source. Throws `AppError('BAD_REQUEST')` when `train.txt` or a requested split is missing. */
export function readLightGcn(dir: string, options: Partial<LightGcnOptions> = {}): DatasetSource {
  const explicit = options.splits !== undefined;
  const o = { ...LIGHTGCN_DEFAULTS, ...options } satisfies LightGcnOptions;
  if (o.splits.length === 0) throw new AppError('BAD_REQUEST', `${WHO}: no splits requested`);
  for (const s of o.splits) {
    if (!LIGHTGCN_SPLITS.includes(s)) throw new AppError('BAD_REQUEST', `${WHO}: unknown split ${String(s)} (expected ${LIGHTGCN_SPLITS.join(', ')})`);
  }
  const prefix = o.prefix || lightGcnPrefix(dir);
  const files: SourceFile[] = [];
  for (const split of o.splits) {
    const path = join(dir, `${split}.txt`);
    if (split !== 'train' && !explicit && !isFile(path)) continue;
    assertReadableFile(path, WHO);
    files.push(lightGcnFile(path, prefix));
  }
  return { format: LIGHTGCN_FORMAT, files };
}
