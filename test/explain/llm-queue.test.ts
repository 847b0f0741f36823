/**
 * The LLM guard's wait queue (explain/llm/client): fair across clients (round-robin, not first-come), bounded per
 * client (RATE_LIMITED) and in all (UNAVAILABLE), both with Retry-After; a caller that goes away leaves the queue or
 * stops its generation. A stand-in client records the order in which calls reach the model (plumbing only).
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.ts';
import { GuardedLlm, isQueueRefusal, type CompleteOptions, type LlmClient } from '../../src/explain/llm/client.ts';
import type { ChatPrompt } from '../../src/explain/prompt.ts';

/** A model whose calls finish when the test says so; `order` lists the prompts as they started. */
class GatedLlm implements LlmClient {
  readonly name = 'gated';
  readonly order: string[] = [];
  readonly aborted: string[] = [];
  private readonly gates: Array<() => void> = [];
  async complete(prompt: ChatPrompt, options: CompleteOptions = {}): Promise<string> {
    this.order.push(prompt.user);
    await new Promise<void>((resolve, reject) => {
      this.gates.push(resolve);
      options.signal?.addEventListener('abort', () => (this.aborted.push(prompt.user), reject(options.signal!.reason as Error)), { once: true });
    });
    return `answer ${prompt.user}`;
  }
  /** Lets the oldest running call finish. */
  finishOne(): void {
    this.gates.shift()?.();
  }
  async close(): Promise<void> {}
}

const p = (user: string): ChatPrompt => ({ id: 'q.v1', system: 's', user });
const tick = () => new Promise((r) => setTimeout(r, 5));

async function drain(model: GatedLlm, calls: Array<Promise<unknown>>): Promise<void> {
  for (let i = 0; i < calls.length; i++) {
    await tick();
    model.finishOne();
  }
  await Promise.allSettled(calls);
}

describe('LLM queue', () => {
  it('serves waiting clients round-robin: a burst of one client does not go before another client', async () => {
    const model = new GatedLlm();
    const llm = new GuardedLlm(model, { maxConcurrency: 1, maxQueuePerClient: 10, timeoutMs: 10_000 });
    const calls = [
      ...['a1', 'a2', 'a3', 'a4'].map((u) => llm.complete(p(u), { client: 'ip:A' })),
      ...['b1', 'b2'].map((u) => llm.complete(p(u), { client: 'ip:B' })),
      llm.complete(p('c1'), { client: 'ip:C' }),
    ];
    await drain(model, calls);
    // a1 ran at once; then one per client in turn.
    expect(model.order).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2', 'a4']);
  });

  it('bounds the queue per client (429) and in all (503), with Retry-After, without starting the refused call', async () => {
    const model = new GatedLlm();
    const llm = new GuardedLlm(model, { maxConcurrency: 1, maxQueuePerClient: 2, maxQueue: 3, timeoutMs: 10_000 });
    const running = llm.complete(p('x0'), { client: 'ip:X' });
    const queued = [llm.complete(p('x1'), { client: 'ip:X' }), llm.complete(p('x2'), { client: 'ip:X' })];
    const perClient = await llm.complete(p('x3'), { client: 'ip:X' }).catch((e: unknown) => e);
    expect(isQueueRefusal(perClient)).toBe(true);
    expect((perClient as AppError).code).toBe('RATE_LIMITED');
    expect((perClient as AppError).details).toMatchObject({ retryAfterS: expect.any(Number) });
    queued.push(llm.complete(p('y1'), { client: 'ip:Y' }));
    const full = await llm.complete(p('z1'), { client: 'ip:Z' }).catch((e: unknown) => e);
    expect(isQueueRefusal(full)).toBe(true);
    expect((full as AppError).code).toBe('UNAVAILABLE');
    expect((full as { details: { retryAfterS: number } }).details.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(llm.load).toEqual({ running: 1, waiting: 3, clients: 2 });
    await drain(model, [running, ...queued]);
    expect(model.order).toEqual(['x0', 'x1', 'y1', 'x2']);
    expect(llm.load).toEqual({ running: 0, waiting: 0, clients: 0 });
  });

  it('a caller that goes away leaves the queue, or stops its running generation', async () => {
    const model = new GatedLlm();
    const llm = new GuardedLlm(model, { maxConcurrency: 1, timeoutMs: 10_000 });
    const gone = new AbortController();
    const waitingGone = new AbortController();
    const first = llm.complete(p('first'), { client: 'ip:A', signal: gone.signal }).catch((e: unknown) => e);
    const second = llm.complete(p('second'), { client: 'ip:B', signal: waitingGone.signal }).catch((e: unknown) => e);
    const third = llm.complete(p('third'), { client: 'ip:C' });
    await tick();
    waitingGone.abort();
    expect(await second).toMatchObject({ code: 'INTERRUPTED' });
    expect(llm.load.waiting).toBe(1);
    gone.abort();
    expect(await first).toMatchObject({ code: 'INTERRUPTED' });
    expect(model.aborted).toEqual(['first']);
    await tick();
    model.finishOne(); // the aborted call's gate
    model.finishOne();
    expect(await third).toBe('answer third');
    expect(model.order).toEqual(['first', 'third']);
  });
});
