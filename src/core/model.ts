/**
 * @module core/model
 * The graph model shared by every stage: users, items and knowledge entities, interactions from users to items, and
 * typed knowledge relations (item→entity, entity→entity, item→item) that keep the dataset's relation name.
 *
 * In Neo4j:
 *   (:User {id})-[:INTERACTED {kind, rating, weight, ts}]->(:Item {id, title})
 *   (:Item|Entity)-[:RELATED {relation}]->(:Item|Entity {id, kind, name})
 * All ids are strings (stable across datasets: "ml:1", "dbr:Ridley_Scott", …, chosen by the loader).
 */

export const NODE_KINDS = ['User', 'Item', 'Entity'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export type PropValue = string | number | boolean;
export type Props = Record<string, PropValue>;

/**
 * Node properties graphrec writes for itself next to a node's own: a trained vector and the artifact it came from
 * (store/vectors, cypher/vector/set-embeddings). They are never part of a node's props: reads leave them out, the API
 * refuses them as prop keys and the generic loader as user or item columns. The local Neo4j's serving version
 * (graph/src/main/java/graphrec/ServingVersion.java, `VECTOR_KEYS`) names the same keys: a commit that changes only
 * them does not move it (test/core/vector-keys.test.ts keeps the two lists equal).
 */
export const VECTOR_PROPERTY_KEYS: readonly string[] = ['embedding', 'embeddingVersion'];

/** What an item's props never hold: its id, its title (a field of its own) and graphrec's vector properties. */
export const NOT_ITEM_PROPS: readonly string[] = ['id', 'title', ...VECTOR_PROPERTY_KEYS];

/** What a user's props never hold: its id and graphrec's vector properties. */
export const NOT_USER_PROPS: readonly string[] = ['id', ...VECTOR_PROPERTY_KEYS];

/** The scalar values of a node's stored properties (strings, numbers, booleans) as props, without the keys in `drop`. */
export function scalarProps(values: Readonly<Record<string, unknown>> | null | undefined, drop: readonly (string | undefined)[]): Props {
  const out: Props = {};
  for (const [name, value] of Object.entries(values ?? {})) {
    if (drop.includes(name)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = value;
  }
  return out;
}

export interface NodeRef {
  kind: NodeKind;
  id: string;
}

export interface UserRecord {
  id: string;
  /** Free-form scalar properties (age, gender, occupation, …). */
  props?: Props;
}

export interface ItemRecord {
  id: string;
  title: string;
  props?: Props;
}

export interface EntityRecord {
  id: string;
  /** What the entity is: genre, person, category, company, tag, … */
  kind: string;
  /** Display name. */
  name: string;
}

export interface InteractionRecord {
  userId: string;
  itemId: string;
  /** rating, click, listen, checkin, purchase, … */
  kind: string;
  /** Explicit rating when the dataset has one. */
  rating?: number;
  /** Strength of the interaction (rating, play count, 1 for implicit). Used as edge weight. */
  weight: number;
  /** Unix time in seconds, when known. */
  ts?: number;
}

/** A knowledge triple. `head` is an Item or an Entity; `tail` is an Entity or an Item. */
export interface KnowledgeRecord {
  head: NodeRef;
  relation: string;
  tail: NodeRef;
}

/** One parsed record with where it came from, so errors and checkpoints can point at it. */
export type DataRecord =
  | { type: 'user'; value: UserRecord }
  | { type: 'item'; value: ItemRecord }
  | { type: 'entity'; value: EntityRecord }
  | { type: 'interaction'; value: InteractionRecord }
  | { type: 'knowledge'; value: KnowledgeRecord };

export interface SourcePosition {
  file: string;
  /** 1-based line number in the file (the first line of the row for multi-line CSV rows). */
  line: number;
}

/** A row that could not be loaded: where it is and why. */
export interface RowError extends SourcePosition {
  reason: string;
}
