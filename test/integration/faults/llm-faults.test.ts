/**
 * The LLM endpoint failing: a real local HTTP server stands in for an OpenAI-compatible endpoint (provider `openai`,
 * `llm.baseUrl` at it, a small `llm.timeoutMs`) and refuses connections, answers too late, answers 500, answers a body
 * that is not JSON, or answers text that the claim verifier rejects. Both explanation routes must still answer
 * 200 within the deadline with the template explanation (`source: "template"`). A verified answer, as a control, is
 * served as `source: "llm"`, so the tests would notice if the endpoint were never called.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.ts';
import { recommendRoutes } from '../../../src/api/routes/recommend.ts';
import { loadConfig } from '../../../src/core/config.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { createLlm } from '../../../src/explain/llm/index.ts';
import { MemoryGraphStore } from '../../../src/store/memory-graph-store.ts';
import { tinyMovies } from '../../helpers/tiny-movies.ts';

const TIMEOUT_MS = 400;
/** What a request may take beyond the LLM deadline (routing, evidence, JSON) on a busy 2-core machine. */
const SLACK_MS = 1500;

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    calls++;
    req.resume();
    req.once('end', () => handler(req, res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, calls: () => calls };
}

function completion(content: string) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
  };
}

/** u1 rated Alien; Gladiator shares its director Ridley Scott. */
function engineWith(baseUrl: string): Engine {
  const { csr, labels } = tinyMovies();
  const cfg = loadConfig({ env: {}, overrides: { llm: { provider: 'openai', baseUrl, model: 'stand-in', timeoutMs: TIMEOUT_MS, maxConcurrency: 2 } } });
  const llm = createLlm(cfg.llm)!;
  return new Engine({ csr, labels, llm });
}

async function serve(baseUrl: string) {
  const cfg = loadConfig({ env: {} });
  const store = new MemoryGraphStore();
  const engine = engineWith(baseUrl);
  const app = createApp({ store, cfg, routes: recommendRoutes({ store, cfg, engine: () => engine }) });
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path: string) => {
    const started = performance.now();
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - started };
  };
}

interface Explanation {
  source: string;
  text: string;
  fallbackReason?: string;
}

async function expectTemplate(baseUrl: string, reason: RegExp): Promise<{ listMs: number; oneMs: number }> {
  const get = await serve(baseUrl);
  const list = await get('/v1/users/u1/recommendations?k=3&explain=text');
  expect(list.status).toBe(200);
  const items = list.body.items as Array<{ id: string; explanation: Explanation }>;
  expect(items).toHaveLength(3);
  for (const item of items) {
    expect(item.explanation.source).toBe('template');
    expect(item.explanation.fallbackReason).toMatch(reason);
  }
  expect(items.find((i) => i.id === 'd')!.explanation.text).toContain('Ridley Scott');
  expect(list.ms).toBeLessThan(TIMEOUT_MS * 2 + SLACK_MS);

  const one = await get('/v1/users/u1/recommendations/d/explanation');
  expect(one.status).toBe(200);
  const explanation = one.body.explanation as Explanation;
  expect(explanation.source).toBe('template');
  expect(explanation.fallbackReason).toMatch(reason);
  expect(explanation.text).toContain('Ridley Scott');
  expect(one.ms).toBeLessThan(TIMEOUT_MS * 2 + SLACK_MS);
  return { listMs: Math.round(list.ms), oneMs: Math.round(one.ms) };
}

describe('LLM endpoint faults: the template explanation, within the deadline', () => {
  it('control: a verified answer from the endpoint is served as source "llm"', async () => {
    const llm = await listen(completion('Gladiator is directed by Ridley Scott, who also directed Alien, a film you rated highly.'));
    const get = await serve(llm.url);
    const one = await get('/v1/users/u1/recommendations/d/explanation');
    expect(one.status).toBe(200);
    expect((one.body.explanation as Explanation).source).toBe('llm');
    expect(llm.calls()).toBeGreaterThan(0);
  });

  it('connection refused', async () => {
    const gone = await listen(() => {});
    const url = gone.url;
    gone.server.close();
    await new Promise((r) => setTimeout(r, 50));
    console.info(JSON.stringify({ fault: 'llm-refused', ...(await expectTemplate(url, /llm/)) }));
  });

  it('slow: no answer before the deadline', async () => {
    const slow = await listen((_req, res) => {
      const timer = setTimeout(() => completion('Gladiator is directed by Ridley Scott.')(_req, res), 10_000);
      res.once('close', () => clearTimeout(timer));
    });
    console.info(JSON.stringify({ fault: 'llm-slow', ...(await expectTemplate(slow.url, /no answer within|timed out/)) }));
    expect(slow.calls()).toBeGreaterThan(0);
  });

  it('HTTP 500', async () => {
    const failing = await listen((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"overloaded"}');
    });
    await expectTemplate(failing.url, /HTTP 500/);
  });

  it('a body that is not JSON', async () => {
    const garbage = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"choices": [ this is not json');
    });
    await expectTemplate(garbage.url, /not JSON/);
    expect(garbage.calls()).toBeGreaterThan(0);
  });

  it('text the claim verifier rejects (regenerated once, then the template)', async () => {
    const ungrounded = await listen(completion('You will love this one: a timeless classic with great acting and a gripping story.'));
    await expectTemplate(ungrounded.url, /^unsupported: /);
    expect(ungrounded.calls()).toBeGreaterThanOrEqual(2);
  });
});
