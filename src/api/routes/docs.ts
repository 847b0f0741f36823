/**
 * @module api/routes/docs
 * GET /v1/openapi.json: the OpenAPI document of every mounted route, built once on first request.
 */
import type { OpenApiDocument } from '../openapi.ts';
import { defineRoute, type Route } from '../route.ts';
import { Responses } from '../schemas.ts';

export function docsRoutes(getDocument: () => OpenApiDocument): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/openapi.json',
      operationId: 'getOpenApi',
      tag: 'docs',
      summary: 'This API described as OpenAPI 3.1.',
      response: Responses.openapi,
      handler: async () => getDocument(),
    }),
  ];
}
