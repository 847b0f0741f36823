/**
 * @module store/open
 * Boot sequence of the store: connect (starting the local Neo4j when `NEO4J_URI` is unset), check every Cypher file
 * is present, apply the schema.
 */
import type { Config } from '../core/config.ts';
import { cypherNames } from './cypher.ts';
import type { InteractionBounds } from '../core/bounds.ts';
import { AppError } from '../core/errors.ts';
import { connectDatabase, type Database } from './driver.ts';
import type { GraphStore } from './graph-store.ts';
import { MappedGraphStore } from './mapped-graph-store.ts';
import { Neo4jGraphStore, type Neo4jStoreOptions } from './neo4j-graph-store.ts';
import { loadGraphMapping } from './mapping.ts';
import { applyMappedSchema, resolveMapping } from './mapped-schema.ts';
import { applySchema } from './schema.ts';

/**
 * Commands that write graphrec's own model (ingest, doctor) never run on a mapped database (the user's own): CONFIG
 * error when a mapping file is set.
 */
export function refuseMapped(mappingFile: string | undefined, command: string): void {
  if (mappingFile) throw new AppError('CONFIG', `${command} works on graphrec's own model only; unset GRAPHREC_GRAPH_MAPPING (${mappingFile}) to run it (docs/graph-mapping.md)`);
}

/**
 * With a graph mapping (`cfg.data.mapping`, `GRAPHREC_GRAPH_MAPPING`; `mapping` overrides it) the file is validated
 * before connecting, its names are checked against the database's own lists, and only the indexes it needs are
 * created; graphrec's own schema is not applied to that database.
 */
export async function openDatabase(cfg: Config, options: { supervise?: boolean; mapping?: string; ownModelOnly?: string } = {}): Promise<Database> {
  cypherNames('read');
  const mappingFile = options.mapping ?? cfg.data.mapping;
  if (options.ownModelOnly) refuseMapped(mappingFile, options.ownModelOnly);
  const mapping = mappingFile ? loadGraphMapping(mappingFile) : undefined;
  const db = await connectDatabase(cfg, options);
  try {
    if (mapping) {
      db.mapping = await resolveMapping(db, mapping);
      await applyMappedSchema(db, db.mapping);
    } else await applySchema(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** The GraphStore of a database: through its graph mapping when it has one (store/mapped-graph-store), else graphrec's own model. */
export function openGraphStore(db: Database, bounds: InteractionBounds, options: Neo4jStoreOptions = {}): GraphStore {
  return db.mapping ? new MappedGraphStore(db.driver, db.database, db.mapping, bounds, options) : new Neo4jGraphStore(db.driver, db.database, bounds, options);
}
