/**
 * Real explanation inputs without Neo4j, built straight from ../shared/data as the benchmarks build their graphs:
 *
 * - ML-100K + DBpedia: every rating (explicit, kind `rating`), DBpedia knowledge edges with display names, titles from
 *   u.item (told apart where ML-100K lists a film twice, explain/grounding `distinctLabels`);
 * - KGCN Last.FM: listening counts (implicit, kind `listen`, as ingest/formats/kgcn loads them), the KG over
 *   `entity <id>` nodes, items titled `Last.fm artist <id>` as the ingest names them.
 *
 * `pairsOf` gives the top-k recommendations (PPR; no embeddings) of the first users, each with its evidence, for the
 * template test (test/integration/explain/template.test.ts) and `npm run bench -- explain`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildTrainCsr, readDbpediaItemEdges, readUData } from '../../scripts/bench/_ml100k.ts';
import { buildEvidence, type Evidence, type EvidenceContext } from '../../src/explain/evidence.ts';
import { buildNameIndex, distinctLabels, type NameIndex } from '../../src/explain/grounding.ts';
import { dbpediaDisplayName } from '../../src/ingest/formats/dbpedia.ts';
import { CsrBuilder, INTERACTION_RELATION, KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { createRecommendContext, type RecommendContext } from '../../src/retrieve/context.ts';
import { recommend } from '../../src/retrieve/recommend.ts';

export interface RealDataset {
  name: string;
  csr: Csr;
  labels: Map<string, string>;
  names: NameIndex;
  context: RecommendContext;
  interactions: { kind: string; rated: boolean };
  /** User ids (graph ids, no `User:` prefix) in id order. */
  users: string[];
}

export interface RealPair {
  user: string;
  item: string;
  evidence: Evidence;
}

export const ML100K_DIRS = ['ml-100k', 'ml-100k-dbpedia'] as const;
export const KGCN_DIR = 'kgcn-lastfm';

export function hasData(dataDir: string, dirs: readonly string[]): boolean {
  return dirs.every((d) => existsSync(path.join(dataDir, d)));
}

function finish(name: string, csr: Csr, raw: Map<string, string>, interactions: RealDataset['interactions'], prefix: string): RealDataset {
  const labels = distinctLabels(raw);
  const names = buildNameIndex([...labels].map(([key, n]) => ({ key, name: n })));
  const context = createRecommendContext(csr, { labels: (key) => labels.get(key), options: { rated: interactions.rated } });
  const users = [...csr.ids]
    .filter((k) => k.startsWith(`User:${prefix}`))
    .map((k) => k.slice('User:'.length))
    .sort((a, b) => Number(a.slice(a.lastIndexOf(':') + 1)) - Number(b.slice(b.lastIndexOf(':') + 1)));
  return { name, csr, labels, names, context, interactions, users };
}

/** ML-100K (all ratings) + DBpedia. */
export function loadMl100k(dataDir: string): RealDataset {
  const titles = new Map<string, string>();
  for (const line of readFileSync(path.join(dataDir, 'ml-100k', 'u.item'), 'latin1').split('\n')) {
    const [id, title] = line.split('|');
    if (id && title) titles.set(`Item:ml100k:i:${id}`, title);
  }
  const csr = buildTrainCsr(readUData(dataDir), readDbpediaItemEdges(dataDir), [], [...titles.keys()].map((k) => k.slice('Item:ml100k:i:'.length)));
  const raw = new Map(titles);
  for (const key of csr.ids) {
    if (key.startsWith('Entity:dbpedia:')) raw.set(key, dbpediaDisplayName(`http://dbpedia.org/resource/${key.slice('Entity:dbpedia:'.length)}`));
  }
  return finish('ml-100k + dbpedia', csr, raw, { kind: 'rating', rated: true }, 'ml100k:u:');
}

/** KGCN Last.FM: listens (weight = count) of mapped artists, and the KG (artists as items, other ids as entities). */
export function loadKgcnLastfm(dataDir: string): RealDataset {
  const dir = path.join(dataDir, KGCN_DIR);
  const lines = (file: string): string[][] => readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t').map((c) => c.trim()));
  const entityToArtist = new Map<string, string>();
  const raw = new Map<string, string>();
  const b = new CsrBuilder([INTERACTION_RELATION]);
  for (const [artist, entity] of lines('item_index2entity_id.txt')) {
    entityToArtist.set(entity!, artist!);
    raw.set(`Item:kgcn:i:${artist}`, `Last.fm artist ${artist}`);
    b.node(`Item:kgcn:i:${artist}`, KIND_CODES.Item);
  }
  const artists = new Set(entityToArtist.values());
  for (const [user, artist, weight] of lines('user_artists.dat').slice(1)) {
    if (!artists.has(artist!)) continue;
    b.edge(b.node(`User:kgcn:u:${user}`, KIND_CODES.User), b.node(`Item:kgcn:i:${artist}`, KIND_CODES.Item), 0, Number(weight));
  }
  const ref = (e: string): number => {
    const artist = entityToArtist.get(e);
    if (artist !== undefined) return b.node(`Item:kgcn:i:${artist}`, KIND_CODES.Item);
    raw.set(`Entity:kgcn:e:${e}`, `entity ${e}`);
    return b.node(`Entity:kgcn:e:${e}`, KIND_CODES.Entity);
  };
  for (const [h, r, t] of lines('kg.txt')) {
    b.edge(ref(h!), ref(t!), b.relationId(r!), 1);
  }
  return finish('kgcn last.fm', b.build(), raw, { kind: 'listen', rated: false }, 'kgcn:u:');
}

/** The evidence context of a dataset (with its interaction kind, as the engine sets it). */
export function evidenceContext(ds: RealDataset): EvidenceContext {
  return { csr: ds.csr, transition: ds.context.transition, labels: (key) => ds.labels.get(key), interactions: ds.interactions };
}

/** Top-k PPR recommendations of the first `users` users (in id order), each with its evidence. */
export function pairsOf(ds: RealDataset, users: number, k: number): RealPair[] {
  const ctx = evidenceContext(ds);
  const out: RealPair[] = [];
  for (const user of ds.users.slice(0, users)) {
    for (const item of recommend(ds.context, { user, k, strategy: 'ppr' }).items) {
      out.push({ user, item: item.id, evidence: buildEvidence(ctx, { user, item: item.id }) });
    }
  }
  return out;
}
