/**
 * @module store/open
 * Boot sequence of the store: connect (starting the local Neo4j when `NEO4J_URI` is unset), check every Cypher file
 * is present, apply the schema.
 */
import type { Config } from '../core/config.ts';
import { cypherNames } from './cypher.ts';
import { connectDatabase, type Database } from './driver.ts';
import { applySchema } from './schema.ts';

export async function openDatabase(cfg: Config, options: { supervise?: boolean } = {}): Promise<Database> {
  cypherNames('read');
  const db = await connectDatabase(cfg, options);
  try {
    await applySchema(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
