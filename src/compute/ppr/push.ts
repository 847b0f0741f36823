/**
 * @module compute/ppr/push
 * Approximate PPR for request time: forward push (Andersen, Chung & Lang 2006, non-lazy form) with a closed-form
 * estimate of the leftover residual.
 *
 * Push keeps an estimate `p` and a residual `r` (initially `r = s`) with the invariant
 *
 *     π = p + Σ_u r[u] · π_u                                   (π_u: PPR seeded at u alone)
 *
 * Pushing node u moves `(1 − d)·r[u]` into `p[u]` and spreads `d·r[u]` over its neighbours in proportion to
 * P(u → ·) (a dangling node sends it back to the seeds, as everywhere in this folder). A node is pushed while
 * `r[u] > threshold · W(u)` (W = weighted degree, read as 1 for a dangling node) — the ACL rule: the work is at most
 * `1 / ((1 − d) · threshold)` edge visits whatever the graph size.
 *
 * Two phases. While few nodes are active, nodes come from a FIFO queue (local, touches only the seeds'
 * neighbourhood). Once the queue holds more than `sweepFraction · n` nodes, the solver switches to sweeps: passes
 * over all nodes in index order, pushing every node above the threshold (Gauss–Seidel style, no queue bookkeeping,
 * sequential reads) until a pass pushes nothing — the "PowerPush" observation that global sweeps beat a queue once
 * the frontier is large.
 *
 * Tail estimate (`tail: 'stationary'`, the default). Rather than dropping the residual, each `π_u` in the invariant
 * is replaced by its long-walk form: the walk restarts at u at once with probability 1 − d, and otherwise is
 * assumed mixed — spread in proportion to weighted degree over u's connected component. For a component that is
 * bipartite (users and entities on one side, items on the other — the plain user–item–knowledge graph), steps
 * alternate sides, so mass lands on the other side with probability d/(1 + d) and on u's side with d²/(1 + d),
 * each spread as 2W(v)/W_component. So
 *
 *     score(v) = p[v] + (1 − d)·r[v] + W(v) · tail[component of v, side of v]
 *
 * Scores still sum to 1 and converge to exact PPR as the threshold goes to 0; on graphs where PPR is dominated by
 * well-connected nodes (ML-100K + DBpedia: exact top-20 unseen items ≈ top-20 by weighted degree) it buys the same
 * ranking quality for ~10× less push work. `tail: 'none'` returns `p + (1 − d)·r` (every estimate ≤ π).
 *
 * Request-time use: a `PushSolver` owns its scratch (O(n), allocated once). A query costs the push work only: it
 * keeps the list of nodes it touched, clears only those next time, and sums the residual per component side over
 * them. Its result reads one node's score in O(1) (`scoreOf`; an untouched node's score is its tail `W(v) · tail`),
 * and fills the dense `scores` view (O(n)) only when a caller reads it. One solver per thread of execution.
 *
 * @example
 * const solver = createPushSolver(t, { threshold: 3e-6 });
 * const { scores } = solver.query(seeds);
 * collectTopK(csr, scores, 20, { kinds: ['Item'], exclude: seen });
 */
import { AppError } from '../../core/errors.ts';
import { claimer, type PooledScratch, type ScratchPool } from '../../core/scratch-pool.ts';
import { assertSeeds, type SeedVector } from './seed-vector.ts';
import { assertDamping, assertTransition, type Transition } from './transition.ts';
import { insertedNodes, oldIndexOf, scatter, type Renumbering } from '../../project/renumber.ts';

export interface PushOptions {
  /** Probability of following an edge. [0.85] */
  damping: number;
  /** Push while r[u] > threshold · W(u). Smaller = more accurate and slower. [3e-6] */
  threshold: number;
  /** How the leftover residual is scored: closed-form long-walk estimate, or not at all. ['stationary'] */
  tail: 'stationary' | 'none';
  /** Switch from the queue to full sweeps once the queue holds more than this share of the nodes. [0.1] */
  sweepFraction: number;
  /** Stop after this many edge visits and return what has been computed (flagged `truncated`). [1e7] */
  maxWork: number;
}

export const PUSH_DEFAULTS = { damping: 0.85, threshold: 3e-6, tail: 'stationary', sweepFraction: 0.1, maxWork: 10_000_000 } as const satisfies PushOptions;

export interface PushResult {
  /**
   * Dense scores (one per node); a view into the solver's scratch, valid until its next query (with a scratch pool,
   * until the next query of any solver sharing it). Filled on first read (O(n)): a caller that only needs some nodes
   * reads `scoreOf` instead.
   */
  readonly scores: Float64Array;
  /** The nodes the push reached (non-zero estimate or residual), each once; a view valid as long as `scores`. */
  touched: Uint32Array;
  /** Score of one node, O(1): the same value `scores` holds for it. */
  scoreOf(v: number): number;
  /** The tail part alone, W(v) · tail of v's component side: the whole score of a node not in `touched`. */
  tailOf(v: number): number;
  /** Index of v's component side (nodes with the same index share one tail factor). */
  sideOf(v: number): number;
  /** The component sides (as `sideOf` numbers them) with a positive tail factor; empty with `tail: 'none'` or no residual left. */
  tailedSides: number[];
  /** Node pushes performed. */
  pushes: number;
  /** Edge visits performed. */
  work: number;
  /** Residual mass left when pushing stopped. */
  residual: number;
  /** Whether the sweep phase ran. */
  swept: boolean;
  truncated: boolean;
}

export interface PushSolver {
  readonly transition: Transition;
  /** The component sides of the tail, once a query needed them (or as given at creation). */
  readonly sides: ComponentSides | undefined;
  query(seeds: SeedVector, options?: Partial<PushOptions>): PushResult;
}

function assertPushOptions(o: PushOptions): void {
  assertDamping(o.damping);
  if (!(o.threshold > 0 && o.threshold < 1)) throw new AppError('BAD_REQUEST', `compute/ppr: push threshold must be in (0, 1) (got ${o.threshold})`);
  if (o.tail !== 'stationary' && o.tail !== 'none') throw new AppError('BAD_REQUEST', `compute/ppr: push tail must be stationary or none (got ${String(o.tail)})`);
  if (!(o.sweepFraction >= 0 && o.sweepFraction <= 1)) throw new AppError('BAD_REQUEST', `compute/ppr: sweepFraction must be in [0, 1] (got ${o.sweepFraction})`);
  if (!(o.maxWork >= 1)) throw new AppError('BAD_REQUEST', `compute/ppr: maxWork must be ≥ 1 (got ${o.maxWork})`);
}

/** Connected components of a transition graph, a 2-colouring of each, and the weighted degree per component side. */
export interface ComponentSides {
  /** Component of each node. */
  component: Uint32Array;
  /** Side (0/1) of each node in its component's colouring (0 throughout a component that is not bipartite). */
  side: Uint8Array;
  /** Per component: 1 when the colouring has no conflict (every edge joins the two sides). */
  bipartite: Uint8Array;
  /** Per component c: Σ W over side 0 at [2c], over side 1 at [2c + 1]. */
  strengthBySide: Float64Array;
  count: number;
}

/**
 * Connected components of the transition graph and a 2-colouring of each (side 0/1 per node; a component is
 * bipartite when the colouring has no conflict), with the weighted degree total per component and side.
 */
export function componentSides(t: Transition): ComponentSides {
  const n = t.nodeCount;
  const component = new Uint32Array(n);
  const side = new Uint8Array(n);
  const stack = new Uint32Array(Math.max(n, 1));
  const bipartiteList: number[] = [];
  // The walk reads one byte per edge end, `mark[v]` = 0 unvisited, else 1 + v's side: the 2.6 MB byte array of a
  // 50M-interaction graph stays in cache where the 4-byte component ids do not (3.5 s → 2.4 s on a random graph of
  // 50M edges). Locals, not property reads, in the loop.
  const mark = new Uint8Array(n);
  const { starts, neighbors } = t;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (mark[root] !== 0) continue;
    const c = count++;
    let ok = 1;
    let top = 0;
    mark[root] = 1;
    component[root] = c;
    stack[top++] = root;
    while (top > 0) {
      const u = stack[--top]!;
      const mu = mark[u]!;
      const other = mu ^ 3;
      const end = starts[u + 1]!;
      for (let e = starts[u]!; e < end; e++) {
        const v = neighbors[e]!;
        const mv = mark[v]!;
        if (mv === 0) {
          mark[v] = other;
          component[v] = c;
          stack[top++] = v;
        } else if (mv === mu) ok = 0;
      }
    }
    bipartiteList.push(ok);
  }
  for (let v = 0; v < n; v++) side[v] = mark[v]! - 1;
  // A component that is not bipartite has no sides that mean anything: all its nodes get side 0, so its colouring (which
  // depends on the search order) never enters a sum, and a patched structure equals a fresh one.
  const bipartite = Uint8Array.from(bipartiteList);
  for (let v = 0; v < n; v++) if (bipartite[component[v]!] === 0) side[v] = 0;
  return { component, side, bipartite, strengthBySide: sideStrengths(t, component, side, count), count };
}

/** Σ W per component side, summed in node order (so a patched structure sums exactly as a fresh one). */
function sideStrengths(t: Transition, component: Uint32Array, side: Uint8Array, count: number): Float64Array {
  const sums = new Float64Array(2 * count);
  for (let v = 0; v < t.nodeCount; v++) sums[2 * component[v]! + side[v]!]! += t.strength[v]!;
  return sums;
}

/**
 * The sides numbered and coloured as {@link componentSides} numbers and colours them, from a structure that is right up
 * to its numbering: components `root[c]` merged into one (`parity[c]` = 1 flips c's sides to its root's), roots
 * whose `bipartite` flag says what the merged component is. Components are numbered in the order of their lowest
 * node, whose side is 0; a component left without nodes disappears. O(n + count).
 */
function canonicalSides(t: Transition, component: Uint32Array, side: Uint8Array, bipartite: Uint8Array, root: Uint32Array, parity: Uint8Array): ComponentSides {
  const n = t.nodeCount;
  const id = new Int32Array(root.length).fill(-1);
  const flip = new Uint8Array(root.length);
  const outComponent = new Uint32Array(n);
  const outSide = new Uint8Array(n);
  const flags: number[] = [];
  for (let v = 0; v < n; v++) {
    const c = component[v]!;
    const r = root[c]!;
    const s = side[v]! ^ parity[c]!;
    if (id[r]! < 0) {
      id[r] = flags.length;
      flip[r] = s;
      flags.push(bipartite[r]!);
    }
    outComponent[v] = id[r]!;
    outSide[v] = bipartite[r] === 1 ? s ^ flip[r]! : 0;
  }
  const count = flags.length;
  return { component: outComponent, side: outSide, bipartite: Uint8Array.from(flags), strengthBySide: sideStrengths(t, outComponent, outSide, count), count };
}

/**
 * `prev` at the new indices of `r` (project/renumber: nodes inserted), each new node a component of its own: the
 * component sides of the graph with the new nodes and none of their edges, numbered as {@link componentSides} numbers
 * them. `after` gives the side totals (a transition with the new nodes). O(n).
 */
export function renumberComponentSides(prev: ComponentSides, after: Transition, r: Renumbering): ComponentSides {
  const n = r.nodeCount;
  if (prev.component.length !== r.oldToNew.length || after.nodeCount !== n) throw new AppError('BAD_REQUEST', 'compute/ppr: the renumbering belongs to another graph');
  const added = insertedNodes(r);
  const component = scatter(Uint32Array, prev.component, r, false);
  added.forEach((v, k) => (component[v] = prev.count + k));
  const bipartite = new Uint8Array(prev.count + added.length).fill(1);
  bipartite.set(prev.bipartite);
  const root = Uint32Array.from({ length: bipartite.length }, (_, c) => c);
  return canonicalSides(after, component, scatter(Uint8Array, prev.side, r, false), bipartite, root, new Uint8Array(bipartite.length));
}

/**
 * The component sides of `after`, a transition that differs from `before` only in the rows of `touched` (compute/ppr
 * `patchTransition`), from those of `before` — or undefined when the edits may have split a component (a touched row
 * lost a neighbour; then `componentSides(after)` is needed). New edges within a component keep the structure (one that
 * joins two nodes on the same side of a bipartite component makes it not bipartite). New edges between components
 * merge them (a new user's or item's first edges do): union–find over the components, with the parity of each one's
 * colouring against its root's, then one pass that numbers and colours the merged structure as a fresh one would.
 * The side totals are summed again (O(n)). Equal to `componentSides(after)`. Live writes replace the context on every
 * batch; at 50M interactions a fresh `componentSides` takes seconds, this a few milliseconds. With `r` (the write also
 * inserted nodes; project/renumber), `prev` is already renumbered ({@link renumberComponentSides}) and `before` is the
 * transition at the old indices.
 */
export function patchComponentSides(prev: ComponentSides, before: Transition, after: Transition, touched: ArrayLike<number>, r?: Renumbering): ComponentSides | undefined {
  const n = after.nodeCount;
  if ((r ? before.nodeCount !== r.oldToNew.length || r.nodeCount !== n : before.nodeCount !== n) || prev.component.length !== n) return undefined;
  const { component, side, bipartite, count } = prev;
  let merged: { root: Uint32Array; parity: Uint8Array; bipartite: Uint8Array } | undefined;
  // The root of component c and c's parity against it (path halving keeps the parity of each step).
  const find = (c: number, u: { root: Uint32Array; parity: Uint8Array }): [number, number] => {
    let p = 0;
    while (u.root[c] !== c) {
      const up = u.root[c]!;
      if (u.root[up] !== up) {
        u.parity[c]! ^= u.parity[up]!;
        u.root[c] = u.root[up]!;
      }
      p ^= u.parity[c]!;
      c = u.root[c]!;
    }
    return [c, p];
  };
  if (r || after.starts !== before.starts || after.neighbors !== before.neighbors) {
    const mark = new Uint8Array(n);
    const map = r?.oldToNew;
    for (const u of new Set(Array.from(touched))) {
      for (let e = after.starts[u]!, eEnd = after.starts[u + 1]!; e < eEnd; e++) mark[after.neighbors[e]!] = 1;
      let lost = false;
      // u's row before the write (with `r`: at its old index, neighbours mapped; a new node had none).
      const s = r ? oldIndexOf(r, u) : u;
      if (s >= 0) for (let e = before.starts[s]!, eEnd = before.starts[s + 1]!; e < eEnd; e++) if (mark[map ? map[before.neighbors[e]!]! : before.neighbors[e]!] === 0) lost = true;
      for (let e = after.starts[u]!, eEnd = after.starts[u + 1]!; e < eEnd; e++) mark[after.neighbors[e]!] = 0;
      if (lost) return undefined;
      for (let e = after.starts[u]!, eEnd = after.starts[u + 1]!; e < eEnd; e++) {
        const v = after.neighbors[e]!;
        const same = component[v] === component[u];
        if (!merged && same && (bipartite[component[u]!] === 0 || side[v] !== side[u])) continue;
        merged ??= { root: Uint32Array.from({ length: count }, (_, c) => c), parity: new Uint8Array(count), bipartite: bipartite.slice() };
        const [ru, pu] = find(component[u]!, merged);
        const [rv, pv] = find(component[v]!, merged);
        const su = side[u]! ^ pu;
        const sv = side[v]! ^ pv;
        if (ru === rv) {
          if (su === sv) merged.bipartite[ru] = 0;
        } else {
          merged.root[rv] = ru;
          merged.parity[rv] = su ^ sv ^ 1;
          merged.bipartite[ru]! &= merged.bipartite[rv]!;
        }
      }
    }
  }
  if (!merged) return { component, side, bipartite, strengthBySide: sideStrengths(after, component, side, count), count };
  // Every component's root and parity, once, for the numbering pass.
  const root = new Uint32Array(count);
  const parity = new Uint8Array(count);
  for (let c = 0; c < count; c++) [root[c], parity[c]] = find(c, merged);
  return canonicalSides(after, component, side, merged.bipartite, root, parity);
}

// Fields of a node's record in the solver's scratch (see createPushSolver). SCALE holds the threshold scale W(u) (1 for
// a dangling node), negated while the node is touched: the mark costs no field of its own. SIDE holds the node's
// component side (2 · component + side, as `sideOf` numbers them) once the solver knows its component sides, so that
// the tail's pass over the touched nodes and a request's reads of single scores find it in the record they read anyway.
const R = 0;
const P = 1;
const SCALE = 2;
const SIDE = 3;

/**
 * The solver's per-node scratch: one 32-byte record per node (residual r, estimate p, threshold scale with the touched
 * mark as its sign, component side), the FIFO queue, the touched list and the dense scores. A push reads and writes
 * each neighbour's residual and scale: with one record that is one cache line per edge end, where separate arrays
 * (each 21 MB at 50M interactions, past the 16 MB cache) cost three or four (docs/scaling.md, "The request's hot loops
 * at 50M"); the tail then finds each touched node's side in the same line ("The tail's side in the push record").
 * Handed from version to version through a {@link ScratchPool}; the scale and side fields belong to the holder's graph
 * (its `prepare` writes them).
 */
class PushScratch implements PooledScratch {
  readonly node: Float64Array;
  /**
   * The FIFO queue (a ring of n slots). A node is in it exactly while its residual is above its threshold (it enters
   * when its residual crosses the threshold and leaves, residual 0, when pushed), so no in-queue flag is kept.
   */
  readonly queue: Uint32Array;
  /** The nodes whose r or p is non-zero after the last query, in first-touch order, each once (the record's mark). */
  readonly touched: Uint32Array;
  touchedCount = 0;
  readonly scores: Float64Array;

  constructor(readonly capacity: number) {
    this.node = new Float64Array(4 * capacity);
    this.queue = new Uint32Array(Math.max(capacity, 1));
    this.touched = new Uint32Array(Math.max(capacity, 1));
    this.scores = new Float64Array(capacity);
  }

  /** Clears what the last query wrote: only its touched nodes, or every record when it touched most of them. */
  reset(): void {
    const { node, touched, touchedCount } = this;
    if (touchedCount > this.capacity >> 3) {
      for (let u = 0; u < this.capacity; u++) {
        const b = 4 * u;
        node[b + R] = node[b + P] = 0;
        node[b + SCALE] = Math.abs(node[b + SCALE]!);
      }
    } else {
      for (let j = 0; j < touchedCount; j++) {
        const b = 4 * touched[j]!;
        node[b + R] = node[b + P] = 0;
        node[b + SCALE] = Math.abs(node[b + SCALE]!);
      }
    }
    this.touchedCount = 0;
  }
}

/** What a solver's result closures read before its first query. */
const EMPTY_SCRATCH = new PushScratch(0);

/**
 * Creates a push solver; `options` become its defaults (overridable per query). Its scratch comes from
 * `prepared.pool` when given (handed on between versions of one engine, core/scratch-pool), else is its own.
 */
export function createPushSolver(t: Transition, options: Partial<PushOptions> = {}, prepared: { sides?: ComponentSides; pool?: ScratchPool } = {}): PushSolver {
  assertTransition(t);
  const base = { ...PUSH_DEFAULTS, ...options } satisfies PushOptions;
  assertPushOptions(base);
  const n = t.nodeCount;
  if (prepared.sides && prepared.sides.component.length !== n) throw new AppError('BAD_REQUEST', 'compute/ppr: the component sides belong to another graph');
  const { starts, neighbors, weights, invStrength, strength } = t;
  let scoresFresh = false;
  let sides: ComponentSides | undefined = prepared.sides; // else built on the first query with the stationary tail
  // Whether the records hold this solver's sides (written with the scales when the sides are known, else once built).
  let sidesWritten = false;
  const writeSides = (s: PushScratch): void => {
    const { component, side } = sides!;
    for (let u = 0; u < n; u++) s.node[4 * u + SIDE] = 2 * component[u]! + side[u]!;
    sidesWritten = true;
  };
  // The scale field of each record: W(u), or 1 for a dangling node, whose residual would otherwise bounce back forever.
  const scratchOf = claimer(prepared.pool, 'push', n, (capacity) => new PushScratch(capacity), (s) => {
    for (let u = 0; u < n; u++) s.node[4 * u + SCALE] = strength[u]! > 0 ? strength[u]! : 1;
    sidesWritten = false;
    if (sides) writeSides(s);
    scoresFresh = false;
  });
  // The scratch is claimed on the first query, so that a version built while an older one serves does not take the
  // older one's scratch before it serves itself. The last query's, as the result's closures read it (the query itself
  // works on locals):
  let last = EMPTY_SCRATCH;
  // Mass restarted at the seeds from components without edges (added to the seeds' scores): seed → mass, usually empty.
  const extra = new Map<number, number>();
  let residualBySide = new Float64Array(0);
  let tailBySide = new Float64Array(0);
  // Components holding residual in the current query (their entries of residualBySide / tailBySide are set).
  let tailed: number[] = [];
  let restart = 1 - base.damping;

  /** W(v) · tail of v's component side: the score of a node the push did not touch. */
  const sideOf = (v: number): number => (sidesWritten ? last.node[4 * v + SIDE]! : sides ? 2 * sides.component[v]! + sides.side[v]! : 0);
  // W(v) from the record's scale (the same line as its side), but for a scale of 1, which a dangling node has too.
  const tailOf = (v: number): number => {
    if (tailed.length === 0) return 0;
    const scale = Math.abs(last.node[4 * v + SCALE]!);
    return (scale === 1 ? strength[v]! : scale) * tailBySide[sideOf(v)]!;
  };
  const extraOf = (v: number): number => (extra.size === 0 ? 0 : (extra.get(v) ?? 0));
  const scoreOf = (v: number): number => last.node[4 * v + P]! + restart * last.node[4 * v + R]! + extraOf(v) + tailOf(v);
  const denseScores = (): Float64Array => {
    const { scores, node, touched, touchedCount } = last;
    if (scoresFresh) return scores.length === n ? scores : scores.subarray(0, n);
    if (tailed.length === 0) scores.fill(0);
    else {
      const { component, side } = sides!;
      for (let v = 0; v < n; v++) scores[v] = strength[v]! * tailBySide[2 * component[v]! + side[v]!]!;
    }
    for (let j = 0; j < touchedCount; j++) {
      const v = touched[j]!;
      scores[v]! += node[4 * v + P]! + restart * node[4 * v + R]! + extraOf(v);
    }
    scoresFresh = true;
    return scores.length === n ? scores : scores.subarray(0, n);
  };

  return {
    transition: t,
    get sides() {
      return sides;
    },
    query(seeds: SeedVector, overrides: Partial<PushOptions> = {}): PushResult {
      const o = Object.keys(overrides).length === 0 ? base : ({ ...base, ...overrides } satisfies PushOptions);
      if (o !== base) assertPushOptions(o);
      assertSeeds(seeds, n);
      const d = o.damping;
      const eps = o.threshold;
      restart = 1 - d;
      const seedNodes = seeds.nodes;
      const seedWeights = seeds.weights;
      // This solver's scratch (claimed again when a newer version of the graph took it), cleared of the last query.
      const scratch = scratchOf();
      scratch.reset();
      const { node, queue, touched } = scratch;
      let touchedCount = 0;
      last = scratch;
      extra.clear();
      for (const c of tailed) {
        residualBySide[2 * c] = residualBySide[2 * c + 1] = 0;
        tailBySide[2 * c] = tailBySide[2 * c + 1] = 0;
      }
      tailed = [];
      scoresFresh = false;
      let head = 0;
      let tail = 0;
      let queued = 0;
      for (let j = 0; j < seedNodes.length; j++) {
        const s = seedNodes[j]!;
        const b = 4 * s;
        node[b + R] = seedWeights[j]!;
        const scale = node[b + SCALE]!;
        if (scale > 0) {
          node[b + SCALE] = -scale;
          touched[touchedCount++] = s;
        }
        if (node[b + R]! > eps * Math.abs(scale)) {
          queue[tail] = s;
          tail = tail + 1 === n ? 0 : tail + 1;
          queued++;
        }
      }
      let pushes = 0;
      let work = 0;
      let truncated = false;
      const sweepAt = Math.floor(o.sweepFraction * n);

      // Phase 1: FIFO queue.
      while (queued > 0 && queued <= sweepAt) {
        if (work >= o.maxWork) {
          truncated = true;
          break;
        }
        const u = queue[head]!;
        head = head + 1 === n ? 0 : head + 1;
        queued--;
        const bu = 4 * u;
        const ru = node[bu + R]!;
        node[bu + R] = 0;
        node[bu + P]! += restart * ru;
        pushes++;
        const inv = invStrength[u]!;
        if (inv === 0) {
          // A dangling node sends its mass back to the seeds (all touched already).
          const mass = d * ru;
          for (let j = 0; j < seedNodes.length; j++) {
            const v = seedNodes[j]!;
            const b = 4 * v;
            const before = node[b + R]!;
            const rv = before + mass * seedWeights[j]!;
            node[b + R] = rv;
            const threshold = -eps * node[b + SCALE]!; // a seed: touched
            if (rv > threshold && !(before > threshold)) {
              queue[tail] = v;
              tail = tail + 1 === n ? 0 : tail + 1;
              queued++;
            }
          }
          work += seedNodes.length;
          continue;
        }
        const c = d * ru * inv;
        const end = starts[u + 1]!;
        for (let e = starts[u]!; e < end; e++) {
          const v = neighbors[e]!;
          const b = 4 * v;
          const before = node[b + R]!;
          const rv = before + c * weights[e]!;
          node[b + R] = rv;
          let scale = node[b + SCALE]!;
          if (scale > 0) {
            node[b + SCALE] = -scale;
            touched[touchedCount++] = v;
          } else scale = -scale;
          const threshold = eps * scale;
          if (rv > threshold && !(before > threshold)) {
            queue[tail] = v;
            tail = tail + 1 === n ? 0 : tail + 1;
            queued++;
          }
        }
        work += end - starts[u]!;
      }
      const swept = queued > 0 && !truncated;

      // Phase 2: sweeps over all nodes until none is above the threshold.
      if (swept) {
        for (;;) {
          let pushed = 0;
          for (let u = 0; u < n; u++) {
            const bu = 4 * u;
            const ru = node[bu + R]!;
            if (!(ru > eps * Math.abs(node[bu + SCALE]!))) continue;
            node[bu + R] = 0;
            node[bu + P]! += restart * ru;
            pushed++;
            const inv = invStrength[u]!;
            if (inv === 0) {
              for (let j = 0; j < seedNodes.length; j++) node[4 * seedNodes[j]! + R]! += d * ru * seedWeights[j]!;
              work += seedNodes.length;
              continue;
            }
            const c = d * ru * inv;
            const end = starts[u + 1]!;
            for (let e = starts[u]!; e < end; e++) {
              const v = neighbors[e]!;
              const b = 4 * v;
              node[b + R]! += c * weights[e]!;
              const scale = node[b + SCALE]!;
              if (scale > 0) {
                node[b + SCALE] = -scale;
                touched[touchedCount++] = v;
              }
            }
            work += end - starts[u]!;
          }
          pushes += pushed;
          if (pushed === 0) break;
          if (work >= o.maxWork) {
            truncated = true;
            break;
          }
        }
      }

      // The residual left, and with the tail its sum per component side, in one pass over the touched records.
      let residual = 0;
      const tailing = o.tail === 'stationary';
      if (tailing && !sidesWritten) {
        sides ??= componentSides(t);
        writeSides(scratch);
      }
      if (tailing) {
        if (residualBySide.length !== 2 * sides!.count) {
          residualBySide = new Float64Array(2 * sides!.count);
          tailBySide = new Float64Array(2 * sides!.count);
        }
        for (let j = 0; j < touchedCount; j++) {
          const b = 4 * touched[j]!;
          const rv = node[b + R]!;
          if (!(rv > 0)) continue;
          residual += rv;
          const k = node[b + SIDE]!;
          const c = k >> 1;
          if (residualBySide[2 * c] === 0 && residualBySide[2 * c + 1] === 0) tailed.push(c);
          residualBySide[k]! += rv;
        }
      } else for (let j = 0; j < touchedCount; j++) residual += node[4 * touched[j]! + R]!;
      if (tailing && residual > 0) {
        const { bipartite, strengthBySide } = sides!;
        const other = d / (1 + d);
        const same = (d * d) / (1 + d);
        for (const c of tailed) {
          const r0 = residualBySide[2 * c]!;
          const r1 = residualBySide[2 * c + 1]!;
          const w0 = strengthBySide[2 * c]!;
          const w1 = strengthBySide[2 * c + 1]!;
          if (w0 + w1 === 0) {
            // A component without edges (an isolated node): its continuing mass restarts at the seeds.
            const lost = d * (r0 + r1);
            for (let j = 0; j < seedNodes.length; j++) extra.set(seedNodes[j]!, extraOf(seedNodes[j]!) + lost * seedWeights[j]!);
          } else if (bipartite[c]) {
            // Each side holds half of the component's weighted degree (every edge has one end on each side).
            tailBySide[2 * c] = w0 > 0 ? (same * r0 + other * r1) / w0 : 0;
            tailBySide[2 * c + 1] = w1 > 0 ? (same * r1 + other * r0) / w1 : 0;
          } else {
            const w = w0 + w1;
            tailBySide[2 * c] = tailBySide[2 * c + 1] = (d * (r0 + r1)) / w;
          }
        }
      }
      scratch.touchedCount = touchedCount;
      const touchedView = touched.subarray(0, touchedCount);
      return {
        get scores() {
          return denseScores();
        },
        touched: touchedView,
        scoreOf,
        tailOf,
        sideOf,
        tailedSides: tailedSideList(),
        pushes,
        work,
        residual,
        swept,
        truncated,
      };
    },
  };

  function tailedSideList(): number[] {
    const list: number[] = [];
    for (const c of tailed) for (const k of [2 * c, 2 * c + 1]) if (tailBySide[k]! > 0) list.push(k);
    return list;
  }
}

/** One-off push query (allocates a solver; prefer `createPushSolver` for repeated queries). Returns a copy. */
export function pushPpr(t: Transition, seeds: SeedVector, options: Partial<PushOptions> = {}): Float64Array {
  return createPushSolver(t, options).query(seeds).scores.slice();
}
