/**
 * @module store/memory-graph-store
 * The in-memory twin of the Neo4j store: same interface, same semantics, pinned down by the shared contract suite
 * (test/store/graph-store-contract.ts). It serves fast unit tests of the API and of anything else that needs a
 * `GraphStore`; it is not built for large graphs (paths are enumerated, subgraphs walked in full).
 *
 * Semantics in brief (the contract suite is the normative version):
 * - Nodes are identified by (kind, id); a user and an item may share an id.
 * - One INTERACTED edge per (user, item, interaction kind), one RELATED edge per (head, relation, tail).
 * - Strings sort by Unicode code point; kinds alphabetically (Entity < Item < User); edge types INTERACTED < RELATED.
 *
 * @example
 * const store = new MemoryGraphStore();
 * await store.upsertUsers([{ id: 'u1' }]);
 * await store.upsertItems([{ id: 'i1', title: 'Alien' }]);
 * await store.recordInteractions([{ eventId: 'e1', userId: 'u1', itemId: 'i1', kind: 'rating', rating: 5, weight: 5 }]);
 */
import { AppError } from '../core/errors.ts';
import { latestPerKind, pairKey, supersedes, type PairState } from '../core/interactions.ts';
import type { EntityRecord, ItemRecord, KnowledgeRecord, NodeKind, NodeRef, Props, UserRecord } from '../core/model.ts';
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
import { INTERACTION_BOUNDS, type InteractionBounds } from '../core/bounds.ts';
import { assertEntities, assertEvents, assertId, assertItems, assertNeighbourArgs, assertPage, assertPathArgs, assertSubgraphArgs, assertTriples, assertUsers, compareCodePoints, compareEdges, compareLists, nodeKey, refName, sameRef } from './guards.ts';

interface StoredEdge {
  key: string;
  type: 'INTERACTED' | 'RELATED';
  from: NodeRef;
  to: NodeRef;
  /** Interaction kind for INTERACTED, relation name for RELATED. */
  relation: string;
  rating: number | null;
  weight: number;
  ts: number | null;
}

function pageOf<T>(rows: T[], page: { limit: number; offset: number }): Page<T> {
  return { total: rows.length, limit: page.limit, offset: page.offset, items: rows.slice(page.offset, page.offset + page.limit) };
}

/** An in-memory `GraphStore`; see the module header. */
export class MemoryGraphStore implements GraphStore {
  readonly #users = new Map<string, { id: string; props: Props }>();
  readonly #items = new Map<string, { id: string; title: string; props: Props }>();
  readonly #entities = new Map<string, EntityRecord>();
  readonly #edges = new Map<string, StoredEdge>();
  /** Node key → edges incident to it (both directions). */
  readonly #incident = new Map<string, Set<StoredEdge>>();
  readonly #eventIds = new Set<string>();
  #closed = false;

  /** `bounds`: valid ratings and weights of recorded events (core/bounds; the config's `bounds` when serving). */
  constructor(private readonly bounds: InteractionBounds = INTERACTION_BOUNDS) {}

  async ping(): Promise<void> {
    if (this.#closed) throw new AppError('UNAVAILABLE', 'store/memory: the store is closed');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async counts(): Promise<GraphCounts> {
    let interactions = 0;
    for (const edge of this.#edges.values()) if (edge.type === 'INTERACTED') interactions++;
    return {
      users: this.#users.size,
      items: this.#items.size,
      entities: this.#entities.size,
      interactions,
      knowledge: this.#edges.size - interactions,
    };
  }

  // ---------------------------------------------------------------- reads

  async getUser(id: string): Promise<UserView> {
    assertId(id, 'user id');
    const user = this.#users.get(id);
    if (!user) throw new AppError('NOT_FOUND', `store/memory: unknown user ${JSON.stringify(id)}`);
    const interactionsByKind: Record<string, number> = {};
    let interactionCount = 0;
    for (const edge of this.#edgesOf({ kind: 'User', id })) {
      interactionCount++;
      interactionsByKind[edge.relation] = (interactionsByKind[edge.relation] ?? 0) + 1;
    }
    return { id, props: { ...user.props }, interactionCount, interactionsByKind };
  }

  async getUserHistory(id: string, page: { limit: number; offset: number }): Promise<Page<HistoryEntry>> {
    assertId(id, 'user id');
    assertPage(page);
    if (!this.#users.has(id)) throw new AppError('NOT_FOUND', `store/memory: unknown user ${JSON.stringify(id)}`);
    const rows: HistoryEntry[] = [];
    for (const edge of this.#edgesOf({ kind: 'User', id })) {
      const item = this.#items.get(edge.to.id)!;
      rows.push({ item: { id: item.id, title: item.title }, kind: edge.relation, rating: edge.rating, weight: edge.weight, ts: edge.ts });
    }
    rows.sort(
      (a, b) =>
        (a.ts === null ? 1 : 0) - (b.ts === null ? 1 : 0) ||
        (b.ts ?? 0) - (a.ts ?? 0) ||
        compareCodePoints(a.item.id, b.item.id) ||
        compareCodePoints(a.kind, b.kind),
    );
    return pageOf(rows, page);
  }

  async getItem(id: string): Promise<ItemView> {
    assertId(id, 'item id');
    const item = this.#items.get(id);
    if (!item) throw new AppError('NOT_FOUND', `store/memory: unknown item ${JSON.stringify(id)}`);
    const self: NodeRef = { kind: 'Item', id };
    let interactionCount = 0;
    const knowledge: Record<string, EntityRef[]> = {};
    for (const edge of this.#edgesOf(self)) {
      if (edge.type === 'INTERACTED') {
        interactionCount++;
      } else if (sameRef(edge.from, self)) {
        (knowledge[edge.relation] ??= []).push(this.#entityRef(edge.to));
      }
    }
    for (const list of Object.values(knowledge)) {
      list.sort((a, b) => compareCodePoints(a.name, b.name) || compareCodePoints(a.id, b.id) || compareCodePoints(a.kind, b.kind));
    }
    return { id, title: item.title, props: { ...item.props }, interactionCount, knowledge };
  }

  async getEntity(id: string, page: { limit: number; offset: number }): Promise<EntityView> {
    assertId(id, 'entity id');
    assertPage(page);
    const entity = this.#entities.get(id);
    if (!entity) throw new AppError('NOT_FOUND', `store/memory: unknown entity ${JSON.stringify(id)}`);
    const self: NodeRef = { kind: 'Entity', id };
    const rows: { id: string; title: string; relation: string }[] = [];
    for (const edge of this.#edgesOf(self)) {
      if (edge.type === 'RELATED' && edge.from.kind === 'Item' && sameRef(edge.to, self)) {
        rows.push({ id: edge.from.id, title: this.#items.get(edge.from.id)!.title, relation: edge.relation });
      }
    }
    rows.sort((a, b) => compareCodePoints(a.title, b.title) || compareCodePoints(a.id, b.id) || compareCodePoints(a.relation, b.relation));
    return { id, kind: entity.kind, name: entity.name, items: pageOf(rows, page) };
  }

  async neighbours(node: NodeRef, options: NeighbourOptions): Promise<Neighbour[]> {
    const direction = assertNeighbourArgs(node, options);
    this.#assertExists([node]);
    const rows: { neighbour: Neighbour; out: boolean }[] = [];
    for (const edge of this.#edgesOf(node)) {
      if (options.relation !== undefined && edge.relation !== options.relation) continue;
      const out = sameRef(edge.from, node);
      if ((direction === 'out' && !out) || (direction === 'in' && !sameRef(edge.to, node))) continue;
      const other = out ? edge.to : edge.from;
      rows.push({ neighbour: { node: this.#graphNode(other), edge: this.#edgeView(edge) }, out });
    }
    rows.sort(
      (a, b) =>
        compareCodePoints(a.neighbour.edge.type, b.neighbour.edge.type) ||
        compareCodePoints(a.neighbour.edge.relation, b.neighbour.edge.relation) ||
        compareCodePoints(a.neighbour.node.id, b.neighbour.node.id) ||
        compareCodePoints(a.neighbour.node.kind, b.neighbour.node.kind) ||
        Number(b.out) - Number(a.out),
    );
    return rows.slice(0, options.limit).map((row) => row.neighbour);
  }

  async paths(from: NodeRef, to: NodeRef, options: PathOptions): Promise<GraphPath[]> {
    assertPathArgs(from, to, options);
    this.#assertExists([from, to]);
    // Distance of every node near the target, so the walk only takes steps that can still reach it in time.
    const distToTarget = this.#bfs([to], options.maxHops);
    const start = distToTarget.get(nodeKey(from));
    if (start === undefined) return [];

    const found: { path: StoredStep[]; sortKey: string[][] }[] = [];
    const result: GraphPath[] = [];
    for (let length = start; length <= options.maxHops && result.length < options.limit; length++) {
      found.length = 0;
      const onPath = new Set<string>([nodeKey(from)]);
      const steps: StoredStep[] = [];
      const walk = (at: NodeRef, remaining: number): void => {
        if (remaining === 0) {
          if (sameRef(at, to)) found.push({ path: steps.slice(), sortKey: pathSortKey(from, steps) });
          return;
        }
        for (const edge of this.#edgesOf(at)) {
          const next = sameRef(edge.from, at) ? edge.to : edge.from;
          const key = nodeKey(next);
          if (onPath.has(key)) continue;
          const d = distToTarget.get(key);
          if (d === undefined || d > remaining - 1) continue;
          // The target ends a path: it may only be reached on the last step.
          if (sameRef(next, to) && remaining !== 1) continue;
          onPath.add(key);
          steps.push({ edge, node: next });
          walk(next, remaining - 1);
          steps.pop();
          onPath.delete(key);
        }
      };
      walk(from, length);
      found.sort((a, b) => {
        for (let i = 0; i < a.sortKey.length; i++) {
          const c = compareLists(a.sortKey[i]!, b.sortKey[i]!);
          if (c !== 0) return c;
        }
        return 0;
      });
      for (const { path } of found) {
        if (result.length >= options.limit) break;
        result.push({
          nodes: [this.#graphNode(from), ...path.map((step) => this.#graphNode(step.node))],
          edges: path.map((step) => this.#edgeView(step.edge)),
        });
      }
    }
    return result;
  }

  async subgraph(seeds: NodeRef[], options: SubgraphOptions): Promise<Subgraph> {
    assertSubgraphArgs(seeds, options);
    this.#assertExists(seeds);
    const unique = new Map<string, NodeRef>();
    for (const seed of seeds) if (!unique.has(nodeKey(seed))) unique.set(nodeKey(seed), { kind: seed.kind, id: seed.id });
    const dist = this.#bfs([...unique.values()], options.hops);
    const rest: { ref: NodeRef; d: number }[] = [];
    for (const [key, d] of dist) {
      if (unique.has(key)) continue;
      const [kind, id] = JSON.parse(key) as [NodeKind, string];
      rest.push({ ref: { kind, id }, d });
    }
    rest.sort((a, b) => a.d - b.d || compareCodePoints(a.ref.id, b.ref.id) || compareCodePoints(a.ref.kind, b.ref.kind));
    const ordered = [...unique.values(), ...rest.map((r) => r.ref)];
    const kept = ordered.slice(0, options.limit);
    const keptKeys = new Set(kept.map(nodeKey));
    const edges = new Map<string, StoredEdge>();
    for (const ref of kept) {
      for (const edge of this.#edgesOf(ref)) {
        if (keptKeys.has(nodeKey(edge.from)) && keptKeys.has(nodeKey(edge.to))) edges.set(edge.key, edge);
      }
    }
    return {
      nodes: kept.map((ref) => this.#graphNode(ref)),
      edges: [...edges.values()].map((edge) => this.#edgeView(edge)).sort(compareEdges),
      truncated: ordered.length > kept.length,
    };
  }

  // ---------------------------------------------------------------- writes

  async upsertUsers(users: UserRecord[]): Promise<void> {
    assertUsers(users);
    for (const user of users) {
      const prev = this.#users.get(user.id);
      this.#users.set(user.id, { id: user.id, props: { ...prev?.props, ...user.props } });
    }
  }

  async upsertItems(items: ItemRecord[]): Promise<void> {
    assertItems(items);
    for (const item of items) {
      const prev = this.#items.get(item.id);
      this.#items.set(item.id, { id: item.id, title: item.title, props: { ...prev?.props, ...item.props } });
    }
  }

  async upsertEntities(entities: EntityRecord[]): Promise<void> {
    assertEntities(entities);
    for (const entity of entities) this.#entities.set(entity.id, { id: entity.id, kind: entity.kind, name: entity.name });
  }

  async upsertKnowledge(triples: KnowledgeRecord[]): Promise<void> {
    assertTriples(triples);
    this.#assertExists(triples.flatMap((t) => [t.head, t.tail]));
    for (const t of triples) {
      this.#addEdge('RELATED', { kind: t.head.kind, id: t.head.id }, { kind: t.tail.kind, id: t.tail.id }, t.relation);
    }
  }

  async recordInteractions(events: InteractionEvent[]): Promise<RecordResult> {
    assertEvents(events, this.bounds);
    this.#assertExists(events.flatMap((e): NodeRef[] => [{ kind: 'User', id: e.userId }, { kind: 'Item', id: e.itemId }]));
    const { fresh, duplicates, latest } = latestPerKind(events, this.#eventIds);
    for (const event of fresh) this.#eventIds.add(event.eventId);
    const pairs = new Map<string, { userId: string; itemId: string }>();
    for (const event of latest) {
      const edge = this.#addEdge('INTERACTED', { kind: 'User', id: event.userId }, { kind: 'Item', id: event.itemId }, event.kind);
      // The edge keeps the values of the latest event by ts (core/interactions).
      if (edge.fresh || supersedes(event, edge.edge)) {
        edge.edge.rating = event.rating ?? null;
        edge.edge.weight = event.weight;
        edge.edge.ts = event.ts ?? null;
      }
      pairs.set(pairKey(event), { userId: event.userId, itemId: event.itemId });
    }
    const edges: PairState[] = [...pairs.values()].map(({ userId, itemId }) => ({
      userId,
      itemId,
      kinds: [...this.#edgesOf({ kind: 'User', id: userId })]
        .filter((e) => e.type === 'INTERACTED' && e.to.kind === 'Item' && e.to.id === itemId)
        .map((e) => ({ kind: e.relation, weight: e.weight })),
    }));
    return { recorded: fresh.length, duplicates, edges };
  }

  // ---------------------------------------------------------------- internals

  #exists(ref: NodeRef): boolean {
    if (ref.kind === 'User') return this.#users.has(ref.id);
    if (ref.kind === 'Item') return this.#items.has(ref.id);
    return this.#entities.has(ref.id);
  }

  /** Throws NOT_FOUND naming every unknown node among `refs`. */
  #assertExists(refs: NodeRef[]): void {
    const missing = new Map<string, NodeRef>();
    for (const ref of refs) if (!this.#exists(ref)) missing.set(nodeKey(ref), ref);
    if (missing.size > 0) {
      const names = [...missing.values()].map(refName);
      throw new AppError('NOT_FOUND', `store/memory: unknown nodes: ${names.join(', ')}`, { missing: names });
    }
  }

  #edgesOf(ref: NodeRef): Iterable<StoredEdge> {
    return this.#incident.get(nodeKey(ref)) ?? [];
  }

  #addEdge(type: StoredEdge['type'], from: NodeRef, to: NodeRef, relation: string): { edge: StoredEdge; fresh: boolean } {
    const key = JSON.stringify([type, from.kind, from.id, relation, to.kind, to.id]);
    const existing = this.#edges.get(key);
    if (existing) return { edge: existing, fresh: false };
    const edge: StoredEdge = { key, type, from, to, relation, rating: null, weight: 1, ts: null };
    this.#edges.set(key, edge);
    for (const end of [from, to]) {
      const k = nodeKey(end);
      let set = this.#incident.get(k);
      if (!set) this.#incident.set(k, (set = new Set()));
      set.add(edge);
    }
    return { edge, fresh: true };
  }

  /** Undirected multi-source BFS up to `maxDepth` hops: node key → distance. */
  #bfs(sources: NodeRef[], maxDepth: number): Map<string, number> {
    const dist = new Map<string, number>();
    let frontier: NodeRef[] = [];
    for (const s of sources) {
      if (!dist.has(nodeKey(s))) {
        dist.set(nodeKey(s), 0);
        frontier.push(s);
      }
    }
    for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
      const next: NodeRef[] = [];
      for (const at of frontier) {
        for (const edge of this.#edgesOf(at)) {
          const other = sameRef(edge.from, at) ? edge.to : edge.from;
          const key = nodeKey(other);
          if (dist.has(key)) continue;
          dist.set(key, depth);
          next.push(other);
        }
      }
      frontier = next;
    }
    return dist;
  }

  #graphNode(ref: NodeRef): GraphNode {
    if (ref.kind === 'User') return { kind: 'User', id: ref.id, label: ref.id };
    if (ref.kind === 'Item') return { kind: 'Item', id: ref.id, label: this.#items.get(ref.id)!.title };
    const entity = this.#entities.get(ref.id)!;
    return { kind: 'Entity', id: ref.id, label: entity.name, entityKind: entity.kind };
  }

  #entityRef(ref: NodeRef): EntityRef {
    if (ref.kind === 'Item') return { id: ref.id, kind: 'item', name: this.#items.get(ref.id)!.title };
    const entity = this.#entities.get(ref.id)!;
    return { id: ref.id, kind: entity.kind, name: entity.name };
  }

  #edgeView(edge: StoredEdge): GraphEdge {
    const view: GraphEdge = {
      from: { kind: edge.from.kind, id: edge.from.id },
      to: { kind: edge.to.kind, id: edge.to.id },
      type: edge.type,
      relation: edge.relation,
    };
    if (edge.type === 'INTERACTED') view.weight = edge.weight;
    return view;
  }
}

interface StoredStep {
  edge: StoredEdge;
  node: NodeRef;
}

/**
 * Tie-break key of a path among paths of equal length: node ids, node kinds, edge types, edge relations, then edge
 * directions (`0` = traversed from→to, `1` = against it), each compared element by element.
 */
function pathSortKey(start: NodeRef, steps: StoredStep[]): string[][] {
  const nodes = [start, ...steps.map((s) => s.node)];
  return [
    nodes.map((n) => n.id),
    nodes.map((n) => n.kind),
    steps.map((s) => s.edge.type),
    steps.map((s) => s.edge.relation),
    steps.map((s, i) => (sameRef(s.edge.from, nodes[i]!) ? '0' : '1')),
  ];
}
