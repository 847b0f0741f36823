/**
 * @module retrieve/eligibility
 * Which items a request may return, as a 0/1 mask over node indices (the context's scratch, rebuilt per request):
 * every item, minus the seen items (the user's interactions and the cold-start seed items), minus `exclude`, then
 * the business filters — `entity` (the item must link, by a knowledge edge in either direction, to EVERY listed
 * entity) and `itemProps` (every listed property must equal the given value; needs the context's `itemProps`).
 * Unknown exclude ids are ignored (stale business lists are normal); unknown filter entities are `BAD_REQUEST`.
 * Cost: an unfiltered request O(seen + exclude) (it restores the last request's cleared entries of a kept mask); a
 * filtered one O(n) to clear plus O(I) (the item-property filter calls the accessor once per remaining item).
 */
import { AppError } from '../core/errors.ts';
import type { PropValue } from '../core/model.ts';
import { KIND_CODES, lookupNode, type Csr } from '../project/csr.ts';
import type { RecommendContext } from './context.ts';

// Imported constants copied into module scope: hot loops then read a local binding, not an import accessor.
const KIND_ITEM: number = KIND_CODES.Item;
const KIND_ENTITY: number = KIND_CODES.Entity;
export interface EligibilityInput {
  /** Node indices that must not be returned (seen items, seeds). */
  seen: Iterable<number>;
  /** Item ids (graph ids or node keys) to leave out. */
  exclude?: readonly string[];
  filters?: { entity?: readonly string[]; itemProps?: Readonly<Record<string, PropValue>> };
}

/** Most entities one filter may name. */
export const MAX_FILTER_ENTITIES = 32;

/** Node index of an entity given by graph id or node key, or −1. */
export function resolveEntity(csr: Csr, id: string): number {
  const idx = lookupNode(csr, { kind: 'Entity', id });
  if (idx >= 0) return idx;
  const direct = csr.index.get(id);
  return direct !== undefined && csr.kinds[direct] === KIND_ENTITY ? direct : -1;
}

/** Node index of an item given by graph id or node key, or −1. */
export function resolveItem(csr: Csr, id: string): number {
  const idx = lookupNode(csr, { kind: 'Item', id });
  if (idx >= 0) return idx;
  const direct = csr.index.get(id);
  return direct !== undefined && csr.kinds[direct] === KIND_ITEM ? direct : -1;
}

/**
 * The mask and what it takes to reuse it: while `base` holds, the mask is "every item" except the `cleared` entries
 * (the last request's seen and excluded items), so the next unfiltered request restores those and clears its own —
 * O(seen) rather than O(n). A filtered request rebuilds the whole mask and leaves `base` false.
 */
export interface EligibilityScratch {
  readonly mask: Uint8Array;
  cleared: number[];
  base: boolean;
}

export function createEligibilityScratch(nodeCount: number): EligibilityScratch {
  return { mask: new Uint8Array(nodeCount), cleared: [], base: false };
}

/** Fills `ctx.scratch.mask` for the request and returns how many items are eligible. */
export function buildEligibility(ctx: RecommendContext, input: EligibilityInput): number {
  const { csr, items } = ctx;
  const scratch = ctx.scratch;
  const mask = scratch.mask;
  const entityIds = input.filters?.entity ?? [];
  if (entityIds.length > MAX_FILTER_ENTITIES) throw new AppError('BAD_REQUEST', `retrieve: at most ${MAX_FILTER_ENTITIES} filter entities`);
  const entities = [...new Set(entityIds.map((id) => {
    const e = resolveEntity(csr, id);
    if (e < 0) throw new AppError('BAD_REQUEST', `retrieve: unknown filter entity ${JSON.stringify(id)}`);
    return e;
  }))];
  const props = input.filters?.itemProps;
  const propFilter = props !== undefined && Object.keys(props).length > 0;
  if (propFilter && !ctx.itemProps) throw new AppError('BAD_REQUEST', 'retrieve: item property filters need item properties (none loaded)');

  const filtered = entities.length > 0 || propFilter;
  if (!filtered && scratch.base) {
    // Unfiltered again: the base mask is "every item" but the last request's cleared entries.
    for (const v of scratch.cleared) mask[v] = 1;
  } else {
    mask.fill(0);
    if (entities.length === 0) {
      for (const v of items) mask[v] = 1;
    } else {
      // mask[v] counts the filter entities item v links to; a step only counts when v has all the earlier ones.
      entities.forEach((e, j) => {
        const bump = (v: number): void => {
          if (csr.kinds[v] === KIND_ITEM && mask[v] === j) mask[v] = j + 1;
        };
        for (let p = csr.outStarts[e]!; p < csr.outStarts[e + 1]!; p++) bump(csr.outTargets[p]!);
        for (let p = csr.inStarts[e]!; p < csr.inStarts[e + 1]!; p++) bump(csr.inSources[p]!);
      });
      const all = entities.length;
      for (const v of items) mask[v] = mask[v] === all ? 1 : 0;
    }
    scratch.base = !filtered;
  }
  // Seen and excluded items, each eligible one cleared once (the next unfiltered request restores them).
  const cleared: number[] = [];
  const clear = (v: number): void => {
    if (mask[v] === 0) return;
    mask[v] = 0;
    cleared.push(v);
  };
  for (const v of input.seen) clear(v);
  for (const id of input.exclude ?? []) {
    const v = resolveItem(csr, id);
    if (v >= 0) clear(v);
  }
  scratch.cleared = cleared;
  if (!filtered) return items.length - cleared.length;
  if (propFilter) {
    const wanted = Object.entries(props);
    const propsOf = ctx.itemPropsOfItems!();
    for (let j = 0; j < items.length; j++) {
      const v = items[j]!;
      if (!mask[v]) continue;
      const have = propsOf[j];
      if (!have || wanted.some(([k, value]) => have[k] !== value)) mask[v] = 0;
    }
  }
  let count = 0;
  for (const v of items) count += mask[v]!;
  return count;
}
