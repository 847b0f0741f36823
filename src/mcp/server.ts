/**
 * @module mcp/server
 * The MCP server over the tools of `mcp/tools` (the official SDK's low-level `Server`: the tool list carries the JSON
 * Schemas the API's OpenAPI generator makes from the routes' zod schemas, which the SDK's own zod conversion cannot
 * produce for preprocessed query fields). `tools/list` answers at once; `tools/call` first waits for the engine
 * (`options.ready`, while `graphrec mcp` boots: progress notifications report the stage when the client asked for
 * them), then checks the caller may use the tool's route (`options.authorise`, the HTTP endpoint's API keys and scopes),
 * then runs it. Every failure is a tool error (`isError: true`, text `CODE: message` — the API's message), never a
 * crash: an unknown user is `NOT_FOUND: unknown user "x"`, a bad k `BAD_REQUEST: api: invalid arguments.k: …`.
 * Unexpected failures are logged (stderr) and answered `INTERNAL: internal error`.
 *
 * @example
 * const server = createMcpServer(buildTools(routes), { context: () => ({ client: 'mcp:stdio', signal, chargeLlm: () => true }) });
 * await server.connect(new StdioServerTransport());
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { toAppError } from '../api/error-handler.ts';
import type { RequestContext } from '../api/route.ts';
import { AppError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { callTool, type Tool } from './tools.ts';

export const MCP_SERVER_INFO = { name: 'graphrec', title: 'graphrec graph recommender', version: '0.1.0' } as const;

export const MCP_DEFAULTS = {
  /** How long a tool call waits for the engine to finish booting before answering UNAVAILABLE, ms. */
  readyWaitMs: 600_000,
  /** How often a waiting call reports progress (when the client sent a progress token), ms. */
  progressEveryMs: 2_000,
} as const;

export interface Readiness {
  /** Resolves when the engine serves; rejects with the boot failure. */
  wait(): Promise<void>;
  /** What the boot is doing now (e.g. "starting Neo4j", "training embeddings"). */
  stage(): string;
  /**
   * When a boot fails while a call waits for it, the call waits this long and waits once more (`wait` then starts a new
   * boot), so a transient failure (a slow read on a loaded machine) does not reach the agent. [no retry]
   */
  retryAfterMs?: number;
}

export interface McpServerOptions {
  /** The request context a tool call runs with (client identity, abort signal, LLM charge). */
  context(signal: AbortSignal): RequestContext;
  /** Why the caller may not run `tool`, or undefined when it may. */
  authorise?(tool: Tool): AppError | undefined;
  /** The engine's readiness; calls wait for it. Without it, a tool runs at once. */
  ready?: Readiness;
  readyWaitMs?: number;
  progressEveryMs?: number;
}

const INSTRUCTIONS =
  'graphrec recommends items (movies in the demo and MovieLens data) from a user–item–knowledge graph and explains each recommendation with the graph paths behind it. ' +
  'Typical flow: search (a title or a name → ids), recommend (a user → top-k items), explain (why an item suits a user), similar_items, user_history, graph_neighbours. ' +
  'User and item ids are graph ids such as demo:u:1 or ml100k:i:50; recommend, explain and similar_items also take bare dataset ids (1, 50).';

function errorResult(error: AppError): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `${error.code}: ${error.message}` }] };
}

/** Waits for `ready` (one more boot when one fails meanwhile and `ready.retryAfterMs` is set), reporting its stage as progress. */
async function waitUntilReady(ready: Readiness, signal: AbortSignal, waitMs: number, everyMs: number, progress?: (stage: string, n: number) => Promise<void>): Promise<void> {
  try {
    await waitOnce(ready, signal, waitMs, everyMs, progress);
  } catch (error) {
    if (ready.retryAfterMs === undefined || signal.aborted || (error instanceof AppError && error.message.startsWith('mcp: the engine is still starting'))) throw error;
    log.warn('mcp: start failed while a call waited; trying once more', { retryAfterMs: ready.retryAfterMs, error: error instanceof Error ? error.message : String(error) });
    await new Promise((resolve) => setTimeout(resolve, ready.retryAfterMs));
    await waitOnce(ready, signal, waitMs, everyMs, progress);
  }
}

/** Waits for `ready`, reporting its stage as progress; gives up after `waitMs` or when the call is cancelled. */
async function waitOnce(ready: Readiness, signal: AbortSignal, waitMs: number, everyMs: number, progress?: (stage: string, n: number) => Promise<void>): Promise<void> {
  const started = Date.now();
  const done = ready.wait();
  done.catch(() => {});
  let n = 0;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), everyMs)));
    const outcome = await Promise.race([done.then(() => 'ready' as const), tick]).finally(() => clearTimeout(timer));
    if (outcome === 'ready') return;
    if (signal.aborted) throw new AppError('UNAVAILABLE', 'mcp: call cancelled while the engine was starting');
    if (Date.now() - started > waitMs) throw new AppError('UNAVAILABLE', `mcp: the engine is still starting (${ready.stage()}); try again shortly`, { retryAfterS: 5 });
    await progress?.(ready.stage(), ++n).catch(() => {});
  }
}

export function createMcpServer(tools: ReadonlyMap<string, Tool>, options: McpServerOptions): Server {
  const server = new Server(MCP_SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...tools.values()].map((t) => t.definition) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = tools.get(request.params.name);
    if (!tool) return errorResult(new AppError('NOT_FOUND', `mcp: unknown tool ${JSON.stringify(request.params.name)} (tools: ${[...tools.keys()].join(', ')})`));
    try {
      const refusal = options.authorise?.(tool);
      if (refusal) return errorResult(refusal);
      if (options.ready) {
        const token = request.params._meta?.progressToken;
        const progress =
          token === undefined
            ? undefined
            : (stage: string, n: number) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: n, message: `graphrec is starting: ${stage}` } });
        await waitUntilReady(options.ready, extra.signal, options.readyWaitMs ?? MCP_DEFAULTS.readyWaitMs, options.progressEveryMs ?? MCP_DEFAULTS.progressEveryMs, progress);
      }
      const { structured, text } = await callTool(tool, request.params.arguments, options.context(extra.signal));
      return { content: [{ type: 'text', text }], structuredContent: structured };
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === 'INTERNAL') log.error('mcp: tool failed', { tool: tool.spec.name, error: error instanceof Error ? error.stack : String(error) });
      return errorResult(appError);
    }
  });
  return server;
}
