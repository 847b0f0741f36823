/**
 * @module api/security/keys
 * API keys: the configuration holds only SHA-256 digests; a presented key is hashed and compared with every configured
 * digest by `crypto.timingSafeEqual` (equal-length digests, no early exit), so neither the match nor its position leaks
 * through timing. Keys arrive as `Authorization: Bearer <key>` and/or `X-API-Key: <key>`.
 *
 * @example
 * const ring = new KeyRing([{ name: 'ingest', sha256: hashKey('s3cret'), scopes: ['write'] }]);
 * ring.find('s3cret'); // { name: 'ingest', scopes: ['write'] }
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../../core/errors.ts';
import type { KeyScope } from './scopes.ts';

export interface ConfiguredKey {
  name: string;
  /** Hex SHA-256 of the key. */
  sha256: string;
  scopes: readonly KeyScope[];
}

export interface KeyIdentity {
  name: string;
  scopes: readonly KeyScope[];
}

/** Hex SHA-256 of a key, the form `auth.keys[].sha256` and `GRAPHREC_API_KEYS` hold. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key: 32 random bytes, base64url (43 characters). */
export function generateKey(): string {
  return randomBytes(32).toString('base64url');
}

export class KeyRing {
  private readonly digests: Array<{ digest: Buffer; identity: KeyIdentity }>;

  constructor(keys: readonly ConfiguredKey[]) {
    this.digests = keys.map((k) => ({ digest: Buffer.from(k.sha256.toLowerCase(), 'hex'), identity: { name: k.name, scopes: [...k.scopes] } }));
  }

  get size(): number {
    return this.digests.length;
  }

  /** The identity whose digest equals SHA-256(key), or undefined. Compares against every key, always. */
  find(key: string): KeyIdentity | undefined {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let found: KeyIdentity | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(entry.digest, digest) && !found) found = entry.identity;
    }
    return found;
  }
}

/**
 * The key a request presents, or undefined when it presents none. Throws UNAUTHORIZED when the `Authorization` header
 * is not `Bearer <key>`, a header is empty, or the two headers disagree.
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  const apiKey = headers['x-api-key'];
  let bearer: string | undefined;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (!m) throw new AppError('UNAUTHORIZED', 'auth: the Authorization header must be "Bearer <key>"');
    bearer = m[1]!;
  }
  let header: string | undefined;
  if (apiKey !== undefined) {
    header = (Array.isArray(apiKey) ? apiKey.join(',') : apiKey).trim();
    if (header === '') throw new AppError('UNAUTHORIZED', 'auth: empty X-API-Key header');
  }
  if (bearer !== undefined && header !== undefined && bearer !== header) {
    throw new AppError('UNAUTHORIZED', 'auth: Authorization and X-API-Key name different keys');
  }
  return bearer ?? header;
}
