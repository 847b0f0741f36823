/**
 * @module store/vectors
 * Trained embeddings in Neo4j: written to an `embedding` property of each User/Item node (with the artifact's
 * version in `embeddingVersion`; reads leave both out of a node's props, core/model `VECTOR_PROPERTY_KEYS`), served
 * by one vector index per embedded label (`embedding_User`, `embedding_Item`, cosine), queried with
 * `db.index.vector.queryNodes` for item-to-item and user-to-item nearest neighbours.
 */
import { AppError } from '../core/errors.ts';
import { cypher, render } from './cypher.ts';
import { openSession, type Database } from './driver.ts';
import { mapDriverError } from './neo4j-graph-store.ts';
import { int, toNumber } from './records.ts';

export type EmbeddedLabel = 'User' | 'Item';

export const VECTORS_DEFAULTS = { batchSize: 2000 } as const;

/** Writes `vectors` ([ids.length × dim], row-major) to the nodes with these ids and (re)creates the vector index. */
export async function writeVectors(db: Database, label: EmbeddedLabel, ids: readonly string[], vectors: Float32Array, dim: number, version: string): Promise<void> {
  if (!Number.isInteger(dim) || dim < 1 || vectors.length !== ids.length * dim) {
    throw new AppError('BAD_REQUEST', `vectors: expected ${ids.length} × ${dim} values, got ${vectors.length}`);
  }
  const session = openSession(db, 'WRITE');
  try {
    const existing = (await session.executeRead((tx) => tx.run(cypher('vector', 'index-dimensions'), { name: `embedding_${label}` }))).records[0];
    if (existing && toNumber(existing.get('dimensions')) !== dim) await session.run(render(cypher('vector', 'drop-index'), { label }));
    await session.run(render(cypher('vector', 'create-index'), { label, dimensions: dim }));
    const statement = render(cypher('vector', 'set-embeddings'), { label });
    for (let start = 0; start < ids.length; start += VECTORS_DEFAULTS.batchSize) {
      const rows: Array<{ id: string; vector: number[] }> = [];
      for (let i = start; i < Math.min(ids.length, start + VECTORS_DEFAULTS.batchSize); i++) {
        rows.push({ id: ids[i]!, vector: Array.from(vectors.subarray(i * dim, (i + 1) * dim)) });
      }
      await session.executeWrite((tx) => tx.run(statement, { rows, version }));
    }
    await session.run('CALL db.awaitIndexes(300)');
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** The `k` nodes of `label` nearest to `vector` by cosine similarity, from the vector index. */
export async function nearestByVector(db: Database, label: EmbeddedLabel, vector: Float32Array, k: number): Promise<Array<{ id: string; score: number }>> {
  const session = openSession(db, 'READ');
  try {
    const result = await session.executeRead((tx) => tx.run(cypher('vector', 'nearest'), { index: `embedding_${label}`, k: int(k), vector: Array.from(vector) }));
    return result.records.map((r) => ({ id: String(r.get('id')), score: Number(r.get('score')) }));
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}
