/**
 * @module api/security/limits
 * Request bounds checked before any route runs: a Host header (HTTP/1.1), the length of the request target, the
 * content type of a body (JSON in UTF-8 only: this also keeps cross-site "simple" form posts out), and the nesting
 * depth of a JSON body, counted on the raw bytes before `JSON.parse` sees them. Sizes of bodies and headers are bounded by the body parser and the HTTP
 * server (`cfg.api.bodyLimit`, `maxHeaderBytes`); strings, `k`, hops and batches by the request schemas.
 *
 * @example
 * jsonDepth(Buffer.from('{"a":[[1]]}')); // 3
 */
import type { RequestHandler } from 'express';
import type { Config } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Deepest nesting of arrays and objects in a JSON text (brackets inside strings do not count); stops counting once
 * `stopAt` is passed. Malformed text gets a number too; the parser rejects it afterwards.
 */
export function jsonDepth(bytes: Uint8Array, stopAt = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAt) return deepest;
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `verify` hook of `express.json`: throws BAD_REQUEST before parsing when the body is not well-formed UTF-8 (it would
 * be decoded into U+FFFD silently and stored so) or nests deeper than `maxDepth`.
 */
export function verifyJsonDepth(maxDepth: number) {
  return (_req: unknown, _res: unknown, body: Buffer): void => {
    try {
      strictUtf8.decode(body);
    } catch {
      throw new AppError('BAD_REQUEST', 'api: the body is not well-formed UTF-8');
    }
    if (jsonDepth(body, maxDepth) > maxDepth) throw new AppError('BAD_REQUEST', `api: JSON body nested deeper than ${maxDepth} levels`);
  };
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Rejects over-long request targets and bodies that are not `application/json` (UTF-8). */
export function requestLimits(api: Config['api']): RequestHandler {
  return (req, _res, next) => {
    if (req.headers.host === undefined && req.httpVersion === '1.1') {
      next(new AppError('BAD_REQUEST', 'api: HTTP/1.1 requests need a Host header'));
      return;
    }
    if (req.originalUrl.length > api.maxUrlLength) {
      next(new AppError('BAD_REQUEST', `api: request target longer than ${api.maxUrlLength} characters`));
      return;
    }
    if (hasBody(req.headers)) {
      const type = req.headers['content-type'] ?? '';
      const [mime = '', ...params] = type.split(';').map((p) => p.trim().toLowerCase());
      const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '');
      if (mime !== 'application/json' || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
        const message = `expected application/json in UTF-8, got ${JSON.stringify(type.slice(0, 100))}`;
        next(new AppError('BAD_REQUEST', `api: invalid body: ${message}`, { issues: [{ path: 'body', message }] }));
        return;
      }
    }
    next();
  };
}
