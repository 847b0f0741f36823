/**
 * @module api/security/guard
 * Authentication, rate limiting and authorisation of every request, in that order:
 * 0. with no API key configured, only requests whose `Host` names this server are answered (`namesThisServer`:
 *    loopback, local interface addresses, the machine's name, `api.allowedHosts`); others get 403 — a DNS-rebinding
 *    page cannot read data or drive LLM load through its own host name;
 * 1. identify: a presented key must be a configured one (else 401); no key = anonymous;
 * 2. rate-limit: one token bucket per key, or per peer address for anonymous callers (429 with Retry-After);
 *    local requests are exempt while `auth.rateLimit.exemptLoopback` holds; each LLM explanation a request starts
 *    takes `auth.rateLimit.llmCost` more tokens from the same bucket (`res.locals.chargeLlm`);
 * 3. authorise against the scope `routeScope` gives the request:
 *    - `public`: anyone;
 *    - `read`: anyone, unless `auth.readRequiresKey` (then a key with read or more);
 *    - `write`/`admin`: a key holding that scope (401 without a key, 403 with a weaker one). When no key is configured
 *      at all, local requests (see `client.ts`) may write and everyone else gets 403 — so `npm start` works on a
 *      laptop with no configuration and a server exposed on a network refuses writes until keys are set.
 * The outcome lands in `res.locals.client` for logging.
 *
 * @example
 * app.use(guard(cfg));
 */
import type { RequestHandler } from 'express';
import type { Config } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { isLocalRequest, namesThisServer } from './client.ts';
import { KeyRing, presentedKey, type KeyIdentity } from './keys.ts';
import { RateLimiter } from './rate-limit.ts';
import { grants, routeScope, type KeyScope, type Scope } from './scopes.ts';

export interface ClientInfo {
  /** Name of the key presented, when one was. */
  key?: string;
  /** The scopes of that key (the MCP endpoint checks each tool call against them). */
  scopes?: readonly KeyScope[];
  address: string;
  local: boolean;
  scope: Scope;
}

export const WWW_AUTHENTICATE = 'Bearer realm="graphrec"';

function unauthorized(message: string): AppError {
  return new AppError('UNAUTHORIZED', message);
}

/** Why a request may not proceed, or undefined when it may. */
export function authorise(scope: Scope, identity: KeyIdentity | undefined, local: boolean, auth: Config['auth']): AppError | undefined {
  if (scope === 'public') return undefined;
  if (identity) {
    return grants(identity.scopes, scope) ? undefined : new AppError('FORBIDDEN', `auth: key '${identity.name}' lacks the ${scope} scope`);
  }
  if (scope === 'read') return auth.readRequiresKey ? unauthorized('auth: this server requires an API key for reads') : undefined;
  if (auth.keys.length > 0) return unauthorized(`auth: ${scope} routes require an API key with the ${scope} scope`);
  return local ? undefined : new AppError('FORBIDDEN', `auth: no API keys are configured, so ${scope} routes answer local clients only`);
}

export function guard(cfg: Pick<Config, 'auth'> & { api?: Pick<Config['api'], 'allowedHosts'> }, options: { now?: () => number } = {}): RequestHandler {
  const { auth } = cfg;
  const ring = new KeyRing(auth.keys);
  const limiter = new RateLimiter({ maxClients: auth.rateLimit.maxClients, ...(options.now ? { now: options.now } : {}) });
  const anonymous = { perSecond: auth.rateLimit.anonymousPerSecond, burst: auth.rateLimit.anonymousBurst };
  const keyed = { perSecond: auth.rateLimit.keyPerSecond, burst: auth.rateLimit.keyBurst };
  return (req, res, next) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const local = isLocalRequest({ remoteAddress: req.socket.remoteAddress, headers: req.headers });
    const scope = routeScope(req.method, req.path);
    const info: ClientInfo = { address, local, scope };
    res.locals.client = info;
    if (auth.keys.length === 0 && !namesThisServer(req.headers.host, cfg.api?.allowedHosts ?? [])) {
      next(new AppError('FORBIDDEN', `api: Host ${JSON.stringify(req.headers.host ?? '')} does not name this server; with no API keys configured, only localhost, this machine's addresses and names, and api.allowedHosts (GRAPHREC_ALLOWED_HOSTS) are answered`));
      return;
    }
    let identity: KeyIdentity | undefined;
    let failure: AppError | undefined;
    try {
      const key = presentedKey(req.headers);
      if (key !== undefined) {
        identity = ring.find(key);
        if (identity) {
          info.key = identity.name;
          info.scopes = identity.scopes;
        } else failure = unauthorized('auth: unknown API key');
      }
    } catch (error) {
      failure = error as AppError;
    }
    if (!(local && auth.rateLimit.exemptLoopback)) {
      const bucket = identity ? `key:${identity.name}` : `ip:${address}`;
      const policy = identity ? keyed : anonymous;
      // LLM work is charged to the same bucket, per explanation that calls the model (explain/explain `LlmBudget`).
      res.locals.chargeLlm = () => auth.rateLimit.llmCost <= 0 || limiter.take(bucket, policy, auth.rateLimit.llmCost).ok;
      const taken = limiter.take(bucket, policy);
      if (!taken.ok) {
        next(new AppError('RATE_LIMITED', 'api: too many requests', { retryAfterS: Math.max(1, Math.ceil(taken.retryAfterS)) }));
        return;
      }
    }
    failure ??= authorise(scope, identity, local, auth);
    if (failure?.code === 'UNAUTHORIZED') res.set('WWW-Authenticate', WWW_AUTHENTICATE);
    next(failure);
  };
}
