/**
 * @module api/schemas
 * Every zod schema of the HTTP API: requests (built from `cfg.api`, so the bounds and the OpenAPI document follow the
 * configuration) and responses (mirroring the store's view types, checked against them at compile time). The schema
 * is the type: handlers receive `z.output` of the request schemas.
 *
 * @example
 * const s = buildRequestSchemas(cfg.api);
 * s.pageQuery.parse({ limit: '5' }); // { limit: 5, offset: 0 }
 */
import { z } from 'zod';
import type { Config } from '../core/config.ts';
import { NOT_ITEM_PROPS, type NodeKind, type NodeRef } from '../core/model.ts';
import { PROPERTY_OPS, RELATIVE_MOVE_TYPES, type Move } from '../converse/moves.ts';
import type {
  EntityView,
  GraphCounts,
  GraphPath,
  HistoryEntry,
  ItemView,
  Neighbour,
  Page,
  RecordResult,
  Subgraph,
  UserView,
} from '../store/graph-store.ts';

/** Defaults of the exploration routes where `cfg.api` only holds the maxima (each is clamped to its maximum). */
export const API_DEFAULTS = {
  /** `maxHops` of GET /v1/paths. */
  pathHops: 3,
  /** `limit` of GET /v1/paths. */
  paths: 10,
  /** `hops` of POST /v1/subgraph. */
  subgraphHops: 1,
  /** `limit` of POST /v1/subgraph. */
  subgraphNodes: 100,
} as const;

/** Length caps on strings. */
export const STRING_LIMITS = { id: 256, kind: 64, relation: 128, title: 1024, propKey: 64, propValue: 4096, props: 64 } as const;

/** Property keys the store keeps for itself: a node's id and title, and graphrec's vector properties (core/model). */
export const RESERVED_PROP_KEYS: ReadonlySet<string> = new Set(NOT_ITEM_PROPS);

// ------------------------------------------------------------------ building blocks

/** Strings are stored as UTF-8 (Neo4j), where a lone surrogate would silently become U+FFFD: refuse them instead. */
const LONE_SURROGATE = /\p{Cs}/u;
const wellFormed = [(s: string) => !LONE_SURROGATE.test(s), 'not well-formed Unicode (lone surrogate)'] as const;

export const IdSchema = z
  .string()
  .min(1)
  .max(STRING_LIMITS.id)
  .refine(...wellFormed)
  .describe(`Node id: any non-empty string up to ${STRING_LIMITS.id} UTF-16 units (percent-encode it in URLs).`);

const KIND_BY_NAME: Record<string, NodeKind> = {
  user: 'User',
  item: 'Item',
  entity: 'Entity',
  User: 'User',
  Item: 'Item',
  Entity: 'Entity',
};
const KIND_NAMES = ['user', 'item', 'entity', 'User', 'Item', 'Entity'] as const;

export const NodeKindParam = z.enum(KIND_NAMES).transform((k) => KIND_BY_NAME[k]!).describe('Node kind.');

const NODE_REF_PATTERN = /^(user|item|entity|User|Item|Entity):[\s\S]+$/;

/** `kind:id` → NodeRef; the id is everything after the first colon, so it may contain colons itself. */
export const NodeRefString = z
  .string()
  .regex(NODE_REF_PATTERN, 'expected kind:id with kind user, item or entity')
  .refine((s) => s.length - s.indexOf(':') - 1 <= STRING_LIMITS.id, `id longer than ${STRING_LIMITS.id}`)
  .refine(...wellFormed)
  .transform((s): NodeRef => {
    const at = s.indexOf(':');
    return { kind: KIND_BY_NAME[s.slice(0, at)]!, id: s.slice(at + 1) };
  })
  .describe('Node reference `kind:id`, e.g. `user:1` or `entity:dbr:Ridley_Scott`.');

export const NodeRefBody = z
  .strictObject({ kind: z.enum(KIND_NAMES), id: IdSchema })
  .transform((r): NodeRef => ({ kind: KIND_BY_NAME[r.kind]!, id: r.id }));

// ------------------------------------------------------------------ conversation moves (converse/moves.ts)

const ConverseNodeSchema = z
  .strictObject({ kind: z.enum(['item', 'entity', 'Item', 'Entity']), id: IdSchema })
  .transform((r) => ({ kind: r.kind === 'item' || r.kind === 'Item' ? ('Item' as const) : ('Entity' as const), id: r.id }))
  .describe('An item or an entity, e.g. `{"kind": "entity", "id": "dbpedia:Tom_Hanks"}`; item ids may be bare dataset ids.');

const relativeMove = (type: (typeof RELATIVE_MOVE_TYPES)[number], what: string) =>
  z.strictObject({ type: z.literal(type), than: IdSchema.optional().describe('Item to compare with; default: the median of the list shown last.') }).describe(what);

/** One structured move of a conversation turn (see converse/moves.ts for what each does to the session). */
export const ConverseMoveSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('seed'), node: ConverseNodeSchema, weight: z.number().gt(0).max(100).optional().describe('Added to the seed weight [1].') }).describe('"like X": the item or entity becomes a seed.'),
  z.strictObject({ type: z.literal('more'), node: ConverseNodeSchema }).describe('"more like Y": its seed weight + 1 (a new seed starts at 2).'),
  z.strictObject({ type: z.literal('less'), node: ConverseNodeSchema }).describe('"less like X": seed weight halved; its neighbourhood is pushed down; an item X is not shown again.'),
  z.strictObject({ type: z.literal('unseed'), node: ConverseNodeSchema }).describe('Forget a seed or negative seed.'),
  z.strictObject({ type: z.literal('exclude'), entity: IdSchema }).describe('"not this genre/person": no item linked to the entity.'),
  z.strictObject({ type: z.literal('require'), entity: IdSchema }).describe('"only with …": every item links to the entity.'),
  z.strictObject({ type: z.literal('reject'), items: z.array(IdSchema).min(1).max(100) }).describe('Rejects shown items: never shown again.'),
  z
    .strictObject({ type: z.literal('property'), name: z.string().min(1).max(STRING_LIMITS.propKey).refine(...wellFormed), op: z.enum(PROPERTY_OPS), value: z.union([z.string().max(STRING_LIMITS.propValue).refine(...wellFormed), z.number(), z.boolean()]) })
    .describe('Item property constraint (lt/le/gt/ge compare numbers; eq/ne any scalar).'),
  relativeMove('older', '"older": year below the reference.'),
  relativeMove('newer', '"newer": year above the reference.'),
  relativeMove('shorter', '"shorter": runtime below the reference.'),
  relativeMove('longer', '"longer": runtime above the reference.'),
  z.strictObject({ type: z.literal('keywords'), text: z.string().min(1).max(500).refine(...wellFormed) }).describe('Free keywords: matched item titles and entity names become seeds.'),
]);

/** Integer from a query string: digits only (no `1e3`, `0x10`, `1.0`), then bounds. */
export function queryInt(min: number, max: number, fallback: number, description: string) {
  return z
    .preprocess((v) => (typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max))
    .default(fallback)
    .describe(description);
}

export const PropsSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(STRING_LIMITS.propKey)
      .refine(...wellFormed)
      // Neo4j refuses property names (tokens) with NUL; the other characters are fine.
      .refine((k) => !k.includes('\u0000'), 'property key with a NUL character')
      .refine((k) => !RESERVED_PROP_KEYS.has(k), 'reserved property key'),
    z.union([z.string().max(STRING_LIMITS.propValue).refine(...wellFormed), z.number(), z.boolean()]),
  )
  .refine((p) => Object.keys(p).length <= STRING_LIMITS.props, `at most ${STRING_LIMITS.props} properties`)
  .describe('Scalar properties (string, finite number, boolean); merged key by key into the stored ones.');

const UserRecordSchema = z.strictObject({ id: IdSchema, props: PropsSchema.optional() });
const ItemRecordSchema = z.strictObject({ id: IdSchema, title: z.string().min(1).max(STRING_LIMITS.title).refine(...wellFormed), props: PropsSchema.optional() });

export const InteractionEventSchema = z.strictObject({
  eventId: IdSchema.describe('Idempotency key: an event id seen before is counted as a duplicate and ignored.'),
  userId: IdSchema,
  itemId: IdSchema,
  kind: z.string().min(1).max(STRING_LIMITS.kind).refine(...wellFormed).describe('rating, click, listen, purchase, …'),
  rating: z.number().optional().describe('Explicit rating, on the configured scale (GRAPHREC_RATING_MIN..GRAPHREC_RATING_MAX, default 0–10); outside it the whole batch is refused (400) and nothing is written.'),
  weight: z.number().min(0).optional().describe('Edge weight, ≤ GRAPHREC_MAX_WEIGHT (default 1e9); defaults to the rating, else 1.'),
  ts: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Unix time in seconds.'),
});

// ------------------------------------------------------------------ requests

/** A batch body: a bare JSON array or `{ [key]: array }`, 1..max records; either way the handler gets the array. */
function batchOf<K extends string, T extends z.ZodType>(key: K, record: T, max: number) {
  const list = z.array(record).min(1).max(max).describe(`1..${max} records.`);
  return z.union([list, z.strictObject({ [key]: list } as Record<K, typeof list>)]).transform((b) =>
    Array.isArray(b) ? b : (b as Record<K, z.output<T>[]>)[key],
  );
}

/** Request schemas, bounded by `cfg.api`. */
export function buildRequestSchemas(api: Config['api']) {
  const limit = queryInt(1, api.maxLimit, api.defaultLimit, `Page size, 1..${api.maxLimit}.`);
  const offset = queryInt(0, Number.MAX_SAFE_INTEGER, 0, 'Rows to skip.');
  return {
    idParams: z.object({ id: IdSchema }),
    nodeParams: z.object({ kind: NodeKindParam, id: IdSchema }),
    pageQuery: z.object({ limit, offset }),
    neighboursQuery: z.object({
      relation: z.string().min(1).max(STRING_LIMITS.relation).refine(...wellFormed).optional().describe('Only edges with this relation (or interaction kind).'),
      direction: z.enum(['out', 'in', 'both']).default('both').describe('Edge direction relative to the node.'),
      limit,
    }),
    pathsQuery: z.object({
      from: NodeRefString,
      to: NodeRefString,
      maxHops: queryInt(1, api.maxHops, Math.min(API_DEFAULTS.pathHops, api.maxHops), `Longest path, 1..${api.maxHops} hops.`),
      limit: queryInt(1, api.maxPaths, Math.min(API_DEFAULTS.paths, api.maxPaths), `Most paths returned, 1..${api.maxPaths}.`),
    }),
    subgraphBody: z.strictObject({
      seeds: z.array(NodeRefBody).min(1).max(api.maxSeeds).describe(`1..${api.maxSeeds} seed nodes.`),
      hops: z.number().int().min(0).max(api.maxHops).default(Math.min(API_DEFAULTS.subgraphHops, api.maxHops)),
      limit: z
        .number()
        .int()
        .min(1)
        .max(api.maxSubgraphNodes)
        .default(Math.min(API_DEFAULTS.subgraphNodes, api.maxSubgraphNodes))
        .describe(`Most nodes returned, 1..${api.maxSubgraphNodes}.`),
    }),
    putUserBody: z.strictObject({ props: PropsSchema.optional() }),
    putItemBody: z.strictObject({ title: ItemRecordSchema.shape.title, props: PropsSchema.optional() }),
    usersBody: batchOf('users', UserRecordSchema, api.maxBatch),
    itemsBody: batchOf('items', ItemRecordSchema, api.maxBatch),
    interactionsBody: z.strictObject({ events: z.array(InteractionEventSchema).min(1).max(api.maxBatch) }),
  };
}

export type RequestSchemas = ReturnType<typeof buildRequestSchemas>;

// ------------------------------------------------------------------ responses

const PropsOut = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const NodeRefOut = z.object({ kind: z.enum(['User', 'Item', 'Entity']), id: z.string() });

const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), items: z.array(item) });

export const GraphNodeSchema = z.object({
  kind: z.enum(['User', 'Item', 'Entity']),
  id: z.string(),
  label: z.string().describe('Item title, entity name, or the user id.'),
  entityKind: z.string().optional(),
});

export const GraphEdgeSchema = z.object({
  from: NodeRefOut,
  to: NodeRefOut,
  type: z.enum(['INTERACTED', 'RELATED']),
  relation: z.string().describe('Interaction kind for INTERACTED, relation name for RELATED.'),
  weight: z.number().optional().describe('INTERACTED edges only.'),
});

export const ErrorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable error code, e.g. NOT_FOUND.'),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

export const Responses = {
  live: z.object({ status: z.literal('ok') }),
  ready: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.unknown()) }),
  openapi: z.looseObject({ openapi: z.string(), info: z.unknown(), paths: z.record(z.string(), z.unknown()) }),
  stats: z.object({
    users: z.number().int(),
    items: z.number().int(),
    entities: z.number().int(),
    interactions: z.number().int(),
    knowledge: z.number().int(),
  }),
  user: z.object({
    id: z.string(),
    props: PropsOut,
    interactionCount: z.number().int(),
    interactionsByKind: z.record(z.string(), z.number().int()),
  }),
  history: pageOf(
    z.object({
      item: z.object({ id: z.string(), title: z.string() }),
      kind: z.string(),
      rating: z.number().nullable(),
      weight: z.number(),
      ts: z.number().int().nullable(),
    }),
  ),
  item: z.object({
    id: z.string(),
    title: z.string(),
    props: PropsOut,
    interactionCount: z.number().int(),
    knowledge: z.record(z.string(), z.array(z.object({ id: z.string(), kind: z.string(), name: z.string() }))),
  }),
  entity: z.object({
    id: z.string(),
    kind: z.string(),
    name: z.string(),
    items: pageOf(z.object({ id: z.string(), title: z.string(), relation: z.string() })),
  }),
  neighbours: z.object({ items: z.array(z.object({ node: GraphNodeSchema, edge: GraphEdgeSchema })) }),
  paths: z.object({ paths: z.array(z.object({ nodes: z.array(GraphNodeSchema), edges: z.array(GraphEdgeSchema) })) }),
  subgraph: z.object({ nodes: z.array(GraphNodeSchema), edges: z.array(GraphEdgeSchema), truncated: z.boolean() }),
  upserted: z.object({ upserted: z.number().int() }),
  recorded: z.object({ recorded: z.number().int(), duplicates: z.number().int() }),
} as const;

// Compile-time proof that the documented responses are the store's types (a drift fails `tsc`).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function assertSame<T extends true>(): T | undefined {
  return undefined;
}
assertSame<Same<z.output<typeof Responses.stats>, GraphCounts>>();
assertSame<Same<z.output<typeof Responses.user>, UserView>>();
assertSame<Same<z.output<typeof Responses.history>, Page<HistoryEntry>>>();
assertSame<Same<z.output<typeof Responses.item>, ItemView>>();
assertSame<Same<z.output<typeof Responses.entity>, EntityView>>();
assertSame<Same<z.output<typeof Responses.neighbours>['items'], Neighbour[]>>();
assertSame<Same<z.output<typeof Responses.paths>['paths'], GraphPath[]>>();
assertSame<Same<z.output<typeof Responses.subgraph>, Subgraph>>();
assertSame<Same<z.output<typeof Responses.recorded>, Omit<RecordResult, 'edges'>>>();
assertSame<Same<z.output<typeof ConverseMoveSchema>, Move>>();
