/**
 * @module ingest/bulk
 * The bulk path of `graphrec ingest` into an EMPTY local database: reads a dataset source with the same readers and the
 * same rules as the online loader (`ingest/load.ts`) and writes the CSV files that Neo4j's offline importer
 * (`neo4j-admin database import full`, run by `store/bulk-import.ts`) turns into the same graph:
 *
 *   (:User {id, …props}) (:Item {id, title, …props}) (:Entity {id, kind, name})
 *   (:User)-[:INTERACTED {key, kind, rating, weight, ts}]->(:Item)      key = interactionKey(user, item, kind)
 *   (:Item|Entity)-[:RELATED {key, relation}]->(:Item|Entity)          key = knowledgeKey(…)
 *   (:IngestCheckpoint {key, rows, done: true, file, updatedAt})        one per source file, as the online loader leaves
 *
 * Same rules as online: nodes are merged by id (props `+=`, later rows win), one edge per key (a repeated key keeps
 * the values of the latest row by timestamp, ties to the later row, like the online MERGE), an edge whose end was not declared before it is rejected with the
 * same reason (`unknown user "…"`), and every bad row is reported with its file, line and reason. Values keep the
 * online loader's Neo4j types: JS numbers are floats (`double`), keys and checkpoint counts are integers (`long`).
 *
 * Memory: the node maps (O(users + items + entities)) and one 12-byte slot per edge key in open-addressing tables
 * (repeated keys are found without holding the rows). Edge rows are streamed to disk; a file is rewritten once,
 * keeping last rows, only when it had repeated keys.
 */
import { createReadStream, createWriteStream, mkdirSync, renameSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { INTERACTION_BOUNDS, interactionProblem, type InteractionBounds } from '../core/bounds.ts';
import { DEFAULTS } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import type { WeightsConfig } from '../core/weight-transform.ts';
import type { NodeKind, Props, PropValue, RowError, SourcePosition } from '../core/model.ts';
import type { Progress } from '../core/progress.ts';
import { interactionKey, knowledgeKey } from '../store/neo4j-graph-store.ts';
import { checkpointKey, describeWeights, LOAD_DEFAULTS, type FileReport, type LoadReport, type RecordCounts } from './load.ts';
import type { DatasetSource } from './source.ts';

/** What the importer is given: node and relationship files with their label / type, and whether fields span lines. */
export interface BulkFiles {
  dir: string;
  nodes: { label: string; file: string }[];
  relationships: { type: string; file: string }[];
  multilineFields: boolean;
  /** Nodes and relationships in the files (after merging by id and key). */
  nodeCount: number;
  relationshipCount: number;
}

export interface BulkPrepareOptions {
  maxReportedErrors?: number;
  /** Valid ratings and weights (core/bounds): a row with an interaction outside them is rejected whole, as online. */
  bounds?: InteractionBounds;
  /** Weight transforms in force (the heavy-tail warning's advice) [config defaults]. */
  weights?: WeightsConfig;
  progress?: Progress;
  onError?: (error: RowError) => void;
}

export interface BulkPrepared {
  files: BulkFiles;
  /** The load report as the online loader would give it; `seconds` covers the conversion only. */
  report: LoadReport;
}

/** A dataset the bulk path cannot write faithfully (auto mode then loads it online). */
export class BulkUnsupported extends AppError {
  constructor(message: string) {
    super('BAD_REQUEST', `ingest --mode bulk: ${message}`);
  }
}

const KNOWLEDGE_PAIRS = ['Item>Entity', 'Entity>Entity', 'Item>Item', 'Entity>Item'] as const;

/**
 * Open-addressing table from a 64-bit key (its two 32-bit halves) to the ordinal of the row that wins it, as the
 * online MERGE decides: a later row replaces the current one when the current one has no timestamp or the later one's
 * (missing = -1) is at least as late (cypher/ingest/merge-interactions). Knowledge rows pass no timestamp: the last
 * row wins (they carry nothing else). 20 bytes per slot, grows at half load.
 */
export class KeyTable {
  private hi: Int32Array;
  private lo: Int32Array;
  private last: Int32Array;
  private ts: Float64Array;
  private used = 0;
  repeats = 0;

  constructor(capacity = 1 << 16) {
    this.hi = new Int32Array(capacity);
    this.lo = new Int32Array(capacity);
    this.last = new Int32Array(capacity).fill(-1);
    this.ts = new Float64Array(capacity);
  }

  /** Records that row `ordinal` (timestamp `ts`, NaN = none) has key (hi, lo); counts a repeat when the key was seen. */
  put(hi: number, lo: number, ordinal: number, ts = NaN): void {
    if (this.used * 2 >= this.last.length) this.grow();
    const mask = this.last.length - 1;
    let s = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      if (this.last[s] === -1) {
        this.hi[s] = hi;
        this.lo[s] = lo;
        this.last[s] = ordinal;
        this.ts[s] = ts;
        this.used++;
        return;
      }
      if (this.hi[s] === hi && this.lo[s] === lo) {
        const current = this.ts[s]!;
        if (Number.isNaN(current) || (Number.isNaN(ts) ? -1 : ts) >= current) {
          this.last[s] = ordinal;
          this.ts[s] = ts;
        }
        this.repeats++;
        return;
      }
      s = (s + 1) & mask;
    }
  }

  /** The ordinal of the last row with this key, or -1. */
  lastOf(hi: number, lo: number): number {
    const mask = this.last.length - 1;
    let s = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      if (this.last[s] === -1) return -1;
      if (this.hi[s] === hi && this.lo[s] === lo) return this.last[s]!;
      s = (s + 1) & mask;
    }
  }

  get size(): number {
    return this.used;
  }

  private grow(): void {
    const { hi, lo, last, ts } = this;
    const cap = last.length * 2;
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap);
    this.last = new Int32Array(cap).fill(-1);
    this.ts = new Float64Array(cap);
    this.used = 0;
    const repeats = this.repeats;
    for (let s = 0; s < last.length; s++) if (last[s] !== -1) this.put(hi[s]!, lo[s]!, last[s]!, ts[s]!);
    this.repeats = repeats;
  }
}

/** A CSV writer with backpressure (RFC-4180 quoting for strings, the importer's default). */
class CsvOut {
  readonly stream: WriteStream;
  private buf: string[] = [];
  private size = 0;
  rows = 0;
  constructor(readonly path: string, header: string) {
    this.stream = createWriteStream(path);
    this.buf.push(header, '\n');
  }
  /** Adds a line; returns a promise only when the buffer was flushed (await it then: the stream's backpressure). */
  line(text: string): Promise<void> | undefined {
    this.buf.push(text, '\n');
    this.rows++;
    this.size += text.length;
    // 256 KiB: small enough that few pending lines outlive a young-generation collection (docs/scaling.md).
    return this.size >= 1 << 18 ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
  }
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

let multiline = false;

/** Characters that make a cell more than a plain quoted string. */
const SPECIAL = /["\n\r]/;

function str(s: string): string {
  if (!SPECIAL.test(s)) return '"' + s + '"';
  if (!multiline && (s.includes('\n') || s.includes('\r'))) multiline = true;
  return '"' + s.replaceAll('"', '""') + '"';
}

/** A float column value as the online loader stores a JS number (Neo4j Float). */
function dbl(x: number | null | undefined): string {
  return x === undefined || x === null ? '' : String(x);
}

/** A 64-bit key in decimal, as the importer's `long` column reads it (BigInt: the driver Integer's own toString is slow). */
function longOf(key: { high: number; low: number }): string {
  return BigInt.asIntN(64, (BigInt(key.high) << 32n) | BigInt(key.low >>> 0)).toString();
}

type PropType = 'double' | 'boolean' | 'string';

function propType(v: PropValue): PropType {
  return typeof v === 'number' ? 'double' : typeof v === 'boolean' ? 'boolean' : 'string';
}

function propCell(v: PropValue): string {
  return typeof v === 'string' ? str(v) : String(v);
}

const PROP_NAME = /^[A-Za-z_][\w .-]*$/;

/** Writes node files grouped by property signature (the importer's header is per file). */
async function writeNodes(dir: string, label: string, fixed: { header: string; cells: (id: string) => string }, rows: Map<string, Props | undefined>, out: BulkFiles, reserved: readonly string[]): Promise<void> {
  const groups = new Map<string, { header: string; names: string[]; ids: string[] }>();
  for (const [id, props] of rows) {
    const names = props ? Object.keys(props).sort() : [];
    const sig = names.map((n) => `${n}:${propType(props![n]!)}`).join(',');
    let g = groups.get(sig);
    if (!g) {
      for (const n of names) {
        if (!PROP_NAME.test(n) || reserved.includes(n)) throw new BulkUnsupported(`property name ${JSON.stringify(n)} of a ${label} cannot be a CSV header column`);
      }
      g = { header: [fixed.header, ...names.map((n) => `${n}:${propType(props![n]!)}`)].join(','), names, ids: [] };
      groups.set(sig, g);
    }
    g.ids.push(id);
  }
  if (groups.size > 256) throw new BulkUnsupported(`${label} nodes have ${groups.size} different property signatures (at most 256)`);
  let k = 0;
  for (const g of groups.values()) {
    const path = join(dir, `${label.toLowerCase()}-${k++}.csv`);
    const csv = new CsvOut(path, g.header);
    for (const id of g.ids) {
      const props = rows.get(id);
      await csv.line([fixed.cells(id), ...g.names.map((n) => propCell(props![n]!))].join(','));
    }
    await csv.close();
    out.nodes.push({ label, file: path });
    out.nodeCount += g.ids.length;
  }
}

/** Keeps, in an edge file whose first column is the key, only the last row of every key (the row `KeyTable` chose, as MERGE … SET does). */
async function keepLastRows(path: string, table: KeyTable): Promise<void> {
  const tmp = path + '.tmp';
  const out = createWriteStream(tmp);
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = -2;
  let parts: string[] = [];
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  for await (const line of lines) {
    n++;
    if (n >= 0) {
      const key = BigInt.asUintN(64, BigInt(line.slice(0, line.indexOf(','))));
      if (table.lastOf(Number(key >> 32n) | 0, Number(key & 0xffffffffn) | 0) !== n) continue;
    }
    parts.push(line, '\n');
    if (parts.length >= 8192) {
      await write(parts.join(''));
      parts = [];
    }
  }
  await write(parts.join(''));
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  renameSync(tmp, path);
}

/**
 * Reads `source` and writes the importer's CSV files into `dir` (created). Row errors are reported, never thrown; a
 * source the importer cannot take faithfully throws `BulkUnsupported`.
 */
export async function prepareBulkImport(source: DatasetSource, dir: string, options: BulkPrepareOptions = {}): Promise<BulkPrepared> {
  const started = performance.now();
  const maxReportedErrors = options.maxReportedErrors ?? LOAD_DEFAULTS.maxReportedErrors;
  const bounds = options.bounds ?? INTERACTION_BOUNDS;
  const weightsByKind = new Map<string, number[]>();
  mkdirSync(dir, { recursive: true });
  multiline = false;
  const users = new Map<string, Props | undefined>();
  const items = new Map<string, { title: string; props: Props | undefined }>();
  const entities = new Map<string, { kind: string; name: string }>();
  const written: RecordCounts = { users: 0, items: 0, entities: 0, interactions: 0, knowledge: 0 };
  const errors: RowError[] = [];
  let rejectedRows = 0;
  const reports: FileReport[] = [];
  const checkpoints: { key: string; rows: number; file: string }[] = [];

  const interactions = new CsvOut(join(dir, 'interacted.csv'), 'key:long,:START_ID(User),:END_ID(Item),kind,rating:double,weight:double,ts:double');
  const interactionKeys = new KeyTable();
  const knowledge = new Map<string, { csv: CsvOut; keys: KeyTable }>();
  const knowledgeFile = (pair: string) => {
    let k = knowledge.get(pair);
    if (!k) {
      const [from, to] = pair.split('>') as [NodeKind, NodeKind];
      k = { csv: new CsvOut(join(dir, `related-${from.toLowerCase()}-${to.toLowerCase()}.csv`), `key:long,:START_ID(${from}),:END_ID(${to}),relation`), keys: new KeyTable() };
      knowledge.set(pair, k);
    }
    return k;
  };
  const hasNode = (kind: NodeKind, id: string) => (kind === 'User' ? users.has(id) : kind === 'Item' ? items.has(id) : entities.has(id));

  const reject = (report: FileReport, pos: SourcePosition, reason: string) => {
    rejectedRows++;
    report.rejectedRows++;
    const error = { ...pos, reason };
    if (errors.length < maxReportedErrors) errors.push(error);
    options.onError?.(error);
  };

  try {
    for (const file of source.files) {
      const report: FileReport = { path: file.path, rows: 0, resumedRows: 0, rejectedRows: 0, alreadyLoaded: false };
      reports.push(report);
      let index = 0;
      for await (const rows of file.read()) {
        for (const row of rows) {
          index++;
          report.rows = index;
          if (!row.ok) {
            reject(report, row.pos, row.reason);
            continue;
          }
          let problem: string | undefined;
          for (const r of row.records) if (!problem && r.type === 'interaction') problem = interactionProblem(r.value, bounds);
          if (problem) {
            reject(report, row.pos, problem);
            continue;
          }
          // Within a row, nodes before edges (as a batch writes them): an edge finds the nodes of its own row.
          for (const record of row.records) {
            switch (record.type) {
              case 'user': {
                const before = users.get(record.value.id);
                users.set(record.value.id, record.value.props ? { ...before, ...record.value.props } : before);
                written.users++;
                break;
              }
              case 'item': {
                const before = items.get(record.value.id);
                items.set(record.value.id, { title: record.value.title, props: record.value.props ? { ...before?.props, ...record.value.props } : before?.props });
                written.items++;
                break;
              }
              case 'entity':
                entities.set(record.value.id, { kind: record.value.kind, name: record.value.name });
                written.entities++;
                break;
              default:
                break;
            }
          }
          const rejections: string[] = [];
          for (const record of row.records) {
            if (record.type === 'interaction') {
              const v = record.value;
              if (!users.has(v.userId) || !items.has(v.itemId)) {
                rejections.push([users.has(v.userId) ? '' : `unknown user ${JSON.stringify(v.userId)}`, items.has(v.itemId) ? '' : `unknown item ${JSON.stringify(v.itemId)}`].filter(Boolean).join(', '));
                continue;
              }
              const key = interactionKey(v.userId, v.itemId, v.kind);
              interactionKeys.put(key.high, key.low, interactions.rows, v.ts ?? NaN);
              const full = interactions.line(`${longOf(key)},${str(v.userId)},${str(v.itemId)},${str(v.kind)},${dbl(v.rating)},${dbl(v.weight)},${dbl(v.ts)}`);
              if (full) await full;
              written.interactions++;
              let list = weightsByKind.get(v.kind);
              if (!list) weightsByKind.set(v.kind, (list = []));
              list.push(v.weight);
            } else if (record.type === 'knowledge') {
              const { head, tail, relation } = record.value;
              const pair = `${head.kind}>${tail.kind}`;
              if (!(KNOWLEDGE_PAIRS as readonly string[]).includes(pair)) throw new AppError('BAD_REQUEST', `knowledge: a ${head.kind}→${tail.kind} relation is not part of the model`);
              if (!hasNode(head.kind, head.id)) {
                rejections.push(`unknown ${head.kind.toLowerCase()} ${JSON.stringify(head.id)}`);
                continue;
              }
              if (!hasNode(tail.kind, tail.id)) {
                rejections.push(`unknown ${tail.kind.toLowerCase()} ${JSON.stringify(tail.id)}`);
                continue;
              }
              const key = knowledgeKey({ headKind: head.kind, headId: head.id, relation, tailKind: tail.kind, tailId: tail.id });
              const k = knowledgeFile(pair);
              k.keys.put(key.high, key.low, k.csv.rows);
              const full = k.csv.line(`${longOf(key)},${str(head.id)},${str(tail.id)},${str(relation)}`);
              if (full) await full;
              written.knowledge++;
            }
          }
          for (const reason of rejections) reject(report, row.pos, reason);
        }
        options.progress?.update(file.path, index);
      }
      checkpoints.push({ key: await checkpointKey(source, file), rows: index, file: file.path });
    }
  } finally {
    options.progress?.done();
    await interactions.close();
    for (const k of knowledge.values()) await k.csv.close();
  }

  const files: BulkFiles = { dir, nodes: [], relationships: [], multilineFields: false, nodeCount: 0, relationshipCount: 0 };
  await writeNodes(dir, 'User', { header: 'id:ID(User)', cells: str }, users, files, ['id']);
  const itemProps = new Map<string, Props | undefined>();
  for (const [id, v] of items) itemProps.set(id, v.props);
  await writeNodes(dir, 'Item', { header: 'id:ID(Item),title', cells: (id) => `${str(id)},${str(items.get(id)!.title)}` }, itemProps, files, ['id', 'title']);
  const entityOut = new CsvOut(join(dir, 'entity.csv'), 'id:ID(Entity),kind,name');
  for (const [id, e] of entities) await entityOut.line(`${str(id)},${str(e.kind)},${str(e.name)}`);
  await entityOut.close();
  files.nodes.push({ label: 'Entity', file: entityOut.path });
  files.nodeCount += entities.size;
  const now = Date.now();
  const cp = new CsvOut(join(dir, 'checkpoint.csv'), 'key:ID(IngestCheckpoint),rows:long,done:boolean,file,updatedAt:long');
  for (const c of checkpoints) await cp.line(`${str(c.key)},${c.rows},true,${str(c.file)},${now}`);
  await cp.close();
  files.nodes.push({ label: 'IngestCheckpoint', file: cp.path });
  files.nodeCount += checkpoints.length;

  const edgeFiles: { type: string; csv: CsvOut; keys: KeyTable }[] = [{ type: 'INTERACTED', csv: interactions, keys: interactionKeys }, ...[...knowledge.values()].map((k) => ({ type: 'RELATED', ...k }))];
  for (const e of edgeFiles) {
    if (e.keys.repeats > 0) await keepLastRows(e.csv.path, e.keys);
    files.relationships.push({ type: e.type, file: e.csv.path });
    files.relationshipCount += e.keys.size;
  }
  files.multilineFields = multiline;
  const seconds = (performance.now() - started) / 1000;
  const { interactionWeights, warnings } = describeWeights(weightsByKind, options.weights ?? DEFAULTS.weights);
  for (const w of warnings) log.warn(w);
  return {
    files,
    report: {
      interactionWeights,
      warnings,
      format: source.format,
      files: reports,
      written,
      rejectedRows,
      errors,
      seconds,
      relationshipsPerSecond: (written.interactions + written.knowledge) / Math.max(seconds, 1e-9),
      cancelled: false,
    },
  };
}
