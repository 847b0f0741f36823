/**
 * @module test/api/key-command
 * `graphrec key`: a new key hashes to the digest it prints, and its env entry loads as a working key.
 */
import { describe, expect, it } from 'vitest';
import { KeyRing } from '../../src/api/security/keys.ts';
import { newKey, parseScopes } from '../../src/cli/commands/key.ts';
import { loadConfig } from '../../src/core/config.ts';

describe('graphrec key', () => {
  it('prints a key whose GRAPHREC_API_KEYS entry configures it', () => {
    const made = newKey('ingest', parseScopes('write,read'));
    expect(made.key).toMatch(/^[\w-]{43}$/);
    const cfg = loadConfig({ env: { GRAPHREC_API_KEYS: made.env } });
    expect(new KeyRing(cfg.auth.keys).find(made.key)).toEqual({ name: 'ingest', scopes: ['write', 'read'] });
    expect(newKey('x', ['read']).key).not.toBe(made.key);
  });

  it('refuses bad names and scopes', () => {
    expect(() => parseScopes('root')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parseScopes('')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(parseScopes(undefined)).toEqual(['write']);
    expect(() => newKey('a:b', ['read'])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
