/**
 * @module compute/lightgcn/artifact
 * Trained embeddings as a versioned folder `embeddings/<name>-<timestamp>/` (format documented in embeddings/README.md):
 * `manifest.json` plus little-endian Float32 row-major binaries — `users.f32` [nUsers × d], `items.f32` [nItems × d]
 * (final embeddings, score = dot product), `item-layers.f32` [L × nItems × d] and `item-degrees.f32` [nItems] (fold-in
 * basis for new users). The manifest records config, data fingerprint, metrics, backend, epochs and creation time.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { FoldInBasis } from './fold-in.ts';

export const ARTIFACT_FORMAT = 'graphrec-embeddings';
export const ARTIFACT_VERSION = 1;

export interface EmbeddingManifest {
  format: typeof ARTIFACT_FORMAT;
  version: number;
  name: string;
  model: string;
  /** ISO-8601 creation time. */
  created: string;
  dim: number;
  nUsers: number;
  nItems: number;
  nLayers: number;
  dtype: 'float32';
  byteOrder: 'little';
  files: { users: string; items: string; itemLayers?: string; itemDegrees?: string };
  /** Hyperparameters used for training. */
  config: Record<string, unknown>;
  /** sha256 of the training interactions (see `fingerprintInteractions`) and their counts. */
  data: { fingerprint: string; nInteractions: number; source?: string };
  metrics: Record<string, number>;
  backend: string;
  epochs: number;
  trainSeconds?: number;
}

export interface EmbeddingArtifact {
  manifest: EmbeddingManifest;
  users: Float32Array;
  items: Float32Array;
  basis?: FoldInBasis;
  /** Folder the artifact was read from or written to. */
  path: string;
}

export interface SaveInput {
  name: string;
  model?: string;
  users: Float32Array;
  items: Float32Array;
  dim: number;
  nLayers: number;
  basis?: FoldInBasis;
  config: Record<string, unknown>;
  data: EmbeddingManifest['data'];
  metrics?: Record<string, number>;
  backend: string;
  epochs: number;
  trainSeconds?: number;
  /** Creation time (defaults to now). */
  created?: Date;
}

function writeF32(path: string, a: Float32Array): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new AppError('INTERNAL', 'compute/artifact: big-endian hosts are not supported');
  writeFileSync(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function readF32(path: string, expected: number): Float32Array {
  if (!existsSync(path)) throw new AppError('NOT_FOUND', `compute/artifact: ${path} missing`);
  const buf = readFileSync(path);
  if (buf.byteLength !== expected * 4) throw new AppError('BAD_REQUEST', `compute/artifact: ${path} has ${buf.byteLength} bytes, expected ${expected * 4}`);
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/.test(name)) throw new AppError('BAD_REQUEST', `compute/artifact: name ${JSON.stringify(name)} must be [A-Za-z0-9._-], ≤ 81 chars`);
  return name;
}

/** Writes an artifact folder `<root>/<name>-<YYYYMMDDTHHMMSSZ>/` and returns its path. */
export function saveEmbeddings(root: string, input: SaveInput): string {
  const name = safeName(input.name);
  const { dim } = input;
  if (!Number.isInteger(dim) || dim < 1) throw new AppError('BAD_REQUEST', 'compute/artifact: dim must be a positive integer');
  if (input.users.length % dim !== 0 || input.items.length % dim !== 0) throw new AppError('BAD_REQUEST', 'compute/artifact: embedding arrays are not multiples of dim');
  const created = input.created ?? new Date();
  const stamp = created.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let dir = resolve(root, `${name}-${stamp}`);
  for (let n = 2; existsSync(dir); n++) dir = resolve(root, `${name}-${stamp}-${n}`);
  mkdirSync(dir, { recursive: true });
  const files: EmbeddingManifest['files'] = { users: 'users.f32', items: 'items.f32' };
  writeF32(join(dir, files.users), input.users);
  writeF32(join(dir, files.items), input.items);
  if (input.basis) {
    files.itemLayers = 'item-layers.f32';
    files.itemDegrees = 'item-degrees.f32';
    writeF32(join(dir, files.itemLayers), input.basis.itemLayers);
    writeF32(join(dir, files.itemDegrees), input.basis.itemDegrees);
  }
  const manifest: EmbeddingManifest = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    name,
    model: input.model ?? 'lightgcn',
    created: created.toISOString(),
    dim,
    nUsers: input.users.length / dim,
    nItems: input.items.length / dim,
    nLayers: input.nLayers,
    dtype: 'float32',
    byteOrder: 'little',
    files,
    config: JSON.parse(JSON.stringify(input.config, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))) as Record<string, unknown>,
    data: input.data,
    metrics: input.metrics ?? {},
    backend: input.backend,
    epochs: input.epochs,
    ...(input.trainSeconds !== undefined ? { trainSeconds: input.trainSeconds } : {}),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return dir;
}

/** Reads an artifact folder written by `saveEmbeddings` (checks format, version and file sizes). */
export function loadEmbeddings(dir: string): EmbeddingArtifact {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new AppError('NOT_FOUND', `compute/artifact: ${manifestPath} not found`);
  let manifest: EmbeddingManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as EmbeddingManifest;
  } catch (error) {
    throw new AppError('BAD_REQUEST', `compute/artifact: ${manifestPath} is not valid JSON: ${(error as Error).message}`);
  }
  if (manifest.format !== ARTIFACT_FORMAT) throw new AppError('BAD_REQUEST', `compute/artifact: ${dir} is not a ${ARTIFACT_FORMAT} folder`);
  if (manifest.version !== ARTIFACT_VERSION) throw new AppError('BAD_REQUEST', `compute/artifact: unsupported version ${manifest.version}`);
  const { dim, nUsers, nItems, nLayers } = manifest;
  const users = readF32(join(dir, manifest.files.users), nUsers * dim);
  const items = readF32(join(dir, manifest.files.items), nItems * dim);
  let basis: FoldInBasis | undefined;
  if (manifest.files.itemLayers && manifest.files.itemDegrees) {
    basis = {
      nItems,
      d: dim,
      nLayers,
      itemLayers: readF32(join(dir, manifest.files.itemLayers), nLayers * nItems * dim),
      itemDegrees: readF32(join(dir, manifest.files.itemDegrees), nItems),
    };
  }
  return { manifest, users, items, ...(basis ? { basis } : {}), path: resolve(dir) };
}

/** Scores from stored vectors (an artifact, or any user/item matrices): score(u, i) = users[u] · items[i]. */
export class EmbeddingScorer {
  readonly nUsers: number;
  readonly nItems: number;

  constructor(
    readonly users: Float32Array,
    readonly items: Float32Array,
    readonly dim: number,
  ) {
    if (users.length % dim !== 0 || items.length % dim !== 0) throw new AppError('BAD_REQUEST', 'compute/artifact: arrays are not multiples of dim');
    this.nUsers = users.length / dim;
    this.nItems = items.length / dim;
  }

  /** Scores one arbitrary user vector (e.g. from `foldInUser`) against every item. */
  scoreVector(vector: Float32Array, out: Float32Array = new Float32Array(this.nItems)): Float32Array {
    const d = this.dim;
    for (let i = 0; i < this.nItems; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += vector[c]! * this.items[i * d + c]!;
      out[i] = s;
    }
    return out;
  }

  score(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) throw new AppError('BAD_REQUEST', 'compute/artifact: users and items differ in length');
    const d = this.dim;
    const out = new Float32Array(users.length);
    for (let t = 0; t < users.length; t++) {
      const u = users[t]!;
      const i = items[t]!;
      if (u < 0 || u >= this.nUsers || i < 0 || i >= this.nItems) throw new AppError('BAD_REQUEST', `compute/artifact: pair ${t} out of range`);
      let s = 0;
      for (let c = 0; c < d; c++) s += this.users[u * d + c]! * this.items[i * d + c]!;
      out[t] = s;
    }
    return out;
  }

  scoreAll(users: Int32Array, out: Float32Array = new Float32Array(users.length * this.nItems)): Float32Array {
    for (let r = 0; r < users.length; r++) {
      const u = users[r]!;
      if (u < 0 || u >= this.nUsers) throw new AppError('BAD_REQUEST', `compute/artifact: user ${u} out of range`);
      this.scoreVector(this.users.subarray(u * this.dim, (u + 1) * this.dim), out.subarray(r * this.nItems, (r + 1) * this.nItems));
    }
    return out;
  }
}
