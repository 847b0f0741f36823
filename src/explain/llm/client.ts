/**
 * @module explain/llm/client
 * One interface for every LLM provider, and the guard every call goes through: a deadline, a concurrency limit, a
 * bounded fair wait queue, and a response cache (keyed by the caller: user, item, evidence version, prompt version).
 * A provider failure, a timeout or an empty answer is an `AppError` (`UNAVAILABLE` / `TIMEOUT`); callers fall back to
 * the deterministic text.
 *
 * The wait queue is fair across clients: one FIFO per client (API key or peer address), served round-robin, so one
 * client's burst waits behind its own calls, not in front of everyone's. It is bounded: more than `maxQueuePerClient`
 * calls waiting for one client → RATE_LIMITED (429), more than `maxQueue` waiting in all → UNAVAILABLE (503), both
 * with `details.retryAfterS` (an estimate from the recent completion time) and `details.queue: 'llm'` — callers pass
 * these on (`isQueueRefusal`) instead of falling back. A caller's `signal` (its client went away) aborts the wait or
 * the generation.
 */
import { AppError } from '../../core/errors.ts';
import type { ChatPrompt } from '../prompt.ts';

export interface CompleteOptions {
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Called with each piece of text as it is generated (streaming). */
  onText?: (chunk: string) => void;
}

export interface LlmClient {
  /** Provider and model, e.g. `local:SmolLM2-135M-Instruct.Q4_1.gguf` or `openai:gpt-4o-mini`. */
  readonly name: string;
  /** The prompt file this model must be prompted with, when it is not the default (a fine-tuned model's own). */
  readonly promptName?: string | undefined;
  complete(prompt: ChatPrompt, options?: CompleteOptions): Promise<string>;
  close(): Promise<void>;
}

export const LLM_GUARD_DEFAULTS = {
  /** Deadline of one completion, including the wait for a free slot. */
  timeoutMs: 20_000,
  /** Completions running at once; others wait in line. */
  maxConcurrency: 1,
  /** Cached answers kept (least recently used evicted). */
  cacheSize: 5000,
  /** Calls waiting for a slot, all clients together; one more → UNAVAILABLE (503 + Retry-After). */
  maxQueue: 32,
  /** Calls waiting for a slot for one client; one more → RATE_LIMITED (429 + Retry-After). */
  maxQueuePerClient: 4,
} as const;

export interface GuardOptions {
  timeoutMs?: number;
  maxConcurrency?: number;
  cacheSize?: number;
  maxQueue?: number;
  maxQueuePerClient?: number;
}

/** Who a call is for (fair queuing) and when its caller gave up. */
export interface CallContext {
  /** Client identity: `key:<name>` or `ip:<address>`. */
  client?: string;
  /** Aborted when the caller no longer wants the answer (its HTTP client disconnected). */
  signal?: AbortSignal;
}

/** A refusal by the bounded queue (429/503 with Retry-After), which callers pass on rather than fall back. */
export function isQueueRefusal(error: unknown): error is AppError {
  return error instanceof AppError && (error.details as { queue?: unknown } | undefined)?.queue === 'llm';
}

interface Waiter {
  go(): void;
}

/** Wraps a client with a deadline, a concurrency limit, a bounded fair queue and an LRU cache of answers by `cacheKey`. */
export class GuardedLlm {
  private readonly o: Required<GuardOptions>;
  private running = 0;
  /** Waiting calls per client; Map order is the round-robin order (a served client moves to the end). */
  private readonly queues = new Map<string, Waiter[]>();
  private waiting = 0;
  /** Recent completion time, ms (moving average), for Retry-After estimates. */
  private avgMs = 2000;
  private readonly cache = new Map<string, string>();

  constructor(
    readonly inner: LlmClient,
    options: GuardOptions = {},
  ) {
    this.o = { ...LLM_GUARD_DEFAULTS, ...options };
    if (!Number.isInteger(this.o.maxConcurrency) || this.o.maxConcurrency < 1) throw new AppError('CONFIG', 'llm: maxConcurrency must be ≥ 1');
  }

  get name(): string {
    return this.inner.name;
  }

  get promptName(): string | undefined {
    return this.inner.promptName;
  }

  /** Calls running and waiting (for metrics and tests). */
  get load(): { running: number; waiting: number; clients: number } {
    return { running: this.running, waiting: this.waiting, clients: this.queues.size };
  }

  cached(cacheKey: string): string | undefined {
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) {
      this.cache.delete(cacheKey);
      this.cache.set(cacheKey, hit);
    }
    return hit;
  }

  remember(cacheKey: string, text: string): void {
    this.cache.set(cacheKey, text);
    if (this.cache.size > this.o.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Seconds until a slot is likely free for one more caller. */
  private retryAfterS(): number {
    return Math.max(1, Math.ceil((((this.waiting + this.running) / this.o.maxConcurrency) * this.avgMs) / 1000));
  }

  private async acquire(client: string, signal: AbortSignal): Promise<void> {
    if (this.running < this.o.maxConcurrency && this.waiting === 0) {
      this.running++;
      return;
    }
    const queue = this.queues.get(client) ?? [];
    if (queue.length >= this.o.maxQueuePerClient) {
      throw new AppError('RATE_LIMITED', `llm: ${queue.length} explanations of this client are already waiting for the model (llm.maxQueuePerClient)`, { retryAfterS: this.retryAfterS(), queue: 'llm' });
    }
    if (this.waiting >= this.o.maxQueue) {
      throw new AppError('UNAVAILABLE', `llm: the explanation queue is full (${this.waiting} waiting, llm.maxQueue)`, { retryAfterS: this.retryAfterS(), queue: 'llm' });
    }
    if (signal.aborted) throw signal.reason as Error;
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        go: () => {
          signal.removeEventListener('abort', onAbort);
          this.running++;
          resolve();
        },
      };
      const onAbort = () => {
        const list = this.queues.get(client);
        const at = list?.indexOf(waiter) ?? -1;
        if (list && at >= 0) {
          list.splice(at, 1);
          this.waiting--;
          if (list.length === 0) this.queues.delete(client);
        }
        reject(signal.reason instanceof AppError ? signal.reason : new AppError('TIMEOUT', 'llm: timed out waiting for a free slot'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      this.queues.set(client, queue);
      this.waiting++;
    });
  }

  /** Frees a slot and hands it to the next client in round-robin order. */
  private release(): void {
    this.running--;
    const next = this.queues.entries().next();
    if (next.done) return;
    const [client, list] = next.value;
    const waiter = list.shift()!;
    this.waiting--;
    this.queues.delete(client);
    if (list.length > 0) this.queues.set(client, list); // to the end of the round
    waiter.go();
  }

  /** One guarded completion (not cached: the caller caches only answers it accepted). */
  async complete(prompt: ChatPrompt, options: Omit<CompleteOptions, 'signal'> & { timeoutMs?: number } & CallContext = {}): Promise<string> {
    const { client = 'anonymous', signal: callerSignal, timeoutMs: ownTimeout, ...rest } = options;
    const timeoutMs = ownTimeout ?? this.o.timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AppError('TIMEOUT', `llm: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onCallerAbort = () => controller.abort(new AppError('INTERRUPTED', 'llm: the caller went away'));
    if (callerSignal?.aborted) onCallerAbort();
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      await this.acquire(client, controller.signal);
      const started = performance.now();
      try {
        const text = await this.inner.complete(prompt, { ...rest, signal: controller.signal });
        if (controller.signal.aborted) throw controller.signal.reason;
        this.avgMs = 0.8 * this.avgMs + 0.2 * (performance.now() - started);
        return text.trim();
      } finally {
        this.release();
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (controller.signal.aborted) throw controller.signal.reason as AppError;
      throw new AppError('UNAVAILABLE', `llm: ${this.inner.name} failed: ${(error as Error).message}`, undefined, { cause: error });
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
