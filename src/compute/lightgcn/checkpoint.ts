/**
 * @module compute/lightgcn/checkpoint
 * Training checkpoints: everything `trainLightGcn` needs to continue a run exactly where it stopped — ego embeddings,
 * Adam moments and step count, the epoch, the sampler's RNG state, the early-stopping state (best value, its epoch,
 * runs without improvement, the best ego embeddings) and the epoch log. One file, written atomically (a temporary file
 * in the same folder, fsync, then rename), so a crash mid-write leaves the previous checkpoint intact.
 *
 * File layout (little-endian): the 8 bytes `GRCKPT01`, a uint32 header length H, H bytes of UTF-8 JSON (the header),
 * zero padding to a multiple of 4, then the float32 arrays in the order of `header.arrays` (`{ name, length }`).
 * The format is documented in embeddings/README.md.
 *
 * @example
 *   writeCheckpoint(file, state);
 *   const state = readCheckpoint(file); // null when there is none
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { RngState } from '../rng.ts';
import { fingerprintInteractions, type Interactions } from './graph.ts';
import type { EpochLog, LightGcnOptions } from './train.ts';

/** Checkpointing of a run (CPU kernels): where, how often, and whether to continue from the file. */
export interface CheckpointHook {
  /** The checkpoint file (see `planCheckpoint`). */
  file: string;
  /** The run's key (`checkpointKey`); a resume refuses a file with another key. */
  key: string;
  /** Seconds between checkpoints (written after the epoch that crosses it) [CHECKPOINT_EVERY_SECONDS]. */
  everySeconds?: number;
  /** Continue from `file` when it exists. */
  resume?: boolean;
}

/** Default seconds between two checkpoints. */
export const CHECKPOINT_EVERY_SECONDS = 300;

const MAGIC = 'GRCKPT01';
export const CHECKPOINT_FORMAT = { format: 'graphrec-checkpoint', version: 1 } as const;

/** The scalar part of a checkpoint (the header's `state`). */
export interface CheckpointScalars {
  /** Epochs completed. */
  epoch: number;
  /** Adam steps taken (bias correction). */
  step: number;
  /** State of the triplet sampler's generator. */
  rng: RngState;
  /** Best validation value so far (`null` before the first validation run). */
  best: number | null;
  bestEpoch: number;
  /** Validation runs without improvement since the best. */
  badRuns: number;
  /** Training wall-clock seconds so far (all sessions), for the time budget. */
  elapsedSeconds: number;
  /** Whether the time budget leads the learning-rate schedule (see `train.ts`). */
  timeLed: boolean;
  history: EpochLog[];
}

export interface CheckpointState extends CheckpointScalars {
  /** Identifies the run (data, validation data, settings); a resume only accepts its own key. */
  key: string;
  e0: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  bestE0: Float32Array | null;
}

/** Settings that do not change a run's result: they may differ between a run and its resume. */
const RESULT_NEUTRAL: ReadonlyArray<keyof LightGcnOptions> = ['threads', 'maxSeconds'];

/**
 * The key of a run: sha256 (16 hex) over the training settings (less `threads`, `maxSeconds`) and the fingerprints of
 * the data the run depends on (training interactions, and the validation part when early stopping uses one).
 */
export function checkpointKey(options: LightGcnOptions, fingerprints: Array<string | null>): string {
  const settings = Object.fromEntries(
    Object.entries(options)
      .filter(([k]) => !RESULT_NEUTRAL.includes(k as keyof LightGcnOptions))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return createHash('sha256').update(JSON.stringify({ settings, fingerprints })).digest('hex').slice(0, 16);
}

/** Where a run's checkpoint lives: `<dir>/checkpoints/<name>-<key>.ckpt`. */
export function checkpointFile(embeddingsDir: string, name: string, key: string): string {
  return join(embeddingsDir, 'checkpoints', `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}-${key}.ckpt`);
}

/**
 * The checkpoint of a run named `name` (`train-gowalla`, `evaluate-gowalla`) on `train` (early-stopped on `valid` when
 * given) with the full options `options`, under `embeddingsDir`.
 */
export function planCheckpoint(input: { embeddingsDir: string; name: string; options: LightGcnOptions; train: Interactions; valid?: Interactions | undefined; resume: boolean; everySeconds?: number }): CheckpointHook {
  const key = checkpointKey(input.options, [fingerprintInteractions(input.train), input.valid ? fingerprintInteractions(input.valid) : null]);
  return { file: checkpointFile(input.embeddingsDir, input.name, key), key, resume: input.resume, everySeconds: input.everySeconds ?? CHECKPOINT_EVERY_SECONDS };
}

/** Writes `state` to `file` atomically (temporary file, fsync, rename). */
export function writeCheckpoint(file: string, state: CheckpointState): void {
  const { e0, adamM, adamV, bestE0, key, ...scalars } = state;
  const arrays: Array<[string, Float32Array]> = [
    ['e0', e0],
    ['adamM', adamM],
    ['adamV', adamV],
  ];
  if (bestE0) arrays.push(['bestE0', bestE0]);
  const header = Buffer.from(
    JSON.stringify({ ...CHECKPOINT_FORMAT, created: new Date().toISOString(), key, dtype: 'float32', byteOrder: 'little', arrays: arrays.map(([name, a]) => ({ name, length: a.length })), state: scalars }),
    'utf8',
  );
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(header.length, 8);
  const pad = Buffer.alloc((4 - ((12 + header.length) % 4)) % 4);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [prefix, header, pad]) writeSync(fd, part);
    for (const [, a] of arrays) writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Reads a checkpoint; `null` when `file` does not exist. A damaged or foreign file throws BAD_REQUEST. */
export function readCheckpoint(file: string): CheckpointState | null {
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  const bad = (why: string) => new AppError('BAD_REQUEST', `compute/lightgcn: ${file} is not a usable checkpoint (${why})`);
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC) throw bad('no GRCKPT01 magic');
  const hLen = buf.readUInt32LE(8);
  if (12 + hLen > buf.length) throw bad('truncated header');
  let header: { format?: string; version?: number; key?: string; arrays?: Array<{ name: string; length: number }>; state?: CheckpointScalars };
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + hLen)) as typeof header;
  } catch {
    throw bad('header is not JSON');
  }
  if (header.format !== CHECKPOINT_FORMAT.format || header.version !== CHECKPOINT_FORMAT.version || !header.arrays || !header.state || typeof header.key !== 'string') throw bad('unknown format or version');
  let offset = 12 + hLen;
  offset += (4 - (offset % 4)) % 4;
  const arrays = new Map<string, Float32Array>();
  for (const { name, length } of header.arrays) {
    const bytes = length * 4;
    if (offset + bytes > buf.length) throw bad(`array ${name} is truncated`);
    const out = new Float32Array(length);
    new Uint8Array(out.buffer).set(buf.subarray(offset, offset + bytes));
    arrays.set(name, out);
    offset += bytes;
  }
  const e0 = arrays.get('e0');
  const adamM = arrays.get('adamM');
  const adamV = arrays.get('adamV');
  if (!e0 || !adamM || !adamV) throw bad('missing arrays');
  return { ...header.state, key: header.key, e0, adamM, adamV, bestE0: arrays.get('bestE0') ?? null };
}

/** Deletes a checkpoint (after its run finished and saved its result). */
export function removeCheckpoint(file: string): void {
  rmSync(file, { force: true });
}
