/**
 * Bring your own graph on Neo4j's movie-recommendations model (issue 14): ML-100K + DBpedia ingested into graphrec's
 * own model and pruned to what the movie model holds (ratings, actors, directors, genres: part 0 of
 * examples/graph-mapping/movies-from-graphrec.cypher), evaluated there; then turned into
 * `(:User {userId})-[:RATED {rating, timestamp}]->(:Movie {movieId})`, `(:Person:Actor)-[:ACTED_IN]->(:Movie)`,
 * `(:Person:Director)-[:DIRECTED]->(:Movie)`, `(:Movie)-[:IN_GENRE]->(:Genre)` (part 1) and evaluated again through
 * examples/graph-mapping/movies.mapping.json. The served evaluation (`graphrec evaluate --dataset neo4j`, PPR and
 * popularity, Recall/NDCG@10, same split and seed) must give the same numbers on both, and the explanation text uses
 * the mapping's relation names. Needs ../shared/data/ml-100k and ml-100k-dbpedia; skipped (with a message) without.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../src/core/paths.ts';
import { loadDataset } from '../../../src/ingest/load.ts';
import { resolveDataset } from '../../../src/ingest/resolve.ts';
import type { Database } from '../../../src/store/driver.ts';
import { openTestDatabase, sharedDataset } from '../helpers.ts';
import { inventory, runCypherScript, wipe } from './graph-script.ts';

const exec = promisify(execFile);
const ml = sharedDataset('ml-100k');
const dbpedia = sharedDataset('ml-100k-dbpedia');
const SCRIPT = path.join(ROOT, 'examples/graph-mapping/movies-from-graphrec.cypher');
const MAPPING = path.join(ROOT, 'examples/graph-mapping/movies.mapping.json');

async function graphrec(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await exec(process.execPath, [path.join(ROOT, 'scripts', 'graphrec.js'), ...args, '--quiet'], {
    env: { ...process.env, NEO4J_URI: process.env.GRAPHREC_TEST_NEO4J_URI!, GRAPHREC_TRAIN_EPOCHS: '2', GRAPHREC_TRAIN_MAX_SECONDS: '20', GRAPHREC_EXPLAIN_LLM: 'never', ...env },
    maxBuffer: 64 << 20,
  });
  return stdout;
}

type EvalRow = { model: string; test: Record<string, number>; dataset: { nUsers: number; nItems: number; nTrain: number } };
type Recs = { items: Array<{ id: string }> };
const RECOMMEND = ['recommend', '--user', 'ml100k:u:1', '--k', '10', '--strategy', 'ppr'];
const EVALUATE = ['evaluate', '--dataset', 'neo4j', '--split', 'random:0.8,0.2', '--model', 'ppr,popular', '--k', '10', '--metrics', 'recall,ndcg', '--seed', '14'];

let db: Database | undefined;
afterAll(async () => {
  if (db) await wipe(db).catch(() => {});
  await db?.close();
}, 120_000);

describe.skipIf(!ml || !dbpedia)('the Neo4j movie-recommendations model through a graph mapping (ML-100K + DBpedia)', () => {
  it('gives the served evaluation of graphrec own model on the same data, and explains with the mapped relations', async () => {
    db = await openTestDatabase();
    await wipe(db);
    const report = await loadDataset(db, resolveDataset(`movielens-dbpedia:${ml},${dbpedia}`), { resume: false });
    expect(report.written.interactions).toBe(100_000);
    await runCypherScript(db, SCRIPT, { part: 0 });
    const own = JSON.parse(await graphrec(EVALUATE)) as EvalRow[];
    const ownRecs = JSON.parse(await graphrec(RECOMMEND)) as Recs;

    await runCypherScript(db, SCRIPT, { part: 1 });
    const after = await inventory(db);
    expect(after.labels.some((l) => /\b(Item|Entity)\b/.test(l))).toBe(false);
    expect(after.labels).toEqual(expect.arrayContaining(['Genre', 'Movie', 'User']));
    const mapped = JSON.parse(await graphrec(EVALUATE, { GRAPHREC_GRAPH_MAPPING: MAPPING })) as EvalRow[];

    console.info(JSON.stringify({ movieModel: mapped.map((r) => ({ model: r.model, ...r.test })), ownModel: own.map((r) => ({ model: r.model, ...r.test })) }));
    expect(mapped.map((r) => r.model)).toEqual(['ppr', 'popular']);
    for (let m = 0; m < own.length; m++) {
      expect(mapped[m]!.dataset).toMatchObject({ nUsers: 943, nItems: own[m]!.dataset.nItems, nTrain: own[m]!.dataset.nTrain });
      expect(mapped[m]!.test).toEqual(own[m]!.test);
      expect(mapped[m]!.test['recall@10']).toBeGreaterThan(0);
    }

    // The same recommendations, explained with the mapping's relation names (starring → "stars", director →
    // "directed by", genre → "belongs to the genre").
    const mappedRecs = JSON.parse(await graphrec(RECOMMEND, { GRAPHREC_GRAPH_MAPPING: MAPPING })) as Recs;
    expect(mappedRecs.items.map((i) => i.id)).toEqual(ownRecs.items.map((i) => i.id));
    expect(mappedRecs.items).toHaveLength(10);
    const explained = JSON.parse(await graphrec(['explain', '--user', 'ml100k:u:1', '--item', mappedRecs.items[0]!.id, '--no-llm', '--style', 'full'], { GRAPHREC_GRAPH_MAPPING: MAPPING })) as unknown;
    expect(JSON.stringify(explained)).toMatch(/\bstars?\b|directed by|belongs to the genre|both belong/);
  }, 1_800_000);
});
