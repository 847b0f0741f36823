/**
 * @module api/routes/recommend
 * The explainable recommendation endpoints. They call the same `Engine.recommend` as the CLI and the evaluation
 * harness. `explain=none` returns the ranking alone, `paths` adds each item's evidence subgraph and ranked paths,
 * `text` adds the explanation (LLM when grounded, else the deterministic text; `source` says which). While the engine
 * is not built yet (data loading, training) they answer 503. They never touch Neo4j (the engine is in memory), so they
 * keep answering while it is down; `deps.degraded` then marks the body `"degraded": true` (docs/operations.md).
 */
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import { evidenceToText, TEXT_STYLES, type TextStyle } from '../../explain/text.ts';
import type { Engine, ExplainMode } from '../../engine/engine.ts';
import { rankLocally, type EvidenceFor, type Ranked } from '../../engine/replicas.ts';
import type { RecommendRequest } from '../../retrieve/recommend.ts';
import { AppError } from '../../core/errors.ts';
import { defineRoute, requestContext, type AppDeps, type RequestContext, type Route } from '../route.ts';
import { isQueueRefusal } from '../../explain/llm/client.ts';
import { IdSchema, NodeRefBody, queryInt, STRING_LIMITS } from '../schemas.ts';

const StrategySchema = z.enum(['hybrid', 'ppr', 'embedding', 'popular']).default('hybrid').describe('Candidate strategy; hybrid fuses the others.');
const ExplainSchema = z.enum(['none', 'paths', 'text']).default('none').describe('none: ranking only; paths: + evidence subgraph; text: + explanation.');
const StyleSchema = z
  .enum(TEXT_STYLES as [TextStyle, ...TextStyle[]])
  .default('short')
  .describe('Template style of `text` explanations: short (one or two sentences, the strongest reasons) or full (every fact). `facts` always lists every fact.');

const EvidenceNodeSchema = z.object({ key: z.string(), kind: z.enum(['User', 'Item', 'Entity']), label: z.string() });
const EvidenceEdgeSchema = z.object({ from: z.string(), to: z.string(), relation: z.string(), weight: z.number(), kind: z.string().optional(), rating: z.number().optional() });
const EvidenceSchema = z.object({
  user: EvidenceNodeSchema.nullable(),
  seeds: z.array(EvidenceNodeSchema),
  item: EvidenceNodeSchema,
  paths: z.array(z.object({ nodes: z.array(EvidenceNodeSchema), edges: z.array(EvidenceEdgeSchema), score: z.number() })),
  similarItems: z.array(EvidenceNodeSchema.extend({ score: z.number(), sharedUsers: z.number(), sharedEntities: z.number(), weight: z.number().optional() })),
  similarUsers: z.array(EvidenceNodeSchema.extend({ score: z.number(), sharedItems: z.number(), weight: z.number() })),
  subgraph: z.object({ nodes: z.array(EvidenceNodeSchema), edges: z.array(EvidenceEdgeSchema) }),
});
const ExplanationSchema = z.object({
  text: z.string(),
  source: z.enum(['llm', 'template']),
  facts: z.array(z.string()),
  promptVersion: z.string(),
  model: z.string().optional(),
  fallbackReason: z.string().optional().describe('Why the template was served: the policy (explain.llm) when no LLM is asked, else why the answer was refused.'),
  cached: z.boolean().optional(),
});
export const RecommendationSchema = z.object({
  id: z.string(),
  key: z.string(),
  title: z.string().optional(),
  score: z.number(),
  rank: z.number().int(),
  sources: z.object({ ppr: z.number().optional(), embedding: z.number().optional(), popular: z.number().optional() }),
  via: z.string(),
  evidence: EvidenceSchema.optional(),
  explanation: ExplanationSchema.optional(),
});
const RecommendationsResponse = z.object({
  strategy: z.string(),
  fallbackUsed: z.boolean(),
  fallbacks: z.array(z.string()),
  seeds: z.array(z.string()),
  graphVersion: z.number().int(),
  items: z.array(RecommendationSchema),
  degraded: z.literal(true).optional().describe('Present while Neo4j is down: served from the in-memory projection; writes are refused.'),
});

function engineOf(get: () => Engine | undefined): Engine {
  const engine = get();
  if (!engine) throw new AppError('UNAVAILABLE', 'recommendations: the engine is still starting (data loading or training)');
  return engine;
}

/** `{ degraded: true }` while the store is down, else nothing (the field is absent in normal operation). */
function degradedMark(degraded: (() => boolean) | undefined): { degraded?: true } {
  return degraded?.() ? { degraded: true } : {};
}

/**
 * A ranking (its graph version is the one the response reports) plus evidence/explanations. With `text`, at most
 * `llm.maxPerRequest` explanations call the model (in rank order; each charged to the client's rate limit); the
 * others get the deterministic text at once, their `fallbackReason` saying so. A full LLM queue answers the whole
 * request 429/503 with Retry-After.
 */
async function withExplanations(
  engine: Engine,
  who: { user?: string; seeds?: { kind: 'User' | 'Item' | 'Entity'; id: string }[] },
  ranked: Ranked,
  mode: ExplainMode,
  style: TextStyle,
  context: RequestContext,
  maxPerRequest: number,
) {
  const { result, version } = ranked;
  const budget = { left: maxPerRequest, cap: maxPerRequest, charge: context.chargeLlm };
  // `paths` only: the evidence built with the ranking (on a copy of the engine, engine/replicas).
  const known = ranked.evidence;
  const items = await Promise.all(
    result.items.map(async (item, j) => {
      const explained = await engine.explain({ ...who, item: item.id }, mode, known?.[j], { style, client: context.client, signal: context.signal, budget });
      return { ...item, ...explained };
    }),
  );
  return { strategy: result.strategy, fallbackUsed: result.fallbackUsed, fallbacks: result.fallbacks, seeds: result.seeds, graphVersion: version, items };
}

export function recommendRoutes(
  deps: AppDeps & {
    engine: () => Engine | undefined;
    degraded?: () => boolean;
    /** Where rankings are computed (engine/replicas `rank`: a copy of the engine in a worker thread); else on the engine. */
    rank?: (engine: Engine, request: RecommendRequest, evidenceFor?: EvidenceFor) => Promise<Ranked>;
  },
): Route[] {
  const rank = deps.rank ?? rankLocally;
  const maxK = deps.cfg.api.maxK;
  const k = queryInt(1, maxK, Math.min(10, maxK), `Items per page, 1..${maxK}.`);
  const offset = queryInt(0, 10_000, 0, 'Items to skip, 0..10000.');
  const entityList = z
    .string()
    .max(STRING_LIMITS.id * 10)
    .transform((s) => s.split(',').filter(Boolean))
    .optional()
    .describe('Comma-separated entity ids the items must all link to (e.g. a genre, a director).');
  const propFilters = z
    .string()
    .max(1000)
    .transform((s, ctx) => {
      const out: Record<string, string | number | boolean> = {};
      for (const pair of s.split(',').filter(Boolean)) {
        const at = pair.indexOf(':');
        if (at <= 0) {
          ctx.addIssue({ code: 'custom', message: `item property filter ${JSON.stringify(pair)} is not name:value` });
          return z.NEVER;
        }
        const raw = pair.slice(at + 1);
        out[pair.slice(0, at)] = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
      }
      return out;
    })
    .optional()
    .describe('Item property filters, name:value pairs separated by commas (e.g. year:1995,language:en): each property must equal its value; digits compare as numbers, true/false as booleans.');
  const filtersOf = (entity: string[] | undefined, props: Record<string, string | number | boolean> | undefined) => {
    const filters = { ...(entity?.length ? { entity } : {}), ...(props && Object.keys(props).length > 0 ? { itemProps: props } : {}) };
    return Object.keys(filters).length > 0 ? { filters } : {};
  };
  return [
    defineRoute({
      method: 'get',
      path: '/v1/users/:id/recommendations',
      operationId: 'recommendForUser',
      tag: 'recommendations',
      summary: "A user's top-k unseen items, optionally with evidence and explanations.",
      params: z.object({ id: IdSchema }),
      query: z.object({
        k,
        offset,
        strategy: StrategySchema,
        explain: ExplainSchema,
        style: StyleSchema,
        entity: entityList,
        props: propFilters,
        diversity: z.coerce.number().min(0).max(1).default(0).describe('MMR trade-off λ in [0, 1]; 0 = off.'),
      }),
      response: RecommendationsResponse,
      errors: [404, 503],
      handler: async ({ params, query, context }) => {
        const engine = engineOf(deps.engine);
        const user = engine.resolveId('User', params.id);
        const request = { user, k: query.k, offset: query.offset, strategy: query.strategy, diversity: query.diversity, ...filtersOf(query.entity, query.props) };
        // A copy builds the evidence of `paths` with the ranking. A `text` explanation is cached under the serving
        // engine's version, and a copy may already hold a write that engine is still applying: its evidence is built
        // there.
        const ranked = await rank(engine, request, query.explain === 'paths' ? { user } : undefined);
        return { ...(await withExplanations(engine, { user }, ranked, query.explain, query.style, context, deps.cfg.llm.maxPerRequest)), ...degradedMark(deps.degraded) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/recommendations',
      operationId: 'recommendColdStart',
      tag: 'recommendations',
      summary: 'Cold start: recommendations from a few seed items/entities and/or free-text keywords.',
      body: z
        .strictObject({
          seeds: z.array(NodeRefBody).max(deps.cfg.api.maxSeeds).default([]),
          keywords: z.string().max(1000).optional(),
          k: z.number().int().min(1).max(maxK).default(Math.min(10, maxK)),
          offset: z.number().int().min(0).max(10_000).default(0),
          strategy: z.enum(['hybrid', 'ppr', 'popular']).default('ppr'),
          explain: ExplainSchema,
          style: StyleSchema,
        })
        .refine((b) => b.seeds.length > 0 || (b.keywords ?? '').trim() !== '', 'give seeds and/or keywords'),
      response: RecommendationsResponse,
      errors: [404, 503],
      handler: async ({ body, context }) => {
        const engine = engineOf(deps.engine);
        const ranked = await rank(engine, { seeds: body.seeds, ...(body.keywords ? { keywords: body.keywords } : {}), k: body.k, offset: body.offset, strategy: body.strategy });
        const seeds = ranked.result.seeds.map((key) => {
          const at = key.indexOf(':');
          return { kind: key.slice(0, at) as 'Item' | 'Entity', id: key.slice(at + 1) };
        });
        return { ...(await withExplanations(engine, { seeds }, ranked, body.explain, body.style, context, deps.cfg.llm.maxPerRequest)), ...degradedMark(deps.degraded) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users/:id/recommendations/:itemId/explanation',
      operationId: 'explainRecommendation',
      tag: 'recommendations',
      summary: 'Why an item suits a user: evidence subgraph, ranked paths and the explanation.',
      params: z.object({ id: IdSchema, itemId: IdSchema }),
      query: z.object({ style: StyleSchema }),
      response: z.object({ evidence: EvidenceSchema, explanation: ExplanationSchema, degraded: z.literal(true).optional() }),
      errors: [404, 503],
      handler: async ({ params, query, context }) => {
        const engine = engineOf(deps.engine);
        const budget = { left: 1, cap: 1, charge: context.chargeLlm };
        const request = { user: engine.resolveId('User', params.id), item: engine.resolveId('Item', params.itemId) };
        const { evidence, explanation } = await engine.explain(request, 'text', undefined, { style: query.style, client: context.client, signal: context.signal, budget });
        return { evidence: evidence!, explanation: explanation!, ...degradedMark(deps.degraded) };
      },
    }),
  ];
}

/**
 * `GET /v1/users/:id/recommendations/:itemId/explanation/stream` (server-sent events): `evidence` at once (the
 * subgraph, paths and the deterministic facts), then `explanation` when the model is done (or the template), then
 * `end`. Errors arrive as an `error` event with `{error: {code, message, details?}}` (a full LLM queue: RATE_LIMITED or
 * UNAVAILABLE with `details.retryAfterS`). When the client disconnects, its LLM work stops (the wait in the queue or
 * the generation is aborted).
 */
export function mountExplanationStream(app: Express, getEngine: () => Engine | undefined): void {
  app.get('/v1/users/:id/recommendations/:itemId/explanation/stream', async (req: Request, res: Response) => {
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded && !res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const context = requestContext(req, res);
    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.flushHeaders();
    try {
      const engine = engineOf(getEngine);
      const user = engine.resolveId('User', IdSchema.parse(req.params.id));
      const item = engine.resolveId('Item', IdSchema.parse(req.params.itemId));
      const style = StyleSchema.parse(req.query.style);
      const evidence = engine.evidence({ user, item });
      send('evidence', { evidence, facts: evidenceToText(evidence).facts });
      const budget = { left: 1, cap: 1, charge: context.chargeLlm };
      const { explanation } = await engine.explain({ user, item }, 'text', evidence, { style, client: context.client, signal: context.signal, budget });
      send('explanation', explanation);
    } catch (error) {
      const e = error instanceof AppError ? error : error instanceof z.ZodError ? new AppError('BAD_REQUEST', 'invalid id or style') : new AppError('INTERNAL', 'internal error');
      send('error', { error: { code: e.code, message: e.message, ...(isQueueRefusal(e) ? { details: { retryAfterS: (e.details as { retryAfterS: number }).retryAfterS } } : {}) } });
    } finally {
      send('end', {});
      res.end();
    }
  });
}
