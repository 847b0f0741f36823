/**
 * @module store/graph-store
 * The read/write surface the API and the CLI use. The Neo4j implementation is the system of record; the memory
 * implementation is its twin for fast tests. Both pass one contract suite (test/store/graph-store-contract.ts).
 * Errors: `AppError('NOT_FOUND')` for unknown nodes, `AppError('BAD_REQUEST')` for invalid arguments,
 * `AppError('UNAVAILABLE')` when the database cannot be reached. Nothing here knows about HTTP.
 */
import type { PairState } from '../core/interactions.ts';
import type { EntityRecord, InteractionRecord, ItemRecord, KnowledgeRecord, NodeKind, NodeRef, Props, UserRecord } from '../core/model.ts';

export interface GraphCounts {
  users: number;
  items: number;
  entities: number;
  interactions: number;
  knowledge: number;
}

export interface Page<T> {
  total: number;
  limit: number;
  offset: number;
  items: T[];
}

export interface UserView {
  id: string;
  props: Props;
  interactionCount: number;
  /** Interactions per kind, e.g. `{ rating: 272 }`. */
  interactionsByKind: Record<string, number>;
}

export interface HistoryEntry {
  item: { id: string; title: string };
  kind: string;
  rating: number | null;
  weight: number;
  ts: number | null;
}

export interface EntityRef {
  id: string;
  kind: string;
  name: string;
}

export interface ItemView {
  id: string;
  title: string;
  props: Props;
  interactionCount: number;
  /** Knowledge entities grouped by relation name, e.g. `{ director: [{id, kind, name}] }`. */
  knowledge: Record<string, EntityRef[]>;
}

export interface EntityView extends EntityRef {
  /** Items linked to this entity, by relation, paged together. */
  items: Page<{ id: string; title: string; relation: string }>;
}

export interface GraphNode {
  kind: NodeKind;
  id: string;
  /** Display label: item title, entity name, or the user id. */
  label: string;
  /** Entity kind (genre, person, …) for entities. */
  entityKind?: string;
}

export interface GraphEdge {
  from: NodeRef;
  to: NodeRef;
  /** `INTERACTED` edges carry the interaction kind (e.g. `rating`); knowledge edges their relation name. */
  type: 'INTERACTED' | 'RELATED';
  relation: string;
  weight?: number;
}

export interface Neighbour {
  node: GraphNode;
  edge: GraphEdge;
}

export interface GraphPath {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface Subgraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
}

export interface NeighbourOptions {
  relation?: string;
  direction?: 'out' | 'in' | 'both';
  limit: number;
}

export interface PathOptions {
  maxHops: number;
  limit: number;
}

export interface SubgraphOptions {
  hops: number;
  /** Maximum number of nodes returned. */
  limit: number;
}

export interface InteractionEvent extends InteractionRecord {
  /** Idempotency key: recording the same event id twice changes nothing. */
  eventId: string;
}

export interface RecordResult {
  /** Events stored now. */
  recorded: number;
  /** Events whose id had been recorded before (ignored). */
  duplicates: number;
  /**
   * The committed kinds of every (user, item) pair that fresh events touched, read in the write's own transaction:
   * what the live engine applies (core/interactions turns them into the edge weight, as the projection does).
   */
  edges: PairState[];
}

export interface GraphStore {
  /** Throws UNAVAILABLE when the backing database does not answer. */
  ping(): Promise<void>;
  counts(): Promise<GraphCounts>;

  getUser(id: string): Promise<UserView>;
  getUserHistory(id: string, page: { limit: number; offset: number }): Promise<Page<HistoryEntry>>;
  getItem(id: string): Promise<ItemView>;
  getEntity(id: string, page: { limit: number; offset: number }): Promise<EntityView>;
  neighbours(node: NodeRef, options: NeighbourOptions): Promise<Neighbour[]>;
  paths(from: NodeRef, to: NodeRef, options: PathOptions): Promise<GraphPath[]>;
  subgraph(seeds: NodeRef[], options: SubgraphOptions): Promise<Subgraph>;

  upsertUsers(users: UserRecord[]): Promise<void>;
  upsertItems(items: ItemRecord[]): Promise<void>;
  upsertEntities(entities: EntityRecord[]): Promise<void>;
  upsertKnowledge(triples: KnowledgeRecord[]): Promise<void>;
  /** Unknown user or item ids: throws NOT_FOUND naming them, and records none of the batch. */
  recordInteractions(events: InteractionEvent[]): Promise<RecordResult>;

  close(): Promise<void>;
}
