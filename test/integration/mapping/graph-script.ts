/**
 * Test-side helpers of the graph mapping suites: run a multi-statement Cypher script (statements end with `;` at the
 * end of a line, `//` comments) against the test database, as a user's own tooling would, and list what the database
 * holds (labels, types, counts) to check graphrec added nothing.
 */
import { readFileSync } from 'node:fs';
import type { Database } from '../../../src/store/driver.ts';
import { openSession } from '../../../src/store/driver.ts';

/** A line `// -- <name> --` divides a script into parts (runCypherScript's `part`: 0, 1, …). */
const PART_MARK = /^\/\/ -- .* --$/m;

export function scriptStatements(file: string, part?: number): string[] {
  const parts = readFileSync(file, 'utf8').split(PART_MARK);
  const text = (part === undefined ? parts.join('\n') : (parts[part] ?? ''))
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('//'))
    .join('\n');
  return text.split(/;\s*\n/).map((s) => s.trim().replace(/;$/, '')).filter((s) => s !== '');
}

/** Runs every statement of `file` (or of one part of it) in order, each in its own auto-commit transaction. */
export async function runCypherScript(db: Database, file: string, options: { part?: number; params?: Record<string, unknown> } = {}): Promise<void> {
  const session = openSession(db, 'WRITE');
  try {
    for (const statement of scriptStatements(file, options.part)) await session.run(statement, options.params ?? {});
  } finally {
    await session.close();
  }
}

/** Deletes every node and relationship (the test database is shared by the suites, one at a time). */
export async function wipe(db: Database): Promise<void> {
  const session = openSession(db, 'WRITE');
  try {
    await session.run('MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
  } finally {
    await session.close();
  }
}

/** Labels, types and counts present in the database: what graphrec must leave as it found them. */
export async function inventory(db: Database): Promise<{ labels: string[]; nodes: number; rels: number; props: string }> {
  const session = openSession(db, 'READ');
  try {
    const r = (await session.run(
      'MATCH (n) WITH count(n) AS nodes, collect(DISTINCT labels(n)) AS ls, collect(properties(n)) AS ps OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS rels, ls, ps',
    )).records[0]!;
    const props = JSON.stringify((r.get('ps') as Array<Record<string, unknown>>).map((p) => JSON.stringify(Object.entries(p).sort())).sort());
    return { labels: (r.get('ls') as string[][]).map((l) => [...l].sort().join(':')).sort(), nodes: Number(r.get('nodes')), rels: Number(r.get('rels')), props };
  } finally {
    await session.close();
  }
}
