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
import { log } from '../core/log.ts';
import { DEFAULTS } from '../core/config.ts';
import { interactionsHeavyTailed, transformInteractionWeights, type WeightsConfig } from '../core/weight-transform.ts';
import type { Interactions } from '../compute/lightgcn/graph.ts';
import type { DatasetSource } from '../ingest/source.ts';
import { INTERACTION_RELATION_ID, KIND_CODES, kindName, type Csr } from '../project/csr.ts';

/** Interaction pairs with an optional weight per pair (the served graph's edge weight; 1 when absent). */
export interface WeightedInteractions extends Interactions {
  weights?: Float32Array;
}

/** Interactions with optional per-pair timestamps, ratings and weights. */
export interface InteractionLog extends WeightedInteractions {
  timestamps?: Float64Array;
  ratings?: Float32Array;
}

/** One item → entity knowledge edge (item index, entity graph id, relation name). */
export interface KnowledgeEdge {
  item: number;
  entity: string;
  relation: string;
}

/**
 * A dataset with its parts in one id space. `valid` is absent when the source has no validation file. Graph ids and
 * knowledge edges are optional (the served graph then names nodes `<name>:u:<index>` / `<name>:i:<index>`).
 */
export interface SplitDataset {
  name: string;
  nUsers: number;
  nItems: number;
  train: WeightedInteractions;
  valid?: WeightedInteractions;
  test: WeightedInteractions;
  userIds?: readonly string[];
  itemIds?: readonly string[];
  knowledge?: readonly KnowledgeEdge[];
  /** Relation names of `knowledge`, registered in this order. */
  relations?: readonly string[];
  /** The interactions are heavy-tailed counts (see {@link SourceLog}); the served strategies use that regime. */
  heavyTailed?: boolean;
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

/** Reads MovieLens `u.data` (tab-separated user, item, rating, timestamp; 1-based ids) as an interaction log (weight = rating). */
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
    weights: Float32Array.from(rs),
    timestamps: Float64Array.from(ts),
  };
}

/** An interaction log read from an ingest source, with its ids and the item → entity knowledge edges. */
export interface SourceLog extends InteractionLog {
  userIds: string[];
  itemIds: string[];
  knowledge: KnowledgeEdge[];
  /** Relation names of `knowledge`, in first-seen order. */
  relations: string[];
  /** Edge weight per pair (see {@link readSourceLog}). */
  weights: Float32Array;
  /** The interactions are heavy-tailed counts (core/weight-transform `interactionsHeavyTailed`; retrieve/context `heavyTailed`). */
  heavyTailed?: boolean;
}

/**
 * Reads any ingest source (`generic:DIR`, `movielens-dbpedia:…`, … — what `graphrec ingest` loads) into an
 * interaction log, the way the store keeps it: per (user, item, kind) the latest event by `ts` wins (file order when
 * equal or absent); each kind's weights go through the kind's transform (core/weight-transform, `options.weights`
 * [the config defaults], as the projection does; its statistics are taken over the whole log, before any split); a
 * (user, item) pair is one interaction whose weight is the sum of its kinds' transformed weights and whose time
 * is the latest of them. Users and items get indices in the order they are first declared (user / item records) or,
 * failing that, first used by an interaction; item → entity knowledge edges are kept (entity → entity ones are not
 * used by the served graph's item walk and are dropped). Rows the format rejects are left out with one warning (count
 * and the first reason), as `graphrec ingest` would leave them out of the database.
 */
export async function readSourceLog(source: DatasetSource, options: { weights?: WeightsConfig } = {}): Promise<SourceLog> {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const indexOf = (map: Map<string, number>, ids: string[], id: string): number => {
    let i = map.get(id);
    if (i === undefined) {
      i = ids.push(id) - 1;
      map.set(id, i);
    }
    return i;
  };
  // (user, item) → kind → latest event
  const events = new Map<string, Map<string, { weight: number; ts: number; rating: number | undefined }>>();
  const order: Array<{ u: number; i: number; key: string }> = [];
  const knowledge: KnowledgeEdge[] = [];
  const relations: string[] = [];
  const pendingKnowledge: Array<{ item: string; entity: string; relation: string }> = [];
  let rejected = 0;
  let firstRejected = '';
  for (const file of source.files) {
    for await (const rows of file.read()) {
      for (const row of rows) {
        if (!row.ok) {
          if (rejected++ === 0) firstRejected = `${row.pos.file}:${row.pos.line}: ${row.reason}`;
          continue;
        }
        for (const record of row.records) {
          if (record.type === 'user') indexOf(userIndex, userIds, record.value.id);
          else if (record.type === 'item') indexOf(itemIndex, itemIds, record.value.id);
          else if (record.type === 'interaction') {
            const v = record.value;
            const u = indexOf(userIndex, userIds, v.userId);
            const i = indexOf(itemIndex, itemIds, v.itemId);
            const key = `${u}\u0000${i}`;
            let kinds = events.get(key);
            if (!kinds) {
              kinds = new Map();
              events.set(key, kinds);
              order.push({ u, i, key });
            }
            const ts = v.ts ?? -Infinity;
            const prev = kinds.get(v.kind);
            if (!prev || ts >= prev.ts) kinds.set(v.kind, { weight: v.weight, ts, rating: v.rating });
          } else if (record.type === 'knowledge') {
            const { head, tail, relation } = record.value;
            if (head.kind === 'Item' && tail.kind === 'Entity') pendingKnowledge.push({ item: head.id, entity: tail.id, relation });
            else if (head.kind === 'Entity' && tail.kind === 'Item') pendingKnowledge.push({ item: tail.id, entity: head.id, relation });
          }
        }
      }
    }
  }
  if (rejected > 0) log.warn('evaluate: rows the loader rejected are left out', { rejected, first: firstRejected });
  if (order.length === 0) throw new AppError('BAD_REQUEST', `evaluate/datasets: the ${source.format} source holds no interactions`);
  for (const k of pendingKnowledge) {
    const item = itemIndex.get(k.item);
    if (item === undefined) continue;
    if (!relations.includes(k.relation)) relations.push(k.relation);
    knowledge.push({ item, entity: k.entity, relation: k.relation });
  }
  // Per-kind transforms over every (pair, kind) event, as the projection applies them.
  const evUsers: number[] = [];
  const evKinds: string[] = [];
  const evWeights: number[] = [];
  for (const { u, key } of order) {
    for (const [kind, e] of events.get(key)!) {
      evUsers.push(u);
      evKinds.push(kind);
      evWeights.push(e.weight);
    }
  }
  const weightsCfg = options.weights ?? DEFAULTS.weights;
  const { weights: transformed, stats } = transformInteractionWeights(weightsCfg, { users: evUsers, kinds: evKinds, weights: evWeights });
  const heavyTailed = interactionsHeavyTailed(weightsCfg, Object.values(stats));
  let ev = 0;
  const n = order.length;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const weights = new Float32Array(n);
  const timestamps = new Float64Array(n);
  let timed = true;
  order.forEach(({ u, i, key }, t) => {
    users[t] = u;
    items[t] = i;
    let w = 0;
    let ts = -Infinity;
    for (const e of events.get(key)!.values()) {
      w += transformed[ev++]!;
      if (e.ts > ts) ts = e.ts;
    }
    weights[t] = w;
    timestamps[t] = ts;
    if (ts === -Infinity) timed = false;
  });
  return {
    nUsers: userIds.length,
    nItems: itemIds.length,
    users,
    items,
    weights,
    ...(timed ? { timestamps } : {}),
    userIds,
    itemIds,
    knowledge,
    relations,
    heavyTailed,
  };
}

/**
 * The log of a projection (`--dataset neo4j`: what the served engine reads out of the database): users and items in
 * node order, one interaction per (user, item) edge with the projection's weight (the kinds already combined), the
 * item → entity knowledge edges. A projection holds no times, so only the random and leave-one-out splits apply.
 */
export function sourceLogFromProjection(csr: Csr): SourceLog {
  const userOf = new Int32Array(csr.nodeCount).fill(-1);
  const itemOf = new Int32Array(csr.nodeCount).fill(-1);
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const strip = (v: number) => {
    const key = csr.ids.at(v)!;
    const prefix = `${kindName(csr.kinds[v]!)}:`;
    return key.startsWith(prefix) ? key.slice(prefix.length) : key;
  };
  for (let v = 0; v < csr.nodeCount; v++) {
    if (csr.kinds[v] === KIND_CODES.User) userOf[v] = userIds.push(strip(v)) - 1;
    else if (csr.kinds[v] === KIND_CODES.Item) itemOf[v] = itemIds.push(strip(v)) - 1;
  }
  const us: number[] = [];
  const is: number[] = [];
  const ws: number[] = [];
  const knowledge: KnowledgeEdge[] = [];
  const relations: string[] = [];
  for (let v = 0; v < csr.nodeCount; v++) {
    for (let e = csr.outStarts[v]!; e < csr.outStarts[v + 1]!; e++) {
      const t = csr.outTargets[e]!;
      const rel = csr.outRelations[e]!;
      if (rel === INTERACTION_RELATION_ID && userOf[v]! >= 0 && itemOf[t]! >= 0) {
        us.push(userOf[v]!);
        is.push(itemOf[t]!);
        ws.push(csr.outWeights[e]!);
      } else if (rel !== INTERACTION_RELATION_ID && itemOf[v]! >= 0 && csr.kinds[t] === KIND_CODES.Entity) {
        const relation = csr.relations[rel]!;
        if (!relations.includes(relation)) relations.push(relation);
        knowledge.push({ item: itemOf[v]!, entity: strip(t), relation });
      }
    }
  }
  if (us.length === 0) throw new AppError('BAD_REQUEST', 'evaluate/datasets: the database holds no interactions');
  return { nUsers: userIds.length, nItems: itemIds.length, users: Int32Array.from(us), items: Int32Array.from(is), weights: Float32Array.from(ws), userIds, itemIds, knowledge, relations };
}
