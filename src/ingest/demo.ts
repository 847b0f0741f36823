/**
 * @module ingest/demo
 * A seeded, fully synthetic movie catalogue that graphrec can ship as the default data of `npm start` (no third-party
 * data in it): ~500 users, ~800 films with generated titles, a knowledge graph of genres, people (directors, actors),
 * studios and tags, and ~40k timestamped 1–5 ratings with PLANTED taste structure, so that graph recommenders have real
 * signal to find and explanations have real paths to show. Same seed → identical output (own PRNG, fixed draw order).
 *
 * Generative model (docs/data-formats.md has the long form):
 *   genres g have popularity π_g ∝ 1/(rank+1)^0.7; every director, actor and tag has a home genre (tags: fixed
 *   table), every studio two leaning genres.
 *   item i: primary genre ~ π, 0–2 secondary genres; director from the primary genre's directors (p = 0.85); 3–5 actors
 *   from its genres (p = 0.7 each); studio leaning to its genre (p = 0.7); 2–4 tags from its genres (p = 0.8);
 *   latent quality q_i ~ N(0,1) and exposure log e_i ~ N(0,1).
 *   user u: 2–3 favourite genres with random weights θ_u (plus a floor), 2 favourite directors and 3 favourite actors
 *   from those genres, rating bias b_u ~ N(0, 0.35), activity n_u ~ log-normal around `meanRatingsPerUser`.
 *   affinity a(u,i) = 2.5·Σ_g θ_u[g]·w_i[g] + 1.2·[director ∈ fav] + 0.5·|cast ∩ fav| (w: primary 1, secondary 0.5).
 *   u rates n_u distinct items drawn without replacement with probability ∝ e_i^0.8 · exp(1.6·a(u,i)) (Gumbel top-k);
 *   rating = clamp(round(2.55 + 1.1·a + 0.45·q_i + b_u + N(0, 0.75)), 1, 5); timestamps spread over the user's active
 *   window inside two years from 2020-01-01 UTC. Rows: entities, users, items (+ their edges), ratings by time.
 *
 * @example
 * const source = createDemoSource({ seed: 42 });   // format 'demo', one file 'demo:42'
 * const cat = generateDemoCatalogue({ seed: 7 });  // the records and the latent tastes, for tests
 */
import { AppError } from '../core/errors.ts';
import type { DataRecord, EntityRecord, InteractionRecord, ItemRecord, KnowledgeRecord, UserRecord } from '../core/model.ts';
import type { DatasetSource, ParsedRow } from './source.ts';

export const DEMO_DEFAULTS = {
  /** PRNG seed; the same seed always gives the same catalogue. */
  seed: 42,
  users: 500,
  items: 800,
  directors: 120,
  actors: 320,
  studios: 20,
  /** Mean number of ratings per user (the log-normal activity is clamped to [min, max]). */
  meanRatingsPerUser: 80,
  minRatingsPerUser: 12,
  maxRatingsPerUser: 320,
  /** How strongly choices follow taste: the exp(β·affinity) factor. */
  tasteSharpness: 1.6,
  /** First possible rating time (unix seconds, 2020-01-01T00:00:00Z) and the span of the data in days. */
  startTs: 1_577_836_800,
  spanDays: 730,
};

export type DemoOptions = typeof DEMO_DEFAULTS;

export const DEMO_FORMAT = 'demo';

const DAY = 86_400;

// ---------------------------------------------------------------------------------------------------------------- PRNG

/** sfc32 seeded through splitmix32: fast, 128-bit state, good enough statistical quality for synthetic data. */
export class DemoRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i += 1) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Standard normal (Box–Muller, second value cached). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Standard Gumbel. */
  gumbel(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return -Math.log(-Math.log(u));
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new AppError('INTERNAL', 'ingest/demo: pick from an empty list');
    return xs[this.int(xs.length)] as T;
  }

  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i += 1) total += weights[i] as number;
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i += 1) {
      x -= weights[i] as number;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** `k` distinct elements, in draw order. */
  sample<T>(xs: readonly T[], k: number): T[] {
    const copy = xs.slice();
    const out: T[] = [];
    for (let i = 0; i < k && copy.length > 0; i += 1) out.push(copy.splice(this.int(copy.length), 1)[0] as T);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------- vocabulary

export const DEMO_GENRES = [
  'Drama', 'Comedy', 'Thriller', 'Action', 'Romance', 'Sci-Fi', 'Crime', 'Adventure', 'Horror',
  'Fantasy', 'Mystery', 'Animation', 'Documentary', 'Family', 'War', 'Musical', 'Western', 'Film-Noir',
] as const;

/** Tags with their home genre. */
const TAGS: readonly [string, (typeof DEMO_GENRES)[number]][] = [
  ['family secrets', 'Drama'], ['coming of age', 'Drama'], ['based on a true story', 'Drama'],
  ['workplace', 'Comedy'], ['road trip', 'Comedy'], ['satire', 'Comedy'],
  ['conspiracy', 'Thriller'], ['twist ending', 'Thriller'], ['slow burn', 'Thriller'],
  ['heist', 'Action'], ['martial arts', 'Action'], ['car chase', 'Action'],
  ['second chances', 'Romance'], ['wedding', 'Romance'], ['long distance', 'Romance'],
  ['time travel', 'Sci-Fi'], ['artificial intelligence', 'Sci-Fi'], ['space station', 'Sci-Fi'], ['dystopia', 'Sci-Fi'],
  ['organized crime', 'Crime'], ['detective', 'Crime'], ['prison', 'Crime'],
  ['treasure hunt', 'Adventure'], ['jungle', 'Adventure'], ['sea voyage', 'Adventure'],
  ['haunted house', 'Horror'], ['creature feature', 'Horror'], ['cabin in the woods', 'Horror'],
  ['dragons', 'Fantasy'], ['magic school', 'Fantasy'], ['fairy tale', 'Fantasy'],
  ['locked room', 'Mystery'], ['amateur sleuth', 'Mystery'], ['small town', 'Mystery'],
  ['talking animals', 'Animation'], ['stop motion', 'Animation'],
  ['nature', 'Documentary'], ['music history', 'Documentary'], ['investigative', 'Documentary'],
  ['holiday', 'Family'], ['sports underdog', 'Family'], ['friendship', 'Family'],
  ['resistance', 'War'], ['submarine', 'War'],
  ['backstage', 'Musical'], ['dance battle', 'Musical'],
  ['frontier town', 'Western'], ['bounty hunter', 'Western'],
  ['femme fatale', 'Film-Noir'], ['rainy city', 'Film-Noir'],
  ['ensemble cast', 'Drama'], ['cult classic', 'Comedy'], ['revenge', 'Thriller'], ['survival', 'Adventure'],
];

const ADJECTIVES = [
  'Silent', 'Crimson', 'Last', 'Hidden', 'Broken', 'Golden', 'Midnight', 'Distant', 'Wild', 'Frozen', 'Burning',
  'Forgotten', 'Little', 'Secret', 'Endless', 'Hollow', 'Bright', 'Lonely', 'Restless', 'Savage', 'Quiet', 'Electric',
  'Paper', 'Velvet', 'Iron', 'Glass', 'Northern', 'Violet', 'Sudden', 'Final', 'Lucky', 'Blue',
];
const NOUNS = [
  'Harbor', 'Empire', 'Garden', 'Signal', 'Horizon', 'Promise', 'Shadow', 'Kingdom', 'River', 'Letter', 'Engine',
  'Crown', 'Voyage', 'Storm', 'Mirror', 'Orchard', 'Station', 'Frontier', 'Lantern', 'Echo', 'Island', 'Castle',
  'Machine', 'Summer', 'Winter', 'Ghost', 'Stranger', 'Witness', 'Circus', 'Carnival', 'Compass', 'Melody', 'Bridge',
  'Tide', 'Hunter', 'Painter',
];
const PLACES = [
  'Valdora', 'Brightwater', 'the North', 'Marrow Bay', 'Eastfield', 'Kessington', 'the Dunes', 'Old Town', 'Arcadia',
  'Lowmoor', 'Port Sable', 'the Canyon', 'Silverlake', 'Greyhaven', 'the Moon', 'Redhill', 'Thornbury', 'Westmarch',
];
const FIRST_NAMES = [
  'Ava', 'Noah', 'Mira', 'Elias', 'Lena', 'Jonas', 'Sofia', 'Theo', 'Iris', 'Felix', 'Nora', 'Leo', 'Clara', 'Hugo',
  'Maya', 'Oscar', 'Ruth', 'Caleb', 'Vera', 'Milan', 'Anya', 'Tomas', 'Greta', 'Ravi', 'Ines', 'Kenji', 'Amara',
  'Luca', 'Selma', 'Omar', 'Hanna', 'Diego', 'Freya', 'Malik', 'Yara', 'Emil', 'Priya', 'Arlo', 'Zoe', 'Dmitri',
  'Lucia', 'Samir', 'Edith', 'Bruno', 'Mei', 'Rowan', 'Alma', 'Pavel',
];
const LAST_NAMES = [
  'Lindqvist', 'Marlowe', 'Okafor', 'Castellano', 'Novak', 'Ashford', 'Bergman', 'Delacroix', 'Haddad', 'Ivanova',
  'Kowalski', 'Moreau', 'Nakamura', 'Oduya', 'Petrov', 'Quinlan', 'Rossi', 'Sandoval', 'Takahashi', 'Underwood',
  'Varga', 'Whitlock', 'Yilmaz', 'Zeller', 'Abernathy', 'Brandt', 'Carvalho', 'Dunmore', 'Eriksen', 'Fairbanks',
  'Garrido', 'Holloway', 'Ibsen', 'Jovanovic', 'Kestrel', 'Lachance', 'Mbeki', 'Nilsen', 'Orlov', 'Prescott',
  'Reyes', 'Strand', 'Thorne', 'Valen', 'Winslow', 'Ardent', 'Bellamy', 'Corvin', 'Devereux', 'Esposito',
];
const STUDIO_WORDS = [
  'Lighthouse', 'Northstar', 'Red Fern', 'Paper Crane', 'Blackbird', 'Silver Arrow', 'Tidewater', 'Foxglove', 'Granite',
  'Halcyon', 'Ironwood', 'Juniper', 'Kite', 'Lodestar', 'Meridian', 'Nightjar', 'Oakhurst', 'Pinnacle', 'Quarry', 'Riverbend',
  'Saltmarsh', 'Thistle',
];
const STUDIO_SUFFIXES = ['Pictures', 'Studios', 'Films', 'Entertainment'];

// ----------------------------------------------------------------------------------------------------------- catalogue

export interface DemoLatent {
  /** Per user (index order of `users`): favourite genre names, strongest first. */
  favouriteGenres: string[][];
  /** Per user: ids of the favourite directors / actors. */
  favouriteDirectors: string[][];
  favouriteActors: string[][];
}

export interface DemoCatalogue {
  seed: number;
  entities: EntityRecord[];
  users: UserRecord[];
  items: ItemRecord[];
  /** Knowledge edges grouped per item, in item order. */
  itemKnowledge: KnowledgeRecord[][];
  /** Ratings sorted by time (then user, then item). */
  interactions: InteractionRecord[];
  latent: DemoLatent;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function assertOptions(o: DemoOptions): void {
  const positive: (keyof DemoOptions)[] = ['users', 'items', 'directors', 'actors', 'studios', 'meanRatingsPerUser', 'minRatingsPerUser', 'maxRatingsPerUser', 'spanDays'];
  for (const k of positive) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new AppError('BAD_REQUEST', `ingest/demo: ${k} must be a positive integer`);
  }
  if (!Number.isInteger(o.seed)) throw new AppError('BAD_REQUEST', 'ingest/demo: seed must be an integer');
  if (o.minRatingsPerUser > o.maxRatingsPerUser) throw new AppError('BAD_REQUEST', 'ingest/demo: minRatingsPerUser exceeds maxRatingsPerUser');
  if (o.directors + o.actors > FIRST_NAMES.length * LAST_NAMES.length) throw new AppError('BAD_REQUEST', 'ingest/demo: too many people for the name lists');
  if (o.studios > STUDIO_WORDS.length * STUDIO_SUFFIXES.length) throw new AppError('BAD_REQUEST', 'ingest/demo: too many studios');
  if (!(o.tasteSharpness >= 0) || !Number.isFinite(o.tasteSharpness)) throw new AppError('BAD_REQUEST', 'ingest/demo: tasteSharpness must be a finite number ≥ 0');
}

/** Generates the whole catalogue in memory (a few tens of milliseconds for the defaults). */
export function generateDemoCatalogue(options: Partial<DemoOptions> = {}): DemoCatalogue {
  const o = { ...DEMO_DEFAULTS, ...options } satisfies DemoOptions;
  assertOptions(o);
  const rng = new DemoRng(o.seed);
  const G = DEMO_GENRES.length;
  const genrePop = Float64Array.from(DEMO_GENRES, (_, r) => 1 / Math.pow(r + 1, 0.7));
  const genreId = (g: number) => `demo:genre:${DEMO_GENRES[g]}`;
  const entities: EntityRecord[] = DEMO_GENRES.map((name, g) => ({ id: genreId(g), kind: 'genre', name }));

  // People: unique generated names; directors first, then actors.
  const usedNames = new Set<string>();
  const person = (n: number): EntityRecord => {
    let name = '';
    do name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    while (usedNames.has(name));
    usedNames.add(name);
    return { id: `demo:person:${n}`, kind: 'person', name };
  };
  const directors: { id: string; home: number }[] = [];
  const actors: { id: string; home: number }[] = [];
  for (let d = 0; d < o.directors; d += 1) {
    const e = person(d + 1);
    entities.push(e);
    directors.push({ id: e.id, home: rng.weighted(genrePop) });
  }
  for (let a = 0; a < o.actors; a += 1) {
    const e = person(o.directors + a + 1);
    entities.push(e);
    actors.push({ id: e.id, home: rng.weighted(genrePop) });
  }
  const byHome = (xs: { id: string; home: number }[]) => DEMO_GENRES.map((_, g) => xs.filter((x) => x.home === g).map((x) => x.id));
  const directorsOf = byHome(directors);
  const actorsOf = byHome(actors);

  // Studios: each leans to two genres.
  const studioNames = rng.sample(STUDIO_WORDS.flatMap((w) => STUDIO_SUFFIXES.map((s) => `${w} ${s}`)), o.studios);
  const studios = studioNames.map((name, s) => ({ id: `demo:studio:${s + 1}`, name, lean: [rng.weighted(genrePop), rng.weighted(genrePop)] }));
  for (const s of studios) entities.push({ id: s.id, kind: 'company', name: s.name });
  const studiosOf = DEMO_GENRES.map((_, g) => studios.filter((s) => s.lean.includes(g)).map((s) => s.id));

  // Tags: fixed table of (tag, home genre).
  const tagsOf: string[][] = DEMO_GENRES.map(() => []);
  for (const [tag, genre] of TAGS) {
    const id = `demo:tag:${slug(tag)}`;
    entities.push({ id, kind: 'tag', name: tag });
    tagsOf[DEMO_GENRES.indexOf(genre)]?.push(id);
  }
  const allTags = TAGS.map(([t]) => `demo:tag:${slug(t)}`);

  // Items.
  const usedTitles = new Set<string>();
  const title = (): string => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const form = rng.int(5);
      const t =
        form === 0 ? `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`
        : form === 1 ? `${rng.pick(NOUNS)} of ${rng.pick(PLACES)}`
        : form === 2 ? `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}s`
        : form === 3 ? `A ${rng.pick(NOUNS)} in ${rng.pick(PLACES)}`
        : `${rng.pick(FIRST_NAMES)}'s ${rng.pick(NOUNS)}`;
      if (!usedTitles.has(t)) {
        usedTitles.add(t);
        return t;
      }
    }
    let n = 2;
    const base = `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
    while (usedTitles.has(`${base} ${n}`)) n += 1;
    usedTitles.add(`${base} ${n}`);
    return `${base} ${n}`;
  };
  const items: ItemRecord[] = [];
  const itemKnowledge: KnowledgeRecord[][] = [];
  const itemGenres: number[][] = [];
  const itemDirector = new Int32Array(o.items);
  const itemCast: Int32Array[] = [];
  const directorIndex = new Map(directors.map((d, k) => [d.id, k]));
  const actorIndex = new Map(actors.map((a, k) => [a.id, k]));
  const quality = new Float64Array(o.items);
  const logExposure = new Float64Array(o.items);
  for (let i = 0; i < o.items; i += 1) {
    const id = `demo:i:${i + 1}`;
    const primary = rng.weighted(genrePop);
    const genres = [primary];
    const extra = rng.next() < 0.5 ? (rng.next() < 0.4 ? 2 : 1) : 0;
    for (let k = 0; k < extra; k += 1) {
      const g = rng.weighted(genrePop);
      if (!genres.includes(g)) genres.push(g);
    }
    itemGenres.push(genres);
    const homeDirectors = directorsOf[primary] ?? [];
    const director = homeDirectors.length > 0 && rng.next() < 0.85 ? rng.pick(homeDirectors) : rng.pick(directors).id;
    const cast: string[] = [];
    const castSize = rng.range(3, 5);
    const genreActors = genres.flatMap((g) => actorsOf[g] ?? []);
    while (cast.length < castSize) {
      const a = genreActors.length > 0 && rng.next() < 0.7 ? rng.pick(genreActors) : rng.pick(actors).id;
      if (!cast.includes(a)) cast.push(a);
    }
    const leaning = studiosOf[primary] ?? [];
    const studio = leaning.length > 0 && rng.next() < 0.7 ? rng.pick(leaning) : rng.pick(studios).id;
    const tags: string[] = [];
    const tagCount = rng.range(2, 4);
    const genreTags = genres.flatMap((g) => tagsOf[g] ?? []);
    for (let guard = 0; tags.length < tagCount && guard < 50; guard += 1) {
      const t = genreTags.length > 0 && rng.next() < 0.8 ? rng.pick(genreTags) : rng.pick(allTags);
      if (!tags.includes(t)) tags.push(t);
    }
    quality[i] = rng.normal();
    logExposure[i] = rng.normal();
    const year = 2023 - Math.min(50, Math.floor(-Math.log(1 - rng.next()) * 12));
    items.push({ id, title: title(), props: { year, runtime: rng.range(78, 165) } });
    itemDirector[i] = directorIndex.get(director) as number;
    itemCast.push(Int32Array.from(cast, (a) => actorIndex.get(a) as number));
    const head = { kind: 'Item' as const, id };
    const edge = (relation: string, tail: string): KnowledgeRecord => ({ head, relation, tail: { kind: 'Entity', id: tail } });
    itemKnowledge.push([
      ...genres.map((g) => edge('genre', genreId(g))),
      edge('director', director),
      ...cast.map((a) => edge('starring', a)),
      edge('studio', studio),
      ...tags.map((t) => edge('tag', t)),
    ]);
  }

  // Users and their ratings.
  const users: UserRecord[] = [];
  const latent: DemoLatent = { favouriteGenres: [], favouriteDirectors: [], favouriteActors: [] };
  const interactions: InteractionRecord[] = [];
  const theta = new Float64Array(G);
  const keys = new Float64Array(o.items);
  const sorted = new Float64Array(o.items);
  const aff = new Float64Array(o.items);
  const favDirectorFlag = new Uint8Array(o.directors);
  const favActorFlag = new Uint8Array(o.actors);
  const sigma = 0.7;
  const mu = Math.log(o.meanRatingsPerUser) - (sigma * sigma) / 2;
  const endTs = o.startTs + o.spanDays * DAY;
  for (let u = 0; u < o.users; u += 1) {
    const id = `demo:u:${u + 1}`;
    const favCount = rng.next() < 0.5 ? 2 : 3;
    const favs: number[] = [];
    while (favs.length < favCount) {
      const g = rng.weighted(genrePop);
      if (!favs.includes(g)) favs.push(g);
    }
    theta.fill(0.02);
    const raw = favs.map(() => 0.3 + rng.next());
    const rawSum = raw.reduce((s, x) => s + x, 0);
    favs.forEach((g, k) => (theta[g] = (theta[g] as number) + (raw[k] as number) / rawSum));
    const favRank = favs.slice().sort((x, y) => (theta[y] as number) - (theta[x] as number));
    const favDirectors = rng.sample(favs.flatMap((g) => directorsOf[g] ?? []), 2);
    const favActors = rng.sample(favs.flatMap((g) => actorsOf[g] ?? []), 3);
    const bias = 0.35 * rng.normal();
    const n = Math.max(o.minRatingsPerUser, Math.min(o.maxRatingsPerUser, o.items, Math.round(Math.exp(mu + sigma * rng.normal()))));
    const joined = o.startTs + Math.floor(rng.next() * o.spanDays * 0.7 * DAY);
    const active = Math.min(endTs - joined, Math.floor((30 + rng.next() * 335) * DAY));
    users.push({ id, props: { age: rng.range(16, 72), joined: new Date(joined * 1000).toISOString().slice(0, 10) } });
    latent.favouriteGenres.push(favRank.map((g) => DEMO_GENRES[g] as string));
    latent.favouriteDirectors.push(favDirectors);
    latent.favouriteActors.push(favActors);

    favDirectorFlag.fill(0);
    favActorFlag.fill(0);
    for (const d of favDirectors) favDirectorFlag[directorIndex.get(d) as number] = 1;
    for (const a of favActors) favActorFlag[actorIndex.get(a) as number] = 1;
    for (let i = 0; i < o.items; i += 1) {
      const genres = itemGenres[i] as number[];
      let gm = 0;
      for (let k = 0; k < genres.length; k += 1) gm += (theta[genres[k] as number] as number) * (k === 0 ? 1 : 0.5);
      const cast = itemCast[i] as Int32Array;
      let am = 0;
      for (let k = 0; k < cast.length; k += 1) am += favActorFlag[cast[k] as number] as number;
      aff[i] = 2.5 * gm + 1.2 * (favDirectorFlag[itemDirector[i] as number] as number) + 0.5 * am;
      keys[i] = 0.8 * (logExposure[i] as number) + o.tasteSharpness * (aff[i] as number) + rng.gumbel();
    }
    // The n largest keys (Gumbel top-k = weighted sampling without replacement), taken in item order.
    sorted.set(keys);
    sorted.sort();
    const threshold = sorted[o.items - Math.min(n, o.items)] as number;
    const chosen: number[] = [];
    for (let i = 0; i < o.items && chosen.length < n; i += 1) if ((keys[i] as number) >= threshold) chosen.push(i);
    const times = chosen.map(() => joined + Math.floor(rng.next() * active)).sort((x, y) => x - y);
    rng.sample(chosen, chosen.length).forEach((i, k) => {
      const r = 2.55 + 1.1 * (aff[i] as number) + 0.45 * (quality[i] as number) + bias + 0.75 * rng.normal();
      const rating = Math.max(1, Math.min(5, Math.round(r)));
      interactions.push({ userId: id, itemId: `demo:i:${i + 1}`, kind: 'rating', rating, weight: rating, ts: times[k] as number });
    });
  }
  interactions.sort((x, y) => (x.ts as number) - (y.ts as number) || cmp(x.userId, y.userId) || cmp(x.itemId, y.itemId));
  return { seed: o.seed, entities, users, items, itemKnowledge, interactions, latent };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The catalogue as rows: one per entity, user, item (with its knowledge edges) and rating, in that order. */
export function demoRows(cat: DemoCatalogue): ParsedRow[] {
  const file = `demo:${cat.seed}`;
  const rows: ParsedRow[] = [];
  const push = (records: DataRecord[]) => rows.push({ ok: true, pos: { file, line: rows.length + 1 }, records });
  for (const value of cat.entities) push([{ type: 'entity', value }]);
  for (const value of cat.users) push([{ type: 'user', value }]);
  cat.items.forEach((value, i) => push([{ type: 'item', value }, ...(cat.itemKnowledge[i] ?? []).map((k): DataRecord => ({ type: 'knowledge', value: k }))]));
  for (const value of cat.interactions) push([{ type: 'interaction', value }]);
  return rows;
}

/** Rows per batch of the demo source's one file. */
const DEMO_BATCH = 1024;

/**
 * The demo catalogue as a `DatasetSource` (format `demo`, one in-memory file `demo:<seed>`). Generated on first read
 * and cached. Throws `AppError('BAD_REQUEST')` for invalid options.
 */
export function createDemoSource(options: Partial<DemoOptions> = {}): DatasetSource {
  const o = { ...DEMO_DEFAULTS, ...options } satisfies DemoOptions;
  assertOptions(o);
  let rows: ParsedRow[] | undefined;
  return {
    format: DEMO_FORMAT,
    files: [
      {
        path: `demo:${o.seed}`,
        async *read() {
          rows ??= demoRows(generateDemoCatalogue(o));
          for (let k = 0; k < rows.length; k += DEMO_BATCH) yield rows.slice(k, k + DEMO_BATCH);
        },
      },
    ],
  };
}
