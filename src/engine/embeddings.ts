/**
 * @module engine/embeddings
 * LightGCN embeddings for the graph a process serves: interactions are taken from the projection (user and item
 * nodes renumbered 0..nUsers-1 / 0..nItems-1 in projection order), trained on the fastest path available, saved as a
 * versioned artifact under `embeddings/` (with the node keys beside the vectors), and written into Neo4j with a
 * vector index per label.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { runTsWorker } from '../core/ts-worker.ts';
import { EMBEDDINGS_DIR } from '../core/paths.ts';
import { fingerprintInteractions, fitLightGcn, loadEmbeddings, saveEmbeddings, type FoldInBasis, type Interactions, type LightGcnOptions } from '../compute/lightgcn/index.ts';
import { KIND_CODES, type Csr } from '../project/csr.ts';
import { parseNodeKey } from '../project/load.ts';
import type { Database } from '../store/driver.ts';
import { writeVectors } from '../store/vectors.ts';

export interface ProjectedInteractions {
  data: Interactions;
  /** Projection keys of the users / items, by their 0-based index in `data`. */
  userKeys: string[];
  itemKeys: string[];
}

/**
 * The projection's users and items in node order: their keys (what a trained artifact lists, 0-based) and, per node,
 * its index among them (-1 for a node of the other kinds).
 */
export function projectionNodeKeys(csr: Csr): { userKeys: string[]; itemKeys: string[]; userIndex: Int32Array; itemIndex: Int32Array } {
  const userIndex = new Int32Array(csr.nodeCount).fill(-1);
  const itemIndex = new Int32Array(csr.nodeCount).fill(-1);
  const userKeys: string[] = [];
  const itemKeys: string[] = [];
  for (let v = 0; v < csr.nodeCount; v++) {
    if (csr.kinds[v] === KIND_CODES.User) {
      userIndex[v] = userKeys.length;
      userKeys.push(csr.ids.at(v)!);
    } else if (csr.kinds[v] === KIND_CODES.Item) {
      itemIndex[v] = itemKeys.length;
      itemKeys.push(csr.ids.at(v)!);
    }
  }
  return { userKeys, itemKeys, userIndex, itemIndex };
}

/** User→item interaction edges of the projection as LightGCN input. */
export function interactionsFromCsr(csr: Csr): ProjectedInteractions {
  const { userKeys, itemKeys, userIndex, itemIndex } = projectionNodeKeys(csr);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < csr.nodeCount; u++) {
    if (userIndex[u]! < 0) continue;
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
      const i = itemIndex[csr.outTargets[e]!]!;
      if (csr.outRelations[e] === 0 && i >= 0) {
        users.push(userIndex[u]!);
        items.push(i);
      }
    }
  }
  return { data: { nUsers: userKeys.length, nItems: itemKeys.length, users: Int32Array.from(users), items: Int32Array.from(items) }, userKeys, itemKeys };
}

export interface TrainedEmbeddings {
  dir: string;
  dim: number;
  userKeys: string[];
  itemKeys: string[];
  users: Float32Array;
  items: Float32Array;
  backend: string;
  seconds: number;
  epochs: number;
}

/** The vectors alone (what an embedding index is built from), without the artifact's facts. */
export type EmbeddingVectors = Pick<TrainedEmbeddings, 'dim' | 'itemKeys' | 'items' | 'userKeys' | 'users'>;

const KEYS_FILE = 'keys.json';

/** The newest artifact under `embeddings/` trained on exactly these interactions (same fingerprint), if any. */
export function findProjectionEmbeddings(fingerprint: string, root = EMBEDDINGS_DIR): TrainedEmbeddings | undefined {
  if (!existsSync(root)) return undefined;
  const dirs = readdirSync(root)
    .map((d) => path.join(root, d))
    .filter((d) => existsSync(path.join(d, KEYS_FILE)) && existsSync(path.join(d, 'manifest.json')))
    .sort()
    .reverse();
  for (const dir of dirs) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { data?: { fingerprint?: string } };
      if (manifest.data?.fingerprint === fingerprint) return readProjectionEmbeddings(dir);
    } catch {
      // an unreadable artifact is skipped
    }
  }
  return undefined;
}

/** The stored artifact trained on exactly the projection's interactions, if any (nothing is trained). */
export function storedProjectionEmbeddings(csr: Csr): TrainedEmbeddings | undefined {
  const { data } = interactionsFromCsr(csr);
  return data.users.length > 0 ? findProjectionEmbeddings(fingerprintInteractions(data)) : undefined;
}

/**
 * Embeddings for the projection: the stored artifact when one was trained on the same interactions, else LightGCN
 * trained now (and saved).
 */
export async function embeddingsForProjection(csr: Csr, options: Partial<LightGcnOptions> & { name?: string } = {}): Promise<TrainedEmbeddings & { reused: boolean }> {
  const { data } = interactionsFromCsr(csr);
  const found = data.users.length > 0 ? findProjectionEmbeddings(fingerprintInteractions(data)) : undefined;
  if (found) {
    log.info('embeddings: reusing the artifact trained on the same interactions', { dir: found.dir });
    return { ...found, reused: true };
  }
  return { ...(await trainOnProjection(csr, options)), reused: false };
}

/** What a LightGCN fit hands back: the final vectors, the fold-in basis and how it trained (plain data: crosses threads). */
export interface FitOutput {
  users: Float32Array;
  items: Float32Array;
  dim: number;
  nLayers: number;
  basis: FoldInBasis;
  config: Record<string, unknown>;
  backend: string;
  epochs: number;
  seconds: number;
}

/** Fits LightGCN on `data` in this thread (compute/lightgcn `fitLightGcn`: the fastest path available). */
export async function fitInteractions(data: Interactions, options: Partial<LightGcnOptions> = {}): Promise<FitOutput> {
  const result = await fitLightGcn(data, options);
  try {
    return {
      users: result.model.userEmbeddings(),
      items: result.model.itemEmbeddings(),
      dim: result.options.embeddingSize,
      nLayers: result.options.nLayers,
      basis: result.model.foldInBasis(),
      config: { ...result.options, ...(result.sample ? { sample: result.sample } : {}) },
      backend: result.backend,
      epochs: result.epochs,
      seconds: result.seconds,
    };
  } finally {
    await result.model.close();
  }
}

/**
 * {@link fitInteractions} in a worker thread (engine/train-worker.ts, through core/ts-worker), so that the event loop
 * of a serving process stays free while it trains: a training step in this thread holds the loop for the whole step (a
 * propagation over the graph), which every request would wait behind. The interaction arrays and the vectors are
 * copied between the threads.
 */
export function fitInteractionsInWorker(data: Interactions, options: Partial<LightGcnOptions> = {}, signal?: AbortSignal): Promise<FitOutput> {
  return runTsWorker<FitOutput>(new URL('./train-worker.ts', import.meta.url), { data, options }, { what: 'embeddings: training', ...(signal ? { signal } : {}) });
}

/**
 * Trains LightGCN on the projection's interactions and saves the artifact (vectors + manifest + node keys).
 * `worker: true` trains in a worker thread ({@link fitInteractionsInWorker}; `signal` stops it); the result is the same.
 */
export async function trainOnProjection(csr: Csr, options: Partial<LightGcnOptions> & { name?: string; worker?: boolean; signal?: AbortSignal } = {}): Promise<TrainedEmbeddings> {
  const { data, userKeys, itemKeys } = interactionsFromCsr(csr);
  if (data.users.length === 0) throw new AppError('BAD_REQUEST', 'embeddings: the graph has no interactions to train on');
  const { name = 'projection', worker = false, signal, ...train } = options;
  const fit = worker ? await fitInteractionsInWorker(data, train, signal) : await fitInteractions(data, train);
  const dir = saveEmbeddings(EMBEDDINGS_DIR, {
    name,
    users: fit.users,
    items: fit.items,
    dim: fit.dim,
    nLayers: fit.nLayers,
    basis: fit.basis,
    config: fit.config,
    data: { fingerprint: fingerprintInteractions(data), nInteractions: data.users.length, source: 'neo4j projection' },
    backend: fit.backend,
    epochs: fit.epochs,
  });
  writeFileSync(path.join(dir, KEYS_FILE), JSON.stringify({ users: userKeys, items: itemKeys }));
  log.info('embeddings: trained', { dir, users: userKeys.length, items: itemKeys.length, epochs: fit.epochs, backend: fit.backend, seconds: Number(fit.seconds.toFixed(1)), thread: worker ? 'worker' : 'main' });
  return { dir, dim: fit.dim, userKeys, itemKeys, users: fit.users, items: fit.items, backend: fit.backend, seconds: fit.seconds, epochs: fit.epochs };
}

/** Reads an artifact written by {@link trainOnProjection} back (vectors with their node keys). */
export function readProjectionEmbeddings(dir: string): TrainedEmbeddings {
  const artifact = loadEmbeddings(dir);
  const keysFile = path.join(dir, KEYS_FILE);
  if (!existsSync(keysFile)) throw new AppError('NOT_FOUND', `embeddings: ${dir} has no ${KEYS_FILE} (not trained on a projection)`);
  const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as { users: string[]; items: string[] };
  const m = artifact.manifest;
  return { dir, dim: m.dim, userKeys: keys.users, itemKeys: keys.items, users: artifact.users, items: artifact.items, backend: m.backend, seconds: m.trainSeconds ?? 0, epochs: m.epochs };
}

/**
 * Writes the vectors into Neo4j (User/Item `embedding` properties + their vector indexes). Not into a database read
 * through a graph mapping (store/mapping): that graph is the user's own; the engine keeps the vectors in memory.
 */
export async function publishEmbeddings(db: Database, trained: TrainedEmbeddings): Promise<void> {
  if (db.mapping) return;
  const version = path.basename(trained.dir);
  await writeVectors(db, 'User', trained.userKeys.map((k) => parseNodeKey(k).id), trained.users, trained.dim, version);
  await writeVectors(db, 'Item', trained.itemKeys.map((k) => parseNodeKey(k).id), trained.items, trained.dim, version);
}
