/**
 * @module api/route
 * One route = one declaration: method, path, request schemas, response schema, documented errors and a thin handler.
 * `mountRoutes` registers the declarations on Express (validating each request part first and forwarding every
 * error to the one error handler); `buildOpenApi` documents the very same declarations, so code and docs cannot drift.
 *
 * @example
 * defineRoute({
 *   method: 'get', path: '/v1/users/:id', operationId: 'getUser', tag: 'users', summary: 'A user',
 *   params: z.object({ id: IdSchema }), response: Responses.user, errors: [404],
 *   handler: ({ params }) => deps.store.getUser(params.id),
 * });
 */
import type { Express, NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { Config } from '../core/config.ts';
import type { GraphStore } from '../store/graph-store.ts';
import { parseInput } from './validate.ts';

/** What the app is built from; nothing else is global. */
export interface AppDeps {
  store: GraphStore;
  cfg: Config;
  /** Extra readiness check (e.g. projection loaded); GET /v1/health/ready is 503 unless it says ready. */
  ready?: () => Promise<{ ready: boolean; detail?: unknown; projection?: unknown }>;
  /** More JSON routes (e.g. recommendations), mounted and documented like the built-in ones. */
  routes?: readonly Route[];
  /** Raw Express additions (e.g. a static explorer page), mounted after the routes and before the JSON 404. */
  mount?: (app: Express) => void;
}

export type Method = 'get' | 'post' | 'put';
/** Error statuses a route documents beyond the ones added for it (400 with input, 413 with a body, 500 always). */
export type ExtraErrorStatus = 404 | 409 | 503;

type EmptyObject = z.ZodObject<Record<string, never>>;

/** Who asked and whether they still wait: set by `mountRoutes` from the guard's outcome and the connection. */
export interface RequestContext {
  /** `key:<name>` or `ip:<address>` (fair LLM queuing). */
  client: string;
  /** Aborted when the client disconnects before its answer is sent. */
  signal: AbortSignal;
  /** Charges one LLM explanation to the client's rate limit (`auth.rateLimit.llmCost` tokens); false when empty. */
  chargeLlm(): boolean;
}

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  context: RequestContext;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

export interface RouteDef<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  /** Express path, always under `/v1`. */
  path: `/v1/${string}`;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** Success status, 200 by default. */
  status?: number;
  errors?: readonly ExtraErrorStatus[];
  handler: (input: RouteInput<P, Q, B>) => Promise<z.input<R>>;
}

/** A route with its types erased, as mounted and documented. */
export interface Route {
  method: Method;
  path: `/v1/${string}`;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  response: z.ZodType;
  status: number;
  errors: readonly ExtraErrorStatus[];
  handle(input: { params: unknown; query: unknown; body: unknown; context: RequestContext }): Promise<unknown>;
}

export function defineRoute<
  P extends z.ZodObject = EmptyObject,
  Q extends z.ZodObject = EmptyObject,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodType,
>(def: RouteDef<P, Q, B, R>): Route {
  const { handler, ...rest } = def;
  return {
    ...rest,
    status: def.status ?? 200,
    errors: def.errors ?? [],
    handle: (input) => handler(input as RouteInput<P, Q, B>),
  };
}

/** The request's context: client identity from the guard (`res.locals`), an abort signal tied to the connection. */
export function requestContext(req: Request, res: Response): RequestContext {
  const info = res.locals.client as { key?: string; address?: string } | undefined;
  const client = info?.key ? `key:${info.key}` : `ip:${info?.address ?? req.socket.remoteAddress ?? 'unknown'}`;
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  const charge = res.locals.chargeLlm as (() => boolean) | undefined;
  return { client, signal: controller.signal, chargeLlm: charge ?? (() => true) };
}

/** Registers every route on `app`: validate params, query and body, call the handler, send JSON; errors go to `next`. */
export function mountRoutes(app: Express, routes: readonly Route[]): void {
  for (const route of routes) {
    const handler = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        const params = route.params ? parseInput(route.params, req.params, 'params') : {};
        const query = route.query ? parseInput(route.query, req.query, 'query') : {};
        const body = route.body ? parseInput(route.body, req.body, 'body') : undefined;
        const result = await route.handle({ params, query, body, context: requestContext(req, res) });
        res.status(route.status).json(result);
      } catch (error) {
        next(error);
      }
    };
    app.route(route.path)[route.method](handler);
  }
}
