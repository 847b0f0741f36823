/**
 * @module test/store/boundaries
 * The layout rule "neo4j-driver is imported only under src/store/" and "sessions are opened only through
 * store/driver's openSession" (which adds the bookmark manager), checked on the source text. ESLint enforces both too
 * (eslint.config.js); this test keeps them when lint is not run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js)$/.test(f))
    .map((f) => path.join(dir, f));
}

const IMPORTS_DRIVER = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]neo4j-driver(?:-core)?(?:\/[^'"]*)?['"]/;

describe('layout: Neo4j stays in src/store', () => {
  it('imports neo4j-driver only under src/store/', () => {
    const offenders = [...sources('src'), ...sources('scripts')].filter((f) => !f.startsWith(path.join('src', 'store') + path.sep) && IMPORTS_DRIVER.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the check sees an import when there is one', () => {
    expect(IMPORTS_DRIVER.test("import neo4j from 'neo4j-driver';")).toBe(true);
    expect(IMPORTS_DRIVER.test("import type { Integer } from 'neo4j-driver';")).toBe(true);
    expect(IMPORTS_DRIVER.test("await import('neo4j-driver')")).toBe(true);
    expect(IMPORTS_DRIVER.test("import { x } from './neo4j-driver-notes.ts';")).toBe(false);
  });

  it('opens sessions only through openSession (store/driver.ts)', () => {
    const offenders = sources('src').filter((f) => f !== path.join('src', 'store', 'driver.ts') && /driver\.session\(/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
