/**
 * @module project/interaction-values
 * The stored value of every (user, item, kind) the projection read, kept next to the CSR so that live writes can
 * derive edge weights exactly as a reload does (project/load): each kind's values go through the kind's transform
 * (core/weight-transform), then the kinds of a pair combine by core/interactions `edgeWeight`.
 *
 * {@link InteractionValues} is what the reload hands over (rows in the reload's order: users by node index, each
 * user's items by node index); projection snapshots store it beside the CSR ({@link writeInteractionValues}).
 * {@link LiveInteractionWeights} keeps the values by node key (node indices move when nodes are inserted) plus, per
 * kind, the values sorted — what the kind's transform plan needs (heavy-tail test, cap thresholds) — and turns the
 * committed kinds of written pairs into new edge weights:
 *
 * - only the written pairs are re-derived, plus, for a kind whose transform normalises per user (`user-norm`), every
 *   edge of the writer holding that kind (the user's values of the kind are transformed together, in item order, as
 *   the reload sums them);
 * - when a write changes a kind's plan (the kind becomes heavy-tailed or stops being, a cap threshold moves), or the
 *   writer has a kind whose plan is global (a cap after `user-norm`), every edge is re-derived the reload's way
 *   (O(m log m); rare unless such a plan is configured).
 *
 * The result equals a reload, float for float: `test/integration/engine/live-equals-reload.test.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import { edgeWeight, INTERACTION_DEFAULTS, type InteractionSettings, type KindValue, type PairState } from '../core/interactions.ts';
import { interactionsHeavyTailed, planKindTransform, sortFewDistinct, SortedRuns, tailStatsOfSorted, transformInteractionWeights, transformUserWeights, type KindTransformPlan, type WeightsConfig } from '../core/weight-transform.ts';
import type { Csr } from './csr.ts';
import type { NodeIds } from './node-ids.ts';
import { readCheckedFiles, sha256 } from './csr-snapshot.ts';
import type { NewInteraction } from './csr-update.ts';

/** The stored (user, item, kind) values of a projection, by node index of its CSR, in the reload's order. */
export interface InteractionValues {
  /** Kind names (`kind[r]` indexes this). */
  kinds: string[];
  user: Uint32Array;
  item: Uint32Array;
  kind: Uint16Array;
  /** The stored value (core/interactions `eventValue`), before any transform. */
  raw: Float64Array;
}

const VALUES_MANIFEST = 'interaction-values.json';
const VALUE_FILES = [
  ['user', 'values-user.u32'],
  ['item', 'values-item.u32'],
  ['kind', 'values-kind.u16'],
  ['raw', 'values-raw.f64'],
] as const;

/** Writes `values` into a projection snapshot folder (raw little-endian files and a manifest with their sha256). */
export function writeInteractionValues(dir: string, values: InteractionValues): void {
  const files: Record<string, { bytes: number; sha256: string }> = {};
  for (const [field, name] of VALUE_FILES) {
    const arr = values[field];
    const data = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    writeFileSync(join(dir, name), data);
    files[name] = { bytes: data.byteLength, sha256: sha256(data) };
  }
  writeFileSync(join(dir, VALUES_MANIFEST), JSON.stringify({ kinds: values.kinds, rows: values.raw.length, files }) + '\n');
}

/** Reads what {@link writeInteractionValues} wrote; `INVALID_GRAPH` when it is missing or does not match. */
export async function readInteractionValues(dir: string): Promise<InteractionValues> {
  const manifestPath = join(dir, VALUES_MANIFEST);
  if (!existsSync(manifestPath)) throw new AppError('INVALID_GRAPH', `project: the snapshot ${dir} has no interaction values`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { kinds: string[]; rows: number; files: Record<string, { bytes: number; sha256: string }> };
  const [user, item, kind, raw] = (await readCheckedFiles(dir, VALUE_FILES.map(([, name]) => name), manifest.files)).map((data) => data.buffer);
  const whole = (buffer: ArrayBufferLike, width: number, name: string): number => {
    if (buffer.byteLength % width !== 0) throw new AppError('INVALID_GRAPH', `project: ${name} of ${dir} is not a whole number of values`);
    return buffer.byteLength / width;
  };
  const values: InteractionValues = {
    kinds: manifest.kinds,
    user: new Uint32Array(user!, 0, whole(user!, 4, 'values-user.u32')),
    item: new Uint32Array(item!, 0, whole(item!, 4, 'values-item.u32')),
    kind: new Uint16Array(kind!, 0, whole(kind!, 2, 'values-kind.u16')),
    raw: new Float64Array(raw!, 0, whole(raw!, 8, 'values-raw.f64')),
  };
  const rows = manifest.rows;
  if (values.user.length !== rows || values.item.length !== rows || values.kind.length !== rows || values.raw.length !== rows) {
    throw new AppError('INVALID_GRAPH', `project: interaction values of ${dir} differ in length`);
  }
  return values;
}

/** A written pair, by node keys (`User:<id>`, `Item:<id>`). */
export interface KeyedPairState {
  userKey: string;
  itemKey: string;
  kinds: readonly KindValue[];
}

/** The live side of the interaction values (see the module header). */
export class LiveInteractionWeights {
  /**
   * The projection's values as read (typed, by node index of the CSR at construction) and each base user's rows:
   * `rowOrder[rowStart[u] .. rowStart[u + 1])` are user u's value rows in read order (grouped on the first call that
   * needs them: a boot that sees no write does not pay the 50M-row counting sort). Nothing per interaction is kept as
   * a JS object: at 50M interactions that was gigabytes of heap (docs/scaling.md).
   */
  readonly #base: InteractionValues;
  readonly #baseIds: NodeIds;
  readonly #baseIndex: ReadonlyMap<string, number>;
  readonly #nodeCount: number;
  #rows: { rowStart: Uint32Array; rowOrder: Uint32Array } | undefined;
  /** Users a write touched: user key → item key → the pair's stored kinds (raw values); the rest read #base. */
  readonly #byUser = new Map<string, Map<string, KindValue[]>>();
  /** Each kind's values, sorted, as runs of equal values (few distinct values: a write changes them in O(distinct)). */
  #sorted = new Map<string, SortedRuns>();
  readonly #plans = new Map<string, KindTransformPlan>();
  /** Full re-derivations so far (a kind's plan changed, or a global plan); for tests and benchmarks. */
  fullRecomputes = 0;

  constructor(
    csr: Csr,
    values: InteractionValues,
    private readonly weights: WeightsConfig,
    private readonly settings: InteractionSettings = INTERACTION_DEFAULTS,
  ) {
    const m = values.raw.length;
    this.#base = values;
    this.#baseIds = csr.ids;
    this.#baseIndex = csr.index;
    this.#nodeCount = csr.nodeCount;
    const { kind, raw } = values;
    // Each kind's values, sorted: what its transform plan reads.
    const counts = new Float64Array(values.kinds.length);
    for (let r = 0; r < m; r++) counts[kind[r]!]!++;
    const byCode = Array.from(counts, (c) => new Float64Array(c));
    if (byCode.length === 1) byCode[0]!.set(raw);
    else {
      const at = new Float64Array(values.kinds.length);
      for (let r = 0; r < m; r++) {
        const c = kind[r]!;
        byCode[c]![at[c]!++] = raw[r]!;
      }
    }
    values.kinds.forEach((kind, c) => {
      if (counts[c] === 0) return;
      const sorted = SortedRuns.of(sortFewDistinct(byCode[c]!));
      this.#sorted.set(kind, sorted);
      this.#plans.set(kind, planKindTransform(this.weights, kind, sorted));
    });
  }

  /** The value rows grouped by user (a counting sort that keeps read order within a user), made on first use. */
  #grouped(): { rowStart: Uint32Array; rowOrder: Uint32Array } {
    if (this.#rows) return this.#rows;
    const n = this.#nodeCount;
    const { user } = this.#base;
    const m = user.length;
    const rowStart = new Uint32Array(n + 1);
    for (let r = 0; r < m; r++) rowStart[user[r]! + 1]!++;
    for (let u = 0; u < n; u++) rowStart[u + 1]! += rowStart[u]!;
    const fill = rowStart.slice(0, n);
    const rowOrder = new Uint32Array(m);
    for (let r = 0; r < m; r++) rowOrder[fill[user[r]!]!++] = r;
    return (this.#rows = { rowStart, rowOrder });
  }

  /** A user's rows as read (item key → kinds, in read order); undefined when the projection had none for the user. */
  #baseRow(userKey: string): Map<string, KindValue[]> | undefined {
    const u = this.#baseIndex.get(userKey);
    const { rowStart, rowOrder } = this.#grouped();
    if (u === undefined || u + 1 >= rowStart.length) return undefined;
    const from = rowStart[u]!;
    const to = rowStart[u + 1]!;
    if (from === to) return undefined;
    const { item, kind, kinds, raw } = this.#base;
    const row = new Map<string, KindValue[]>();
    for (let k = from; k < to; k++) {
      const r = rowOrder[k]!;
      const itemKey = this.#baseIds.at(item[r]!)!;
      const kv = { kind: kinds[kind[r]!]!, weight: raw[r]! };
      const list = row.get(itemKey);
      if (list) list.push(kv);
      else row.set(itemKey, [kv]);
    }
    return row;
  }

  /** A user's rows now (a written user's own, else as read), without keeping them. */
  #rowOf(userKey: string): Map<string, KindValue[]> | undefined {
    return this.#byUser.get(userKey) ?? this.#baseRow(userKey);
  }

  /** A user's rows to change: taken from the base into the written users on the first write. */
  #writableRow(userKey: string): Map<string, KindValue[]> {
    let row = this.#byUser.get(userKey);
    if (!row) this.#byUser.set(userKey, (row = this.#baseRow(userKey) ?? new Map()));
    return row;
  }

  /** Every user with rows: those as read and those written. */
  #userKeys(): Set<string> {
    const keys = new Set(this.#byUser.keys());
    const { rowStart } = this.#grouped();
    for (let u = 0; u + 1 < rowStart.length; u++) if (rowStart[u + 1]! > rowStart[u]!) keys.add(this.#baseIds.at(u)!);
    return keys;
  }

  /** The values now are heavy-tailed counts as a whole (core/weight-transform `interactionsHeavyTailed`). O(kinds). */
  get heavyTailed(): boolean {
    return interactionsHeavyTailed(this.weights, [...this.#sorted.values()].map(tailStatsOfSorted));
  }

  /** The transform plan of each kind in force now (canonical text), for logs and tests. */
  get plans(): Record<string, string> {
    return Object.fromEntries([...this.#plans].map(([kind, plan]) => [kind, plan.key]));
  }

  /**
   * Takes the committed kinds of written pairs and returns the new weight of every edge they change (by node keys;
   * `csr` = the projection after the pairs' nodes were inserted, for the item order). Edges whose weight is
   * recomputed unchanged may be included (addInteractions skips them).
   */
  apply(pairs: readonly KeyedPairState[], csr: Csr): NewInteraction[] {
    const removed = new Map<string, number[]>();
    const added = new Map<string, number[]>();
    const push = (map: Map<string, number[]>, kind: string, w: number): void => {
      const list = map.get(kind);
      if (list) list.push(w);
      else map.set(kind, [w]);
    };
    // Per written user: the items written and the kinds they had or have now.
    const users = new Map<string, { items: Set<string>; kinds: Set<string> }>();
    for (const p of pairs) {
      const items = this.#writableRow(p.userKey);
      let user = users.get(p.userKey);
      if (!user) users.set(p.userKey, (user = { items: new Set(), kinds: new Set() }));
      for (const kv of items.get(p.itemKey) ?? []) {
        push(removed, kv.kind, kv.weight);
        user.kinds.add(kv.kind);
      }
      for (const kv of p.kinds) {
        push(added, kv.kind, kv.weight);
        user.kinds.add(kv.kind);
      }
      items.set(p.itemKey, p.kinds.map((kv) => ({ kind: kv.kind, weight: kv.weight })));
      user.items.add(p.itemKey);
    }
    let full = false;
    for (const kind of new Set([...removed.keys(), ...added.keys()])) {
      const sorted = (this.#sorted.get(kind) ?? SortedRuns.of(new Float64Array(0))).with(removed.get(kind) ?? [], added.get(kind) ?? []);
      this.#sorted.set(kind, sorted);
      const plan = planKindTransform(this.weights, kind, sorted);
      if (plan.key !== this.#plans.get(kind)?.key || plan.global) full = true;
      this.#plans.set(kind, plan);
    }
    // A written user's row with a kind under a global plan needs that whole kind (see the module header).
    for (const userKey of users.keys()) {
      if (full) break;
      for (const kinds of this.#byUser.get(userKey)!.values()) if (kinds.some((kv) => this.#plans.get(kv.kind)!.global)) full = true;
    }
    if (full) {
      this.fullRecomputes++;
      return this.#all(csr);
    }
    const out: NewInteraction[] = [];
    for (const [userKey, user] of users) this.#userEdges(userKey, user.items, user.kinds, csr, out);
    return out;
  }

  /**
   * Re-derives the edges of one user that a write changed (non-global plans only): the written pairs and, for each
   * written kind whose plan normalises per user, every pair of the user holding that kind. A kind with a per-value
   * plan is transformed value by value; a kind with user-norm over the user's values of it in item order.
   */
  #userEdges(userKey: string, written: ReadonlySet<string>, writtenKinds: ReadonlySet<string>, csr: Csr, out: NewInteraction[]): void {
    const all = this.#byUser.get(userKey)!;
    const normed = (kind: string): boolean => this.#plans.get(kind)!.steps.some((step) => step.op === 'user-norm');
    const changedNorm = new Set([...writtenKinds].filter(normed));
    const targets = new Set(written);
    if (changedNorm.size > 0) for (const [itemKey, kinds] of all) if (kinds.some((kv) => changedNorm.has(kv.kind))) targets.add(itemKey);
    // Kinds under user-norm that the targets hold: transformed over the user's whole row of that kind.
    const rowKinds = new Set<string>();
    for (const itemKey of targets) for (const kv of all.get(itemKey)!) if (normed(kv.kind)) rowKinds.add(kv.kind);
    const byRow = new Map<string, Map<string, number>>();
    if (rowKinds.size > 0) {
      const items = this.#itemsOf(userKey, csr);
      for (const kind of rowKinds) {
        const keys: string[] = [];
        const raw: number[] = [];
        for (const [itemKey, kinds] of items) {
          const kv = kinds.find((k) => k.kind === kind);
          if (kv) {
            keys.push(itemKey);
            raw.push(kv.weight);
          }
        }
        const w = transformUserWeights(this.#plans.get(kind)!, raw);
        byRow.set(kind, new Map(keys.map((key, j) => [key, w[j]!])));
      }
    }
    for (const itemKey of targets) {
      const kinds = all.get(itemKey)!.map((kv) => ({
        kind: kv.kind,
        weight: byRow.get(kv.kind)?.get(itemKey) ?? transformUserWeights(this.#plans.get(kv.kind)!, [kv.weight])[0]!,
      }));
      out.push({ userId: userKey, itemId: itemKey, weight: edgeWeight(kinds, this.settings) });
    }
  }

  /** The user's items in the projection's order (node index). */
  #itemsOf(userKey: string, csr: Csr): Array<[string, KindValue[]]> {
    const index = (key: string): number => csr.index.get(key) ?? Number.MAX_SAFE_INTEGER;
    return [...(this.#rowOf(userKey) ?? [])].sort((a, b) => index(a[0]) - index(b[0]));
  }

  /** Re-derives every edge the reload's way (users and items in node order, whole kinds transformed at once). */
  #all(csr: Csr): NewInteraction[] {
    const index = (key: string): number => csr.index.get(key) ?? Number.MAX_SAFE_INTEGER;
    const userKeys = [...this.#userKeys()].sort((a, b) => index(a) - index(b));
    const rowUser: number[] = [];
    const rowKind: string[] = [];
    const rowRaw: number[] = [];
    const pairs: Array<{ userKey: string; itemKey: string; from: number; to: number }> = [];
    userKeys.forEach((userKey, u) => {
      for (const [itemKey, kinds] of this.#itemsOf(userKey, csr)) {
        const from = rowRaw.length;
        for (const kv of kinds) {
          rowUser.push(u);
          rowKind.push(kv.kind);
          rowRaw.push(kv.weight);
        }
        pairs.push({ userKey, itemKey, from, to: rowRaw.length });
      }
    });
    const { weights } = transformInteractionWeights(this.weights, { users: rowUser, kinds: rowKind, weights: rowRaw });
    return pairs.map((p) => {
      const kinds: KindValue[] = [];
      for (let r = p.from; r < p.to; r++) kinds.push({ kind: rowKind[r]!, weight: weights[r]! });
      return { userId: p.userKey, itemId: p.itemKey, weight: edgeWeight(kinds, this.settings) };
    });
  }
}

/** The pair states of a live update with node keys (`User:`/`Item:` prefixes, as the projection names nodes). */
export function keyedPairs(edges: readonly PairState[], nodeKey: (kind: 'User' | 'Item', id: string) => string): KeyedPairState[] {
  return edges.map((e) => ({ userKey: nodeKey('User', e.userId), itemKey: nodeKey('Item', e.itemId), kinds: e.kinds }));
}
