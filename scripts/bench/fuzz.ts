/**
 * `npm run bench -- fuzz [runs] [seed]`: the API fuzz test (test/api/fuzz-harness.ts), longer. A real HTTP server of
 * `createApp` on loopback (memory store, recommendation routes on a small engine, one admin key) receives `runs`
 * (default 100,000) random and malformed requests, 4 at a time. Prints a progress line per 10,000 and, last,
 * `{requests, fiveXx, crashes, seconds}` plus the other violations and a few examples. Exit code 1 when any rule broke.
 */
import { fuzzRequests, generateRequests, startFuzzTarget } from '../../test/api/fuzz-harness.ts';
import { emit } from './_neo4j.ts';

export async function main(argv: string[]): Promise<void> {
  const runs = Number(argv[0] ?? 100_000);
  const seed = Number(argv[1] ?? 20_261_126);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) throw new Error('usage: npm run bench -- fuzz [runs] [seed]');
  const target = await startFuzzTarget();
  const total = { requests: 0, fiveXx: 0, crashes: 0, noReply: 0, violations: 0, seconds: 0 };
  const examples: unknown[] = [];
  try {
    const block = 10_000;
    for (let done = 0, round = 0; done < runs; round++) {
      const n = Math.min(block, runs - done);
      const stats = await fuzzRequests(target, generateRequests(target, seed + round * 1000, n));
      for (const key of ['requests', 'fiveXx', 'crashes', 'noReply', 'violations', 'seconds'] as const) total[key] += stats[key];
      examples.push(...stats.examples.slice(0, Math.max(0, 10 - examples.length)));
      done += n;
      emit({ progress: done, ...stats, examples: undefined, byRoute: undefined });
    }
    const live = await target.served.send({ path: '/v1/health/live' });
    if (live.status !== 200) total.crashes++;
  } finally {
    await target.close();
  }
  emit({ requests: total.requests, fiveXx: total.fiveXx, crashes: total.crashes, seconds: Number(total.seconds.toFixed(2)), noReply: total.noReply, violations: total.violations, examples });
  if (total.fiveXx || total.crashes || total.violations) process.exitCode = 1;
}
