/**
 * @module project/csr-snapshot
 * Snapshot I/O of a {@link Csr}: raw little-endian binary files plus a JSON manifest (format version, counts, relation
 * table, per-file sha256 and a content hash) in one folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../core/errors.ts';
import { typedArray } from '../core/shared-arrays.ts';
import type { NodeKind } from '../core/model.ts';
import { assertValidCsr, kindName, packNodeIds, type Csr } from './csr.ts';
import { PackedIdIndex, PackedIds } from './node-ids.ts';

export const SNAPSHOT_FORMAT = 'graphrec-csr-snapshot';
/** 2: the ids as UTF-8 bytes and offsets (project/node-ids); 1 (still read): the ids as a JSON array. */
export const SNAPSHOT_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];
const MANIFEST = 'manifest.json';

type ArrayField = 'kinds' | 'outStarts' | 'outTargets' | 'outWeights' | 'outRelations' | 'inStarts' | 'inSources' | 'inWeights' | 'inRelations';
const ARRAY_FILES: ReadonlyArray<readonly [ArrayField, string, 'u8' | 'u16' | 'u32' | 'f32']> = [
  ['kinds', 'kinds.u8', 'u8'],
  ['outStarts', 'out-starts.u32', 'u32'],
  ['outTargets', 'out-targets.u32', 'u32'],
  ['outWeights', 'out-weights.f32', 'f32'],
  ['outRelations', 'out-relations.u16', 'u16'],
  ['inStarts', 'in-starts.u32', 'u32'],
  ['inSources', 'in-sources.u32', 'u32'],
  ['inWeights', 'in-weights.f32', 'f32'],
  ['inRelations', 'in-relations.u16', 'u16'],
];
/** The ids' UTF-8 bytes and each id's end offset after a 0 (project/node-ids `PackedIds`); version 1 had `ids.json`. */
const ID_FILES = ['ids.utf8', 'id-offsets.u32'] as const;
const IDS_JSON_V1 = 'ids.json';

/** Free-form description stored with a snapshot (e.g. `{ source: 'neo4j', dataFingerprint: '…' }`). */
export type SnapshotMeta = Record<string, unknown>;

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  endianness: 'LE';
  createdAt: string;
  nodeCount: number;
  edgeCount: number;
  relations: string[];
  nodesByKind: Record<NodeKind, number>;
  /** sha256 over the per-file hashes in manifest order: equal content ⇔ equal hash. */
  contentHash: string;
  files: Record<string, { bytes: number; sha256: string }>;
  meta: SnapshotMeta;
}

/** Hex sha256 of bytes (the checksums snapshot manifests list). */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The worker that checks files: it reads each file it is sent on its own and answers its sha256 (hex) — the hash
 * runs on another core while the main thread reads the same files. WebCrypto's `digest` was no help: on Node 20 it
 * copies its input on the calling thread before hashing elsewhere, and `createHash` hashes on the calling thread.
 */
const HASH_WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const chunk = Buffer.allocUnsafe(8 << 20);
parentPort.on('message', ({ id, file }) => {
  let fd;
  try {
    fd = openSync(file, 'r');
    const hash = createHash('sha256');
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
    parentPort.postMessage({ id, hex: hash.digest('hex') });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

/** sha256 (hex) of each file, in order, computed by one worker thread ({@link HASH_WORKER}) that is then stopped. */
async function hashFiles(files: readonly string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const worker = new Worker(HASH_WORKER, { eval: true });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const out: string[] = [];
      let left = files.length;
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the hash worker exited with code ${code}`))); // a no-op once settled
      worker.on('message', ({ id, hex, error }: { id: number; hex?: string; error?: string }) => {
        if (error !== undefined) return reject(new Error(error));
        out[id] = hex!;
        if (--left === 0) resolve(out);
      });
      files.forEach((file, id) => worker.postMessage({ id, file }));
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * Snapshot files' bytes, each in a buffer of its own (offset 0, so any typed view fits; shared but for `ordinary`),
 * checked against the size and (with `verify`) the sha256 their manifest lists: gigabytes at 50M interactions, read
 * on libuv's thread pool in 64 MiB reads and hashed by a worker thread, while the main thread is free (a boot reads
 * Neo4j meanwhile).
 * `INVALID_GRAPH` when a file is missing, unreadable or differs.
 */
export async function readCheckedFiles(
  dir: string,
  names: readonly string[],
  listed: Readonly<Record<string, { bytes: number; sha256: string }>>,
  verify = true,
  /** Files read onto ordinary buffers: read once and dropped (shared garbage does not prompt a collection, core/shared-arrays). */
  ordinary: readonly string[] = [],
): Promise<Uint8Array[]> {
  for (const name of names) if (!(listed as typeof listed | undefined)?.[name]) throw new AppError('INVALID_GRAPH', `project: the manifest of ${dir} lists no ${name}`);
  const hashes = verify ? hashFiles(names.map((name) => join(dir, name))) : undefined;
  // Observed at once, so a failed hash never goes unhandled while the reads run.
  hashes?.catch(() => undefined);
  const data = await Promise.all(names.map((name) => readWholeFile(dir, name, listed[name]!.bytes, !ordinary.includes(name))));
  if (hashes) {
    let hex: string[];
    try {
      hex = await hashes;
    } catch (error) {
      throw new AppError('INVALID_GRAPH', `project: cannot check the files of ${dir}: ${(error as Error).message}`);
    }
    names.forEach((name, i) => {
      if (hex[i] !== listed[name]!.sha256) throw new AppError('INVALID_GRAPH', `project: ${name} does not match its checksum`);
    });
  }
  return data;
}

async function readWholeFile(dir: string, name: string, bytes: number, shared: boolean): Promise<Uint8Array> {
  try {
    const file = await open(join(dir, name), 'r');
    try {
      const { size } = await file.stat();
      if (size !== bytes) throw new AppError('INVALID_GRAPH', `project: ${name} has ${size} bytes, its manifest says ${bytes}`);
      // On a shared buffer unless read once and dropped: the arrays viewed over it are the serving state, which copies
      // of the engine in worker threads (engine/replicas) then read without a copy of their own.
      const data = typedArray(Uint8Array, size, shared);
      for (let at = 0; at < size; ) {
        const { bytesRead } = await file.read(data, at, Math.min(READ_CHUNK, size - at), at);
        if (bytesRead === 0) throw new AppError('INVALID_GRAPH', `project: ${name} ended after ${at} of ${size} bytes`);
        at += bytesRead;
      }
      return data;
    } finally {
      await file.close();
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('INVALID_GRAPH', `project: cannot read ${name}: ${(error as Error).message}`);
  }
}
const READ_CHUNK = 64 * 1024 * 1024;

function bytesOf(arr: Uint8Array | Uint16Array | Uint32Array | Float32Array): Uint8Array {
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

function requireLittleEndian(): void {
  if (endianness() !== 'LE') throw new AppError('INVALID_GRAPH', 'project/csr: snapshots are little-endian; this host is big-endian');
}

/**
 * Writes `csr` into folder `dir` (created if needed): one raw binary file per array (the ids' too), and `manifest.json`
 * last (written to a temporary name and renamed), so a folder without a manifest is an unfinished snapshot.
 * Returns the manifest. The CSR is validated deeply here, once: a read whose checksums match then has exactly this
 * content and skips the deep check (seconds at 50M interactions, on every boot).
 */
export function writeSnapshot(dir: string, csr: Csr, meta: SnapshotMeta = {}): SnapshotManifest {
  assertValidCsr(csr, { deep: true });
  requireLittleEndian();
  mkdirSync(dir, { recursive: true });
  const files: SnapshotManifest['files'] = {};
  const put = (name: string, data: Uint8Array): void => {
    writeFileSync(join(dir, name), data);
    files[name] = { bytes: data.byteLength, sha256: sha256(data) };
  };
  for (const [field, name] of ARRAY_FILES) put(name, bytesOf(csr[field]));
  const ids = PackedIds.of(csr.ids);
  put(ID_FILES[0], ids.bytes);
  put(ID_FILES[1], bytesOf(ids.offsets));
  const contentHash = createHash('sha256');
  for (const [name, f] of Object.entries(files)) contentHash.update(`${name}:${f.sha256}\n`);
  contentHash.update(`relations:${JSON.stringify(csr.relations)}\n`);
  const nodesByKind: Record<NodeKind, number> = { User: 0, Item: 0, Entity: 0 };
  for (let i = 0; i < csr.nodeCount; i++) nodesByKind[kindName(csr.kinds[i]!)]++;
  const manifest: SnapshotManifest = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    endianness: 'LE',
    createdAt: new Date().toISOString(),
    nodeCount: csr.nodeCount,
    edgeCount: csr.edgeCount,
    relations: [...csr.relations],
    nodesByKind,
    contentHash: contentHash.digest('hex'),
    files,
    meta,
  };
  const tmp = join(dir, `${MANIFEST}.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, join(dir, MANIFEST));
  return manifest;
}

/** A snapshot's packed ids (on the shared buffers they were read into) and their index; `INVALID_GRAPH` when malformed. */
function idsOf(bytes: Uint8Array, offsetBytes: Uint8Array): { ids: PackedIds; index: PackedIdIndex } {
  if (offsetBytes.byteLength % 4 !== 0) throw new AppError('INVALID_GRAPH', `project/csr: ${ID_FILES[1]} is not a whole number of elements`);
  const ids = new PackedIds(bytes, new Uint32Array(offsetBytes.buffer, offsetBytes.byteOffset, offsetBytes.byteLength / 4));
  return { ids, index: PackedIdIndex.of(ids) };
}

/** The ids of a version-1 snapshot (a JSON array), packed on shared buffers. */
function idsOfVersion1(json: Uint8Array): { ids: PackedIds; index: PackedIdIndex } {
  let ids: unknown;
  try {
    ids = JSON.parse(Buffer.from(json).toString('utf8'));
  } catch {
    throw new AppError('INVALID_GRAPH', `project/csr: unreadable ${IDS_JSON_V1}`);
  }
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new AppError('INVALID_GRAPH', `project/csr: ${IDS_JSON_V1} is not an array of strings`);
  return packNodeIds(ids as string[], true);
}

/** Reads only the manifest of a snapshot (`NOT_FOUND` when there is none, `INVALID_GRAPH` when unreadable). */
export function readSnapshotManifest(dir: string): SnapshotManifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new AppError('NOT_FOUND', `project/csr: no snapshot manifest at ${path}`);
  let manifest: SnapshotManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as SnapshotManifest;
  } catch (error) {
    throw new AppError('INVALID_GRAPH', `project/csr: unreadable manifest ${path}: ${(error as Error).message}`);
  }
  if (manifest.format !== SNAPSHOT_FORMAT || !READABLE_VERSIONS.includes(manifest.version) || manifest.endianness !== 'LE') {
    throw new AppError('INVALID_GRAPH', `project/csr: ${path} is not a ${SNAPSHOT_FORMAT} v${SNAPSHOT_VERSION} (LE) manifest`);
  }
  return manifest;
}

/**
 * Reads a snapshot written by {@link writeSnapshot}. Checks every file's size and (unless `verify: false`) its
 * sha256, then {@link assertValidCsr}: the shallow check when every checksum matched (the content is what the write
 * validated deeply), the deep one when checksums were not verified. Files are read and hashed concurrently on the
 * thread pool and a worker ({@link readCheckedFiles}). Rejects with `NOT_FOUND` without a manifest, `INVALID_GRAPH`
 * on any mismatch.
 */
export async function readSnapshot(dir: string, options: { verify?: boolean } = {}): Promise<{ csr: Csr; manifest: SnapshotManifest }> {
  requireLittleEndian();
  const verify = options.verify ?? true;
  const manifest = readSnapshotManifest(dir);
  const idFiles: readonly string[] = manifest.version === 1 ? [IDS_JSON_V1] : ID_FILES;
  const names = [...ARRAY_FILES.map(([, name]) => name), ...idFiles];
  const read = await readCheckedFiles(dir, names, manifest.files, verify, manifest.version === 1 ? [IDS_JSON_V1] : []);
  const files = new Map(names.map((name, i) => [name, read[i]!]));
  const load = (name: string): Uint8Array => files.get(name)!;
  const arrays: Partial<Record<ArrayField, Uint8Array | Uint16Array | Uint32Array | Float32Array>> = {};
  for (const [field, name, type] of ARRAY_FILES) {
    const raw = load(name);
    const width = type === 'u8' ? 1 : type === 'u16' ? 2 : 4;
    if (raw.byteLength % width !== 0) throw new AppError('INVALID_GRAPH', `project/csr: ${name} is not a whole number of elements`);
    arrays[field] =
      type === 'u8' ? raw
      : type === 'u16' ? new Uint16Array(raw.buffer, 0, raw.byteLength / 2)
      : type === 'u32' ? new Uint32Array(raw.buffer, 0, raw.byteLength / 4)
      : new Float32Array(raw.buffer, 0, raw.byteLength / 4);
  }
  const { ids, index } = manifest.version === 1 ? idsOfVersion1(load(IDS_JSON_V1)) : idsOf(load(ID_FILES[0]), load(ID_FILES[1]));
  const csr: Csr = {
    nodeCount: manifest.nodeCount,
    edgeCount: manifest.edgeCount,
    ids,
    index,
    kinds: arrays.kinds as Uint8Array,
    relations: manifest.relations,
    outStarts: arrays.outStarts as Uint32Array,
    outTargets: arrays.outTargets as Uint32Array,
    outWeights: arrays.outWeights as Float32Array,
    outRelations: arrays.outRelations as Uint16Array,
    inStarts: arrays.inStarts as Uint32Array,
    inSources: arrays.inSources as Uint32Array,
    inWeights: arrays.inWeights as Float32Array,
    inRelations: arrays.inRelations as Uint16Array,
  };
  assertValidCsr(csr, { deep: !verify });
  return { csr, manifest };
}
