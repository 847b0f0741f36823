/**
 * @module core/errors
 * Typed application errors with a stable `code`. Layers below the API throw these; only `api/error-handler.ts` maps
 * codes to HTTP statuses. Tests assert on `code`, never on message text.
 */

export const ERROR_CODES = [
  'BAD_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNAVAILABLE',
  'NOT_CONVERGED',
  'INVALID_GRAPH',
  'CONFIG',
  'DEPENDENCY_MISSING',
  'INGEST_FAILED',
  'TIMEOUT',
  'INTERRUPTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
