/**
 * @module explain/finetune/graphs
 * The graphs the explainer's training pairs come from, projected in memory exactly as serving projects them (node keys
 * `<Kind>:<id>` as `project/load.ts` builds them, display names as Neo4j holds them): the seeded demo catalogue that
 * `npm start` serves (always available), and ML-100K + DBpedia from ../shared/data when it is there.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildTrainCsr, readDbpediaItemEdges, readUData } from '../../../scripts/bench/_ml100k.ts';
import { generateDemoCatalogue } from '../../ingest/demo.ts';
import { dbpediaDisplayName } from '../../ingest/formats/dbpedia.ts';
import { CsrBuilder, KIND_CODES, type Csr } from '../../project/csr.ts';

export interface SourceGraph {
  /** Short name: `demo`, `ml100k`. */
  name: string;
  csr: Csr;
  /** Display name of an item or entity key. */
  labels: Map<string, string>;
}

/** The demo catalogue (`npm start`'s default data, seed 42) as its Neo4j projection. */
export function demoSourceGraph(seed?: number): SourceGraph {
  const cat = generateDemoCatalogue(seed === undefined ? {} : { seed });
  const b = new CsrBuilder();
  const labels = new Map<string, string>();
  for (const u of cat.users) b.node(`User:${u.id}`, KIND_CODES.User);
  for (const it of cat.items) {
    b.node(`Item:${it.id}`, KIND_CODES.Item);
    labels.set(`Item:${it.id}`, it.title);
  }
  for (const e of cat.entities) {
    b.node(`Entity:${e.id}`, KIND_CODES.Entity);
    labels.set(`Entity:${e.id}`, e.name);
  }
  for (const ks of cat.itemKnowledge) {
    for (const k of ks) b.edge(b.node(`${k.head.kind}:${k.head.id}`, KIND_CODES[k.head.kind]), b.node(`${k.tail.kind}:${k.tail.id}`, KIND_CODES[k.tail.kind]), b.relationId(k.relation), 1);
  }
  for (const r of cat.interactions) b.edge(b.node(`User:${r.userId}`, KIND_CODES.User), b.node(`Item:${r.itemId}`, KIND_CODES.Item), 0, r.weight);
  return { name: 'demo', csr: b.build(), labels };
}

/** ML-100K ratings + DBpedia item knowledge, or undefined when `dataDir` lacks them. */
export function ml100kSourceGraph(dataDir: string): SourceGraph | undefined {
  const uItem = path.join(dataDir, 'ml-100k', 'u.item');
  if (!existsSync(uItem) || !existsSync(path.join(dataDir, 'ml-100k-dbpedia', 'enriched.csv'))) return undefined;
  const labels = new Map<string, string>();
  for (const line of readFileSync(uItem, 'latin1').split('\n')) {
    const [id, title] = line.split('|');
    if (id && title) labels.set(`Item:ml100k:i:${id}`, title);
  }
  const csr = buildTrainCsr(readUData(dataDir), readDbpediaItemEdges(dataDir), [], [...labels.keys()].map((k) => k.slice('Item:ml100k:i:'.length)));
  for (const key of csr.ids) {
    if (key.startsWith('Entity:dbpedia:')) labels.set(key, dbpediaDisplayName(`http://dbpedia.org/resource/${key.slice('Entity:dbpedia:'.length)}`));
  }
  return { name: 'ml100k', csr, labels };
}
