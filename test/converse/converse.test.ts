/**
 * The conversation state machine on the tiny movie graph (u1 rated Alien; u2 Alien and Blade Runner; u3 Blade Runner
 * and Casablanca; Alien and Gladiator were directed by Ridley Scott), with years and runtimes as item properties.
 */
import { describe, expect, it } from 'vitest';
import { applyMoves, conversationView, converseTurn, rankState, startConversation } from '../../src/converse/converse.ts';
import type { Move } from '../../src/converse/moves.ts';
import { emptyState, SessionStore, CONVERSE_LIMITS } from '../../src/converse/session.ts';
import { tinyMoviesEngine } from '../helpers/tiny-movies.ts';
import { AppError, isAppError } from '../../src/core/errors.ts';

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const caught = await p.then(() => undefined, (e: unknown) => e);
  expect(isAppError(caught), `expected AppError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as AppError).code).toBe(code);
  return caught as AppError;
}

const itemProps = new Map([
  ['Item:a', { year: 1979, runtime: 117 }],
  ['Item:b', { year: 1982, runtime: 117 }],
  ['Item:c', { year: 1942, runtime: 102 }],
  ['Item:d', { year: 2000, runtime: 155 }],
]);
const engine = () => tinyMoviesEngine({ itemProps });
const ids = (items: Array<{ id: string }>) => items.map((x) => x.id);

describe('conversation moves', () => {
  it('a seed entity becomes a weighted seed and its items come first', async () => {
    const e = engine();
    const store = new SessionStore();
    const s = startConversation(e, store, { k: 2 });
    const answer = await converseTurn(e, store, s.id, [{ type: 'seed', node: { kind: 'Entity', id: 'rs' } }]);
    expect(answer.changes).toEqual(['added Ridley Scott as a seed']);
    expect(answer.state.seeds).toEqual([{ kind: 'Entity', id: 'rs', label: 'Ridley Scott', weight: 1 }]);
    expect(new Set(ids(answer.items))).toEqual(new Set(['a', 'd']));
    expect(answer.turn).toBe(1);
  });

  it('rejecting and excluding remove items, and the summary says why', async () => {
    const e = engine();
    const store = new SessionStore();
    const s = startConversation(e, store, { k: 3 });
    const first = await converseTurn(e, store, s.id, [{ type: 'seed', node: { kind: 'Item', id: 'b' } }]);
    expect(ids(first.items)).toContain('a');
    const second = await converseTurn(e, store, s.id, [{ type: 'exclude', entity: 'rs' }]);
    expect(ids(second.items)).not.toContain('a');
    expect(ids(second.items)).not.toContain('d');
    expect(second.summary).toContain('removed 2 items (linked to Ridley Scott)');
    const third = await converseTurn(e, store, s.id, [{ type: 'reject', items: ['c'] }]);
    expect(ids(third.items)).not.toContain('c');
    expect(third.state.rejected).toEqual([{ id: 'c', label: 'Casablanca' }]);
  });

  it('older / newer compare with the median of the shown list or a `than` item', async () => {
    const e = engine();
    const store = new SessionStore();
    const s = startConversation(e, store, { k: 4 });
    await converseTurn(e, store, s.id, [{ type: 'seed', node: { kind: 'Entity', id: 'rs' } }]);
    const older = await converseTurn(e, store, s.id, [{ type: 'older', than: 'd' }]);
    expect(older.state.constraints).toEqual([{ name: 'year', op: 'lt', value: 2000 }]);
    expect(ids(older.items)).not.toContain('d');
    const shorter = await converseTurn(e, store, s.id, [{ type: 'property', name: 'runtime', op: 'lt', value: 110 }]);
    expect(ids(shorter.items)).toEqual(['c']);
    expect(shorter.changes).toEqual(['only items with runtime < 110']);
  });

  it('keywords become seeds through the keyword matcher', async () => {
    const e = engine();
    const store = new SessionStore();
    const s = startConversation(e, store, { k: 2 });
    const answer = await converseTurn(e, store, s.id, [{ type: 'keywords', text: 'blade runner' }]);
    expect(answer.state.seeds.map((x) => x.id)).toEqual(['b']);
    expect(answer.changes[0]).toContain('matched Blade Runner');
    expect(ids(answer.items)).not.toContain('b');
  });

  it('less like X pushes X\'s neighbourhood down and never shows X', () => {
    const e = engine();
    const session = { user: undefined, k: 3, strategy: 'ppr' as const };
    const base = applyMoves(e, emptyState(), [{ type: 'seed', node: { kind: 'Item', id: 'b' } }], CONVERSE_LIMITS).state;
    const plain = rankState(e, session, base).items;
    const critiqued = applyMoves(e, base, [{ type: 'less', node: { kind: 'Entity', id: 'rs' } }], CONVERSE_LIMITS).state;
    const after = rankState(e, session, critiqued).items;
    expect(ids(plain)).toContain('a');
    // Alien (directed by Ridley Scott) ranks no higher than before.
    const rank = (items: Array<{ id: string }>, id: string) => items.findIndex((x) => x.id === id);
    expect(rank(after, 'a')).toBeGreaterThanOrEqual(rank(plain, 'a'));
    expect(after[after.length - 1]!.id === 'a' || after[after.length - 1]!.id === 'd').toBe(true);
    const lessItem = applyMoves(e, base, [{ type: 'less', node: { kind: 'Item', id: 'a' } }], CONVERSE_LIMITS).state;
    expect(ids(rankState(e, session, lessItem).items)).not.toContain('a');
  });

  it('a bad move is a 400 naming its index, and the session is left as it was', async () => {
    const e = engine();
    const store = new SessionStore();
    const s = startConversation(e, store, { k: 2 });
    await converseTurn(e, store, s.id, [{ type: 'seed', node: { kind: 'Item', id: 'a' } }]);
    const before = conversationView(store, s.id);
    const err = await expectAppError(
      converseTurn(e, store, s.id, [{ type: 'exclude', entity: 'rs' }, { type: 'seed', node: { kind: 'Item', id: 'nope' } }]),
      'BAD_REQUEST',
    );
    expect(err.details).toEqual({ move: 1 });
    expect(conversationView(store, s.id).state).toEqual(before.state);
    await expectAppError(converseTurn(e, store, s.id, [{ type: 'fly' } as unknown as Move]), 'BAD_REQUEST');
    await expectAppError(converseTurn(e, store, s.id, [{ type: 'property', name: 'colour', op: 'eq', value: 'red' }]), 'BAD_REQUEST');
    await expectAppError(converseTurn(e, store, s.id, [{ type: 'older' }, { type: 'property', name: 'year', op: 'lt', value: 'x' }]), 'BAD_REQUEST');
    expect(conversationView(store, s.id).turns).toHaveLength(1);
  });
});

describe('conversation sessions are bounded', () => {
  it('expire after the TTL', async () => {
    let now = 0;
    const e = engine();
    const store = new SessionStore({ ttlMs: 1000 }, () => now);
    const s = startConversation(e, store);
    now = 999;
    expect(conversationView(store, s.id).conversation).toBe(s.id);
    now = 1999; // the read above restarted the TTL
    await converseTurn(e, store, s.id, [{ type: 'seed', node: { kind: 'Item', id: 'a' } }]);
    now = 3000;
    await expectAppError(converseTurn(e, store, s.id, []), 'NOT_FOUND');
    expect(store.size).toBe(0);
  });

  it('evict the least recently used session beyond maxSessions', () => {
    const e = engine();
    const store = new SessionStore({ maxSessions: 2 });
    const a = startConversation(e, store);
    const b = startConversation(e, store);
    conversationView(store, a.id);
    startConversation(e, store);
    expect(store.size).toBe(2);
    expect(() => conversationView(store, b.id)).toThrow(/no conversation/);
    expect(conversationView(store, a.id).conversation).toBe(a.id);
  });

  it('refuse turns beyond maxTurns and seeds beyond maxSeeds', async () => {
    const e = engine();
    const store = new SessionStore({ maxTurns: 2, maxSeeds: 1 });
    const s = startConversation(e, store);
    await converseTurn(e, store, s.id, [{ type: 'seed', node: { kind: 'Item', id: 'a' } }]);
    await expectAppError(converseTurn(e, store, s.id, [{ type: 'seed', node: { kind: 'Item', id: 'b' } }]), 'BAD_REQUEST');
    await converseTurn(e, store, s.id, [{ type: 'seed', node: { kind: 'Item', id: 'a' } }]);
    await expectAppError(converseTurn(e, store, s.id, []), 'CONFLICT');
  });

  it('an unknown user is NOT_FOUND at start', () => {
    expect(() => startConversation(engine(), new SessionStore(), { user: 'nobody' })).toThrow(/unknown|nobody/);
  });
});
