/**
 * `graphrec explain --user U --item I --check "TEXT" --format json` against a real Neo4j, run as outside checks run
 * it (a child process, stdout parsed): the deterministic text of the pair is served, false or unsupported texts are
 * rejected with a reason, and the exit code is 0 either way. The graph is the small seeded demo catalogue.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../src/core/paths.ts';
import { createDemoSource } from '../../../src/ingest/demo.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import { deleteAll } from '../../../src/store/schema.ts';
import { openTestDatabase } from '../helpers.ts';

const exec = promisify(execFile);

async function graphrec(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI!, GRAPHREC_TRAIN_EPOCHS: '5' };
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(ROOT, 'scripts', 'graphrec.js'), ...args, '--quiet'], { env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface CheckResult {
  verdict: 'served' | 'rejected';
  reason: string;
  clauses: Array<{ text: string; verdict: string }>;
}

describe('graphrec explain --check (real Neo4j)', () => {
  let item = '';
  let template = '';
  let itemLabel = '';
  let others: string[] = [];
  beforeAll(async () => {
    const db = await openTestDatabase();
    try {
      await deleteAll(db);
      await loadDataset(db, createDemoSource({ seed: 7, users: 40, items: 60, directors: 10, actors: 20, studios: 4, meanRatingsPerUser: 15, minRatingsPerUser: 5, maxRatingsPerUser: 40 }), { resume: false });
    } finally {
      await db.close();
    }
    const rec = await graphrec(['recommend', '--user', '1', '--k', '1', '--format', 'csv']);
    item = rec.stdout.trimEnd().split('\n')[1]!.split(',')[2]!;
    const explained = JSON.parse((await graphrec(['explain', '--user', '1', '--item', item, '--no-llm'])).stdout) as {
      explanation: { text: string };
      evidence: { item: { label: string }; subgraph: { nodes: Array<{ kind: string; label: string; key: string }> } };
    };
    template = explained.explanation.text;
    itemLabel = explained.evidence.item.label;
    const inEvidence = new Set(explained.evidence.subgraph.nodes.map((n) => n.label));
    const catalogue = JSON.parse((await graphrec(['recommend', '--user', '2', '--k', '20'])).stdout) as { items: Array<{ title?: string }> };
    others = catalogue.items.map((i) => i.title ?? '').filter((t) => t && !inEvidence.has(t));
  });

  async function check(text: string): Promise<CheckResult> {
    const r = await graphrec(['explain', '--user', '1', '--item', item, '--check', text, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as CheckResult;
  }

  it('serves the deterministic text of the pair, clause by clause', async () => {
    const r = await check(template);
    expect(r).toMatchObject({ verdict: 'served', reason: 'every clause verified' });
    expect(r.clauses.length).toBeGreaterThan(0);
  });

  it('rejects added content, a false own claim and a disguised title outside the evidence, exit 0', async () => {
    const banned = await check(`${template} This film was banned in Norway.`);
    expect(banned.verdict).toBe('rejected');
    expect(banned.reason).toMatch(/^unsupported: says "this banned in norway"/);
    expect((await check(`You rated *${itemLabel}* 5★.`)).verdict).toBe('rejected');
    expect(others.length).toBeGreaterThan(0);
    const disguised = others[0]!.replace(/o/, 'о').replace(/a/, 'а');
    const r = await check(`Like *${disguised}*, ${template}`);
    expect(r).toMatchObject({ verdict: 'rejected' });
    expect(r.reason).toMatch(/^false claim: names .* outside the evidence$/);
  });
});
