/**
 * `graphrec serve` never blocks serving on training (issue 12 item 4): on a database whose interactions have no
 * stored embedding artifact (a generated graph with a fresh seed), readiness turns 200 as soon as the projection is in
 * memory, with `ppr`, `popular` and `hybrid` live and `embedding` pending while LightGCN trains in a worker thread;
 * recommendations answer meanwhile (hybrid without the embedding part); when the training ends the vectors are swapped
 * in and readiness lists `embedding` live. It serves with one copy of the engine ranking in a worker thread
 * (`GRAPHREC_RANK_THREADS=1`, engine/replicas): the copy gets the vectors too, and ranks with them. The vectors are
 * then written to Neo4j, and that write leaves the snapshot serve wrote current for the next boot. Runs
 * `graphrec serve` as a real process on the fault port and a fresh data folder (fault-neo4j.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../src/core/paths.ts';
import { generateDataset } from '../../../src/ingest/generate.ts';
import { projectDatabase } from '../../../src/project/load.ts';
import { childEnv, FAULT_DATA, FAULT_PORT, killChild, openFaultDatabase, sleep, spawnCli, waitPortClosed, wipeDataDir, type CliRun } from '../faults/fault-neo4j.ts';

const DATA = `${FAULT_DATA}-bgtrain`;
const dir = mkdtempSync(path.join(tmpdir(), 'graphrec-bgtrain-'));
let serve: CliRun | undefined;
let artifact: string | undefined;

afterAll(async () => {
  await killChild(serve);
  await waitPortClosed(FAULT_PORT, 60_000).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  // The artifact this run trained (named by the readiness detail) is removed: nothing of the test stays behind.
  if (artifact && path.resolve(artifact).startsWith(path.join(ROOT, 'embeddings') + path.sep)) rmSync(artifact, { recursive: true, force: true });
}, 90_000);

interface Ready {
  status?: string;
  checks?: {
    app?: {
      ok: boolean;
      detail?: {
        stage: string;
        strategies: { live: string[]; pending: string[]; hybridParts: string[] };
        embeddings: { state: string; artifact?: string; neo4j?: unknown };
        ranking?: { threads: number; ready: number; dropped: number; byReplica: number; local: number };
      };
    };
  };
}

describe('serve: recommendations while the embeddings train (issue 12.4)', () => {
  it('is ready with PPR / popular / hybrid before the vectors exist, then swaps them in', async () => {
    wipeDataDir(DATA);
    // A seed no earlier run used: no stored artifact matches these interactions, so the engine must train.
    generateDataset({ out: dir, users: 300, items: 150, interactions: 6000, seed: 1 + (Date.now() % 1_000_000_007) });
    serve = spawnCli(['serve', '--port', '0', '--data', `generic:${dir}`], childEnv({
      GRAPHREC_NEO4J_PORT: String(FAULT_PORT),
      GRAPHREC_NEO4J_DATA: DATA,
      GRAPHREC_NEO4J_HEAP_MB: '768',
      GRAPHREC_NEO4J_PAGECACHE_MB: '64',
      GRAPHREC_EXPLAIN_LLM: 'never',
      GRAPHREC_TRAIN_EPOCHS: '40',
      GRAPHREC_RANK_THREADS: '1',
    }), 600_000);
    const end = Date.now() + 480_000;
    let url: string | undefined;
    while (!url) {
      if (Date.now() > end || serve.child.exitCode !== null) throw new Error(`serve not ready: ${serve.stderr().slice(-2000)}`);
      const line = serve.stdout().split('\n').find((l) => l.startsWith('{"ready":true'));
      if (line) url = (JSON.parse(line) as { url: string }).url;
      else await sleep(100);
    }
    // At once: ready, served without vectors, embedding pending.
    const first = (await (await fetch(`${url}/v1/health/ready`)).json()) as Ready;
    expect(first.status).toBe('ready');
    const detail = first.checks!.app!.detail!;
    expect(detail.embeddings.state).toBe('training in the background');
    expect(detail.strategies.live).toEqual(['hybrid', 'ppr', 'popular']);
    expect(detail.strategies.pending).toEqual(['embedding']);
    expect(detail.strategies.hybridParts).not.toContain('embedding');
    expect(detail.ranking).toMatchObject({ threads: 1, dropped: 0 });
    const recs = await fetch(`${url}/v1/users/u1/recommendations?k=5`);
    expect(recs.status).toBe(200);
    const body = (await recs.json()) as { items: Array<{ sources: Record<string, number> }> };
    expect(body.items).toHaveLength(5);
    expect(body.items.every((i) => i.sources.embedding === undefined)).toBe(true);

    // Later: the vectors are in, every strategy is live, and hybrid uses the embedding part.
    let after: Ready['checks'] | undefined;
    while (Date.now() < end) {
      after = ((await (await fetch(`${url}/v1/health/ready`)).json()) as Ready).checks;
      if (after?.app?.detail?.embeddings.state !== 'training in the background') break;
      await sleep(500);
    }
    const done = after!.app!.detail!;
    artifact = done.embeddings.artifact;
    expect(done.embeddings.state).toBe('loaded');
    expect(done.strategies.live).toEqual(['hybrid', 'ppr', 'embedding', 'popular']);
    expect(done.strategies.pending).toEqual([]);
    const withVectors = (await (await fetch(`${url}/v1/users/u1/recommendations?k=5`)).json()) as { items: Array<{ sources: Record<string, number> }> };
    expect(withVectors.items.some((i) => i.sources.embedding !== undefined)).toBe(true);
    const embedding = await fetch(`${url}/v1/users/u1/recommendations?k=5&strategy=embedding`);
    expect(((await embedding.json()) as { fallbackUsed: boolean }).fallbackUsed).toBe(false);

    // The copy ranks too, with the vectors: concurrent requests until it has answered some (it answers only once it
    // holds them), every answer from the embedding itself.
    const byCopy = () => fetch(`${url}/v1/health/ready`).then(async (r) => ((await r.json()) as Ready).checks!.app!.detail!.ranking!);
    const before = await byCopy();
    let ranking = before;
    for (let round = 0; round < 50 && ranking.byReplica === before.byReplica; round++) {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, j) => fetch(`${url}/v1/users/u${j + 1}/recommendations?k=5&strategy=embedding`).then((r) => r.json() as Promise<{ fallbackUsed: boolean }>)));
      expect(answers.every((a) => a.fallbackUsed === false)).toBe(true);
      ranking = await byCopy();
    }
    expect(ranking.byReplica).toBeGreaterThan(before.byReplica);
    expect(ranking).toMatchObject({ threads: 1, ready: 1, dropped: 0 });

    // After the swap the vectors are written to Neo4j (their properties and vector indexes). That write leaves the
    // serving version (graph/src/main/java/graphrec/ServingVersion.java), so the next boot's projection of this
    // database reuses the snapshot serve wrote, without the fingerprint scan.
    let written: unknown;
    while (Date.now() < end) {
      written = ((await (await fetch(`${url}/v1/health/ready`)).json()) as Ready).checks?.app?.detail?.embeddings.neo4j;
      if (written !== 'writing') break;
      await sleep(500);
    }
    expect(written).toBe('written');
    const db = await openFaultDatabase({ schema: false });
    try {
      const next = await projectDatabase(db);
      expect([next.fromSnapshot, next.currency]).toEqual([true, 'version']);
    } finally {
      await db.close();
    }
  }, 600_000);
});
