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
import { EMBEDDINGS_DIR } from '../core/paths.ts';
import { fingerprintInteractions, fitLightGcn, loadEmbeddings, saveEmbeddings, type Interactions, type LightGcnOptions } from '../compute/lightgcn/index.ts';
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

/** User→item interaction edges of the projection as LightGCN input. */
export function interactionsFromCsr(csr: Csr): ProjectedInteractions {
  const userIndex = new Int32Array(csr.nodeCount).fill(-1);
  const itemIndex = new Int32Array(csr.nodeCount).fill(-1);
  const userKeys: string[] = [];
  const itemKeys: string[] = [];
  for (let v = 0; v < csr.nodeCount; v++) {
    if (csr.kinds[v] === KIND_CODES.User) {
      userIndex[v] = userKeys.length;
      userKeys.push(csr.ids[v]!);
    } else if (csr.kinds[v] === KIND_CODES.Item) {
      itemIndex[v] = itemKeys.length;
      itemKeys.push(csr.ids[v]!);
    }
  }
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

/** Trains LightGCN on the projection's interactions and saves the artifact (vectors + manifest + node keys). */
export async function trainOnProjection(csr: Csr, options: Partial<LightGcnOptions> & { name?: string } = {}): Promise<TrainedEmbeddings> {
  const { data, userKeys, itemKeys } = interactionsFromCsr(csr);
  if (data.users.length === 0) throw new AppError('BAD_REQUEST', 'embeddings: the graph has no interactions to train on');
  const { name = 'projection', ...train } = options;
  const result = await fitLightGcn(data, train);
  const users = result.model.userEmbeddings();
  const items = result.model.itemEmbeddings();
  const dim = result.options.embeddingSize;
  const dir = saveEmbeddings(EMBEDDINGS_DIR, {
    name,
    users,
    items,
    dim,
    nLayers: result.options.nLayers,
    basis: result.model.foldInBasis(),
    config: { ...result.options },
    data: { fingerprint: fingerprintInteractions(data), nInteractions: data.users.length, source: 'neo4j projection' },
    backend: result.backend,
    epochs: result.epochs,
  });
  writeFileSync(path.join(dir, KEYS_FILE), JSON.stringify({ users: userKeys, items: itemKeys }));
  await result.model.close();
  log.info('embeddings: trained', { dir, users: userKeys.length, items: itemKeys.length, epochs: result.epochs, backend: result.backend, seconds: Number(result.seconds.toFixed(1)) });
  return { dir, dim, userKeys, itemKeys, users, items, backend: result.backend, seconds: result.seconds, epochs: result.epochs };
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
