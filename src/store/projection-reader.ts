/**
 * @module store/projection-reader
 * Reads what the projection needs out of Neo4j (project/load assembles it into a CSR; nothing above `store/` sees the
 * driver).
 *
 * - **One consistent snapshot**: {@link readProjectionRows} reads every node, interaction and knowledge edge in ONE
 *   read transaction (keyset pages are statements of it, on one cluster member), between two fingerprints taken in
 *   that transaction. Neo4j isolates transactions only at read-committed level, so a later page may see a write that
 *   committed after an earlier page; the fingerprints catch that: when they differ the whole read starts over
 *   (the visitor's `begin()` is called again), up to `maxAttempts` times. Past that (writes never pause) the last read
 *   is kept with a warning; the live engine applies the writes that commit after it. The fingerprint returned is the
 *   one taken after the read. A transaction the driver retries (a cluster member lost mid-read) also starts over.
 * - **Invalid stored edges** (outside core/bounds: a negative, non-finite or oversized weight, a rating off the scale —
 *   written by an old version or by hand in Cypher) are skipped, counted and returned with a few samples; they never
 *   fail the read. `graphrec doctor` lists and repairs them ({@link scanInvalidInteractions}, {@link repairInvalidInteractions}),
 *   with the same MATCH (cypher/read/projection-interactions, which adds each edge's element id) and the same
 *   predicate (core/bounds `interactionProblem`), so it finds exactly what a start skips.
 * - **Compact wire form**: the projection reads the interactions as parallel lists per user
 *   (cypher/read/projection-interaction-lists: item ids, weights, kinds, ratings; no element id and no list per edge)
 *   and converts only values that are not already plain; the element ids of the sampled invalid edges are looked up
 *   afterwards, in the same transaction. Measured in `npm run bench -- scale` (docs/scaling.md).
 */
import type { ManagedTransaction, Record as Neo4jRecord } from 'neo4j-driver';
import { INTERACTION_BOUNDS, interactionProblem, type InteractionBounds } from '../core/bounds.ts';
import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { NODE_KINDS, type NodeKind } from '../core/model.ts';
import type { Progress } from '../core/progress.ts';
import { cypher, render } from './cypher.ts';
import { openSession, type Database } from './driver.ts';
import { mappedFingerprint, readMappedInteractions, readMappedKnowledge, readMappedNodes } from './mapped-read.ts';
import type { ResolvedMapping } from './mapping.ts';
import { mapDriverError, runInSession } from './neo4j-graph-store.ts';
import { hasProjectionProcedure, isProcedureFingerprint, procedureFingerprint, readThroughProcedure } from './projection-procedure.ts';
import { exactText, int, toNative } from './records.ts';

export const PROJECTION_READ_DEFAULTS = {
  /** Rows per keyset page. */
  pageSize: 5000,
  /** Invalid edges listed by name in a report (all are counted). */
  maxSamples: 20,
  /** Reads of the whole projection before one whose fingerprints (before = after) agree is given up on. */
  maxAttempts: 5,
  /** Records of the procedure read streamed ahead of the decoder. */
  fetchSize: 16,
} as const;

/** One stored INTERACTED edge that breaks the bounds. */
export interface InvalidInteraction {
  /** Neo4j element id of the relationship (what `doctor --fix` deletes or updates). */
  elementId: string;
  userId: string;
  itemId: string;
  kind: string | null;
  weight: unknown;
  rating: unknown;
  problem: string;
}

export interface InvalidEdgeReport {
  /** Invalid edges skipped. */
  count: number;
  /** The first few, in user-id order. */
  samples: InvalidInteraction[];
}

/** The valid interaction edges of one user as parallel lists (entry k = one edge): item node numbers, weights, kinds. */
export interface InteractionEdges {
  items: number[];
  weights: number[];
  kinds: string[];
}

/** The same with item ids: what doctor's scan and the mapped read sort before the items are numbered. */
interface IdEdges {
  items: string[];
  weights: number[];
  kinds: string[];
}
/**
 * Interaction edges per kind as stored (kind `interaction` when an edge has none): how many, and how many of those
 * carry a rating. Every edge from a user to an item counts, valid or not (cypher/read/interaction-kinds is the same
 * aggregate as one query).
 */
export interface InteractionKindRow {
  kind: string;
  edges: number;
  rated: number;
}

/** Adds one stored edge to per-kind counts. */
function countKind(counts: Map<string, InteractionKindRow>, kind: string | null, rating: unknown): void {
  const name = kind ?? 'interaction';
  let row = counts.get(name);
  if (!row) counts.set(name, (row = { kind: name, edges: 0, rated: 0 }));
  row.edges++;
  if (rating !== null && rating !== undefined) row.rated++;
}

/** Per-kind counts, most edges first (the order of cypher/read/interaction-kinds). */
function kindRows(counts: Map<string, InteractionKindRow>): InteractionKindRow[] {
  return [...counts.values()].sort((a, b) => b.edges - a.edges || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

/** A knowledge edge leaving a head: [tail kind, tail id, relation]. */
export type KnowledgeEdgeRow = [tailKind: NodeKind, tailId: string, relation: string];

/**
 * What receives the rows of one snapshot read, in this order: nodes (per kind, in id order), interactions (per user),
 * knowledge. Nodes are numbered from 0 in the order they are visited; edges name nodes by those numbers. Only edges
 * whose ends were visited are handed on.
 */
export interface ProjectionVisitor {
  /** Start (or restart, when the transaction is retried) from nothing. */
  begin(): void;
  /**
   * Upper bounds of the interaction and knowledge edges the read hands on, when the read knows them before it starts
   * (the procedure read: Neo4j's count store), so the visitor can size its buffers once.
   */
  expect?(interactions: number, knowledge: number): void;
  node(kind: NodeKind, id: string): void;
  /** The valid interaction edges of user node `user` (maybe none); the lists may be reused after the call returns. */
  interactions(user: number, edges: InteractionEdges): void;
  /** The knowledge edges leaving item or entity node `head`: tail nodes and relations, parallel (maybe none). */
  knowledge(head: number, tails: number[], relations: string[]): void;
}

/** Numbers the nodes as they are visited (the Cypher and mapped reads name edge ends by id). */
class NodeNumbers {
  private readonly byKey = new Map<string, number>();
  private readonly items = new Map<string, number>();
  private count = 0;
  constructor(private readonly visitor: ProjectionVisitor) {}
  add(kind: NodeKind, id: string): void {
    this.byKey.set(`${kind}:${id}`, this.count);
    if (kind === 'Item') this.items.set(id, this.count);
    this.count++;
    this.visitor.node(kind, id);
  }
  of(kind: NodeKind, id: string): number | undefined {
    return kind === 'Item' ? this.items.get(id) : this.byKey.get(`${kind}:${id}`);
  }
  /** A user's edges with their items numbered; edges to items that were not visited are dropped. */
  numbered(edges: IdEdges): InteractionEdges {
    const out: InteractionEdges = { items: [], weights: [], kinds: [] };
    for (let k = 0; k < edges.items.length; k++) {
      const i = this.items.get(edges.items[k]!);
      if (i === undefined) continue;
      out.items.push(i);
      out.weights.push(edges.weights[k]!);
      out.kinds.push(edges.kinds[k]!);
    }
    return out;
  }
  /** Knowledge edges of `head` with their ends numbered (edges to nodes that were not visited are dropped). */
  knowledge(headKind: NodeKind, headId: string, edges: readonly KnowledgeEdgeRow[]): void {
    const head = this.of(headKind, headId);
    if (head === undefined) return;
    const tails: number[] = [];
    const relations: string[] = [];
    for (const [tailKind, tailId, relation] of edges) {
      const t = this.of(tailKind, tailId);
      if (t === undefined) continue;
      tails.push(t);
      relations.push(relation);
    }
    this.visitor.knowledge(head, tails, relations);
  }
}

export interface ProjectionReadOptions {
  pageSize?: number;
  bounds?: InteractionBounds;
  maxSamples?: number;
  maxAttempts?: number;
  progress?: Progress;
  /** Awaited after each page (inside the transaction): progress hooks, and tests that commit a write mid-read. */
  afterPage?: (attempt: number) => Promise<void>;
  /**
   * A fingerprint the caller took before calling (project/load takes one to look for a snapshot): the first attempt
   * compares its end fingerprint with it instead of taking its own at the start — a write committed in between is
   * caught all the same, and the read saves one scan of every interaction (the fingerprint's cost grows with the graph).
   * Without one, a procedure read on a server that tells its store version compares the versions before and after its
   * first attempt instead, and takes no fingerprint scan at all.
   */
  before?: string;
  /**
   * How to read: `procedure` = graphrec's own procedure (store/projection-procedure: the project's local Neo4j only),
   * `cypher` = keyset pages of Cypher (any Neo4j). Default: the procedure where the server has it.
   */
  via?: 'procedure' | 'cypher';
  /** Packed bytes per streamed record of the procedure read [256 KiB] (tests make it small to write between records). */
  chunkBytes?: number;
  /**
   * Records of the procedure read the server streams ahead of the decoder [{@link PROJECTION_READ_DEFAULTS}]: the
   * client holds at most about fetchSize × chunkBytes of undecoded data.
   */
  fetchSize?: number;
}

async function fingerprintIn(tx: ManagedTransaction): Promise<string> {
  const record = (await tx.run(cypher('read', 'projection-fingerprint'))).records[0]!;
  const values = record.keys.map((k) => exactText(record.get(k)));
  return createHash('sha256').update(values.join('|')).digest('hex').slice(0, 24);
}

/**
 * A fingerprint of what the projection reads; equal fingerprints ⇒ the snapshot is current. Each way of reading has
 * its own (the procedure's is taken by the procedure, store/projection-procedure): `via` as the read's.
 */
export async function projectionFingerprint(db: Database, via?: 'procedure' | 'cypher'): Promise<string> {
  const mapping = db.mapping;
  const procedure = !mapping && (await readsThroughProcedure(db, via));
  return runInSession(db.driver, db.database, 'READ', async (tx) => (mapping ? (await mappedFingerprint(tx, mapping)).fingerprint : procedure ? procedureFingerprint(tx) : fingerprintIn(tx)));
}

/** Whether a read of `db` goes through graphrec's procedure (`via` given, or the server has it). */
async function readsThroughProcedure(db: Database, via: 'procedure' | 'cypher' | undefined): Promise<boolean> {
  if (via === 'cypher') return false;
  const has = await hasProjectionProcedure(db);
  if (via === 'procedure' && !has) throw new AppError('DEPENDENCY_MISSING', 'projection: this Neo4j has no graphrec.projection procedure (only the project\'s local Neo4j has it)');
  return has;
}

/**
 * {@link storeVersion} inside `tx` (only on a server known to tell it: a failed statement would end the transaction).
 * `mapped` = the graph is read through a graph mapping, which may read any property: the last committed transaction.
 */
async function versionIn(tx: ManagedTransaction, mapped = false): Promise<string | null> {
  const record = (await tx.run(cypher('read', 'store-version'))).records[0];
  if (!record) return null;
  const id = String(record.get('id'));
  if (mapped) return `${id}:tx:${exactText(record.get('tx'))}`;
  const serving = record.get('serving') as unknown;
  return typeof serving === 'string' ? `${id}:${serving}` : null;
}

/**
 * A version of what graphrec reads from the database, as one string, when the server tells it (the project's own
 * local Neo4j registers `graphrec.servingVersion`, cypher/read/store-version); `null` on any other server. Equal
 * versions = nothing graphrec reads was written in between, so the fingerprint of an earlier equal version still
 * holds. It does not move when graphrec publishes its vectors (the `embedding` properties, which no read here
 * takes), so a boot after training keeps its snapshot; with a graph mapping it is the last committed transaction.
 */
export async function storeVersion(db: Database): Promise<string | null> {
  try {
    return await runInSession(db.driver, db.database, 'READ', (tx) => versionIn(tx, db.mapping !== undefined));
  } catch (error) {
    log.debug('projection: no store version on this server; the fingerprint decides', { error: (error as Error).message });
    return null;
  }
}

/**
 * Runs one statement of `tx`, handing each record to `each` as it arrives; resolves with the record count. Streamed,
 * not awaited: the driver keeps every result of a transaction until the transaction ends, and an awaited result holds
 * all its records, so a projection read of N pages in one transaction would hold every page's records at once (the
 * whole graph as driver objects: the JS heap ran out at 50M interactions, docs/scaling.md). A streamed result keeps
 * none.
 */
function streamRecords(tx: ManagedTransaction, statement: string, params: Record<string, unknown>, each: (record: Neo4jRecord) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    tx.run(statement, params).subscribe({
      onNext: (record) => {
        count++;
        try {
          each(record);
        } catch (error) {
          reject(error as Error);
        }
      },
      onCompleted: () => resolve(count),
      onError: reject,
    });
  });
}

/** Runs `statement` page by page (keyset on `id`) inside `tx`, calling `each` per row and `onPage` after each page. */
async function pages(tx: ManagedTransaction, statement: string, pageSize: number, each: (row: { id: string; get(key: string): unknown }) => void, onPage?: (rows: number) => Promise<void> | void): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await streamRecords(tx, statement, { after, page: int(pageSize) }, (r) => {
      after = String(r.get('id'));
      each({ id: after, get: (key) => r.get(key) });
    });
    await onPage?.(rows);
    if (rows < pageSize) return;
  }
}

type RawInteraction = [itemId: string | null, weight: unknown, kind: string | null, rating: unknown, elementId: string | null];

/** Where one read's rules put what they find: the invalid edges (counted, a few sampled) and, when given, per-kind counts. */
interface Admission {
  bounds: InteractionBounds;
  maxSamples: number;
  report: InvalidEdgeReport;
  counts?: Map<string, InteractionKindRow>;
}

/**
 * The rules every read applies to one stored interaction from user `userId` to item `itemId`: it is counted per kind
 * (valid or not); it is an edge when it has a kind and its values are within the shared bounds (core/bounds), else it
 * is counted and sampled as invalid. Returns the weight of an edge, or undefined.
 */
function admit(a: Admission, userId: string, itemId: string, kind: string | null, weight: unknown, rating: unknown, elementId = ''): number | undefined {
  if (a.counts) countKind(a.counts, kind, rating);
  if (kind === null) return undefined;
  const problem = interactionProblem({ weight, rating }, a.bounds);
  if (problem) {
    a.report.count++;
    if (a.report.samples.length < a.maxSamples) a.report.samples.push({ elementId, userId, itemId, kind, weight, rating, problem });
    return undefined;
  }
  return weight as number;
}

/**
 * Splits one user's raw interaction rows (with element ids: doctor's scan, the mapped read) into valid edges and
 * invalid ones, with {@link admit}. Rows without an item (a user without interactions) or without an element id are not
 * interactions.
 */
function sortInteractions(userId: string, raw: RawInteraction[], admission: Admission): IdEdges {
  const edges: IdEdges = { items: [], weights: [], kinds: [] };
  for (const [itemId, weight, kind, rating, elementId] of raw) {
    if (itemId === null || elementId === null) continue;
    const w = admit(admission, userId, itemId, kind, weight, rating, elementId);
    if (w === undefined) continue;
    edges.items.push(itemId);
    edges.weights.push(w);
    edges.kinds.push(kind!);
  }
  return edges;
}

/** A driver value made plain only when it needs it (strings and floats, the common case, pass as they are). */
function plain(value: unknown): unknown {
  return value === null || typeof value === 'number' || typeof value === 'string' ? value : toNative(value);
}

/**
 * Splits one user's interaction lists (projection-interaction-lists) into valid edges and invalid ones with
 * {@link admit}, items numbered; an invalid edge's sample gets its element id later ({@link fillElementIds}), so the
 * read carries none.
 */
function sortInteractionLists(userId: string, row: { get(key: string): unknown }, admission: Admission, numbers: NodeNumbers): InteractionEdges {
  const items = row.get('items') as Array<string | null>;
  const weights = row.get('weights') as unknown[];
  const kinds = row.get('kinds') as Array<string | null>;
  const ratings = row.get('ratings') as unknown[];
  const edges: IdEdges = { items: [], weights: [], kinds: [] };
  for (let k = 0; k < items.length; k++) {
    const itemId = items[k] ?? null;
    if (itemId === null) continue;
    const kind = kinds[k] ?? null;
    const w = admit(admission, userId, itemId, kind, plain(weights[k]), plain(ratings[k]));
    if (w === undefined) continue;
    edges.items.push(itemId);
    edges.weights.push(w);
    edges.kinds.push(kind!);
  }
  return numbers.numbered(edges);
}

/** Fills the element ids of the sampled invalid edges (a handful of indexed lookups, in the read's transaction). */
async function fillElementIds(tx: ManagedTransaction, report: InvalidEdgeReport): Promise<void> {
  for (const sample of report.samples) {
    const result = await tx.run(cypher('read', 'interaction-element-id'), { user: sample.userId, item: sample.itemId, kind: sample.kind });
    sample.elementId = String(result.records[0]?.get('eid') ?? '');
  }
}

/**
 * Reads the whole projection in one read transaction between two equal fingerprints (see the module header); returns
 * the fingerprint, the invalid edges skipped, and how many reads it took.
 */
export interface ProjectionRead {
  /** Fingerprint taken after the read. */
  fingerprint: string;
  invalid: InvalidEdgeReport;
  /** Stored interaction edges per kind (what {@link readInteractionKindRows} would answer), counted during the read. */
  kinds: InteractionKindRow[];
  attempts: number;
  stable: boolean;
}

export async function readProjectionRows(db: Database, visitor: ProjectionVisitor, options: ProjectionReadOptions = {}): Promise<ProjectionRead> {
  const pageSize = options.pageSize ?? PROJECTION_READ_DEFAULTS.pageSize;
  const bounds = options.bounds ?? INTERACTION_BOUNDS;
  const maxSamples = options.maxSamples ?? PROJECTION_READ_DEFAULTS.maxSamples;
  const maxAttempts = options.maxAttempts ?? PROJECTION_READ_DEFAULTS.maxAttempts;
  if (db.mapping) return readMappedProjectionRows(db, db.mapping, visitor, { bounds, maxSamples, maxAttempts, ...(options.progress ? { progress: options.progress } : {}) });
  const procedure = await readsThroughProcedure(db, options.via);
  const fetchSize = procedure ? (options.fetchSize ?? PROJECTION_READ_DEFAULTS.fetchSize) : undefined;
  // Asked outside the read's transaction: whether the server tells its store version (the local Neo4j does).
  const versioned = procedure && options.before === undefined && (await storeVersion(db)) !== null;
  return readUntilStable(db, maxAttempts, options.progress, async (tx, attempts) => {
    visitor.begin();
    const invalid: InvalidEdgeReport = { count: 0, samples: [] };
    const counts = new Map<string, InteractionKindRow>();
    const admission: Admission = { bounds, maxSamples, report: invalid, counts };
    let rowsRead = 0;
    const onPage = async (rows: number) => {
      options.progress?.update('project', (rowsRead += rows));
      await options.afterPage?.(attempts);
    };
    // A fingerprint given by the caller stands in for the first one only when it was taken the way this read takes its
    // own (a version record may hold the other kind's).
    const given = attempts === 1 && options.before !== undefined && isProcedureFingerprint(options.before) === procedure ? options.before : undefined;
    if (procedure) {
      // Without a fingerprint from the caller, the first attempt checks the store version (last committed transaction)
      // before and after instead of scanning for a fingerprint first (39.5 s at 50M): an equal version means nothing
      // was committed during the read. A later attempt, or a server without the version, takes the fingerprint.
      const versionBefore = given === undefined && attempts === 1 && versioned ? await versionIn(tx) : null;
      const before = versionBefore !== null ? undefined : (given ?? (await procedureFingerprint(tx)));
      const after = await readWithProcedure(tx, visitor, admission, onPage, options.chunkBytes);
      await fillElementIds(tx, invalid);
      const stable = versionBefore !== null ? versionBefore === (await versionIn(tx)) : before === after;
      return { fingerprint: after, invalid, kinds: kindRows(counts), stable };
    }
    const before = given ?? (await fingerprintIn(tx));
    const numbers = new NodeNumbers(visitor);
    for (const kind of NODE_KINDS) {
      await pages(tx, render(cypher('read', 'projection-nodes'), { label: kind }), pageSize, ({ id }) => numbers.add(kind, id), onPage);
    }
    await pages(tx, cypher('read', 'projection-interaction-lists'), pageSize, (row) => {
      visitor.interactions(numbers.of('User', row.id)!, sortInteractionLists(row.id, row, admission, numbers));
    }, onPage);
    await fillElementIds(tx, invalid);
    for (const kind of ['Item', 'Entity'] as const) {
      await pages(tx, render(cypher('read', 'projection-knowledge'), { label: kind }), pageSize, (row) => {
        // A knowledge edge is read when its tail's id and its relation are strings (the procedure's rule).
        const edges = (toNative(row.get('edges')) as Array<[NodeKind, unknown, unknown]>).filter((e): e is KnowledgeEdgeRow => typeof e[1] === 'string' && typeof e[2] === 'string');
        numbers.knowledge(kind, row.id, edges);
      }, onPage);
    }
    const after = await fingerprintIn(tx);
    return { fingerprint: after, invalid, kinds: kindRows(counts), stable: before === after };
  }, fetchSize);
}

/**
 * The read through graphrec's procedure (store/projection-procedure): the same rules ({@link admit}) on the decoded
 * edges; a stored weight that is absent counts as 1.0, as the Cypher read's `coalesce` makes it. Returns the
 * procedure's fingerprint of what it read.
 */
async function readWithProcedure(tx: ManagedTransaction, visitor: ProjectionVisitor, admission: Admission, onPage: (rows: number) => Promise<void>, chunkBytes?: number): Promise<string> {
  const ids: string[] = [];
  const edges: InteractionEdges = { items: [], weights: [], kinds: [] };
  let rows = 0;
  return readThroughProcedure(
    tx,
    {
      sizes(interactions, knowledge) {
        visitor.expect?.(interactions, knowledge);
      },
      node(kind, id) {
        ids.push(id);
        rows++;
        visitor.node(kind, id);
      },
      interaction(user, item, kind, weight, rating) {
        const w = admit(admission, ids[user]!, item >= 0 ? ids[item]! : '', kind, weight ?? 1.0, rating);
        if (w === undefined || item < 0) return;
        edges.items.push(item);
        edges.weights.push(w);
        edges.kinds.push(kind!);
      },
      userDone(user) {
        visitor.interactions(user, edges);
        // The visitor reads a user's edges during the call only: the lists are emptied and filled again.
        edges.items.length = 0;
        edges.weights.length = 0;
        edges.kinds.length = 0;
        rows++;
      },
      knowledge(head, tails, relations) {
        visitor.knowledge(head, tails, relations);
        rows++;
      },
      afterChunk: async () => {
        await onPage(rows);
        rows = 0;
      },
    },
    chunkBytes,
  );
}

/**
 * Runs one projection read (`read`, given the attempt number from 1) in a read transaction, again while the graph's
 * fingerprint changed during it, at most `maxAttempts` times (then the last read is kept: live updates apply later
 * writes); driver errors mapped, `progress` closed.
 */
async function readUntilStable<R extends { stable: boolean }>(db: Database, maxAttempts: number, progress: Progress | undefined, read: (tx: ManagedTransaction, attempt: number) => Promise<R>, fetchSize?: number): Promise<R & { attempts: number }> {
  const session = openSession(db, 'READ', fetchSize ? { fetchSize } : {});
  let attempts = 0;
  try {
    for (;;) {
      const result = await session.executeRead((tx) => read(tx, ++attempts));
      if (result.stable) return { ...result, attempts };
      if (attempts >= maxAttempts) {
        log.warn('projection: the graph changed during every read; keeping the last one (live updates apply later writes)', { attempts });
        return { ...result, attempts };
      }
      log.info('projection: the graph changed during the read; reading again', { attempt: attempts });
    }
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    progress?.done();
    await session.close();
  }
}

/**
 * The projection read through a graph mapping (store/mapping, store/mapped-read): nodes of every mapped label,
 * interactions of every mapped type (folded per user, item and kind), knowledge of every mapped relation, in one read
 * transaction between two equal fingerprints, as {@link readProjectionRows} does for graphrec's own model.
 */
async function readMappedProjectionRows(db: Database, mapping: ResolvedMapping, visitor: ProjectionVisitor, options: { bounds: InteractionBounds; maxSamples: number; maxAttempts: number; progress?: Progress }): Promise<ProjectionRead> {
  return readUntilStable(db, options.maxAttempts, options.progress, async (tx) => {
    visitor.begin();
    const invalid: InvalidEdgeReport = { count: 0, samples: [] };
    const admission: Admission = { bounds: options.bounds, maxSamples: options.maxSamples, report: invalid };
    const numbers = new NodeNumbers(visitor);
    const before = (await mappedFingerprint(tx, mapping)).fingerprint;
    let rows = 0;
    for (const kind of NODE_KINDS) {
      for (const node of await readMappedNodes(tx, mapping, kind)) numbers.add(kind, node.id);
    }
    const byUser = new Map<string, RawInteraction[]>();
    const counts = new Map<string, InteractionKindRow>();
    for (const x of await readMappedInteractions(tx, mapping)) {
      countKind(counts, x.kind, x.rating);
      const list = byUser.get(x.userId) ?? byUser.set(x.userId, []).get(x.userId)!;
      list.push([x.itemId, x.weight, x.kind, x.rating, x.elementId]);
      rows++;
    }
    for (const [userId, raw] of [...byUser].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const edges = numbers.numbered(sortInteractions(userId, raw, admission));
      const user = numbers.of('User', userId);
      if (user !== undefined) visitor.interactions(user, edges);
    }
    const byHead = new Map<string, { kind: 'Item' | 'Entity'; id: string; edges: KnowledgeEdgeRow[] }>();
    for (const k of await readMappedKnowledge(tx, mapping)) {
      const key = `${k.headKind}:${k.headId}`;
      const head = byHead.get(key) ?? byHead.set(key, { kind: k.headKind, id: k.headId, edges: [] }).get(key)!;
      head.edges.push([k.tailKind, k.tailId, k.relation]);
      rows++;
    }
    for (const head of byHead.values()) numbers.knowledge(head.kind, head.id, head.edges);
    options.progress?.update('project', rows);
    const after = (await mappedFingerprint(tx, mapping)).fingerprint;
    return { fingerprint: after, invalid, kinds: kindRows(counts), stable: before === after };
  });
}

/** Display names of items and entities as [kind, id, label] rows (users are shown by id), in one read transaction. */
export async function readLabelRows(db: Database, options: { pageSize?: number } = {}): Promise<Array<[NodeKind, string, string]>> {
  const pageSize = options.pageSize ?? PROJECTION_READ_DEFAULTS.pageSize;
  const session = openSession(db, 'READ');
  const mapping = db.mapping;
  if (mapping) {
    try {
      return await session.executeRead(async (tx) => {
        const rows: Array<[NodeKind, string, string]> = [];
        for (const kind of ['Item', 'Entity'] as const) for (const n of await readMappedNodes(tx, mapping, kind)) rows.push([kind, n.id, n.label]);
        return rows;
      });
    } catch (error) {
      throw mapDriverError(error);
    } finally {
      await session.close();
    }
  }
  try {
    return await session.executeRead(async (tx) => {
      const rows: Array<[NodeKind, string, string]> = [];
      for (const kind of ['Item', 'Entity'] as const) {
        await pages(tx, render(cypher('read', 'projection-labels'), { label: kind }), pageSize, (row) => rows.push([kind, row.id, String(row.get('label'))]));
      }
      return rows;
    });
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** Every item's properties (driver values made plain) as [id, props] rows, in one read transaction. */
export async function readItemPropRows(db: Database, options: { pageSize?: number } = {}): Promise<Array<[string, Record<string, unknown>]>> {
  const pageSize = options.pageSize ?? PROJECTION_READ_DEFAULTS.pageSize;
  const session = openSession(db, 'READ');
  const mapping = db.mapping;
  try {
    if (mapping) return (await session.executeRead((tx) => readMappedNodes(tx, mapping, 'Item', true))).map((n) => [n.id, n.props ?? {}]);
    return await session.executeRead(async (tx) => {
      const rows: Array<[string, Record<string, unknown>]> = [];
      await pages(tx, cypher('read', 'projection-item-props'), pageSize, (row) => rows.push([row.id, toNative(row.get('props')) as Record<string, unknown>]));
      return rows;
    });
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** Interaction edges per kind: `{kind, edges, rated}` (edges of the kind, and how many carry a rating), one aggregate read. */
export async function readInteractionKindRows(db: Database): Promise<InteractionKindRow[]> {
  const session = openSession(db, 'READ');
  const mapping = db.mapping;
  try {
    if (mapping) {
      const counts = new Map<string, InteractionKindRow>();
      for (const x of await session.executeRead((tx) => readMappedInteractions(tx, mapping))) countKind(counts, x.kind, x.rating);
      return kindRows(counts);
    }
    const result = await session.executeRead((tx) => tx.run(cypher('read', 'interaction-kinds')));
    return result.records.map((r) => ({ kind: String(r.get('kind')), edges: toNative(r.get('edges')) as number, rated: toNative(r.get('rated')) as number }));
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

/** Every stored interaction edge outside `bounds` (what a start skips), in user-id order; `limit` caps the list. */
export async function scanInvalidInteractions(db: Database, options: { bounds?: InteractionBounds; pageSize?: number; limit?: number } = {}): Promise<InvalidEdgeReport> {
  const session = openSession(db, 'READ');
  try {
    return await session.executeRead((tx) => scanIn(tx, options));
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

async function scanIn(tx: ManagedTransaction, options: { bounds?: InteractionBounds; pageSize?: number; limit?: number }): Promise<InvalidEdgeReport> {
  const report: InvalidEdgeReport = { count: 0, samples: [] };
  await pages(tx, cypher('read', 'projection-interactions'), options.pageSize ?? PROJECTION_READ_DEFAULTS.pageSize, (row) => {
    sortInteractions(row.id, toNative(row.get('edges')) as RawInteraction[], { bounds: options.bounds ?? INTERACTION_BOUNDS, report, maxSamples: options.limit ?? Number.MAX_SAFE_INTEGER });
  });
  return report;
}

/** How `doctor --fix` repairs an invalid edge. */
export type RepairMode = 'delete' | 'clamp';

export interface RepairReport {
  found: number;
  deleted: number;
  clamped: number;
  /** Every repaired edge with what was done to it. */
  repaired: Array<InvalidInteraction & { action: 'deleted' | 'clamped'; newWeight?: number; newRating?: number | null }>;
}

function clampTo(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/**
 * Repairs every stored interaction edge outside `bounds`, in one write transaction (scan and repair see the same
 * data). `delete` removes the edge. `clamp` moves a finite weight into [0, maxWeight] and a finite rating into the
 * rating scale; an edge whose weight or rating is not a finite number (NaN, ±Infinity, a string) has no nearest valid
 * value and is deleted even in `clamp` mode. The event log (`InteractionEvent` nodes) is left as it is.
 */
export async function repairInvalidInteractions(db: Database, mode: RepairMode, options: { bounds?: InteractionBounds; pageSize?: number } = {}): Promise<RepairReport> {
  const bounds = options.bounds ?? INTERACTION_BOUNDS;
  const session = openSession(db, 'WRITE');
  try {
    return await session.executeWrite(async (tx) => {
      const found = await scanIn(tx, { ...options, bounds });
      const report: RepairReport = { found: found.count, deleted: 0, clamped: 0, repaired: [] };
      const deletes: string[] = [];
      const clamps: Array<{ eid: string; weight: number; rating: number | null }> = [];
      for (const edge of found.samples) {
        const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
        const ratingOk = edge.rating === null || edge.rating === undefined || finite(edge.rating);
        if (mode === 'clamp' && finite(edge.weight) && ratingOk) {
          const weight = clampTo(edge.weight as number, 0, bounds.maxWeight);
          const rating = edge.rating == null ? null : clampTo(edge.rating as number, bounds.ratingMin, bounds.ratingMax);
          clamps.push({ eid: edge.elementId, weight, rating });
          report.repaired.push({ ...edge, action: 'clamped', newWeight: weight, newRating: rating });
          report.clamped++;
        } else {
          deletes.push(edge.elementId);
          report.repaired.push({ ...edge, action: 'deleted' });
          report.deleted++;
        }
      }
      if (deletes.length) await tx.run(cypher('write', 'delete-interactions-by-element-id'), { eids: deletes });
      if (clamps.length) await tx.run(cypher('write', 'set-interaction-values-by-element-id'), { rows: clamps });
      return report;
    });
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

