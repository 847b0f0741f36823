/**
 * @module project/csr-snapshot
 * Snapshot I/O of a {@link Csr}: raw little-endian binary files plus a JSON manifest (format version, counts, relation
 * table, per-file sha256 and a content hash) in one folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import type { NodeKind } from '../core/model.ts';
import { assertValidCsr, buildIndex, kindName, type Csr } from './csr.ts';

export const SNAPSHOT_FORMAT = 'graphrec-csr-snapshot';
export const SNAPSHOT_VERSION = 1;
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
const IDS_FILE = 'ids.json';

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

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function bytesOf(arr: Uint8Array | Uint16Array | Uint32Array | Float32Array): Uint8Array {
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

function requireLittleEndian(): void {
  if (endianness() !== 'LE') throw new AppError('INVALID_GRAPH', 'project/csr: snapshots are little-endian; this host is big-endian');
}

/**
 * Writes `csr` into folder `dir` (created if needed): one raw binary file per array, `ids.json`, and `manifest.json`
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
  put(IDS_FILE, Buffer.from(JSON.stringify(csr.ids), 'utf8'));
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
  if (manifest.format !== SNAPSHOT_FORMAT || manifest.version !== SNAPSHOT_VERSION || manifest.endianness !== 'LE') {
    throw new AppError('INVALID_GRAPH', `project/csr: ${path} is not a ${SNAPSHOT_FORMAT} v${SNAPSHOT_VERSION} (LE) manifest`);
  }
  return manifest;
}

/**
 * Reads a snapshot written by {@link writeSnapshot}. Checks every file's size and (unless `verify: false`) its
 * sha256, then {@link assertValidCsr}: the shallow check when every checksum matched (the content is what the write
 * validated deeply), the deep one when checksums were not verified. Throws `NOT_FOUND` without a manifest,
 * `INVALID_GRAPH` on any mismatch.
 */
export function readSnapshot(dir: string, options: { verify?: boolean } = {}): { csr: Csr; manifest: SnapshotManifest } {
  requireLittleEndian();
  const verify = options.verify ?? true;
  const manifest = readSnapshotManifest(dir);
  const load = (name: string): Uint8Array => {
    const expected = manifest.files[name];
    if (!expected) throw new AppError('INVALID_GRAPH', `project/csr: manifest lists no ${name}`);
    let data: Buffer;
    try {
      data = readFileSync(join(dir, name));
    } catch (error) {
      throw new AppError('INVALID_GRAPH', `project/csr: cannot read ${name}: ${(error as Error).message}`);
    }
    if (data.byteLength !== expected.bytes) throw new AppError('INVALID_GRAPH', `project/csr: ${name} has ${data.byteLength} bytes, manifest says ${expected.bytes}`);
    if (verify && sha256(data) !== expected.sha256) throw new AppError('INVALID_GRAPH', `project/csr: ${name} does not match its checksum`);
    // A typed view needs its own aligned buffer; a small Buffer may be a slice of a shared pool (copied then).
    if (data.byteOffset === 0 && data.buffer.byteLength === data.byteLength) return new Uint8Array(data.buffer, 0, data.byteLength);
    const copy = new Uint8Array(data.byteLength);
    copy.set(data);
    return copy;
  };
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
  let ids: unknown;
  try {
    ids = JSON.parse(Buffer.from(load(IDS_FILE)).toString('utf8'));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('INVALID_GRAPH', `project/csr: unreadable ${IDS_FILE}`);
  }
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new AppError('INVALID_GRAPH', `project/csr: ${IDS_FILE} is not an array of strings`);
  const index = buildIndex(ids as string[]);
  const csr: Csr = {
    nodeCount: manifest.nodeCount,
    edgeCount: manifest.edgeCount,
    ids: ids as string[],
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
