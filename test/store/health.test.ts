/**
 * StoreHealth and guardStore on the memory store, with a ping the test switches between answering and failing (the
 * real Neo4j outages are in test/integration/faults/neo4j-faults.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { AppError, isAppError, type ErrorCode } from '../../src/core/errors.ts';
import { guardStore, StoreHealth } from '../../src/store/health.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';

async function expectAppError(work: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const caught = await work.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isAppError(caught), `expected AppError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as AppError).code).toBe(code);
  return caught as AppError;
}

function switchablePing() {
  const state = { up: true, calls: 0 };
  const ping = async () => {
    state.calls++;
    if (!state.up) throw new Error('connect ECONNREFUSED');
  };
  return { state, ping };
}

describe('StoreHealth', () => {
  it('goes down after two failed pings in a row and up after one good ping', async () => {
    const { state, ping } = switchablePing();
    const health = new StoreHealth(ping, { failuresToDegrade: 2 });
    const flips: boolean[] = [];
    health.onChange((s) => flips.push(s.up));
    expect(await health.check()).toBe(true);
    state.up = false;
    expect(await health.check()).toBe(false);
    expect(health.degraded).toBe(false);
    expect(await health.check()).toBe(false);
    expect(health.degraded).toBe(true);
    expect(health.status().reason).toMatch(/ECONNREFUSED/);
    state.up = true;
    expect(await health.check()).toBe(true);
    expect(health.degraded).toBe(false);
    expect(flips).toEqual([false, true]);
  });

  it('counts a ping slower than pingTimeoutMs as failed', async () => {
    const health = new StoreHealth(() => new Promise((r) => setTimeout(r, 500)), { pingTimeoutMs: 50, failuresToDegrade: 1 });
    expect(await health.check()).toBe(false);
    expect(health.status().reason).toMatch(/no answer within 50 ms/);
  });

  it('goes down at once when a store call reports UNAVAILABLE, not for other errors', () => {
    const health = new StoreHealth(async () => {});
    health.reportFailure(new AppError('NOT_FOUND', 'user not found'));
    expect(health.degraded).toBe(false);
    health.reportFailure(new AppError('UNAVAILABLE', 'neo4j: connection refused'));
    expect(health.degraded).toBe(true);
  });

  it('pings on its own timer once started, and stops', async () => {
    const { state, ping } = switchablePing();
    const health = new StoreHealth(ping, { intervalMs: 20 }).start();
    await new Promise((r) => setTimeout(r, 150));
    health.stop();
    const calls = state.calls;
    expect(calls).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 80));
    expect(state.calls).toBe(calls);
  });
});

describe('guardStore', () => {
  it('passes calls through while up, and refuses them at once with UNAVAILABLE + retryAfterS while down', async () => {
    const { state, ping } = switchablePing();
    const health = new StoreHealth(ping, { failuresToDegrade: 1, retryAfterS: 3 });
    const store = guardStore(new MemoryGraphStore(), health);
    await store.upsertUsers([{ id: 'u1', props: { a: 1 } }]);
    expect((await store.getUser('u1')).props).toEqual({ a: 1 });

    state.up = false;
    await health.check();
    const error = await expectAppError(store.upsertUsers([{ id: 'u2' }]), 'UNAVAILABLE');
    expect(error.details).toMatchObject({ degraded: true, retryAfterS: 3 });
    await expectAppError(store.getUser('u1'), 'UNAVAILABLE');

    state.up = true;
    await health.check();
    await expectAppError(store.getUser('u2'), 'NOT_FOUND'); // refused while down: nothing was written
    expect(health.degraded).toBe(false);
  });

  it('fails a read in flight as soon as the store goes down; leaves a write in flight to finish', async () => {
    const { state, ping } = switchablePing();
    const health = new StoreHealth(ping, { failuresToDegrade: 1 });
    const slow = new MemoryGraphStore();
    const never = new Promise<never>(() => {});
    slow.getItem = () => never;
    let finishWrite = () => {};
    slow.upsertUsers = () => new Promise<void>((resolve) => (finishWrite = resolve));
    const store = guardStore(slow, health);
    const read = store.getItem('i1');
    const write = store.upsertUsers([{ id: 'u1' }]);
    state.up = false;
    await health.check();
    await expectAppError(read, 'UNAVAILABLE');
    finishWrite();
    await expect(write).resolves.toBeUndefined();
  });

  it('reports UNAVAILABLE failures of the wrapped store to the monitor', async () => {
    const health = new StoreHealth(async () => {});
    const failing = new MemoryGraphStore();
    failing.ping = () => Promise.reject(new AppError('UNAVAILABLE', 'neo4j: gone'));
    const store = guardStore(failing, health);
    await expectAppError(store.ping(), 'UNAVAILABLE');
    expect(health.degraded).toBe(true);
  });
});
