/**
 * @module store/mapped-graph-store
 * The GraphStore over an existing Neo4j schema read through a graph mapping (store/mapping, docs/graph-mapping.md):
 * the same views as store/neo4j-graph-store (user, history, item, entity, neighbours, paths, subgraph) in graphrec's
 * terms (kinds User/Item/Entity, graphrec ids, interaction kinds and relation names from the mapping), and writes of
 * users, items and interactions into the mapped labels and types. Statements come from `cypher/mapped/`; ids and
 * values are parameters; labels, types and property keys are the mapping's own, checked and quoted (store/mapping).
 *
 * Writes: a new user or item gets the first mapped label of its kind; an interaction goes to the first mapped
 * interaction type whose kind is the event's kind (one relationship per user, item and type, MERGEd; its mapped
 * rating, weight and time properties are set from the latest event). Events are not logged in the user's database,
 * so an event id repeated in one batch is a duplicate, and a repeat across batches sets the same values again.
 * Entities and knowledge cannot be written through a mapping (BAD_REQUEST).
 */
import type { Driver, ManagedTransaction } from 'neo4j-driver';
import { INTERACTION_BOUNDS, type InteractionBounds } from '../core/bounds.ts';
import { AppError } from '../core/errors.ts';
import { latestPerKind, pairKey, type PairState } from '../core/interactions.ts';
import { scalarProps, type EntityRecord, type ItemRecord, type KnowledgeRecord, type NodeKind, type NodeRef, type Props, type UserRecord } from '../core/model.ts';
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
import { assertEvents, assertId, assertItems, assertNeighbourArgs, assertPage, assertPathArgs, assertSubgraphArgs, assertUsers, compareCodePoints, compareEdges, compareLists } from './guards.ts';
import { mappedFingerprint, readMappedUserInteractions, runMapped, storedId, type MappedInteraction } from './mapped-read.ts';
import type { ResolvedMapping } from './mapping.ts';
import { pathSortKey, runInSession, type Neo4jStoreOptions } from './neo4j-graph-store.ts';
import { int, toNative, toNumberOrNull } from './records.ts';

const PATH_SCAN_LIMIT = 20_000;

/** A mapped node's scalar properties without `drop` (its id and title properties in the mapping). */
function plainProps(raw: unknown, drop: Array<string | undefined>): Props {
  return scalarProps(toNative(raw) as Record<string, unknown> | null | undefined, drop);
}

function graphNode(raw: { id: unknown; kind: unknown; label: unknown; entityKind: unknown }): GraphNode {
  const kind = raw.kind as NodeKind;
  const node: GraphNode = { kind, id: String(raw.id), label: String(raw.label ?? '') };
  if (kind === 'Entity' && raw.entityKind != null) node.entityKind = String(raw.entityKind);
  return node;
}

/** A stored-direction edge row turned into graphrec's direction. */
function graphEdge(e: { fromId: string; fromKind: NodeKind; toId: string; toKind: NodeKind; type: GraphEdge['type']; relation: string; reversed: boolean; weight: unknown }): GraphEdge {
  const a: NodeRef = { kind: e.fromKind, id: e.fromId };
  const b: NodeRef = { kind: e.toKind, id: e.toId };
  const edge: GraphEdge = { from: e.reversed ? b : a, to: e.reversed ? a : b, type: e.type, relation: e.relation };
  const w = toNative(e.weight);
  if (typeof w === 'number') edge.weight = w;
  return edge;
}

function withoutKey(props: Props, key: string): Props {
  const out = { ...props };
  delete out[key];
  return out;
}

interface Located {
  label: string;
  idProp: string;
  value: string | number;
  eid: string;
  props: unknown;
}

export class MappedGraphStore implements GraphStore {
  constructor(
    private readonly driver: Driver,
    private readonly database: string,
    private readonly mapping: ResolvedMapping,
    private readonly bounds: InteractionBounds = INTERACTION_BOUNDS,
    private readonly options: Neo4jStoreOptions = {},
  ) {}

  private read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return runInSession(this.driver, this.database, 'READ', work, this.options.readTimeoutMs);
  }

  private write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return runInSession(this.driver, this.database, 'WRITE', work);
  }

  /** The stored node behind a graphrec id of `kind` (first mapped label that has it), or undefined. */
  private async locate(tx: ManagedTransaction, kind: NodeKind, id: string): Promise<Located | undefined> {
    for (const c of this.mapping.candidates(kind, id)) {
      const r = (await runMapped(tx, this.mapping, 'node', { label: c.label, idProp: c.idProp }, { id: storedId(c.value) })).records[0];
      if (r) return { ...c, eid: String(r.get('eid')), props: r.get('props') };
    }
    return undefined;
  }

  private async mustLocate(tx: ManagedTransaction, kind: NodeKind, id: string): Promise<Located> {
    const found = await this.locate(tx, kind, id);
    if (!found) throw new AppError('NOT_FOUND', `${kind.toLowerCase()} ${JSON.stringify(id)} not found`);
    return found;
  }

  async ping(): Promise<void> {
    await this.read((tx) => mappedFingerprint(tx, this.mapping).then(() => undefined));
  }

  async counts(): Promise<GraphCounts> {
    const { counts } = await this.read((tx) => mappedFingerprint(tx, this.mapping));
    const sum = (pred: (key: string) => boolean) => Object.entries(counts).filter(([k]) => pred(k)).reduce((s, [, n]) => s + n, 0);
    const labelKind = (k: string) => this.mapping.nodes[k.slice('label:'.length)]?.kind;
    const typeKind = (k: string) => this.mapping.rels[k.slice('type:'.length)]?.type;
    return {
      users: sum((k) => k.startsWith('label:') && labelKind(k) === 'User'),
      items: sum((k) => k.startsWith('label:') && labelKind(k) === 'Item'),
      entities: sum((k) => k.startsWith('label:') && labelKind(k) === 'Entity'),
      interactions: sum((k) => k.startsWith('type:') && typeKind(k) === 'INTERACTED'),
      knowledge: sum((k) => k.startsWith('type:') && typeKind(k) === 'RELATED'),
    };
  }

  private async interactionsOf(tx: ManagedTransaction, kind: 'User', id: string): Promise<{ user: Located; interactions: MappedInteraction[] }> {
    const user = await this.mustLocate(tx, kind, id);
    return { user, interactions: (await readMappedUserInteractions(tx, this.mapping, user)).filter((x) => x.userId === id) };
  }

  async getUser(id: string): Promise<UserView> {
    assertId(id, 'user id');
    return this.read(async (tx) => {
      const { user, interactions } = await this.interactionsOf(tx, 'User', id);
      const interactionsByKind: Record<string, number> = {};
      for (const x of interactions) interactionsByKind[x.kind] = (interactionsByKind[x.kind] ?? 0) + 1;
      return { id, props: plainProps(user.props, [user.idProp]), interactionCount: interactions.length, interactionsByKind };
    });
  }

  async getUserHistory(id: string, page: { limit: number; offset: number }): Promise<Page<HistoryEntry>> {
    assertId(id, 'user id');
    assertPage(page);
    return this.read(async (tx) => {
      const { interactions } = await this.interactionsOf(tx, 'User', id);
      // Newest first (undated last), then item id, then kind: the order of graphrec's own history.
      const sorted = interactions.sort((a, b) => (a.ts === null) !== (b.ts === null) ? (a.ts === null ? 1 : -1) : (b.ts ?? 0) - (a.ts ?? 0) || compareCodePoints(a.itemId, b.itemId) || compareCodePoints(a.kind, b.kind));
      return {
        total: sorted.length,
        limit: page.limit,
        offset: page.offset,
        items: sorted.slice(page.offset, page.offset + page.limit).map((x) => ({
          item: { id: x.itemId, title: x.itemTitle },
          kind: x.kind,
          rating: typeof x.rating === 'number' ? x.rating : null,
          weight: typeof x.weight === 'number' ? x.weight : 1,
          ts: x.ts,
        })),
      };
    });
  }

  async getItem(id: string): Promise<ItemView> {
    assertId(id, 'item id');
    return this.read(async (tx) => {
      const item = await this.mustLocate(tx, 'Item', id);
      const titleProp = this.mapping.nodes[item.label]!.label;
      const props = toNative(item.props) as Record<string, unknown>;
      let interactionCount = 0;
      const knowledge: Record<string, EntityRef[]> = {};
      for (const [type, rel] of Object.entries(this.mapping.rels)) {
        const x = this.mapping.mapping.interactions.find((i) => i.type === type);
        const rows = await runMapped(tx, this.mapping, 'edges-around', { type, label: item.label, idProp: item.idProp }, { id: storedId(item.value), weight: null, rating: null, ts: x?.timestamp ?? null });
        for (const r of rows.records) {
          const e = { fromKind: String(r.get('fromKind')), fromId: String(r.get('fromId')), toKind: String(r.get('toKind')), toId: String(r.get('toId')) };
          const [head, headKind, tail, tailKind, tailName, tailEntityKind] = rel.reversed
            ? [e.toId, e.toKind, e.fromId, e.fromKind, String(r.get('fromLabel')), r.get('fromEntityKind') as string | null]
            : [e.fromId, e.fromKind, e.toId, e.toKind, String(r.get('toLabel')), r.get('toEntityKind') as string | null];
          if (rel.type === 'INTERACTED') {
            if (tail === id && tailKind === 'Item' && headKind === 'User') interactionCount++;
            continue;
          }
          if (head !== id || headKind !== 'Item' || (tailKind !== 'Entity' && tailKind !== 'Item')) continue;
          (knowledge[rel.relation] ??= []).push({ id: tail, kind: tailKind === 'Item' ? 'item' : (tailEntityKind ?? ''), name: tailName });
        }
      }
      for (const list of Object.values(knowledge)) list.sort((a, b) => compareCodePoints(a.name, b.name) || compareCodePoints(a.id, b.id) || compareCodePoints(a.kind, b.kind));
      return { id, title: String(props[titleProp] ?? props[item.idProp] ?? ''), props: plainProps(props, [item.idProp, titleProp]), interactionCount, knowledge };
    });
  }

  async getEntity(id: string, page: { limit: number; offset: number }): Promise<EntityView> {
    assertId(id, 'entity id');
    assertPage(page);
    return this.read(async (tx) => {
      const entity = await this.mustLocate(tx, 'Entity', id);
      const desc = this.mapping.nodes[entity.label]!;
      const props = toNative(entity.props) as Record<string, unknown>;
      const items: Array<{ id: string; title: string; relation: string }> = [];
      for (const [type, rel] of Object.entries(this.mapping.rels)) {
        if (rel.type !== 'RELATED') continue;
        const rows = await runMapped(tx, this.mapping, 'edges-around', { type, label: entity.label, idProp: entity.idProp }, { id: storedId(entity.value), weight: null, rating: null, ts: null });
        for (const r of rows.records) {
          const [headId, headKind, headLabel, tailId] = rel.reversed
            ? [String(r.get('toId')), String(r.get('toKind')), String(r.get('toLabel')), String(r.get('fromId'))]
            : [String(r.get('fromId')), String(r.get('fromKind')), String(r.get('fromLabel')), String(r.get('toId'))];
          if (tailId === id && headKind === 'Item') items.push({ id: headId, title: headLabel, relation: rel.relation });
        }
      }
      items.sort((a, b) => compareCodePoints(a.title, b.title) || compareCodePoints(a.id, b.id) || compareCodePoints(a.relation, b.relation));
      return {
        id,
        kind: desc.entityKind ?? '',
        name: String(props[desc.label] ?? props[entity.idProp] ?? ''),
        items: { total: items.length, limit: page.limit, offset: page.offset, items: items.slice(page.offset, page.offset + page.limit) },
      };
    });
  }

  async neighbours(node: NodeRef, options: NeighbourOptions): Promise<Neighbour[]> {
    const direction = assertNeighbourArgs(node, options);
    return this.read(async (tx) => {
      const at = await this.mustLocate(tx, node.kind, node.id);
      const rows = await runMapped(tx, this.mapping, 'neighbours', { label: at.label, idProp: at.idProp, types: true }, { id: storedId(at.value), direction, relation: options.relation ?? null, limit: int(options.limit) });
      return rows.records.map((r) => {
        const other = graphNode({ id: r.get('id'), kind: r.get('kind'), label: r.get('label'), entityKind: r.get('entityKind') });
        const here: NodeRef = { kind: node.kind, id: node.id };
        const there: NodeRef = { kind: other.kind, id: other.id };
        const outgoing = r.get('outgoing') as boolean;
        const edge: GraphEdge = { from: outgoing ? here : there, to: outgoing ? there : here, type: r.get('type') as GraphEdge['type'], relation: String(r.get('relation')) };
        const weight = toNumberOrNull(typeof toNative(r.get('weight')) === 'number' ? r.get('weight') : null);
        if (weight !== null) edge.weight = weight;
        return { node: other, edge };
      });
    });
  }

  async paths(from: NodeRef, to: NodeRef, options: PathOptions): Promise<GraphPath[]> {
    assertPathArgs(from, to, options);
    return this.read(async (tx) => {
      const a = await this.mustLocate(tx, from.kind, from.id);
      const b = await this.mustLocate(tx, to.kind, to.id);
      const result: GraphPath[] = [];
      for (let hops = 1; hops <= options.maxHops && result.length < options.limit; hops++) {
        const rows = await runMapped(tx, this.mapping, 'paths', { fromLabel: a.label, fromId: a.idProp, toLabel: b.label, toId: b.idProp, types: true, hops }, { from: storedId(a.value), to: storedId(b.value), scan: int(PATH_SCAN_LIMIT) });
        const found = rows.records.map((r) => {
          const nodes = (toNative(r.get('nodes')) as Array<{ id: string; kind: NodeKind; label: string | null; entityKind: string | null }>).map(graphNode);
          const edges = (r.get('edges') as Array<Parameters<typeof graphEdge>[0]>).map(graphEdge);
          return { path: { nodes, edges }, key: pathSortKey(nodes, edges) };
        });
        found.sort((x, y) => {
          for (let k = 0; k < x.key.length; k++) {
            const c = compareLists(x.key[k]!, y.key[k]!);
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
      const chosen: string[] = [];
      const missing: string[] = [];
      for (const seed of seeds) {
        const found = await this.locate(tx, seed.kind, seed.id);
        if (!found) missing.push(`${seed.kind}:${seed.id}`);
        else if (!chosen.includes(found.eid)) chosen.push(found.eid);
      }
      if (missing.length > 0) throw new AppError('NOT_FOUND', `unknown nodes: ${missing.join(', ')}`, { missing });
      let truncated = chosen.length > options.limit;
      chosen.length = Math.min(chosen.length, options.limit);
      let frontier = chosen.slice();
      for (let hop = 0; hop < options.hops && frontier.length > 0 && !truncated; hop++) {
        const next = (await runMapped(tx, this.mapping, 'subgraph-expand', { types: true }, { frontier, seen: chosen })).records.map((r) => ({ eid: String(r.get('eid')), id: String(r.get('id')), kind: String(r.get('kind')) }));
        next.sort((x, y) => compareCodePoints(x.id, y.id) || compareCodePoints(x.kind, y.kind));
        const room = options.limit - chosen.length;
        if (next.length > room) truncated = true;
        frontier = next.slice(0, room).map((n) => n.eid);
        chosen.push(...frontier);
      }
      const byEid = new Map<string, GraphNode>();
      for (const r of (await runMapped(tx, this.mapping, 'subgraph-nodes', {}, { eids: chosen })).records) {
        byEid.set(String(r.get('eid')), graphNode({ id: r.get('id'), kind: r.get('kind'), label: r.get('label'), entityKind: r.get('entityKind') }));
      }
      const edges = (await runMapped(tx, this.mapping, 'subgraph-edges', { types: true }, { eids: chosen })).records.map((r) => {
        const x = byEid.get(String(r.get('from')))!;
        const y = byEid.get(String(r.get('to')))!;
        return graphEdge({ fromId: x.id, fromKind: x.kind, toId: y.id, toKind: y.kind, type: r.get('type') as GraphEdge['type'], relation: String(r.get('relation')), reversed: r.get('reversed') as boolean, weight: r.get('weight') });
      });
      return { nodes: chosen.map((eid) => byEid.get(eid)!), edges: edges.sort(compareEdges), truncated };
    });
  }

  async upsertUsers(users: UserRecord[]): Promise<void> {
    assertUsers(users);
    const target = this.mapping.mapping.users[0]!;
    const rows = users.map((u) => ({ id: this.storedValue('User', u.id), props: withoutKey(u.props ?? {}, target.id) }));
    await this.write((tx) => runMapped(tx, this.mapping, 'upsert-nodes', { label: target.label, idProp: target.id }, { rows }));
  }

  async upsertItems(items: ItemRecord[]): Promise<void> {
    assertItems(items);
    const target = this.mapping.mapping.items[0]!;
    const rows = items.map((i) => ({ id: this.storedValue('Item', i.id), props: withoutKey({ ...(i.props ?? {}), ...(target.title && target.title !== target.id ? { [target.title]: i.title } : {}) }, target.id) }));
    await this.write((tx) => runMapped(tx, this.mapping, 'upsert-nodes', { label: target.label, idProp: target.id }, { rows }));
  }

  /** The stored id value of a new node of the first mapped label of `kind` (its prefix removed, integers parsed). */
  private storedValue(kind: 'User' | 'Item', id: string): unknown {
    const target = kind === 'User' ? this.mapping.mapping.users[0]! : this.mapping.mapping.items[0]!;
    const c = this.mapping.candidates(kind, id).find((x) => x.label === target.label);
    if (!c) throw new AppError('BAD_REQUEST', `${kind.toLowerCase()} id ${JSON.stringify(id)} does not fit the mapped label ${target.label} (prefix ${JSON.stringify(target.prefix)}, ${target.idType} ids)`);
    return storedId(c.value);
  }

  async upsertEntities(_entities: EntityRecord[]): Promise<void> {
    throw new AppError('BAD_REQUEST', 'entities cannot be written through a graph mapping (docs/graph-mapping.md)');
  }

  async upsertKnowledge(_triples: KnowledgeRecord[]): Promise<void> {
    throw new AppError('BAD_REQUEST', 'knowledge relations cannot be written through a graph mapping (docs/graph-mapping.md)');
  }

  async recordInteractions(events: InteractionEvent[]): Promise<RecordResult> {
    assertEvents(events, this.bounds);
    const byKind = new Map(this.mapping.mapping.interactions.map((x) => [x.kind, x] as const));
    for (const e of events) {
      if (!byKind.has(e.kind)) throw new AppError('BAD_REQUEST', `interaction kind ${JSON.stringify(e.kind)} is not mapped (mapped kinds: ${[...byKind.keys()].join(', ')})`);
    }
    return this.write(async (tx) => {
      const users = new Map<string, Located>();
      const items = new Map<string, Located>();
      const missing: string[] = [];
      for (const e of events) {
        if (!users.has(e.userId)) {
          const u = await this.locate(tx, 'User', e.userId);
          if (u) users.set(e.userId, u);
          else missing.push(`user ${JSON.stringify(e.userId)}`);
        }
        if (!items.has(e.itemId)) {
          const i = await this.locate(tx, 'Item', e.itemId);
          if (i) items.set(e.itemId, i);
          else missing.push(`item ${JSON.stringify(e.itemId)}`);
        }
      }
      if (missing.length > 0) throw new AppError('NOT_FOUND', `unknown ${[...new Set(missing)].slice(0, 10).join(', ')}`);
      const { fresh, duplicates, latest } = latestPerKind(events, new Set());
      if (fresh.length === 0) return { recorded: 0, duplicates, edges: [] };
      for (const e of latest) {
        const x = byKind.get(e.kind)!;
        const u = users.get(e.userId)!;
        const i = items.get(e.itemId)!;
        const [a, b] = x.direction === 'in' ? [i.eid, u.eid] : [u.eid, i.eid];
        await runMapped(tx, this.mapping, 'merge-interaction', { type: x.type }, {
          from: a,
          to: b,
          values: {
            ...(x.rating ? { [x.rating]: e.rating ?? null } : {}),
            ...(x.weight ? { [x.weight]: e.weight } : {}),
            ...(x.timestamp && e.ts !== undefined ? { [x.timestamp]: int(e.ts) } : {}),
          },
        });
      }
      const pairs = new Map(latest.map((e) => [pairKey(e), e]));
      const edges: PairState[] = [];
      for (const e of pairs.values()) {
        const all = await readMappedUserInteractions(tx, this.mapping, users.get(e.userId)!);
        const kinds = all.filter((x) => x.itemId === e.itemId && x.userId === e.userId).map((x) => ({ kind: x.kind, weight: Number(x.weight) }));
        edges.push({ userId: e.userId, itemId: e.itemId, kinds });
      }
      return { recorded: fresh.length, duplicates, edges };
    });
  }

  async close(): Promise<void> {}
}

