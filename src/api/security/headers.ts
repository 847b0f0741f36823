/**
 * @module api/security/headers
 * Response headers set on every reply (API, explorer page, errors): no MIME sniffing, no referrer, no framing, a
 * Content-Security-Policy from `cfg.api.contentSecurityPolicy` (same-origin scripts and styles only, no inline code),
 * `Cache-Control: no-store` unless a later handler sets its own; and CORS for the origins in `cfg.api.corsOrigins`:
 * an allowed origin gets `Access-Control-Allow-Origin` on its replies and an answer to its preflights, any other
 * origin gets no CORS header (so a browser withholds the reply) and a 403 to its preflights. Every OPTIONS request is
 * answered here (204), never by a route.
 *
 * @example
 * app.use(securityHeaders(cfg.api), cors(cfg.api));
 */
import type { RequestHandler } from 'express';
import type { Config } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';

/** Headers every response carries, the CSP aside. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export const CORS_ALLOWED = {
  methods: 'GET, HEAD, POST, PUT, OPTIONS',
  headers: 'Authorization, X-API-Key, Content-Type',
  exposed: 'Retry-After',
} as const;

export function securityHeaders(api: Config['api']): RequestHandler {
  const headers = { ...SECURITY_HEADERS, 'Content-Security-Policy': api.contentSecurityPolicy, 'Cache-Control': 'no-store' };
  return (_req, res, next) => {
    res.set(headers);
    next();
  };
}

export function cors(api: Config['api']): RequestHandler {
  const anyOrigin = api.corsOrigins.includes('*');
  const allowed = new Set(api.corsOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return (req, res, next) => {
    const origin = req.headers.origin;
    const ok = origin !== undefined && (anyOrigin || allowed.has(origin.toLowerCase()));
    if (api.corsOrigins.length > 0) res.vary('Origin');
    if (ok) {
      res.set('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
      res.set('Access-Control-Expose-Headers', CORS_ALLOWED.exposed);
    }
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    const preflight = origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    if (preflight && !ok) {
      next(new AppError('FORBIDDEN', 'cors: origin not allowed'));
      return;
    }
    if (preflight) {
      res.set({
        'Access-Control-Allow-Methods': CORS_ALLOWED.methods,
        'Access-Control-Allow-Headers': CORS_ALLOWED.headers,
        'Access-Control-Max-Age': String(api.corsMaxAgeS),
      });
    } else {
      res.set('Allow', CORS_ALLOWED.methods);
    }
    res.status(204).end();
  };
}
