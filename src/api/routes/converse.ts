/**
 * @module api/routes/converse
 * Conversational recommendation (issue 13, docs/conversation.md): `POST /v1/conversations` starts a session (for a
 * user, or cold), optionally with the first turn's moves; `POST /v1/conversations/{id}/turns` applies a turn's moves and
 * answers the fresh top-k with explanations and how the turn changed the list; `GET /v1/conversations/{id}` shows the
 * state. The logic is converse/converse.ts (the MCP `converse` tool calls the same functions). Sessions live in the
 * process's memory, bounded and expiring (`cfg.converse`); they need the `read` scope (they write nothing to the graph).
 */
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { TEXT_STYLES, type TextStyle } from '../../explain/text.ts';
import type { Engine } from '../../engine/engine.ts';
import { conversationView, converseTurn, startConversation, type TurnAnswer } from '../../converse/converse.ts';
import { SessionStore } from '../../converse/session.ts';
import { defineRoute, type AppDeps, type RequestContext, type Route } from '../route.ts';
import { ConverseMoveSchema, IdSchema } from '../schemas.ts';
import { RecommendationSchema } from './recommend.ts';

const NodeOut = z.object({ kind: z.enum(['Item', 'Entity']), id: z.string(), label: z.string(), weight: z.number() });
const Named = z.object({ id: z.string(), label: z.string() });
const StateSchema = z.object({
  user: z.string().nullable(),
  k: z.number().int(),
  strategy: z.string(),
  turns: z.number().int(),
  seeds: z.array(NodeOut),
  negatives: z.array(NodeOut),
  excluded: z.array(Named),
  required: z.array(Named),
  rejected: z.array(Named),
  constraints: z.array(z.object({ name: z.string(), op: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })),
  shown: z.array(z.object({ id: z.string(), title: z.string().optional() })),
});
const TurnSchema = z.object({
  conversation: z.string(),
  turn: z.number().int(),
  changes: z.array(z.string()).describe('One phrase per move.'),
  summary: z.string().describe('How the turn changed the list, e.g. "added Tom Hanks as a seed; removed 3 items (linked to Horror); 4 new, 6 kept".'),
  items: z.array(RecommendationSchema),
  fallbackUsed: z.boolean(),
  state: StateSchema,
  expiresAt: z.string(),
  degraded: z.literal(true).optional(),
});
const ViewSchema = z.object({
  conversation: z.string(),
  state: StateSchema,
  turns: z.array(z.object({ turn: z.number().int(), at: z.string(), moves: z.array(z.unknown()), summary: z.string() })),
  expiresAt: z.string(),
});

const ExplainSchema = z.enum(['none', 'paths', 'text']).default('text').describe('none: ranking only; paths: + evidence subgraph; text: + explanation.');
const StyleSchema = z.enum(TEXT_STYLES as [TextStyle, ...TextStyle[]]).default('short');
const ConversationId = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, 'a conversation id').describe('Conversation id (from POST /v1/conversations).');

function engineOf(get: () => Engine | undefined): Engine {
  const engine = get();
  if (!engine) throw new AppError('UNAVAILABLE', 'conversations: the engine is still starting (data loading or training)');
  return engine;
}

export interface ConverseDeps extends AppDeps {
  engine: () => Engine | undefined;
  degraded?: () => boolean;
  /** The sessions (one store per process); default: a new one bounded by `cfg.converse`. */
  sessions?: SessionStore;
}

/** The session store `cfg.converse` describes. */
export function sessionStoreFor(cfg: AppDeps['cfg']): SessionStore {
  return new SessionStore({ ttlMs: cfg.converse.ttlS * 1000, maxSessions: cfg.converse.maxSessions, maxTurns: cfg.converse.maxTurns });
}

export function converseRoutes(deps: ConverseDeps): Route[] {
  const sessions = deps.sessions ?? sessionStoreFor(deps.cfg);
  const maxK = deps.cfg.api.maxK;
  const moves = z.array(ConverseMoveSchema).max(sessions.limits.maxMoves).describe(`0..${sessions.limits.maxMoves} moves, applied in order (all or none).`);
  const turnOptions = (explain: 'none' | 'paths' | 'text', style: TextStyle, context: RequestContext) => ({
    explain,
    explainOptions: { style, client: context.client, signal: context.signal, budget: { left: deps.cfg.llm.maxPerRequest, cap: deps.cfg.llm.maxPerRequest, charge: context.chargeLlm } },
  });
  const mark = (answer: TurnAnswer) => ({ ...answer, ...(deps.degraded?.() ? { degraded: true as const } : {}) });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/conversations',
      operationId: 'startConversation',
      tag: 'conversations',
      summary: 'Starts a conversation (for a user, or cold), optionally with the first turn.',
      body: z.strictObject({
        user: IdSchema.optional().describe("A user whose history the answers start from; none = cold start from the conversation's seeds."),
        k: z.number().int().min(1).max(maxK).default(Math.min(10, maxK)),
        strategy: z.enum(['hybrid', 'ppr', 'embedding', 'popular']).optional().describe('Default: hybrid with a user, ppr without.'),
        moves: moves.optional().describe('Moves of the first turn; given, the reply includes its answer.'),
        explain: ExplainSchema,
        style: StyleSchema,
      }),
      response: ViewSchema.extend({ answer: TurnSchema.nullable() }),
      errors: [404, 503],
      handler: async ({ body, context }) => {
        const engine = engineOf(deps.engine);
        const session = startConversation(engine, sessions, { ...(body.user !== undefined ? { user: body.user } : {}), k: body.k, ...(body.strategy ? { strategy: body.strategy } : {}) });
        const answer = body.moves && body.moves.length > 0 ? mark(await converseTurn(engine, sessions, session.id, body.moves, turnOptions(body.explain, body.style, context))) : null;
        return { ...conversationView(sessions, session.id), answer };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/conversations/:id/turns',
      operationId: 'conversationTurn',
      tag: 'conversations',
      summary: "One turn: the moves change the conversation's state; the reply is the fresh top-k, explained, and how the list changed.",
      params: z.object({ id: ConversationId }),
      body: z.strictObject({ moves, explain: ExplainSchema, style: StyleSchema }),
      response: TurnSchema,
      errors: [404, 409, 503],
      handler: async ({ params, body, context }) => {
        const engine = engineOf(deps.engine);
        return mark(await converseTurn(engine, sessions, params.id, body.moves, turnOptions(body.explain, body.style, context)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/conversations/:id',
      operationId: 'getConversation',
      tag: 'conversations',
      summary: "A conversation's state (seeds, exclusions, constraints, the list shown last) and its turns.",
      params: z.object({ id: ConversationId }),
      response: ViewSchema,
      errors: [404],
      handler: async ({ params }) => conversationView(sessions, params.id),
    }),
  ];
}
