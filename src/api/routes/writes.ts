/**
 * @module api/routes/writes
 * Write routes: upsert one user or item (returns its view), upsert batches, and record interaction events (idempotent
 * by event id). Batches are validated whole before anything is written. A write is acknowledged only once Neo4j
 * committed it: while Neo4j is down the store (guarded by `store/health` in `serve`) refuses it with 503 + Retry-After —
 * nothing is queued (docs/operations.md).
 */
import { eventValue } from '../../core/interactions.ts';
import type { InteractionEvent } from '../../store/graph-store.ts';
import { defineRoute, type AppDeps, type Route } from '../route.ts';
import { Responses, type RequestSchemas } from '../schemas.ts';

export function writeRoutes(deps: AppDeps, s: RequestSchemas): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'put',
      path: '/v1/users/:id',
      operationId: 'putUser',
      tag: 'users',
      summary: 'Create or update a user; props are merged key by key. Returns the user.',
      params: s.idParams,
      body: s.putUserBody,
      response: Responses.user,
      handler: async ({ params, body }) => {
        await store.upsertUsers([{ id: params.id, props: body.props }]);
        return store.getUser(params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/users',
      operationId: 'postUsers',
      tag: 'users',
      summary: 'Create or update a batch of users: a JSON array, or { users: [...] }.',
      body: s.usersBody,
      response: Responses.upserted,
      handler: async ({ body }) => {
        await store.upsertUsers(body);
        return { upserted: body.length };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/items/:id',
      operationId: 'putItem',
      tag: 'items',
      summary: 'Create or update an item; the title is replaced, props merged key by key. Returns the item.',
      params: s.idParams,
      body: s.putItemBody,
      response: Responses.item,
      handler: async ({ params, body }) => {
        await store.upsertItems([{ id: params.id, title: body.title, props: body.props }]);
        return store.getItem(params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/items',
      operationId: 'postItems',
      tag: 'items',
      summary: 'Create or update a batch of items: a JSON array, or { items: [...] }.',
      body: s.itemsBody,
      response: Responses.upserted,
      handler: async ({ body }) => {
        await store.upsertItems(body);
        return { upserted: body.length };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/interactions',
      operationId: 'postInteractions',
      tag: 'interactions',
      summary: 'Record interaction events; a repeated event id is a duplicate. Unknown users or items: 404, nothing written.',
      body: s.interactionsBody,
      response: Responses.recorded,
      errors: [404],
      handler: async ({ body }) => {
        const { recorded, duplicates } = await store.recordInteractions(
          body.events.map(
            (e): InteractionEvent => ({
              eventId: e.eventId,
              userId: e.userId,
              itemId: e.itemId,
              kind: e.kind,
              rating: e.rating,
              weight: eventValue(e),
              ts: e.ts,
            }),
          ),
        );
        return { recorded, duplicates };
      },
    }),
  ];
}
