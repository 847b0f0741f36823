/**
 * @module project/load
 * Reads the graph out of Neo4j once into a {@link Csr} (keyset-paged reads through `executeRead`), or reuses the
 * snapshot under `graph/snapshots/` when the database's fingerprint (counts and sums over the projected edge
 * attributes) has not changed since it was written.
 *
 * Node keys in the projection are `<Kind>:<id>` (e.g. `Item:ml100k:i:1`), so a user, an item and an entity may share an
 * id without colliding; {@link nodeKey} / {@link parseNodeKey} convert. Edges: user→item interactions (relation 0,
 * weight = the pair's kinds combined by core/interactions `edgeWeight`, the same function the live engine applies) and
 * item/entity→item/entity knowledge edges (relation = the dataset's name, weight 1). The interaction settings are part
 * of the snapshot key, so changed kind weights never reuse a snapshot made under others.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { loadConfig, type Config } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { edgeWeight, INTERACTION_DEFAULTS, type InteractionSettings, type KindValue } from '../core/interactions.ts';
import { log } from '../core/log.ts';
import { createProgress, type Progress } from '../core/progress.ts';
import { NODE_KINDS, type NodeKind, type NodeRef, type Props } from '../core/model.ts';
import { GRAPH_DIR } from '../core/paths.ts';
import { cypher, render } from '../store/cypher.ts';
import type { Database } from '../store/driver.ts';
import { mapDriverError } from '../store/neo4j-graph-store.ts';
import { openDatabase } from '../store/open.ts';
import { toNative, int } from '../store/records.ts';
import { buildCsr, INTERACTION_RELATION, KIND_CODES, type Csr } from './csr.ts';
import { readSnapshot, readSnapshotManifest, writeSnapshot } from './csr-snapshot.ts';

export const PROJECTION_DEFAULTS = {
  /** Rows per keyset page. */
  pageSize: 5000,
  /** Folder of projection snapshots; empty string = no snapshots. */
  snapshotDir: path.join(GRAPH_DIR, 'snapshots'),
} as const;

export function nodeKey(kind: NodeKind, id: string): string {
  return `${kind}:${id}`;
}

export function parseNodeKey(key: string): NodeRef {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon) as NodeKind;
  if (colon < 0 || !NODE_KINDS.includes(kind)) throw new AppError('INVALID_GRAPH', `project: malformed node key ${JSON.stringify(key)}`);
  return { kind, id: key.slice(colon + 1) };
}

export interface ProjectionOptions {
  pageSize?: number;
  snapshotDir?: string;
  /** Progress of the read from Neo4j (rows read, a unit per page). */
  progress?: Progress;
  /** How kinds combine into an edge weight [core/interactions INTERACTION_DEFAULTS]. */
  interactions?: InteractionSettings;
}

/** A fingerprint of what the projection reads; equal fingerprints ⇒ the snapshot is current. */
export async function projectionFingerprint(db: Database): Promise<string> {
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  try {
    const record = (await session.executeRead((tx) => tx.run(cypher('read', 'projection-fingerprint')))).records[0]!;
    const values = record.keys.map((k) => String(toNative(record.get(k))));
    return createHash('sha256').update(values.join('|')).digest('hex').slice(0, 24);
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** Reads the whole graph from Neo4j into a CSR (no snapshot logic). */
export async function readProjection(db: Database, options: ProjectionOptions = {}): Promise<Csr> {
  const pageSize = options.pageSize ?? PROJECTION_DEFAULTS.pageSize;
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  const ids: string[] = [];
  const kinds: number[] = [];
  const index = new Map<string, number>();
  const relations = [INTERACTION_RELATION];
  const relationIds = new Map<string, number>([[INTERACTION_RELATION, 0]]);
  const src: number[] = [];
  const dst: number[] = [];
  const weight: number[] = [];
  const relation: number[] = [];

  let rowsRead = 0;
  async function pages(statement: string, each: (row: { id: string; edges?: unknown[] }) => void): Promise<void> {
    let after = '';
    for (;;) {
      options.progress?.update('project', rowsRead);
      const result = await session.executeRead((tx) => tx.run(statement, { after, page: int(pageSize) }));
      for (const r of result.records) {
        const row = { id: String(r.get('id')), ...(r.keys.includes('edges') ? { edges: toNative(r.get('edges')) as unknown[] } : {}) };
        each(row);
        after = row.id;
        rowsRead++;
      }
      if (result.records.length < pageSize) return;
    }
  }

  try {
    for (const kind of NODE_KINDS) {
      await pages(render(cypher('read', 'projection-nodes'), { label: kind }), ({ id }) => {
        index.set(nodeKey(kind, id), ids.length);
        ids.push(nodeKey(kind, id));
        kinds.push(KIND_CODES[kind]);
      });
    }
    const settings = options.interactions ?? INTERACTION_DEFAULTS;
    await pages(cypher('read', 'projection-interactions'), ({ id, edges }) => {
      const u = index.get(nodeKey('User', id))!;
      const byItem = new Map<number, KindValue[]>();
      for (const [itemId, kind, w] of edges as Array<[string | null, string | null, number]>) {
        if (itemId === null || kind === null) continue;
        const i = index.get(nodeKey('Item', itemId));
        if (i === undefined) continue;
        const list = byItem.get(i);
        if (list) list.push({ kind, weight: w });
        else byItem.set(i, [{ kind, weight: w }]);
      }
      for (const [i, kindValues] of byItem) {
        src.push(u);
        dst.push(i);
        weight.push(edgeWeight(kindValues, settings));
        relation.push(0);
      }
    });
    for (const kind of ['Item', 'Entity'] as const) {
      await pages(render(cypher('read', 'projection-knowledge'), { label: kind }), ({ id, edges }) => {
        const h = index.get(nodeKey(kind, id))!;
        for (const [tailKind, tailId, rel] of edges as Array<[NodeKind, string | null, string | null]>) {
          if (tailId === null || rel === null) continue;
          const t = index.get(nodeKey(tailKind, tailId));
          if (t === undefined) continue;
          let r = relationIds.get(rel);
          if (r === undefined) {
            r = relations.length;
            relationIds.set(rel, r);
            relations.push(rel);
          }
          src.push(h);
          dst.push(t);
          weight.push(1);
          relation.push(r);
        }
      });
    }
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    options.progress?.done();
    await session.close();
  }
  return buildCsr({
    ids,
    kinds: Uint8Array.from(kinds),
    relations,
    edges: { src: Uint32Array.from(src), dst: Uint32Array.from(dst), weight: Float32Array.from(weight), relation: Uint16Array.from(relation) },
  });
}

/**
 * What the projection's interaction edges are (the projection keeps weights only): the kind as ingested when one kind
 * holds every edge (rating, listen, purchase, …; `interaction` when kinds are mixed or there are none), and whether
 * every edge carries an explicit rating (then weights are ratings). One aggregate read over the interactions.
 */
export async function readInteractionKind(db: Database): Promise<{ kind: string; rated: boolean }> {
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  try {
    const result = await session.executeRead((tx) => tx.run(cypher('read', 'interaction-kinds')));
    const rows = result.records.map((r) => ({ kind: String(r.get('kind')), edges: toNative(r.get('edges')) as number, rated: toNative(r.get('rated')) as number }));
    if (rows.length === 0) return { kind: 'rating', rated: true };
    const total = rows.reduce((a, r) => a + r.edges, 0);
    const rated = rows.reduce((a, r) => a + r.rated, 0) === total;
    return { kind: rows.length === 1 ? rows[0]!.kind : rated ? 'rating' : 'interaction', rated };
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** Display names by node key: item titles and entity names (users are shown by id). */
export async function readLabels(db: Database, options: ProjectionOptions = {}): Promise<Map<string, string>> {
  const pageSize = options.pageSize ?? PROJECTION_DEFAULTS.pageSize;
  const labels = new Map<string, string>();
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  try {
    for (const kind of ['Item', 'Entity'] as const) {
      const statement = render(cypher('read', 'projection-labels'), { label: kind });
      let after = '';
      for (;;) {
        const result = await session.executeRead((tx) => tx.run(statement, { after, page: int(pageSize) }));
        for (const r of result.records) {
          after = String(r.get('id'));
          labels.set(nodeKey(kind, after), String(r.get('label')));
        }
        if (result.records.length < pageSize) break;
      }
    }
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
  return labels;
}

/**
 * Scalar properties of every item by node key (`Item:<id>`), without `id` and `title`: what `filters.itemProps` of a
 * recommendation request compares against. Items without other properties are left out.
 */
export async function readItemProps(db: Database, options: ProjectionOptions = {}): Promise<Map<string, Props>> {
  const pageSize = options.pageSize ?? PROJECTION_DEFAULTS.pageSize;
  const props = new Map<string, Props>();
  const session = db.driver.session({ database: db.database, defaultAccessMode: neo4j.session.READ });
  try {
    let after = '';
    for (;;) {
      const result = await session.executeRead((tx) => tx.run(cypher('read', 'projection-item-props'), { after, page: int(pageSize) }));
      for (const r of result.records) {
        after = String(r.get('id'));
        const own: Props = {};
        for (const [name, value] of Object.entries(r.get('props') as Record<string, unknown>)) {
          if (name === 'id' || name === 'title') continue;
          const native = toNative(value);
          if (typeof native === 'string' || typeof native === 'number' || typeof native === 'boolean') own[name] = native;
        }
        if (Object.keys(own).length > 0) props.set(nodeKey('Item', after), own);
      }
      if (result.records.length < pageSize) break;
    }
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
  return props;
}

/** The projection, from the current snapshot when the database has not changed since, else read and snapshotted. */
export async function projectDatabase(db: Database, options: ProjectionOptions = {}): Promise<{ csr: Csr; fingerprint: string; fromSnapshot: boolean }> {
  const snapshotDir = options.snapshotDir ?? PROJECTION_DEFAULTS.snapshotDir;
  const fingerprint = await projectionFingerprint(db);
  const key = createHash('sha256').update(db.uri + '|' + db.database).digest('hex').slice(0, 12);
  const settings = options.interactions ?? INTERACTION_DEFAULTS;
  const settingsKey = createHash('sha256').update(JSON.stringify([Object.entries(settings.kindWeights).sort(), settings.defaultKindWeight])).digest('hex').slice(0, 8);
  const dir = snapshotDir ? path.join(snapshotDir, `${key}-${fingerprint}-${settingsKey}`) : '';
  if (dir && existsSync(dir)) {
    try {
      readSnapshotManifest(dir);
      const { csr } = readSnapshot(dir);
      log.info('projection: snapshot reused', { dir, nodes: csr.nodeCount, edges: csr.edgeCount });
      return { csr, fingerprint, fromSnapshot: true };
    } catch (error) {
      log.warn('projection: snapshot unreadable, re-reading Neo4j', { dir, error: (error as Error).message });
    }
  }
  const started = performance.now();
  const csr = await readProjection(db, options);
  log.info('projection: read from Neo4j', { nodes: csr.nodeCount, edges: csr.edgeCount, ms: Math.round(performance.now() - started) });
  if (dir) {
    for (const old of existsSync(snapshotDir) ? readdirSync(snapshotDir) : []) {
      if (old.startsWith(key + '-')) rmSync(path.join(snapshotDir, old), { recursive: true, force: true });
    }
    writeSnapshot(dir, csr, { fingerprint, uri: db.uri, database: db.database });
  }
  return { csr, fingerprint, fromSnapshot: false };
}

/** For CLI commands: opens the configured database, projects it, and hands back a closer. */
export async function loadProjection(options: { cfg?: Config } = {}): Promise<{ csr: Csr; close(): Promise<void> }> {
  const cfg = options.cfg ?? loadConfig();
  const db = await openDatabase(cfg);
  try {
    const { csr } = await projectDatabase(db, { progress: createProgress(process.stderr, { unit: 'rows' }), interactions: cfg.interactions });
    return { csr, close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}
