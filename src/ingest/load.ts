/**
 * @module ingest/load
 * Writes a dataset source into Neo4j: batched `UNWIND` statements, one transaction per batch (nodes first, then edges),
 * idempotent (`MERGE` on stable ids), resumable (a checkpoint of rows done is written in the same transaction as each
 * batch, so a killed load restarts right after its last committed batch), with a per-row error report for rows that
 * cannot be parsed or that reference unknown ids. A bad row never stops the load and a batch is never half-written.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import neo4j, { type ManagedTransaction } from 'neo4j-driver';
import { AppError } from '../core/errors.ts';
import type { DataRecord, EntityRecord, InteractionRecord, ItemRecord, RowError, SourcePosition, UserRecord } from '../core/model.ts';
import { cypher } from '../store/cypher.ts';
import type { Database } from '../store/driver.ts';
import { interactionKey, mapDriverError, writeKnowledgeRows, type KnowledgeRow } from '../store/neo4j-graph-store.ts';
import { toNumber } from '../store/records.ts';
import type { Progress } from './progress.ts';
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
  knowledge: Located<KnowledgeRow>[] = [];
  size = 0;

  add(record: DataRecord, pos: SourcePosition): void {
    this.size++;
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
      case 'knowledge': {
        const k = record.value;
        this.knowledge.push({ pos, value: { n: 0, headKind: k.head.kind, headId: k.head.id, tailKind: k.tail.kind, tailId: k.tail.id, relation: k.relation } });
        break;
      }
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

async function writeBatch(tx: ManagedTransaction, batch: Batch, reject: (pos: SourcePosition, reason: string) => void): Promise<RecordCounts> {
  const counts: RecordCounts = { users: batch.users.length, items: batch.items.length, entities: batch.entities.length, interactions: 0, knowledge: 0 };
  if (batch.users.length) await tx.run(cypher('ingest', 'upsert-users'), { rows: batch.users.map((u) => ({ id: u.id, props: u.props ?? {} })) });
  if (batch.items.length) await tx.run(cypher('ingest', 'upsert-items'), { rows: batch.items.map((i) => ({ id: i.id, title: i.title, props: i.props ?? {} })) });
  if (batch.entities.length) await tx.run(cypher('ingest', 'upsert-entities'), { rows: batch.entities });

  if (batch.interactions.length) {
    const rows = batch.interactions.map(({ value: v }, n) => ({
      n,
      key: interactionKey(v.userId, v.itemId, v.kind),
      userId: v.userId,
      itemId: v.itemId,
      kind: v.kind,
      rating: v.rating ?? null,
      weight: v.weight,
      ts: v.ts ?? null,
    }));
    const missing = await tx.run(cypher('ingest', 'upsert-interactions'), { rows });
    for (const r of missing.records) {
      const { pos, value } = batch.interactions[toNumber(r.get('n'))]!;
      const what = [r.get('missingUser') ? `unknown user ${JSON.stringify(value.userId)}` : '', r.get('missingItem') ? `unknown item ${JSON.stringify(value.itemId)}` : ''].filter(Boolean).join(', ');
      reject(pos, what);
    }
    counts.interactions = rows.length - missing.records.length;
  }

  if (batch.knowledge.length) {
    const rows = batch.knowledge.map(({ value }, n) => ({ ...value, n }));
    const missing = await writeKnowledgeRows(tx, rows);
    for (const m of missing) {
      const { pos, value } = batch.knowledge[m.n]!;
      reject(pos, m.missingHead ? `unknown ${value.headKind.toLowerCase()} ${JSON.stringify(value.headId)}` : `unknown ${value.tailKind.toLowerCase()} ${JSON.stringify(value.tailId)}`);
    }
    counts.knowledge = rows.length - missing.length;
  }
  return counts;
}

/** Loads every file of `source` into the database. Row errors are reported, never thrown. */
export async function loadDataset(db: Database, source: DatasetSource, options: LoadOptions = {}): Promise<LoadReport> {
  const o = { ...LOAD_DEFAULTS, ...options };
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
    for (const file of source.files) {
      const key = `${source.format}|${file.path}|${await fingerprint(file)}`;
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
      const flush = async (rowsDone: number, done: boolean) => {
        const current = batch;
        batch = new Batch();
        await pending;
        pending = session
          .executeWrite(async (tx) => {
            const counts = await writeBatch(tx, current, (pos, reason) => reject(report, pos, reason));
            await tx.run(cypher('ingest', 'save-checkpoint'), { key, rows: neo4j.int(rowsDone), done, file: file.path });
            return counts;
          })
          .then((counts) => {
            for (const k of Object.keys(written) as (keyof RecordCounts)[]) written[k] += counts[k];
          });
        // Marked handled here; the failure surfaces at the next flush's `await pending`.
        pending.catch(() => {});
        if (done) await pending;
      };

      let index = 0;
      for await (const row of file.read()) {
        index++;
        report.rows = index;
        if (index <= skip) continue;
        if (!row.ok) reject(report, row.pos, row.reason);
        else for (const record of row.records) batch.add(record, row.pos);
        if (batch.size >= o.batchSize) await flush(index, false);
        o.progress?.update(file.path, index);
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
  };
}
