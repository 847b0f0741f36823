/**
 * @module store/cypher
 * Loads every statement under `cypher/<group>/<name>.cypher` once, at boot. Code refers to statements as
 * `cypher('read', 'user-history')`; a missing file fails at boot, not at request time.
 *
 * A few statements vary by node label or hop bound, which Cypher cannot take as parameters. Their files hold
 * placeholders (`{{label}}`, `{{fromLabel}}`, `{{toLabel}}`, `{{maxHops}}`, `{{dimensions}}`) that `render` fills only from a whitelist
 * (the three node labels, small integers). Nothing user-supplied is ever spliced into Cypher text. The statements of
 * `cypher/mapped/` (a graph mapping, store/mapping) are filled by `renderMapped` there, under the same rule.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { NODE_KINDS, type NodeKind } from '../core/model.ts';
import { CYPHER_DIR } from '../core/paths.ts';

export type CypherGroup = 'schema' | 'ingest' | 'read' | 'write' | 'vector' | 'mapped';

let cache: Map<string, string> | undefined;

function loadAll(): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of readdirSync(CYPHER_DIR)) {
    const dir = path.join(CYPHER_DIR, group);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.cypher')).sort()) {
      const text = readFileSync(path.join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('//'))
        .join('\n')
        .trim()
        .replace(/;\s*$/, '');
      out.set(`${group}/${file.slice(0, -'.cypher'.length)}`, text);
    }
  }
  return out;
}

/** The text of `cypher/<group>/<name>.cypher` (comments stripped). */
export function cypher(group: CypherGroup, name: string): string {
  cache ??= loadAll();
  const text = cache.get(`${group}/${name}`);
  if (text === undefined) throw new AppError('CONFIG', `cypher: missing statement cypher/${group}/${name}.cypher`);
  return text;
}

/** Names of the statements of one group, sorted (schema statements apply in this order). */
export function cypherNames(group: CypherGroup): string[] {
  cache ??= loadAll();
  return [...cache.keys()].filter((k) => k.startsWith(group + '/')).map((k) => k.slice(group.length + 1)).sort();
}

export interface Placeholders {
  label?: NodeKind;
  fromLabel?: NodeKind;
  toLabel?: NodeKind;
  maxHops?: number;
  /** Vector dimensions of a vector index. */
  dimensions?: number;
}

const INTEGER_PLACEHOLDERS: Record<string, readonly [number, number]> = { maxHops: [1, 10], dimensions: [1, 4096] };

/** Fills whitelisted placeholders; throws on any value outside the whitelist or any placeholder left unfilled. */
export function render(text: string, values: Placeholders): string {
  const out = text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = (values as Record<string, unknown>)[key];
    const range = INTEGER_PLACEHOLDERS[key];
    if (range) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) throw new AppError('BAD_REQUEST', `cypher: ${key} must be an integer in ${range[0]}..${range[1]}`);
      return String(value);
    }
    if (typeof value === 'string' && (NODE_KINDS as readonly string[]).includes(value)) return value;
    throw new AppError('INTERNAL', `cypher: placeholder {{${key}}} needs a node label from the whitelist`);
  });
  return out;
}

/** Checks that all statements the code uses exist (called at boot). */
export function assertCypherPresent(names: ReadonlyArray<readonly [CypherGroup, string]>): void {
  for (const [group, name] of names) cypher(group, name);
}
