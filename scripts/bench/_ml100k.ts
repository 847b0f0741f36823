/**
 * ML-100K + its DBpedia knowledge graph as a CSR built straight from ../shared/data (no Neo4j), for benchmarks that
 * measure compute alone. Node keys match `project/load.ts`: `User:ml100k:u:<id>`, `Item:ml100k:i:<id>`,
 * `Entity:dbpedia:<resource>`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import { CsrBuilder, INTERACTION_RELATION, KIND_CODES, type Csr } from '../../src/project/csr.ts';

export const DBPEDIA_RELATIONS = ['director', 'starring', 'writer', 'producer', 'distributor', 'cinematography', 'subject'] as const;

/** One rated interaction, ML-100K ids as in u.data (1-based strings or numbers). */
export interface RatedTriple {
  user: string | number;
  item: string | number;
  rating: number;
}

/** One DBpedia item→entity edge; `relation` is an index into {@link DBPEDIA_RELATIONS}. */
export interface KgEdge {
  item: string;
  entity: string;
  relation: number;
}

/** Item→entity edges of `ml-100k-dbpedia/enriched.csv` (seven relation columns, list cells split on `::`). */
export function readDbpediaItemEdges(dataDir = SHARED_DATA_DIR): KgEdge[] {
  const rows = parse(readFileSync(path.join(dataDir, 'ml-100k-dbpedia', 'enriched.csv'), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const resource = 'http://dbpedia.org/resource/';
  const out: KgEdge[] = [];
  for (const row of rows) {
    const item = row['item_id::string']!;
    DBPEDIA_RELATIONS.forEach((rel, r) => {
      for (const uri of (row[`${rel}::string_list`] ?? '').split('::')) {
        if (uri) out.push({ item, entity: uri.startsWith(resource) ? uri.slice(resource.length) : uri, relation: r });
      }
    });
  }
  return out;
}

/**
 * The CSR the served context is built on, from TRAIN triples only plus the knowledge edges: nodes `User:ml100k:u:<id>`,
 * `Item:ml100k:i:<id>` (every id in `allItems` first, so items without training interactions still exist),
 * `Entity:dbpedia:<name>`; relation 0 = INTERACTED with weight = rating, relation r+1 = DBPEDIA_RELATIONS[r], weight 1.
 */
export function buildTrainCsr(train: readonly RatedTriple[], kg: readonly KgEdge[], allUsers: readonly string[] = [], allItems: readonly string[] = []): Csr {
  const b = new CsrBuilder([INTERACTION_RELATION, ...DBPEDIA_RELATIONS]);
  for (const u of allUsers) b.node(`User:ml100k:u:${u}`, KIND_CODES.User);
  for (const i of allItems) b.node(`Item:ml100k:i:${i}`, KIND_CODES.Item);
  for (const t of train) b.edge(b.node(`User:ml100k:u:${t.user}`, KIND_CODES.User), b.node(`Item:ml100k:i:${t.item}`, KIND_CODES.Item), 0, t.rating);
  for (const e of kg) b.edge(b.node(`Item:ml100k:i:${e.item}`, KIND_CODES.Item), b.node(`Entity:dbpedia:${e.entity}`, KIND_CODES.Entity), e.relation + 1, 1);
  return b.build();
}


/** Every rating of `ml-100k/u.data`. */
export function readUData(dataDir = SHARED_DATA_DIR): RatedTriple[] {
  const out: RatedTriple[] = [];
  for (const line of readFileSync(path.join(dataDir, 'ml-100k', 'u.data'), 'utf8').split('\n')) {
    if (!line) continue;
    const [user, item, rating] = line.split('\t');
    out.push({ user: user!, item: item!, rating: Number(rating) });
  }
  return out;
}

/** The whole ML-100K + DBpedia graph: every rating (weight = rating) and every item→entity edge (weight 1). */
export function loadMl100kDbpedia(dataDir = SHARED_DATA_DIR): Csr {
  return buildTrainCsr(readUData(dataDir), readDbpediaItemEdges(dataDir));
}
