/**
 * Setup file of both vitest projects: before each test, give the event loop one full turn.
 *
 * Vitest runs the tests of a file back to back without a macrotask in between, and reports each finished test to the
 * main process by an RPC call that fails after 60 s without an answer. The answer can only be read when the event
 * loop turns, so a file of several synchronous tests (property tests, `spawnSync`) that together block it for 60 s
 * fails the whole run with "[vitest-worker]: Timeout calling \"onTaskUpdate\"" although every test passed. CI hit this
 * on a loaded machine (test/retrieve/context-patch.test.ts blocks 18 s per describe block here without this file).
 * One turn per test bounds the block to the longest single test.
 */
import { beforeEach } from 'vitest';

// Taken before any test runs: a test's `vi.useFakeTimers()` replaces the global one, and a faked turn would never come.
const { setImmediate: realSetImmediate } = globalThis;

beforeEach(() => new Promise<void>((resolve) => realSetImmediate(resolve)));
