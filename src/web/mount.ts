/**
 * @module web/mount
 * The web explorer, served by `graphrec serve` (`npm start`) at `/`: one static page (`index.html`), its stylesheet,
 * and one script bundled from `client/main.ts` (strict TypeScript, type-checked by `tsc -p src/web/client` with the
 * DOM lib) with sigma.js and graphology out of node_modules by esbuild, in memory, on the first request (≈0.1 s),
 * then cached until a client file changes (so edits show on reload, no restart). Nothing is fetched from the
 * internet, so it works offline. The page talks only to the JSON API (`/v1/…`).
 *
 * Security headers come from the app (`api/security/headers`, every response): its Content-Security-Policy
 * (`cfg.api.contentSecurityPolicy`: scripts only from this origin, no inline script, no remote connections) is what
 * this page is written for, so even a title that smuggled markup past the page's `textContent` rendering could not run.
 *
 * @example
 * createApp({ store, cfg, routes, mount: (app) => mountExplorer(app) });
 * // GET /  → the page;  GET /explorer/app.js → the bundle;  GET /explorer/style.css
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express, NextFunction, Request, Response } from 'express';
import { log } from '../core/log.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Where the page's files live; `bundle` builds the client script (tests may swap it). */
export const EXPLORER_FILES = {
  page: path.join(HERE, 'index.html'),
  style: path.join(HERE, 'style.css'),
  entry: path.join(HERE, 'client', 'main.ts'),
} as const;

/** Bundles the client (TypeScript stripped by esbuild, no type check; ES2020, minified, with a source map inline only when `debug`). */
export async function bundleExplorer(options: { debug?: boolean } = {}): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [EXPLORER_FILES.entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: !options.debug,
    sourcemap: options.debug ? 'inline' : false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Newest modification time of the client sources, so an edited page or script is picked up without a restart. */
async function clientStamp(): Promise<number> {
  const dir = path.dirname(EXPLORER_FILES.entry);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.ts')).map((n) => path.join(dir, n));
  const times = await Promise.all(names.map(async (file) => (await stat(file)).mtimeMs));
  return Math.max(0, ...times);
}

export function mountExplorer(app: Express): void {
  const cache = new Map<string, { stamp: number; text: Promise<string> }>();
  /** `load()` cached until `stamp()` changes; a failed load is retried on the next request. */
  const cached = (name: string, stamp: () => Promise<number>, load: () => Promise<string>) => async (): Promise<string> => {
    const now = await stamp();
    const hit = cache.get(name);
    if (hit && hit.stamp === now) return hit.text;
    const text = load();
    cache.set(name, { stamp: now, text });
    text.catch(() => cache.delete(name));
    return text;
  };
  const fileStamp = (file: string) => async () => (await stat(file)).mtimeMs;
  const send = (type: string, load: () => Promise<string>) => async (_req: Request, res: Response, next: NextFunction) => {
    try {
      const body = await load();
      res.status(200).set({ 'content-type': type, 'cache-control': 'no-cache' }).send(body);
    } catch (error) {
      next(error);
    }
  };
  const script = cached('script', clientStamp, () => {
    const started = performance.now();
    const text = bundleExplorer();
    text.then(
      (js) => log.info('explorer: client bundled', { kb: Math.round(js.length / 1024), ms: Math.round(performance.now() - started) }),
      (error: unknown) => log.error('explorer: bundling the client failed', { error: String(error) }),
    );
    return text;
  });
  app.get('/', send('text/html; charset=utf-8', cached('page', fileStamp(EXPLORER_FILES.page), () => readFile(EXPLORER_FILES.page, 'utf8'))));
  app.get('/explorer/style.css', send('text/css; charset=utf-8', cached('style', fileStamp(EXPLORER_FILES.style), () => readFile(EXPLORER_FILES.style, 'utf8'))));
  app.get('/explorer/app.js', send('text/javascript; charset=utf-8', script));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
}
