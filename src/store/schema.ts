/**
 * @module store/schema
 * Applies `cypher/schema/*.cypher` in name order (every statement is `IF NOT EXISTS`, so this is idempotent) and waits
 * for the indexes to come online. Also the reset used by tests and `graphrec ingest --reset`.
 */
import { mapDriverError } from './neo4j-graph-store.ts';
import { cypher, cypherNames } from './cypher.ts';
import { openSession, type Database } from './driver.ts';

export async function applySchema(db: Database): Promise<void> {
  const session = openSession(db, 'WRITE');
  try {
    for (const name of cypherNames('schema')) await session.executeWrite((tx) => tx.run(cypher('schema', name)));
    await session.run('CALL db.awaitIndexes(300)');
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** Deletes every relationship, then every node (batched, auto-commit transactions). The schema stays. */
export async function deleteAll(db: Database): Promise<void> {
  const session = openSession(db, 'WRITE');
  try {
    await session.run(cypher('write', 'delete-all-relationships'));
    await session.run(cypher('write', 'delete-all'));
  } finally {
    await session.close();
  }
}
