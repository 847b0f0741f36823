/**
 * A tool call while the engine boots (`graphrec mcp`): it waits for the boot, tries once more after a failed boot
 * (`retryAfterMs`), and answers a tool error naming the failure when the second boot fails too.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../src/api/app.ts';
import { recommendRoutes } from '../../src/api/routes/recommend.ts';
import { loadConfig } from '../../src/core/config.ts';
import { AppError } from '../../src/core/errors.ts';
import { createMcpServer, type Readiness } from '../../src/mcp/server.ts';
import { buildTools } from '../../src/mcp/tools.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { tinyMoviesEngine } from '../helpers/tiny-movies.ts';

async function clientFor(ready: Readiness): Promise<Client> {
  const cfg = loadConfig({ env: {} });
  const store = new MemoryGraphStore();
  const engine = tinyMoviesEngine();
  const tools = buildTools(apiRoutes({ store, cfg, routes: recommendRoutes({ store, cfg, engine: () => engine }) }));
  const server = createMcpServer(tools, { context: (signal) => ({ client: 'test', signal, chargeLlm: () => true }), ready, progressEveryMs: 20 });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'ready-test', version: '1.0.0' });
  await client.connect(b);
  return client;
}

/** A readiness whose boots fail `failures` times, then succeed; each boot takes 50 ms. */
function flakyBoot(failures: number): Readiness & { boots: number } {
  let current: Promise<void> | undefined;
  const r = {
    boots: 0,
    retryAfterMs: 30,
    stage: () => 'loading data',
    wait(): Promise<void> {
      if (!current || r.boots <= failures) {
        const n = ++r.boots;
        current = new Promise<void>((resolve, reject) => setTimeout(() => (n <= failures ? reject(new AppError('UNAVAILABLE', `boot ${n} failed`)) : resolve()), 50));
        current.catch(() => {});
      }
      return current;
    },
  };
  return r;
}

describe('MCP tool calls while the engine boots', () => {
  it('waits for the boot, with progress notifications naming the stage', async () => {
    const ready = flakyBoot(0);
    const client = await clientFor(ready);
    const progress: string[] = [];
    const r = await client.callTool({ name: 'recommend', arguments: { user: 'u1', k: 2 } }, undefined, { onprogress: (p) => progress.push(p.message ?? '') });
    expect(r.isError).toBeFalsy();
    expect(ready.boots).toBe(1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toBe('graphrec is starting: loading data');
  });

  it('a failed boot is tried once more; a second failure is a tool error with its message', async () => {
    const once = flakyBoot(1);
    const ok = await (await clientFor(once)).callTool({ name: 'recommend', arguments: { user: 'u1', k: 2 } });
    expect(ok.isError).toBeFalsy();
    expect(once.boots).toBe(2);

    const twice = flakyBoot(2);
    const failed = await (await clientFor(twice)).callTool({ name: 'recommend', arguments: { user: 'u1', k: 2 } });
    expect(failed.isError).toBe(true);
    expect((failed.content as Array<{ text: string }>)[0]!.text).toBe('UNAVAILABLE: boot 2 failed');
    expect(twice.boots).toBe(2);
  });
});
