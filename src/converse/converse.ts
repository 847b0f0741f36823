/**
 * @module converse/converse
 * Conversational recommendation on the engine the API serves (issue 13): a session keeps what the person said so far
 * (see `session.ts`), each turn's moves (see `moves.ts`) change it, and the answer is a fresh top-k from the same
 * `recommend` (PPR and hybrid from the weighted seeds, plus the user's history when the session has a user), each
 * item with the engine's evidence and explanation, and a short statement of how the turn changed the list.
 *
 * How the state becomes one `recommend` call:
 *
 *     seeds    = the positive seeds with their weights (restart mass ∝ weight; with a user, `seedShare` of it)
 *     exclude  = rejected items ∪ negative seed items ∪ items linked to an excluded entity ∪ items failing a constraint
 *     filters  = { entity: the required entities }
 *
 * Negative seeds ("less like X") cannot be negative restart mass, so they re-rank instead: the engine answers a pool of
 * `max(poolFactor · k, 50)` items; a PPR from the negative seeds scores each (π / W^β, as the `ppr` strategy), divided
 * by the pool's largest; an item's final score is `(1 − (rank − 1) / pool) − negativeWeight · penalty` (negativeWeight 0.25, poolFactor 5: `CONVERSE_DEFAULTS`).
 *
 * Every turn is atomic: the moves apply to a copy of the state, and a bad move (unknown item or entity, a bound
 * passed, a property no item has) is a 400 naming the move's index, the session left as it was.
 *
 * @example
 * const store = new SessionStore();
 * const s = startConversation(engine, store, { k: 5 });
 * await converseTurn(engine, store, s.id, [{ type: 'seed', node: { kind: 'Entity', id: 'dbr:Tom_Hanks' } }]);
 */
import { AppError } from '../core/errors.ts';
import type { NodeRef, PropValue } from '../core/model.ts';
import { makeSeedVector } from '../compute/ppr/seed-vector.ts';
import type { Engine, ExplainMode, ExplainedItem } from '../engine/engine.ts';
import type { ExplainOptions } from '../explain/explain.ts';
import { KIND_CODES } from '../project/csr.ts';
import type { RecommendContext } from '../retrieve/context.ts';
import { degreeDiscount } from '../retrieve/ppr-strategy.ts';
import { resolveEntity } from '../retrieve/eligibility.ts';
import type { RecommendedItem, SeedRef } from '../retrieve/recommend.ts';
import type { StrategyName } from '../retrieve/strategy.ts';
import { RELATIVE_MOVES, type RelativeMoveType, type ConverseNode, type Move, type PropertyOp } from './moves.ts';
import { copyState, type ConverseLimits, type Session, type SessionState, type SessionStore, type ShownItem, type WeightedNode } from './session.ts';

const KIND_ITEM: number = KIND_CODES.Item;

/** What the conversation needs of the engine. */
export type ConverseEngine = Pick<Engine, 'context' | 'resolveId' | 'recommend' | 'explain'>;

export interface ConverseOptions {
  /** Weight of the negative-seed penalty in the re-ranking (see the module header). [0.25] */
  negativeWeight: number;
  /** The re-ranked pool is max(poolFactor · k, 50) items. [5] */
  poolFactor: number;
}

/**
 * `negativeWeight` chosen on the VALID part by `npm run bench -- conversation --tune` (0 and 0.25 tied best at
 * success@5; larger weights lost; docs/conversation.md); `poolFactor` set by hand.
 */
export const CONVERSE_DEFAULTS = { negativeWeight: 0.25, poolFactor: 5 } as const satisfies ConverseOptions;

export interface AnswerItem extends RecommendedItem, ExplainedItem {}

export interface TurnAnswer {
  conversation: string;
  turn: number;
  /** One phrase per move, in order. */
  changes: string[];
  /** How the turn changed the list, one line. */
  summary: string;
  items: AnswerItem[];
  fallbackUsed: boolean;
  state: StateView;
  expiresAt: string;
}

export interface StateView {
  user: string | null;
  k: number;
  strategy: StrategyName;
  turns: number;
  seeds: Array<{ kind: 'Item' | 'Entity'; id: string; label: string; weight: number }>;
  negatives: Array<{ kind: 'Item' | 'Entity'; id: string; label: string; weight: number }>;
  excluded: Array<{ id: string; label: string }>;
  required: Array<{ id: string; label: string }>;
  rejected: Array<{ id: string; label: string }>;
  constraints: Array<{ name: string; op: PropertyOp; value: PropValue }>;
  shown: Array<{ id: string; title?: string }>;
}

// ------------------------------------------------------------------ moves → state

function idOfKey(key: string): string {
  const at = key.indexOf(':');
  return at >= 0 ? key.slice(at + 1) : key;
}

const OP_TEXT: Record<PropertyOp, string> = { lt: '<', le: '≤', gt: '>', ge: '≥', eq: '=', ne: '≠' };

function compare(have: PropValue | undefined, op: PropertyOp, want: PropValue): boolean {
  if (have === undefined) return false;
  switch (op) {
    case 'eq':
      return have === want;
    case 'ne':
      return have !== want;
    default: {
      if (typeof have !== 'number' || typeof want !== 'number') return false;
      return op === 'lt' ? have < want : op === 'le' ? have <= want : op === 'gt' ? have > want : have >= want;
    }
  }
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/** Applies `moves` to a copy of `state`; returns the new state and one phrase per move. Throws BAD_REQUEST naming the move. */
export function applyMoves(engine: ConverseEngine, state: SessionState, moves: readonly Move[], limits: ConverseLimits): { state: SessionState; changes: string[] } {
  const ctx = engine.context;
  const { csr } = ctx;
  const next = copyState(state);
  const changes: string[] = [];
  if (!Array.isArray(moves)) throw new AppError('BAD_REQUEST', 'converse: moves must be an array');
  if (moves.length > limits.maxMoves) throw new AppError('BAD_REQUEST', `converse: at most ${limits.maxMoves} moves per turn`);
  moves.forEach((move, index) => {
    const bad = (message: string): never => {
      throw new AppError('BAD_REQUEST', `converse: move ${index} (${typeof move?.type === 'string' ? move.type : '?'}): ${message}`, { move: index });
    };
    const label = (key: string) => ctx.labels?.(key) ?? idOfKey(key);
    const itemKey = (raw: unknown): string => {
      if (typeof raw !== 'string' || raw === '') bad('an item id must be a non-empty string');
      let id: string;
      try {
        id = engine.resolveId('Item', raw as string);
      } catch {
        return bad(`unknown item ${JSON.stringify(raw)}`);
      }
      return `Item:${id}`;
    };
    const entityKey = (raw: unknown): string => {
      if (typeof raw !== 'string' || raw === '') bad('an entity id must be a non-empty string');
      const v = resolveEntity(csr, raw as string);
      if (v < 0) bad(`unknown entity ${JSON.stringify(raw)}`);
      return csr.ids.at(v)!;
    };
    const nodeOf = (node: unknown): WeightedNode => {
      const n = node as ConverseNode | undefined;
      if (!n || typeof n !== 'object' || (n.kind !== 'Item' && n.kind !== 'Entity')) return bad('node must be { kind: "Item" | "Entity", id }');
      const key = n.kind === 'Item' ? itemKey(n.id) : entityKey(n.id);
      return { node: { kind: n.kind, id: idOfKey(key) }, key, label: label(key), weight: 0 };
    };
    const addTo = (map: Map<string, WeightedNode>, w: WeightedNode, add: number, what: string): number => {
      const have = map.get(w.key);
      if (!have && map.size >= limits.maxSeeds) bad(`the conversation already holds ${limits.maxSeeds} ${what}s (the limit); drop one first (unseed)`);
      const weight = (have?.weight ?? 0) + add;
      map.set(w.key, { ...w, weight });
      return weight;
    };
    const itemsHaving = (name: string): boolean => (ctx.itemPropsOfItems?.() ?? []).some((props) => props?.[name] !== undefined);
    const addConstraint = (name: string, op: PropertyOp, value: PropValue) => {
      if (!ctx.itemProps || !itemsHaving(name)) bad(`no item has the property ${JSON.stringify(name)}`);
      if ((op === 'lt' || op === 'le' || op === 'gt' || op === 'ge') && (typeof value !== 'number' || !Number.isFinite(value))) bad(`${op} compares numbers; the value must be a finite number`);
      const at = next.constraints.findIndex((c) => c.name === name && c.op === op);
      if (at >= 0) next.constraints.splice(at, 1);
      else if (next.constraints.length >= limits.maxConstraints) bad(`at most ${limits.maxConstraints} property constraints`);
      next.constraints.push({ name, op, value });
      changes.push(`only items with ${name} ${OP_TEXT[op]} ${typeof value === 'number' ? fmt(value) : JSON.stringify(value)}`);
    };
    if (!move || typeof move !== 'object' || typeof move.type !== 'string') bad('a move must be an object with a type');
    switch (move.type) {
      case 'seed': {
        const w = nodeOf(move.node);
        const add = move.weight ?? 1;
        if (!(typeof add === 'number' && Number.isFinite(add) && add > 0 && add <= 100)) bad('weight must be a number in (0, 100]');
        const weight = addTo(next.seeds, w, add, 'seed');
        next.negatives.delete(w.key);
        next.rejected.delete(w.key);
        changes.push(weight === add ? `added ${w.label} as a seed` : `${w.label} weighs more (seed weight ${fmt(weight)})`);
        break;
      }
      case 'more': {
        const w = nodeOf(move.node);
        const weight = addTo(next.seeds, w, next.seeds.has(w.key) ? 1 : 2, 'seed');
        next.negatives.delete(w.key);
        next.rejected.delete(w.key);
        changes.push(`more like ${w.label} (seed weight ${fmt(weight)})`);
        break;
      }
      case 'less': {
        const w = nodeOf(move.node);
        const seed = next.seeds.get(w.key);
        if (seed) {
          seed.weight /= 2;
          if (seed.weight < 0.25) next.seeds.delete(w.key);
        }
        addTo(next.negatives, w, 1, 'negative seed');
        if (w.node.kind === 'Item') next.rejected.set(w.key, w.label);
        changes.push(`less like ${w.label}${seed ? (next.seeds.has(w.key) ? ' (its seed weight halved)' : ' (no longer a seed)') : ''}`);
        break;
      }
      case 'unseed': {
        const w = nodeOf(move.node);
        const had = next.seeds.delete(w.key) || next.negatives.delete(w.key);
        if (!had) bad(`${w.label} is not a seed of this conversation`);
        changes.push(`forgot ${w.label}`);
        break;
      }
      case 'exclude': {
        const key = entityKey(move.entity);
        if (!next.excluded.has(key) && next.excluded.size >= limits.maxEntities) bad(`at most ${limits.maxEntities} excluded entities`);
        next.excluded.set(key, label(key));
        next.required.delete(key);
        next.seeds.delete(key);
        changes.push(`nothing linked to ${label(key)}`);
        break;
      }
      case 'require': {
        const key = entityKey(move.entity);
        if (!next.required.has(key) && next.required.size >= limits.maxEntities) bad(`at most ${limits.maxEntities} required entities`);
        next.required.set(key, label(key));
        next.excluded.delete(key);
        changes.push(`only items linked to ${label(key)}`);
        break;
      }
      case 'reject': {
        if (!Array.isArray(move.items) || move.items.length === 0) bad('items must be a non-empty array of item ids');
        const keys = move.items.map(itemKey);
        for (const key of keys) next.rejected.set(key, label(key));
        if (next.rejected.size > limits.maxRejected) bad(`at most ${limits.maxRejected} rejected items per conversation`);
        changes.push(keys.length === 1 ? `rejected ${label(keys[0]!)}` : `rejected ${keys.length} items`);
        break;
      }
      case 'property': {
        if (typeof move.name !== 'string' || move.name === '') bad('name must be a property name');
        if (!(['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const).includes(move.op)) bad('op must be lt, le, gt, ge, eq or ne');
        if (!['string', 'number', 'boolean'].includes(typeof move.value)) bad('value must be a string, number or boolean');
        addConstraint(move.name, move.op, move.value);
        break;
      }
      case 'older':
      case 'newer':
      case 'shorter':
      case 'longer': {
        const { property, op } = RELATIVE_MOVES[move.type as RelativeMoveType];
        let reference: number | undefined;
        if (move.than !== undefined) {
          const key = itemKey(move.than);
          const value = ctx.itemProps?.(key)?.[property];
          if (typeof value !== 'number') bad(`${label(key)} has no numeric ${property}`);
          reference = value as number;
        } else {
          const values = next.shown.map((s) => ctx.itemProps?.(s.key)?.[property]).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
          if (values.length === 0) bad(`"${move.type}" needs a \`than\` item or a shown list whose items have a numeric ${property}`);
          reference = values[Math.floor((values.length - 1) / 2)]!;
        }
        addConstraint(property, op, reference);
        break;
      }
      case 'keywords': {
        if (typeof move.text !== 'string' || move.text.trim() === '' || move.text.length > 500) bad('text must be a non-empty string of at most 500 characters');
        if (!ctx.keywords) bad('keyword matching needs names (none loaded)');
        const matches = ctx.keywords!.match(move.text, { limit: ctx.options.keywordSeeds });
        const usable = matches.filter((m) => {
          const v = csr.index.get(m.key);
          return v !== undefined && csr.kinds[v] !== KIND_CODES.User;
        });
        if (usable.length === 0) bad(`no item title or entity name matches ${JSON.stringify(move.text)}`);
        for (const m of usable) {
          const kind = m.key.startsWith('Item:') ? 'Item' : 'Entity';
          addTo(next.seeds, { node: { kind, id: idOfKey(m.key) }, key: m.key, label: m.name, weight: 0 }, m.score, 'seed');
        }
        changes.push(`"${move.text.trim()}" matched ${usable.map((m) => m.name).join(', ')} (added as seeds)`);
        break;
      }
      default:
        bad(`unknown move type ${JSON.stringify((move as { type: unknown }).type)}`);
    }
  });
  return { state: next, changes };
}

// ------------------------------------------------------------------ state → answer

/** Item keys the state rules out, each with why (for the change statement). */
function exclusions(ctx: RecommendContext, state: SessionState): Map<string, string> {
  const { csr } = ctx;
  const out = new Map<string, string>();
  for (const [key] of state.rejected) out.set(key, 'rejected');
  for (const [key, w] of state.negatives) if (w.node.kind === 'Item') out.set(key, 'rejected');
  for (const [key, name] of state.excluded) {
    const e = csr.index.get(key);
    if (e === undefined) continue;
    const mark = (v: number) => {
      if (csr.kinds[v] !== KIND_ITEM) return;
      const key = csr.ids.at(v)!;
      if (!out.has(key)) out.set(key, `linked to ${name}`);
    };
    for (let p = csr.outStarts[e]!; p < csr.outStarts[e + 1]!; p++) mark(csr.outTargets[p]!);
    for (let p = csr.inStarts[e]!; p < csr.inStarts[e + 1]!; p++) mark(csr.inSources[p]!);
  }
  if (state.constraints.length > 0) {
    const propsOf = ctx.itemPropsOfItems?.() ?? [];
    for (let j = 0; j < ctx.items.length; j++) {
      const props = propsOf[j];
      const failed = state.constraints.find((c) => !compare(props?.[c.name], c.op, c.value));
      if (!failed) continue;
      const key = csr.ids.at(ctx.items[j]!)!;
      if (!out.has(key)) out.set(key, `not ${failed.name} ${OP_TEXT[failed.op]} ${typeof failed.value === 'number' ? fmt(failed.value) : JSON.stringify(failed.value)}`);
    }
  }
  return out;
}

/** Most items one answer may exclude (retrieve/recommend's `exclude` bound). */
const MAX_EXCLUDED = 10_000;

/** The top-k of a session state: `recommend` from the weighted seeds (and the user), then the negative re-ranking. */
export function rankState(engine: ConverseEngine, session: Pick<Session, 'user' | 'k' | 'strategy'>, state: SessionState, options: ConverseOptions = CONVERSE_DEFAULTS): { items: RecommendedItem[]; fallbackUsed: boolean; excluded: Map<string, string> } {
  const ctx = engine.context;
  const excluded = exclusions(ctx, state);
  if (excluded.size > MAX_EXCLUDED) throw new AppError('BAD_REQUEST', `converse: the conversation rules out ${excluded.size} items, more than ${MAX_EXCLUDED} (drop an exclusion or a constraint)`);
  const seeds: SeedRef[] = [...state.seeds.values()].map((w) => ({ ...w.node, weight: w.weight }));
  const negatives = [...state.negatives.values()];
  const k = session.k;
  const pool = negatives.length > 0 ? Math.min(ctx.options.maxK, Math.max(options.poolFactor * k, 50)) : k;
  const result = engine.recommend({
    ...(session.user !== undefined ? { user: session.user } : {}),
    seeds,
    k: pool,
    strategy: session.strategy,
    exclude: [...excluded.keys()],
    ...(state.required.size > 0 ? { filters: { entity: [...state.required.keys()] } } : {}),
  });
  let items = result.items;
  if (negatives.length > 0 && items.length > 0) {
    const { csr, transition } = ctx;
    const nodes = negatives.map((w) => csr.index.get(w.key)!);
    const { scores } = ctx.solver.query(makeSeedVector(nodes, negatives.map((w) => w.weight), csr.nodeCount));
    const beta = ctx.options.pprDegreeDiscount;
    const penalty = items.map((it) => {
      const v = csr.index.get(it.key)!;
      return scores[v]! * degreeDiscount(transition.strength[v]!, beta);
    });
    const top = Math.max(...penalty);
    const n = items.length;
    const final = items.map((it, j) => ({ it, s: 1 - j / n - (top > 0 ? options.negativeWeight * (penalty[j]! / top) : 0) }));
    final.sort((a, b) => b.s - a.s);
    items = final.slice(0, k).map(({ it }, j) => ({ ...it, rank: j + 1 }));
  }
  return { items: items.slice(0, k), fallbackUsed: result.fallbackUsed, excluded };
}

function changeSummary(changes: string[], before: ShownItem[], after: RecommendedItem[], excluded: Map<string, string>): string {
  const parts = [...changes];
  if (before.length > 0) {
    const now = new Set(after.map((x) => x.key));
    const left = before.filter((x) => !now.has(x.key));
    const byReason = new Map<string, number>();
    for (const x of left) {
      const why = excluded.get(x.key) ?? 'ranked lower';
      byReason.set(why, (byReason.get(why) ?? 0) + 1);
    }
    for (const [why, count] of byReason) parts.push(`removed ${count} ${count === 1 ? 'item' : 'items'} (${why})`);
    const before0 = new Set(before.map((x) => x.key));
    const fresh = after.filter((x) => !before0.has(x.key)).length;
    parts.push(`${fresh} new, ${after.length - fresh} kept`);
  } else {
    parts.push(`${after.length} ${after.length === 1 ? 'item' : 'items'}`);
  }
  if (after.length === 0) parts.push('nothing satisfies every constraint');
  return parts.join('; ');
}

export function stateView(session: Session): StateView {
  const s = session.state;
  const nodes = (m: Map<string, WeightedNode>) => [...m.values()].map((w) => ({ kind: w.node.kind, id: w.node.id, label: w.label, weight: w.weight }));
  const named = (m: Map<string, string>) => [...m].map(([key, label]) => ({ id: idOfKey(key), label }));
  return {
    user: session.user ?? null,
    k: session.k,
    strategy: session.strategy,
    turns: session.turns.length,
    seeds: nodes(s.seeds),
    negatives: nodes(s.negatives),
    excluded: named(s.excluded),
    required: named(s.required),
    rejected: named(s.rejected),
    constraints: s.constraints.map((c) => ({ ...c })),
    shown: s.shown.map((x) => ({ id: x.id, ...(x.title !== undefined ? { title: x.title } : {}) })),
  };
}

export interface StartRequest {
  /** A user (graph id or bare dataset id) whose history the answers start from. */
  user?: string;
  k?: number;
  strategy?: StrategyName;
}

/** Creates a session (no turn yet). NOT_FOUND for an unknown user. */
export function startConversation(engine: ConverseEngine, store: SessionStore, request: StartRequest = {}): Session {
  const user = request.user !== undefined ? engine.resolveId('User', request.user) : undefined;
  const k = request.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > engine.context.options.maxK) throw new AppError('BAD_REQUEST', `converse: k must be an integer in [1, ${engine.context.options.maxK}]`);
  return store.create({ user, k, strategy: request.strategy ?? (user !== undefined ? 'hybrid' : 'ppr') });
}

export interface TurnOptions {
  explain?: ExplainMode;
  explainOptions?: Pick<ExplainOptions, 'style' | 'client' | 'signal' | 'budget'>;
  converse?: ConverseOptions;
}

/** One turn: apply the moves (atomically), answer the new top-k with explanations, record the turn. */
export async function converseTurn(engine: ConverseEngine, store: SessionStore, id: string, moves: readonly Move[], options: TurnOptions = {}): Promise<TurnAnswer> {
  const session = store.get(id);
  if (session.turns.length >= store.limits.maxTurns) throw new AppError('CONFLICT', `converse: the conversation reached its ${store.limits.maxTurns} turns; start a new one`);
  const { state, changes } = applyMoves(engine, session.state, moves, store.limits);
  const ranked = rankState(engine, session, state, options.converse);
  const summary = changeSummary(changes, session.state.shown, ranked.items, ranked.excluded);
  state.shown = ranked.items.map((x) => ({ id: x.id, key: x.key, ...(x.title !== undefined ? { title: x.title } : {}) }));
  const mode = options.explain ?? 'none';
  const seeds: NodeRef[] = [...state.seeds.values()].map((w) => ({ ...w.node }));
  const explainable = mode !== 'none' && (session.user !== undefined || seeds.length > 0);
  const items: AnswerItem[] = await Promise.all(
    ranked.items.map(async (item) => {
      if (!explainable) return item;
      const who = { ...(session.user !== undefined ? { user: session.user } : {}), ...(seeds.length > 0 ? { seeds } : {}) };
      return { ...item, ...(await engine.explain({ ...who, item: item.id }, mode, undefined, options.explainOptions ?? {})) };
    }),
  );
  // Commit only now: every move applied and the answer built.
  session.state = state;
  session.turns.push({ turn: session.turns.length + 1, at: new Date().toISOString(), moves: structuredClone([...moves]), summary });
  return {
    conversation: session.id,
    turn: session.turns.length,
    changes,
    summary,
    items,
    fallbackUsed: ranked.fallbackUsed,
    state: stateView(session),
    expiresAt: new Date(store.expiresAt(session)).toISOString(),
  };
}

/** A session's state and its turns so far. */
export function conversationView(store: SessionStore, id: string): { conversation: string; state: StateView; turns: Session['turns']; expiresAt: string } {
  const session = store.get(id);
  return { conversation: session.id, state: stateView(session), turns: session.turns.map((t) => ({ ...t })), expiresAt: new Date(store.expiresAt(session)).toISOString() };
}
