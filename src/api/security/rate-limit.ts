/**
 * @module api/security/rate-limit
 * Token buckets, one per client (an API key's name, else the peer address): each holds up to `burst` tokens, refills
 * at `perSecond`, and a request takes one. An empty bucket answers how long until the next token. Buckets live in a
 * Map kept in least-recently-used order and capped at `maxClients`, so memory stays bounded whatever the callers do.
 *
 * @example
 * const limiter = new RateLimiter({ maxClients: 10_000 });
 * limiter.take('ip:10.0.0.7', { perSecond: 50, burst: 200 }); // { ok: true, remaining: 199 }
 */

export interface BucketPolicy {
  /** Tokens per second; 0 = unlimited. */
  perSecond: number;
  /** Bucket size. */
  burst: number;
}

export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterS: number };

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateLimiterOptions {
  maxClients: number;
  /** Clock in milliseconds (tests pass their own). */
  now: () => number;
}

export const RATE_LIMITER_DEFAULTS: RateLimiterOptions = { maxClients: 10_000, now: () => performance.now() };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly o: RateLimiterOptions;

  constructor(options: Partial<RateLimiterOptions> = {}) {
    this.o = { ...RATE_LIMITER_DEFAULTS, ...options };
  }

  get clients(): number {
    return this.buckets.size;
  }

  /** Takes `cost` tokens (1 per request; LLM work costs more: `auth.rateLimit.llmCost`). */
  take(client: string, policy: BucketPolicy, cost = 1): TakeResult {
    if (policy.perSecond <= 0) return { ok: true, remaining: Infinity };
    const now = this.o.now();
    const prev = this.buckets.get(client);
    const tokens = prev ? Math.min(policy.burst, prev.tokens + ((now - prev.at) / 1000) * policy.perSecond) : policy.burst;
    const bucket: Bucket = { tokens, at: now };
    if (prev) this.buckets.delete(client); // re-insert: most recently used goes last
    this.buckets.set(client, bucket);
    if (this.buckets.size > this.o.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    if (tokens < cost) return { ok: false, retryAfterS: (cost - tokens) / policy.perSecond };
    bucket.tokens = tokens - cost;
    return { ok: true, remaining: Math.floor(bucket.tokens) };
  }
}
