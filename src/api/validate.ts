/**
 * @module api/validate
 * Request validation: parse one part of a request (params, query, body) with its zod schema, or throw
 * `AppError('BAD_REQUEST')` listing every issue as `{ path, message }` (path prefixed with the part, e.g. `query.limit`).
 *
 * @example
 * const query = parseInput(schemas.pageQuery, req.query, 'query'); // { limit: 20, offset: 0 }
 */
import type { z } from 'zod';
import { AppError } from '../core/errors.ts';

/** Where the input came from: a part of an HTTP request, or the arguments of an MCP tool call (src/mcp). */
export type RequestPart = 'params' | 'query' | 'body' | 'arguments';

export interface ValidationIssue {
  path: string;
  message: string;
}

type Issue = z.core.$ZodIssue;

/** A union that failed reports the issues of the branch that got furthest (deepest path), not a bare "Invalid input". */
function flatten(issue: Issue, prefix: PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const depth = (branch: Issue[]) => Math.max(...branch.map((i) => i.path.length));
    const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    return best.flatMap((inner) => flatten(inner, path));
  }
  return [{ path, message: issue.message }];
}

/**
 * Path of the first own `__proto__` key in a parsed JSON value (JSON.parse makes it an own property; schemas would
 * assign it as the prototype and so drop it silently), else undefined.
 */
function protoKeyPath(value: unknown, path: string[] = []): string[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return [...path, '__proto__'];
  for (const [key, inner] of Object.entries(value)) {
    const found = protoKeyPath(inner, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: RequestPart): z.output<S> {
  const proto = protoKeyPath(value);
  if (proto) {
    const path = [part, ...proto].join('.');
    throw new AppError('BAD_REQUEST', `api: invalid ${path}: the key __proto__ is not allowed`, { issues: [{ path, message: 'the key __proto__ is not allowed' }] });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues
    .flatMap((issue) => flatten(issue, []))
    .map(({ path, message }) => ({ path: [part, ...path.map(String)].join('.'), message }));
  const first = issues[0]!;
  throw new AppError('BAD_REQUEST', `api: invalid ${first.path}: ${first.message}`, { issues });
}
