/**
 * @module explain/llm/client
 * One interface for every LLM provider, and the guard every call goes through: a deadline, a concurrency limit, and
 * a response cache (keyed by the caller: user, item, evidence version, prompt version). A provider failure, a timeout
 * or an empty answer is an `AppError` (`UNAVAILABLE` / `TIMEOUT`); callers fall back to the deterministic text.
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
} as const;

export interface GuardOptions {
  timeoutMs?: number;
  maxConcurrency?: number;
  cacheSize?: number;
}

/** Wraps a client with a deadline, a concurrency limit and an LRU cache of answers by `cacheKey`. */
export class GuardedLlm {
  private readonly o: Required<GuardOptions>;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
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

  private async acquire(signal: AbortSignal): Promise<void> {
    if (this.running < this.o.maxConcurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', onAbort);
        this.running++;
        resolve();
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(go);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new AppError('TIMEOUT', 'llm: timed out waiting for a free slot'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(go);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  /** One guarded completion (not cached: the caller caches only answers it accepted). */
  async complete(prompt: ChatPrompt, options: Omit<CompleteOptions, 'signal'> & { timeoutMs?: number } = {}): Promise<string> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AppError('TIMEOUT', `llm: no answer within ${options.timeoutMs ?? this.o.timeoutMs} ms`)), options.timeoutMs ?? this.o.timeoutMs);
    try {
      await this.acquire(controller.signal);
      try {
        const text = await this.inner.complete(prompt, { ...options, signal: controller.signal });
        if (controller.signal.aborted) throw controller.signal.reason;
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
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
