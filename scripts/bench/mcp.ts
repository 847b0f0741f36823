/**
 * `npm run bench -- mcp [--data demo|ml100k] [--calls N] [--write-docs]`: the MCP server as an agent meets it.
 * 1. stdio: spawns `graphrec mcp` (the bench Neo4j's port as its local Neo4j, nothing else configured) with the
 *    official SDK client, and measures the time to `tools/list` and to the first `recommend` (the boot: projection,
 *    embeddings); then calls every tool once with an example input — `--write-docs` writes these calls and their
 *    abridged results into docs/agents.md (between the mcp-examples markers).
 * 2. HTTP, side by side in this process: the same engine behind `POST /v1/mcp` (SDK client, streamable HTTP) and the
 *    REST routes (fetch), each tool call against its route, alternating, `--calls` times (after a warm-up): p50/p99
 *    per tool and the ratio MCP / REST (the protocol's overhead).
 * The data: the demo catalogue (default, what `npx graphrec mcp` loads into an empty database) or ML-100K + DBpedia
 * (../shared/data), in the bench Neo4j (GRAPHREC_BENCH_NEO4J_PORT / _DATA; reloaded when it holds the other one).
 * Prints JSON lines; the last one is the result.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createApp } from '../../src/api/app.ts';
import { exploreRoutes } from '../../src/api/routes/explore.ts';
import { recommendRoutes } from '../../src/api/routes/recommend.ts';
import { parseFlags } from '../../src/cli/command.ts';
import { ROOT } from '../../src/core/paths.ts';
import { bootEngine } from '../../src/engine/boot.ts';
import { createDemoSource } from '../../src/ingest/demo.ts';
import { loadDataset } from '../../src/ingest/load.ts';
import { mountMcp } from '../../src/mcp/http.ts';
import type { Database } from '../../src/store/driver.ts';
import { Neo4jGraphStore } from '../../src/store/neo4j-graph-store.ts';
import { deleteAll } from '../../src/store/schema.ts';
import { benchConfig, emit, ensureMl100kDbpedia, ml100kDbpediaSpec, openBenchDatabase } from './_neo4j.ts';

type Json = Record<string, unknown>;
type Text = Array<{ type: string; text: string }>;

const DOCS = path.join(ROOT, 'docs', 'agents.md');
const BEGIN = '<!-- mcp-examples:begin (written by `npm run bench -- mcp --write-docs`; do not edit) -->';
const END = '<!-- mcp-examples:end -->';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Arrays cut to `keep` entries (plus a note), long strings cut, so a result reads in a few lines. */
function abridge(value: unknown, keep = 2): unknown {
  if (Array.isArray(value)) {
    const head = value.slice(0, keep).map((v) => abridge(v, keep));
    return value.length > keep ? [...head, `… ${value.length - keep} more`] : head;
  }
  if (typeof value === 'string') return value.length > 160 ? value.slice(0, 157) + '…' : value;
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toFixed(4));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, abridge(v, keep)]));
  return value;
}

/** One top-level key per line, an array's entries one per line, everything below that compact. */
export function formatResult(value: unknown): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  const lines = Object.entries(value).map(([k, v]) =>
    Array.isArray(v) && v.length > 0 ? ` ${JSON.stringify(k)}: [\n${v.map((x) => '  ' + JSON.stringify(x)).join(',\n')}\n ]` : ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`,
  );
  return `{\n${lines.join(',\n')}\n}`;
}

/** The demo catalogue or ML-100K + DBpedia in the bench database. */
async function prepareData(db: Database, data: 'demo' | 'ml100k'): Promise<{ spec: string; user: string; userId: string } | undefined> {
  const counts = await new Neo4jGraphStore(db.driver, db.database).counts();
  if (data === 'ml100k') {
    const spec = ml100kDbpediaSpec();
    if (!spec) return undefined;
    if (counts.users !== 943) await deleteAll(db);
    await ensureMl100kDbpedia(db, spec);
    return { spec, user: '1', userId: 'ml100k:u:1' };
  }
  if (counts.users !== 500 || counts.interactions === 100_000) {
    emit({ step: 'loading the demo catalogue into the bench database' });
    await deleteAll(db);
    await loadDataset(db, createDemoSource({ seed: benchConfig().data.demoSeed }), { resume: false });
  }
  return { spec: 'demo', user: '1', userId: 'demo:u:1' };
}

/** The example calls of every tool (ids taken from the first recommendation). */
function examples(user: string, userId: string, top: { id: string; title: string }): Array<{ name: string; arguments: Json }> {
  const word = top.title.split(/[^\p{L}\p{N}]+/u).find((w) => w.length >= 4) ?? top.title;
  return [
    { name: 'recommend', arguments: { user, k: 5 } },
    { name: 'explain', arguments: { user, item: top.id } },
    { name: 'search', arguments: { q: word.toLowerCase(), limit: 5 } },
    { name: 'similar_items', arguments: { item: top.id, k: 5 } },
    { name: 'user_history', arguments: { user: userId, limit: 5 } },
    { name: 'graph_neighbours', arguments: { kind: 'item', id: top.id, direction: 'out', limit: 5 } },
  ];
}

function restPath(name: string, a: Json): string {
  const e = (v: unknown) => encodeURIComponent(String(v));
  const qs = (keys: string[]) => keys.filter((k) => a[k] !== undefined).map((k) => `${k}=${e(a[k])}`).join('&');
  switch (name) {
    case 'recommend':
      return `/v1/users/${e(a.user)}/recommendations?${qs(['k'])}`;
    case 'explain':
      return `/v1/users/${e(a.user)}/recommendations/${e(a.item)}/explanation`;
    case 'search':
      return `/v1/search?${qs(['q', 'limit'])}`;
    case 'similar_items':
      return `/v1/items/${e(a.item)}/similar?${qs(['k'])}`;
    case 'user_history':
      return `/v1/users/${e(a.user)}/history?${qs(['limit'])}`;
    default:
      return `/v1/nodes/${e(a.kind)}/${e(a.id)}/neighbours?${qs(['direction', 'limit'])}`;
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseFlags(argv, { data: { type: 'string' }, calls: { type: 'string' }, 'write-docs': { type: 'boolean' } });
  const data = values.data === 'ml100k' ? 'ml100k' : 'demo';
  const calls = Number(values.calls ?? 200);
  // Open for the whole run: the spawned server reuses this Neo4j (a local one started here stops at the end).
  const db = await openBenchDatabase();
  const prepared = await prepareData(db, data);
  if (!prepared) {
    await db.close();
    return;
  }
  const cfg = benchConfig();
  const date = new Date().toISOString().slice(0, 10);
  const loadBefore = Number(loadavg()[0]!.toFixed(1));

  // ---------------------------------------------------------------- 1. stdio, as an MCP client starts it
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NEO4J_') && !k.startsWith('GRAPHREC_')) env[k] = v;
  env.GRAPHREC_NEO4J_PORT = String(cfg.neo4j.localPort);
  env.GRAPHREC_NEO4J_DATA = cfg.neo4j.localDataDir;
  if (prepared.spec !== 'demo') env.GRAPHREC_DATA = prepared.spec;
  const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(ROOT, 'scripts', 'graphrec.js'), 'mcp'], env, cwd: ROOT, stderr: 'ignore' });
  const stdio = new Client({ name: 'graphrec-bench', version: '1.0.0' });
  const t0 = performance.now();
  await stdio.connect(transport);
  const { tools } = await stdio.listTools();
  const toolsListedMs = Math.round(performance.now() - t0);
  const first = await stdio.callTool({ name: 'recommend', arguments: { user: prepared.user, k: 5 } }, undefined, { timeout: 600_000, resetTimeoutOnProgress: true, onprogress: () => {} });
  const firstRecommendMs = Math.round(performance.now() - t0);
  if (first.isError) throw new Error(`recommend failed: ${(first.content as Text)[0]?.text}`);
  const items = (first.structuredContent as { items: Array<{ id: string; title: string }> }).items;
  emit({ stdio: { tools: tools.map((t) => t.name), toolsListedMs, firstRecommendMs, items: items.length } });
  const calls1 = examples(prepared.user, prepared.userId, items[0]!);
  const shown: Array<{ call: Json; text: string; structured: unknown; ms: number }> = [];
  for (const call of calls1) {
    const t = performance.now();
    const r = await stdio.callTool(call);
    const ms = Number((performance.now() - t).toFixed(1));
    if (r.isError) throw new Error(`${call.name} failed: ${(r.content as Text)[0]?.text}`);
    shown.push({ call, text: (r.content as Text)[0]!.text, structured: abridge(r.structuredContent), ms });
  }
  // A conversation: started with keywords, then one turn rejecting the first item shown.
  const word = (calls1.find((c) => c.name === 'search')!.arguments.q as string) ?? 'the';
  const startCall = { name: 'start_conversation', arguments: { user: prepared.user, k: 3, moves: [{ type: 'keywords', text: word }] } };
  const started = await stdio.callTool(startCall);
  if (started.isError) throw new Error(`start_conversation failed: ${(started.content as Text)[0]?.text}`);
  const conv = started.structuredContent as { conversation: string; answer: { items: Array<{ id: string }> } };
  shown.push({ call: startCall, text: (started.content as Text)[0]!.text, structured: abridge(started.structuredContent), ms: 0 });
  const turnCall = { name: 'converse', arguments: { conversation: conv.conversation, moves: [{ type: 'reject', items: [conv.answer.items[0]!.id] }] } };
  const turn = await stdio.callTool(turnCall);
  if (turn.isError) throw new Error(`converse failed: ${(turn.content as Text)[0]?.text}`);
  shown.push({ call: turnCall, text: (turn.content as Text)[0]!.text, structured: abridge(turn.structuredContent), ms: 0 });
  const bad = await stdio.callTool({ name: 'recommend', arguments: { user: 'nobody', k: 5 } });
  const badK = await stdio.callTool({ name: 'recommend', arguments: { user: prepared.user, k: 0 } });
  const errors = [bad, badK].map((r, i) => ({ call: i === 0 ? { name: 'recommend', arguments: { user: 'nobody', k: 5 } } : { name: 'recommend', arguments: { user: prepared.user, k: 0 } }, isError: r.isError === true, text: (r.content as Text)[0]!.text }));
  await stdio.close();

  // ---------------------------------------------------------------- 2. HTTP: MCP endpoint vs REST routes, one process
  const engine = await bootEngine(db, cfg, { llm: false });
  const store = new Neo4jGraphStore(db.driver, db.database, cfg.bounds);
  const extra = { store, cfg, engine: () => engine };
  const deps = { store, cfg, routes: [...recommendRoutes(extra), ...exploreRoutes(extra)] };
  const server = createApp({ ...deps, mount: (app) => mountMcp(app, deps) }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const http = new Client({ name: 'graphrec-bench', version: '1.0.0' });
  await http.connect(new StreamableHTTPClientTransport(new URL(`${base}/v1/mcp`)));
  const perTool: Record<string, { mcpP50Ms: number; mcpP99Ms: number; restP50Ms: number; restP99Ms: number; ratioP50: number }> = {};
  try {
    for (const call of calls1) {
      const url = base + restPath(call.name, call.arguments);
      const mcp: number[] = [];
      const rest: number[] = [];
      for (let i = 0; i < calls + 20; i++) {
        const a = performance.now();
        const r = await http.callTool(call);
        const b = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        const c = performance.now();
        if (r.isError || res.status !== 200) throw new Error(`${call.name}: ${r.isError ? (r.content as Text)[0]?.text : res.status}`);
        if (i >= 20) {
          mcp.push(b - a);
          rest.push(c - b);
        }
      }
      mcp.sort((x, y) => x - y);
      rest.sort((x, y) => x - y);
      const row = {
        mcpP50Ms: Number(percentile(mcp, 50).toFixed(2)),
        mcpP99Ms: Number(percentile(mcp, 99).toFixed(2)),
        restP50Ms: Number(percentile(rest, 50).toFixed(2)),
        restP99Ms: Number(percentile(rest, 99).toFixed(2)),
        ratioP50: Number((percentile(mcp, 50) / percentile(rest, 50)).toFixed(2)),
      };
      perTool[call.name] = row;
      emit({ http: call.name, ...row });
    }
  } finally {
    await http.close();
    server.close();
    await engine.close();
    await db.close();
  }
  const loadAfter = Number(loadavg()[0]!.toFixed(1));
  const result = { bench: 'mcp', date, data: data === 'ml100k' ? 'ML-100K + DBpedia' : 'demo catalogue (seed 42)', load: [loadBefore, loadAfter], stdio: { toolsListedMs, firstRecommendMs }, calls, perTool, errors };

  if (values['write-docs']) {
    const parts = [
      BEGIN,
      '',
      `Produced by \`npm run bench -- mcp${data === 'ml100k' ? ' --data ml100k' : ''} --write-docs\` on ${date}, ${result.data}, through \`graphrec mcp\` (stdio, the official SDK client), on a shared 2-core machine (load ${loadBefore}–${loadAfter}). Arrays are cut to two entries and long strings shortened; the text is what the tool returns in full.`,
      '',
    ];
    for (const s of shown) {
      parts.push(`#### \`${s.call.name as string}\``, '', '```json', JSON.stringify(s.call), '```', '', 'text:', '', '```text', s.text, '```', '', 'structured content (abridged):', '', '```json', formatResult(s.structured), '```', '');
    }
    parts.push('#### Errors', '', ...errors.flatMap((e) => ['```json', JSON.stringify(e.call), '```', '', `→ \`isError: ${e.isError}\`, text: \`${e.text}\``, '']));
    parts.push(END);
    const doc = readFileSync(DOCS, 'utf8');
    const at = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    if (at < 0 || end < 0) throw new Error(`docs/agents.md lacks the ${BEGIN} … ${END} markers`);
    writeFileSync(DOCS, doc.slice(0, at) + parts.join('\n') + doc.slice(end + END.length));
    emit({ wrote: path.relative(ROOT, DOCS) });
  }
  emit(result);
}
