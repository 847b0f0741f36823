/**
 * @module explain/paths
 * Path-level evidence (G-Refer's path retrieval): the few best paths between a user and a recommended item on the
 * projection, through interactions and knowledge, in both edge directions, at most 4 hops.
 *
 * Score of a path x₀ → x₁ → … → x_L (x₀ = the user, x_L = the item) = the PPR flow along it, reweighted:
 *
 *     score = Π_h  d · P(x_{h−1} → x_h) · bonus(relation_h)  ·  Π_{intermediate entities x} info(x)  ·  affinity
 *     P(x → y) = c_xy / W(x)          (the walk of compute/ppr/transition: c = weight · relation weight)
 *     bonus    = 1 for interactions; knowledgeBonus · relationBonus[name] for knowledge relations (people
 *                understand "same director" better than "co-rated")
 *     info(x)  = entity informativeness, a bell on the entity's degree deg(x):
 *                (hubDegree / deg(x))^hubExponent when deg(x) > hubDegree (huge categories say little), and
 *                (deg(x) / rareDegree)^rareExponent when deg(x) < rareDegree: the walk through an entity of degree d
 *                carries 1/d, which alone makes the rarest entities (a tag on two artists, "slowies") the strongest
 *                links; with rareExponent 1 every entity below rareDegree counts like one of degree rareDegree.
 *                `rareDegree: 'auto'` = the median degree of the entities that can link two nodes (degree ≥ 2), so
 *                "rare" is relative to the graph (HetRec tags, DBpedia people and categories differ).
 *     affinity = (c₁ / max c over the source's interactions)^affinityExponent for a path whose first hop is one of
 *                the source's interactions (c₁ its effective weight): the user's own affinity to the connecting item
 *                counts, so a path from an item the user barely played ranks below one from a favourite.
 *
 * With `rated`, every interaction edge counts max(rating − ratingFloor, 0) instead of its rating (the PPR seed
 * weights), so "you rated X 1★" or "another user rated it 2★" is not evidence; the user's first hop is normalised
 * over their own edges (falling back to the raw weights when every rating is at or below the floor).
 *
 * Search: meet in the middle. From the user, the best `perNode` one- and two-hop prefixes per end node;
 * from the item, the best `perNode` one- and two-hop suffixes; a path of length L is joined at its node
 * ⌈L/2⌉ (forward part ⌈L/2⌉ ≤ 2 hops, backward part ≤ 2 hops), so every simple path of ≤ 4 hops is found exactly once
 * (within the per-node beam). Cost: Σ deg over the user's and the item's neighbours, each at most `maxExpand` (≈ 10⁵
 * edge visits for a heavy ML-100K user), with O(n · perNode) scratch reused across calls. The forward side does not
 * depend on the target unless the target is one of the source's neighbours, so consecutive calls for one source (the
 * k items of a request) expand it once; per further item the cost is the item's side and the join, walked from the
 * smaller side.
 * An edge's step probability is computed when the search reaches it (no per-edge tables).
 *
 * Hubs: a node with more than `maxExpand` (2,000) edges is expanded through its `maxExpand` strongest edges only, on
 * the second hop of either side, for a hub target on the first backward hop, and for a hub source that is not a user
 * (a cold-start seed) on the first forward hop. Strongest = by the walk's step along the edge (towards the target on
 * the backward side; for the source, by the first step's probability), ties to the lower position. A source's edge to
 * the target is a 1-hop path whatever its strength. At 50M, paths from three of the most popular items as seeds
 * (148,912, 101,361 and 81,151 edges) to one recommended item took 4.1–5.5 s with their first hop uncapped
 * (docs/scaling.md). A user's first hop is its own history, which the explanation is about, and is never cut: on the
 * same graph the cut changed the paths of a third of the answers of users with more than 2,000 interactions and saved
 * them at most 17 % of the time. Each list is made on the hub's first expansion and kept per finder (≤ 4 bytes ×
 * maxExpand per hub and direction). The edges left out each carry at most the step of the weakest kept one. On the
 * 50M scale graph the most popular item has 148,903 raters; capping the
 * target took the evidence of an answer's 10 items from 992 to 147 ms there (docs/scaling.md). The cap binds on no
 * node of ML-100K + DBpedia (largest degree 1,057) or KGCN Last.FM (944), test/integration/explain/template.test.ts
 * checks.
 *
 * The backward second hop offers only nodes that the forward side reached: the 4-hop join meets nowhere else, and on
 * a user–item graph most of that hop's edges lead to items the target's raters also rated. On the 50M-interaction
 * generated graph (`npm run bench -- scale`, in-process evidence of one answer's 10 items, p50) the hub cap took it
 * from 110.9 ms to 92.4 ms and this from 92.4 ms to 34.2 ms (docs/scaling.md). It does not even walk a node none of
 * whose linked kinds the forward side can hold (the graph's kind links are known per engine, `PathFacts`): a user's
 * forward side holds users and entities, a rater's neighbours are items, so the target's raters are skipped whole.
 * That halved the evidence's mean time at 10M (docs/scaling.md, "The path search's second backward hop").
 *
 * Scope: the forward second hop (F2) is the search's largest part for a user with many items: each of them offers its
 * neighbours (a popular item's `maxExpand` strongest raters). A join reads F2 only at a node of the target's backward
 * side: its first hop B1 (3-hop paths) or its second B2 (4-hop paths). When the caller names the targets it will ask
 * about for this source (`scope`, a request's k items), F2 keeps only nodes that can be there for one of them: those
 * in some target's B1 (marked first, at most `maxExpand` per target), and any node of a kind that B2 can hold (a kind
 * linked to a kind linked to the target's). On a user–item graph with knowledge on the items, B2 holds only items
 * and F2 none, so F2 keeps the targets' raters and entities alone. A kept node keeps the offers it had, and the
 * nodes keep their relative order (the tie-break), so every target in the scope gets the same paths as without it;
 * a target outside the scope builds the forward side again, whole.
 *
 * Pruning (path-level redundancy): candidates are taken best first, and a path is skipped when one of its
 * intermediate nodes already appears in `maxNodeReuse` chosen paths — no three paths through the same middle node.
 * The selection looks at the best max(30 · maxPaths, 30) candidates (a heap; candidates are never fully sorted;
 * ties go to the earlier candidate in a fixed enumeration, so the order the joins run in does not matter).
 *
 * @example
 * const finder = createPathFinder(csr, transition);
 * finder.find(userIndex, itemIndex); // [{ nodes: [u, alien, ridley, bladeRunner], edges: [...], score }]
 */
import { AppError } from '../core/errors.ts';
import { claimer, type PooledScratch, type ScratchPool } from '../core/scratch-pool.ts';
import { assertTransition, type Transition } from '../compute/ppr/transition.ts';
import { assertValidCsr, findEdge, INTERACTION_RELATION_ID, KIND_CODES, type Csr } from '../project/csr.ts';
import { ScoreHeap, TopKHeap } from '../retrieve/top-k.ts';

// Imported constants copied into module scope: hot loops then read a local binding, not an import accessor.
const REL_INTERACTION = INTERACTION_RELATION_ID;
const KIND_ITEM: number = KIND_CODES.Item;
const KIND_USER: number = KIND_CODES.User;
const KIND_ENTITY: number = KIND_CODES.Entity;
export interface PathOptions {
  /** Longest path, in edges (1–4). [4] */
  maxHops: number;
  /** Paths returned. [3] */
  maxPaths: number;
  /** Best partial paths kept per end node on each side (the beam). [3] */
  perNode: number;
  /** Factor per hop (the PPR damping). [0.85] */
  damping: number;
  /** Multiplier per knowledge edge. [2] */
  knowledgeBonus: number;
  /** Extra multiplier per knowledge relation name (e.g. { subject: 0.5 }). [{ subject: 0.5 }] */
  relationBonus: Readonly<Record<string, number>>;
  /** Entities with more edges than this are hubs. [50] */
  hubDegree: number;
  /** Hub penalty exponent. [0.5] */
  hubExponent: number;
  /** Entities with fewer edges than this are too rare to say much (see `info` above); 1 = off. ['auto'] */
  rareDegree: number | 'auto';
  /** Rarity penalty exponent. [1] */
  rareExponent: number;
  /** Weight of the source's own affinity to the first item of a path (see `affinity` above); 0 = off. [0.5] */
  affinityExponent: number;
  /** How many chosen paths may pass through one intermediate node. [1] */
  maxNodeReuse: number;
  /** The user's interaction weights are ratings. [true] */
  rated: boolean;
  /** Ratings at or below this do not start a path (when `rated`, unless the user has nothing above it). [2] */
  ratingFloor: number;
  /**
   * A node with more edges than this is expanded on the second hop of either side (and a hub target on its first
   * backward hop) through its `maxExpand` strongest edges only (see "Hubs" above). [2000]
   */
  maxExpand: number;
}

export const PATH_DEFAULTS = {
  maxHops: 4,
  maxPaths: 3,
  perNode: 3,
  damping: 0.85,
  knowledgeBonus: 2,
  relationBonus: { subject: 0.5 },
  hubDegree: 50,
  hubExponent: 0.5,
  rareDegree: 'auto',
  rareExponent: 1,
  affinityExponent: 0.5,
  maxNodeReuse: 1,
  rated: true,
  ratingFloor: 2,
  maxExpand: 2000,
} as const satisfies PathOptions;

/** One edge as stored in the graph (direction as stored, not as walked). */
export interface PathEdge {
  from: number;
  to: number;
  relation: number;
  weight: number;
}

export interface GraphPath {
  /** Node indices from the source to the target. */
  nodes: number[];
  /** `edges[h]` joins `nodes[h]` and `nodes[h + 1]` (in either stored direction). */
  edges: PathEdge[];
  score: number;
}

export interface PathFinder {
  /**
   * Best non-redundant paths from `source` to `target`, best first (empty when none within maxHops). `scope`: the
   * targets the caller will ask about for this source (a request's k items); when it holds `target`, the forward side
   * is built for those targets only (see "Scope" above), with the same paths for each of them.
   */
  find(source: number, target: number, options?: Partial<PathOptions>, scope?: readonly number[]): GraphPath[];
}

function assertPathOptions(o: PathOptions): void {
  const bad = (m: string): never => {
    throw new AppError('BAD_REQUEST', `explain/paths: ${m}`);
  };
  if (!Number.isInteger(o.maxHops) || o.maxHops < 1 || o.maxHops > 4) bad('maxHops must be an integer in [1, 4]');
  if (!Number.isInteger(o.maxPaths) || o.maxPaths < 0) bad('maxPaths must be an integer ≥ 0');
  if (!Number.isInteger(o.perNode) || o.perNode < 1 || o.perNode > 16) bad('perNode must be an integer in [1, 16]');
  if (!(o.damping > 0 && o.damping <= 1)) bad('damping must be in (0, 1]');
  if (!(o.knowledgeBonus > 0 && Number.isFinite(o.knowledgeBonus))) bad('knowledgeBonus must be finite and > 0');
  for (const [name, b] of Object.entries(o.relationBonus)) if (!(b >= 0 && Number.isFinite(b))) bad(`relationBonus.${name} must be finite and ≥ 0`);
  if (!(o.hubDegree >= 1)) bad('hubDegree must be ≥ 1');
  if (!(o.hubExponent >= 0 && Number.isFinite(o.hubExponent))) bad('hubExponent must be finite and ≥ 0');
  if (o.rareDegree !== 'auto' && !(o.rareDegree >= 1 && Number.isFinite(o.rareDegree))) bad("rareDegree must be 'auto' or finite and ≥ 1");
  if (!(o.rareExponent >= 0 && Number.isFinite(o.rareExponent))) bad('rareExponent must be finite and ≥ 0');
  if (!(o.affinityExponent >= 0 && Number.isFinite(o.affinityExponent))) bad('affinityExponent must be finite and ≥ 0');
  if (!Number.isInteger(o.maxNodeReuse) || o.maxNodeReuse < 1) bad('maxNodeReuse must be an integer ≥ 1');
  if (!Number.isFinite(o.ratingFloor)) bad('ratingFloor must be finite');
  if (!Number.isInteger(o.maxExpand) || o.maxExpand < 1) bad('maxExpand must be an integer ≥ 1');
}

/**
 * Top-`B` beam per node: `prob[v·B + j]` best first, with up to three payload ints per entry. Entries are reset
 * through the touched list, so a query costs only what it touches; `order[v]` is v's position in that list.
 */
class Beam {
  readonly count: Uint8Array;
  readonly order: Int32Array;
  readonly prob: Float64Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly c: Int32Array;
  touched: number[] = [];

  constructor(
    n: number,
    readonly width: number,
  ) {
    this.count = new Uint8Array(n);
    this.order = new Int32Array(n);
    this.prob = new Float64Array(n * width);
    this.a = new Int32Array(n * width);
    this.b = new Int32Array(n * width);
    this.c = new Int32Array(n * width);
  }

  clear(): void {
    for (const v of this.touched) this.count[v] = 0;
    this.touched.length = 0;
  }

  offer(v: number, p: number, a: number, b: number, c: number): void {
    const B = this.width;
    let cnt = this.count[v]!;
    if (cnt === 0) {
      this.order[v] = this.touched.length;
      this.touched.push(v);
    }
    const base = v * B;
    let pos: number;
    if (cnt < B) pos = cnt++;
    else if (p > this.prob[base + B - 1]!) pos = B - 1;
    else return;
    this.count[v] = cnt;
    while (pos > 0 && this.prob[base + pos - 1]! < p) {
      this.prob[base + pos] = this.prob[base + pos - 1]!;
      this.a[base + pos] = this.a[base + pos - 1]!;
      this.b[base + pos] = this.b[base + pos - 1]!;
      this.c[base + pos] = this.c[base + pos - 1]!;
      pos--;
    }
    this.prob[base + pos] = p;
    this.a[base + pos] = a;
    this.b[base + pos] = b;
    this.c[base + pos] = c;
  }
}

/**
 * The best `capacity` path candidates, ranked as `TopKHeap` ranks them: higher score first, ties to the lower id. The
 * ids are unique, so the kept set and its order do not depend on the order of the pushes. `floor` is the worst kept
 * score once full (0 before): a candidate scoring below it cannot be kept.
 */
class CandidateHeap extends ScoreHeap {
  /** Id and score of the entry `takeBest` took last. */
  takenId = -1;
  takenScore = 0;

  /**
   * Takes the best remaining entry out (a linear scan; the heap order is given up, so only `takeBest` and `clear`
   * may follow). False when none is left.
   */
  takeBest(): boolean {
    const { ids, vals } = this;
    let best = -1;
    for (let i = 0; i < this.size; i++) {
      if (best < 0 || ScoreHeap.worse(vals[best]!, ids[best]!, vals[i]!, ids[i]!)) best = i;
    }
    if (best < 0) return false;
    this.takenId = ids[best]!;
    this.takenScore = vals[best]!;
    const last = --this.size;
    ids[best] = ids[last]!;
    vals[best] = vals[last]!;
    return true;
  }
}

/**
 * The four beams of one beam width, and what the forward pair (F1, F2) currently holds: the forward side does not
 * depend on the target unless the target is a neighbour of the source, so consecutive calls for one source (the k
 * items of one request) expand it once. Handed on between versions of one engine (core/scratch-pool): about 260 B
 * per node at the default width, the largest scratch a version would otherwise allocate.
 */
class BeamSet implements PooledScratch {
  readonly F1: Beam;
  readonly F2: Beam;
  readonly B1: Beam;
  readonly B2: Beam;
  /** Source the forward beams were built from (−1: none). */
  fwSource = -1;
  /** Options object they were built with (identity: the finder's defaults object when a call overrides nothing). */
  fwOptions: PathOptions | null = null;
  /** Built without excluding a target, so valid for any target that is not a neighbour of the source. */
  fwGeneric = false;
  /** F2 was built too. */
  fwHasF2 = false;
  /** The kinds (bit per kind code) F2's nodes can have: those linked to the kind of some F1 node. */
  fwKinds = 0;
  /** The targets F2 was built for (its scope), or null: built whole, for any target. */
  fwScope: readonly number[] | null = null;
  /** 1 for the nodes a scoped F2 keeps whatever their kind (the scope's first backward hops); all 0 between calls. */
  readonly keep: Uint8Array;

  constructor(
    readonly capacity: number,
    width: number,
  ) {
    this.F1 = new Beam(capacity, width);
    this.F2 = new Beam(capacity, width);
    this.B1 = new Beam(capacity, width);
    this.B2 = new Beam(capacity, width);
    this.keep = new Uint8Array(capacity);
  }

  reset(): void {
    this.F1.clear();
    this.F2.clear();
    this.B1.clear();
    this.B2.clear();
    this.fwSource = -1;
    this.fwOptions = null;
    this.fwGeneric = false;
    this.fwHasF2 = false;
    this.fwKinds = 0;
    this.fwScope = null;
  }
}

/**
 * What the search derives from the whole graph: which kinds of node its edges link (`kindLinks`, an O(m) pass: bit
 * 3·k + k' for kinds k and k'; from it, whether every edge has exactly one Item end) and the entities' median degree
 * (`autoRare`, for `rareDegree: 'auto'`). Both depend only on the node kinds and the knowledge edges, which an engine's
 * live writes never change (they write users, items and interactions, and user–item is always counted as linked): an
 * engine hands one object to the finders of all its versions, and the first finder fills it.
 */
export interface PathFacts {
  kindLinks?: number;
  autoRare?: number;
}

/**
 * Creates a path finder over `csr` with the walk of `transition` (scratch O(n · perNode), reused). `from.pool` = where
 * its beams come from (handed on between versions of one engine, core/scratch-pool); `from.facts` = graph facts shared
 * by the finders of one engine's versions ({@link PathFacts}).
 */
export function createPathFinder(csr: Csr, transition: Transition, defaults: Partial<PathOptions> = {}, from: { pool?: ScratchPool | undefined; facts?: PathFacts | undefined } = {}): PathFinder {
  assertValidCsr(csr);
  assertTransition(transition);
  if (transition.nodeCount !== csr.nodeCount) throw new AppError('BAD_REQUEST', 'explain/paths: the transition belongs to another graph');
  const base: PathOptions = { ...PATH_DEFAULTS, ...defaults };
  assertPathOptions(base);
  const n = csr.nodeCount;
  const m = csr.edgeCount;
  const rw = transition.relationWeights;
  const W = transition.strength;
  const { outStarts, outTargets, outWeights, outRelations, inStarts, inSources, inWeights, inRelations, kinds } = csr;
  const REL = REL_INTERACTION;
  const ITEM = KIND_ITEM;
  const ENTITY = KIND_ENTITY;
  // The beams per beam width, from `pool` when given (handed on between versions, core/scratch-pool).
  const sets = new Map<number, () => BeamSet>();
  const heaps = new Map<number, CandidateHeap>();
  const heapFor = (capacity: number): CandidateHeap => {
    let h = heaps.get(capacity);
    if (!h) heaps.set(capacity, (h = new CandidateHeap(capacity)));
    h.clear();
    return h;
  };
  const setFor = (B: number): BeamSet => {
    let get = sets.get(B);
    if (!get) sets.set(B, (get = claimer(from.pool, `paths:${B}`, n, (capacity) => new BeamSet(capacity, B))));
    return get();
  };
  /**
   * Per distinct step settings (found by options object first, then by the settings' values, so calls that override
   * the same way share one; at most 16 kept): the relation bonus and the walk
   * probability × bonus of stepping along an edge of relation `r` and weight `w` away from node `x` (0 when the walk
   * cannot). Computed per edge as the search reaches it, not tabled per edge: four tables of one float64 per edge
   * entry took 1.76 GB and 9 s to build at 55M edges (docs/scaling.md), and the search reaches a small part of them.
   */
  interface Derived {
    relBonus: Float64Array;
    step: (x: number, r: number, w: number) => number;
    /**
     * The `maxExpand` strongest edge positions of a hub, made on its first expansion: `from` ranks them by the step
     * away from the hub (the forward side walks hub → y), `to` by the step from the other end towards the hub (the
     * backward side walks y → hub). Ties: the lower position. Edges the walk cannot take are left out.
     */
    hubFrom: Map<number, Int32Array>;
    hubTo: Map<number, Int32Array>;
  }
  const derivedByOptions = new WeakMap<PathOptions, Derived>();
  const derivedBySettings = new Map<string, Derived>();
  const derivedOf = (o: PathOptions): Derived => {
    let derived = derivedByOptions.get(o);
    if (derived) return derived;
    const settings = JSON.stringify([o.knowledgeBonus, Object.entries(o.relationBonus).sort(), o.rated, o.ratingFloor, o.maxExpand]);
    derived = derivedBySettings.get(settings);
    if (derived) {
      derivedByOptions.set(o, derived);
      return derived;
    }
    if (derivedBySettings.size >= 16) derivedBySettings.clear();
    const relBonus = new Float64Array(csr.relations.length).fill(1);
    csr.relations.forEach((name, r) => {
      if (r !== REL) relBonus[r] = o.knowledgeBonus * ((o.relationBonus as Readonly<Record<string, number>>)[name] ?? 1);
    });
    const { rated, ratingFloor: floor } = o;
    const step = (x: number, r: number, w: number): number => {
      const c = (rated && r === REL ? Math.max(w - floor, 0) : w) * rw[r]!;
      return c > 0 && W[x]! > 0 ? (c / W[x]!) * relBonus[r]! : 0;
    };
    derived = { relBonus, step, hubFrom: new Map(), hubTo: new Map() };
    derivedByOptions.set(o, derived);
    derivedBySettings.set(settings, derived);
    return derived;
  };
  /** A hub's strongest edges (Derived `hubFrom` / `hubTo`), as edge positions, best first. */
  const strongest = (d: Derived, x: number, towards: boolean, cap: number): Int32Array => {
    const cache = towards ? d.hubTo : d.hubFrom;
    let list = cache.get(x);
    if (list) return list;
    // The `cap` strongest through a heap of that size (higher step first, ties to the lower position, as TopKHeap
    // ranks ids): one pass over the hub's edges, no sort of all of them (a hub at 50M has up to 148,903).
    const heap = new TopKHeap(cap);
    for (let p = outStarts[x]!, pEnd = outStarts[x + 1]!; p < pEnd; p++) {
      const s = d.step(towards ? outTargets[p]! : x, outRelations[p]!, outWeights[p]!);
      if (s > 0) heap.push(p, s);
    }
    for (let p = inStarts[x]!, pEnd = inStarts[x + 1]!; p < pEnd; p++) {
      const s = d.step(towards ? inSources[p]! : x, inRelations[p]!, inWeights[p]!);
      if (s > 0) heap.push(m + p, s);
    }
    list = Int32Array.from(heap.drain().ids);
    cache.set(x, list);
    return list;
  };

  // An edge position p: [0, m) = out edge p, [m, 2m) = in edge p − m.
  const relOf = (p: number): number => (p < m ? outRelations[p]! : inRelations[p - m]!);
  const weightOf = (p: number): number => (p < m ? outWeights[p]! : inWeights[p - m]!);
  const edgeFrom = (x: number, p: number): PathEdge =>
    p < m ? { from: x, to: outTargets[p]!, relation: outRelations[p]!, weight: outWeights[p]! } : { from: inSources[p - m]!, to: x, relation: inRelations[p - m]!, weight: inWeights[p - m]! };
  const degree = (x: number): number => outStarts[x + 1]! - outStarts[x]! + inStarts[x + 1]! - inStarts[x]!;
  const facts = from.facts ?? {};
  // The median degree of the entities that can link two nodes (degree ≥ 2), computed on first use.
  const autoRareDegree = (): number => {
    if (facts.autoRare !== undefined) return facts.autoRare;
    const degs: number[] = [];
    for (let x = 0; x < n; x++) {
      if (kinds[x] !== ENTITY) continue;
      const deg = degree(x);
      if (deg >= 2) degs.push(deg);
    }
    degs.sort((a, b) => a - b);
    facts.autoRare = degs.length > 0 ? degs[(degs.length - 1) >> 1]! : 1;
    return facts.autoRare;
  };
  // Which kinds of node an edge links (one O(m) pass per engine): bit 3·k + k' is set when some edge joins a node of
  // kind k and one of kind k' (both orders). User–item is always set: live writes add interactions.
  if (facts.kindLinks === undefined) {
    const USER = KIND_USER;
    let links = (1 << (3 * USER + ITEM)) | (1 << (3 * ITEM + USER));
    for (let u = 0; u < n; u++) {
      const ku = kinds[u]!;
      for (let p = outStarts[u]!, pEnd = outStarts[u + 1]!; p < pEnd; p++) {
        const kv = kinds[outTargets[p]!]!;
        links |= (1 << (3 * ku + kv)) | (1 << (3 * kv + ku));
      }
    }
    facts.kindLinks = links;
  }
  const kindLinks = facts.kindLinks;
  /** The kinds (bit per kind code) of the nodes that an edge can join to a node of kind `k`. */
  const linkedKinds = (k: number): number => (kindLinks >> (3 * k)) & 7;
  // When every edge has exactly one Item end (users and entities on one side, items on the other), a path's length
  // parity is fixed by its ends: user → item paths have odd length, and the 2- and 4-hop searches can be skipped.
  const sided = (linkedKinds(ITEM) & (1 << ITEM)) === 0 && (linkedKinds(KIND_USER) & ~(1 << ITEM)) === 0 && (linkedKinds(ENTITY) & ~(1 << ITEM)) === 0;

  return {
    find(source: number, target: number, overrides: Partial<PathOptions> = {}, scope?: readonly number[]): GraphPath[] {
      const o: PathOptions = Object.keys(overrides).length === 0 ? base : { ...base, ...overrides };
      if (o !== base) assertPathOptions(o);
      for (const [name, x] of [['source', source], ['target', target]] as const) {
        if (!Number.isInteger(x) || x < 0 || x >= n) throw new AppError('BAD_REQUEST', `explain/paths: ${name} ${x} is not a node index`);
      }
      if (source === target || o.maxPaths === 0) return [];
      // Which path lengths can exist: both parities, or only odd / only even ones on a two-sided graph.
      const possibleTo = (t: number, hops: number): boolean => {
        if (hops > o.maxHops) return false;
        if (!sided) return true;
        const odd = (kinds[source] === ITEM) !== (kinds[t] === ITEM);
        return odd === (hops % 2 === 1);
      };
      const possible = (hops: number): boolean => possibleTo(target, hops);
      const d = o.damping;
      const rated = o.rated;
      const floor = o.ratingFloor;
      const hubDegree = o.hubDegree;
      const hubExponent = o.hubExponent;
      const rareDegree = o.rareDegree === 'auto' ? autoRareDegree() : o.rareDegree;
      const rareExponent = o.rareExponent;
      const derived = derivedOf(o);
      const { relBonus, step } = derived;
      const cap = o.maxExpand;
      /** Hands `visit` each edge of x that a second hop expands: all of them, or a hub's `cap` strongest. */
      const expand = (x: number, towards: boolean, visit: (p: number, y: number, r: number, w: number) => void): void => {
        if (degree(x) > cap) {
          for (const p of strongest(derived, x, towards, cap)) visit(p, p < m ? outTargets[p]! : inSources[p - m]!, relOf(p), weightOf(p));
          return;
        }
        for (let p = outStarts[x]!, pEnd = outStarts[x + 1]!; p < pEnd; p++) visit(p, outTargets[p]!, outRelations[p]!, outWeights[p]!);
        for (let p = inStarts[x]!, pEnd = inStarts[x + 1]!; p < pEnd; p++) visit(m + p, inSources[p]!, inRelations[p]!, inWeights[p]!);
      };
      /** Hands `visit` the first backward hop of target t as B1 offers it: each b with its probability q of b → t. */
      const firstBack = (t: number, visit: (p: number, b: number, q: number) => void): void =>
        expand(t, true, (p, b, r, w) => {
          const q = d * step(b, r, w);
          if (b !== t && q > 0) visit(p, b, q);
        });
      const hub = (x: number): number => {
        if (kinds[x] !== ENTITY) return 1;
        const deg = degree(x);
        if (deg > hubDegree) return Math.pow(hubDegree / deg, hubExponent);
        return deg < rareDegree ? Math.pow(deg / rareDegree, rareExponent) : 1;
      };
      /** Effective weight of an edge (relation r, weight w): rating − floor for rated interactions. */
      const effective = (r: number, w: number): number => (rated && r === REL ? Math.max(w - floor, 0) : w) * rw[r]!;

      const set = setFor(o.perNode);
      const { F1, F2, B1, B2 } = set;
      const B = o.perNode;
      // Candidates are stored compactly as ids and only the survivors of the heap are built as paths (the beams stay
      // valid until the next call). An id is where the candidate stands in one fixed enumeration — kind 0 = direct edges
      // by edge position, then joins by (kind, forward-beam order of the meeting node, j, k) with kind 1 = F1·B1,
      // 2 = F2·B1, 3 = F2·B2 — which is the heap's tie-break, so ties resolve the same whatever order the joins run in.
      const BB = B * B;
      const joinBase = 2 * m;
      const heap = heapFor(Math.max(o.maxPaths * 30, 30));

      // Forward side: F1 = the source's neighbours (first hop), F2 = their neighbours. Reused when the last call built
      // it for this source and options without excluding a target, and this target is not a first-hop neighbour.
      // With a scope that holds the target, F2 is built for the scope's targets only (see "Scope" above).
      // A hub source's F1 leaves out neighbours (see "Hubs" above), so for it "not a first-hop neighbour" is checked on
      // its edges.
      const needF2 = possible(3) || possible(4);
      const forTargets = scope && scope.includes(target) ? scope : null;
      const hubSource = kinds[source] !== KIND_USER && degree(source) > cap;
      const reuse =
        set.fwSource === source &&
        set.fwOptions === o &&
        set.fwGeneric &&
        F1.count[target] === 0 &&
        (set.fwHasF2 || !needF2) &&
        (set.fwScope === null || set.fwScope.includes(target)) &&
        !(hubSource && (findEdge(csr, source, target) >= 0 || findEdge(csr, target, source) >= 0));
      if (!reuse) {
        F1.clear();
        F2.clear();
        set.fwSource = -1;
        set.fwScope = null;
        // First hop from the source: seed-like weights for a user's rated items.
        const firstEdges: Array<[number, number, number]> = []; // [p, y, c]
        let firstTotal = 0;
        let rawTotal = 0;
        const first = (p: number, y: number, r: number, w: number): void => {
          const raw = w * rw[r]!;
          if (!(raw > 0)) return;
          const c = effective(r, w);
          firstEdges.push([p, y, c]);
          firstTotal += c;
          rawTotal += raw;
        };
        for (let p = outStarts[source]!, pEnd = outStarts[source + 1]!; p < pEnd; p++) first(p, outTargets[p]!, outRelations[p]!, outWeights[p]!);
        for (let p = inStarts[source]!, pEnd = inStarts[source + 1]!; p < pEnd; p++) first(m + p, inSources[p]!, inRelations[p]!, inWeights[p]!);
        const useRaw = !(firstTotal > 0);
        // The source's affinity to each first-hop item, relative to its strongest interaction.
        const affinityExponent = o.affinityExponent;
        let cMax = 0;
        if (affinityExponent > 0) for (const [p, , c] of firstEdges) if (relOf(p) === REL) cMax = Math.max(cMax, useRaw ? weightOf(p) * rw[REL]! : c);
        const probs = new Float64Array(firstEdges.length);
        firstEdges.forEach(([p, , c], j) => {
          const r = relOf(p);
          const affinity = affinityExponent > 0 && r === REL && cMax > 0 ? Math.pow((useRaw ? weightOf(p) * rw[REL]! : c) / cMax, affinityExponent) : 1;
          probs[j] = d * (useRaw ? (weightOf(p) * rw[r]!) / rawTotal : c / firstTotal) * relBonus[r]! * affinity;
        });
        // A hub source offers its `cap` strongest first steps only (higher probability first, ties to the lower
        // position), as a hub does on a second hop; an edge to the target is a path of its own whatever its strength.
        let kept: Uint8Array | null = null;
        if (hubSource) {
          const top = new TopKHeap(cap);
          firstEdges.forEach(([, y], j) => {
            if (y !== target && probs[j]! > 0) top.push(j, probs[j]!);
          });
          kept = new Uint8Array(firstEdges.length);
          for (const j of top.drain().ids) kept[j] = 1;
        }
        let hitTarget = false;
        firstEdges.forEach(([p, y], j) => {
          const prob = probs[j]!;
          if (!(prob > 0)) return;
          if (y === target) {
            hitTarget = true;
            if (possible(1)) heap.push(p, prob);
            return;
          }
          if (kept === null || kept[j] === 1) F1.offer(y, prob, p, -1, -1);
        });
        // Second hop: a → y. Generic (no target excluded) unless the target is a neighbour of the source.
        const excluded = hitTarget ? target : -1;
        if (needF2) {
          const f1prob = F1.prob;
          const f1a = F1.a;
          // Scoped: F2 keeps the nodes marked in `keep` (each scope target's first backward hop, as B1 offers them)
          // and any node of a kind in `keepKinds` (those a second backward hop can reach: no mark needed).
          const keep = set.keep;
          const marked: number[] = [];
          let keepKinds = forTargets ? 0 : 7;
          if (forTargets) {
            for (const t of forTargets) {
              if (possibleTo(t, 4)) for (let kb = 0; kb < 3; kb++) if ((linkedKinds(kinds[t]!) >> kb) & 1) keepKinds |= linkedKinds(kb);
              if (!possibleTo(t, 3) && !possibleTo(t, 4)) continue;
              firstBack(t, (_p, b) => {
                if (keep[b] === 0) {
                  keep[b] = 1;
                  marked.push(b);
                }
              });
            }
          }
          const scoped = keepKinds !== 7;
          /**
           * Offers F2 the second hops from `a`: `expand` with `step` written out (W[a] is the same for every edge). The
           * visitor is made here, in a function of its own, so that the compiler inlines it into the three loops; as a
           * closure handed to `expand` from this long function it stayed a call per edge (docs/development.md).
           */
          const hop2 = (a: number): void => {
            const Wa = W[a]!;
            if (!(Wa > 0)) return; // no edge away from a has a step
            const ha = hub(a);
            const lim = F1.count[a]!;
            const at = a * B;
            const visit = (p: number, y: number, r: number, w: number): void => {
              if (y === source || y === excluded || y === a) return;
              if (scoped && keep[y] === 0 && ((keepKinds >> kinds[y]!) & 1) === 0) return;
              const c = (rated && r === REL ? Math.max(w - floor, 0) : w) * rw[r]!;
              if (!(c > 0)) return;
              const s = (c / Wa) * relBonus[r]!;
              if (!(s > 0)) return;
              for (let j = 0; j < lim; j++) F2.offer(y, f1prob[at + j]! * d * s * ha, a, f1a[at + j]!, p);
            };
            if (degree(a) > cap) {
              const list = strongest(derived, a, false, cap);
              for (let i = 0; i < list.length; i++) {
                const p = list[i]!;
                if (p < m) visit(p, outTargets[p]!, outRelations[p]!, outWeights[p]!);
                else visit(p, inSources[p - m]!, inRelations[p - m]!, inWeights[p - m]!);
              }
              return;
            }
            for (let p = outStarts[a]!, pEnd = outStarts[a + 1]!; p < pEnd; p++) visit(p, outTargets[p]!, outRelations[p]!, outWeights[p]!);
            for (let p = inStarts[a]!, pEnd = inStarts[a + 1]!; p < pEnd; p++) visit(m + p, inSources[p]!, inRelations[p]!, inWeights[p]!);
          };
          let f2Kinds = 0;
          for (const a of F1.touched) {
            f2Kinds |= linkedKinds(kinds[a]!);
            hop2(a);
          }
          set.fwKinds = f2Kinds;
          for (const v of marked) keep[v] = 0;
          if (scoped) set.fwScope = [...forTargets!];
        }
        set.fwSource = source;
        set.fwOptions = o;
        set.fwGeneric = !hitTarget;
        set.fwHasF2 = needF2;
      }

      // Backward hop 1: b → target. Walking b → target uses the same physical edge; its probability is taken from b's side.
      // A hub target offers its `cap` strongest edges only (the raters of a very popular item: each b here is expanded
      // again on the second hop).
      B1.clear();
      B2.clear();
      firstBack(target, (p, b, q) => B1.offer(b, q, p, -1, -1));
      if (possible(4)) {
        // Backward hop 2: y → b (→ target), the probability again taken from the walking side (y). Only the 4-hop join
        // reads these beams, at nodes the forward side reached too: a y outside F2 is not offered (at 50M, items the
        // target's raters also rated: most of the work, none of the paths).
        const f2count = F2.count;
        const b1prob = B1.prob;
        const b1a = B1.a;
        /** Offers B2 the hops y → b: `expand` with `step` written out, its visitor inlined as in `hop2` above. */
        const hop2Back = (b: number): void => {
          const hb = hub(b);
          const lim = B1.count[b]!;
          const at = b * B;
          const visit = (p: number, y: number, r: number, w: number): void => {
            if (f2count[y] === 0 || y === source || y === target || y === b) return;
            const c = (rated && r === REL ? Math.max(w - floor, 0) : w) * rw[r]!;
            const Wy = W[y]!;
            if (!(c > 0 && Wy > 0)) return;
            const s = (c / Wy) * relBonus[r]!;
            if (!(s > 0)) return;
            for (let j = 0; j < lim; j++) B2.offer(y, b1prob[at + j]! * d * s * hb, b, b1a[at + j]!, p);
          };
          if (degree(b) > cap) {
            const list = strongest(derived, b, true, cap);
            for (let i = 0; i < list.length; i++) {
              const p = list[i]!;
              if (p < m) visit(p, outTargets[p]!, outRelations[p]!, outWeights[p]!);
              else visit(p, inSources[p - m]!, inRelations[p - m]!, inWeights[p - m]!);
            }
            return;
          }
          for (let p = outStarts[b]!, pEnd = outStarts[b + 1]!; p < pEnd; p++) visit(p, outTargets[p]!, outRelations[p]!, outWeights[p]!);
          for (let p = inStarts[b]!, pEnd = inStarts[b + 1]!; p < pEnd; p++) visit(m + p, inSources[p]!, inRelations[p]!, inWeights[p]!);
        };
        const f2Kinds = set.fwKinds;
        for (const b of B1.touched) {
          if (b === source) continue;
          // b's neighbours in F2 would have a kind linked to b's and one F2 can hold: a user's neighbours are items,
          // which a user's F2 never holds (on the generated graphs most of B1, each with all its items).
          if ((linkedKinds(kinds[b]!) & f2Kinds) === 0) continue;
          hop2Back(b);
        }
      }

      // Joins. Forward prefix to `mid`, then backward suffix from `mid` to the target.
      const suffix = (beam: Beam, mid: number, k: number): { nodes: number[]; edges: PathEdge[] } => {
        const at = mid * B + k;
        if (beam === B1) return { nodes: [target], edges: [edgeFrom(target, beam.a[at]!)] };
        const b = beam.a[at]!;
        // B2: mid —(c: edge expanded from b)— b —(b-entry edge expanded from target)— target.
        return { nodes: [b, target], edges: [edgeFrom(b, beam.c[at]!), edgeFrom(target, beam.b[at]!)] };
      };
      const prefix = (beam: Beam, mid: number, j: number): { nodes: number[]; edges: PathEdge[] } => {
        const at = mid * B + j;
        if (beam === F1) return { nodes: [source, mid], edges: [edgeFrom(source, beam.a[at]!)] };
        const a = beam.a[at]!;
        return { nodes: [source, a, mid], edges: [edgeFrom(source, beam.b[at]!), edgeFrom(a, beam.c[at]!)] };
      };
      const joinAt = (kind: number, fw: Beam, bw: Beam, mid: number): void => {
        const hm = hub(mid);
        const at = mid * B;
        const fcount = fw.count[mid]!;
        const bcount = bw.count[mid]!;
        const id0 = joinBase + ((kind - 1) * n + fw.order[mid]!) * BB;
        // Both beams are best first: once a product falls below the heap's worst kept score, nothing after it is kept.
        for (let j = 0; j < fcount; j++) {
          const fp = fw.prob[at + j]!;
          if (fp * bw.prob[at]! * hm < heap.floor) break;
          for (let k = j === 0 ? 1 : 0; k < bcount; k++) {
            const score = fp * bw.prob[at + k]! * hm;
            if (score < heap.floor) break;
            if (kind === 3 && fw.a[at + j] === bw.a[at + k]) continue; // a = b: not a simple path
            if (score > 0) heap.push(id0 + j * B + k, score);
          }
        }
      };
      /**
       * Forward prefixes × backward suffixes meeting at a node, walked from the smaller side: first each node's best
       * pair, which raises the heap's floor early, then the rest of its pairs (most of them then fall below it).
       */
      const join = (kind: number, fw: Beam, bw: Beam, hops: number): void => {
        if (!possible(hops)) return;
        const small = fw.touched.length <= bw.touched.length ? fw : bw;
        const other = small === fw ? bw : fw;
        for (const mid of small.touched) {
          if (mid === target || mid === source || other.count[mid] === 0) continue;
          const at = mid * B;
          if (kind === 3 && fw.a[at] === bw.a[at]) continue; // a = b: not a simple path
          const score = fw.prob[at]! * bw.prob[at]! * hub(mid);
          if (score > 0) heap.push(joinBase + ((kind - 1) * n + fw.order[mid]!) * BB, score);
        }
        for (const mid of small.touched) if (mid !== target && mid !== source && other.count[mid] !== 0) joinAt(kind, fw, bw, mid);
      };
      join(1, F1, B1, 2);
      join(2, F2, B1, 3);
      join(3, F2, B2, 4);
      const build = (id: number): { nodes: number[]; edges: PathEdge[] } => {
        if (id < joinBase) return { nodes: [source, target], edges: [edgeFrom(source, id)] };
        const rest = id - joinBase;
        const kind = 1 + Math.floor(rest / (n * BB));
        const within = rest - (kind - 1) * n * BB;
        const fw = kind === 1 ? F1 : F2;
        const mid = fw.touched[Math.floor(within / BB)]!;
        const jk = within % BB;
        const pre = prefix(fw, mid, Math.floor(jk / B));
        const suf = suffix(kind === 3 ? B2 : B1, mid, jk % B);
        return { nodes: [...pre.nodes, ...suf.nodes], edges: [...pre.edges, ...suf.edges] };
      };

      // Greedy non-redundant selection, best first (taken from the heap one at a time: usually a few suffice).
      const uses = new Map<number, number>();
      const chosen: GraphPath[] = [];
      while (chosen.length < o.maxPaths && heap.takeBest()) {
        const cand = build(heap.takenId);
        const inner = cand.nodes.slice(1, -1);
        if (new Set(cand.nodes).size !== cand.nodes.length) continue;
        if (inner.some((x) => (uses.get(x) ?? 0) >= o.maxNodeReuse)) continue;
        for (const x of inner) uses.set(x, (uses.get(x) ?? 0) + 1);
        chosen.push({ nodes: cand.nodes, edges: cand.edges, score: heap.takenScore });
      }
      return chosen;
    },
  };
}
