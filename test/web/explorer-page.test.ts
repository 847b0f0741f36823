/**
 * The explorer's static side without a browser: `mountExplorer` serves the page, the stylesheet and the esbuild bundle
 * (sigma + graphology inside, nothing remote), under the app's Content-Security-Policy; the page has no inline script;
 * and the client never writes HTML from strings (titles are data). The browser run is
 * test/integration/explorer-browser.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { EXPLORER_FILES, mountExplorer } from '../../src/web/mount.ts';

let server: Server;
let base = '';
beforeAll(async () => {
  const app = createApp({ store: new MemoryGraphStore(), cfg: loadConfig({ env: {} }), mount: mountExplorer });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('explorer page', () => {
  it('serves the page with the CSP, and only same-origin assets', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<title>graphrec explorer</title>');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from another origin
    for (const id of ['user-q', 'item-q', 'seed-q', 'cold-keywords']) expect(html).toMatch(new RegExp(`<label for="${id}">`));
    const css = await fetch(`${base}/explorer/style.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain(':focus-visible');
  });

  it('bundles sigma and graphology into one script', async () => {
    const res = await fetch(`${base}/explorer/app.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    const js = await res.text();
    expect(js.length).toBeGreaterThan(50_000);
    expect(/WebGLRenderingContext|webgl/.test(js)).toBe(true); // sigma's renderer is inside
    expect(/addDirectedEdgeWithKey/.test(js)).toBe(true); // and graphology
    expect(/\bimport\s*\(\s*["'`]|^import\s|https?:\/\/[a-z0-9.-]+\.(com|org|net|io)\/[^"'\s]*\.js/m.test(js)).toBe(false); // nothing left to fetch
  });

  it('never turns strings into HTML in the client', () => {
    const source = readFileSync(EXPLORER_FILES.entry, 'utf8');
    expect(source).not.toMatch(/\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML\(|document\.write\(|\beval\(|new Function\(/);
  });
});
