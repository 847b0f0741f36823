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
 * from the key.
 *
 * Cost. A request explains k items for one user back to back, so what depends on the user alone is done on its
 * first call and kept for the next calls for the same user (the last user per projection): the profile marks, and
 * H_v = I_v ∩ profile for every user v (Σ |U_x| over the profile, once; with the request's batch named, for the
 * batch's raters only, from the profile or from those raters' histories, whichever reads less). Per item the
 * co-rating counts then cost Σ |H_v| over the item's raters (the co-count mass itself), the similar users
 * O(raters), the entity counts min(Σ deg(E) over the item's entities, Σ knowledge degree over the profile), and the
 * path search reuses the user's forward beams (see `paths.ts`). Cold-start seeds, and a user's own item, take the
 * per-call route (counts from whichever side is cheaper). Results are identical to computing each call from scratch
 * (test/explain/evidence).
 *
 * @example
 * const ev = buildEvidence({ csr, transition, labels }, { user: 'ml100k:u:1', item: 'ml100k:i:50' });
 * ev.paths[0].nodes.map((n) => n.label); // ['user 1', 'Alien (1979)', 'Ridley Scott', 'Blade Runner (1982)']
 */
import { copyNow, type BlockCopier } from '../core/block-copy.ts';
import { AppError } from '../core/errors.ts';
import { claimer, type PooledScratch, type ScratchPool } from '../core/scratch-pool.ts';
import { typedArray } from '../core/shared-arrays.ts';
import type { NodeKind, NodeRef } from '../core/model.ts';
import type { Transition } from '../compute/ppr/transition.ts';
import { findEdge, INTERACTION_RELATION_ID, KIND_CODES, kindName, lookupNode, type Csr } from '../project/csr.ts';
import { restartRows, type Renumbering } from '../project/renumber.ts';
import { TopKHeap } from '../retrieve/top-k.ts';
import { createPathFinder, type GraphPath, type PathFacts, type PathFinder, type PathOptions } from './paths.ts';

// Imported constants copied into module scope: hot loops then read a local binding, not an import accessor.
const REL_INTERACTION = INTERACTION_RELATION_ID;
const KIND_ITEM: number = KIND_CODES.Item;
const KIND_USER: number = KIND_CODES.User;
export interface EvidenceContext {
  csr: Csr;
  /** The PPR walk (relation weights) the paths are scored with. */
  transition: Transition;
  /** Display name of a node key; undefined/empty falls back to a name derived from the key. Read once per node (cached per projection and function). */
  labels?: ((key: string) => string | undefined) | undefined;
  /**
   * What the projection's interaction edges are (the projection keeps weights only): their kind as ingested (rating,
   * listen, purchase, …) and whether the weight is an explicit rating. Set on every interaction edge of the evidence
   * (`kind`, and `rating` when rated), so the text says "you listened to" rather than "you rated … N★". Unset: the
   * edges carry no kind and read as ratings.
   */
  interactions?: { kind: string; rated: boolean } | undefined;
  /** Where the path search takes its beams from (handed on between an engine's versions, core/scratch-pool). */
  scratchPool?: ScratchPool | undefined;
  /** Graph facts the path search derives once for all versions of one engine (explain/paths `PathFacts`). */
  pathFacts?: PathFacts | undefined;
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
  /** Interaction kind as stored (rating, listen, purchase, click, …), when known. */
  kind?: string;
  /** The explicit rating of a rated interaction, when known. */
  rating?: number;
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
  /**
   * The items the caller explains for this user in one go (a ranking's k items, this one among them). The user's
   * co-rater histories are then built for those items' raters only (a small part of them for a heavy user at scale),
   * and the path search's forward side for those items only (explain/paths, "Scope"); an item outside it later
   * builds both again. The evidence is the same with or without it.
   */
  batch?: readonly string[];
}

/** A readable name from a node key when no label is known: kind prefix dropped, underscores to spaces. */
export function fallbackLabel(key: string): string {
  const colon = key.indexOf(':');
  const rest = colon >= 0 && ['User', 'Item', 'Entity'].includes(key.slice(0, colon)) ? key.slice(colon + 1) : key;
  return rest.replace(/_/g, ' ');
}

/**
 * Per projection: interaction and knowledge adjacency split out of the CSR (so the loops below need no relation
 * checks), per-call scratch, and the profile of the last user served. The k items of one request are built back to
 * back for one user, so that user's profile marks and the overlap of other users with it are computed once per request
 * (`owner`), not once per item.
 */
interface Scratch {
  /** Interaction edges (in + out) per node. */
  interactions: Uint32Array;
  /** Targets of each node's interaction out-edges (CSR order): `intOut[intOutStarts[v] … intOutStarts[v + 1])`. */
  intOutStarts: Uint32Array;
  intOut: Uint32Array;
  /** Sources of each node's interaction in-edges (CSR order). */
  intInStarts: Uint32Array;
  intIn: Uint32Array;
  /** Knowledge (non-interaction) neighbours of each node, out-edges then in-edges (one entry per edge). */
  kStarts: Uint32Array;
  kAdj: Uint32Array;
  /** The per-call state, claimed from the engine's pool (core/scratch-pool) on the first evidence of this graph. */
  calls: (() => CallState) | undefined;
  finders: WeakMap<Transition, PathFinder>;
  /**
   * A cold-start batch's paths, found seed by seed for every item of the batch on its first call (each seed's forward
   * side then serves all the items; item by item, the seeds took turns and each call built every seed's again):
   * per item, each seed's paths. `key` = the finder's seeds, batch and path options.
   */
  seedPaths: { finder: PathFinder; key: string; byItem: Map<number, GraphPath[][]> } | undefined;
  /** Display name per node index, for the `labels` function `labelsOf`. */
  labelOf: Array<string | undefined>;
  labelsOf: EvidenceContext['labels'];
}
/**
 * The per-call state of the evidence: per-node counters and the marked profile of the last user (kept for the next call
 * about the same user). Handed on between an engine's versions (core/scratch-pool): 26 B per node.
 */
class CallState implements PooledScratch {
  readonly count: Int32Array;
  readonly entCount: Int32Array;
  /** Edge multiplicities item → rater / item → entity (approach "from the profile"); all 0 between calls. */
  readonly mult: Float64Array;
  /** 1 for the profile items of `owner` (or of the current cold-start call). */
  readonly profile: Uint8Array;
  /** User whose profile is marked (−1: none). */
  owner = -1;
  profileList: number[] = [];
  /** Σ interaction in-degree and Σ knowledge degree over the profile (what the "from the profile" counts cost). */
  profileIntWork = 0;
  profileKWork = 0;
  /**
   * Every user's history restricted to the owner's profile, H_v = I_v ∩ profile (one entry per edge), built on the
   * owner's first call that does not explain one of its own items: `hItems[hStart[v] … hStart[v] + hLen[v])`.
   * hLen[v] = |H_v| is also v's overlap with the user. With `hScope`, only for the raters of the items in it (the
   * request's batch); otherwise for every user with an interaction in the profile.
   */
  hBuilt = false;
  hScope: Set<number> | null = null;
  /** 1 for the raters of the batch's items while scoped histories are built; all 0 between calls. */
  readonly raterMark: Uint8Array;
  readonly hStart: Int32Array;
  readonly hLen: Int32Array;
  hItems = new Uint32Array(0);
  hTouched: number[] = [];

  constructor(readonly capacity: number) {
    this.count = new Int32Array(capacity);
    this.entCount = new Int32Array(capacity);
    this.mult = new Float64Array(capacity);
    this.profile = new Uint8Array(capacity);
    this.hStart = new Int32Array(capacity);
    this.hLen = new Int32Array(capacity);
    this.raterMark = new Uint8Array(capacity);
  }

  /** Forgets the owner's histories (their overlaps included); the profile stays marked. */
  forgetHistories(): void {
    for (const v of this.hTouched) this.hLen[v] = 0;
    this.hTouched = [];
    this.hBuilt = false;
    this.hScope = null;
  }

  /** Unmarks the current profile and forgets the owner's overlaps (the counters are 0 between calls). */
  reset(): void {
    for (const v of this.profileList) this.profile[v] = 0;
    this.forgetHistories();
    this.profileList = [];
    this.owner = -1;
    this.profileIntWork = this.profileKWork = 0;
  }
}

const scratchByCsr = new WeakMap<Csr, Scratch>();
/** Graphs whose tables are derived or carried over on shared buffers ({@link shareEvidenceTables}). */
const sharedTablesOf = new WeakSet<Csr>();

/**
 * The tables of `csr`, when derived or carried over from an earlier version ({@link carryEvidenceTables}), go on shared
 * buffers (core/shared-arrays): an engine's first version, and each version of an engine whose copies in worker
 * threads adopt its versions (engine/replicas). Other graphs' tables are ordinary.
 */
export function shareEvidenceTables(csr: Csr): void {
  sharedTablesOf.add(csr);
}

function scratchOf(csr: Csr): Scratch {
  let s = scratchByCsr.get(csr);
  if (!s) scratchByCsr.set(csr, (s = createScratch(csr)));
  return s;
}

/** The adjacency tables of a {@link Scratch}: what depends on the graph. */
type Tables = Pick<Scratch, 'interactions' | 'intOutStarts' | 'intOut' | 'intInStarts' | 'intIn' | 'kStarts' | 'kAdj'>;
/** The evidence's adjacency tables of one graph version (interaction out/in and knowledge rows). */
export type EvidenceTables = Tables;

/** The evidence tables of `csr` when an evidence of it was built (or they were given), else undefined. */
export function evidenceTablesOf(csr: Csr): EvidenceTables | undefined {
  const s = scratchByCsr.get(csr);
  return s ? { interactions: s.interactions, intOutStarts: s.intOutStarts, intOut: s.intOut, intInStarts: s.intInStarts, intIn: s.intIn, kStarts: s.kStarts, kAdj: s.kAdj } : undefined;
}

/**
 * Gives `csr` evidence tables built for the same graph by another engine (engine/replicas hands a copy the serving
 * engine's, on shared buffers), unless it has its own already; its per-call scratch is its own. `BAD_REQUEST` when
 * their shape does not fit `csr`.
 */
export function giveEvidenceTables(csr: Csr, tables: EvidenceTables): void {
  const n = csr.nodeCount;
  const fits =
    tables.interactions.length === n &&
    tables.intOutStarts.length === n + 1 &&
    tables.intInStarts.length === n + 1 &&
    tables.kStarts.length === n + 1 &&
    tables.intOut.length === tables.intOutStarts[n] &&
    tables.intIn.length === tables.intInStarts[n] &&
    tables.kAdj.length === tables.kStarts[n] &&
    tables.intOut.length + tables.intIn.length + tables.kAdj.length === 2 * csr.edgeCount;
  if (!fits) throw new AppError('BAD_REQUEST', 'explain: the evidence tables given belong to another graph');
  if (!scratchByCsr.has(csr)) scratchByCsr.set(csr, createScratch(csr, tables));
}

/**
 * Splits the CSR into interaction out/in and knowledge adjacency, O(n + m). With `from` (the tables of an earlier
 * version of the graph with the same nodes, whose rows differ only at the nodes marked in `changed`), the unmarked
 * rows are block-copied from it and only the marked ones are derived from the CSR: the same tables, at copying cost.
 */
function buildTables(csr: Csr, from?: { tables: Tables; changed: Uint8Array; r?: Renumbering }, copier: BlockCopier = copyNow): Tables {
  const shared = sharedTablesOf.has(csr);
  const n = csr.nodeCount;
  const { outStarts, outTargets, outRelations, inStarts, inSources, inRelations } = csr;
  const REL = REL_INTERACTION;
  const r = from?.r;
  // The old tables' rows at the new indices (with `r`; a new node's row is empty): their entries stay where they are.
  const old = from && {
    ...from.tables,
    ...(r ? { intOutStarts: restartRows(from.tables.intOutStarts, r, false), intInStarts: restartRows(from.tables.intInStarts, r, false), kStarts: restartRows(from.tables.kStarts, r, false) } : {}),
  };
  const derive = (v: number): boolean => !from || from.changed[v] === 1;
  const intOutStarts = typedArray(Uint32Array, n + 1, shared);
  const intInStarts = typedArray(Uint32Array, n + 1, shared);
  const kStarts = typedArray(Uint32Array, n + 1, shared);
  const interactions = typedArray(Uint32Array, n, shared);
  for (let v = 0; v < n; v++) {
    let o = 0;
    let i = 0;
    let k = 0;
    if (!derive(v)) {
      o = old!.intOutStarts[v + 1]! - old!.intOutStarts[v]!;
      i = old!.intInStarts[v + 1]! - old!.intInStarts[v]!;
      k = old!.kStarts[v + 1]! - old!.kStarts[v]!;
    } else {
      for (let e = outStarts[v]!, end = outStarts[v + 1]!; e < end; e++) {
        if (outRelations[e] === REL) o++;
        else k++;
      }
      for (let e = inStarts[v]!, end = inStarts[v + 1]!; e < end; e++) {
        if (inRelations[e] === REL) i++;
        else k++;
      }
    }
    intOutStarts[v + 1] = intOutStarts[v]! + o;
    intInStarts[v + 1] = intInStarts[v]! + i;
    kStarts[v + 1] = kStarts[v]! + k;
    interactions[v] = o + i;
  }
  const intOut = typedArray(Uint32Array, intOutStarts[n]!, shared);
  const intIn = typedArray(Uint32Array, intInStarts[n]!, shared);
  const kAdj = typedArray(Uint32Array, kStarts[n]!, shared);
  for (let v = 0; v < n; v++) {
    if (!derive(v)) {
      // A run of unchanged rows, copied in one block per table.
      let w = v;
      while (w + 1 < n && !derive(w + 1)) w++;
      copier.copy(intOut, old!.intOut, old!.intOutStarts[v]!, old!.intOutStarts[w + 1]!, intOutStarts[v]!, r);
      copier.copy(intIn, old!.intIn, old!.intInStarts[v]!, old!.intInStarts[w + 1]!, intInStarts[v]!, r);
      copier.copy(kAdj, old!.kAdj, old!.kStarts[v]!, old!.kStarts[w + 1]!, kStarts[v]!, r);
      v = w;
      continue;
    }
    let o = intOutStarts[v]!;
    let i = intInStarts[v]!;
    let k = kStarts[v]!;
    for (let e = outStarts[v]!, end = outStarts[v + 1]!; e < end; e++) if (outRelations[e] === REL) intOut[o++] = outTargets[e]!;
    for (let e = inStarts[v]!, end = inStarts[v + 1]!; e < end; e++) if (inRelations[e] === REL) intIn[i++] = inSources[e]!;
    for (let e = outStarts[v]!, end = outStarts[v + 1]!; e < end; e++) if (outRelations[e] !== REL) kAdj[k++] = outTargets[e]!;
    for (let e = inStarts[v]!, end = inStarts[v + 1]!; e < end; e++) if (inRelations[e] !== REL) kAdj[k++] = inSources[e]!;
  }
  return { interactions, intOutStarts, intOut, intInStarts, intIn, kStarts, kAdj };
}

/**
 * Gives `csr` the evidence tables of `prev` patched at `touched` (engine/live: a write's new version of the graph, same
 * nodes, other rows unchanged) when `prev` has tables and `csr` none yet: the first evidence after a write then costs
 * a copy of the tables, not their derivation from every edge (2–3 s at 50M interactions, docs/scaling.md). The
 * per-call scratch starts empty. The unchanged blocks go through `copier` (core/block-copy): no evidence of `csr` may
 * be built before it has drained. With `r`, `csr` also has nodes that `prev` lacks (project/csr-update `insertNodes`
 * gave `r`; `touched` are new indices): the unchanged rows move to their new indices, their entries mapped as they are
 * copied, and the new nodes' rows are empty unless touched. True when it did.
 */
export function carryEvidenceTables(prev: Csr, csr: Csr, touched: ArrayLike<number>, copier: BlockCopier = copyNow, r?: Renumbering): boolean {
  const old = scratchByCsr.get(prev);
  if (!old || scratchByCsr.has(csr) || (r ? r.oldToNew.length !== prev.nodeCount || r.nodeCount !== csr.nodeCount : prev.nodeCount !== csr.nodeCount)) return false;
  const changed = new Uint8Array(csr.nodeCount);
  for (let j = 0; j < touched.length; j++) changed[touched[j]!] = 1;
  scratchByCsr.set(csr, createScratch(csr, buildTables(csr, { tables: old, changed, ...(r ? { r } : {}) }, copier)));
  return true;
}

/** The tables of `csr` (derived unless given); the per-call state is claimed on the first evidence. */
function createScratch(csr: Csr, tables: Tables = buildTables(csr)): Scratch {
  return { ...tables, calls: undefined, finders: new WeakMap(), seedPaths: undefined, labelOf: [], labelsOf: undefined };
}

/** Marks a profile (the user's interacted items, or the seed items), in first-seen order, without duplicates. */
function markProfile(s: CallState, t: Tables, kinds: Uint8Array, owner: number, items: Iterable<number>): void {
  s.reset();
  const itemKind = KIND_ITEM;
  for (const v of items) {
    if (kinds[v] !== itemKind || s.profile[v]) continue;
    s.profile[v] = 1;
    s.profileList.push(v);
    s.profileIntWork += t.intInStarts[v + 1]! - t.intInStarts[v]!;
    s.profileKWork += t.kStarts[v + 1]! - t.kStarts[v]!;
  }
  s.owner = owner;
}

/** The node of `kind` that `id` names (graph id or node key), or −1. */
function lookupOf(csr: Csr, id: string, kind: NodeKind): number {
  const v = lookupNode(csr, { kind, id });
  if (v >= 0) return v;
  const direct = csr.index.get(id);
  return direct !== undefined && csr.kinds[direct] === KIND_CODES[kind] ? direct : -1;
}

function resolve(csr: Csr, id: string, kind: NodeKind): number {
  const v = lookupOf(csr, id, kind);
  if (v < 0) throw new AppError('NOT_FOUND', `explain: unknown ${kind} ${JSON.stringify(id)}`);
  return v;
}

/**
 * The cost of an entry on each side when the histories are scoped to a batch: from the profile, Σ |U_x| over the
 * profile, read twice (counted, then filled in at random places of three arrays over every node); from the batch's
 * raters, Σ |I_v| over them, read once in order. The side whose entries × cost is lower builds them; both give the
 * same histories. With these costs the raters' side is taken when it reads fewer than 3× the profile's entries: at
 * 50M, forced to either side, answers with a ratio of 1–3 took 0.78–0.88× as long from the raters, 3–8 about the
 * same, 8 and more 1.04–1.51× (docs/scaling.md, "A heavy user's histories from the batch's raters"). Tests set them
 * to force a side.
 */
export const HISTORY_SIDE = { profileCost: 3, ratersCost: 1 };
/** How often each side built the histories (read by tests and benches). */
export const historyBuilds = { fromProfile: 0, fromRaters: 0 };
/**
 * Builds H_v = I_v ∩ profile: with `scope`, for the raters of those items only (a heavy user's first evidence at 50M
 * built 6 % of the entries, docs/scaling.md), from whichever side reads fewer entries ({@link HISTORY_SIDE});
 * without, for every user v with an interaction in the profile, from the profile.
 */
function buildHistories(s: CallState, t: Tables, scope: Set<number> | null): void {
  const { intInStarts, intIn, intOutStarts, intOut } = t;
  const { profileList, profile, hStart, hLen, hTouched, raterMark } = s;
  if (s.hItems.length < s.profileIntWork) s.hItems = new Uint32Array(Math.max(s.profileIntWork, 2 * s.hItems.length));
  const hItems = s.hItems;
  // With a scope: the batch's raters (marked), and what their histories cost to read whole (Σ |I_v|).
  const raters: number[] = [];
  if (scope) {
    let ratersWork = 0;
    for (const i of scope) {
      for (let q = intInStarts[i]!, qEnd = intInStarts[i + 1]!; q < qEnd; q++) {
        const v = intIn[q]!;
        if (raterMark[v] === 1) continue;
        raterMark[v] = 1;
        raters.push(v);
        ratersWork += intOutStarts[v + 1]! - intOutStarts[v]!;
      }
    }
    if (ratersWork * HISTORY_SIDE.ratersCost < s.profileIntWork * HISTORY_SIDE.profileCost) {
      // From the raters: each rater's items in the profile, in one pass (its entries are contiguous as they come).
      historyBuilds.fromRaters++;
      let offset = 0;
      for (const v of raters) {
        raterMark[v] = 0;
        const start = offset;
        for (let r = intOutStarts[v]!, rEnd = intOutStarts[v + 1]!; r < rEnd; r++) {
          const x = intOut[r]!;
          if (profile[x] === 1) hItems[offset++] = x;
        }
        if (offset === start) continue;
        hStart[v] = start;
        hLen[v] = offset - start;
        hTouched.push(v);
      }
      s.hBuilt = true;
      s.hScope = scope;
      return;
    }
  }
  // From the profile: each profile item's raters (the batch's only, with a scope), counted, then filled in.
  historyBuilds.fromProfile++;
  for (const x of profileList) {
    for (let q = intInStarts[x]!, qEnd = intInStarts[x + 1]!; q < qEnd; q++) {
      const v = intIn[q]!;
      if (scope && raterMark[v] === 0) continue;
      if (hLen[v]!++ === 0) hTouched.push(v);
    }
  }
  let offset = 0;
  for (const v of hTouched) {
    hStart[v] = offset;
    offset += hLen[v]!;
    hLen[v] = 0;
  }
  for (const x of profileList) {
    for (let q = intInStarts[x]!, qEnd = intInStarts[x + 1]!; q < qEnd; q++) {
      const v = intIn[q]!;
      if (scope && raterMark[v] === 0) continue;
      hItems[hStart[v]! + hLen[v]!++] = x;
    }
  }
  for (const v of raters) raterMark[v] = 0;
  s.hBuilt = true;
  s.hScope = scope;
}

/** Builds the evidence of one recommendation. `NOT_FOUND` for an unknown user, seed or item. */
export function buildEvidence(ctx: EvidenceContext, request: EvidenceRequest, options: Partial<EvidenceOptions> = {}): Evidence {
  const o = { ...EVIDENCE_DEFAULTS, ...options } satisfies EvidenceOptions;
  if (options.rated === undefined && ctx.interactions) o.rated = ctx.interactions.rated;
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
  if (!finder) scratch.finders.set(transition, (finder = createPathFinder(csr, transition, {}, { pool: ctx.scratchPool, facts: ctx.pathFacts })));

  // Display names are looked up once per node and projection (for one `labels` function).
  if (scratch.labelsOf !== ctx.labels) {
    scratch.labelsOf = ctx.labels;
    scratch.labelOf = [];
  }
  const labelOf = scratch.labelOf;
  const labelCache = new Map<number, EvidenceNode>();
  const nodeOf = (v: number): EvidenceNode => {
    let n = labelCache.get(v);
    if (!n) {
      const key = csr.ids.at(v)!;
      let label = labelOf[v];
      if (label === undefined) {
        const given = ctx.labels?.(key);
        labelOf[v] = label = given ? given : fallbackLabel(key);
      }
      labelCache.set(v, (n = { key, kind: kindName(csr.kinds[v]!), label }));
    }
    return n;
  };
  const interactionKind = ctx.interactions;
  const interactionEdge = (from: string, to: string, weight: number): EvidenceEdge =>
    interactionKind
      ? { from, to, relation: csr.relations[REL_INTERACTION]!, weight, kind: interactionKind.kind, ...(interactionKind.rated ? { rating: weight } : {}) }
      : { from, to, relation: csr.relations[REL_INTERACTION]!, weight };
  const edgeOf = (e: { from: number; to: number; relation: number; weight: number }): EvidenceEdge =>
    e.relation === REL_INTERACTION ? interactionEdge(csr.ids.at(e.from)!, csr.ids.at(e.to)!, e.weight) : { from: csr.ids.at(e.from)!, to: csr.ids.at(e.to)!, relation: csr.relations[e.relation]!, weight: e.weight };

  // The batch's items as nodes, this one first (unknown ids left out), or null without a batch.
  let batch: number[] | null = null;
  if (request.batch) {
    batch = [item];
    for (const id of request.batch) {
      if (typeof id !== 'string') continue;
      const v = lookupOf(csr, id, 'Item');
      if (v >= 0 && !batch.includes(v)) batch.push(v);
    }
  }

  // Paths: from the user, or from each seed (best non-redundant overall).
  let raw: GraphPath[];
  if (user >= 0) raw = finder.find(user, item, o.paths, batch ?? undefined);
  else {
    let perSeed: GraphPath[][];
    if (batch) {
      const key = JSON.stringify([seeds, [...batch].sort((a, b) => a - b), o.paths]);
      let cached = scratch.seedPaths;
      if (!cached || cached.finder !== finder || cached.key !== key) {
        const byItem = new Map<number, GraphPath[][]>(batch.map((t) => [t, []]));
        for (const s of seeds) for (const t of batch) byItem.get(t)!.push(finder.find(s, t, o.paths, batch));
        scratch.seedPaths = cached = { finder, key, byItem };
      }
      perSeed = cached.byItem.get(item)!;
    } else perSeed = seeds.map((s) => finder!.find(s, item, o.paths));
    const all = perSeed.flat();
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

  // Profile: the user's items (marked once per user and kept for the next call), or the seed items; never the item.
  // For a user, co-raters are counted through the histories restricted to the profile (H_v, built once per user).
  const calls = (scratch.calls ??= claimer(ctx.scratchPool, 'evidence', csr.nodeCount, (capacity) => new CallState(capacity)))();
  const { interactions, intOutStarts, intOut, intInStarts, intIn, kStarts, kAdj } = scratch;
  const { count, entCount, mult, profile, hStart, hLen } = calls;
  const kinds = csr.kinds;
  if (user < 0) markProfile(calls, scratch, kinds, -1, seeds);
  else if (calls.owner !== user) markProfile(calls, scratch, kinds, user, intOut.subarray(intOutStarts[user]!, intOutStarts[user + 1]!));
  // The item itself is not part of the profile; when it is one of the user's items (explaining a seen item), it is
  // unmarked for this call and the per-user overlaps are neither used nor stored.
  const itemInProfile = profile[item] === 1;
  if (itemInProfile) profile[item] = 0;
  const useH = user >= 0 && !itemInProfile;
  if (useH && calls.hBuilt && calls.hScope && !calls.hScope.has(item)) calls.forgetHistories(); // built for other items' raters
  if (useH && !calls.hBuilt) {
    // Scoped to the batch's items (this one included) when the caller names them.
    buildHistories(calls, scratch, batch ? new Set(batch) : null);
  }
  const profileList = calls.profileList;

  const touched: number[] = [];
  try {
    // Similar items: co-raters and shared entities with the recommended item, counted over the profile. Each count
    // is made from whichever side is cheaper: from the item (its raters' histories, its entities' neighbours), or from
    // the profile (each profile item's raters / entities looked up in the item's, with edge multiplicities).
    const itemIn0 = intInStarts[item]!;
    const itemIn1 = intInStarts[item + 1]!;
    let fromItem = 0;
    if (!useH) {
      for (let q = itemIn0; q < itemIn1; q++) {
        const v = intIn[q]!;
        if (v !== user) fromItem += intOutStarts[v + 1]! - intOutStarts[v]!;
      }
    }
    if (useH) {
      const hItems = calls.hItems;
      for (let q = itemIn0; q < itemIn1; q++) {
        const v = intIn[q]!;
        if (v === user) continue;
        for (let r = hStart[v]!, end = r + hLen[v]!; r < end; r++) {
          const x = hItems[r]!;
          if (count[x]!++ === 0) touched.push(x); // entCount is still 0 everywhere
        }
      }
    } else if (fromItem <= calls.profileIntWork + (itemIn1 - itemIn0)) {
      for (let q = itemIn0; q < itemIn1; q++) {
        const v = intIn[q]!;
        if (v === user) continue;
        for (let r = intOutStarts[v]!, rEnd = intOutStarts[v + 1]!; r < rEnd; r++) {
          const x = intOut[r]!;
          if (!profile[x]) continue;
          if (count[x] === 0 && entCount[x] === 0) touched.push(x);
          count[x]!++;
        }
      }
    } else {
      for (let q = itemIn0; q < itemIn1; q++) if (intIn[q] !== user) mult[intIn[q]!]!++;
      for (const x of profileList) {
        if (!profile[x]) continue;
        let c = 0;
        for (let r = intInStarts[x]!, rEnd = intInStarts[x + 1]!; r < rEnd; r++) c += mult[intIn[r]!]!;
        if (c === 0) continue;
        if (count[x] === 0 && entCount[x] === 0) touched.push(x);
        count[x] = c;
      }
      for (let q = itemIn0; q < itemIn1; q++) mult[intIn[q]!] = 0;
    }
    const itemK0 = kStarts[item]!;
    const itemK1 = kStarts[item + 1]!;
    const itemEntities = itemK1 - itemK0;
    let entFromItem = 0;
    for (let q = itemK0; q < itemK1; q++) entFromItem += kStarts[kAdj[q]! + 1]! - kStarts[kAdj[q]!]!;
    if (entFromItem <= calls.profileKWork + itemEntities) {
      for (let q = itemK0; q < itemK1; q++) {
        const ent = kAdj[q]!;
        for (let r = kStarts[ent]!, rEnd = kStarts[ent + 1]!; r < rEnd; r++) {
          const x = kAdj[r]!;
          if (!profile[x]) continue;
          if (count[x] === 0 && entCount[x] === 0) touched.push(x);
          entCount[x]!++;
        }
      }
    } else {
      for (let q = itemK0; q < itemK1; q++) mult[kAdj[q]!]!++;
      for (const x of profileList) {
        if (!profile[x]) continue;
        let c = 0;
        for (let r = kStarts[x]!, rEnd = kStarts[x + 1]!; r < rEnd; r++) c += mult[kAdj[r]!]!;
        if (c === 0) continue;
        if (count[x] === 0 && entCount[x] === 0) touched.push(x);
        entCount[x] = c;
      }
      for (let q = itemK0; q < itemK1; q++) mult[kAdj[q]!] = 0;
    }
    const itemPop = Math.max(interactions[item]!, 1);
    const heapItems = new TopKHeap(o.similarItems);
    for (const v of touched) {
      const users = count[v]!;
      const ents = entCount[v]!;
      const entDeg = ents > 0 ? kStarts[v + 1]! - kStarts[v]! : 0;
      const score = users / Math.sqrt(itemPop * Math.max(interactions[v]!, 1)) + (ents > 0 ? ents / Math.sqrt(Math.max(itemEntities, 1) * Math.max(entDeg, 1)) : 0);
      heapItems.push(v, score);
    }
    const similarItems: SimilarItem[] = [];
    const ranked = heapItems.drain();
    ranked.ids.forEach((v, j) => {
      const node = nodeOf(v);
      const entry: SimilarItem = { key: node.key, kind: node.kind, label: node.label, score: ranked.scores[j]!, sharedUsers: count[v]!, sharedEntities: entCount[v]! };
      if (user >= 0) {
        const e = findEdge(csr, user, v, REL_INTERACTION);
        if (e >= 0) entry.weight = csr.outWeights[e]!;
      }
      similarItems.push(entry);
    });

    // Similar users: raters who liked the item, by overlap with the profile (|I_v ∩ profile| = |H_v|). Without the
    // histories, each rater's overlap is counted from its own items, or, when the profile's raters are fewer (a few
    // cold-start seeds against a popular item), for every rater of the profile at once, in `mult`.
    const overlapsFromProfile = !useH && calls.profileIntWork < fromItem;
    if (overlapsFromProfile) for (const x of profileList) if (profile[x]) for (let q = intInStarts[x]!, qEnd = intInStarts[x + 1]!; q < qEnd; q++) mult[intIn[q]!]!++;
    const heapUsers = new TopKHeap(o.similarUsers);
    const profileSize = Math.max(profileList.length - (itemInProfile ? 1 : 0), 1);
    const overlapOf = new Map<number, number>();
    const { inStarts, inSources, inWeights, inRelations } = csr;
    const rated = o.rated;
    const likeAt = o.likeAt;
    const userKind = KIND_USER;
    for (let e = inStarts[item]!, eEnd = inStarts[item + 1]!; e < eEnd; e++) {
      if (inRelations[e] !== REL_INTERACTION) continue;
      const v = inSources[e]!;
      if (v === user || (rated && inWeights[e]! < likeAt) || kinds[v] !== userKind) continue;
      let overlap = 0;
      if (useH) overlap = hLen[v]!;
      else if (overlapsFromProfile) overlap = mult[v]!;
      else for (let r = intOutStarts[v]!, rEnd = intOutStarts[v + 1]!; r < rEnd; r++) overlap += profile[intOut[r]!]!;
      if (overlap === 0) continue;
      if (heapUsers.push(v, overlap / Math.sqrt(profileSize * Math.max(intOutStarts[v + 1]! - intOutStarts[v]!, 1)))) overlapOf.set(v, overlap);
    }
    if (overlapsFromProfile) for (const x of profileList) if (profile[x]) for (let q = intInStarts[x]!, qEnd = intInStarts[x + 1]!; q < qEnd; q++) mult[intIn[q]!] = 0;
    const rankedUsers = heapUsers.drain();
    const similarUsers: SimilarUser[] = Array.from(rankedUsers.ids, (v, j) => {
      const e = findEdge(csr, v, item, REL_INTERACTION);
      const node = nodeOf(v);
      return { key: node.key, kind: node.kind, label: node.label, score: rankedUsers.scores[j]!, sharedItems: overlapOf.get(v)!, weight: e >= 0 ? csr.outWeights[e]! : 0 };
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
      if (user >= 0 && s.weight !== undefined) addEdge(interactionEdge(csr.ids.at(user)!, s.key, s.weight));
    }
    for (const s of similarUsers) {
      addNode(s);
      addEdge(interactionEdge(s.key, csr.ids.at(item)!, s.weight));
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
    if (itemInProfile) profile[item] = 1;
    if (user < 0) calls.reset();
  }
}
