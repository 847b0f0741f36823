/**
 * @module ingest/generate
 * A seeded generator of large, realistic recommendation graphs, written to disk in the generic ingest format
 * (`users.csv`, `items.csv`, `entities.csv`, `interactions.csv`, `knowledge.csv`; docs/data-formats.md), for the
 * scaling work (docs/scaling.md). Same options → byte-identical files (own PRNG, fixed draw order).
 *
 * Memory is O(users + items + entities): per-user degrees, per-item popularity and the samplers' cumulative tables.
 * Interactions and knowledge edges are written as they are drawn (one user's, or one item's, at a time), never held.
 *
 * Generative model:
 *   communities c = 0..C-1 (planted tastes); every user, item and person has one (uniform).
 *   item popularity p_i ∝ (rank_i + 1)^-itemExponent over a random rank order (Zipf; heavy-tailed item degrees).
 *   user activity a_u ~ Pareto(userExponent), degrees d_u = 1 + the remaining interactions split ∝ a_u by cumulative
 *   rounding (the total is exactly `interactions`), each capped at `maxUserDegree` (the excess goes to other users).
 *   user u draws d_u distinct items: with p = `communityAffinity` from its community's items (∝ p_i), else from all
 *   items (∝ p_i); rating = clamp(round(N(4.1, 0.8)), 1, 5) inside the community, clamp(round(N(2.8, 1.1)), 1, 5) outside;
 *   timestamps uniform in the user's active window (start uniform in `spanDays` from `startTs`, length ≥ 1 day).
 *   knowledge: genres (2 per community), persons (≈ items / 2), studios, tags, each with a Zipf popularity inside its
 *   pool (heavy-tailed entity degrees). `knowledge` item edges are split over items (∝ a log-normal weight, ≥ 1 each):
 *   edge 0 `genre` (a genre of the item's community), 1 `director`, 2 `studio`, then `starring` (70 %), `tag` (20 %),
 *   `genre` (10 %), persons and tags drawn from the item's community with p = `communityAffinity`. On top,
 *   `entityEdgeShare` × knowledge entity→entity edges `collaboratedWith` between persons of one community.
 *
 * @example
 * await generateDataset({ ...GENERATE_DEFAULTS, users: 1000, items: 500, interactions: 20000, out: 'gen-20k' });
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import { createRng, type Rng } from '../compute/rng.ts';

export const GENERATE_DEFAULTS = {
  seed: 42,
  users: 10_000,
  items: 2_000,
  interactions: 200_000,
  /** Item→entity knowledge edges; undefined = interactions / 10. */
  knowledge: undefined as number | undefined,
  /** Planted taste communities; undefined = clamp(round(sqrt(items) / 8), 4, 256). */
  communities: undefined as number | undefined,
  /** Share of a user's items drawn from its own community. */
  communityAffinity: 0.8,
  /** Zipf exponent of item popularity. */
  itemExponent: 0.8,
  /** Pareto tail index of user activity (smaller = heavier tail). */
  userExponent: 1.3,
  /** Zipf exponent of entity popularity inside a pool. */
  entityExponent: 1.0,
  /** Largest user degree; undefined = min(items / 5, 10 000). */
  maxUserDegree: undefined as number | undefined,
  /** Entity→entity edges as a share of the knowledge edges. */
  entityEdgeShare: 0.05,
  /** First possible timestamp (unix seconds, 2020-01-01T00:00:00Z) and the span of the data. */
  startTs: 1_577_836_800,
  spanDays: 1095,
};

export type GenerateOptions = Omit<typeof GENERATE_DEFAULTS, 'knowledge' | 'communities' | 'maxUserDegree'> & {
  knowledge?: number | undefined;
  communities?: number | undefined;
  maxUserDegree?: number | undefined;
  out: string;
};

export interface GenerateReport {
  out: string;
  seed: number;
  users: number;
  items: number;
  entities: number;
  communities: number;
  interactions: number;
  knowledge: number;
  maxUserDegree: number;
  maxItemDegree: number;
  maxEntityDegree: number;
  files: string[];
  seconds: number;
}

const WHO = 'generate';
const DAY = 86_400;

/** Buffered synchronous writer: deterministic output, bounded memory (~1 MiB of pending text). */
class Out {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(path: string, header: string) {
    this.fd = openSync(path, 'w');
    this.line(header);
  }
  line(text: string): void {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Draws members of a pool with probability ∝ weight, from the whole pool or from one community's members: cumulative
 * tables (Float64Array) searched by bisection. O(pool size) memory.
 */
class Pool {
  private readonly all: Float64Array;
  /** Members grouped by community, and the cumulative weights in that order. */
  private readonly members: Int32Array;
  private readonly cum: Float64Array;
  private readonly start: Int32Array;

  constructor(weights: Float64Array, community: Int32Array, communities: number) {
    const n = weights.length;
    this.all = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) this.all[i] = s += weights[i]!;
    this.start = new Int32Array(communities + 1);
    for (let i = 0; i < n; i++) this.start[community[i]! + 1]!++;
    for (let c = 0; c < communities; c++) this.start[c + 1]! += this.start[c]!;
    const fill = this.start.slice(0, communities);
    this.members = new Int32Array(n);
    for (let i = 0; i < n; i++) this.members[fill[community[i]!]!++] = i;
    this.cum = new Float64Array(n);
    for (let c = 0; c < communities; c++) {
      let t = 0;
      for (let k = this.start[c]!; k < this.start[c + 1]!; k++) this.cum[k] = t += weights[this.members[k]!]!;
    }
  }

  /** A member drawn ∝ weight from everyone. */
  any(rng: Rng): number {
    return bisect(this.all, 0, this.all.length, rng.float() * this.all[this.all.length - 1]!);
  }

  /** A member drawn ∝ weight from community `c` (from everyone when `c` has no members). */
  of(c: number, rng: Rng): number {
    const lo = this.start[c]!;
    const hi = this.start[c + 1]!;
    if (hi === lo) return this.any(rng);
    return this.members[bisect(this.cum, lo, hi, rng.float() * this.cum[hi - 1]!)]!;
  }

  size(c: number): number {
    return this.start[c + 1]! - this.start[c]!;
  }
}

/** First index k in [lo, hi) with cum[k] > x (the last one when rounding leaves none). */
function bisect(cum: Float64Array, lo: number, hi: number, x: number): number {
  let a = lo;
  let b = hi - 1;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (cum[m]! > x) b = m;
    else a = m + 1;
  }
  return a;
}

/** Zipf weights (rank + 1)^-exponent over a random rank order. */
function zipfWeights(n: number, exponent: number, rng: Rng): Float64Array {
  const ranks = new Int32Array(n);
  for (let i = 0; i < n; i++) ranks[i] = i;
  rng.shuffle(ranks);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = Math.pow(ranks[i]! + 1, -exponent);
  return w;
}

/**
 * Splits `total` into `weights.length` integer parts ∝ weight, each in [min, cap] (cumulative rounding, repeated on the
 * parts below the cap until the excess is placed). Throws when the parts cannot hold the total.
 */
export function splitTotal(total: number, weights: Float64Array, min: number, cap: number): Int32Array {
  const n = weights.length;
  if (n * min > total) throw new AppError('BAD_REQUEST', `${WHO}: ${total} cannot give each of ${n} parts at least ${min}`);
  if (n * cap < total) throw new AppError('BAD_REQUEST', `${WHO}: ${total} does not fit in ${n} parts of at most ${cap}`);
  const parts = new Int32Array(n).fill(min);
  let left = total - n * min;
  for (let round = 0; left > 0 && round < 64; round++) {
    let wsum = 0;
    for (let i = 0; i < n; i++) if (parts[i]! < cap) wsum += weights[i]!;
    let acc = 0;
    let given = 0;
    let placed = 0;
    for (let i = 0; i < n; i++) {
      if (parts[i]! >= cap) continue;
      acc += weights[i]!;
      const upto = Math.round((left * acc) / wsum);
      const add = Math.min(upto - given, cap - parts[i]!);
      given = upto;
      parts[i]! += add;
      placed += add;
    }
    left -= placed;
  }
  // Whatever rounding left over: one at a time, in index order.
  for (let i = 0; left > 0; i = (i + 1) % n) {
    if (parts[i]! < cap) {
      parts[i]!++;
      left--;
    }
  }
  return parts;
}

function positiveInt(name: string, v: number, min = 1): void {
  if (!Number.isSafeInteger(v) || v < min) throw new AppError('BAD_REQUEST', `${WHO}: ${name} must be an integer ≥ ${min} (got ${v})`);
}

/** Writes the dataset into `o.out` (created if missing; existing files of the same names are replaced). */
export function generateDataset(options: Partial<GenerateOptions> & { out: string }): GenerateReport {
  const started = performance.now();
  const o = { ...GENERATE_DEFAULTS, ...options };
  positiveInt('users', o.users);
  positiveInt('items', o.items, 2);
  positiveInt('interactions', o.interactions);
  positiveInt('seed', o.seed, Number.MIN_SAFE_INTEGER);
  const communities = o.communities ?? Math.min(256, Math.max(4, Math.round(Math.sqrt(o.items) / 8)));
  positiveInt('communities', communities);
  const knowledge = o.knowledge ?? Math.round(o.interactions / 10);
  positiveInt('knowledge', knowledge, 0);
  const maxUserDegree = o.maxUserDegree ?? Math.max(1, Math.min(Math.floor(o.items / 5), 10_000));
  positiveInt('maxUserDegree', maxUserDegree);
  if (maxUserDegree > o.items) throw new AppError('BAD_REQUEST', `${WHO}: maxUserDegree ${maxUserDegree} exceeds the ${o.items} items`);
  if (o.interactions < o.users) throw new AppError('BAD_REQUEST', `${WHO}: every user needs an interaction: interactions (${o.interactions}) < users (${o.users})`);
  if (o.interactions > o.users * maxUserDegree) {
    throw new AppError('BAD_REQUEST', `${WHO}: ${o.interactions} interactions do not fit ${o.users} users of at most ${maxUserDegree} items each`);
  }
  if (!(o.communityAffinity >= 0 && o.communityAffinity <= 1)) throw new AppError('BAD_REQUEST', `${WHO}: communityAffinity must be in [0, 1]`);
  mkdirSync(o.out, { recursive: true });
  const rng = createRng(o.seed);

  // Items: community, popularity.
  const itemCommunity = new Int32Array(o.items);
  for (let i = 0; i < o.items; i++) itemCommunity[i] = rng.int(communities);
  const items = new Pool(zipfWeights(o.items, o.itemExponent, rng), itemCommunity, communities);

  // Entities: genres (2 per community), persons, studios, tags; ids g*, p*, s*, t*.
  const genres = 2 * communities;
  const persons = Math.max(communities, Math.round(o.items / 2));
  const studios = Math.max(4, Math.round(o.items / 500));
  const tags = Math.max(communities, Math.round(o.items / 50));
  const personCommunity = new Int32Array(persons).map((_, k) => k % communities);
  const personPool = new Pool(zipfWeights(persons, o.entityExponent, rng), personCommunity, communities);
  const tagCommunity = new Int32Array(tags).map((_, k) => k % communities);
  const tagPool = new Pool(zipfWeights(tags, o.entityExponent, rng), tagCommunity, communities);
  const studioWeights = zipfWeights(studios, o.entityExponent, rng);
  const studioPool = new Pool(studioWeights, new Int32Array(studios), 1);

  const files: string[] = [];
  const open = (name: string, header: string) => {
    files.push(join(o.out, name));
    return new Out(join(o.out, name), header);
  };

  // users.csv: id, age.
  const users = open('users.csv', 'id,age:number');
  const userCommunity = new Int32Array(o.users);
  for (let u = 0; u < o.users; u++) {
    userCommunity[u] = rng.int(communities);
    users.line(`u${u},${18 + rng.int(60)}`);
  }
  users.close();

  // items.csv: id, title, year.
  const itemsOut = open('items.csv', 'id,title,year:number');
  for (let i = 0; i < o.items; i++) itemsOut.line(`i${i},Item ${i},${1950 + rng.int(75)}`);
  itemsOut.close();

  // entities.csv.
  const entities = open('entities.csv', 'id,kind,name');
  for (let g = 0; g < genres; g++) entities.line(`g${g},genre,Genre ${g}`);
  for (let p = 0; p < persons; p++) entities.line(`p${p},person,Person ${p}`);
  for (let s = 0; s < studios; s++) entities.line(`s${s},studio,Studio ${s}`);
  for (let t = 0; t < tags; t++) entities.line(`t${t},tag,Tag ${t}`);
  entities.close();

  // interactions.csv: user degrees ∝ Pareto activity, items drawn community-biased ∝ popularity.
  const activity = new Float64Array(o.users);
  for (let u = 0; u < o.users; u++) activity[u] = Math.pow(1 - rng.float(), -1 / o.userExponent);
  const degrees = splitTotal(o.interactions, activity, 1, maxUserDegree);
  const itemDegree = new Int32Array(o.items);
  const interactions = open('interactions.csv', 'user_id,item_id,rating,timestamp');
  const span = o.spanDays * DAY;
  const picked = new Set<number>();
  let maxUser = 0;
  for (let u = 0; u < o.users; u++) {
    const d = degrees[u]!;
    if (d > maxUser) maxUser = d;
    const c = userCommunity[u]!;
    const t0 = o.startTs + rng.int(span);
    const len = DAY + rng.int(Math.max(1, o.startTs + span - t0));
    picked.clear();
    while (picked.size < d) {
      const inCommunity = rng.float() < o.communityAffinity && items.size(c) > 0;
      let i = -1;
      for (let tries = 0; tries < 32 && i < 0; tries++) {
        const k = inCommunity ? items.of(c, rng) : items.any(rng);
        if (!picked.has(k)) i = k;
      }
      // The popular items are taken: a uniform draw among all items finds a free one quickly (d ≤ items / 5 by default).
      while (i < 0) {
        const k = rng.int(o.items);
        if (!picked.has(k)) i = k;
      }
      picked.add(i);
      itemDegree[i]!++;
      const same = itemCommunity[i] === c;
      const rating = Math.min(5, Math.max(1, Math.round(same ? rng.normal(4.1, 0.8) : rng.normal(2.8, 1.1))));
      interactions.line(`u${u},i${i},${rating},${t0 + rng.int(len)}`);
    }
  }
  interactions.close();

  // knowledge.csv.
  const entityEdges = Math.round(knowledge * o.entityEdgeShare);
  const itemEdges = knowledge - entityEdges;
  const kn = open('knowledge.csv', 'head_kind,head_id,relation,tail_kind,tail_id');
  const genreDegree = new Int32Array(genres);
  const personDegree = new Int32Array(persons);
  const studioDegree = new Int32Array(studios);
  const tagDegree = new Int32Array(tags);
  let itemEdgesWritten = 0;
  if (itemEdges > 0) {
    const kw = new Float64Array(o.items);
    for (let i = 0; i < o.items; i++) kw[i] = Math.exp(rng.normal(0, 0.6));
    const perItemCap = Math.min(genres + persons + studios + tags, 64);
    const kDegrees = splitTotal(itemEdges, kw, itemEdges >= o.items ? 1 : 0, Math.max(perItemCap, Math.ceil(itemEdges / o.items)));
    const seen = new Set<string>();
    for (let i = 0; i < o.items; i++) {
      const c = itemCommunity[i]!;
      seen.clear();
      let tries = 0;
      for (let j = 0; seen.size < kDegrees[i]! && tries < 8 * kDegrees[i]! + 64; j++, tries++) {
        const home = rng.float() < o.communityAffinity;
        let rel: string;
        let tail: string;
        let count: () => void;
        const r = j === 0 ? 'genre' : j === 1 ? 'director' : j === 2 ? 'studio' : ((x) => (x < 0.7 ? 'starring' : x < 0.9 ? 'tag' : 'genre'))(rng.float());
        if (r === 'genre') {
          const g = j === 0 ? 2 * c + rng.int(2) : rng.int(genres);
          rel = 'genre';
          tail = `g${g}`;
          count = () => void genreDegree[g]!++;
        } else if (r === 'director' || r === 'starring') {
          const p = home ? personPool.of(c, rng) : personPool.any(rng);
          rel = r;
          tail = `p${p}`;
          count = () => void personDegree[p]!++;
        } else if (r === 'studio') {
          const s = studioPool.any(rng);
          rel = 'studio';
          tail = `s${s}`;
          count = () => void studioDegree[s]!++;
        } else {
          const t = home ? tagPool.of(c, rng) : tagPool.any(rng);
          rel = 'tag';
          tail = `t${t}`;
          count = () => void tagDegree[t]!++;
        }
        const key = `${rel}|${tail}`;
        if (seen.has(key)) continue;
        seen.add(key);
        count();
        itemEdgesWritten++;
        kn.line(`item,i${i},${rel},entity,${tail}`);
      }
    }
  }
  // entity→entity: persons of one community who worked together (distinct pairs).
  const pairs = new Set<number>();
  let written = 0;
  for (let tries = 0; written < entityEdges && tries < 8 * entityEdges + 64; tries++) {
    const c = rng.int(communities);
    if (personPool.size(c) < 2) continue;
    const a = personPool.of(c, rng);
    const b = personPool.of(c, rng);
    if (a === b) continue;
    const key = a * persons + b;
    if (pairs.has(key)) continue;
    pairs.add(key);
    personDegree[a]!++;
    personDegree[b]!++;
    kn.line(`entity,p${a},collaboratedWith,entity,p${b}`);
    written++;
  }
  kn.close();

  const max = (a: Int32Array) => a.reduce((m, x) => (x > m ? x : m), 0);
  return {
    out: o.out,
    seed: o.seed,
    users: o.users,
    items: o.items,
    entities: genres + persons + studios + tags,
    communities,
    interactions: o.interactions,
    knowledge: itemEdgesWritten + written,
    maxUserDegree: maxUser,
    maxItemDegree: max(itemDegree),
    maxEntityDegree: Math.max(max(genreDegree), max(personDegree), max(studioDegree), max(tagDegree)),
    files,
    seconds: (performance.now() - started) / 1000,
  };
}
