/**
 * @module mcp/tools
 * The MCP tools are the API's own routes, called in-process: each tool names the route it runs (by `operationId`), its
 * input schema is built from that route's zod schemas (path parameters under friendlier names, e.g. `id` → `user`,
 * then the query fields, then the body fields) and documented by the OpenAPI generator's `fieldSchema`, its input is
 * validated by the API's `parseInput`, its result is the route's JSON (structured content, declared by the route's
 * response schema) plus a short text. So a tool accepts exactly what its route accepts, with the same defaults, bounds
 * and error messages, and a new route field reaches the tool without touching this file.
 *
 * @example
 * const tools = buildTools(apiRoutes(deps));
 * await callTool(tools.get('recommend')!, { user: '1', k: 5 }, context); // { structured: { items: [...] }, text }
 */
import { z } from 'zod';
import { fieldSchema, jsonSchema } from '../api/openapi.ts';
import type { RequestContext, Route } from '../api/route.ts';
import { routeScope, type Scope } from '../api/security/scopes.ts';
import { parseInput } from '../api/validate.ts';
import { AppError } from '../core/errors.ts';

type Json = Record<string, unknown>;

/** What a tool is: which route it runs, how its arguments map onto the route's path parameters, its short text. */
export interface ToolSpec {
  name: string;
  title: string;
  description: string;
  /** The route it runs (`Route.operationId`). */
  operationId: string;
  /** Tool argument → route path parameter (arguments not named here are the path parameter of the same name). */
  params?: Record<string, string>;
  /** A few lines an agent reads; the full result is the structured content. */
  text(result: Json, args: Json): string;
}

export interface Tool {
  spec: ToolSpec;
  route: Route;
  /** The scope the route needs (api/security/scopes): the HTTP endpoint checks each call against the caller's key. */
  scope: Scope;
  /** Arguments as one zod object: the route's params (renamed), query and body fields. */
  input: z.ZodObject;
  /** What `tools/list` shows. */
  definition: { name: string; title: string; description: string; inputSchema: Json; outputSchema: Json; annotations: Json };
}

const MAX_TEXT_ITEMS = 20;

type Row = Record<string, unknown>;
const rows = (value: unknown): Row[] => (Array.isArray(value) ? (value as Row[]) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));
const num = (value: unknown): string => (typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(4)) : '');

function list(head: string, lines: string[]): string {
  const shown = lines.slice(0, MAX_TEXT_ITEMS);
  return [head, ...shown, ...(lines.length > shown.length ? [`… ${lines.length - shown.length} more in the structured content`] : [])].join('\n');
}

/** The tools, in the order `tools/list` shows them. */
export const TOOL_SPECS: readonly ToolSpec[] = [
  {
    name: 'recommend',
    title: 'Recommend items to a user',
    operationId: 'recommendForUser',
    params: { user: 'id' },
    description:
      "A user's top-k unseen items from the graph recommender (hybrid: LightGCN embeddings, Personalized PageRank over ratings and knowledge, popularity), each with its id, title and score. `user` is a graph id (`ml100k:u:1`) or a bare dataset id (`1`). explain=paths adds each item's evidence subgraph, explain=text also its checked explanation; entity and props filter, diversity > 0 re-ranks for variety.",
    text: (r, a) =>
      list(
        `${rows(r.items).length} recommendations for user ${str(a.user)} (strategy ${str(r.strategy)}${r.fallbackUsed ? ', fallback used' : ''}${r.degraded ? ', degraded: Neo4j is down' : ''}):`,
        rows(r.items).map((i) => {
          const why = (i.explanation as Row | undefined)?.text;
          return `${num(i.rank)}. ${str(i.title ?? i.id)} [${str(i.id)}] score ${num(i.score)}${why ? ` — ${str(why)}` : ''}`;
        }),
      ),
  },
  {
    name: 'explain',
    title: 'Explain a recommendation',
    operationId: 'explainRecommendation',
    params: { user: 'id', item: 'itemId' },
    description:
      'Why an item suits a user: the evidence subgraph (paths from the user through what they rated and the knowledge graph to the item, similar items and users), the facts, and the explanation text (`source`: llm when the model\'s text passed the claim check, else the deterministic template).',
    text: (r) => {
      const e = (r.explanation ?? {}) as Row;
      return `${str(e.text)}\n(source: ${str(e.source)}; ${rows((r.evidence as Row | undefined)?.paths).length} evidence paths)`;
    },
  },
  {
    name: 'search',
    title: 'Search users, items and entities',
    operationId: 'search',
    description:
      'Find items by title and knowledge entities (people, genres, …) by name, or users by id prefix (`kind`: comma-separated user, item, entity). Use it to turn a name into the ids the other tools take.',
    text: (r) =>
      list(
        `${str(r.total)} matches for ${JSON.stringify(str(r.q))} (showing ${rows(r.results).length} from offset ${str(r.offset)}):`,
        rows(r.results).map((h) => `${str(h.kind)} ${str(h.id)}: ${str(h.label)}`),
      ),
  },
  {
    name: 'similar_items',
    title: 'Items similar to an item',
    operationId: 'similarItems',
    params: { item: 'id' },
    description: 'Items most like one item: cosine of LightGCN embeddings when the item has one, else Personalized PageRank restarted at the item. `item` is a graph id or a bare dataset id.',
    text: (r) => {
      const item = (r.item ?? {}) as Row;
      return list(
        `${rows(r.items).length} items similar to ${str(item.title ?? item.id)} [${str(item.id)}] (method ${str(r.method)}):`,
        rows(r.items).map((i, n) => `${n + 1}. ${str(i.label ?? i.id)} [${str(i.id)}] score ${num(i.score)}`),
      );
    },
  },
  {
    name: 'user_history',
    title: "A user's history",
    operationId: 'getUserHistory',
    params: { user: 'id' },
    description: "A user's interactions (item, kind, rating, weight, time), newest first, paged. `user` is the stored user id (e.g. `demo:u:1`, `ml100k:u:1`).",
    text: (r, a) =>
      list(
        `user ${str(a.user)}: ${str(r.total)} interactions (showing ${rows(r.items).length} from offset ${str(r.offset)}):`,
        rows(r.items).map((h) => {
          const item = (h.item ?? {}) as Row;
          return `${str(item.title)} [${str(item.id)}] ${str(h.kind)}${h.rating !== null && h.rating !== undefined ? ` ${num(h.rating)}` : ''}`;
        }),
      ),
  },
  {
    name: 'graph_neighbours',
    title: 'Neighbours of a graph node',
    operationId: 'getNeighbours',
    description:
      'The edges around a node (kind user, item or entity; its stored id) with the node at their other end: ratings of a user, ratings and knowledge of an item (director, starring, genre, …), items linked to an entity. Filter by relation and direction.',
    text: (r, a) =>
      list(
        `${rows(r.items).length} neighbours of ${str(a.kind)} ${str(a.id)}:`,
        rows(r.items).map((n) => {
          const node = (n.node ?? {}) as Row;
          const edge = (n.edge ?? {}) as Row;
          return `${str(edge.relation)} → ${str(node.kind)} ${str(node.id)}: ${str(node.label)}`;
        }),
      ),
  },
  {
    name: 'start_conversation',
    title: 'Start a recommendation conversation',
    operationId: 'startConversation',
    description:
      'Starts a conversational recommendation session (docs/conversation.md): optionally for a `user` (their history seeds the answers), with `k` items per answer, and optionally the first turn\'s `moves` (e.g. `[{"type": "keywords", "text": "space opera"}]` or `[{"type": "seed", "node": {"kind": "entity", "id": "…"}}]`). Returns the conversation id for `converse`, its state and, with moves, the first answer.',
    text: (r) => {
      const answer = r.answer as Row | null | undefined;
      const head = `conversation ${str(r.conversation)} (expires ${str(r.expiresAt)})`;
      if (!answer) return `${head}: started, no turn yet; call converse with its id and moves.`;
      return list(`${head}, turn ${num(answer.turn)}: ${str(answer.summary)}`, rows(answer.items).map((i) => `${num(i.rank)}. ${str(i.title ?? i.id)} [${str(i.id)}]`));
    },
  },
  {
    name: 'converse',
    title: 'One turn of a recommendation conversation',
    operationId: 'conversationTurn',
    params: { conversation: 'id' },
    description:
      'One turn of a conversation started with start_conversation: structured moves change what the person wants — seed (like an item/entity), more / less (like an item/entity), unseed, exclude / require (an entity: genre, person, …), reject (shown items), property (name op value), older / newer / shorter / longer (than an item or the list shown), keywords (free text matched to names). All moves apply or none (a bad one is an error naming its index). Returns the fresh top-k with explanations and how the turn changed the list.',
    text: (r) =>
      list(
        `conversation ${str(r.conversation)}, turn ${num(r.turn)}: ${str(r.summary)}`,
        rows(r.items).map((i) => {
          const why = (i.explanation as Row | undefined)?.text;
          return `${num(i.rank)}. ${str(i.title ?? i.id)} [${str(i.id)}]${why ? ` — ${str(why)}` : ''}`;
        }),
      ),
  },
];

function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
}

/** The tool argument names of a route's path parameters. */
function paramArgs(spec: ToolSpec, route: Route): Array<[arg: string, param: string]> {
  const renamed = new Map(Object.entries(spec.params ?? {}).map(([arg, param]) => [param, arg]));
  return Object.keys(shapeOf(route.params)).map((param) => [renamed.get(param) ?? param, param]);
}

/** A JSON Schema object of the arguments, each field as the OpenAPI document shows it. */
function inputJsonSchema(input: z.ZodObject): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(input.shape as Record<string, z.ZodType>)) {
    const { schema, description, optional } = fieldSchema(field);
    properties[name] = description !== undefined ? { ...schema, description } : schema;
    if (!optional) required.push(name);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

/** Builds the tools of `specs` from `routes`; a spec whose route is absent (e.g. no engine routes) is left out. */
export function buildTools(routes: readonly Route[], specs: readonly ToolSpec[] = TOOL_SPECS): Map<string, Tool> {
  const byId = new Map(routes.map((r) => [r.operationId, r]));
  const tools = new Map<string, Tool>();
  for (const spec of specs) {
    const route = byId.get(spec.operationId);
    if (!route) continue;
    const shape: Record<string, z.ZodType> = {};
    for (const [arg, param] of paramArgs(spec, route)) shape[arg] = shapeOf(route.params)[param]!;
    for (const [name, field] of [...Object.entries(shapeOf(route.query)), ...Object.entries(shapeOf(route.body))]) {
      if (name in shape) throw new AppError('CONFIG', `mcp: tool ${spec.name}: argument ${name} is both a path parameter and a field`);
      shape[name] = field;
    }
    const input = z.object(shape);
    const scope = routeScope(route.method, route.path);
    tools.set(spec.name, {
      spec,
      route,
      scope,
      input,
      definition: {
        name: spec.name,
        title: spec.title,
        description: spec.description,
        inputSchema: inputJsonSchema(input),
        outputSchema: jsonSchema(route.response, 'output'),
        annotations: { title: spec.title, readOnlyHint: scope === 'read' || scope === 'public', openWorldHint: false },
      },
    });
  }
  return tools;
}

export interface ToolResult {
  structured: Json;
  text: string;
}

/**
 * Runs one tool: validates `args` with the route's schemas (BAD_REQUEST naming `arguments.<field>`), calls the route's
 * handler with `context`, and returns its JSON and short text. Errors are thrown as the route throws them (AppError).
 */
export async function callTool(tool: Tool, args: unknown, context: RequestContext): Promise<ToolResult> {
  const raw = (args ?? {}) as Json;
  const parsed = parseInput(tool.input, raw, 'arguments') as Json;
  const params: Json = {};
  for (const [arg, param] of paramArgs(tool.spec, tool.route)) params[param] = parsed[arg];
  const query: Json = {};
  for (const name of Object.keys(shapeOf(tool.route.query))) query[name] = parsed[name];
  let body: unknown;
  if (tool.route.body) {
    // The body schema itself (with its refinements), on the body fields as given.
    const given = Object.fromEntries(Object.keys(shapeOf(tool.route.body)).filter((k) => k in raw).map((k) => [k, raw[k]]));
    body = parseInput(tool.route.body, given, 'arguments');
  }
  const result = (await tool.route.handle({ params, query, body, context })) as Json;
  return { structured: result, text: tool.spec.text(result, parsed) };
}
