/**
 * @module api/routes/graph
 * Read routes over the graph: stats, users, history, items, entities, neighbours, paths and subgraphs. Each handler
 * is one store call; NOT_FOUND and friends travel to the error handler.
 */
import { defineRoute, type AppDeps, type Route } from '../route.ts';
import { Responses, type RequestSchemas } from '../schemas.ts';

export function graphRoutes(deps: AppDeps, s: RequestSchemas): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/v1/stats',
      operationId: 'getStats',
      tag: 'graph',
      summary: 'Node and edge counts.',
      response: Responses.stats,
      handler: () => store.counts(),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users/:id',
      operationId: 'getUser',
      tag: 'users',
      summary: 'A user with its props and interaction counts (total and per kind).',
      params: s.idParams,
      response: Responses.user,
      errors: [404],
      handler: ({ params }) => store.getUser(params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users/:id/history',
      operationId: 'getUserHistory',
      tag: 'users',
      summary: "A user's interactions, newest first (no timestamp last), then by item id.",
      params: s.idParams,
      query: s.pageQuery,
      response: Responses.history,
      errors: [404],
      handler: ({ params, query }) => store.getUserHistory(params.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/items/:id',
      operationId: 'getItem',
      tag: 'items',
      summary: 'An item with its knowledge grouped by relation (each list by name).',
      params: s.idParams,
      response: Responses.item,
      errors: [404],
      handler: ({ params }) => store.getItem(params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/entities/:id',
      operationId: 'getEntity',
      tag: 'entities',
      summary: 'A knowledge entity and a page of the items linked to it (by title, then id).',
      params: s.idParams,
      query: s.pageQuery,
      response: Responses.entity,
      errors: [404],
      handler: ({ params, query }) => store.getEntity(params.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/nodes/:kind/:id/neighbours',
      operationId: 'getNeighbours',
      tag: 'graph',
      summary: 'Edges around a node with the node at their other end, by edge type, relation, then neighbour id.',
      params: s.nodeParams,
      query: s.neighboursQuery,
      response: Responses.neighbours,
      errors: [404],
      handler: async ({ params, query }) => ({
        items: await store.neighbours({ kind: params.kind, id: params.id }, query),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/paths',
      operationId: 'getPaths',
      tag: 'graph',
      summary: 'Shortest simple paths between two nodes, edges taken as undirected (each reports its true direction).',
      query: s.pathsQuery,
      response: Responses.paths,
      errors: [404],
      handler: async ({ query }) => ({
        paths: await store.paths(query.from, query.to, { maxHops: query.maxHops, limit: query.limit }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/subgraph',
      operationId: 'postSubgraph',
      tag: 'graph',
      summary: 'The neighbourhood of some seed nodes (BFS up to hops, nodes capped at limit) with every edge among them.',
      body: s.subgraphBody,
      response: Responses.subgraph,
      errors: [404],
      handler: ({ body }) => store.subgraph(body.seeds, { hops: body.hops, limit: body.limit }),
    }),
  ];
}
