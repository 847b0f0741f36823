/**
 * @module test/api/fuzz
 * Fixed-seed property-based fuzzing of every route over real HTTP (see `fuzz-harness.ts` for what is sent and what is
 * required of each reply): no 5xx, no crash, no request left unanswered, every error the JSON error shape, every
 * success valid against its route's response schema. `npm run bench -- fuzz [runs]` runs the same thing longer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOpenApiPath } from '../../src/api/openapi.ts';
import { type FuzzTarget, fuzzRequests, generateRequests, startFuzzTarget } from './fuzz-harness.ts';

const SEED = 20_261_126;
const RUNS = 10_000;

let target: FuzzTarget;
beforeAll(async () => {
  target = await startFuzzTarget();
});
afterAll(async () => {
  await target.close();
});

describe('API fuzzing', () => {
  it('fuzzes every route the OpenAPI document lists', async () => {
    const reply = await target.served.send({ path: '/v1/openapi.json' });
    const documented = Object.entries((reply.json as { paths: Record<string, Record<string, unknown>> }).paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    const fuzzed = target.routes.map((r) => `${r.method} ${toOpenApiPath(r.path)}`);
    expect(new Set(fuzzed)).toEqual(new Set(documented));
    expect(fuzzed).toContain('get /v1/users/{id}/recommendations');
  });

  it(`answers ${RUNS} random and malformed requests without a 5xx, a crash or a malformed reply`, { timeout: 180_000 }, async () => {
    const stats = await fuzzRequests(target, generateRequests(target, SEED, RUNS), { concurrency: 4 });
    console.log(JSON.stringify({ fuzz: { requests: stats.requests, fiveXx: stats.fiveXx, crashes: stats.crashes, noReply: stats.noReply, seconds: stats.seconds, byStatus: stats.byStatus, byRoute: stats.byRoute } }));
    expect(stats.examples).toEqual([]);
    expect(stats.requests).toBe(RUNS);
    expect(stats.fiveXx).toBe(0);
    expect(stats.crashes).toBe(0);
    // The mix reaches the handlers (successes) as well as every kind of refusal.
    for (const status of ['200', '400', '401', '404', '413', '431']) expect(stats.byStatus[status] ?? 0, `status ${status}`).toBeGreaterThan(0);
    // Every route was reached both with input it accepted and with input it refused.
    for (const [route, counts] of Object.entries(stats.byRoute)) {
      expect(counts.ok, `${route} answered 200`).toBeGreaterThan(0);
      expect(counts.invalid, `${route} answered 400`).toBeGreaterThan(0);
    }
    // Still serving afterwards.
    expect((await target.served.send({ path: '/v1/health/live' })).status).toBe(200);
  });
});
