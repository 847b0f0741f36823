/**
 * LightGCN++'s split of Gowalla's training pairs (719,081 train → 91,047 valid; the test file is not read), for the
 * benches that choose or check something on validation data (`sampled`, `ann`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Interactions } from '../../src/compute/lightgcn/graph.ts';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { parseLightGcnText } from '../../src/evaluate/datasets.ts';
import { emit } from './_neo4j.ts';

export interface GowallaValid {
  nUsers: number;
  nItems: number;
  train: Interactions;
  valid: Interactions;
}

/** The split, or undefined (after printing why and setting the exit code) when ../shared/data lacks it. */
export function gowallaValidSplit(bench: string): GowallaValid | undefined {
  const folder = path.join(SHARED_DATA_DIR, 'lightgcn-gowalla', 'lightgcnpp-split');
  if (!existsSync(path.join(folder, 'train.txt')) || !existsSync(path.join(folder, 'valid.txt'))) {
    emit({ error: `bench ${bench} needs ${folder}/train.txt and valid.txt (../shared/data is absent)` });
    process.exitCode = 1;
    return undefined;
  }
  const tr = parseLightGcnText(readFileSync(path.join(folder, 'train.txt'), 'utf8'), 'train.txt');
  const va = parseLightGcnText(readFileSync(path.join(folder, 'valid.txt'), 'utf8'), 'valid.txt');
  const nUsers = Math.max(tr.maxUser, va.maxUser) + 1;
  const nItems = Math.max(tr.maxItem, va.maxItem) + 1;
  return { nUsers, nItems, train: { nUsers, nItems, users: tr.users, items: tr.items }, valid: { nUsers, nItems, users: va.users, items: va.items } };
}
