/**
 * @module explain/evidence
 * Assembles the evidence for one recommendation (G-Refer's two retrievals): path-level — the best few typed paths
 * from the user (or the cold-start seeds) to the item, see `paths.ts` — and node-level:
 *
 * - similar items: among the items the user interacted with (or picked as seeds), those most similar to the
 *   recommended one: score = co-rating cosine |U_a ∩ U_b| / √(|U_a|·|U_b|) + shared-entity cosine (same formula
 *   over knowledge neighbours), with the raw `sharedUsers` / `sharedEntities` counts kept for the text;
 * - similar users: users who liked the item (rating ≥ `likeAt` when rated, any interaction otherwise) ranked by
 *   how much their history overlaps the user's, |I_u ∩ I_v| / √(|I_u|·|I_v|).
 *
 * plus the evidence subgraph (every node and edge above, edges as stored) for the explorer page. Display names come
 * from `labels(key)` — titles and names live in Neo4j, the projection only knows keys — with a fallback derived
 * from the key. Cost: the path search plus Σ |I_v| over the item's raters and Σ deg(E) over its entities
 * (≈ 10⁵ array reads for a popular ML-100K film); scratch per projection is cached and reused.
 *
 * @example
 * const ev = buildEvidence({ csr, transition, labels }, { user: 'ml100k:u:1', item: 'ml100k:i:50' });
 * ev.paths[0].nodes.map((n) => n.label); // ['user 1', 'Alien (1979)', 'Ridley Scott', 'Blade Runner (1982)']
 */
import { AppError } from '../core/errors.ts';
import type { NodeKind, NodeRef } from '../core/model.ts';
import type { Transition } from '../compute/ppr/transition.ts';
import { findEdge, INTERACTION_RELATION_ID, KIND_CODES, kindName, lookupNode, type Csr } from '../project/csr.ts';
import { TopKHeap } from '../retrieve/top-k.ts';
import { createPathFinder, type GraphPath, type PathFinder, type PathOptions } from './paths.ts';

// Imported constants copied into module scope: hot loops then read a local binding, not an import accessor.
const REL_INTERACTION = INTERACTION_RELATION_ID;
const KIND_ITEM: number = KIND_CODES.Item;
const KIND_USER: number = KIND_CODES.User;
export interface EvidenceContext {
  csr: Csr;
  /** The PPR walk (relation weights) the paths are scored with. */
  transition: Transition;
  /** Display name of a node key; undefined/empty falls back to a name derived from the key. */
  labels?: ((key: string) => string | undefined) | undefined;
}

export interface EvidenceOptions {
  /** Similar items returned. [3] */
  similarItems: number;
  /** Similar users returned. [3] */
  similarUsers: number;
  /** A rating at or above this is "liked" (when `rated`). [4] */
  likeAt: number;
  /** Interaction weights are ratings. [true] */
  rated: boolean;
  /** Path search settings (see explain/paths). [{}] */
  paths: Partial<PathOptions>;
}

export const EVIDENCE_DEFAULTS: EvidenceOptions = { similarItems: 3, similarUsers: 3, likeAt: 4, rated: true, paths: {} };

export interface EvidenceNode {
  key: string;
  kind: NodeKind;
  label: string;
}

export interface EvidenceEdge {
  /** Node keys, in the stored direction. */
  from: string;
  to: string;
  relation: string;
  /** Edge weight (the rating for rated interactions). */
  weight: number;
}

export interface EvidencePath {
  nodes: EvidenceNode[];
  edges: EvidenceEdge[];
  score: number;
}

export interface SimilarItem extends EvidenceNode {
  score: number;
  /** Users who interacted with both items. */
  sharedUsers: number;
  /** Knowledge entities both items link to. */
  sharedEntities: number;
  /** The user's rating/weight of this item, when the source is a user. */
  weight?: number;
}

export interface SimilarUser extends EvidenceNode {
  score: number;
  /** Items both users interacted with. */
  sharedItems: number;
  /** Their rating/weight of the recommended item. */
  weight: number;
}

export interface Evidence {
  /** The user, or null for a cold-start request. */
  user: EvidenceNode | null;
  /** Cold-start seeds (empty for a user). */
  seeds: EvidenceNode[];
  item: EvidenceNode;
  paths: EvidencePath[];
  similarItems: SimilarItem[];
  similarUsers: SimilarUser[];
  subgraph: { nodes: EvidenceNode[]; edges: EvidenceEdge[] };
}

export interface EvidenceRequest {
  /** Graph id or node key of the user. */
  user?: string;
  /** Cold-start seeds, when there is no user. */
  seeds?: NodeRef[];
  /** Graph id or node key of the recommended item. */
  item: string;
}

/** A readable name from a node key when no label is known: kind prefix dropped, underscores to spaces. */
export function fallbackLabel(key: string): string {
  const colon = key.indexOf(':');
  const rest = colon >= 0 && ['User', 'Item', 'Entity'].includes(key.slice(0, colon)) ? key.slice(colon + 1) : key;
  return rest.replace(/_/g, ' ');
}

interface Scratch {
  /** Interaction edges per node (computed once per projection). */
  interactions: Uint32Array;
  count: Float64Array;
  entCount: Float64Array;
  profile: Uint8Array;
  finders: WeakMap<Transition, PathFinder>;
}
const scratchByCsr = new WeakMap<Csr, Scratch>();

function scratchOf(csr: Csr): Scratch {
  let s = scratchByCsr.get(csr);
  if (!s) scratchByCsr.set(csr, (s = { interactions: interactionDegrees(csr), count: new Float64Array(csr.nodeCount), entCount: new Float64Array(csr.nodeCount), profile: new Uint8Array(csr.nodeCount), finders: new WeakMap() }));
  return s;
}

function resolve(csr: Csr, id: string, kind: NodeKind): number {
  let v = lookupNode(csr, { kind, id });
  if (v < 0) {
    const direct = csr.index.get(id);
    if (direct !== undefined && csr.kinds[direct] === KIND_CODES[kind]) v = direct;
  }
  if (v < 0) throw new AppError('NOT_FOUND', `explain: unknown ${kind} ${JSON.stringify(id)}`);
  return v;
}

/** Interaction edges (in + out) of every node. O(m). */
function interactionDegrees(csr: Csr): Uint32Array {
  const deg = new Uint32Array(csr.nodeCount);
  for (let v = 0; v < csr.nodeCount; v++) {
    let c = 0;
    for (let e = csr.outStarts[v]!; e < csr.outStarts[v + 1]!; e++) if (csr.outRelations[e] === REL_INTERACTION) c++;
    for (let e = csr.inStarts[v]!; e < csr.inStarts[v + 1]!; e++) if (csr.inRelations[e] === REL_INTERACTION) c++;
    deg[v] = c;
  }
  return deg;
}

/** Knowledge (non-interaction) neighbours of a node, both directions. */
function forEachKnowledge(csr: Csr, v: number, f: (w: number) => void): void {
  for (let e = csr.outStarts[v]!; e < csr.outStarts[v + 1]!; e++) if (csr.outRelations[e] !== REL_INTERACTION) f(csr.outTargets[e]!);
  for (let e = csr.inStarts[v]!; e < csr.inStarts[v + 1]!; e++) if (csr.inRelations[e] !== REL_INTERACTION) f(csr.inSources[e]!);
}

/** Builds the evidence of one recommendation. `NOT_FOUND` for an unknown user, seed or item. */
export function buildEvidence(ctx: EvidenceContext, request: EvidenceRequest, options: Partial<EvidenceOptions> = {}): Evidence {
  const o = { ...EVIDENCE_DEFAULTS, ...options } satisfies EvidenceOptions;
  if (!Number.isInteger(o.similarItems) || o.similarItems < 0 || !Number.isInteger(o.similarUsers) || o.similarUsers < 0) {
    throw new AppError('BAD_REQUEST', 'explain: similarItems and similarUsers must be integers ≥ 0');
  }
  if (!Number.isFinite(o.likeAt)) throw new AppError('BAD_REQUEST', 'explain: likeAt must be finite');
  const { csr, transition } = ctx;
  if (!request || typeof request.item !== 'string') throw new AppError('BAD_REQUEST', 'explain: the request needs an item id');
  const seedsIn = request.seeds ?? [];
  if (request.user === undefined && seedsIn.length === 0) throw new AppError('BAD_REQUEST', 'explain: give a user or cold-start seeds');
  const item = resolve(csr, request.item, 'Item');
  const user = request.user !== undefined ? resolve(csr, request.user, 'User') : -1;
  const seeds = user >= 0 ? [] : seedsIn.map((s) => resolve(csr, s.id, s.kind));
  const scratch = scratchOf(csr);
  let finder = scratch.finders.get(transition);
  if (!finder) scratch.finders.set(transition, (finder = createPathFinder(csr, transition)));

  const labelCache = new Map<number, EvidenceNode>();
  const nodeOf = (v: number): EvidenceNode => {
    let n = labelCache.get(v);
    if (!n) {
      const key = csr.ids[v]!;
      const label = ctx.labels?.(key);
      labelCache.set(v, (n = { key, kind: kindName(csr.kinds[v]!), label: label ? label : fallbackLabel(key) }));
    }
    return n;
  };
  const edgeOf = (e: { from: number; to: number; relation: number; weight: number }): EvidenceEdge => ({
    from: csr.ids[e.from]!,
    to: csr.ids[e.to]!,
    relation: csr.relations[e.relation]!,
    weight: e.weight,
  });

  // Paths: from the user, or from each seed (best non-redundant overall).
  let raw: GraphPath[];
  if (user >= 0) raw = finder.find(user, item, o.paths);
  else {
    const all = seeds.flatMap((s) => finder!.find(s, item, o.paths));
    all.sort((a, b) => b.score - a.score);
    const maxPaths = o.paths.maxPaths ?? 3;
    raw = [];
    const used = new Set<number>();
    for (const p of all) {
      if (raw.length >= maxPaths) break;
      const inner = p.nodes.slice(1, -1);
      if (inner.some((x) => used.has(x))) continue;
      inner.forEach((x) => used.add(x));
      raw.push(p);
    }
  }
  const paths: EvidencePath[] = raw.map((p) => ({ nodes: p.nodes.map(nodeOf), edges: p.edges.map(edgeOf), score: p.score }));

  // Profile: the user's items, or the seed items (and the items of seed entities).
  const { count, entCount, profile, interactions } = scratch;
  const profileList: number[] = [];
  const addProfile = (v: number): void => {
    if (csr.kinds[v] === KIND_ITEM && v !== item && !profile[v]) {
      profile[v] = 1;
      profileList.push(v);
    }
  };
  if (user >= 0) {
    for (let e = csr.outStarts[user]!; e < csr.outStarts[user + 1]!; e++) if (csr.outRelations[e] === REL_INTERACTION) addProfile(csr.outTargets[e]!);
  } else {
    for (const s of seeds) {
      if (csr.kinds[s] === KIND_ITEM) addProfile(s);
    }
  }

  const touched: number[] = [];
  try {
    // Similar items: co-raters and shared entities with the recommended item, counted over the profile.
    const bump = (v: number, entity: boolean): void => {
      if (!profile[v]) return;
      if (count[v] === 0 && entCount[v] === 0) touched.push(v);
      if (entity) entCount[v]!++;
      else count[v]!++;
    };
    const itemRaters: number[] = [];
    for (let e = csr.inStarts[item]!; e < csr.inStarts[item + 1]!; e++) {
      if (csr.inRelations[e] !== REL_INTERACTION) continue;
      const v = csr.inSources[e]!;
      if (v === user) continue;
      itemRaters.push(e);
      for (let q = csr.outStarts[v]!; q < csr.outStarts[v + 1]!; q++) if (csr.outRelations[q] === REL_INTERACTION) bump(csr.outTargets[q]!, false);
    }
    let itemEntities = 0;
    forEachKnowledge(csr, item, (ent) => {
      itemEntities++;
      forEachKnowledge(csr, ent, (x) => bump(x, true));
    });
    const itemPop = Math.max(interactions[item]!, 1);
    const heapItems = new TopKHeap(o.similarItems);
    const sharedOf = (v: number): [number, number] => [count[v]!, entCount[v]!];
    for (const v of touched) {
      const [users, ents] = sharedOf(v);
      let entDeg = 0;
      if (ents > 0) forEachKnowledge(csr, v, () => entDeg++);
      const score = users / Math.sqrt(itemPop * Math.max(interactions[v]!, 1)) + (ents > 0 ? ents / Math.sqrt(Math.max(itemEntities, 1) * Math.max(entDeg, 1)) : 0);
      heapItems.push(v, score);
    }
    const similarItems: SimilarItem[] = [];
    const ranked = heapItems.drain();
    ranked.ids.forEach((v, j) => {
      const [sharedUsers, sharedEntities] = sharedOf(v);
      const entry: SimilarItem = { ...nodeOf(v), score: ranked.scores[j]!, sharedUsers, sharedEntities };
      if (user >= 0) {
        const e = findEdge(csr, user, v, REL_INTERACTION);
        if (e >= 0) entry.weight = csr.outWeights[e]!;
      }
      similarItems.push(entry);
    });

    // Similar users: raters who liked the item, by overlap with the profile.
    const heapUsers = new TopKHeap(o.similarUsers);
    const profileSize = Math.max(profileList.length, 1);
    const overlapOf = new Map<number, number>();
    for (const e of itemRaters) {
      const w = csr.inWeights[e]!;
      if (o.rated && w < o.likeAt) continue;
      const v = csr.inSources[e]!;
      if (csr.kinds[v] !== KIND_USER) continue;
      let shared = 0;
      let size = 0;
      for (let q = csr.outStarts[v]!; q < csr.outStarts[v + 1]!; q++) {
        if (csr.outRelations[q] !== REL_INTERACTION) continue;
        size++;
        if (profile[csr.outTargets[q]!]) shared++;
      }
      if (shared === 0) continue;
      overlapOf.set(v, shared);
      heapUsers.push(v, shared / Math.sqrt(profileSize * Math.max(size, 1)));
    }
    const rankedUsers = heapUsers.drain();
    const similarUsers: SimilarUser[] = Array.from(rankedUsers.ids, (v, j) => {
      const e = findEdge(csr, v, item, REL_INTERACTION);
      return { ...nodeOf(v), score: rankedUsers.scores[j]!, sharedItems: overlapOf.get(v)!, weight: e >= 0 ? csr.outWeights[e]! : 0 };
    });

    // Subgraph: the paths, the user's edges to the similar items, the similar users' edges to the item.
    const nodes = new Map<string, EvidenceNode>();
    const edges = new Map<string, EvidenceEdge>();
    const addNode = (n: EvidenceNode): void => void nodes.set(n.key, n);
    const addEdge = (e: EvidenceEdge): void => void edges.set(`${e.from}\u0000${e.to}\u0000${e.relation}`, e);
    const source = user >= 0 ? [user] : seeds;
    for (const s of source) addNode(nodeOf(s));
    addNode(nodeOf(item));
    for (const p of paths) {
      p.nodes.forEach(addNode);
      p.edges.forEach(addEdge);
    }
    for (const s of similarItems) {
      addNode(s);
      if (user >= 0 && s.weight !== undefined) addEdge({ from: csr.ids[user]!, to: s.key, relation: csr.relations[REL_INTERACTION]!, weight: s.weight });
    }
    for (const s of similarUsers) {
      addNode(s);
      addEdge({ from: s.key, to: csr.ids[item]!, relation: csr.relations[REL_INTERACTION]!, weight: s.weight });
    }
    const strip = (n: EvidenceNode): EvidenceNode => ({ key: n.key, kind: n.kind, label: n.label });
    return {
      user: user >= 0 ? nodeOf(user) : null,
      seeds: seeds.map(nodeOf),
      item: nodeOf(item),
      paths,
      similarItems,
      similarUsers,
      subgraph: { nodes: [...nodes.values()].map(strip), edges: [...edges.values()] },
    };
  } finally {
    for (const v of touched) count[v] = entCount[v] = 0;
    for (const v of profileList) profile[v] = 0;
  }
}
