/**
 * @module ingest/load
 * Writes a dataset source into Neo4j: batched `UNWIND` statements, one transaction per batch (nodes first, then edges),
 * idempotent (`MERGE` on stable ids), resumable (a checkpoint of the rows known committed is written in the same
 * transaction as each batch, so a killed load restarts after them; a batch that committed beside an earlier one still in
 * flight is sent again, which changes nothing), with a per-row error report for rows that cannot be parsed or that
 * reference unknown ids. A bad row never stops the load and a batch is never half-written.
 *
 * Speed (measured on the 2-core machines, `npm run bench -- ingest` and `online-cost`): edges go as parallel lists (one
 * per column) rather than one map per row, keys are 64-bit integers (`interactionKey`/`knowledgeKey`), and edges are
 * CREATEd while their keys are new (the unique constraint catches the rest; see `EdgeMode`). Up to `inFlight` batches
 * of a file (default 2) are in flight at once, each in its own transaction and session: one transaction keeps about one
 * core of Neo4j busy, and relationships between nodes that other transactions also touch do not wait on each other in
 * Neo4j 5 (docs/scaling.md, "Two batches in flight"). A batch waits for the ones in flight when the order of the
 * commits could change the graph ({@link conflicts}), so the graph is the one a sequential load writes. Results are
 * counted and reported in file order, and the files one after the other.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { INTERACTION_BOUNDS, interactionProblem, type InteractionBounds } from '../core/bounds.ts';
import { AppError } from '../core/errors.ts';
import type { DataRecord, EntityRecord, InteractionRecord, ItemRecord, KnowledgeRecord, RowError, SourcePosition, UserRecord } from '../core/model.ts';
import { BulkWriter, isConstraintViolation, readCheckpoints, type BatchResult, type BatchRows, type EdgeMode, type Located, type RecordCounts } from '../store/bulk-writer.ts';
import type { Database } from '../store/driver.ts';
import { mapDriverError } from '../store/neo4j-graph-store.ts';
import type { Progress } from '../core/progress.ts';
import { DEFAULTS } from '../core/config.ts';
import { log } from '../core/log.ts';
import { formatTransform, isHeavyTailed, resolveTransforms, weightStats, type WeightsConfig, type WeightStats } from '../core/weight-transform.ts';
import type { DatasetSource, SourceFile } from './source.ts';

export const LOAD_DEFAULTS = {
  /** Records per write transaction (a row is never split across batches); config `ingest.batchSize`. */
  batchSize: DEFAULTS.ingest.batchSize,
  /** Batch transactions of a file in flight at once (1: strictly one after the other; see {@link conflicts}); config `ingest.inFlight`. */
  inFlight: DEFAULTS.ingest.inFlight,
  /** Skip rows a previous run already committed (per file, by content fingerprint). */
  resume: true,
  /** Row errors kept in the report (all are passed to `onError`). */
  maxReportedErrors: 1000,
} as const;

export interface LoadOptions {
  batchSize?: number;
  inFlight?: number;
  resume?: boolean;
  maxReportedErrors?: number;
  progress?: Progress;
  onError?: (error: RowError) => void;
  /**
   * Cancels the load between batches (serve's SIGTERM): the batches in flight commit, nothing after them starts, and the
   * report says `cancelled`. The checkpoint then matches the committed rows, so the next run resumes right after them.
   */
  signal?: AbortSignal;
  /** Valid ratings and weights (core/bounds); an interaction row outside them is rejected with its reason. */
  bounds?: InteractionBounds;
  /** Weight transforms in force (for the heavy-tail warning's advice) [the config defaults]. */
  weights?: WeightsConfig;
}

/** Distribution of one interaction kind's weights in this load, and the transform the projection will apply. */
export interface KindWeights {
  count: number;
  median: number;
  p99: number;
  max: number;
  maxOverMedian: number;
  skew: number;
  heavyTailed: boolean;
  /** The kind's edge-weight transform under the configured `weights` (core/weight-transform). */
  transform: string;
}

export type { RecordCounts };

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
  /** Weights of the interactions read in this run, by kind (rows skipped by resume are not counted). */
  interactionWeights: Record<string, KindWeights>;
  /** Advice about the data (a heavy-tailed kind of weights), also logged as warnings. */
  warnings: string[];
}

class Batch implements BatchRows {
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

/**
 * What one batch writes and looks up, by identity: the nodes it upserts (with their values), the keys of its edges, and
 * (built when a check needs them) the nodes its edges look up without upserting them. Tokens may collide: a collision
 * only makes a batch wait when it need not.
 */
export interface Footprint {
  readonly batch: BatchRows;
  readonly nodes: Map<string, string>;
  readonly edges: Set<string>;
  refs?: Set<string>;
}

const nodeToken = (kind: string, id: string): string => kind + '\u0000' + id;

export function footprintOf(batch: BatchRows): Footprint {
  const nodes = new Map<string, string>();
  for (const u of batch.users) nodes.set(nodeToken('User', u.id), JSON.stringify(u));
  for (const i of batch.items) nodes.set(nodeToken('Item', i.id), JSON.stringify(i));
  for (const e of batch.entities) nodes.set(nodeToken('Entity', e.id), JSON.stringify(e));
  const edges = new Set<string>();
  for (const { value: v } of batch.interactions) edges.add(v.userId + '\u0000' + v.itemId + '\u0000' + v.kind);
  for (const { value: k } of batch.knowledge) edges.add(nodeToken(k.head.kind, k.head.id) + '\u0000' + k.relation + '\u0000' + nodeToken(k.tail.kind, k.tail.id));
  return { batch, nodes, edges };
}

/** The nodes `f`'s edges look up and its batch does not upsert. */
function refsOf(f: Footprint): Set<string> {
  if (f.refs) return f.refs;
  const refs = new Set<string>();
  const ref = (token: string) => {
    if (!f.nodes.has(token)) refs.add(token);
  };
  for (const { value: v } of f.batch.interactions) {
    ref(nodeToken('User', v.userId));
    ref(nodeToken('Item', v.itemId));
  }
  for (const { value: k } of f.batch.knowledge) {
    ref(nodeToken(k.head.kind, k.head.id));
    ref(nodeToken(k.tail.kind, k.tail.id));
  }
  return (f.refs = refs);
}

/**
 * True when batches `a` and `b` may not be in flight together, because the graph after both could depend on which
 * commits first: they write an edge with the same key (the later row must win), upsert the same node with different
 * values, or one upserts a node that the other's edges look up (a sequential load would, or would not, find it). Two
 * batches that only look up the same nodes, or upsert a node with the same value, commute.
 */
export function conflicts(a: Footprint, b: Footprint): boolean {
  const [small, large] = a.edges.size <= b.edges.size ? [a.edges, b.edges] : [b.edges, a.edges];
  for (const key of small) if (large.has(key)) return true;
  if (a.nodes.size > 0) {
    const refs = refsOf(b);
    for (const [token, value] of a.nodes) {
      if (refs.has(token)) return true;
      const other = b.nodes.get(token);
      if (other !== undefined && other !== value) return true;
    }
  }
  if (b.nodes.size > 0) for (const token of refsOf(a)) if (b.nodes.has(token)) return true;
  return false;
}

/** Content fingerprint of a source file (its path when it is not a file, e.g. the generated demo). */
async function fingerprint(file: SourceFile): Promise<string> {
  if (!existsSync(file.path) || !statSync(file.path).isFile()) return `virtual:${file.path}`;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file.path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checkpoint key of one source file (format with the reader's options, path and content fingerprint). */
export async function checkpointKey(source: DatasetSource, file: SourceFile): Promise<string> {
  const format = source.readOptions ? `${source.format} ${source.readOptions}` : source.format;
  return `${format}|${file.path}|${await fingerprint(file)}`;
}

/**
 * True when a previous load of `source` committed some batches but did not finish (cancelled or killed): `serve`
 * then resumes it even though the database is not empty.
 */
export async function unfinishedLoad(db: Database, source: DatasetSource): Promise<boolean> {
  const keys: string[] = [];
  for (const file of source.files) keys.push(await checkpointKey(source, file));
  const states = (await readCheckpoints(db, keys)).map((c) => (c ? (c.done ? 'done' : 'partial') : 'none'));
  return states.includes('partial') || (states.includes('done') && states.includes('none'));
}

/**
 * The start-up data step of `serve` and `mcp`: loads `source` when the database is empty (no users and no items), or
 * resumes a load of it that was cut off (`unfinishedLoad`); otherwise changes nothing. Logs what it did.
 */
export async function loadIfEmpty(
  db: Database,
  counts: () => Promise<{ users: number; items: number }>,
  source: DatasetSource,
  options: LoadOptions & { dataset: string },
): Promise<LoadReport | undefined> {
  const { dataset, ...load } = options;
  if (db.mapping) {
    // A database read through a graph mapping (store/mapping) is the user's own: never seeded or ingested into.
    log.info('data: serving an existing graph through a graph mapping; not loading');
    return undefined;
  }
  const current = await counts();
  const empty = current.users === 0 && current.items === 0;
  if (!empty && !(await unfinishedLoad(db, source))) {
    log.info('data: database already holds data; not loading', { ...current });
    return undefined;
  }
  log.info(empty ? 'data: empty database, loading' : 'data: resuming an unfinished load', { dataset });
  const report = await loadDataset(db, source, load);
  if (report.cancelled) log.info('data: load cancelled by shutdown; the next start resumes it', { written: report.written });
  else log.info('data: loaded', { written: report.written, rejectedRows: report.rejectedRows, seconds: Number(report.seconds.toFixed(2)) });
  return report;
}

/** Loads every file of `source` into the database. Row errors are reported, never thrown. */
export async function loadDataset(db: Database, source: DatasetSource, options: LoadOptions = {}): Promise<LoadReport> {
  const o = { ...LOAD_DEFAULTS, bounds: INTERACTION_BOUNDS, ...options };
  let cancelled = false;
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new AppError('BAD_REQUEST', 'ingest: batchSize must be a positive integer');
  if (!Number.isInteger(o.inFlight) || o.inFlight < 1) throw new AppError('BAD_REQUEST', 'ingest: inFlight must be a positive integer');
  const started = performance.now();
  const written: RecordCounts = { users: 0, items: 0, entities: 0, interactions: 0, knowledge: 0 };
  const errors: RowError[] = [];
  let rejectedRows = 0;
  const files: FileReport[] = [];
  const writer = new BulkWriter(db);
  // Batches written and not yet counted, oldest first (at most `inFlight`, all of one file).
  const queue: Array<{ result: Promise<BatchResult>; rowsDone: number; footprint: Footprint | undefined }> = [];
  const weightsByKind = new Map<string, number[]>();

  const reject = (report: FileReport, pos: SourcePosition, reason: string) => {
    rejectedRows++;
    report.rejectedRows++;
    const error = { ...pos, reason };
    if (errors.length < o.maxReportedErrors) errors.push(error);
    o.onError?.(error);
  };

  try {
    if (await writer.hasLegacyKeys()) {
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
      const checkpoint = o.resume ? await writer.readCheckpoint(key) : undefined;
      if (checkpoint?.done) {
        report.alreadyLoaded = true;
        report.resumedRows = checkpoint.rows;
        report.rows = report.resumedRows;
        continue;
      }
      const skip = checkpoint?.rows ?? 0;
      report.resumedRows = skip;

      let batch = new Batch();
      let mode: EdgeMode = 'create';
      // Rows of this file whose batches have all committed (the batches still in flight come after them).
      let committedRows = skip;
      let lagging = false;
      const write = async (current: Batch, checkpointRows: number, done: boolean, batchMode: EdgeMode): Promise<BatchResult> => {
        const checkpoint = { key, file: file.path, rows: checkpointRows, done };
        try {
          return await writer.commit(current, batchMode, checkpoint);
        } catch (error) {
          // A key that exists already (CREATE fast path): the transaction rolled back whole; re-run it with MERGE.
          if (batchMode === 'merge' || !isConstraintViolation(error)) throw error;
          mode = 'probe';
          try {
            return await writer.commit(current, 'merge', checkpoint);
          } catch (again) {
            if (!isConstraintViolation(again)) throw again;
            throw new AppError('INGEST_FAILED', `ingest: ${file.path}: two different relationships share one key (rows ${current.firstLine}–${current.lastLine}); please report this`, undefined, { cause: again });
          }
        }
      };
      // The oldest batch in flight: its result is counted and reported in file order, whatever commits first.
      const settle = async (): Promise<void> => {
        const oldest = queue.shift()!;
        const result = await oldest.result;
        for (const k of Object.keys(written) as (keyof RecordCounts)[]) written[k] += result.counts[k];
        for (const r of result.rejections) reject(report, r.pos, r.reason);
        committedRows = oldest.rowsDone;
      };
      const flush = async (rowsDone: number, done: boolean) => {
        const current = batch;
        batch = new Batch();
        // The last batch of a file goes alone, so its `done` checkpoint follows every other batch of the file.
        if (done) while (queue.length > 0) await settle();
        const footprint = o.inFlight > 1 ? footprintOf(current) : undefined;
        while (queue.length >= o.inFlight || queue.some((q) => conflicts(footprint!, q.footprint!))) await settle();
        // Beside batches in flight, a batch checkpoints only the rows known committed: should it commit first and the
        // load die, the next run re-sends the batches in between (idempotent) rather than skip one.
        const checkpointRows = queue.length > 0 ? committedRows : rowsDone;
        lagging = checkpointRows !== rowsDone;
        const result = write(current, checkpointRows, done, mode);
        // Marked handled here; a failure surfaces when `settle` reaches it.
        result.catch(() => {});
        queue.push({ result, rowsDone, footprint });
        if (done) await settle();
      };

      let index = 0;
      batches: for await (const rows of file.read()) {
        for (const row of rows) {
          if (o.signal?.aborted) {
            // Between batches: let the batches in flight commit, start no other.
            cancelled = true;
            break batches;
          }
          index++;
          report.rows = index;
          if (index <= skip) continue;
          if (!row.ok) reject(report, row.pos, row.reason);
          else {
            // The shared bounds (core/bounds): a row with an interaction outside them is rejected whole, nothing of it written.
            const problem = row.records.map((r) => (r.type === 'interaction' ? interactionProblem(r.value, o.bounds) : undefined)).find(Boolean);
            if (problem) reject(report, row.pos, problem);
            else {
              for (const record of row.records) {
                batch.add(record, row.pos);
                if (record.type === 'interaction') {
                  let list = weightsByKind.get(record.value.kind);
                  if (!list) weightsByKind.set(record.value.kind, (list = []));
                  list.push(record.value.weight);
                }
              }
            }
          }
          if (batch.size >= o.batchSize) await flush(index, false);
        }
        o.progress?.update(file.path, index);
      }
      if (cancelled) {
        while (queue.length > 0) await settle();
        // A batch that committed beside another checkpointed fewer rows than it held: record exactly what committed.
        if (lagging) await writer.saveCheckpoint({ key, file: file.path, rows: committedRows, done: false });
        break;
      }
      await flush(index, true);
    }
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    // A failure may leave batches in flight: let them end before their sessions close.
    await Promise.allSettled(queue.map((q) => q.result));
    o.progress?.done();
    await writer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const { interactionWeights, warnings } = describeWeights(weightsByKind, o.weights ?? DEFAULTS.weights);
  for (const w of warnings) log.warn(w);
  return {
    format: source.format,
    files,
    written,
    rejectedRows,
    errors,
    seconds,
    relationshipsPerSecond: (written.interactions + written.knowledge) / Math.max(seconds, 1e-9),
    cancelled,
    interactionWeights,
    warnings,
  };
}

/**
 * Per-kind weight statistics of a load and a warning for each heavy-tailed kind (max / median ≥
 * `weights.heavyTailRatio`, at least HEAVY_TAIL_MIN_COUNT weights; see core/weight-transform), saying which transform
 * the projection will apply and how to choose another.
 */
export function describeWeights(weightsByKind: ReadonlyMap<string, readonly number[]>, cfg: WeightsConfig): { interactionWeights: Record<string, KindWeights>; warnings: string[] } {
  const stats = new Map<string, WeightStats>();
  for (const [kind, values] of weightsByKind) stats.set(kind, weightStats(values));
  const transforms = resolveTransforms(cfg, stats);
  const interactionWeights: Record<string, KindWeights> = {};
  const warnings: string[] = [];
  const r = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);
  for (const [kind, st] of stats) {
    const heavyTailed = isHeavyTailed(st, cfg.heavyTailRatio);
    const transform = formatTransform(transforms.get(kind)!);
    interactionWeights[kind] = { count: st.count, median: r(st.median), p99: r(st.p99), max: r(st.max), maxOverMedian: r(st.maxOverMedian), skew: r(st.skew), heavyTailed, transform };
    if (heavyTailed) {
      warnings.push(
        `ingest: interaction kind ${JSON.stringify(kind)} has heavy-tailed weights (median ${r(st.median)}, max ${r(st.max)}, max/median ${r(st.maxOverMedian)} ≥ ${cfg.heavyTailRatio}); ` +
          `raw weights like these make PPR favour the most played items. The projection uses transform ${JSON.stringify(transform)}` +
          (cfg.transforms[kind] !== undefined ? ` (weights.transforms.${kind})` : ' (weights.heavyTailTransform)') +
          `; set GRAPHREC_WEIGHT_TRANSFORMS=${kind}=<none|log1p|binary|user-norm|cap:P> to choose another (docs/data-formats.md#interaction-weights).`,
      );
    }
  }
  return { interactionWeights, warnings };
}
