/**
 * @module api/app
 * Builds the Express app from its dependencies; it never listens (the `serve` command does). JSON everywhere,
 * everything under `/v1`, every request part validated by zod, one error handler, unknown routes a JSON 404.
 *
 * @example
 * const app = createApp({ store: new MemoryGraphStore(), cfg: loadConfig() });
 * http.createServer(app).listen(cfg.api.port, cfg.api.host);
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
  app.use(express.json({ limit: deps.cfg.api.bodyLimit }));
  mountRoutes(app, apiRoutes(deps));
  deps.mount?.(app);
  app.use(notFoundHandler);
  app.use(errorHandler());
  return app;
}
