/**
 * @module cli/commands/key
 * `graphrec key new|hash`: API keys for the server (docs/security.md). `new` makes a random key and prints it with its
 * SHA-256 and the `GRAPHREC_API_KEYS` entry to configure; `hash` prints the SHA-256 of a key given as an argument or,
 * with `-` (keeps it out of the shell history), on stdin. The server only ever holds the digests.
 */
import { AppError } from '../../core/errors.ts';
import { generateKey, hashKey } from '../../api/security/keys.ts';
import { KEY_SCOPES, type KeyScope } from '../../api/security/scopes.ts';
import { parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `--scopes read,write` → the scopes, each one of read|write|admin. */
export function parseScopes(raw: string | undefined): KeyScope[] {
  const scopes = (raw ?? 'write').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !(KEY_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || bad.length > 0) throw new AppError('BAD_REQUEST', `--scopes must list read, write and/or admin (got ${JSON.stringify(raw)})`);
  return scopes as KeyScope[];
}

/** A new key and how to configure it. */
export function newKey(name: string, scopes: KeyScope[], key = generateKey()): { name: string; key: string; sha256: string; scopes: KeyScope[]; env: string } {
  if (!/^[\w.-]{1,64}$/.test(name)) throw new AppError('BAD_REQUEST', `--name must be 1..64 letters, digits, _ . - (got ${JSON.stringify(name)})`);
  const sha256 = hashKey(key);
  return { name, key, sha256, scopes, env: `${name}:${sha256}:${scopes.join(',')}` };
}

export const keyCommand: Command = {
  name: 'key',
  summary: 'make an API key (key new) or print the SHA-256 of one (key hash) for GRAPHREC_API_KEYS',
  help: `usage: graphrec key new [--name NAME] [--scopes SCOPES] [--format json|csv]
       graphrec key hash KEY|-

  new               print a random key, its sha256 and the GRAPHREC_API_KEYS entry (name:sha256:scopes)
    --name NAME     key name, shown in logs [default]
    --scopes LIST   comma-separated read, write, admin [write]
    --format F      json or csv (one row: name,key,sha256,scopes,env) [json]
  hash KEY          print the sha256 of KEY as one hex line; '-' reads the key from stdin`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { name: { type: 'string' }, scopes: { type: 'string' }, format: { type: 'string' } }, true);
    const format = parseFormat(values.format);
    const [action, arg, ...rest] = positionals;
    if (action === 'new' && arg === undefined) {
      const made = newKey(values.name ?? 'default', parseScopes(values.scopes));
      printResult(format, made, [{ ...made, scopes: made.scopes.join(',') }], ['name', 'key', 'sha256', 'scopes', 'env']);
      return;
    }
    if (action === 'hash' && arg !== undefined && rest.length === 0) {
      const key = arg === '-' ? await readStdin() : arg;
      if (key === '') throw new AppError('BAD_REQUEST', 'key hash: empty key');
      process.stdout.write(hashKey(key) + '\n');
      return;
    }
    throw new AppError('BAD_REQUEST', 'usage: graphrec key new [--name NAME] [--scopes SCOPES] | graphrec key hash KEY|-');
  },
};
