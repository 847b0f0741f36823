/**
 * Test fixtures for retrieval and explanation: the demo catalogue projected into a CSR (node keys `<Kind>:<id>`, as
 * `project/load.ts` builds them), with an optional per-user hold-out of the latest ratings.
 */
import { generateDemoCatalogue, type DemoCatalogue, type DemoOptions } from '../../src/ingest/demo.ts';
import { buildCsr, INTERACTION_RELATION, KIND_CODES, type Csr } from '../../src/project/csr.ts';

export interface DemoGraph {
  cat: DemoCatalogue;
  csr: Csr;
  /** Held-out (user key → item keys rated ≥ `likeAt`) when a hold-out was asked for. */
  heldOut: Map<string, string[]>;
  labels: (key: string) => string | undefined;
  names: Map<string, string>;
}

/**
 * Projects a demo catalogue. `holdOut` = share of each user's ratings (their latest by time) kept out of the graph;
 * the held-out items rated ≥ `likeAt` are returned per user.
 */
export function demoGraph(options: Partial<DemoOptions> = {}, holdOut = 0, likeAt = 4): DemoGraph {
  const cat = generateDemoCatalogue(options);
  const ids: string[] = [];
  const kinds: number[] = [];
  const index = new Map<string, number>();
  const node = (key: string, kind: number): number => {
    let i = index.get(key);
    if (i === undefined) {
      index.set(key, (i = ids.length));
      ids.push(key);
      kinds.push(kind);
    }
    return i;
  };
  const names = new Map<string, string>();
  for (const u of cat.users) node(`User:${u.id}`, KIND_CODES.User);
  for (const it of cat.items) {
    node(`Item:${it.id}`, KIND_CODES.Item);
    names.set(`Item:${it.id}`, it.title);
  }
  for (const e of cat.entities) {
    node(`Entity:${e.id}`, KIND_CODES.Entity);
    names.set(`Entity:${e.id}`, e.name);
  }
  const relations = [INTERACTION_RELATION];
  const relId = (r: string): number => {
    let j = relations.indexOf(r);
    if (j < 0) j = relations.push(r) - 1;
    return j;
  };
  const src: number[] = [];
  const dst: number[] = [];
  const weight: number[] = [];
  const relation: number[] = [];
  for (const ks of cat.itemKnowledge) {
    for (const k of ks) {
      src.push(index.get(`${k.head.kind}:${k.head.id}`)!);
      dst.push(index.get(`${k.tail.kind}:${k.tail.id}`)!);
      weight.push(1);
      relation.push(relId(k.relation));
    }
  }
  const byUser = new Map<string, typeof cat.interactions>();
  for (const r of cat.interactions) {
    let list = byUser.get(r.userId);
    if (!list) byUser.set(r.userId, (list = []));
    list.push(r);
  }
  const heldOut = new Map<string, string[]>();
  for (const [userId, list] of byUser) {
    const cut = holdOut > 0 ? Math.max(1, Math.floor(list.length * (1 - holdOut))) : list.length;
    list.forEach((r, j) => {
      if (j < cut) {
        src.push(index.get(`User:${userId}`)!);
        dst.push(index.get(`Item:${r.itemId}`)!);
        weight.push(r.weight);
        relation.push(0);
      } else if ((r.rating ?? 0) >= likeAt) {
        const key = `User:${userId}`;
        if (!heldOut.has(key)) heldOut.set(key, []);
        heldOut.get(key)!.push(`Item:${r.itemId}`);
      }
    });
  }
  const csr = buildCsr({
    ids,
    kinds,
    relations,
    edges: { src: Uint32Array.from(src), dst: Uint32Array.from(dst), weight: Float32Array.from(weight), relation: Uint16Array.from(relation) },
  });
  return { cat, csr, heldOut, labels: (key) => names.get(key), names };
}
