/**
 * `npm run bench -- engines -- --keep DIR [--users N] [--rounds R]`: the engine's own cost per `hybrid` request
 * (in process, no HTTP), for the first engine of a process and for a second one built from the same state, the way
 * a live write builds a new context. DIR is a folder an earlier `npm run bench -- scale -- --keep DIR` left (its
 * Neo4j data and snapshots, opened as `bench scale --reuse` opens them). No vectors: PPR, the knowledge walk and
 * popularity.
 *
 * Lines: `first` (the first engine, after one warm-up pass), `second` (a second engine from the same state, after one
 * warm-up pass), `first, with a second` (the first engine again); each with the mean and p50 in ms over R rounds of
 * the same N distinct users (default 300 users, or all when fewer; 3 rounds). The last line gives second / first and first-again / first. The
 * answers of both engines are compared (they must be equal).
 */
import path from 'node:path';
import { engineFrom, loadServingState } from '../../src/engine/boot.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { openDatabase } from '../../src/store/open.ts';
import { flagsOf, keptConfig, scatteredUsers } from './_kept.ts';
import { emit } from './_neo4j.ts';

export async function main(argv: string[]): Promise<void> {
  const flag = flagsOf(argv);
  const keep = flag('--keep');
  if (!keep) throw new Error('bench engines: --keep DIR (a folder left by `npm run bench -- scale -- --keep DIR`) is required');
  const count = Number(flag('--users') ?? 300);
  const rounds = Number(flag('--rounds') ?? 3);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(rounds) || rounds < 1) throw new Error('bench engines: --users and --rounds take positive integers');
  const cfg = keptConfig(keep);
  const db = await openDatabase(cfg);
  let state;
  try {
    state = await loadServingState(db, cfg, { snapshotDir: path.join(keep, 'snapshots') });
  } finally {
    await db.close();
  }
  const first = engineFrom(state, cfg, undefined, { llm: false });
  first.warm();
  const csr = first.context.csr;
  const users = scatteredUsers(csr, count);
  const answers = (engine: Engine) => users.map((u) => JSON.stringify(engine.recommend({ user: engine.resolveId('User', u), k: 10 }).items.map((i) => [i.id, i.score])));
  const time = (engine: Engine) => {
    const ms: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const u of users) {
        const t = performance.now();
        engine.recommend({ user: engine.resolveId('User', u), k: 10 });
        ms.push(performance.now() - t);
      }
    }
    ms.sort((a, b) => a - b);
    return { meanMs: Number((ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(3)), p50Ms: Number(ms[ms.length >> 1]!.toFixed(3)) };
  };
  time(first);
  const a = time(first);
  emit({ engine: 'first', users: users.length, rounds, ...a });
  const second = engineFrom(state, cfg, undefined, { llm: false });
  second.warm();
  time(second);
  const b = time(second);
  emit({ engine: 'second', ...b });
  const c = time(first);
  emit({ engine: 'first, with a second', ...c });
  const fromFirst = answers(first);
  const fromSecond = answers(second);
  const same = fromFirst.every((x, j) => x === fromSecond[j]);
  emit({ nodes: csr.nodeCount, edges: csr.edgeCount, secondOverFirst: Number((b.meanMs / a.meanMs).toFixed(3)), firstAgainOverFirst: Number((c.meanMs / a.meanMs).toFixed(3)), sameAnswers: same });
}
