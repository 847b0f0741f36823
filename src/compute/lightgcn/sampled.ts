/**
 * @module compute/lightgcn/sampled
 * The sampled-subgraph mode, for graphs whose full LightGCN model does not fit the CPU kernels' arena (32-bit
 * WebAssembly memory, 4 GiB) or trains too slowly: LightGCN is trained on a seeded random sample of users with all
 * of their interactions (every item stays in the model), and every user left out is placed afterwards by fold-in
 * (compute/lightgcn/fold-in: LightGCN's propagation for the user's row over the trained item layers, with no ego
 * vector). A sampled user keeps its trained final vector; items keep theirs.
 *
 * What it costs in quality is measured on Gowalla validation in docs/evaluation.md ("Sampled-subgraph training"),
 * by `npm run bench -- sampled`.
 *
 * @example
 *   const sample = sampleUsers(data, 2020, (users, interactions) => interactions <= 5_000_000);
 *   const model = SampledLightGcn.from(trainedOnSample, data, sample);
 */
import { AppError } from '../../core/errors.ts';
import { createRng } from '../rng.ts';
import { Arena } from './arena.ts';
import { EmbeddingScorer } from './artifact.ts';
import { foldInUser, type FoldInBasis } from './fold-in.ts';
import { userItemCsr, type Interactions, type KnowledgeEdges } from './graph.ts';
import { CpuKernels, packItems, type KernelMode } from './kernels.ts';
import { allocScoreScratch, scoreAllRows, scoreScratchBytes, type LightGcnModel, type ScoreScratch } from './model.ts';
import type { TrainedLightGcn } from './types.ts';

/** A user sample of a dataset: `sub` holds the sampled users' interactions, users renumbered 0..k−1. */
export interface UserSample {
  sub: Interactions;
  /** Full-data index of each sampled user, by its index in `sub` (ascending). */
  users: Int32Array;
}

/** How a model was sampled (reported with the training result). */
export interface SampleInfo {
  users: number;
  interactions: number;
  ofUsers: number;
  ofInteractions: number;
  /** Why: 'arena' (the full model would not fit the CPU kernels' memory) or 'option' (maxInteractions given). */
  reason: 'arena' | 'option';
}

/**
 * A seeded random sample of the users who have interactions, taken in a shuffled order until the next user would
 * break `fits(users, interactions)`. Each sampled user brings all of its interactions, in their original order.
 */
export function sampleUsers(data: Interactions, seed: number, fits: (users: number, interactions: number) => boolean): UserSample {
  const degree = new Int32Array(data.nUsers);
  for (let t = 0; t < data.users.length; t++) degree[data.users[t]!]!++;
  const order = new Int32Array(data.nUsers);
  for (let u = 0; u < data.nUsers; u++) order[u] = u;
  createRng(seed ^ 0x2c1b3c6d).shuffle(order);
  const chosen = new Uint8Array(data.nUsers);
  let users = 0;
  let interactions = 0;
  for (let r = 0; r < order.length; r++) {
    const u = order[r]!;
    const k = degree[u]!;
    if (k === 0) continue;
    if (!fits(users + 1, interactions + k)) break;
    chosen[u] = 1;
    users++;
    interactions += k;
  }
  if (users === 0) throw new AppError('BAD_REQUEST', 'compute/lightgcn: the sample limit leaves no user to train on');
  const subIndex = new Int32Array(data.nUsers).fill(-1);
  const fullIndex = new Int32Array(users);
  for (let u = 0, k = 0; u < data.nUsers; u++) {
    if (!chosen[u]) continue;
    subIndex[u] = k;
    fullIndex[k++] = u;
  }
  const su = new Int32Array(interactions);
  const si = new Int32Array(interactions);
  for (let t = 0, k = 0; t < data.users.length; t++) {
    const s = subIndex[data.users[t]!]!;
    if (s < 0) continue;
    su[k] = s;
    si[k++] = data.items[t]!;
  }
  return { sub: { nUsers: users, nItems: data.nItems, users: su, items: si }, users: fullIndex };
}

/** Bytes of WebAssembly memory the CPU kernels can address (32-bit memory). */
export const ARENA_LIMIT_BYTES = 2 ** 32;

/**
 * Bytes the CPU trainer's arena takes for a graph of this shape (`LightGcnModel`'s allocation: row pointers, the
 * adjacency's indices and values over both directions of each distinct pair, eight [n × d] buffers — E⁰, F, two
 * propagation buffers, two gradients, two Adam moments — and the BPR workspace of one batch). An upper bound: the
 * adjacency counts duplicate pairs as distinct.
 */
export function trainingArenaBytes(shape: { users: number; items: number; entities: number; interactions: number; knowledge: number; d: number; batch: number; candidates: number }): number {
  const n = shape.users + shape.items + shape.entities;
  const nnz = 2 * (shape.interactions + shape.knowledge);
  const workspace = shape.batch * (8 + 3 * Math.max(1, shape.candidates));
  return 4 * (n + 1 + 2 * nnz + 8 * n * shape.d + workspace) + (1 << 20);
}

/** Full-graph LightGCN, or a sample: `sample` is null when the whole dataset fits. */
export interface SamplePlan {
  sample: UserSample | null;
  reason: SampleInfo['reason'];
}

/**
 * The sample a training run takes: with `maxInteractions` a number, users up to that many interactions (and always
 * under the arena); with 'auto', the whole dataset when its model fits the arena (with the validation scoring
 * scratch when `validated`), else the largest user sample that does. `o` is checked by train `resolveOptions`.
 */
export function planUserSample(
  data: Interactions,
  o: { maxInteractions: number | 'auto'; embeddingSize: number; batchSize: number; negatives: string; dnsCandidates: number; seed: number },
  knowledge: KnowledgeEdges | undefined,
  validated: boolean,
): SamplePlan {
  const base = {
    items: data.nItems,
    entities: knowledge?.nEntities ?? 0,
    knowledge: knowledge?.items.length ?? 0,
    d: o.embeddingSize,
    batch: o.batchSize,
    candidates: o.negatives === 'dns' ? o.dnsCandidates : 1,
  };
  const budget = ARENA_LIMIT_BYTES - (validated ? scoreScratchBytes(data.nItems, o.embeddingSize) : 0);
  const fitsArena = (users: number, interactions: number) => trainingArenaBytes({ ...base, users, interactions }) <= budget;
  const limit = o.maxInteractions;
  if (limit !== 'auto') {
    if (limit >= data.users.length) return { sample: null, reason: 'option' };
    return { sample: sampleUsers(data, o.seed, (u, k) => k <= limit && fitsArena(u, k)), reason: 'option' };
  }
  if (fitsArena(data.nUsers, data.users.length)) return { sample: null, reason: 'arena' };
  return { sample: sampleUsers(data, o.seed, fitsArena), reason: 'arena' };
}

/**
 * LightGCN over every user of a dataset from a model trained on a user sample: sampled users keep their trained final
 * vectors, the others are folded in from their interactions; items keep the trained model's vectors. Scores are dot
 * products of the final vectors, as in `LightGcnModel`.
 */
export class SampledLightGcn implements TrainedLightGcn {
  readonly nUsers: number;
  readonly nItems: number;
  readonly d: number;
  readonly nLayers: number;
  private readonly users: Float32Array;
  private readonly items: Float32Array;
  private readonly basis: FoldInBasis;
  private scratch: { kernels: CpuKernels; s: ScoreScratch } | null = null;
  private pairs: EmbeddingScorer | undefined;

  private constructor(users: Float32Array, items: Float32Array, basis: FoldInBasis, nLayers: number, private readonly kernelMode: KernelMode) {
    this.d = basis.d;
    this.nLayers = nLayers;
    this.nUsers = users.length / basis.d;
    this.nItems = basis.nItems;
    this.users = users;
    this.items = items;
    this.basis = basis;
  }

  /** The full-data model from `model`, trained on `sample.sub` (the model stays open; its owner closes it). */
  static from(model: LightGcnModel, data: Interactions, sample: UserSample): SampledLightGcn {
    if (model.nUsers !== sample.users.length || model.nItems !== data.nItems) throw new AppError('BAD_REQUEST', 'compute/lightgcn: the model was not trained on this sample');
    const d = model.d;
    model.propagate();
    const trained = model.final.view; // users first: the sampled users' final rows, read in place
    const basis = model.foldInBasis();
    const users = new Float32Array(data.nUsers * d);
    const sampled = new Uint8Array(data.nUsers);
    for (let k = 0; k < sample.users.length; k++) {
      const u = sample.users[k]!;
      sampled[u] = 1;
      users.set(trained.subarray(k * d, k * d + d), u * d);
    }
    const csr = userItemCsr(data);
    for (let u = 0; u < data.nUsers; u++) {
      if (sampled[u]) continue;
      const a = csr.indptr[u]!;
      const b = csr.indptr[u + 1]!;
      if (b > a) users.set(foldInUser(basis, csr.indices.subarray(a, b)), u * d);
    }
    return new SampledLightGcn(users, model.itemEmbeddings(), basis, model.nLayers, model.kernels.mode);
  }

  userEmbeddings(): Float32Array {
    return this.users.slice();
  }

  itemEmbeddings(): Float32Array {
    return this.items.slice();
  }

  foldInBasis(): FoldInBasis {
    return this.basis;
  }

  /** Dot products of the pairs' final vectors (compute/lightgcn/artifact `EmbeddingScorer`). */
  score(users: Int32Array, items: Int32Array): Float32Array {
    this.pairs ??= new EmbeddingScorer(this.users, this.items, this.d);
    return this.pairs.score(users, items);
  }

  scoreAll(users: Int32Array, out: Float32Array = new Float32Array(users.length * this.nItems)): Float32Array {
    if (!this.scratch) {
      const arena = new Arena(scoreScratchBytes(this.nItems, this.d) + (1 << 16));
      const kernels = new CpuKernels(arena, this.d, this.kernelMode);
      const s = allocScoreScratch(arena, this.nItems, this.d);
      packItems(this.items, 0, this.nItems, this.d, s.packed.view);
      this.scratch = { kernels, s };
    }
    const d = this.d;
    return scoreAllRows(this.scratch.kernels, this.scratch.s, this.nItems, users, out, (u) => {
      if (u < 0 || u >= this.nUsers) throw new AppError('BAD_REQUEST', `compute/lightgcn: user ${u} out of range`);
      return this.users.subarray(u * d, u * d + d);
    });
  }

  /** Nothing to stop: the trained sample's model was closed by its owner. */
  async close(): Promise<void> {}
}
