/**
 * One request cannot hold the LLM for everyone (issues 11.4, 10.9), over real HTTP on the recommendation routes:
 * - `explain=text` starts at most `llm.maxPerRequest` LLM explanations; the rest get the deterministic text at once
 *   and say so (`fallbackReason` "llm cap …");
 * - LLM work is charged to the client's rate limit (`auth.rateLimit.llmCost` tokens per explanation);
 * - a full LLM queue answers 429 (this client's share) or 503 (everyone's) with Retry-After;
 * - the explanation stream (SSE) stops its LLM work when the client disconnects.
 * The model is a stand-in that records its calls and holds them until released (plumbing only; the real model's
 * fault behaviour is in test/integration).
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { mountExplanationStream, recommendRoutes } from '../../src/api/routes/recommend.ts';
import { loadConfig } from '../../src/core/config.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { GuardedLlm, type CompleteOptions, type LlmClient } from '../../src/explain/llm/client.ts';
import type { ChatPrompt } from '../../src/explain/prompt.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { tinyMoviesEngine } from '../helpers/tiny-movies.ts';
import { serveApp, type Served } from './http-client.ts';

class HeldLlm implements LlmClient {
  readonly name = 'held';
  calls = 0;
  aborted = 0;
  hold = false;
  private readonly gates: Array<() => void> = [];
  async complete(_prompt: ChatPrompt, options: CompleteOptions = {}): Promise<string> {
    this.calls++;
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        this.gates.push(resolve);
        options.signal?.addEventListener('abort', () => (this.aborted++, reject(options.signal!.reason as Error)), { once: true });
      });
    }
    return 'An unverifiable sentence about nothing.';
  }
  release(): void {
    this.hold = false;
    for (const g of this.gates.splice(0)) g();
  }
  async close(): Promise<void> {}
}

const served: Served[] = [];
afterEach(async () => {
  await Promise.all(served.splice(0).map((s) => s.close()));
});

async function serve(model: HeldLlm, overrides: Record<string, unknown> = {}) {
  const cfg = loadConfig({ env: {}, overrides });
  const llm = new GuardedLlm(model, { timeoutMs: 20_000, maxConcurrency: 1, maxQueue: cfg.llm.maxQueue, maxQueuePerClient: cfg.llm.maxQueuePerClient });
  const engine: Engine = tinyMoviesEngine({ llm });
  const store = new MemoryGraphStore();
  const app = createApp({ store, cfg, routes: recommendRoutes({ store, cfg, engine: () => engine }), mount: (a) => mountExplanationStream(a, () => engine) });
  const s = await serveApp(app, cfg);
  served.push(s);
  return s;
}

/** GET from a given local address: status, Retry-After and body. */
function getFrom(port: number, localAddress: string, path: string): Promise<{ status: number; retryAfter: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.once('end', () => resolve({ status: res.statusCode!, retryAfter: Number(res.headers['retry-after'] ?? NaN), text }));
    });
    req.once('error', reject);
  });
}

type Item = { id: string; explanation: { source: string; fallbackReason?: string; text: string } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LLM work per request and per client', () => {
  it('explain=text starts at most llm.maxPerRequest LLM explanations; the rest are the deterministic text, said so', async () => {
    const model = new HeldLlm();
    const s = await serve(model, { llm: { maxPerRequest: 1 } });
    const reply = await s.send({ path: '/v1/users/u1/recommendations?k=3&explain=text' });
    expect(reply.status, reply.text).toBe(200);
    const items = (reply.json as { items: Item[] }).items;
    expect(items).toHaveLength(3);
    const capped = items.filter((i) => /llm cap/.test(i.explanation.fallbackReason ?? ''));
    expect(capped).toHaveLength(2);
    for (const i of capped) expect(i.explanation.source).toBe('template');
    // One explanation went to the model: its first try and one regeneration (the stand-in's text never verifies).
    expect(model.calls).toBe(2);

    // POST /v1/recommendations (cold start) is capped the same way.
    model.calls = 0;
    const cold = await s.send({ method: 'POST', path: '/v1/recommendations', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seeds: [{ kind: 'Item', id: 'a' }], k: 3, explain: 'text' }) });
    expect(cold.status, cold.text).toBe(200);
    expect(model.calls).toBeLessThanOrEqual(2);
    expect((cold.json as { items: Item[] }).items.filter((i) => /llm cap/.test(i.explanation.fallbackReason ?? '')).length).toBeGreaterThan(0);
  });

  it('charges LLM work to the client rate limit (auth.rateLimit.llmCost tokens per explanation)', async () => {
    const model = new HeldLlm();
    const s = await serve(model, { auth: { rateLimit: { anonymousPerSecond: 0.01, anonymousBurst: 12, llmCost: 10 } }, llm: { maxPerRequest: 3 } });
    const remote = { 'x-forwarded-for': '203.0.113.7' };
    // 1 token for the request + 10 for its one LLM explanation; the other two have no tokens left → template.
    const first = await s.send({ path: '/v1/users/u1/recommendations?k=3&explain=text', headers: remote });
    expect(first.status, first.text).toBe(200);
    const reasons = (first.json as { items: Item[] }).items.map((i) => i.explanation.fallbackReason ?? '');
    expect(reasons.filter((r) => /rate limit/.test(r))).toHaveLength(2);
    // 1 token left: the next request passes, a third is refused with Retry-After.
    expect((await s.send({ path: '/v1/users/u1/recommendations?k=1', headers: remote })).status).toBe(200);
    const refused = await s.send({ path: '/v1/users/u1/recommendations?k=1', headers: remote });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers 429 with Retry-After when this client already waits for the model, 503 when the queue is full', async () => {
    const model = new HeldLlm();
    model.hold = true;
    const s = await serve(model, { llm: { maxQueuePerClient: 1, maxQueue: 2 } });
    // Clients are told apart by peer address (forwarding headers are not trusted): 127.0.0.1 and 127.0.0.2/3.
    const explain = (u: string, i: string, from = '127.0.0.1') => getFrom(s.port, from, `/v1/users/${u}/recommendations/${i}/explanation`);
    const running = explain('u1', 'd'); // holds the model
    await sleep(50);
    const waiting = explain('u2', 'd'); // waits (this client's one place)
    await sleep(50);
    const tooMany = await explain('u3', 'd');
    expect(tooMany.status, tooMany.text).toBe(429);
    expect(tooMany.retryAfter).toBeGreaterThanOrEqual(1);
    // Another client still gets a place; once the queue holds maxQueue calls, everyone gets 503.
    const other = explain('u3', 'd', '127.0.0.2');
    await sleep(50);
    const full = await explain('u1', 'c', '127.0.0.3');
    expect(full.status, full.text).toBe(503);
    expect(full.retryAfter).toBeGreaterThanOrEqual(1);
    model.release();
    for (const r of await Promise.all([running, waiting, other])) expect(r.status, r.text).toBe(200);
  });

  it('the explanation stream stops its LLM work when the client disconnects', async () => {
    const model = new HeldLlm();
    model.hold = true;
    const s = await serve(model);
    const req = http.get({ host: '127.0.0.1', port: s.port, path: '/v1/users/u1/recommendations/d/explanation/stream', agent: false });
    req.on('error', () => {});
    const got = new Promise<string>((resolve) => req.on('response', (res) => res.on('error', () => {}).setEncoding('utf8').once('data', (c: string) => resolve(c))));
    expect(await got).toContain('event: evidence');
    for (let i = 0; i < 100 && model.calls === 0; i++) await sleep(10);
    expect(model.calls).toBe(1);
    req.destroy();
    for (let i = 0; i < 100 && model.aborted === 0; i++) await sleep(10);
    expect(model.aborted).toBe(1);
    // No regeneration after the abort: the work stopped.
    await sleep(100);
    expect(model.calls).toBe(1);
  });
});
