/**
 * @module explain/paths
 * Path-level evidence (G-Refer's path retrieval): the few best paths between a user and a recommended item on the
 * projection, through interactions and knowledge, in both edge directions, at most 4 hops.
 *
 * Score of a path x₀ → x₁ → … → x_L (x₀ = the user, x_L = the item) = the PPR flow along it, reweighted:
 *
 *     score = Π_h  d · P(x_{h−1} → x_h) · bonus(relation_h)  ·  Π_{intermediate entities x} hub(x)
 *     P(x → y) = c_xy / W(x)          (the walk of compute/ppr/transition: c = weight · relation weight)
 *     bonus    = 1 for interactions; knowledgeBonus · relationBonus[name] for knowledge relations (people
 *                understand "same director" better than "co-rated")
 *     hub(x)   = (hubDegree / deg(x))^hubExponent when an entity's degree exceeds hubDegree (huge categories)
 *
 * With `rated`, every interaction edge counts max(rating − ratingFloor, 0) instead of its rating (the PPR seed
 * weights), so "you rated X 1★" or "another user rated it 2★" is not evidence; the user's first hop is normalised
 * over their own edges (falling back to the raw weights when every rating is at or below the floor).
 *
 * Search: meet in the middle. From the user, the best `perNode` one- and two-hop prefixes per end node;
 * from the item, the best `perNode` one- and two-hop suffixes; a path of length L is joined at its node
 * ⌈L/2⌉ (forward part ⌈L/2⌉ ≤ 2 hops, backward part ≤ 2 hops), so every simple path of ≤ 4 hops is found exactly once
 * (within the per-node beam). Cost: Σ deg over the user's and the item's neighbours (≈ 10⁵ edge visits for a heavy
 * ML-100K user), with O(n · perNode) scratch reused across calls.
 *
 * Pruning (path-level redundancy): candidates are taken best first, and a path is skipped when one of its
 * intermediate nodes already appears in `maxNodeReuse` chosen paths — no three paths through the same middle node.
 * The selection looks at the best max(30 · maxPaths, 30) candidates (a heap; candidates are never fully sorted).
 *
 * @example
 * const finder = createPathFinder(csr, transition);
 * finder.find(userIndex, itemIndex); // [{ nodes: [u, alien, ridley, bladeRunner], edges: [...], score }]
 */
import { AppError } from '../core/errors.ts';
import { assertTransition, type Transition } from '../compute/ppr/transition.ts';
import { assertValidCsr, INTERACTION_RELATION_ID, KIND_CODES, type Csr } from '../project/csr.ts';
import { TopKHeap } from '../retrieve/top-k.ts';

// Imported constants copied into module scope: hot loops then read a local binding, not an import accessor.
const REL_INTERACTION = INTERACTION_RELATION_ID;
const KIND_ITEM: number = KIND_CODES.Item;
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
  /** How many chosen paths may pass through one intermediate node. [1] */
  maxNodeReuse: number;
  /** The user's interaction weights are ratings. [true] */
  rated: boolean;
  /** Ratings at or below this do not start a path (when `rated`, unless the user has nothing above it). [2] */
  ratingFloor: number;
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
  maxNodeReuse: 1,
  rated: true,
  ratingFloor: 2,
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
  /** Best non-redundant paths from `source` to `target`, best first (empty when none within maxHops). */
  find(source: number, target: number, options?: Partial<PathOptions>): GraphPath[];
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
  if (!Number.isInteger(o.maxNodeReuse) || o.maxNodeReuse < 1) bad('maxNodeReuse must be an integer ≥ 1');
  if (!Number.isFinite(o.ratingFloor)) bad('ratingFloor must be finite');
}

/**
 * Top-`B` beam per node: `prob[v·B + j]` best first, with up to three payload ints per entry. Entries are reset
 * through the touched list, so a query costs only what it touches.
 */
class Beam {
  readonly count: Uint8Array;
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
    this.prob = new Float64Array(n * width);
    this.a = new Int32Array(n * width);
    this.b = new Int32Array(n * width);
    this.c = new Int32Array(n * width);
  }

  clear(): void {
    for (const v of this.touched) this.count[v] = 0;
    this.touched = [];
  }

  offer(v: number, p: number, a: number, b: number, c: number): void {
    const B = this.width;
    let cnt = this.count[v]!;
    if (cnt === 0) this.touched.push(v);
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

/** Creates a path finder over `csr` with the walk of `transition` (scratch O(n · perNode), reused). */
export function createPathFinder(csr: Csr, transition: Transition, defaults: Partial<PathOptions> = {}): PathFinder {
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
  const beams = new Map<number, Beam[]>();
  const beamsFor = (B: number): Beam[] => {
    let b = beams.get(B);
    if (!b) beams.set(B, (b = [new Beam(n, B), new Beam(n, B), new Beam(n, B), new Beam(n, B)]));
    return b;
  };

  // An edge position p: [0, m) = out edge p, [m, 2m) = in edge p − m.
  const relOf = (p: number): number => (p < m ? outRelations[p]! : inRelations[p - m]!);
  const weightOf = (p: number): number => (p < m ? outWeights[p]! : inWeights[p - m]!);
  const edgeFrom = (x: number, p: number): PathEdge =>
    p < m ? { from: x, to: outTargets[p]!, relation: outRelations[p]!, weight: outWeights[p]! } : { from: inSources[p - m]!, to: x, relation: inRelations[p - m]!, weight: inWeights[p - m]! };
  const forEachEdge = (x: number, f: (p: number, y: number) => void): void => {
    for (let p = outStarts[x]!; p < outStarts[x + 1]!; p++) f(p, outTargets[p]!);
    for (let p = inStarts[x]!; p < inStarts[x + 1]!; p++) f(m + p, inSources[p]!);
  };
  const degree = (x: number): number => outStarts[x + 1]! - outStarts[x]! + inStarts[x + 1]! - inStarts[x]!;
  // When every edge has exactly one Item end (users and entities on one side, items on the other), a path's length
  // parity is fixed by its ends: user → item paths have odd length, and the 2- and 4-hop searches can be skipped.
  let sided = true;
  for (let u = 0; u < n && sided; u++) {
    const uItem = kinds[u] === KIND_ITEM;
    for (let p = outStarts[u]!; p < outStarts[u + 1]!; p++) {
      if ((kinds[outTargets[p]!] === KIND_ITEM) === uItem) {
        sided = false;
        break;
      }
    }
  }

  return {
    find(source: number, target: number, overrides: Partial<PathOptions> = {}): GraphPath[] {
      const o: PathOptions = Object.keys(overrides).length === 0 ? base : { ...base, ...overrides };
      if (o !== base) assertPathOptions(o);
      for (const [name, x] of [['source', source], ['target', target]] as const) {
        if (!Number.isInteger(x) || x < 0 || x >= n) throw new AppError('BAD_REQUEST', `explain/paths: ${name} ${x} is not a node index`);
      }
      if (source === target || o.maxPaths === 0) return [];
      // Which path lengths can exist: both parities, or only odd / only even ones on a two-sided graph.
      const oddOnly = sided && (kinds[source] === KIND_ITEM) !== (kinds[target] === KIND_ITEM);
      const evenOnly = sided && !oddOnly;
      const possible = (hops: number): boolean => hops <= o.maxHops && !(oddOnly && hops % 2 === 0) && !(evenOnly && hops % 2 === 1);
      const d = o.damping;
      const relBonus = new Float64Array(csr.relations.length).fill(1);
      csr.relations.forEach((name, r) => {
        if (r !== REL_INTERACTION) relBonus[r] = o.knowledgeBonus * ((o.relationBonus as Readonly<Record<string, number>>)[name] ?? 1);
      });
      const hub = (x: number): number => {
        if (kinds[x] !== KIND_ENTITY) return 1;
        const deg = degree(x);
        return deg > o.hubDegree ? Math.pow(o.hubDegree / deg, o.hubExponent) : 1;
      };
      /** Effective weight of edge p: rating − floor for rated interactions. */
      const effective = (p: number): number => {
        const r = relOf(p);
        const w = weightOf(p);
        return (o.rated && r === REL_INTERACTION ? Math.max(w - o.ratingFloor, 0) : w) * rw[r]!;
      };
      /** P(x → other end of edge p) · bonus, or 0 when the walk cannot take it. */
      const step = (x: number, p: number): number => {
        const c = effective(p);
        return c > 0 && W[x]! > 0 ? (c / W[x]!) * relBonus[relOf(p)]! : 0;
      };

      const [F1, F2, B1, B2] = beamsFor(o.perNode);
      for (const beam of [F1!, F2!, B1!, B2!]) beam.clear();
      const B = o.perNode;

      // First hop from the source: seed-like weights for a user's rated items.
      const firstEdges: Array<[number, number, number]> = []; // [p, y, c]
      let firstTotal = 0;
      let rawTotal = 0;
      forEachEdge(source, (p, y) => {
        const r = relOf(p);
        const raw = weightOf(p) * rw[r]!;
        if (!(raw > 0)) return;
        const c = effective(p);
        firstEdges.push([p, y, c]);
        firstTotal += c;
        rawTotal += raw;
      });
      const useRaw = !(firstTotal > 0);
      // Candidates are stored compactly (kind, mid, j, k) and only the survivors of the heap are built as paths; the
      // beams stay valid until the next call. kind 0 = direct edge (mid = edge position), 1 = F1·B1, 2 = F2·B1, 3 = F2·B2.
      const cKind: number[] = [];
      const cMid: number[] = [];
      const cJ: number[] = [];
      const cK: number[] = [];
      const heap = new TopKHeap(Math.max(o.maxPaths * 30, 30));
      const pushCandidate = (score: number, kind: number, mid: number, j: number, k: number): void => {
        if (!(score > 0)) return;
        if (heap.push(cKind.length, score)) {
          cKind.push(kind);
          cMid.push(mid);
          cJ.push(j);
          cK.push(k);
        } else {
          cKind.push(-1);
          cMid.push(0);
          cJ.push(0);
          cK.push(0);
        }
      };

      for (const [p, y, c] of firstEdges) {
        const prob = d * (useRaw ? weightOf(p) * rw[relOf(p)]! / rawTotal : c / firstTotal) * relBonus[relOf(p)]!;
        if (!(prob > 0)) continue;
        if (y === target) {
          if (possible(1)) pushCandidate(prob, 0, p, 0, 0);
          continue;
        }
        F1!.offer(y, prob, p, -1, -1);
      }
      // Backward hop 1: b → target.
      forEachEdge(target, (p, b) => {
        if (b === target) return;
        // Walking b → target uses the same physical edge; its probability is taken from b's side.
        const q = d * step(b, p);
        if (q > 0) B1!.offer(b, q, p, -1, -1);
      });
      if (possible(3) || possible(4)) {
        for (const a of F1!.touched) {
          if (a === target) continue;
          const ha = hub(a);
          const lim = F1!.count[a]!;
          forEachEdge(a, (p, y) => {
            if (y === source || y === target || y === a) return;
            const s = step(a, p);
            if (!(s > 0)) return;
            for (let j = 0; j < lim; j++) F2!.offer(y, F1!.prob[a * B + j]! * d * s * ha, a, F1!.a[a * B + j]!, p);
          });
        }
      }
      if (possible(4)) {
        for (const b of B1!.touched) {
          if (b === source) continue;
          const hb = hub(b);
          const lim = B1!.count[b]!;
          forEachEdge(b, (p, y) => {
            if (y === source || y === target || y === b) return;
            const s = step(y, p);
            if (!(s > 0)) return;
            for (let j = 0; j < lim; j++) B2!.offer(y, B1!.prob[b * B + j]! * d * s * hb, b, B1!.a[b * B + j]!, p);
          });
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
      const join = (kind: number, fw: Beam, bw: Beam, hops: number): void => {
        if (!possible(hops)) return;
        for (const mid of fw.touched) {
          if (mid === target || mid === source || bw.count[mid] === 0) continue;
          const hm = hub(mid);
          for (let j = 0; j < fw.count[mid]!; j++) {
            for (let k = 0; k < bw.count[mid]!; k++) {
              if (kind === 3 && fw.a[mid * B + j] === bw.a[mid * B + k]) continue; // a = b: not a simple path
              pushCandidate(fw.prob[mid * B + j]! * bw.prob[mid * B + k]! * hm, kind, mid, j, k);
            }
          }
        }
      };
      join(1, F1!, B1!, 2);
      join(2, F2!, B1!, 3);
      join(3, F2!, B2!, 4);
      const build = (id: number): { nodes: number[]; edges: PathEdge[] } => {
        const kind = cKind[id]!;
        const mid = cMid[id]!;
        if (kind === 0) return { nodes: [source, target], edges: [edgeFrom(source, mid)] };
        const pre = prefix(kind === 1 ? F1! : F2!, mid, cJ[id]!);
        const suf = suffix(kind === 3 ? B2! : B1!, mid, cK[id]!);
        return { nodes: [...pre.nodes, ...suf.nodes], edges: [...pre.edges, ...suf.edges] };
      };

      // Greedy non-redundant selection, best first.
      const { ids, scores } = heap.drain();
      const uses = new Map<number, number>();
      const chosen: GraphPath[] = [];
      for (let r = 0; r < ids.length; r++) {
        if (chosen.length >= o.maxPaths) break;
        const cand = { ...build(ids[r]!), score: scores[r]! };
        const inner = cand.nodes.slice(1, -1);
        if (new Set(cand.nodes).size !== cand.nodes.length) continue;
        if (inner.some((x) => (uses.get(x) ?? 0) >= o.maxNodeReuse)) continue;
        for (const x of inner) uses.set(x, (uses.get(x) ?? 0) + 1);
        chosen.push({ nodes: cand.nodes, edges: cand.edges, score: cand.score });
      }
      return chosen;
    },
  };
}
