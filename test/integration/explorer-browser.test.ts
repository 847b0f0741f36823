/**
 * The web explorer end to end, in a real headless Chromium against the real server path: the test Neo4j is reset and
 * loaded with the seeded demo catalogue (plus one item whose title is hostile markup), `graphrec serve --port 0` is
 * spawned as `npm start` would run it, and the page at `/` is driven like a newcomer would: find a user, wait for the
 * 10 recommendations and their explanations (each labelled LLM or template), open one, and check that sigma drew the
 * evidence graph (node colours counted in a screenshot of the canvas, not just a DOM flag). It also checks that the
 * page loads nothing from outside the server, that the hostile title is shown as text, and the keyboard path.
 *
 * The LLM is off here (LLM_PROVIDER=none): explanations are the deterministic templates, which keeps the test at
 * ~30 s on two cores; the local model's own path is covered by test/integration/explain/local-llm.test.ts.
 * Chromium: /usr/bin/chromium (Debian package; `npm ci` installs it through scripts/install.js when run as root).
 * Screenshot: test-artifacts/explorer.png.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/ingest/load.ts';
import { resolveDataset } from '../../src/ingest/resolve.ts';
import type { Database } from '../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../src/store/schema.ts';
import { openTestDatabase, testConfig } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1"> Robert\'); MATCH (n) DETACH DELETE n //';
/** Node colours of the page (src/web/client/graph-view.ts COLORS). */
const COLOR = { user: [0x00, 0x72, 0xb2], target: [0xd5, 0x5e, 0x00], path: [0xc2, 0x18, 0x5b] } as const;

// ------------------------------------------------------------------ a minimal PNG reader (8-bit RGB/RGBA, as Chromium writes)

function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      const colorType = data[9]!;
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) throw new Error(`unsupported PNG (depth ${depth}, colour type ${colorType})`);
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter}`);
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Pixels within `tolerance` (per channel) of `rgb`. */
function countColor(img: ReturnType<typeof decodePng>, rgb: readonly number[], tolerance = 12): number {
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    const o = i * img.channels;
    if (Math.abs(img.pixels[o]! - rgb[0]!) <= tolerance && Math.abs(img.pixels[o + 1]! - rgb[1]!) <= tolerance && Math.abs(img.pixels[o + 2]! - rgb[2]!) <= tolerance) n++;
  }
  return n;
}

// ------------------------------------------------------------------ the server, as `npm start` runs it

interface Served {
  url: string;
  child: ChildProcessWithoutNullStreams;
  output: () => string;
}

function startServer(neo4jUri: string): Promise<Served> {
  const child = spawn(process.execPath, ['scripts/graphrec.js', 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, NEO4J_URI: neo4jUri, GRAPHREC_TRAIN_EPOCHS: '20', GRAPHREC_TRAIN_MAX_SECONDS: '30', LLM_PROVIDER: 'none' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after 180 s:\n${output.slice(-4000)}`)), 180_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{"ready":true')) continue;
        clearTimeout(timer);
        resolve({ url: (JSON.parse(line) as { url: string }).url, child, output: () => output });
        return;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`graphrec serve exited with ${code} before it was ready:\n${output.slice(-4000)}`));
    });
  });
}

async function allStrategiesLive(url: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const body = (await (await fetch(`${url}/v1/health/ready`)).json()) as { checks?: { app?: { detail?: { strategies?: { pending?: string[] } } } } };
    if (body.checks?.app?.detail?.strategies?.pending?.length === 0) return;
    if (Date.now() > deadline) throw new Error(`strategies still pending after 180 s: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopServer(served: Served | undefined): Promise<void> {
  if (!served || served.child.exitCode !== null) return;
  const exited = new Promise((resolve) => served.child.once('exit', resolve));
  served.child.kill('SIGTERM');
  const timer = setTimeout(() => served.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

// ------------------------------------------------------------------ the test

describe('web explorer in Chromium (real server, demo data)', () => {
  let db: Database | undefined;
  let served: Served | undefined;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const t0 = performance.now();
  /** Seconds per phase, printed at the end (and saved with the screenshot). */
  const phases: Record<string, number> = {};
  const lap = (name: string, since: number) => (phases[name] = Number(((performance.now() - since) / 1000).toFixed(1)));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; scripts/install.js does it as root)`);
    let since = performance.now();
    db = await openTestDatabase();
    await deleteAll(db);
    const cfg = testConfig();
    await loadDataset(db, resolveDataset('demo', { demoSeed: cfg.data.demoSeed }), { batchSize: cfg.ingest.batchSize });
    // One item whose title is markup and Cypher, rated by a few users: the page must show it as text.
    const store = new Neo4jGraphStore(db.driver, db.database);
    const genre = Object.values((await store.getItem('demo:i:1')).knowledge).flat()[0]!;
    await store.upsertItems([{ id: 'demo:i:hostile', title: HOSTILE_TITLE }]);
    await store.upsertKnowledge([{ head: { kind: 'Item', id: 'demo:i:hostile' }, relation: 'genre', tail: { kind: 'Entity', id: genre.id } }]);
    await store.recordInteractions(['demo:u:2', 'demo:u:3', 'demo:u:4'].map((u, j) => ({ eventId: `hostile-${j}`, userId: u, itemId: 'demo:i:hostile', kind: 'rating', rating: 5, weight: 5, ts: 1 })));
    await db.close();
    db = undefined;
    lap('resetAndLoadDemo', since);

    since = performance.now();
    served = await startServer(process.env.GRAPHREC_TEST_NEO4J_URI!);
    // Serving starts before the embeddings are trained (they are swapped in later); the page and the API calls below
    // must see one engine state, so wait until every strategy is live.
    await allStrategiesLive(served.url);
    lap('serverStart', since);
    since = performance.now();
    profile = mkdtempSync(path.join(tmpdir(), 'graphrec-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        // WebGL (sigma) through the software rasteriser, since there is no GPU.
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    lap('browserStart', since);
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await stopServer(served);
    await db?.close();
    lap('total', t0);
    console.info(`[explorer-browser] seconds: ${JSON.stringify(phases)}`);
  });

  it('shows a user 10 explained recommendations and draws the evidence graph', async () => {
    const started = performance.now();
    await page.goto(`${served!.url}/`);
    await expect(page.title()).resolves.toBe('graphrec explorer');

    // Pick a user the way a newcomer would: type the start of an id in the labelled search box.
    await page.getByLabel('User id').fill('demo:u:1');
    await page.locator('#user-results button[data-id="demo:u:1"]').click();

    const cards = page.locator('#rec-list .rec');
    await cards.nth(9).waitFor({ timeout: 60_000 });
    const listShownMs = performance.now() - started;
    await expect.poll(() => page.locator('#rec-list .rec[data-source]').count(), { timeout: 120_000, interval: 250 }).toBe(10);
    expect(await cards.count()).toBe(10);
    const shown = await cards.evaluateAll((els) =>
      els.map((el) => ({
        id: el.getAttribute('data-item-id'),
        source: el.getAttribute('data-source'),
        title: el.querySelector('.rec-title')?.textContent ?? '',
        text: el.querySelector('.rec-text')?.textContent ?? '',
        badge: el.querySelector('.badge')?.textContent ?? '',
      })),
    );
    for (const card of shown) {
      expect(card.title.length, JSON.stringify(card)).toBeGreaterThan(0);
      expect(card.text.length, JSON.stringify(card)).toBeGreaterThan(10);
      expect(['llm', 'template']).toContain(card.source);
      expect(card.badge).toBe(card.source === 'llm' ? 'LLM' : 'template');
    }
    expect(new Set(shown.map((c) => c.id)).size).toBe(10);

    // The page's list is what the API returns for that user.
    const api = (await (await fetch(`${served!.url}/v1/users/demo%3Au%3A1/recommendations?k=10`)).json()) as { items: Array<{ id: string }> };
    expect(shown.map((c) => c.id)).toEqual(api.items.map((i) => i.id));

    // Open the second one: its evidence graph is drawn, with the best path highlighted and listed as text.
    await cards.nth(1).getByRole('button', { name: /^Why / }).click();
    const graph = page.locator('#graph');
    await expect.poll(async () => Number(await graph.getAttribute('data-nodes')), { timeout: 10_000 }).toBeGreaterThan(2);
    await expect.poll(async () => Number(await graph.getAttribute('data-rendered')), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(Number(await graph.getAttribute('data-edges'))).toBeGreaterThan(1);
    await page.waitForTimeout(300);
    const title = shown[1]!.title;
    await expect(page.locator('#evidence-h').textContent()).resolves.toContain(title.slice(0, 20));
    const pathCount = await page.locator('#paths input[type="radio"]').count();
    if (pathCount > 0) {
      expect(await graph.getAttribute('data-path')).toBe('0');
      await expect(page.locator('#paths label').first().textContent()).resolves.toContain('this user');
    }
    await expect(page.locator('#why-text').textContent()).resolves.toBe(shown[1]!.text);

    // Pixels, not flags: the canvas shows the user node, the recommended item and (with a path) the highlighted path.
    const img = decodePng(await graph.screenshot());
    const counts = { user: countColor(img, COLOR.user), target: countColor(img, COLOR.target), path: countColor(img, COLOR.path) };
    expect(counts.user, JSON.stringify(counts)).toBeGreaterThan(100);
    expect(counts.target, JSON.stringify(counts)).toBeGreaterThan(100);
    if (pathCount > 0) expect(counts.path, JSON.stringify(counts)).toBeGreaterThan(50);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'explorer.png'), fullPage: true });
    writeFileSync(path.join(ARTIFACTS, 'explorer-timing.json'), JSON.stringify({ phases, listShownMs: Math.round(listShownMs), allExplainedMs: Math.round(performance.now() - started), pixels: counts }, null, 2));
    console.info(`[explorer-browser] 10 recommendations shown after ${Math.round(listShownMs)} ms; graph pixels ${JSON.stringify(counts)}`);
  });

  it('finds an item, shows similar items, and renders a hostile title as text', async () => {
    await page.getByLabel('Title').fill('img src=x onerror');
    const hit = page.locator('#item-results button[data-id="demo:i:hostile"]');
    await hit.waitFor({ timeout: 10_000 });
    await expect(hit.textContent()).resolves.toContain(HOSTILE_TITLE);
    await hit.click();
    await expect.poll(() => page.locator('#item-h').textContent(), { timeout: 10_000 }).toBe(HOSTILE_TITLE);
    await page.locator('#similar li').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('#similar li').count()).toBe(10);
    expect(await page.locator('#item img, #item-results img, #rec-list img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).toBeUndefined();
  });

  it('runs a cold start from a keyword, by keyboard only', async () => {
    await page.getByLabel('Keywords').focus();
    await page.keyboard.type('drama');
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    await expect(focused.textContent()).resolves.toBe('Recommend for these');
    // The focused control is visibly outlined (:focus-visible).
    const outline = await focused.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#profile-h').textContent(), { timeout: 10_000 }).toBe('Cold start');
    await expect.poll(() => page.locator('#rec-list .rec[data-source]').count(), { timeout: 60_000, interval: 250 }).toBe(10);
  });

  it('talks it through: the conversation panel refines the list turn by turn (the API state agrees)', async () => {
    await page.getByLabel('User id').fill('demo:u:1');
    await page.locator('#user-results button[data-id="demo:u:1"]').click();
    await expect.poll(() => page.locator('#rec-list .rec[data-source]').count(), { timeout: 60_000, interval: 250 }).toBe(10);
    const summary = page.locator('#conv-summary');
    await expect(summary.textContent()).resolves.toBe('No conversation yet.');

    // Turn 1: say what you want.
    await page.getByLabel('What are you looking for?').fill('drama');
    await page.getByRole('button', { name: 'Say' }).click();
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toMatch(/^Turn 1: "drama" matched /);
    const cards = page.locator('#rec-list .rec');
    await expect.poll(() => page.locator('#rec-list .rec[data-source]').count(), { timeout: 60_000, interval: 250 }).toBe(10);
    const ids = () => cards.evaluateAll((els) => els.map((el) => el.getAttribute('data-item-id')!));
    const first = await ids();
    const conversation = (await summary.getAttribute('data-conversation'))!;
    const state = async () => ((await (await fetch(`${served!.url}/v1/conversations/${conversation}`)).json()) as { state: { shown: Array<{ id: string }>; rejected: Array<{ id: string }>; constraints: Array<{ name: string; op: string; value: number }>; seeds: unknown[] } }).state;
    let s = await state();
    expect(s.shown.map((x) => x.id)).toEqual(first);
    expect(s.seeds.length).toBeGreaterThan(0);

    // Turn 2: "Not this" on the first result.
    await cards.first().getByRole('button', { name: /^Not / }).click();
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toMatch(/^Turn 2: rejected /);
    await expect.poll(() => page.locator('#rec-list .rec[data-source]').count(), { timeout: 60_000, interval: 250 }).toBe(10);
    const second = await ids();
    expect(second).not.toContain(first[0]);
    s = await state();
    expect(s.rejected.map((x) => x.id)).toEqual([first[0]]);
    expect(s.shown.map((x) => x.id)).toEqual(second);

    // Turn 3: older — every item shown is older than the constraint (years read through the API).
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toMatch(/^Turn 3: only items with year < \d+/);
    await expect.poll(() => page.locator('#conv-log li').count(), { timeout: 10_000 }).toBe(3);
    s = await state();
    const [constraint] = s.constraints;
    expect(constraint).toMatchObject({ name: 'year', op: 'lt' });
    const third = await ids();
    expect(third).toEqual(s.shown.map((x) => x.id));
    for (const id of third) {
      const item = (await (await fetch(`${served!.url}/v1/items/${encodeURIComponent(id)}`)).json()) as { props: { year: number } };
      expect(item.props.year).toBeLessThan(constraint!.value);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'explorer-conversation.png'), fullPage: true });

    // Start over: the next turn starts a new conversation.
    await page.getByRole('button', { name: 'Start over' }).click();
    await expect(summary.textContent()).resolves.toBe('No conversation yet.');
  });

  it('loaded nothing from outside the server and raised no script error', () => {
    const origin = new URL(served!.url).origin;
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
