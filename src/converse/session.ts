/**
 * @module converse/session
 * Conversation sessions in memory: their state (weighted seeds, negative seeds, excluded and required entities,
 * rejected items, property constraints, the list shown last) and the bounded store that keeps them.
 *
 * Bounds (memory-safe whatever clients do): a session expires `ttlMs` after its last use (checked on every access and
 * swept on every create); at most `maxSessions` live at once (creating one more evicts the least recently used); a
 * session takes at most `maxTurns` turns (then CONFLICT: start a new one), `maxSeeds` seeds and as many negative
 * seeds, `maxEntities` excluded and required entities each, `maxRejected` rejected items, `maxConstraints` property
 * constraints — a move that would pass a bound is refused (400) and the session is left as it was. State size is thus
 * O(maxSessions · (maxSeeds + maxEntities + maxRejected + maxConstraints + k)).
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../core/errors.ts';
import type { PropValue } from '../core/model.ts';
import type { StrategyName } from '../retrieve/strategy.ts';
import type { ConverseNode, Move, PropertyOp } from './moves.ts';

export interface ConverseLimits {
  /** A session expires this long after its last use, ms. [1_800_000] */
  ttlMs: number;
  /** Sessions kept at once; one more evicts the least recently used. [1000] */
  maxSessions: number;
  /** Turns per session. [50] */
  maxTurns: number;
  /** Seeds per session (and as many negative seeds). [20] */
  maxSeeds: number;
  /** Excluded entities, and required entities, per session. [32] */
  maxEntities: number;
  /** Rejected items per session. [1000] */
  maxRejected: number;
  /** Property constraints per session. [16] */
  maxConstraints: number;
  /** Moves per turn. [20] */
  maxMoves: number;
}

export const CONVERSE_LIMITS = {
  ttlMs: 30 * 60_000,
  maxSessions: 1000,
  maxTurns: 50,
  maxSeeds: 20,
  maxEntities: 32,
  maxRejected: 1000,
  maxConstraints: 16,
  maxMoves: 20,
} as const satisfies ConverseLimits;

export interface WeightedNode {
  node: ConverseNode;
  /** Node key in the projection (`Item:<id>`, `Entity:<id>`). */
  key: string;
  label: string;
  weight: number;
}

export interface Constraint {
  name: string;
  op: PropertyOp;
  value: PropValue;
}

export interface ShownItem {
  id: string;
  key: string;
  title?: string;
}

export interface TurnRecord {
  turn: number;
  at: string;
  moves: Move[];
  summary: string;
}

export interface SessionState {
  seeds: Map<string, WeightedNode>;
  negatives: Map<string, WeightedNode>;
  /** Entity key → its name. */
  excluded: Map<string, string>;
  required: Map<string, string>;
  /** Item key → its title. */
  rejected: Map<string, string>;
  constraints: Constraint[];
  /** The list answered last, best first. */
  shown: ShownItem[];
}

export interface Session {
  readonly id: string;
  /** The user whose history the answers start from (graph id), or none (cold start). */
  readonly user: string | undefined;
  readonly k: number;
  readonly strategy: StrategyName;
  readonly createdAt: number;
  lastUsedAt: number;
  state: SessionState;
  turns: TurnRecord[];
}

export function emptyState(): SessionState {
  return { seeds: new Map(), negatives: new Map(), excluded: new Map(), required: new Map(), rejected: new Map(), constraints: [], shown: [] };
}

/** A deep copy (moves are applied to a copy and committed only when every move of the turn succeeded). */
export function copyState(s: SessionState): SessionState {
  const nodes = (m: Map<string, WeightedNode>) => new Map([...m].map(([k, v]) => [k, { ...v, node: { ...v.node } }]));
  return {
    seeds: nodes(s.seeds),
    negatives: nodes(s.negatives),
    excluded: new Map(s.excluded),
    required: new Map(s.required),
    rejected: new Map(s.rejected),
    constraints: s.constraints.map((c) => ({ ...c })),
    shown: s.shown.map((x) => ({ ...x })),
  };
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  readonly limits: ConverseLimits;

  constructor(
    limits: Partial<ConverseLimits> = {},
    private readonly now: () => number = Date.now,
    private readonly newId: () => string = randomUUID,
  ) {
    this.limits = { ...CONVERSE_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < 1) throw new AppError('BAD_REQUEST', `converse: ${name} must be a positive integer`);
    }
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Drops every expired session. O(sessions). */
  sweep(): number {
    const t = this.now();
    let dropped = 0;
    for (const [id, s] of this.sessions) {
      if (t - s.lastUsedAt > this.limits.ttlMs) {
        this.sessions.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  create(init: { user: string | undefined; k: number; strategy: StrategyName }): Session {
    this.sweep();
    while (this.sessions.size >= this.limits.maxSessions) {
      // Map order is insertion order and `get` re-inserts on use, so the first key is the least recently used.
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    const t = this.now();
    const session: Session = { id: this.newId(), user: init.user, k: init.k, strategy: init.strategy, createdAt: t, lastUsedAt: t, state: emptyState(), turns: [] };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session `id` (its TTL restarts); NOT_FOUND when unknown or expired. */
  get(id: string): Session {
    const s = this.sessions.get(id);
    const t = this.now();
    if (!s || t - s.lastUsedAt > this.limits.ttlMs) {
      if (s) this.sessions.delete(id);
      throw new AppError('NOT_FOUND', `converse: no conversation ${JSON.stringify(id)} (unknown, or expired after ${Math.round(this.limits.ttlMs / 1000)} s idle)`);
    }
    s.lastUsedAt = t;
    this.sessions.delete(id);
    this.sessions.set(id, s);
    return s;
  }

  expiresAt(s: Session): number {
    return s.lastUsedAt + this.limits.ttlMs;
  }
}
