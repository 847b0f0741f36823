/**
 * @module api/app
 * Builds the Express app from its dependencies; it never listens (the `serve` command does). JSON everywhere,
 * everything under `/v1`, every request part validated by zod, one error handler, unknown routes a JSON 404.
 * Before any route: security headers, CORS, request bounds, then the guard (API keys, rate limits, scopes; see
 * `security/` and docs/security.md). `app.listen` builds the server with `createApiServer` (Node's limits from
 * `cfg.api`, JSON replies to requests Node itself rejects, a warning when no API key is configured).
 *
 * @example
 * const app = createApp({ store: new MemoryGraphStore(), cfg: loadConfig() });
 * app.listen(cfg.api.port, cfg.api.host);
 */
import express, { type Express } from 'express';
import { errorHandler, notFoundHandler } from './error-handler.ts';
import { buildOpenApi, type OpenApiDocument } from './openapi.ts';
import { type AppDeps, mountRoutes, type Route } from './route.ts';
import { docsRoutes } from './routes/docs.ts';
import { graphRoutes } from './routes/graph.ts';
import { healthRoutes } from './routes/health.ts';
import { writeRoutes } from './routes/writes.ts';
import { buildRequestSchemas } from './schemas.ts';
import { guard } from './security/guard.ts';
import { cors, securityHeaders } from './security/headers.ts';
import { requestLimits, verifyJsonDepth } from './security/limits.ts';
import { createApiServer } from './security/server.ts';

export type { AppDeps } from './route.ts';

/** Every route of the API, in mounting order (the OpenAPI document lists exactly these). */
export function apiRoutes(deps: AppDeps): Route[] {
  const schemas = buildRequestSchemas(deps.cfg.api);
  const routes: Route[] = [...healthRoutes(deps), ...graphRoutes(deps, schemas), ...writeRoutes(deps, schemas), ...(deps.routes ?? [])];
  let document: OpenApiDocument | undefined;
  routes.push(...docsRoutes(() => (document ??= buildOpenApi(routes))));
  return routes;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(securityHeaders(deps.cfg.api), cors(deps.cfg.api), requestLimits(deps.cfg.api), guard(deps.cfg));
  app.use(express.json({ limit: deps.cfg.api.bodyLimit, verify: verifyJsonDepth(deps.cfg.api.maxJsonDepth) }));
  mountRoutes(app, apiRoutes(deps));
  deps.mount?.(app);
  app.use(notFoundHandler);
  app.use(errorHandler());
  app.listen = ((...args: Parameters<Express['listen']>) => {
    const server = createApiServer(app, deps.cfg);
    return server.listen(...(args as Parameters<typeof server.listen>));
  }) as Express['listen'];
  return app;
}
