/**
 * @module test/api/http-client
 * A raw HTTP client for the security and fuzz suites: serves an app through `createApiServer` on an ephemeral loopback
 * port and sends requests with `node:http` (any method, path and header, Host included) or as raw bytes on a socket
 * (request lines and headers Node's client refuses to build).
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../../src/core/config.ts';
import { createApiServer } from '../../src/api/security/server.ts';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed JSON when the body is JSON text, else undefined. */
  json: unknown;
}

export interface Outgoing {
  method?: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
}

export interface Served {
  server: Server;
  port: number;
  agent: http.Agent;
  send(request: Outgoing): Promise<Reply>;
  /** Writes `bytes` on a fresh socket and resolves with the parsed status line, headers and body (or status 0 when closed without a reply). */
  raw(bytes: string | Buffer): Promise<Reply>;
  close(): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Parses one raw HTTP/1.1 response (Content-Length or connection close). */
export function parseRawResponse(buffer: Buffer): Reply {
  const text = buffer.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end < 0) return { status: 0, headers: {}, text: buffer.toString('utf8'), json: undefined };
  const lines = text.slice(0, end).split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  const headers: IncomingHttpHeaders = {};
  for (const line of lines.slice(1)) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  const length = Number(headers['content-length'] ?? NaN);
  const rest = buffer.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  const bodyText = (Number.isFinite(length) ? rest.subarray(0, length) : rest).toString('utf8');
  return { status, headers, text: bodyText, json: parseJson(bodyText) };
}

export async function serveApp(app: Express, cfg: Pick<Config, 'api' | 'auth'>): Promise<Served> {
  const server = createApiServer(app, cfg);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const send = (request: Outgoing) =>
    new Promise<Reply>((resolve, reject) => {
      // Node's client frames GET/OPTIONS/DELETE bodies with neither Content-Length nor chunking: give the length.
      const headers = request.body === undefined ? request.headers : { 'content-length': Buffer.byteLength(request.body), ...request.headers };
      const req = http.request({ host: '127.0.0.1', port, agent, method: request.method ?? 'GET', path: request.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
        });
        res.once('error', reject);
      });
      req.once('error', reject);
      req.end(request.body);
    });
  const raw = (bytes: string | Buffer) =>
    new Promise<Reply>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const done = () => resolve(parseRawResponse(Buffer.concat(chunks)));
      socket.setTimeout(10_000, () => socket.destroy());
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        const reply = parseRawResponse(Buffer.concat(chunks));
        // One complete response is all we wait for.
        if (reply.status !== 0 && reply.headers['content-length'] !== undefined && Buffer.byteLength(reply.text) >= Number(reply.headers['content-length'])) {
          socket.destroy();
        }
      });
      socket.once('close', done);
      socket.once('error', () => undefined);
      socket.end(bytes);
    });
  const close = async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { server, port, agent, send, raw, close };
}
