/**
 * Test fixtures for retrieval and explanation: the demo catalogue projected into a CSR (node keys `<Kind>:<id>`, as
 * `project/load.ts` builds them), with an optional per-user hold-out of the latest ratings.
 */
import { generateDemoCatalogue, type DemoCatalogue, type DemoOptions } from '../../src/ingest/demo.ts';
import { compareCodePoints } from '../../src/store/guards.ts';
import { buildCsr, CsrBuilder, KIND_CODES, type Csr } from '../../src/project/csr.ts';

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
  const b = new CsrBuilder();
  const names = new Map<string, string>();
  for (const u of cat.users) b.node(`User:${u.id}`, KIND_CODES.User);
  for (const it of cat.items) {
    b.node(`Item:${it.id}`, KIND_CODES.Item);
    names.set(`Item:${it.id}`, it.title);
  }
  for (const e of cat.entities) {
    b.node(`Entity:${e.id}`, KIND_CODES.Entity);
    names.set(`Entity:${e.id}`, e.name);
  }
  for (const ks of cat.itemKnowledge) {
    for (const k of ks) {
      b.edge(b.node(`${k.head.kind}:${k.head.id}`, KIND_CODES[k.head.kind]), b.node(`${k.tail.kind}:${k.tail.id}`, KIND_CODES[k.tail.kind]), b.relationId(k.relation), 1);
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
        b.edge(b.node(`User:${userId}`, KIND_CODES.User), b.node(`Item:${r.itemId}`, KIND_CODES.Item), 0, r.weight);
      } else if ((r.rating ?? 0) >= likeAt) {
        const key = `User:${userId}`;
        if (!heldOut.has(key)) heldOut.set(key, []);
        heldOut.get(key)!.push(`Item:${r.itemId}`);
      }
    });
  }
  const csr = b.build();
  return { cat, csr, heldOut, labels: (key) => names.get(key), names };
}

/** The graph of `csr` as `buildCsr` takes it (every out edge once), so that it can be built again afresh. */
export function csrInput(csr: Csr): Parameters<typeof buildCsr>[0] {
  const src: number[] = [];
  const dst: number[] = [];
  const weight: number[] = [];
  const relation: number[] = [];
  for (let u = 0; u < csr.nodeCount; u++) {
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
      src.push(u);
      dst.push(csr.outTargets[e]!);
      weight.push(csr.outWeights[e]!);
      relation.push(csr.outRelations[e]!);
    }
  }
  return { ids: [...csr.ids], kinds: csr.kinds, relations: csr.relations, edges: { src: Uint32Array.from(src), dst: Uint32Array.from(dst), weight: Float32Array.from(weight), relation: Uint16Array.from(relation) } };
}

/** `csr` with its nodes in canonical order (by kind, then id), as a projection read from Neo4j numbers them. */
export function canonicalOf(csr: Csr): Csr {
  const order = Array.from({ length: csr.nodeCount }, (_, v) => v).sort((a, b) => csr.kinds[a]! - csr.kinds[b]! || compareCodePoints(csr.ids.at(a)!, csr.ids.at(b)!));
  const at = new Uint32Array(csr.nodeCount);
  order.forEach((v, j) => (at[v] = j));
  const { edges, relations } = csrInput(csr);
  return buildCsr({
    ids: order.map((v) => csr.ids.at(v)!),
    kinds: order.map((v) => csr.kinds[v]!),
    relations,
    edges: { ...edges, src: edges.src.map((v) => at[v]!), dst: edges.dst.map((v) => at[v]!) },
  });
}
