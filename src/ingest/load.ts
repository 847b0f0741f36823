/**
 * @module ingest/load
 * Writes a dataset source into Neo4j: batched `UNWIND` statements, one transaction per batch (nodes first, then edges),
 * idempotent (`MERGE` on stable ids), resumable (a checkpoint of rows done is written in the same transaction as each
 * batch, so a killed load restarts right after its last committed batch), with a per-row error report for rows that
 * cannot be parsed or that reference unknown ids. A bad row never stops the load and a batch is never half-written.
 *
 * Speed (measured on the 2-core machines, `npm run bench -- ingest`): edges go as parallel lists (one per column) rather
 * than one map per row, keys are 64-bit integers (`interactionKey`/`knowledgeKey`), and edges are CREATEd while their keys
 * are new (the unique constraint catches the rest; see `EdgeMode`). Batches stay strictly sequential: two writers, within
 * a file or across the interaction and knowledge files, were measured slower here (lock waits on shared items/users).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import neo4j, { type Integer, type ManagedTransaction } from 'neo4j-driver';
import { AppError } from '../core/errors.ts';
import { kindKey, supersedes } from '../core/interactions.ts';
import type { DataRecord, EntityRecord, InteractionRecord, ItemRecord, KnowledgeRecord, RowError, SourcePosition, UserRecord } from '../core/model.ts';
import { cypher, render } from '../store/cypher.ts';
import type { Database } from '../store/driver.ts';
import { interactionKey, knowledgeKey, mapDriverError } from '../store/neo4j-graph-store.ts';
import { toNumber } from '../store/records.ts';
import type { Progress } from '../core/progress.ts';
import type { DatasetSource, SourceFile } from './source.ts';

export const LOAD_DEFAULTS = {
  /** Records per write transaction (a row is never split across batches). */
  batchSize: 5000,
  /** Skip rows a previous run already committed (per file, by content fingerprint). */
  resume: true,
  /** Row errors kept in the report (all are passed to `onError`). */
  maxReportedErrors: 1000,
} as const;

export interface LoadOptions {
  batchSize?: number;
  resume?: boolean;
  maxReportedErrors?: number;
  progress?: Progress;
  onError?: (error: RowError) => void;
  /**
   * Cancels the load between batches (serve's SIGTERM): the batch in flight commits, nothing after it starts, and the
   * report says `cancelled`. The checkpoint matches the committed rows, so the next run resumes right after them.
   */
  signal?: AbortSignal;
}

export interface RecordCounts {
  users: number;
  items: number;
  entities: number;
  interactions: number;
  knowledge: number;
}

export interface FileReport {
  path: string;
  rows: number;
  /** Rows skipped because a previous run had committed them. */
  resumedRows: number;
  rejectedRows: number;
  alreadyLoaded: boolean;
}

export interface LoadReport {
  format: string;
  files: FileReport[];
  written: RecordCounts;
  rejectedRows: number;
  errors: RowError[];
  seconds: number;
  relationshipsPerSecond: number;
  /** True when `signal` stopped the load before the end (the rows after the last committed batch are not loaded). */
  cancelled: boolean;
}

interface Located<T> {
  pos: SourcePosition;
  value: T;
}

class Batch {
  users: UserRecord[] = [];
  items: ItemRecord[] = [];
  entities: EntityRecord[] = [];
  interactions: Located<InteractionRecord>[] = [];
  knowledge: Located<KnowledgeRecord>[] = [];
  size = 0;
  firstLine = 0;
  lastLine = 0;

  add(record: DataRecord, pos: SourcePosition): void {
    this.size++;
    if (this.firstLine === 0) this.firstLine = pos.line;
    this.lastLine = pos.line;
    switch (record.type) {
      case 'user':
        this.users.push(record.value);
        break;
      case 'item':
        this.items.push(record.value);
        break;
      case 'entity':
        this.entities.push(record.value);
        break;
      case 'interaction':
        this.interactions.push({ pos, value: record.value });
        break;
      case 'knowledge':
        this.knowledge.push({ pos, value: record.value });
        break;
    }
  }
}

/** Content fingerprint of a source file (its path when it is not a file, e.g. the generated demo). */
async function fingerprint(file: SourceFile): Promise<string> {
  if (!existsSync(file.path) || !statSync(file.path).isFile()) return `virtual:${file.path}`;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file.path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * How edges are written. `create`: CREATE without looking (a fresh load); `probe`: one cheap index look-up per batch
 * decides between CREATE (no key exists yet) and MERGE; `merge`: always MERGE. A file starts in `create`; the first
 * batch that meets an existing key fails on the unique constraint, is re-run with `merge`, and the file goes on in
 * `probe`, so a re-load pays one wasted batch per file and a fresh load pays nothing.
 */
type EdgeMode = 'create' | 'probe' | 'merge';

interface Rejection {
  pos: SourcePosition;
  reason: string;
}

interface BatchResult {
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
async function writeBatch(tx: ManagedTransaction, batch: Batch, mode: EdgeMode): Promise<BatchResult> {
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

function isConstraintViolation(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === 'Neo.ClientError.Schema.ConstraintValidationFailed';
}

/** Checkpoint key of one source file (format, path and content fingerprint). */
async function checkpointKey(source: DatasetSource, file: SourceFile): Promise<string> {
  return `${source.format}|${file.path}|${await fingerprint(file)}`;
}

/**
 * True when a previous load of `source` committed some batches but did not finish (cancelled or killed): `serve`
 * then resumes it even though the database is not empty.
 */
export async function unfinishedLoad(db: Database, source: DatasetSource): Promise<boolean> {
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  try {
    const states = [];
    for (const file of source.files) {
      const key = await checkpointKey(source, file);
      const record = (await session.executeRead((tx) => tx.run(cypher('ingest', 'read-checkpoint'), { key }))).records[0];
      states.push(record ? (record.get('done') === true ? 'done' : 'partial') : 'none');
    }
    return states.includes('partial') || (states.includes('done') && states.includes('none'));
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** Loads every file of `source` into the database. Row errors are reported, never thrown. */
export async function loadDataset(db: Database, source: DatasetSource, options: LoadOptions = {}): Promise<LoadReport> {
  const o = { ...LOAD_DEFAULTS, ...options };
  let cancelled = false;
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new AppError('BAD_REQUEST', 'ingest: batchSize must be a positive integer');
  const started = performance.now();
  const written: RecordCounts = { users: 0, items: 0, entities: 0, interactions: 0, knowledge: 0 };
  const errors: RowError[] = [];
  let rejectedRows = 0;
  const files: FileReport[] = [];
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.WRITE });

  const reject = (report: FileReport, pos: SourcePosition, reason: string) => {
    rejectedRows++;
    report.rejectedRows++;
    const error = { ...pos, reason };
    if (errors.length < o.maxReportedErrors) errors.push(error);
    o.onError?.(error);
  };

  try {
    const legacy = await session.executeRead((tx) => tx.run(cypher('ingest', 'find-legacy-keys')));
    if (legacy.records[0]?.get('legacy') === true) {
      throw new AppError('CONFLICT', 'ingest: this database holds relationships keyed by the old JSON-string scheme; reset it (graphrec ingest --reset) and load again');
    }
    for (const file of source.files) {
      if (o.signal?.aborted) {
        cancelled = true;
        break;
      }
      const key = await checkpointKey(source, file);
      const report: FileReport = { path: file.path, rows: 0, resumedRows: 0, rejectedRows: 0, alreadyLoaded: false };
      files.push(report);
      const checkpoint = o.resume ? (await session.executeRead((tx) => tx.run(cypher('ingest', 'read-checkpoint'), { key }))).records[0] : undefined;
      if (checkpoint?.get('done') === true) {
        report.alreadyLoaded = true;
        report.resumedRows = toNumber(checkpoint.get('rows'));
        report.rows = report.resumedRows;
        continue;
      }
      const skip = checkpoint ? toNumber(checkpoint.get('rows')) : 0;
      report.resumedRows = skip;

      let batch = new Batch();
      let pending: Promise<void> | undefined;
      let mode: EdgeMode = 'create';
      const commit = (current: Batch, rowsDone: number, done: boolean, batchMode: EdgeMode) =>
        session.executeWrite(async (tx) => {
          const result = await writeBatch(tx, current, batchMode);
          await tx.run(cypher('ingest', 'save-checkpoint'), { key, rows: neo4j.int(rowsDone), done, file: file.path });
          return result;
        });
      const write = async (current: Batch, rowsDone: number, done: boolean): Promise<void> => {
        let result: BatchResult;
        try {
          result = await commit(current, rowsDone, done, mode);
        } catch (error) {
          // A key that exists already (CREATE fast path): the transaction rolled back whole; re-run it with MERGE.
          if (mode === 'merge' || !isConstraintViolation(error)) throw error;
          mode = 'probe';
          try {
            result = await commit(current, rowsDone, done, 'merge');
          } catch (again) {
            if (!isConstraintViolation(again)) throw again;
            throw new AppError('INGEST_FAILED', `ingest: ${file.path}: two different relationships share one key (rows ${current.firstLine}–${current.lastLine}); please report this`, undefined, { cause: again });
          }
        }
        for (const k of Object.keys(written) as (keyof RecordCounts)[]) written[k] += result.counts[k];
        for (const r of result.rejections) reject(report, r.pos, r.reason);
      };
      const flush = async (rowsDone: number, done: boolean) => {
        const current = batch;
        batch = new Batch();
        await pending;
        pending = write(current, rowsDone, done);
        // Marked handled here; the failure surfaces at the next flush's `await pending`.
        pending.catch(() => {});
        if (done) await pending;
      };

      let index = 0;
      for await (const row of file.read()) {
        if (o.signal?.aborted) {
          // Between batches: let the batch in flight commit, start no other.
          cancelled = true;
          break;
        }
        index++;
        report.rows = index;
        if (index <= skip) continue;
        if (!row.ok) reject(report, row.pos, row.reason);
        else for (const record of row.records) batch.add(record, row.pos);
        if (batch.size >= o.batchSize) await flush(index, false);
        o.progress?.update(file.path, index);
      }
      if (cancelled) {
        await pending;
        break;
      }
      await flush(index, true);
    }
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    o.progress?.done();
    await session.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    format: source.format,
    files,
    written,
    rejectedRows,
    errors,
    seconds,
    relationshipsPerSecond: (written.interactions + written.knowledge) / Math.max(seconds, 1e-9),
    cancelled,
  };
}
