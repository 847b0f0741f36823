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
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'] as const;

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || a === '0:0:0:0:0:0:0:1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** The host name of a `Host` header value, lower-case, without port, brackets or trailing dot; undefined if malformed. */
export function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(host.trim().toLowerCase());
  if (!m) return undefined;
  return m[1]!.replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/** `localhost`, `*.localhost`, 127.x.x.x or [::1], with an optional port. */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = hostName(host);
  if (!name) return false;
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}

let interfaceCache: { at: number; addresses: Set<string> } | undefined;

/** The addresses of this machine's network interfaces (re-read at most every 10 s). */
function localAddresses(): Set<string> {
  const now = Date.now();
  if (!interfaceCache || now - interfaceCache.at > 10_000) {
    const addresses = new Set<string>();
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) addresses.add(i.address.toLowerCase().replace(/%.*$/, ''));
    interfaceCache = { at: now, addresses };
  }
  return interfaceCache.addresses;
}

/**
 * Whether a `Host` header names this server (the DNS-rebinding guard of a server with no API keys): a loopback host,
 * an address of one of this machine's interfaces (an IP literal cannot be rebound), this machine's host name, or a
 * name in `allowed` (`api.allowedHosts`: exact names, `.example.com` for a domain and its subdomains, `*` for any).
 * A page that makes a browser send its requests here through its own domain still sends that domain as `Host`.
 */
export function namesThisServer(host: string | undefined, allowed: readonly string[] = []): boolean {
  if (allowed.includes('*')) return true;
  const name = hostName(host);
  if (!name) return false;
  if (isLoopbackHost(name)) return true;
  if (isIP(name) !== 0) return localAddresses().has(name.replace(/^::ffff:/, ''));
  if (name === hostname().toLowerCase()) return true;
  return allowed.some((a) => {
    const entry = a.toLowerCase().replace(/\.$/, '');
    return entry.startsWith('.') ? name === entry.slice(1) || name.endsWith(entry) : name === entry;
  });
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
