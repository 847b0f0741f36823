/**
 * @module store/neo4j-graph-store
 * The GraphStore on Neo4j, the system of record. One session per unit of work (`openSession`: `{ database }` and the
 * driver's bookmark manager, so a read sees this process's earlier writes on a cluster too), reads through
 * `executeRead` (so a `neo4j://` cluster routes them to readers) and writes through `executeWrite`, every statement
 * from `cypher/` with parameters only. Driver values become plain JS in `records.ts`.
 */
import neo4j, { type Driver, type Integer, type ManagedTransaction } from 'neo4j-driver';
import { INTERACTION_BOUNDS, type InteractionBounds } from '../core/bounds.ts';
import { AppError } from '../core/errors.ts';
import { latestPerKind, pairKey, type PairState } from '../core/interactions.ts';
import { NOT_ITEM_PROPS, NOT_USER_PROPS, scalarProps, type EntityRecord, type ItemRecord, type KnowledgeRecord, type NodeKind, type NodeRef, type UserRecord } from '../core/model.ts';
import { cypher, render } from './cypher.ts';
import { openSession } from './driver.ts';
import type {
  EntityRef,
  EntityView,
  GraphCounts,
  GraphEdge,
  GraphNode,
  GraphPath,
  GraphStore,
  HistoryEntry,
  InteractionEvent,
  ItemView,
  Neighbour,
  NeighbourOptions,
  Page,
  PathOptions,
  RecordResult,
  Subgraph,
  SubgraphOptions,
  UserView,
} from './graph-store.ts';
import {
  assertEntities,
  assertEvents,
  assertId,
  assertItems,
  assertNeighbourArgs,
  assertPage,
  assertPathArgs,
  assertSubgraphArgs,
  assertTriples,
  assertUsers,
  compareCodePoints,
  compareEdges,
  compareLists,
} from './guards.ts';
import { int, toNative, toNumber, toNumberOrNull } from './records.ts';

/** Turns driver connectivity failures into UNAVAILABLE so the API answers 503. */
export function mapDriverError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const e = error as { code?: string; name?: string; message?: string };
  if (typeof e?.code === 'string' && e.code.startsWith('Neo.ClientError.Transaction.TransactionTimedOut')) {
    return new AppError('TIMEOUT', 'neo4j: the read ran past its transaction timeout (neo4j.readTimeoutMs)', undefined, { cause: error });
  }
  if (e?.code === 'ServiceUnavailable' || e?.code === 'SessionExpired' || e?.name === 'Neo4jError' && /connect|ECONNREFUSED|closed/i.test(e.message ?? '')) {
    return new AppError('UNAVAILABLE', `neo4j: ${e.message}`, undefined, { cause: error });
  }
  return error;
}


/** Paths read per hop count before ordering; beyond it, the order holds among the paths read. */
const PATH_SCAN_LIMIT = 20_000;

function toGraphNode(raw: { id: unknown; kind: unknown; label: unknown; entityKind: unknown }): GraphNode {
  const kind = raw.kind as NodeKind;
  const node: GraphNode = { kind, id: String(raw.id), label: String(raw.label ?? '') };
  if (kind === 'Entity' && raw.entityKind != null) node.entityKind = String(raw.entityKind);
  return node;
}

export interface Neo4jStoreOptions {
  /** Transaction timeout of every read, ms (Neo4j terminates it server-side; the caller gets TIMEOUT). 0 = none. */
  readTimeoutMs?: number;
}

/**
 * One managed transaction in its own session (shared bookmarks, store/driver `openSession`): `executeRead` under the
 * read timeout, or `executeWrite`; driver errors mapped to AppErrors. The graph stores' one way to run Cypher.
 */
export async function runInSession<T>(driver: Driver, database: string, mode: 'READ' | 'WRITE', work: (tx: ManagedTransaction) => Promise<T>, readTimeoutMs?: number): Promise<T> {
  const session = openSession({ driver, database }, mode);
  try {
    if (mode === 'WRITE') return await session.executeWrite(work);
    return await session.executeRead(work, readTimeoutMs ? { timeout: readTimeoutMs } : undefined);
  } catch (error) {
    throw mapDriverError(error);
  } finally {
    await session.close();
  }
}

export class Neo4jGraphStore implements GraphStore {
  /** `bounds`: valid ratings and weights of recorded events (core/bounds; the config's `bounds` when serving). */
  constructor(
    private readonly driver: Driver,
    private readonly database: string,
    private readonly bounds: InteractionBounds = INTERACTION_BOUNDS,
    private readonly options: Neo4jStoreOptions = {},
  ) {}

  private read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return runInSession(this.driver, this.database, 'READ', work, this.options.readTimeoutMs);
  }

  private write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return runInSession(this.driver, this.database, 'WRITE', work);
  }

  async ping(): Promise<void> {
    await this.read((tx) => tx.run(cypher('read', 'ping')));
  }

  async counts(): Promise<GraphCounts> {
    const record = await this.read(async (tx) => (await tx.run(cypher('read', 'counts'))).records[0]!);
    return {
      users: toNumber(record.get('users')),
      items: toNumber(record.get('items')),
      entities: toNumber(record.get('entities')),
      interactions: toNumber(record.get('interactions')),
      knowledge: toNumber(record.get('knowledge')),
    };
  }

  async getUser(id: string): Promise<UserView> {
    assertId(id, 'user id');
    const record = await this.read(async (tx) => (await tx.run(cypher('read', 'user'), { id })).records[0]);
    if (!record) throw new AppError('NOT_FOUND', `user ${JSON.stringify(id)} not found`);
    const byKind = toNative(record.get('byKind')) as Array<{ kind: string; n: number }>;
    const interactionsByKind: Record<string, number> = {};
    for (const { kind, n } of byKind) interactionsByKind[kind] = n;
    return {
      id: String(record.get('id')),
      props: scalarProps(toNative(record.get('props')) as Record<string, unknown>, NOT_USER_PROPS),
      interactionCount: byKind.reduce((s, r) => s + r.n, 0),
      interactionsByKind,
    };
  }

  async getUserHistory(id: string, page: { limit: number; offset: number }): Promise<Page<HistoryEntry>> {
    assertId(id, 'user id');
    assertPage(page);
    return this.read(async (tx) => {
      // The count and the page in one query: one round trip to Neo4j instead of two.
      const head = (await tx.run(cypher('read', 'user-history'), { id, offset: int(page.offset), limit: int(page.limit) })).records[0];
      if (!head) throw new AppError('NOT_FOUND', `user ${JSON.stringify(id)} not found`);
      const rows = head.get('items') as Array<Record<'itemId' | 'title' | 'kind' | 'rating' | 'weight' | 'ts', unknown>>;
      return {
        total: toNumber(head.get('total')),
        limit: page.limit,
        offset: page.offset,
        items: rows.map((r) => ({
          item: { id: String(r.itemId), title: String(r.title ?? '') },
          kind: String(r.kind),
          rating: toNumberOrNull(r.rating),
          weight: toNumberOrNull(r.weight) ?? 1,
          ts: toNumberOrNull(r.ts),
        })),
      };
    });
  }

  async getItem(id: string): Promise<ItemView> {
    assertId(id, 'item id');
    const record = await this.read(async (tx) => (await tx.run(cypher('read', 'item'), { id })).records[0]);
    if (!record) throw new AppError('NOT_FOUND', `item ${JSON.stringify(id)} not found`);
    const knowledge: Record<string, EntityRef[]> = {};
    for (const k of toNative(record.get('knowledge')) as Array<{ relation: string | null; id: string | null; kind: string; name: string }>) {
      if (k.relation === null || k.id === null) continue;
      (knowledge[k.relation] ??= []).push({ id: k.id, kind: k.kind, name: k.name });
    }
    for (const list of Object.values(knowledge)) list.sort((a, b) => compareCodePoints(a.name, b.name) || compareCodePoints(a.id, b.id) || compareCodePoints(a.kind, b.kind));
    return {
      id: String(record.get('id')),
      title: String(record.get('title') ?? ''),
      props: scalarProps(toNative(record.get('props')) as Record<string, unknown>, NOT_ITEM_PROPS),
      interactionCount: toNumber(record.get('interactionCount')),
      knowledge,
    };
  }

  async getEntity(id: string, page: { limit: number; offset: number }): Promise<EntityView> {
    assertId(id, 'entity id');
    assertPage(page);
    return this.read(async (tx) => {
      const head = (await tx.run(cypher('read', 'entity'), { id })).records[0];
      if (!head) throw new AppError('NOT_FOUND', `entity ${JSON.stringify(id)} not found`);
      const rows = await tx.run(cypher('read', 'entity-items'), { id, offset: int(page.offset), limit: int(page.limit) });
      return {
        id: String(head.get('id')),
        kind: String(head.get('kind') ?? ''),
        name: String(head.get('name') ?? ''),
        items: {
          total: toNumber(head.get('total')),
          limit: page.limit,
          offset: page.offset,
          items: rows.records.map((r) => ({ id: String(r.get('id')), title: String(r.get('title') ?? ''), relation: String(r.get('relation')) })),
        },
      };
    });
  }

  private async assertExists(tx: ManagedTransaction, node: NodeRef): Promise<void> {
    const n = (await tx.run(render(cypher('read', 'node-exists'), { label: node.kind }), { id: node.id })).records[0]!;
    if (toNumber(n.get('n')) === 0) throw new AppError('NOT_FOUND', `${node.kind.toLowerCase()} ${JSON.stringify(node.id)} not found`);
  }

  async neighbours(node: NodeRef, options: NeighbourOptions): Promise<Neighbour[]> {
    const direction = assertNeighbourArgs(node, options);
    return this.read(async (tx) => {
      await this.assertExists(tx, node);
      const rows = await tx.run(render(cypher('read', 'neighbours'), { label: node.kind }), {
        id: node.id,
        direction,
        relation: options.relation ?? null,
        limit: int(options.limit),
      });
      return rows.records.map((r) => {
        const other = toGraphNode({ id: r.get('id'), kind: r.get('kind'), label: r.get('label'), entityKind: r.get('entityKind') });
        const here: NodeRef = { kind: node.kind, id: node.id };
        const there: NodeRef = { kind: other.kind, id: other.id };
        const outgoing = r.get('outgoing') as boolean;
        const edge: GraphEdge = {
          from: outgoing ? here : there,
          to: outgoing ? there : here,
          type: r.get('type') as GraphEdge['type'],
          relation: String(r.get('relation')),
        };
        const weight = toNumberOrNull(r.get('weight'));
        if (weight !== null) edge.weight = weight;
        return { node: other, edge };
      });
    });
  }

  async paths(from: NodeRef, to: NodeRef, options: PathOptions): Promise<GraphPath[]> {
    assertPathArgs(from, to, options);
    return this.read(async (tx) => {
      await this.assertExists(tx, from);
      await this.assertExists(tx, to);
      const result: GraphPath[] = [];
      for (let hops = 1; hops <= options.maxHops && result.length < options.limit; hops++) {
        const text = render(cypher('read', `paths-length-${hops}`), { fromLabel: from.kind, toLabel: to.kind });
        const rows = await tx.run(text, { from: from.id, to: to.id, scan: int(PATH_SCAN_LIMIT) });
        const found = rows.records.map((r) => {
          const nodes = (toNative(r.get('nodes')) as Array<{ id: string; kind: NodeKind; label: string | null; entityKind: string | null }>).map(toGraphNode);
          const edges = (toNative(r.get('edges')) as Array<{ fromId: string; fromKind: NodeKind; toId: string; toKind: NodeKind; type: GraphEdge['type']; relation: string; weight: number | null }>).map((e) => {
            const edge: GraphEdge = { from: { kind: e.fromKind, id: e.fromId }, to: { kind: e.toKind, id: e.toId }, type: e.type, relation: e.relation };
            if (e.weight !== null) edge.weight = e.weight;
            return edge;
          });
          return { path: { nodes, edges }, key: pathSortKey(nodes, edges) };
        });
        found.sort((a, b) => {
          for (let k = 0; k < a.key.length; k++) {
            const c = compareLists(a.key[k]!, b.key[k]!);
            if (c !== 0) return c;
          }
          return 0;
        });
        for (const { path } of found.slice(0, options.limit - result.length)) result.push(path);
      }
      return result;
    });
  }

  async subgraph(seeds: NodeRef[], options: SubgraphOptions): Promise<Subgraph> {
    assertSubgraphArgs(seeds, options);
    return this.read(async (tx) => {
      const found = await tx.run(cypher('read', 'subgraph-seeds'), { seeds: seeds.map((s) => ({ kind: s.kind, id: s.id })) });
      const chosen: string[] = [];
      const missing: string[] = [];
      for (const r of found.records) {
        const eid = r.get('eid') as string | null;
        if (eid === null) missing.push(`${String(r.get('kind'))}:${String(r.get('id'))}`);
        else if (!chosen.includes(eid)) chosen.push(eid);
      }
      if (missing.length > 0) throw new AppError('NOT_FOUND', `unknown nodes: ${missing.join(', ')}`, { missing });
      let truncated = chosen.length > options.limit;
      chosen.length = Math.min(chosen.length, options.limit);
      let frontier = chosen.slice();
      // Breadth-first, one query per hop; each hop's new nodes are ordered by (id, kind) before the cap applies.
      for (let hop = 0; hop < options.hops && frontier.length > 0 && !truncated; hop++) {
        const next = (await tx.run(cypher('read', 'subgraph-expand'), { frontier, seen: chosen })).records.map((r) => ({
          eid: r.get('eid') as string,
          id: String(r.get('id')),
          kind: String(r.get('kind')),
        }));
        next.sort((a, b) => compareCodePoints(a.id, b.id) || compareCodePoints(a.kind, b.kind));
        const room = options.limit - chosen.length;
        if (next.length > room) truncated = true;
        frontier = next.slice(0, room).map((n) => n.eid);
        chosen.push(...frontier);
      }
      const nodeRows = await tx.run(cypher('read', 'subgraph-nodes'), { eids: chosen });
      const byEid = new Map<string, GraphNode>();
      for (const r of nodeRows.records) {
        byEid.set(r.get('eid') as string, toGraphNode({ id: r.get('id'), kind: r.get('kind'), label: r.get('label'), entityKind: r.get('entityKind') }));
      }
      const edgeRows = await tx.run(cypher('read', 'subgraph-edges'), { eids: chosen });
      const edges: GraphEdge[] = edgeRows.records.map((r) => {
        const a = byEid.get(r.get('from') as string)!;
        const b = byEid.get(r.get('to') as string)!;
        const edge: GraphEdge = { from: { kind: a.kind, id: a.id }, to: { kind: b.kind, id: b.id }, type: r.get('type') as GraphEdge['type'], relation: String(r.get('relation')) };
        const weight = toNumberOrNull(r.get('weight'));
        if (weight !== null) edge.weight = weight;
        return edge;
      });
      return { nodes: chosen.map((eid) => byEid.get(eid)!), edges: edges.sort(compareEdges), truncated };
    });
  }

  async upsertUsers(users: UserRecord[]): Promise<void> {
    assertUsers(users);
    await this.write((tx) => tx.run(cypher('ingest', 'upsert-users'), { rows: users.map((u) => ({ id: u.id, props: u.props ?? {} })) }));
  }

  async upsertItems(items: ItemRecord[]): Promise<void> {
    assertItems(items);
    await this.write((tx) => tx.run(cypher('ingest', 'upsert-items'), { rows: items.map((i) => ({ id: i.id, title: i.title, props: i.props ?? {} })) }));
  }

  async upsertEntities(entities: EntityRecord[]): Promise<void> {
    assertEntities(entities);
    await this.write((tx) => tx.run(cypher('ingest', 'upsert-entities'), { rows: entities }));
  }

  async upsertKnowledge(triples: KnowledgeRecord[]): Promise<void> {
    assertTriples(triples);
    await this.write(async (tx) => {
      const rows = triples.map((t, n) => ({ n, headKind: t.head.kind, headId: t.head.id, tailKind: t.tail.kind, tailId: t.tail.id, relation: t.relation }));
      const missing = await writeKnowledgeRows(tx, rows);
      if (missing.length > 0) {
        // Throwing inside the transaction function rolls the whole batch back.
        const names = [...new Set(missing.flatMap((m) => {
          const t = triples[m.n]!;
          return [m.missingHead ? `${t.head.kind}:${t.head.id}` : '', m.missingTail ? `${t.tail.kind}:${t.tail.id}` : ''].filter(Boolean);
        }))];
        throw new AppError('NOT_FOUND', `unknown nodes: ${names.slice(0, 10).join(', ')}`, { missing: names });
      }
    });
  }

  async recordInteractions(events: InteractionEvent[]): Promise<RecordResult> {
    assertEvents(events, this.bounds);
    return this.write(async (tx) => {
      const userIds = [...new Set(events.map((e) => e.userId))];
      const itemIds = [...new Set(events.map((e) => e.itemId))];
      const missingUsers = (await tx.run(cypher('write', 'find-missing-users'), { ids: userIds })).records.map((r) => `user ${JSON.stringify(r.get('id'))}`);
      const missingItems = (await tx.run(cypher('write', 'find-missing-items'), { ids: itemIds })).records.map((r) => `item ${JSON.stringify(r.get('id'))}`);
      const missing = [...missingUsers, ...missingItems];
      if (missing.length > 0) throw new AppError('NOT_FOUND', `unknown ${missing.slice(0, 10).join(', ')}`);
      const known = new Set((await tx.run(cypher('write', 'find-events'), { ids: events.map((e) => e.eventId) })).records.map((r) => String(r.get('id'))));
      const { fresh, duplicates, latest } = latestPerKind(events, known);
      if (fresh.length === 0) return { recorded: 0, duplicates, edges: [] };
      const row = (e: InteractionEvent) => ({ key: interactionKey(e.userId, e.itemId, e.kind), eventId: e.eventId, userId: e.userId, itemId: e.itemId, kind: e.kind, rating: e.rating ?? null, weight: e.weight, ts: e.ts ?? null });
      await tx.run(cypher('write', 'record-events'), { events: fresh.map(row) });
      // The latest event per edge is chosen here (one UNWIND may not see its own earlier SETs under eager plans);
      // the statement compares it with what the edge keeps.
      await tx.run(cypher('write', 'apply-latest-interactions'), { rows: latest.map(row) });
      const pairs = new Map(latest.map((e) => [pairKey(e), { userId: e.userId, itemId: e.itemId }]));
      const committed = await tx.run(cypher('write', 'read-pair-kinds'), { pairs: [...pairs.values()] });
      const edges: PairState[] = committed.records.map((r) => ({
        userId: String(r.get('userId')),
        itemId: String(r.get('itemId')),
        kinds: (r.get('kinds') as Array<[string, unknown]>).map(([kind, weight]) => ({ kind, weight: Number(toNative(weight)) })),
      }));
      return { recorded: fresh.length, duplicates, edges };
    });
  }

  async close(): Promise<void> {}
}

/**
 * Tie-break key among paths of equal length (the contract's order): node ids, node kinds, edge types, relations, then
 * directions ('0' = traversed from→to, '1' = against it).
 */
export function pathSortKey(nodes: GraphNode[], edges: GraphEdge[]): string[][] {
  return [
    nodes.map((n) => n.id),
    nodes.map((n) => n.kind),
    edges.map((e) => e.type),
    edges.map((e) => e.relation),
    edges.map((e, i) => (e.from.kind === nodes[i]!.kind && e.from.id === nodes[i]!.id ? '0' : '1')),
  ];
}

export interface KnowledgeRow {
  n: number;
  headKind: NodeKind;
  headId: string;
  tailKind: NodeKind;
  tailId: string;
  relation: string;
}

const MIX_A = 0x9e3779b1;
const MIX_B = 0x85ebca77;
const MIX_C = 0xc2b2ae3d;
const MIX_D = 0x27d4eb2f;

/**
 * 64-bit hash of a tuple of strings, as a driver Integer. Two 32-bit lanes with different constants absorb each part's
 * length and then its UTF-16 code units (multiply, rotate, multiply-add, so every input bit reaches every state bit),
 * and a final avalanche cross-mixes the lanes. Not cryptographic; its job is to make the relationship `key` an inline
 * 8-byte property that the unique index compares cheaply, instead of a long JSON string in the dynamic string store.
 * The MERGE statements also match on the edge's own identity (its end nodes and kind/relation), so two tuples that
 * ever shared a key would fail on the unique constraint instead of being merged.
 */
export function tupleKey(parts: readonly string[]): Integer {
  let a = 0x6a09e667;
  let b = 0x3c6ef372;
  // Each part absorbs its length (tagged) and then its UTF-16 code units, one at a time (inline: bulk ingest calls
  // this once per row).
  for (const part of parts) {
    for (let k = -1; k < part.length; k++) {
      const c = k < 0 ? part.length | 0x10000 : part.charCodeAt(k);
      a = Math.imul(a ^ c, MIX_A);
      a = (a << 13) | (a >>> 19);
      a = (Math.imul(a, 5) + 0xe6546b64) | 0;
      b = Math.imul(b ^ c, MIX_B);
      b = (b << 17) | (b >>> 15);
      b = (Math.imul(b, 9) + 0x561ccd1b) | 0;
    }
  }
  a ^= a >>> 16;
  a = Math.imul(a, MIX_C);
  b ^= b >>> 15;
  b = Math.imul(b, MIX_D);
  a ^= b >>> 13;
  a = Math.imul(a, MIX_B);
  b ^= a >>> 16;
  b = Math.imul(b, MIX_A);
  a ^= a >>> 16;
  b ^= b >>> 16;
  return neo4j.Integer.fromBits(a, b);
}

/** The unique `key` of an INTERACTED edge: one edge per (user, item, kind). */
export function interactionKey(userId: string, itemId: string, kind: string): Integer {
  return tupleKey([userId, itemId, kind]);
}

/** The unique `key` of a RELATED edge: one edge per (head, relation, tail). */
export function knowledgeKey(row: Omit<KnowledgeRow, 'n'>): Integer {
  return tupleKey([row.headKind, row.headId, row.relation, row.tailKind, row.tailId]);
}

const KNOWLEDGE_STATEMENTS: Record<string, string> = {
  'Item>Entity': 'upsert-knowledge-item-entity',
  'Entity>Entity': 'upsert-knowledge-entity-entity',
  'Item>Item': 'upsert-knowledge-item-item',
  'Entity>Item': 'upsert-knowledge-entity-item',
};

export interface MissingEnd {
  /** `n` of the row. */
  n: number;
  missingHead: boolean;
  missingTail: boolean;
}

/**
 * Writes knowledge rows whose ends exist, one statement per (head label, tail label) pair (labels cannot be
 * parameters), and returns the rows whose head or tail does not exist (not written).
 */
export async function writeKnowledgeRows(tx: ManagedTransaction, rows: KnowledgeRow[]): Promise<MissingEnd[]> {
  const groups = new Map<string, Array<KnowledgeRow & { key: Integer }>>();
  for (const row of rows) {
    const group = `${row.headKind}>${row.tailKind}`;
    if (!(group in KNOWLEDGE_STATEMENTS)) throw new AppError('BAD_REQUEST', `knowledge: a ${row.headKind}→${row.tailKind} relation is not part of the model`);
    (groups.get(group) ?? groups.set(group, []).get(group)!).push({ ...row, key: knowledgeKey(row) });
  }
  const missing: MissingEnd[] = [];
  for (const [group, batch] of groups) {
    const result = await tx.run(cypher('ingest', KNOWLEDGE_STATEMENTS[group]!), { rows: batch });
    for (const r of result.records) missing.push({ n: toNumber(r.get('n')), missingHead: r.get('missingHead') as boolean, missingTail: r.get('missingTail') as boolean });
  }
  return missing.sort((a, b) => a.n - b.n);
}
