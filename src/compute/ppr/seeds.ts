/**
 * @module compute/ppr/seeds
 * Seed (restart) vectors for PPR: from a user's history, or from given items/entities (cold start).
 *
 * History weighting — for each interaction i of the user with item `item_i`:
 *
 *     w_i = ratingTerm_i · recencyTerm_i
 *     ratingTerm_i  = max(rating_i − ratingFloor, 0)      when the interaction has an explicit rating,
 *                   = weight_i                           otherwise (play count, 1 for implicit feedback);
 *     recencyTerm_i = 0.5 ^ ((t_ref − ts_i) / halfLife)  when ts_i is known (t_ref = `now`, or else the user's latest
 *                   = 1                                  timestamp, so old datasets are not all "stale"); otherwise.
 *
 * Several interactions with one item add up; the vector is normalized to sum 1. With the defaults (floor 2,
 * half-life 180 days) a 5★ rating counts 3, a 4★ 2, a 3★ 1, and 1–2★ not at all, and a rating made half a year
 * before the user's latest one counts half. When every term is 0 (only low ratings), the history items are seeded
 * uniformly rather than failing — the user still told us what they watched.
 *
 * @example
 * seedsFromHistory(csr, history);                            // explicit history entries (ids, ratings, timestamps)
 * seedsFromCsrHistory(csr, csr.index.get('ml:u1')!);         // the user's interaction edges in the projection
 * seedsFromNodes(csr, [{ kind: 'Entity', id: 'dbr:Ridley_Scott' }]); // cold start
 */
import { AppError } from '../../core/errors.ts';
import type { NodeKind, NodeRef } from '../../core/model.ts';
import { INTERACTION_RELATION_ID, KIND_CODES, kindName, lookupNode, type Csr } from '../../project/csr.ts';
import { makeSeedVector, type SeedVector } from './seed-vector.ts';

export interface HistorySeedOptions {
  /** Ratings at or below this count 0; the rest count `rating − ratingFloor`. [2] */
  ratingFloor: number;
  /** Half-life of the recency decay in seconds; Infinity turns recency off. [180 days] */
  halfLifeS: number;
  /** Reference time (unix seconds) for recency; undefined = the latest timestamp in the history. [undefined] */
  now: number | undefined;
}

export const HISTORY_SEED_DEFAULTS: HistorySeedOptions = { ratingFloor: 2, halfLifeS: 180 * 86_400, now: undefined };

export interface HistoryEntryInput {
  /** Item: graph id (or CSR key, see `lookupNode`) or node index. */
  item: string | number;
  /** Explicit rating, when the interaction has one. */
  rating?: number | null;
  /** Interaction weight (used when there is no rating). [1] */
  weight?: number;
  /** Unix seconds. */
  ts?: number | null;
}

function resolveNode(csr: Csr, ref: string | number, kind?: NodeKind): number {
  let idx: number;
  if (typeof ref === 'number') idx = Number.isInteger(ref) && ref >= 0 && ref < csr.nodeCount ? ref : -1;
  else if (kind !== undefined) {
    idx = lookupNode(csr, { kind, id: ref });
    if (idx < 0 && csr.index.has(ref)) idx = csr.index.get(ref)!; // a CSR key of another kind: reported below
  } else idx = csr.index.get(ref) ?? -1;
  if (idx < 0) throw new AppError('NOT_FOUND', `compute/ppr: unknown ${kind ?? 'node'} ${JSON.stringify(ref)}`);
  if (kind !== undefined && csr.kinds[idx] !== KIND_CODES[kind]) {
    throw new AppError('BAD_REQUEST', `compute/ppr: ${JSON.stringify(csr.ids.at(idx))} is a ${kindName(csr.kinds[idx]!)}, not a ${kind}`);
  }
  return idx;
}

/** The history weights of the module header, per entry (exported for tests and explanations). */
export function historyWeights(history: readonly HistoryEntryInput[], options: Partial<HistorySeedOptions> = {}): Float64Array {
  const o = { ...HISTORY_SEED_DEFAULTS, ...options } satisfies HistorySeedOptions;
  if (!Number.isFinite(o.ratingFloor)) throw new AppError('BAD_REQUEST', 'compute/ppr: ratingFloor must be finite');
  if (!(o.halfLifeS > 0)) throw new AppError('BAD_REQUEST', `compute/ppr: halfLifeS must be > 0 (got ${o.halfLifeS})`);
  let ref = o.now;
  if (ref === undefined) {
    for (const h of history) if (typeof h.ts === 'number' && (ref === undefined || h.ts > ref)) ref = h.ts;
  }
  const out = new Float64Array(history.length);
  history.forEach((h, j) => {
    const weight = h.weight ?? 1;
    if (!(Number.isFinite(weight) && weight >= 0)) throw new AppError('BAD_REQUEST', `compute/ppr: history weight ${weight} must be finite and ≥ 0`);
    const hasRating = typeof h.rating === 'number';
    if (hasRating && !Number.isFinite(h.rating)) throw new AppError('BAD_REQUEST', 'compute/ppr: history rating must be finite');
    const ratingTerm = hasRating ? Math.max((h.rating as number) - o.ratingFloor, 0) : weight;
    const recencyTerm = typeof h.ts === 'number' && ref !== undefined && o.halfLifeS !== Infinity ? Math.pow(0.5, Math.max(ref - h.ts, 0) / o.halfLifeS) : 1;
    out[j] = ratingTerm * recencyTerm;
  });
  return out;
}

/**
 * Seed vector from a user's history entries (items by id or index). `NOT_FOUND` for unknown items, `BAD_REQUEST`
 * for an empty history or a node that is not an Item.
 */
export function seedsFromHistory(csr: Csr, history: readonly HistoryEntryInput[], options: Partial<HistorySeedOptions> = {}): SeedVector {
  if (history.length === 0) throw new AppError('BAD_REQUEST', 'compute/ppr: the history is empty');
  const nodes = history.map((h) => resolveNode(csr, h.item, 'Item'));
  let weights = historyWeights(history, options);
  if (!weights.some((w) => w > 0)) weights = new Float64Array(nodes.length).fill(1);
  return makeSeedVector(nodes, weights, csr.nodeCount);
}

/**
 * Seed vector from the user's interaction edges in the projection (relation 0; the edge weight is the rating for
 * rated datasets — the CSR keeps no timestamps, so there is no recency term). Pass `rated: false` for implicit
 * datasets, where the weight is used as is. `NOT_FOUND` for an unknown user, `BAD_REQUEST` when they have no
 * interactions.
 */
export function seedsFromCsrHistory(csr: Csr, user: string | number, options: Partial<HistorySeedOptions> & { rated?: boolean } = {}): SeedVector {
  const u = resolveNode(csr, user, 'User');
  const history: HistoryEntryInput[] = [];
  const rated = options.rated ?? true;
  for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) {
    if (csr.outRelations[e] !== INTERACTION_RELATION_ID) continue;
    const w = csr.outWeights[e]!;
    history.push(rated ? { item: csr.outTargets[e]!, rating: w } : { item: csr.outTargets[e]!, weight: w });
  }
  if (history.length === 0) throw new AppError('BAD_REQUEST', `compute/ppr: user ${JSON.stringify(csr.ids.at(u))} has no interactions`);
  return seedsFromHistory(csr, history, options);
}

/** Items a user has interacted with (node indices), for excluding them from recommendations. */
export function seenItems(csr: Csr, user: number): Set<number> {
  const seen = new Set<number>();
  for (let e = csr.outStarts[user]!; e < csr.outStarts[user + 1]!; e++) {
    if (csr.outRelations[e] === INTERACTION_RELATION_ID) seen.add(csr.outTargets[e]!);
  }
  return seen;
}

/**
 * Seed vector from given nodes (cold start: a few items or entities, a user node itself), optionally weighted
 * (default uniform). Refs are `{ kind, id }` (kind checked, resolved with `lookupNode`) or node indices.
 */
export function seedsFromNodes(csr: Csr, refs: ReadonlyArray<NodeRef | number>, weights?: ArrayLike<number>): SeedVector {
  if (refs.length === 0) throw new AppError('BAD_REQUEST', 'compute/ppr: no seed nodes given');
  const nodes = refs.map((ref) => (typeof ref === 'number' ? resolveNode(csr, ref) : resolveNode(csr, ref.id, ref.kind)));
  return makeSeedVector(nodes, weights, csr.nodeCount);
}
