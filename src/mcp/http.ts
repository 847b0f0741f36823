/**
 * @module mcp/http
 * The MCP endpoint of the HTTP server: `POST /v1/mcp`, the streamable HTTP transport of the official SDK in its
 * stateless form (one server and transport per request, JSON responses, no session id), so it needs no state and
 * scales like the REST routes. It sits behind the same guard as the API: the Host check, API keys (`Authorization:
 * Bearer` or `X-API-Key`), rate limits and the `read` scope of the endpoint (api/security/scopes), then every tool
 * call is checked against the scope of the route the tool runs (a key lacking it gets a `FORBIDDEN` tool error). LLM
 * explanations are charged to the caller's rate limit as over REST. `GET` and `DELETE` (server-sent streams and
 * sessions, which a stateless server does not offer) answer 405.
 *
 * @example
 * createApp({ ...deps, mount: (app) => mountMcp(app, deps) });   // then POST http://127.0.0.1:3000/v1/mcp
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Express, NextFunction, Request, Response } from 'express';
import { apiRoutes, type AppDeps } from '../api/app.ts';
import { requestContext } from '../api/route.ts';
import { authorise, type ClientInfo } from '../api/security/guard.ts';
import { createMcpServer } from './server.ts';
import { buildTools } from './tools.ts';

export const MCP_PATH = '/v1/mcp';

export function mountMcp(app: Express, deps: AppDeps): void {
  const tools = buildTools(apiRoutes(deps));
  app.post(MCP_PATH, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const context = requestContext(req, res);
      const info = res.locals.client as ClientInfo | undefined;
      const identity = info?.key !== undefined ? { name: info.key, scopes: info.scopes ?? [] } : undefined;
      const server = createMcpServer(tools, {
        context: (signal) => ({ ...context, signal: AbortSignal.any([context.signal, signal]) }),
        authorise: (tool) => authorise(tool.scope, identity, info?.local ?? false, deps.cfg.auth),
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.once('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      next(error);
    }
  });
  app.all(MCP_PATH, (req: Request, res: Response) => {
    res
      .status(405)
      .set('Allow', 'POST')
      .json({ error: { code: 'BAD_REQUEST', message: `mcp: ${req.method} is not supported here (a stateless streamable HTTP server: send JSON-RPC with POST)` } });
  });
}
