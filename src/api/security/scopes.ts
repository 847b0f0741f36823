/**
 * @module api/security/scopes
 * The one table that says which scope each request needs. A request needs the scope of the first rule whose method and
 * path match it; when none matches: `GET`/`HEAD` outside `/v1` (the explorer page and its files) and `OPTIONS` are
 * `public`, `GET`/`HEAD` under `/v1` is `read`, and every other method, anywhere, is `write`. Scopes nest:
 * `admin` ⊇ `write` ⊇ `read`. Paths compare case-insensitively with an optional trailing slash, as Express routes them.
 * Add a rule here when a route needs something else (an admin route, a query sent as a POST body).
 *
 * @example
 * routeScope('PUT', '/v1/items/42');        // 'write'
 * routeScope('GET', '/v1/health/metrics');  // 'admin'
 * routeScope('POST', '/v1/subgraph');       // 'read' (a query whose input is a body; it writes nothing)
 */

/** What a request needs: nothing (`public`), or a key (or a loopback client, see docs/security.md) with this scope. */
export type Scope = 'public' | 'read' | 'write' | 'admin';
/** The scopes a key can hold. */
export type KeyScope = Exclude<Scope, 'public'>;

export const KEY_SCOPES: readonly KeyScope[] = ['read', 'write', 'admin'];

export interface ScopeRule {
  /** Upper-case HTTP method, or `*` for any. */
  method: string;
  /** Express-style path: literal segments and `:param` segments (one segment each). */
  path: string;
  scope: Scope;
  /** Why this route is not what the default says. */
  why: string;
}

/** Exceptions to the default (GET under /v1 → read, GET elsewhere → public, other methods → write). First match wins. */
export const SCOPE_RULES: readonly ScopeRule[] = [
  { method: 'GET', path: '/v1/health/live', scope: 'public', why: 'liveness probe: orchestrators call it without a key' },
  { method: 'GET', path: '/v1/health/ready', scope: 'public', why: 'readiness probe: orchestrators call it without a key' },
  { method: '*', path: '/v1/health/metrics', scope: 'admin', why: 'operational metrics of the process' },
  { method: 'POST', path: '/v1/subgraph', scope: 'read', why: 'a graph query whose input is a body; it writes nothing' },
  { method: 'POST', path: '/v1/recommendations', scope: 'read', why: 'cold-start recommendations from a body; it writes nothing' },
  { method: '*', path: '/v1/mcp', scope: 'read', why: 'the MCP endpoint (src/mcp): JSON-RPC in a POST body; each tool call is checked against the scope of the API route it runs' },
  { method: 'POST', path: '/v1/conversations', scope: 'read', why: 'starts a conversation: in-memory session state, nothing written to the graph' },
  { method: 'POST', path: '/v1/conversations/:id/turns', scope: 'read', why: 'a conversation turn: in-memory session state, nothing written to the graph' },
];

/** Whether a key holding `held` may do what `needed` requires. */
export function grants(held: readonly KeyScope[], needed: Scope): boolean {
  if (needed === 'public') return true;
  const rank = (s: KeyScope) => KEY_SCOPES.indexOf(s);
  return held.some((s) => rank(s) >= rank(needed));
}

function compile(path: string): RegExp {
  const parts = path.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}/?$`, 'i');
}

const COMPILED = SCOPE_RULES.map((rule) => ({ ...rule, re: compile(rule.path) }));

/** The scope a request needs, from its method and its path (as sent: still percent-encoded, no query string). */
export function routeScope(method: string, path: string, rules: readonly ScopeRule[] = SCOPE_RULES): Scope {
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  const compiled = rules === SCOPE_RULES ? COMPILED : rules.map((rule) => ({ ...rule, re: compile(rule.path) }));
  const hit = compiled.find((rule) => (rule.method === '*' || rule.method === m) && rule.re.test(path));
  if (hit) return hit.scope;
  if (m === 'OPTIONS') return 'public';
  if (m !== 'GET') return 'write';
  const lower = path.toLowerCase();
  return lower === '/v1' || lower.startsWith('/v1/') ? 'read' : 'public';
}
