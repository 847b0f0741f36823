/**
 * The explorer's static side without a browser: `mountExplorer` serves the page, the stylesheet and the esbuild bundle
 * (sigma + graphology inside, nothing remote), under the app's Content-Security-Policy; the page has no inline script;
 * and the client never writes HTML from strings (titles are data). The client's response types
 * (src/web/client/api-types.ts) are checked here, at compile time, against the server's. The browser run is
 * test/integration/explorer-browser.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from '../../src/api/app.ts';
import type { Responses } from '../../src/api/schemas.ts';
import { loadConfig } from '../../src/core/config.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';
import { EXPLORER_FILES, mountExplorer } from '../../src/web/mount.ts';
import type * as Client from '../../src/web/client/api-types.ts';
import type { Evidence } from '../../src/explain/evidence.ts';
import type { Explanation } from '../../src/explain/explain.ts';
import type { ExplainedItem } from '../../src/engine/engine.ts';
import type { RecommendedItem, RecommendResult } from '../../src/retrieve/recommend.ts';
import type { SearchHit } from '../../src/retrieve/search.ts';
import type { SimilarItem } from '../../src/retrieve/similar.ts';

// Compile-time: what the server sends must be what the client reads (a drift fails `tsc`).
type Fits<Server, ClientView> = [Server] extends [ClientView] ? true : false;
function assertFits<T extends true>(): T | undefined {
  return undefined;
}
assertFits<Fits<z.output<typeof Responses.stats>, Client.Stats>>();
assertFits<Fits<z.output<typeof Responses.user>, Client.UserView>>();
assertFits<Fits<z.output<typeof Responses.history>, Client.HistoryPage>>();
assertFits<Fits<z.output<typeof Responses.item>, Client.ItemView>>();
assertFits<Fits<SearchHit, Client.SearchHit>>();
assertFits<Fits<SimilarItem, Client.SimilarResponse['items'][number]>>();
assertFits<Fits<Evidence, Client.Evidence>>();
assertFits<Fits<Explanation, Client.Explanation>>();
// api/routes/recommend: the engine's result, each item with its evidence and explanation when asked for.
assertFits<Fits<Omit<RecommendResult, 'items'> & { items: (RecommendedItem & ExplainedItem)[] }, Client.RecommendationsResponse>>();

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
    const dir = path.dirname(EXPLORER_FILES.entry);
    const files = readdirSync(dir).filter((name) => name.endsWith('.ts'));
    expect(files).toContain(path.basename(EXPLORER_FILES.entry));
    for (const name of files) {
      const source = readFileSync(path.join(dir, name), 'utf8');
      expect(source, name).not.toMatch(/\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML\(|document\.write\(|\beval\(|new Function\(/);
    }
  });
});
