/**
 * @module cli/commands/export
 * `graphrec export --out <dir>`: the projection and its embeddings as files a notebook loads in one line each —
 *
 * - `nodes.csv`  index,key,kind,id,label,degree,embedding_row (index = the node's row in the projection; degree =
 *   in + out edges; embedding_row = its row in the user or item matrix, −1 without one);
 * - `edges.csv`  src,dst,relation,weight (node indices; user→item interactions have relation INTERACTED and the
 *   rating/count as weight, knowledge edges the dataset's relation name and weight 1), in CSR order;
 * - `user_embeddings.npy`, `item_embeddings.npy`  float32 [rows, dim] LightGCN vectors (the artifact the engine
 *   serves, trained now when none matches the graph; `--no-embeddings` skips them);
 * - `manifest.json`  format/version, source (Neo4j URI, database, projection fingerprint), counts, relations, the
 *   embedding artifact, and per file: rows, columns or shape and dtype, bytes, sha256.
 *
 * Files are streamed in chunks (a progress bar on a terminal, nothing when piped). `.npy` is written by `cli/npy.ts`.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { embeddingsForProjection, publishEmbeddings, type TrainedEmbeddings } from '../../engine/embeddings.ts';
import { createProgress, type Progress } from '../../core/progress.ts';
import { kindName, nodeRef, type Csr } from '../../project/csr.ts';
import { projectDatabase, readLabels } from '../../project/load.ts';
import { csvCell } from '../../report/csv.ts';
import { openDatabase } from '../../store/open.ts';
import { parseFlags, type Command } from '../command.ts';
import { encodeNpy } from '../npy.ts';
import { parseFormat, printResult } from '../output.ts';

export const EXPORT_FORMAT = 'graphrec-export';
export const EXPORT_VERSION = 1;
export const NODE_COLUMNS = ['index', 'key', 'kind', 'id', 'label', 'degree', 'embedding_row'] as const;
export const EDGE_COLUMNS = ['src', 'dst', 'relation', 'weight'] as const;

export interface ExportedFile {
  file: string;
  rows: number;
  /** CSV files. */
  columns?: string[];
  /** `.npy` files. */
  shape?: number[];
  dtype?: string;
  bytes: number;
  sha256: string;
  description: string;
}

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  createdAt: string;
  source: { uri?: string; database?: string; fingerprint?: string };
  counts: { nodes: number; edges: number; users: number; items: number; entities: number };
  relations: string[];
  embeddings: { dim: number; artifact: string; backend: string; epochs: number; users: number; items: number } | null;
  files: ExportedFile[];
}

export interface ExportInput {
  csr: Csr;
  /** Display names by node key. */
  labels: ReadonlyMap<string, string>;
  embeddings?: Pick<TrainedEmbeddings, 'dim' | 'userKeys' | 'itemKeys' | 'users' | 'items' | 'dir' | 'backend' | 'epochs'>;
  source?: ExportManifest['source'];
  progress?: Progress;
}

/** The shortest decimal text that reads back as the same float32 (weights are stored as float32). */
export function float32Text(value: number): string {
  if (Number.isInteger(value)) return String(value);
  for (let p = 1; p <= 9; p++) {
    const text = String(Number(value.toPrecision(p)));
    if (Math.fround(Number(text)) === value) return text;
  }
  return String(value);
}

/** Streams lines into a file in chunks, hashing as it goes. */
function lineWriter(file: string) {
  const fd = openSync(file, 'w');
  const hash = createHash('sha256');
  let bytes = 0;
  let chunk: string[] = [];
  const flush = () => {
    if (!chunk.length) return;
    const buf = Buffer.from(chunk.join(''), 'utf8');
    writeSync(fd, buf);
    hash.update(buf);
    bytes += buf.length;
    chunk = [];
  };
  return {
    line(text: string) {
      chunk.push(text + '\n');
      if (chunk.length >= 8192) flush();
    },
    close(): { bytes: number; sha256: string } {
      flush();
      closeSync(fd);
      return { bytes, sha256: hash.digest('hex') };
    },
  };
}

/** Writes the export files of the module header into `dir` and returns the manifest (also written there). */
export function writeExport(dir: string, input: ExportInput): ExportManifest {
  const { csr, labels, embeddings, progress } = input;
  mkdirSync(dir, { recursive: true });
  const n = csr.nodeCount;
  const embeddingRow = new Int32Array(n).fill(-1);
  if (embeddings) {
    for (const keys of [embeddings.userKeys, embeddings.itemKeys]) {
      keys.forEach((key, row) => {
        const v = csr.index.get(key);
        if (v !== undefined) embeddingRow[v] = row;
      });
    }
  }
  const files: ExportedFile[] = [];
  const counts = { nodes: n, edges: csr.edgeCount, users: 0, items: 0, entities: 0 };
  const total = n + csr.edgeCount;

  const nodes = lineWriter(path.join(dir, 'nodes.csv'));
  nodes.line(NODE_COLUMNS.join(','));
  for (let v = 0; v < n; v++) {
    const kind = kindName(csr.kinds[v]!);
    if (kind === 'User') counts.users++;
    else if (kind === 'Item') counts.items++;
    else counts.entities++;
    const key = csr.ids.at(v)!;
    const degree = csr.outStarts[v + 1]! - csr.outStarts[v]! + csr.inStarts[v + 1]! - csr.inStarts[v]!;
    nodes.line([v, csvCell(key), kind, csvCell(nodeRef(csr, v).id), csvCell(labels.get(key) ?? ''), degree, embeddingRow[v]].join(','));
    if ((v & 0x3fff) === 0) progress?.update('export nodes', v, total);
  }
  files.push({ file: 'nodes.csv', rows: n, columns: [...NODE_COLUMNS], ...nodes.close(), description: 'one row per projection node; index is the node id used by edges.csv' });

  const edges = lineWriter(path.join(dir, 'edges.csv'));
  edges.line(EDGE_COLUMNS.join(','));
  const relationText = csr.relations.map((r) => csvCell(r));
  for (let u = 0; u < n; u++) {
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
      edges.line(`${u},${csr.outTargets[e]!},${relationText[csr.outRelations[e]!]!},${float32Text(csr.outWeights[e]!)}`);
      if ((e & 0x3fff) === 0) progress?.update('export edges', n + e, total);
    }
  }
  files.push({ file: 'edges.csv', rows: csr.edgeCount, columns: [...EDGE_COLUMNS], ...edges.close(), description: 'directed edges src → dst (node indices), relation name, weight' });

  if (embeddings) {
    for (const [file, keys, vectors, what] of [
      ['user_embeddings.npy', embeddings.userKeys, embeddings.users, 'user'],
      ['item_embeddings.npy', embeddings.itemKeys, embeddings.items, 'item'],
    ] as const) {
      const bytes = encodeNpy(vectors, [keys.length, embeddings.dim]);
      const w = openSync(path.join(dir, file), 'w');
      writeSync(w, bytes);
      closeSync(w);
      files.push({ file, rows: keys.length, shape: [keys.length, embeddings.dim], dtype: 'float32', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), description: `LightGCN ${what} vectors; row r belongs to the node with embedding_row = r and kind ${what === 'user' ? 'User' : 'Item'}` });
    }
  }
  progress?.update('export', total, total);
  progress?.done();

  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    createdAt: new Date().toISOString(),
    source: input.source ?? {},
    counts,
    relations: [...csr.relations],
    embeddings: embeddings
      ? { dim: embeddings.dim, artifact: embeddings.dir, backend: embeddings.backend, epochs: embeddings.epochs, users: embeddings.userKeys.length, items: embeddings.itemKeys.length }
      : null,
    files,
  };
  const w = openSync(path.join(dir, 'manifest.json'), 'w');
  writeSync(w, JSON.stringify(manifest, null, 2) + '\n');
  closeSync(w);
  return manifest;
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'write the projection (nodes.csv, edges.csv) and embeddings (.npy) with a manifest for notebooks',
  help: `usage: graphrec export --out DIR [--no-embeddings] [--format json|csv]

Projects the configured Neo4j (snapshot when current) and writes into DIR:
  nodes.csv             ${NODE_COLUMNS.join(',')}
  edges.csv             ${EDGE_COLUMNS.join(',')}   (src/dst are nodes.csv indices)
  user_embeddings.npy   float32 [users, dim]; row r = the User node with embedding_row r
  item_embeddings.npy   float32 [items, dim]; row r = the Item node with embedding_row r
  manifest.json         counts, relations, the embedding artifact, and per file rows/shape/bytes/sha256
The embeddings are the artifact the engine serves for this graph (trained now when none matches).

Options:
  --out DIR          target folder (created; files in it are replaced)
  --no-embeddings    skip the .npy files (and any training)
  --format F         json (default: the manifest) or csv (one line per file: file,rows,bytes,sha256)
  --quiet            no info logs on stderr

Python: nodes = pd.read_csv('DIR/nodes.csv', keep_default_na=False); E = np.load('DIR/item_embeddings.npy')`,
  async run(argv) {
    const { values } = parseFlags(argv, { out: { type: 'string' }, 'no-embeddings': { type: 'boolean' }, format: { type: 'string' } });
    const format = parseFormat(values.format);
    if (!values.out || values.out.trim() === '') throw new AppError('BAD_REQUEST', 'export: --out DIR is required');
    const cfg = loadConfig();
    const db = await openDatabase(cfg);
    try {
      const { csr, fingerprint } = await projectDatabase(db, { progress: createProgress(process.stderr, { unit: 'rows' }), interactions: cfg.interactions, weights: cfg.weights });
      const labels = await readLabels(db);
      let embeddings: TrainedEmbeddings | undefined;
      if (!values['no-embeddings']) {
        const trained = await embeddingsForProjection(csr, { epochs: cfg.train.epochs, maxSeconds: cfg.train.maxSeconds, name: 'projection' });
        if (!trained.reused) await publishEmbeddings(db, trained);
        embeddings = trained;
      }
      const manifest = writeExport(values.out, { csr, labels, ...(embeddings ? { embeddings } : {}), source: { uri: db.uri, database: db.database, fingerprint }, progress: createProgress(process.stderr, { unit: 'rows' }) });
      printResult(
        format,
        { dir: path.resolve(values.out), ...manifest },
        manifest.files.map((f) => ({ file: f.file, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
        ['file', 'rows', 'bytes', 'sha256'],
      );
    } finally {
      await db.close();
    }
  },
};
