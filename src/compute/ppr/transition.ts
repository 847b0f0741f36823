/**
 * @module compute/ppr/transition
 * The random-walk structure every PPR method runs on, built once per CSR (and per relation-weight setting).
 *
 * The walk ignores edge direction: from node `u` it may follow any out edge `u→v` or in edge `v→u`. An edge with
 * weight `w` and relation `r` gets the effective weight `c = w · relationWeight[r]`, stored once per endpoint, and
 *
 *     P(u → v) = Σ c over the edges joining u and v  /  W(u),     W(u) = Σ c over all edges at u (its strength).
 *
 * Edges whose effective weight is 0 (weight 0, or a relation weighted 0) are dropped, so a relation can be switched
 * off. Because `c` is symmetric, the adjacency is one undirected CSR (`starts`, `neighbors`, `weights`): the
 * power iteration pulls `x'[v] = d · Σ_u c_uv · x[u] / W(u)` along it, and push/walk read row `u` scaled by
 * `1/W(u)` (`invStrength`).
 *
 * Dangling nodes — `W(u) = 0`: isolated nodes, or nodes whose every edge was weighted 0 — have no way out; their
 * walk mass returns to the seed vector (as if their row of P were the seed vector). This keeps P stochastic, so
 * PPR scores always sum to 1, and it is what every method here does (exact, batched, push and walk).
 *
 * @example
 * const t = buildTransition(csr, { relationWeights: { INTERACTED: 1, subject: 0.25 } });
 */
import { copyNow, type BlockCopier } from '../../core/block-copy.ts';
import { copyOf, shared as onSharedBuffer, typedArray, typedArrayOf } from '../../core/shared-arrays.ts';
import { AppError } from '../../core/errors.ts';
import { assertValidCsr, type Csr } from '../../project/csr.ts';
import { restartRows, scatter, type Renumbering } from '../../project/renumber.ts';

export interface TransitionOptions {
  /** Multiplier per relation name; relations not named get `defaultRelationWeight`. Must be finite and ≥ 0. [{}] */
  relationWeights: Readonly<Record<string, number>>;
  /** Multiplier of every relation not in `relationWeights`. [1] */
  defaultRelationWeight: number;
}

export const TRANSITION_DEFAULTS: TransitionOptions = { relationWeights: {}, defaultRelationWeight: 1 };

export interface Transition {
  readonly nodeCount: number;
  /** Undirected row pointers, length n + 1. */
  readonly starts: Uint32Array;
  /** Neighbour of each adjacency entry (out neighbours of u first, then in neighbours). */
  readonly neighbors: Uint32Array;
  /** Effective weight `w · relationWeight` of each entry (symmetric: the entry u→v equals the entry v→u). */
  readonly weights: Float64Array;
  /** W(u): sum of the row. */
  readonly strength: Float64Array;
  /** 1 / W(u), or 0 for a dangling node. */
  readonly invStrength: Float64Array;
  /** Nodes with W(u) = 0, ascending. */
  readonly dangling: Uint32Array;
  /** Node kinds (shared with the CSR). */
  readonly kinds: Uint8Array;
  /** The multiplier used for each relation id. */
  readonly relationWeights: Float64Array;
}

/** Resolves a relation-weight map against the CSR's relation table (`BAD_REQUEST` on unknown names or bad values). */
export function resolveRelationWeights(csr: Csr, options: Partial<TransitionOptions> = {}): Float64Array {
  const o = { ...TRANSITION_DEFAULTS, ...options } satisfies TransitionOptions;
  const valid = (w: number): boolean => typeof w === 'number' && Number.isFinite(w) && w >= 0;
  if (!valid(o.defaultRelationWeight)) throw new AppError('BAD_REQUEST', `compute/ppr: defaultRelationWeight must be finite and ≥ 0 (got ${o.defaultRelationWeight})`);
  const out = new Float64Array(csr.relations.length).fill(o.defaultRelationWeight);
  for (const [name, w] of Object.entries(o.relationWeights)) {
    const id = csr.relations.indexOf(name);
    if (id < 0) throw new AppError('BAD_REQUEST', `compute/ppr: unknown relation ${JSON.stringify(name)} (known: ${csr.relations.join(', ')})`);
    if (!valid(w)) throw new AppError('BAD_REQUEST', `compute/ppr: weight of relation ${name} must be finite and ≥ 0 (got ${w})`);
    out[id] = w;
  }
  return out;
}

/**
 * Builds the undirected, relation-weighted transition structure of `csr`. O(n + m). `shared`: on shared buffers
 * (an engine's first version, which copies of it in worker threads read; engine/replicas).
 */
export function buildTransition(csr: Csr, options: Partial<TransitionOptions> = {}, shared = false): Transition {
  assertValidCsr(csr);
  const rw = resolveRelationWeights(csr, options);
  const n = csr.nodeCount;
  const { outStarts, outTargets, outWeights, outRelations, inStarts, inSources, inWeights, inRelations } = csr;
  const starts = typedArray(Uint32Array, n + 1, shared);
  // Count kept entries per node (both directions).
  for (let u = 0; u < n; u++) {
    let c = 0;
    for (let e = outStarts[u]!, end = outStarts[u + 1]!; e < end; e++) if (outWeights[e]! * rw[outRelations[e]!]! > 0) c++;
    for (let e = inStarts[u]!, end = inStarts[u + 1]!; e < end; e++) if (inWeights[e]! * rw[inRelations[e]!]! > 0) c++;
    starts[u + 1] = starts[u]! + c;
  }
  const nnz = starts[n]!;
  const neighbors = typedArray(Uint32Array, nnz, shared);
  const weights = typedArray(Float64Array, nnz, shared);
  const strength = typedArray(Float64Array, n, shared);
  const invStrength = typedArray(Float64Array, n, shared);
  const dangling: number[] = [];
  for (let u = 0; u < n; u++) {
    let k = starts[u]!;
    let sum = 0;
    for (let e = outStarts[u]!, end = outStarts[u + 1]!; e < end; e++) {
      const c = outWeights[e]! * rw[outRelations[e]!]!;
      if (c > 0) {
        neighbors[k] = outTargets[e]!;
        weights[k++] = c;
        sum += c;
      }
    }
    for (let e = inStarts[u]!, end = inStarts[u + 1]!; e < end; e++) {
      const c = inWeights[e]! * rw[inRelations[e]!]!;
      if (c > 0) {
        neighbors[k] = inSources[e]!;
        weights[k++] = c;
        sum += c;
      }
    }
    strength[u] = sum;
    if (sum > 0) invStrength[u] = 1 / sum;
    else dangling.push(u);
  }
  // Shared, the small tables too: engine/replicas hands the whole first version to the copies as it is.
  return { nodeCount: n, starts, neighbors, weights, strength, invStrength, dangling: typedArrayOf(Uint32Array, dangling, shared), kinds: csr.kinds, relationWeights: shared ? onSharedBuffer(rw) : rw };
}

/** O(1) shape check of a transition structure (`INVALID_GRAPH`). */
export function assertTransition(t: Transition): void {
  const n = t?.nodeCount;
  if (!Number.isInteger(n) || n < 0 || t.starts.length !== n + 1 || t.strength.length !== n || t.invStrength.length !== n) {
    throw new AppError('INVALID_GRAPH', 'compute/ppr: not a transition structure (use buildTransition)');
  }
  const nnz = t.starts[n]!;
  if (t.neighbors.length !== nnz || t.weights.length !== nnz) throw new AppError('INVALID_GRAPH', 'compute/ppr: transition arrays differ in length');
}

export interface DampingOption {
  /** Probability of following an edge at each step (1 − restart probability). */
  damping: number;
}

/** Guards the damping factor: 0 ≤ d < 1 (`BAD_REQUEST`). */
export function assertDamping(damping: number): void {
  if (!(typeof damping === 'number' && damping >= 0 && damping < 1)) throw new AppError('BAD_REQUEST', `compute/ppr: damping must be in [0, 1) (got ${damping})`);
}

/**
 * The transition of `csr` given `prev`, the transition of an earlier version of it with the same nodes whose edges
 * differ only at the nodes in `touched` (both endpoints of every added or re-weighted edge; more is allowed). Only
 * the touched rows are re-derived, the way {@link buildTransition} derives them (same entries, same order, same
 * sums), so the result equals `buildTransition(csr, …)` exactly; untouched rows are block-copied, and when no
 * touched row gains or loses an entry the row pointers and neighbours are shared with `prev`. O(n + nnz) copying plus
 * the touched rows' degrees, instead of a pass over every edge with its relation lookups. The block copies go through
 * `copier` (core/block-copy): the result is complete once it has drained. `shared`: the new arrays go on shared
 * buffers (core/shared-arrays), for copies of the engine that adopt this version (engine/replicas).
 *
 * With `r`, `csr` also has nodes that `prev`'s graph lacks (project/csr-update `insertNodes` gave `r`; `touched` are
 * new indices): each old row moves to its node's new index with its neighbours mapped as it is copied, and a new
 * node's row is empty unless touched. One pass, where renumbering first and patching after would copy every entry twice.
 */
export function patchTransition(prev: Transition, csr: Csr, touched: ArrayLike<number>, copier: BlockCopier = copyNow, shared = false, r?: Renumbering): Transition {
  const n = csr.nodeCount;
  if (r ? prev.nodeCount !== r.oldToNew.length || r.nodeCount !== n : prev.nodeCount !== n || prev.kinds.length !== n) {
    throw new AppError('BAD_REQUEST', 'compute/ppr: patchTransition needs the same nodes, or a renumbering from the old ones');
  }
  const rw = prev.relationWeights;
  if (rw.length !== csr.relations.length) throw new AppError('BAD_REQUEST', 'compute/ppr: patchTransition needs the same relation table');
  const rows = [...new Set(Array.from(touched))].sort((a, b) => a - b);
  if (rows.length === 0 && !r) return prev.kinds === csr.kinds ? prev : { ...prev, kinds: csr.kinds };
  // `prev`'s rows at the new indices: its entries stay where they are, so only the row pointers move.
  const prevStarts = r ? restartRows(prev.starts, r, shared) : prev.starts;
  const map = r?.oldToNew;
  // Re-derive each touched row into its own small arrays (buildTransition's loop, one row).
  const rowNbr: Uint32Array[] = [];
  const rowW: Float64Array[] = [];
  const rowSum: number[] = [];
  let sameShape = true;
  for (const u of rows) {
    if (!(u >= 0 && u < n)) throw new AppError('BAD_REQUEST', `compute/ppr: touched node ${u} outside 0..${n - 1}`);
    const nbr: number[] = [];
    const ws: number[] = [];
    let sum = 0;
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
      const c = csr.outWeights[e]! * rw[csr.outRelations[e]!]!;
      if (c > 0) {
        nbr.push(csr.outTargets[e]!);
        ws.push(c);
        sum += c;
      }
    }
    for (let e = csr.inStarts[u]!; e < csr.inStarts[u + 1]!; e++) {
      const c = csr.inWeights[e]! * rw[csr.inRelations[e]!]!;
      if (c > 0) {
        nbr.push(csr.inSources[e]!);
        ws.push(c);
        sum += c;
      }
    }
    const a = prevStarts[u]!;
    const prevNeighbor = (k: number): number => (map ? map[prev.neighbors[a + k]!]! : prev.neighbors[a + k]!);
    if (sameShape && (prevStarts[u + 1]! - a !== nbr.length || nbr.some((v, k) => prevNeighbor(k) !== v))) sameShape = false;
    rowNbr.push(Uint32Array.from(nbr));
    rowW.push(Float64Array.from(ws));
    rowSum.push(sum);
  }
  // Same shape: the row pointers and neighbours are shared and only the weights are new (with `r`, the neighbours are
  // mapped all the same).
  let starts = prevStarts;
  let neighbors = prev.neighbors;
  if (!sameShape) {
    starts = typedArray(Uint32Array, n + 1, shared);
    const grow = new Int32Array(n);
    rows.forEach((u, j) => (grow[u] = rowNbr[j]!.length - (prevStarts[u + 1]! - prevStarts[u]!)));
    let shift = 0;
    for (let u = 0; u < n; u++) {
      starts[u] = prevStarts[u]! + shift;
      shift += grow[u]!;
    }
    starts[n] = prevStarts[n]! + shift;
  }
  const newNeighbors = !sameShape || map !== undefined;
  if (newNeighbors) neighbors = typedArray(Uint32Array, starts[n]!, shared);
  const weights = typedArray(Float64Array, starts[n]!, shared);
  // Rows from..u−1 before each touched row u are untouched: one block copy per array; the touched rows are written.
  const copyRows = (from: number, to: number): void => {
    if (newNeighbors) copier.copy(neighbors, prev.neighbors, prevStarts[from]!, prevStarts[to]!, starts[from]!, r);
    copier.copy(weights, prev.weights, prevStarts[from]!, prevStarts[to]!, starts[from]!);
  };
  let from = 0;
  rows.forEach((u, j) => {
    copyRows(from, u);
    if (newNeighbors) neighbors.set(rowNbr[j]!, starts[u]!);
    weights.set(rowW[j]!, starts[u]!);
    from = u + 1;
  });
  copyRows(from, n);
  const strength = r ? scatter(Float64Array, prev.strength, r, shared) : copyOf(prev.strength, shared);
  const invStrength = r ? scatter(Float64Array, prev.invStrength, r, shared) : copyOf(prev.invStrength, shared);
  // New nodes are dangling until their first edge.
  let danglingChanged = r !== undefined;
  rows.forEach((u, j) => {
    const sum = rowSum[j]!;
    if (sum > 0 !== strength[u]! > 0) danglingChanged = true;
    strength[u] = sum;
    invStrength[u] = sum > 0 ? 1 / sum : 0;
  });
  let dangling = prev.dangling;
  if (danglingChanged) {
    const list: number[] = [];
    for (let u = 0; u < n; u++) if (!(strength[u]! > 0)) list.push(u);
    dangling = typedArrayOf(Uint32Array, list, shared);
  }
  return { nodeCount: n, starts, neighbors, weights, strength, invStrength, dangling, kinds: csr.kinds, relationWeights: rw };
}
