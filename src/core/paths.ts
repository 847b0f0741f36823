/**
 * @module core/paths
 * Absolute paths of the project's own folders, independent of the working directory.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const CYPHER_DIR = path.join(ROOT, 'cypher');
export const GRAPH_DIR = path.join(ROOT, 'graph');
export const EMBEDDINGS_DIR = path.join(ROOT, 'embeddings');
/** `../shared/data` beside the project: the licensed research datasets (never committed). */
export const SHARED_DATA_DIR = path.resolve(ROOT, '..', 'shared', 'data');

/** Resolves a path given by a user relative to the working directory, and a config path relative to the project. */
export function fromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.join(ROOT, p);
}
