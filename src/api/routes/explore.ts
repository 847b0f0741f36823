/**
 * @module api/routes/explore
 * Routes the explorer page needs beyond the graph and recommendation routes: a search over users (id prefix), items
 * and entities (title/name, through the engine's keyword matcher and a substring pass; see `retrieve/search`), and
 * "more like this" (`retrieve/similar`: embedding cosine, else item-seeded PPR). Both read the engine's current
 * projection, so they answer 503 while the engine is being built, like the recommendation routes.
 *
 * @example
 * GET /v1/search?q=alien&kind=item,entity&limit=10   → { q, total, offset, limit, results: [{ kind, id, label, score }] }
 * GET /v1/items/ml100k%3Ai%3A50/similar?k=5         → { item: { id, title }, method, items: [{ id, score, label }] }
 */
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { NodeKind } from '../../core/model.ts';
import type { Engine } from '../../engine/engine.ts';
import { lookupNode } from '../../project/csr.ts';
import { searchNodes } from '../../retrieve/search.ts';
import { MAX_SIMILAR, similarItems, similarityMethod } from '../../retrieve/similar.ts';
import { defineRoute, type AppDeps, type Route } from '../route.ts';
import { IdSchema, queryInt } from '../schemas.ts';

const KINDS: Record<string, NodeKind> = { user: 'User', item: 'Item', entity: 'Entity' };

const KindList = z
  .string()
  .max(64)
  .default('item,entity')
  .transform((s, ctx) => {
    const parts = [...new Set(s.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))];
    const bad = parts.filter((p) => !(p in KINDS));
    if (parts.length === 0 || bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: 'kind must list user, item and/or entity, comma-separated' });
      return z.NEVER;
    }
    return parts.map((p) => KINDS[p]!);
  })
  .describe('Comma-separated kinds to search: user (by id prefix), item (by title), entity (by name). [item,entity]');

const SearchHitSchema = z.object({ kind: z.enum(['User', 'Item', 'Entity']), id: z.string(), label: z.string(), score: z.number() });
const SearchResponse = z.object({ q: z.string(), total: z.number().int(), offset: z.number().int(), limit: z.number().int(), results: z.array(SearchHitSchema) });
const SimilarResponse = z.object({
  item: z.object({ id: z.string(), title: z.string().optional() }),
  method: z.enum(['embedding', 'ppr']),
  items: z.array(z.object({ id: z.string(), score: z.number(), label: z.string().optional() })),
});

function engineOf(get: () => Engine | undefined): Engine {
  const engine = get();
  if (!engine) throw new AppError('UNAVAILABLE', 'explore: the engine is still starting (data loading or training)');
  return engine;
}

export function exploreRoutes(deps: AppDeps & { engine: () => Engine | undefined }): Route[] {
  const { maxLimit, defaultLimit } = deps.cfg.api;
  const maxK = Math.min(deps.cfg.api.maxK, MAX_SIMILAR);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/search',
      operationId: 'search',
      tag: 'explore',
      summary: 'Find users by id prefix, items by title and entities by name (keyword match, then substring); paged.',
      description: 'An empty `q` lists users (natural id order) and items (most popular first). `total` counts matches up to 200.',
      query: z.object({
        q: z.string().max(500).default('').describe('Search text; for users, an id prefix (or a prefix of its last `:` segment).'),
        kind: KindList,
        limit: queryInt(1, maxLimit, Math.min(defaultLimit, maxLimit), `Results per page, 1..${maxLimit}.`),
        offset: queryInt(0, 10_000, 0, 'Results to skip, 0..10000.'),
      }),
      response: SearchResponse,
      errors: [503],
      handler: async ({ query }) => {
        const engine = engineOf(deps.engine);
        const { total, results } = searchNodes(engine.context, { q: query.q, kinds: query.kind, limit: query.limit, offset: query.offset });
        return { q: query.q, total, offset: query.offset, limit: query.limit, results };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/items/:id/similar',
      operationId: 'similarItems',
      tag: 'explore',
      summary: 'Items most like this one: embedding cosine when the model has a vector for it, else PPR from the item.',
      params: z.object({ id: IdSchema }),
      query: z.object({ k: queryInt(1, maxK, Math.min(10, maxK), `Items, 1..${maxK}.`) }),
      response: SimilarResponse,
      errors: [404, 503],
      handler: async ({ params, query }) => {
        const engine = engineOf(deps.engine);
        const ctx = engine.context;
        const id = engine.resolveId('Item', params.id);
        const method = similarityMethod(ctx, id);
        const title = ctx.labels?.(ctx.csr.ids.at(lookupNode(ctx.csr, { kind: 'Item', id }))!);
        return { item: { id, ...(title !== undefined ? { title } : {}) }, method, items: similarItems(ctx, id, query.k) };
      },
    }),
  ];
}
