/**
 * @module api/security/server
 * The HTTP server the API listens on: Node's own limits set from `cfg.api` (header bytes and count, the time allowed
 * to send headers and the request), and a JSON error reply — the same `{ error: { code, message } }` the app sends —
 * for requests Node rejects before Express sees them (malformed request line or headers, unknown methods, headers too
 * large, too slow) and for CONNECT, which no route serves. It logs a warning (once per process) when no API key is
 * configured, since writes then answer local clients only (docs/security.md).
 *
 * @example
 * createApiServer(app, cfg).listen(cfg.api.port, cfg.api.host);
 */
import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../../core/config.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { SECURITY_HEADERS } from './headers.ts';

/** A raw HTTP/1.1 reply with a JSON error body (headers only for HEAD), closing the connection. */
export function rawErrorReply(status: number, code: ErrorCode, message: string, csp = "default-src 'none'", head = false): string {
  const body = JSON.stringify({ error: { code, message } });
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...SECURITY_HEADERS,
    'Content-Security-Policy': csp,
    'Cache-Control': 'no-store',
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines}\r\n${head ? '' : body}`;
}

/** Status, code and message for an error Node's parser raised. */
function classify(code: string | undefined): [number, ErrorCode, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'PAYLOAD_TOO_LARGE', 'api: request headers too large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADERS_TIMEOUT') return [408, 'TIMEOUT', 'api: request not received in time'];
  if (code === 'HPE_INVALID_METHOD') return [400, 'BAD_REQUEST', 'api: unknown HTTP method'];
  return [400, 'BAD_REQUEST', 'api: malformed HTTP request'];
}

interface SocketWithMessage extends Duplex {
  _httpMessage?: { headersSent?: boolean } | null;
}

let warnedNoKeys = false;

/** How often Node checks its open connections against the header and request timeouts, ms (the bound's slack). */
export const HEADER_SWEEP_MS = 250;

export function createApiServer(listener: RequestListener, cfg: Pick<Config, 'api' | 'auth'>): Server {
  const { api } = cfg;
  if (cfg.auth.keys.length === 0 && !warnedNoKeys) {
    warnedNoKeys = true;
    log.warn('auth: no API keys configured: write routes answer local clients only (see docs/security.md)');
  }
  const server = createServer(
    // requireHostHeader off: Node's own 400 for a missing Host has no JSON body; `requestLimits` answers it instead.
    // connectionsCheckingInterval: Node enforces both timeouts only when it sweeps its connections (every 30 s by
    // default), so a slow client got its 408 after up to timeout + 30 s; a 250 ms sweep keeps the bound documented.
    {
      maxHeaderSize: api.maxHeaderBytes,
      headersTimeout: api.headersTimeoutMs,
      requestTimeout: api.requestTimeoutMs,
      connectionsCheckingInterval: HEADER_SWEEP_MS,
      requireHostHeader: false,
    },
    listener,
  );
  server.maxHeadersCount = api.maxHeaders;
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: SocketWithMessage) => {
    // A reply already under way on this socket cannot be followed by another: just close it.
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] = classify(error.code);
    // A HEAD reply has no body; the bytes Node was parsing tell the method when the request line is among them.
    const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(rawErrorReply(status, code, message, api.contentSecurityPolicy, head));
  });
  server.on('connect', (_req, socket: Duplex) => {
    socket.end(rawErrorReply(400, 'BAD_REQUEST', 'api: CONNECT is not supported', api.contentSecurityPolicy));
  });
  return server;
}
