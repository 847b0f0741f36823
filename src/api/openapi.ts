/**
 * @module api/openapi
 * Builds the OpenAPI 3.1 document from the route declarations and their zod schemas (`z.toJSONSchema`, JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is). Request parts are documented as accepted (`io: 'input'`, defaults filled in),
 * responses as produced (`io: 'output'`). Every operation documents 500 and 429; those with input 400, those with a body
 * 413. Authentication comes from the one scope table (api/security/scopes): operations that need `write` or `admin`
 * list the API-key schemes as required (and 401/403), `read` operations list them as optional (a key is needed only
 * when `auth.readRequiresKey` is set), probes none.
 *
 * @example
 * const doc = buildOpenApi(routes); // doc.paths['/v1/users/{id}'].get.operationId === 'getUser'
 */
import { z } from 'zod';
import type { Route } from './route.ts';
import { routeScope } from './security/scopes.ts';
import { ErrorSchema } from './schemas.ts';

type Json = Record<string, unknown>;

// A type alias (not an interface) so it stays assignable to the loose response schema's index signature.
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json>; securitySchemes: Record<string, Json> };
};

export const OPENAPI_DEFAULTS = {
  title: 'graphrec graph query API',
  version: '1.0.0',
  description: 'Read and write the user–item–knowledge graph. All bodies are JSON; errors are { error: { code, message } }.',
} as const;

const ERROR_RESPONSES: Record<number, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'Invalid parameters, query or body (BAD_REQUEST); malformed JSON.' },
  401: { name: 'Unauthorized', description: 'Missing or unknown API key (UNAUTHORIZED).' },
  403: { name: 'Forbidden', description: 'The key lacks the scope, or a keyless write from a non-loopback client (FORBIDDEN).' },
  404: { name: 'NotFound', description: 'Unknown node (NOT_FOUND).' },
  409: { name: 'Conflict', description: 'Conflicting write (CONFLICT).' },
  413: { name: 'PayloadTooLarge', description: 'Body larger than the configured limit (PAYLOAD_TOO_LARGE).' },
  429: { name: 'RateLimited', description: 'Rate limit of the key or client exceeded (RATE_LIMITED); see Retry-After.' },
  500: { name: 'Internal', description: 'Unexpected failure (no details are exposed).' },
  503: { name: 'Unavailable', description: 'Dependency not ready or unreachable (UNAVAILABLE); see Retry-After.' },
};

/** Express path `/v1/users/:id` → OpenAPI path `/v1/users/{id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** JSON Schema 2020-12 of a zod schema, as accepted (`input`) or as produced (`output`); no `$schema` key. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

/**
 * One request field as accepted: its JSON Schema (the default filled in from the schema itself, since a preprocessed
 * field's schema cannot show it), its description apart, and whether it may be left out. The OpenAPI parameters and
 * the MCP tools' input schemas (src/mcp) both use it.
 */
export function fieldSchema(field: z.ZodType): { schema: Json; description?: string; optional: boolean } {
  const { description, ...schema } = jsonSchema(field, 'input');
  const fallback = field.safeParse(undefined);
  if (fallback.success && fallback.data !== undefined) schema.default = fallback.data;
  return { schema, ...(typeof description === 'string' ? { description } : {}), optional: fallback.success };
}

function parameters(object: z.ZodObject | undefined, where: 'path' | 'query'): Json[] {
  if (!object) return [];
  return Object.entries(object.shape).map(([name, field]) => {
    const { schema, description, optional } = fieldSchema(field as z.ZodType);
    const param: Json = { name, in: where, required: where === 'path' || !optional, schema };
    if (description !== undefined) param.description = description;
    return param;
  });
}

function operation(route: Route): Json {
  const responses: Json = {
    [String(route.status)]: {
      description: 'Success.',
      content: { 'application/json': { schema: jsonSchema(route.response, 'output') } },
    },
  };
  const scope = routeScope(route.method, route.path);
  const errors = new Set<number>([...route.errors, 429, 500]);
  if (scope !== 'public') errors.add(401).add(403);
  if (route.params || route.query || route.body) errors.add(400);
  if (route.body) errors.add(413);
  for (const status of [...errors].sort((a, b) => a - b)) {
    responses[String(status)] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
  }
  const op: Json = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    responses,
  };
  if (scope === 'write' || scope === 'admin') op.security = [{ bearerKey: [] }, { headerKey: [] }];
  else if (scope === 'read') op.security = [{}, { bearerKey: [] }, { headerKey: [] }];
  if (route.description) op.description = route.description;
  if (route.body) {
    op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } };
  }
  return op;
}

export function buildOpenApi(routes: readonly Route[], info: Partial<typeof OPENAPI_DEFAULTS> = {}): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.path);
    (paths[path] ??= {})[route.method] = operation(route);
  }
  const responses: Record<string, Json> = {};
  for (const { name, description } of Object.values(ERROR_RESPONSES)) {
    responses[name] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return {
    openapi: '3.1.0',
    info: { ...OPENAPI_DEFAULTS, ...info },
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorSchema, 'output') },
      responses,
      securitySchemes: {
        bearerKey: { type: 'http', scheme: 'bearer', description: 'An API key (docs/security.md): Authorization: Bearer <key>.' },
        headerKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key in X-API-Key.' },
      },
    },
  };
}
