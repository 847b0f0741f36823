/**
 * @module store/bulk-writer
 * The Neo4j side of `graphrec ingest` (ingest/load orchestrates: reads the source files, validates rows, batches them,
 * reports row errors): one write transaction per batch (nodes first, then edges, then the file's checkpoint), edges as
 * parallel lists keyed by 64-bit integers (`interactionKey` / `knowledgeKey`), CREATE while keys are new and MERGE once
 * one exists (see {@link EdgeMode}). Sessions come from `openSession`, so the bookmarks of committed batches reach
 * every later read of the process.
 */
import type { Integer, ManagedTransaction, Session } from 'neo4j-driver';
import { AppError } from '../core/errors.ts';
import { kindKey, supersedes } from '../core/interactions.ts';
import type { EntityRecord, InteractionRecord, ItemRecord, KnowledgeRecord, SourcePosition, UserRecord } from '../core/model.ts';
import { cypher, render } from './cypher.ts';
import { openSession, type Database } from './driver.ts';
import { interactionKey, knowledgeKey, mapDriverError } from './neo4j-graph-store.ts';
import { int, toNumber } from './records.ts';

export interface RecordCounts {
  users: number;
  items: number;
  entities: number;
  interactions: number;
  knowledge: number;
}

export interface Located<T> {
  pos: SourcePosition;
  value: T;
}

/** One batch of rows, nodes and edges, in file order within each list. */
export interface BatchRows {
  users: UserRecord[];
  items: ItemRecord[];
  entities: EntityRecord[];
  interactions: Located<InteractionRecord>[];
  knowledge: Located<KnowledgeRecord>[];
}

export interface Checkpoint {
  /** Rows of the file committed so far. */
  rows: number;
  /** The whole file is committed. */
  done: boolean;
}

/**
 * How edges are written. `create`: CREATE without looking (a fresh load); `probe`: one cheap index look-up per batch
 * decides between CREATE (no key exists yet) and MERGE; `merge`: always MERGE. A file starts in `create`; the first
 * batch that meets an existing key fails on the unique constraint, is re-run with `merge`, and the file goes on in
 * `probe`, so a re-load pays one wasted batch per file and a fresh load pays nothing.
 */
export type EdgeMode = 'create' | 'probe' | 'merge';

export interface Rejection {
  pos: SourcePosition;
  reason: string;
}

export interface BatchResult {
  counts: RecordCounts;
  /** Reported only once the transaction has committed (a retried transaction must not report twice). */
  rejections: Rejection[];
}

const KNOWLEDGE_PAIRS = new Set(['Item>Entity', 'Entity>Entity', 'Item>Item', 'Entity>Item']);

/** A number that is equal for equal keys (and rarely for different ones): spots repeated keys within a batch. */
function keyNumber(key: Integer): number {
  return key.high * 4294967296 + (key.low >>> 0);
}

function hasRepeats(keys: Integer[]): boolean {
  const seen = new Set<number>();
  for (const key of keys) {
    const k = keyNumber(key);
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** CREATE when the mode allows it and none of `keys` exists (checked with `probe` in probe mode), else MERGE. */
async function chooseCreate(tx: ManagedTransaction, mode: EdgeMode, keys: Integer[], probe: string): Promise<boolean> {
  if (mode === 'merge' || hasRepeats(keys)) return false;
  if (mode === 'create') return true;
  return (await tx.run(probe, { keys })).records.length === 0;
}

async function writeInteractions(tx: ManagedTransaction, batch: Located<InteractionRecord>[], mode: EdgeMode, rejections: Rejection[]): Promise<number> {
  // Per (user, item, kind) only the latest row of the batch is written (core/interactions); the statement compares it
  // with what the edge already keeps.
  const latest = new Map<string, Located<InteractionRecord>>();
  for (const row of batch) {
    const key = kindKey(row.value);
    const prev = latest.get(key);
    if (!prev || supersedes(row.value, prev.value)) latest.set(key, row);
  }
  const rows = latest.size === batch.length ? batch : [...latest.values()];
  const size = rows.length;
  const cols = {
    keys: new Array<Integer>(size),
    userIds: new Array<string>(size),
    itemIds: new Array<string>(size),
    kinds: new Array<string>(size),
    ratings: new Array<number | null>(size),
    weights: new Array<number>(size),
    ts: new Array<number | null>(size),
  };
  for (let n = 0; n < size; n++) {
    const v = rows[n]!.value;
    cols.keys[n] = interactionKey(v.userId, v.itemId, v.kind);
    cols.userIds[n] = v.userId;
    cols.itemIds[n] = v.itemId;
    cols.kinds[n] = v.kind;
    cols.ratings[n] = v.rating ?? null;
    cols.weights[n] = v.weight;
    cols.ts[n] = v.ts ?? null;
  }
  const create = await chooseCreate(tx, mode, cols.keys, cypher('ingest', 'find-interaction-key'));
  const missing = await tx.run(cypher('ingest', create ? 'create-interactions' : 'merge-interactions'), cols);
  for (const r of missing.records) {
    const { pos, value } = rows[toNumber(r.get('n'))]!;
    const what = [r.get('missingUser') ? `unknown user ${JSON.stringify(value.userId)}` : '', r.get('missingItem') ? `unknown item ${JSON.stringify(value.itemId)}` : ''].filter(Boolean).join(', ');
    rejections.push({ pos, reason: what });
  }
  return batch.length - missing.records.length;
}

async function writeKnowledge(tx: ManagedTransaction, rows: Located<KnowledgeRecord>[], mode: EdgeMode, rejections: Rejection[]): Promise<number> {
  const groups = new Map<string, Located<KnowledgeRecord>[]>();
  for (const row of rows) {
    const { head, tail } = row.value;
    const pair = `${head.kind}>${tail.kind}`;
    if (!KNOWLEDGE_PAIRS.has(pair)) throw new AppError('BAD_REQUEST', `knowledge: a ${head.kind}→${tail.kind} relation is not part of the model`);
    (groups.get(pair) ?? groups.set(pair, []).get(pair)!).push(row);
  }
  let written = 0;
  for (const group of groups.values()) {
    const { head, tail } = group[0]!.value;
    const labels = { fromLabel: head.kind, toLabel: tail.kind };
    const cols = { keys: group.map(({ value: k }) => knowledgeKey({ headKind: k.head.kind, headId: k.head.id, relation: k.relation, tailKind: k.tail.kind, tailId: k.tail.id })), headIds: group.map((r) => r.value.head.id), tailIds: group.map((r) => r.value.tail.id), relations: group.map((r) => r.value.relation) };
    const create = await chooseCreate(tx, mode, cols.keys, cypher('ingest', 'find-knowledge-key'));
    const missing = await tx.run(render(cypher('ingest', create ? 'create-knowledge' : 'merge-knowledge'), labels), cols);
    for (const r of missing.records) {
      const { pos, value } = group[toNumber(r.get('n'))]!;
      rejections.push({ pos, reason: r.get('missingHead') ? `unknown ${value.head.kind.toLowerCase()} ${JSON.stringify(value.head.id)}` : `unknown ${value.tail.kind.toLowerCase()} ${JSON.stringify(value.tail.id)}` });
    }
    written += group.length - missing.records.length;
  }
  return written;
}

/** Writes one batch in `tx`: nodes first, then edges. Row rejections are collected, not reported. */
async function writeBatch(tx: ManagedTransaction, batch: BatchRows, mode: EdgeMode): Promise<BatchResult> {
  const counts: RecordCounts = { users: batch.users.length, items: batch.items.length, entities: batch.entities.length, interactions: 0, knowledge: 0 };
  const rejections: Rejection[] = [];
  if (batch.users.length) await tx.run(cypher('ingest', 'upsert-users'), { rows: batch.users.map((u) => ({ id: u.id, props: u.props ?? {} })) });
  if (batch.items.length) await tx.run(cypher('ingest', 'upsert-items'), { rows: batch.items.map((i) => ({ id: i.id, title: i.title, props: i.props ?? {} })) });
  if (batch.entities.length) await tx.run(cypher('ingest', 'upsert-entities'), { rows: batch.entities });
  if (batch.interactions.length) counts.interactions = await writeInteractions(tx, batch.interactions, mode, rejections);
  if (batch.knowledge.length) counts.knowledge = await writeKnowledge(tx, batch.knowledge, mode, rejections);
  // Rejections come per statement; the report lists them in file order.
  rejections.sort((a, b) => a.pos.line - b.pos.line);
  return { counts, rejections };
}

export function isConstraintViolation(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === 'Neo.ClientError.Schema.ConstraintValidationFailed';
}


/**
 * The write sessions of one load: batches with their checkpoints, checkpoint reads, the legacy-key check. A session
 * runs one transaction at a time, so each batch in flight gets a session of its own (kept for the next batch).
 */
export class BulkWriter {
  private readonly idle: Session[] = [];
  private readonly all: Session[] = [];

  constructor(private readonly db: Database) {}

  private async withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
    let session = this.idle.pop();
    if (!session) {
      session = openSession(this.db, 'WRITE');
      this.all.push(session);
    }
    try {
      return await work(session);
    } finally {
      this.idle.push(session);
    }
  }

  /** True when the database holds relationships keyed by the old JSON-string scheme (a reset is needed). */
  async hasLegacyKeys(): Promise<boolean> {
    try {
      const legacy = await this.withSession((s) => s.executeRead((tx) => tx.run(cypher('ingest', 'find-legacy-keys'))));
      return legacy.records[0]?.get('legacy') === true;
    } catch (error) {
      throw mapDriverError(error);
    }
  }

  async readCheckpoint(key: string): Promise<Checkpoint | undefined> {
    return this.withSession((s) => readCheckpointIn(s, key));
  }

  /** Writes `batch` and the file's checkpoint in one transaction; rejections are returned once it committed. */
  async commit(batch: BatchRows, mode: EdgeMode, checkpoint: { key: string; file: string } & Checkpoint): Promise<BatchResult> {
    return this.withSession((s) =>
      s.executeWrite(async (tx) => {
        const result = await writeBatch(tx, batch, mode);
        await saveCheckpoint(tx, checkpoint);
        return result;
      }),
    );
  }

  /** Writes the file's checkpoint alone (a cancelled load records exactly the rows its committed batches hold). */
  async saveCheckpoint(checkpoint: { key: string; file: string } & Checkpoint): Promise<void> {
    await this.withSession((s) => s.executeWrite((tx) => saveCheckpoint(tx, checkpoint)));
  }

  async close(): Promise<void> {
    for (const session of this.all) await session.close();
  }
}

async function saveCheckpoint(tx: ManagedTransaction, checkpoint: { key: string; file: string } & Checkpoint): Promise<void> {
  await tx.run(cypher('ingest', 'save-checkpoint'), { key: checkpoint.key, rows: int(checkpoint.rows), done: checkpoint.done, file: checkpoint.file });
}

async function readCheckpointIn(session: Session, key: string): Promise<Checkpoint | undefined> {
  try {
    const record = (await session.executeRead((tx) => tx.run(cypher('ingest', 'read-checkpoint'), { key }))).records[0];
    return record ? { rows: toNumber(record.get('rows')), done: record.get('done') === true } : undefined;
  } catch (error) {
    throw mapDriverError(error);
  }
}

/** The checkpoints of `keys` (undefined where none), read in one session. */
export async function readCheckpoints(db: Database, keys: string[]): Promise<Array<Checkpoint | undefined>> {
  const session = openSession(db, 'READ');
  try {
    const out: Array<Checkpoint | undefined> = [];
    for (const key of keys) out.push(await readCheckpointIn(session, key));
    return out;
  } finally {
    await session.close();
  }
}
