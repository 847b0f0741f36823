/**
 * `npm run bench -- conversation [--users N] [--k K] [--turns T] [--seed S] [--min-degree D] [--negative-weight W]
 * [--tune]`: conversational recommendation against one-shot recommendation on ML-100K + DBpedia (../shared/data),
 * with a simulated user, in one process.
 *
 * Protocol (G-CRS / user-simulator style success@turn):
 * - Split: `evaluate/splits` `temporalLeaveLastOut` (nTest 1, nValid 1) of `ml-100k/u.data`: each user's LAST rating
 *   is the test target, the one before it the valid target (`--tune` only), when rated ≥ 4 (an item the user later
 *   liked). The served graph is every earlier rating (weight = rating) plus the DBpedia item→entity edges (`_ml100k.ts` `buildTrainCsr`); titles and years from u.item.
 *   No embeddings (no LightGCN training here): `hybrid` fuses PPR and the knowledge walk (`weightsNoEmbedding`).
 * - One-shot baseline: `recommend` for the user (hybrid, top-k) — what `GET /v1/users/{id}/recommendations` serves.
 *   Paging control: the same one-shot list read t pages deep (target in the top t·k), i.e. what t turns of "next
 *   page" without any critique would find; the conversation has to beat that, not only the first page.
 * - Conversation: the same engine through `converse/converse.ts` (what `POST /v1/conversations` runs), a session for
 *   the user. Turn 1: the simulated user names one entity of the target as a seed (a random one linked to ≥ D items,
 *   D = `--min-degree` [3], so it does not single the target out). Each later turn, when the target is not in
 *   the list shown: reject every shown item; "more like" the shown item that shares the most entities with the target
 *   (if one shares any); "less like" the shown item that shares the fewest (another one); add
 *   another entity of the target as a seed; "older"/"newer" when the target's year is more than 5 years from the
 *   median year of the list shown. success@t = the target is in the top-k shown at some turn ≤ t.
 * - No leak: the simulator sees the target only through {@link TargetView} (its entities with their degrees, its year,
 *   and how many entities an item shares with it) and never its id; every move is checked not to name the target
 *   (`leaks` in the output must be 0).
 *
 * `--tune`: first tries {@link NEGATIVE_WEIGHT_GRID} as `CONVERSE_DEFAULTS.negativeWeight` on the VALID part (each
 * user's second-last rating as the target, the graph without it and the last), keeps the best success@turns (ties:
 * the larger weight), then measures the test part with it.
 *
 * Prints JSON lines per phase; the last line is `{ bench: 'conversation', successAtTurn, oneShot, ratio, … }`.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRng } from '../../src/compute/rng.ts';
import { SHARED_DATA_DIR } from '../../src/core/paths.ts';
import type { Props } from '../../src/core/model.ts';
import { CONVERSE_DEFAULTS, converseTurn, startConversation } from '../../src/converse/converse.ts';
import type { Move } from '../../src/converse/moves.ts';
import { SessionStore } from '../../src/converse/session.ts';
import { Engine } from '../../src/engine/engine.ts';
import { readMovieLensUData } from '../../src/evaluate/datasets.ts';
import { temporalLeaveLastOut } from '../../src/evaluate/splits.ts';
import { KIND_CODES, type Csr } from '../../src/project/csr.ts';
import { buildTrainCsr, readDbpediaItemEdges, type RatedTriple } from './_ml100k.ts';

const emit = (o: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};
const round = (v: number): number => Math.round(v * 1e4) / 1e4;

function flag(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

/** u.item: titles and years (latin1, `id|title|release date|…`). */
function readItems(dataDir: string): { titles: Map<string, string>; years: Map<string, number> } {
  const titles = new Map<string, string>();
  const years = new Map<string, number>();
  for (const line of readFileSync(path.join(dataDir, 'ml-100k', 'u.item'), 'latin1').split('\n')) {
    if (!line) continue;
    const [id, title, date] = line.split('|');
    titles.set(`Item:ml100k:i:${id}`, title!);
    const year = Number((date ?? '').slice(-4));
    if (Number.isInteger(year) && year > 1800) years.set(`Item:ml100k:i:${id}`, year);
  }
  return { titles, years };
}

/** What the simulated user knows of the target: never its id. */
interface TargetView {
  /** Entity ids of the target (graph ids) with their item degree. */
  entities: Array<{ id: string; degree: number }>;
  year: number | undefined;
  /** How many entities `itemKey` shares with the target. */
  shared(itemKey: string): number;
}

function targetView(csr: Csr, target: number, years: Map<string, number>): TargetView {
  const itemEntities = (v: number): Set<number> => {
    const out = new Set<number>();
    for (let p = csr.outStarts[v]!; p < csr.outStarts[v + 1]!; p++) if (csr.kinds[csr.outTargets[p]!] === KIND_CODES.Entity) out.add(csr.outTargets[p]!);
    for (let p = csr.inStarts[v]!; p < csr.inStarts[v + 1]!; p++) if (csr.kinds[csr.inSources[p]!] === KIND_CODES.Entity) out.add(csr.inSources[p]!);
    return out;
  };
  const degree = (e: number): number => csr.outStarts[e + 1]! - csr.outStarts[e]! + csr.inStarts[e + 1]! - csr.inStarts[e]!;
  const mine = itemEntities(target);
  return {
    entities: [...mine].map((e) => ({ id: csr.ids.at(e)!.slice('Entity:'.length), degree: degree(e) })).sort((a, b) => (a.id < b.id ? -1 : 1)),
    year: years.get(csr.ids.at(target)!),
    shared: (itemKey) => {
      const v = csr.index.get(itemKey);
      if (v === undefined) return 0;
      let n = 0;
      for (const e of itemEntities(v)) if (mine.has(e)) n++;
      return n;
    },
  };
}

/** The simulated user's moves for one turn (turn 1: an entity seed; later: critiques of the list shown). */
function simulate(view: TargetView, turn: number, shown: Array<{ id: string; key: string }>, used: Set<string>, rng: ReturnType<typeof createRng>, years: Map<string, number>, minDegree: number): Move[] {
  const fresh = view.entities.filter((e) => e.degree >= minDegree && !used.has(e.id));
  const pick = (): Move[] => {
    if (fresh.length === 0) return [];
    const e = fresh[rng.int(fresh.length)]!;
    used.add(e.id);
    return [{ type: 'seed', node: { kind: 'Entity', id: e.id } }];
  };
  if (turn === 1) return pick();
  const moves: Move[] = [];
  if (shown.length > 0) moves.push({ type: 'reject', items: shown.map((s) => s.id) });
  let best: { id: string; n: number } | undefined;
  for (const s of shown) {
    const n = view.shared(s.key);
    if (n > 0 && (!best || n > best.n)) best = { id: s.id, n };
  }
  if (best) moves.push({ type: 'more', node: { kind: 'Item', id: best.id } });
  // "less like" the shown item least related to the target (fewest shared entities; the first such).
  let worst: { id: string; n: number } | undefined;
  for (const s of shown) {
    const n = view.shared(s.key);
    if (!worst || n < worst.n) worst = { id: s.id, n };
  }
  if (worst && worst.id !== best?.id) moves.push({ type: 'less', node: { kind: 'Item', id: worst.id } });
  moves.push(...pick());
  if (view.year !== undefined) {
    const ys = shown.map((s) => years.get(s.key)).filter((y): y is number => y !== undefined).sort((a, b) => a - b);
    if (ys.length > 0) {
      const median = ys[Math.floor((ys.length - 1) / 2)]!;
      if (view.year < median - 5) moves.push({ type: 'older' });
      else if (view.year > median + 5) moves.push({ type: 'newer' });
    }
  }
  return moves;
}

function namesTarget(moves: Move[], targetId: string): boolean {
  return JSON.stringify(moves).includes(JSON.stringify(targetId));
}

interface RunResult {
  users: number;
  oneShot: number;
  paging: Record<string, number>;
  successAtTurn: Record<string, number>;
  ratio: Record<string, number | null>;
  leaks: number;
  noEntity: number;
  oneShotMs: number;
  turnMs: number;
  turnsRun: number;
}

interface Setup {
  dataDir: string;
  log: ReturnType<typeof readMovieLensUData>;
  split: ReturnType<typeof temporalLeaveLastOut>;
  ratingOf: Map<string, number>;
  titles: Map<string, string>;
  years: Map<string, number>;
  kg: ReturnType<typeof readDbpediaItemEdges>;
}

/** One evaluation: graph = train (valid) or train + valid (test), targets = that part's items rated ≥ 4. */
async function evaluatePart(setup: Setup, part: 'valid' | 'test', o: { k: number; turns: number; seed: number; minDegree: number; maxUsers: number; negativeWeight: number }): Promise<RunResult> {
  const { log, split, ratingOf, titles, years } = setup;
  const train: RatedTriple[] = [];
  const add = (p: { users: Int32Array; items: Int32Array }) => {
    for (let j = 0; j < p.users.length; j++) train.push({ user: p.users[j]! + 1, item: p.items[j]! + 1, rating: ratingOf.get(`${p.users[j]}:${p.items[j]}`)! });
  };
  add(split.train);
  if (part === 'test') add(split.valid!);
  const allUsers = Array.from({ length: log.nUsers }, (_, j) => String(j + 1));
  const allItems = Array.from({ length: log.nItems }, (_, j) => String(j + 1));
  const csr = buildTrainCsr(train, setup.kg, allUsers, allItems);
  const labels = new Map(titles);
  for (let v = 0; v < csr.nodeCount; v++) if (csr.kinds[v] === KIND_CODES.Entity) labels.set(csr.ids.at(v)!, csr.ids.at(v)!.slice('Entity:dbpedia:'.length).replace(/_/g, ' '));
  const itemProps = new Map<string, Props>([...years].map(([key, year]) => [key, { year }]));
  const engine = new Engine({ csr, labels, itemProps });
  const held = part === 'test' ? split.test : split.valid!;
  const targets: Array<{ user: string; item: string }> = [];
  for (let j = 0; j < held.users.length; j++) {
    const u = held.users[j]!;
    const i = held.items[j]!;
    if (ratingOf.get(`${u}:${i}`)! >= 4) targets.push({ user: `ml100k:u:${u + 1}`, item: `ml100k:i:${i + 1}` });
  }
  const chosen = targets.slice(0, Math.min(targets.length, o.maxUsers));
  const { k, turns, minDegree } = o;
  const converse = { ...CONVERSE_DEFAULTS, negativeWeight: o.negativeWeight };

  const rng = createRng(o.seed);
  const sessions = new SessionStore({ maxTurns: turns + 1, maxSessions: 10 });
  let oneShotHits = 0;
  const pagingAt = new Array<number>(turns + 1).fill(0);
  const hitAt = new Array<number>(turns + 1).fill(0);
  let leaks = 0;
  let turnsRun = 0;
  let noEntity = 0;
  let oneShotMs = 0;
  let turnMs = 0;
  for (const { user, item } of chosen) {
    const t0 = performance.now();
    const oneShot = engine.recommend({ user, k });
    oneShotMs += performance.now() - t0;
    if (oneShot.items.some((x) => x.id === item)) oneShotHits++;
    const deep = engine.recommend({ user, k: k * turns }).items.findIndex((x) => x.id === item);
    for (let t = 1; t <= turns; t++) if (deep >= 0 && deep < t * k) pagingAt[t]!++;
    const target = csr.index.get(`Item:${item}`)!;
    const view = targetView(csr, target, years);
    if (!view.entities.some((e) => e.degree >= minDegree)) noEntity++;
    const session = startConversation(engine, sessions, { user, k });
    const used = new Set<string>();
    let shown: Array<{ id: string; key: string }> = [];
    let found = Infinity;
    for (let t = 1; t <= turns && found === Infinity; t++) {
      const moves = simulate(view, t, shown, used, rng, years, minDegree);
      if (namesTarget(moves, item)) {
        leaks++;
        break;
      }
      const t1 = performance.now();
      const answer = await converseTurn(engine, sessions, session.id, moves, { converse });
      turnMs += performance.now() - t1;
      turnsRun++;
      shown = answer.items.map((x) => ({ id: x.id, key: x.key }));
      if (answer.items.some((x) => x.id === item)) found = t;
    }
    for (let t = 1; t <= turns; t++) if (found <= t) hitAt[t]!++;
  }
  const n = chosen.length;
  const oneShot = n > 0 ? oneShotHits / n : 0;
  const successAtTurn: Record<string, number> = {};
  const ratio: Record<string, number | null> = {};
  const paging: Record<string, number> = {};
  for (let t = 1; t <= turns; t++) {
    paging[`@${t}`] = round(pagingAt[t]! / Math.max(n, 1));
    successAtTurn[`@${t}`] = round(hitAt[t]! / Math.max(n, 1));
    ratio[`@${t}`] = oneShot > 0 ? round(hitAt[t]! / Math.max(n, 1) / oneShot) : null;
  }
  return { users: n, oneShot: round(oneShot), paging, successAtTurn, ratio, leaks, noEntity, oneShotMs: round(oneShotMs / Math.max(n, 1)), turnMs: round(turnMs / Math.max(turnsRun, 1)), turnsRun };
}

/** The `negativeWeight` values `--tune` tries on the VALID part. */
export const NEGATIVE_WEIGHT_GRID = [0, 0.25, 0.5, 1, 2] as const;

export async function main(argv: string[]): Promise<void> {
  const dataDir = SHARED_DATA_DIR;
  if (!existsSync(path.join(dataDir, 'ml-100k', 'u.data')) || !existsSync(path.join(dataDir, 'ml-100k-dbpedia', 'enriched.csv'))) {
    emit({ bench: 'conversation', skipped: `ML-100K + DBpedia data absent under ${dataDir} (ml-100k/u.data, ml-100k-dbpedia/enriched.csv): nothing measured` });
    return;
  }
  const o = {
    maxUsers: flag(argv, 'users', Infinity),
    k: flag(argv, 'k', 10),
    turns: flag(argv, 'turns', 5),
    seed: flag(argv, 'seed', 7),
    minDegree: flag(argv, 'min-degree', 3),
    negativeWeight: flag(argv, 'negative-weight', CONVERSE_DEFAULTS.negativeWeight),
  };
  const tune = argv.includes('--tune');
  const started = performance.now();
  const load0 = os.loadavg()[0]!;

  const log = readMovieLensUData(path.join(dataDir, 'ml-100k', 'u.data'));
  const ratingOf = new Map<string, number>();
  for (let j = 0; j < log.users.length; j++) ratingOf.set(`${log.users[j]}:${log.items[j]}`, log.ratings![j]!);
  const setup: Setup = { dataDir, log, split: temporalLeaveLastOut(log, { nTest: 1, nValid: 1 }), ratingOf, ...readItems(dataDir), kg: readDbpediaItemEdges(dataDir) };
  emit({ phase: 'setup', users: log.nUsers, items: log.nItems, k: o.k, turns: o.turns, seconds: round((performance.now() - started) / 1000) });

  type Tried = { negativeWeight: number; successAtTurn: Record<string, number> };
  let tuning: Tried[] | undefined;
  if (tune) {
    tuning = [];
    for (const negativeWeight of NEGATIVE_WEIGHT_GRID) {
      const r = await evaluatePart(setup, 'valid', { ...o, negativeWeight });
      tuning.push({ negativeWeight, successAtTurn: r.successAtTurn });
      emit({ phase: 'valid', negativeWeight, users: r.users, oneShot: r.oneShot, successAtTurn: r.successAtTurn });
    }
    // Best success@turns on valid; ties: the larger weight (a "less like" that still does something).
    const at = (x: Tried) => x.successAtTurn[`@${o.turns}`]!;
    const best = [...tuning].sort((a, b) => at(b) - at(a) || b.negativeWeight - a.negativeWeight)[0]!;
    o.negativeWeight = best.negativeWeight;
  }
  const r = await evaluatePart(setup, 'test', o);
  emit({
    bench: 'conversation',
    dataset: 'ML-100K + DBpedia (temporal leave-last-out: valid = second-last, test = last rating; targets rated ≥ 4)',
    k: o.k,
    users: r.users,
    oneShot: { [`success@${o.k}`]: r.oneShot, strategy: 'hybrid (no embeddings)', msPerRequest: r.oneShotMs },
    paging: r.paging,
    conversation: { successAtTurn: r.successAtTurn, msPerTurn: r.turnMs, turnsRun: r.turnsRun },
    ratio: r.ratio,
    leaks: r.leaks,
    targetsWithoutUsableEntity: r.noEntity,
    minDegree: o.minDegree,
    negativeWeight: o.negativeWeight,
    ...(tuning ? { tunedOnValid: tuning } : {}),
    seed: o.seed,
    load: { start: round(load0), end: round(os.loadavg()[0]!) },
    date: new Date().toISOString(),
    seconds: round((performance.now() - started) / 1000),
  });
}
