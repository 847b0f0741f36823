/**
 * @module store/mapped-schema
 * A graph mapping meets its database (store/mapping): every label, type and property the file names is checked
 * against `db.labels()` / `db.relationshipTypes()` / `db.propertyKeys()`, then the one index per mapped label that
 * the mapped reads need (a range index on its id property) is created if missing. Nothing else in that database is
 * created, changed or deleted.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { cypher } from './cypher.ts';
import { openSession, type Database } from './driver.ts';
import { checkMappingAgainstDatabase, renderMapped, ResolvedMapping, type GraphMapping } from './mapping.ts';
import { mapDriverError } from './neo4j-graph-store.ts';

/** Checks the mapping's names against the database's lists; returns the resolved mapping (CONFIG error otherwise). */
export async function resolveMapping(db: Database, mapping: GraphMapping): Promise<ResolvedMapping> {
  const session = openSession(db, 'READ');
  try {
    const record = (await session.executeRead((tx) => tx.run(cypher('mapped', 'db-names')))).records[0]!;
    checkMappingAgainstDatabase(mapping, {
      labels: new Set(record.get('labels') as string[]),
      types: new Set(record.get('types') as string[]),
      props: new Set(record.get('props') as string[]),
    });
    return new ResolvedMapping(mapping);
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** The name of the id index of one mapped label (letters, digits and `_` only, plus a hash of the exact names). */
export function mappedIndexName(label: string, idProp: string): string {
  const hash = createHash('sha256').update(JSON.stringify([label, idProp])).digest('hex').slice(0, 8);
  return `graphrec_map_${`${label}_${idProp}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 60)}_${hash}`;
}

/** Creates the id index of every mapped label if it is missing (an equivalent index or constraint is kept as it is). */
export async function applyMappedSchema(db: Database, mapping: ResolvedMapping): Promise<void> {
  const session = openSession(db, 'WRITE');
  try {
    for (const [label, node] of Object.entries(mapping.nodes)) {
      const text = renderMapped(cypher('mapped', 'schema-node-id'), mapping, { label, idProp: node.id, indexName: mappedIndexName(label, node.id) });
      try {
        await session.executeWrite((tx) => tx.run(text));
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        // An index or a uniqueness constraint on the same label and property already serves the lookups.
        if (/EquivalentSchemaRuleAlreadyExists|IndexAlreadyExists|ConstraintAlreadyExists|AlreadyExists/.test(code)) {
          log.info('mapping: an equivalent index exists; keeping it', { label, property: node.id });
          continue;
        }
        throw error;
      }
    }
    await session.run('CALL db.awaitIndexes(300)');
  } catch (error) {
    throw error instanceof AppError ? error : mapDriverError(error);
  } finally {
    await session.close();
  }
}
