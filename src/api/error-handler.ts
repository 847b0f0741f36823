/**
 * @module api/error-handler
 * The one place that turns errors into HTTP responses. Every error body is `{ "error": { "code", "message" } }`
 * (plus `details` for client errors and UNAVAILABLE). AppError codes map to statuses through `HTTP_STATUS`; body-parser
 * and router errors (malformed JSON, too large, bad percent-encoding) are converted first; anything unknown becomes a
 * 500 INTERNAL with a generic message — the stack goes to the log, never to the client.
 *
 * @example
 * app.use(notFoundHandler);
 * app.use(errorHandler());
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type ErrorCode } from '../core/errors.ts';
import { log } from '../core/log.ts';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  NOT_CONVERGED: 500,
  INVALID_GRAPH: 500,
  CONFIG: 500,
  DEPENDENCY_MISSING: 500,
  INGEST_FAILED: 500,
  INTERRUPTED: 503,
  INTERNAL: 500,
};

export const ERROR_HANDLER_DEFAULTS = {
  /** Retry-After (seconds) sent with 503 and 429 unless the error's details carry `retryAfterS`. */
  retryAfterS: 5,
} as const;

interface HttpLikeError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
  message?: unknown;
}

/** Converts anything thrown into an AppError; errors that are not client errors become INTERNAL. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = (error ?? {}) as HttpLikeError;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (e.type === 'entity.parse.failed') return new AppError('BAD_REQUEST', 'api: malformed JSON body', undefined, { cause: error });
  if (e.type === 'entity.too.large' || status === 413) {
    return new AppError('PAYLOAD_TOO_LARGE', 'api: request body too large', undefined, { cause: error });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    const message = e.expose === true && typeof e.message === 'string' ? e.message : 'bad request';
    return new AppError(status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', `api: ${message}`, undefined, { cause: error });
  }
  return new AppError('INTERNAL', 'internal error', undefined, { cause: error });
}

export function errorHandler(options: Partial<typeof ERROR_HANDLER_DEFAULTS> = {}): ErrorRequestHandler {
  const o = { ...ERROR_HANDLER_DEFAULTS, ...options };
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    const status = HTTP_STATUS[appError.code] ?? 500;
    if (status === 500) {
      const cause = appError === error ? error : (appError.cause ?? error);
      log.error('api: request failed', {
        method: req.method,
        path: req.path,
        code: appError.code,
        error: cause instanceof Error ? cause.stack : String(cause),
      });
    } else if (status > 500) {
      // Expected while a dependency is down or loading (readiness probes poll): one line, no stack.
      log.warn('api: request failed', { method: req.method, path: req.path, code: appError.code, message: appError.message });
    }
    if (status === 503 || status === 429) {
      const fromDetails = (appError.details as { retryAfterS?: unknown } | undefined)?.retryAfterS;
      res.set('Retry-After', String(typeof fromDetails === 'number' ? Math.ceil(fromDetails) : o.retryAfterS));
    }
    const body: { code: ErrorCode; message: string; details?: unknown } = { code: appError.code, message: appError.message };
    if (appError.details !== undefined && (status < 500 || status === 503)) body.details = appError.details;
    res.status(status).json({ error: body });
  };
}

/** The last route: anything unmatched is a JSON 404. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `api: no route ${req.method} ${req.path}`));
};
