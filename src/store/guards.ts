/**
 * @module store/guards
 * What both GraphStore implementations share so that they behave alike: argument guards (BAD_REQUEST before any
 * work) and the orderings the contract pins down (strings by Unicode code point, edges by type, relation, ends).
 */
import { INTERACTION_BOUNDS, interactionProblem, type InteractionBounds } from '../core/bounds.ts';
import { AppError } from '../core/errors.ts';
import type { EntityRecord, ItemRecord, KnowledgeRecord, NodeKind, NodeRef, Props, UserRecord } from '../core/model.ts';
import type { GraphEdge, InteractionEvent, NeighbourOptions, PathOptions, SubgraphOptions } from './graph-store.ts';

export const KINDS: ReadonlySet<string> = new Set<NodeKind>(['User', 'Item', 'Entity']);
export const DIRECTIONS: ReadonlySet<string> = new Set(['out', 'in', 'both']);

/** Compares strings by Unicode code point (the order Neo4j uses), not by UTF-16 code unit. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    // A surrogate starts a code point above U+FFFF, so it sorts after any BMP unit from U+E000 up.
    if (sa && !sb && cb >= 0xe000) return 1;
    if (sb && !sa && ca >= 0xe000) return -1;
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length;
}

export function compareLists(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodePoints(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function nodeKey(ref: NodeRef): string {
  return JSON.stringify([ref.kind, ref.id]);
}

export function sameRef(a: NodeRef, b: NodeRef): boolean {
  return a.kind === b.kind && a.id === b.id;
}

export function refName(ref: NodeRef): string {
  return `${ref.kind}:${ref.id}`;
}

export function compareEdges(a: GraphEdge, b: GraphEdge): number {
  return (
    compareCodePoints(a.type, b.type) ||
    compareCodePoints(a.relation, b.relation) ||
    compareCodePoints(a.from.id, b.from.id) ||
    compareCodePoints(a.from.kind, b.from.kind) ||
    compareCodePoints(a.to.id, b.to.id) ||
    compareCodePoints(a.to.kind, b.to.kind)
  );
}

export function badRequest(message: string): AppError {
  return new AppError('BAD_REQUEST', `store: ${message}`);
}

export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw badRequest(`${what} must be a non-empty string`);
}

export function assertInt(value: unknown, min: number, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw badRequest(`${what} must be an integer >= ${min} (got ${String(value)})`);
  }
}

export function assertRef(ref: NodeRef, what: string, allowed: ReadonlySet<string> = KINDS): void {
  if (!ref || typeof ref !== 'object' || !allowed.has(ref.kind)) {
    throw badRequest(`${what} kind must be one of ${[...allowed].join(', ')}`);
  }
  assertId(ref.id, `${what} id`);
}

export function assertProps(props: Props | undefined, what: string): void {
  if (props === undefined) return;
  if (!props || typeof props !== 'object' || Array.isArray(props)) throw badRequest(`${what} props must be an object`);
  for (const [key, value] of Object.entries(props)) {
    const ok =
      typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw badRequest(`${what} prop ${JSON.stringify(key)} must be a string, finite number or boolean`);
  }
}

export function assertPage(page: { limit: number; offset: number }): void {
  assertInt(page?.limit, 1, 'limit');
  assertInt(page.offset, 0, 'offset');
}


/** Checks `neighbours` arguments; returns the direction (default `both`). */
export function assertNeighbourArgs(node: NodeRef, options: NeighbourOptions): 'out' | 'in' | 'both' {
  assertRef(node, 'node');
  assertInt(options?.limit, 1, 'limit');
  const direction = options.direction ?? 'both';
  if (!DIRECTIONS.has(direction)) throw badRequest('direction must be out, in or both');
  if (options.relation !== undefined) assertId(options.relation, 'relation');
  return direction;
}

export function assertPathArgs(from: NodeRef, to: NodeRef, options: PathOptions): void {
  assertRef(from, 'from');
  assertRef(to, 'to');
  assertInt(options?.maxHops, 1, 'maxHops');
  assertInt(options.limit, 1, 'limit');
  if (sameRef(from, to)) throw badRequest('paths need two different nodes');
}

export function assertSubgraphArgs(seeds: NodeRef[], options: SubgraphOptions): void {
  if (!Array.isArray(seeds) || seeds.length === 0) throw badRequest('subgraph needs at least one seed');
  seeds.forEach((seed, i) => assertRef(seed, `seeds[${i}]`));
  assertInt(options?.hops, 0, 'hops');
  assertInt(options.limit, 1, 'limit');
}

export function assertUsers(users: UserRecord[]): void {
  users.forEach((user, i) => {
    assertId(user?.id, `users[${i}].id`);
    assertProps(user.props, `users[${i}]`);
  });
}

export function assertItems(items: ItemRecord[]): void {
  items.forEach((item, i) => {
    assertId(item?.id, `items[${i}].id`);
    if (typeof item.title !== 'string') throw badRequest(`items[${i}].title must be a string`);
    assertProps(item.props, `items[${i}]`);
  });
}

export function assertEntities(entities: EntityRecord[]): void {
  entities.forEach((entity, i) => {
    assertId(entity?.id, `entities[${i}].id`);
    if (typeof entity.kind !== 'string' || typeof entity.name !== 'string') {
      throw badRequest(`entities[${i}] kind and name must be strings`);
    }
  });
}

const KNOWLEDGE_ENDS: ReadonlySet<string> = new Set(['Item', 'Entity']);

export function assertTriples(triples: KnowledgeRecord[]): void {
  triples.forEach((triple, i) => {
    assertRef(triple?.head, `triples[${i}].head`, KNOWLEDGE_ENDS);
    assertRef(triple.tail, `triples[${i}].tail`, KNOWLEDGE_ENDS);
    assertId(triple.relation, `triples[${i}].relation`);
  });
}

/**
 * Checks a whole batch of events before anything is written: ids, `ts`, and rating and weight within `bounds` (the
 * shared definition of core/bounds, the same the projection enforces at start).
 */
export function assertEvents(events: InteractionEvent[], bounds: InteractionBounds = INTERACTION_BOUNDS): void {
  if (!Array.isArray(events)) throw badRequest('events must be an array');
  events.forEach((event, i) => {
    assertId(event?.eventId, `events[${i}].eventId`);
    assertId(event.userId, `events[${i}].userId`);
    assertId(event.itemId, `events[${i}].itemId`);
    assertId(event.kind, `events[${i}].kind`);
    const problem = interactionProblem({ weight: event.weight, rating: event.rating }, bounds);
    if (problem) throw badRequest(`events[${i}]: ${problem}; nothing was written`);
    if (event.ts != null) assertInt(event.ts, 0, `events[${i}].ts`);
  });
}
