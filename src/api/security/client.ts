/**
 * @module api/security/client
 * Who is calling, as far as the socket tells: the peer address, and whether the request is a local one. A request is
 * local only when the peer is a loopback address, it carries no forwarding header (a reverse proxy on the same host
 * forwards remote clients; those are not local), and its `Host` names a loopback host (a DNS-rebinding page that makes
 * a browser send its requests to 127.0.0.1 still sends its own host name).
 *
 * @example
 * isLocalRequest({ remoteAddress: '127.0.0.1', headers: { host: 'localhost:3000' } }); // true
 */
import type { IncomingHttpHeaders } from 'node:http';

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'] as const;

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || a === '0:0:0:0:0:0:0:1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** `localhost`, `*.localhost`, 127.x.x.x or [::1], with an optional port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(host.trim().toLowerCase());
  if (!m) return false;
  const name = m[1]!.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}

export interface ClientView {
  remoteAddress: string | undefined;
  headers: IncomingHttpHeaders;
}

export function isLocalRequest(client: ClientView): boolean {
  return (
    isLoopbackAddress(client.remoteAddress) &&
    FORWARDING_HEADERS.every((h) => client.headers[h] === undefined) &&
    isLoopbackHost(client.headers.host)
  );
}
