/**
 * `npm run bench -- engines -- --keep DIR [--users N] [--rounds R] [--writes W [--kinds K,…] [--slice MS]] [--no-second]`: the engine's own cost per `hybrid` request
 * (in process, no HTTP), for the first engine of a process and for a second one built from the same state, the way
 * a live write builds a new context. DIR is a folder an earlier `npm run bench -- scale -- --keep DIR` left (its
 * Neo4j data and snapshots, opened as `bench scale --reuse` opens them). No vectors: PPR, the knowledge walk and
 * popularity.
 *
 * Lines: `first` (the first engine, after one warm-up pass), `second` (a second engine from the same state, after one
 * warm-up pass), `first, with a second` (the first engine again); each with the mean and p50 in ms over R rounds of
 * the same N distinct users (default 300 users, or all when fewer; 3 rounds). The last line gives second / first and first-again / first. The
 * answers of both engines are compared (they must be equal).
 *
 * `--no-second` skips the second engine and the comparison (at 50M two engines take most of the machine's memory).
 *
 * `--writes W` (default 0) then applies W writes to the first engine one at a time, as engine/live applies a batch
 * (`applyUpdates`, on the event loop): in turn a new pair (a user and an item it has not rated, both existing) and a
 * new user with one rating; `--kinds` names the kinds to take turns (default `newPair,newUser`), `newItem` adding a
 * new item with a title of its own and one rating from an existing user (what a catalogue addition writes). One line
 * per kind of write: the median and the largest time of the application, of the
 * next `hybrid` request and of the next evidence (what a write leaves to be rebuilt), and the array-buffer memory after.
 * Nothing is written to Neo4j.
 *
 * `--slice MS` applies each write instead as engine/live applies one its timer starts (`applyUpdatesInSlices`, the
 * block copies done MS ms at a time with the event loop free in between; engine/live's default is
 * `interactions.applySliceMs`). Each write's line then adds `holdMs`: the longest time the event loop was held in one
 * piece during the application (the largest gap between the turns of a 1 ms interval timer that runs meanwhile, less
 * that 1 ms), and `busyMs`, the time the application held it in all; `applyMs` is then its wall time.
 */
import path from 'node:path';
import { engineFrom, loadServingState } from '../../src/engine/boot.ts';
import type { Engine, EngineUpdate } from '../../src/engine/engine.ts';
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
  if (!argv.includes('--no-second')) {
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
  const writes = Number(flag('--writes') ?? 0);
  if (!Number.isInteger(writes) || writes < 0) throw new Error('bench engines: --writes takes an integer ≥ 0');
  const slice = flag('--slice');
  const sliceMs = slice === undefined ? undefined : Number(slice);
  if (sliceMs !== undefined && !(sliceMs > 0 && Number.isFinite(sliceMs))) throw new Error('bench engines: --slice takes a number of ms > 0');
  const kinds = (flag('--kinds') ?? 'newPair,newUser').split(',');
  const unknown = kinds.filter((k) => !WRITE_KINDS.includes(k as WriteKind));
  if (unknown.length > 0 || kinds.length === 0) throw new Error(`bench engines: --kinds takes some of ${WRITE_KINDS.join(', ')}`);
  if (writes > 0) await writeCosts(first, users, writes, state.interactionKind?.kind ?? 'rating', sliceMs, kinds as WriteKind[]);
}

/**
 * Applies `update` in slices of `sliceMs` (engine `applyUpdatesInSlices`) while a 1 ms interval timer runs; returns the
 * time the application held the event loop in all and the longest gap between two turns of the timer, less its 1 ms.
 */
async function applyInSlices(engine: Engine, update: EngineUpdate, sliceMs: number): Promise<{ busyMs: number; holdMs: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    last = performance.now();
    const busyMs = await engine.applyUpdatesInSlices(update, sliceMs);
    longest = Math.max(longest, performance.now() - last);
    return { busyMs, holdMs: Math.max(0, longest - 1) };
  } finally {
    clearInterval(timer);
  }
}

const WRITE_KINDS = ['newPair', 'newUser', 'newItem'] as const;
type WriteKind = (typeof WRITE_KINDS)[number];

/** Applies `count` writes to `engine` (see the header) and emits one line per kind of write. */
async function writeCosts(engine: Engine, users: string[], count: number, kind: string, sliceMs: number | undefined, kinds: readonly WriteKind[]): Promise<void> {
  type Times = Record<'applyMs' | 'nextHybridMs' | 'nextEvidenceMs' | 'busyMs' | 'holdMs', number[]>;
  const empty = (): Times => ({ applyMs: [], nextHybridMs: [], nextEvidenceMs: [], busyMs: [], holdMs: [] });
  const times: Record<WriteKind, Times> = { newPair: empty(), newUser: empty(), newItem: empty() };
  const stamp = Date.now();
  for (let w = 0; w < count; w++) {
    const raw = users[w % users.length]!;
    // An item the user has not rated: the top of its own recommendations.
    const item = engine.recommend({ user: engine.resolveId('User', raw), k: 1 }).items[0]?.id;
    if (item === undefined) continue;
    const which = kinds[w % kinds.length]!;
    const user = which === 'newUser' ? `bench-write-${stamp}-${w}` : raw;
    const newItem = which === 'newItem' ? `bench-item-${stamp}-${w}` : undefined;
    const update: EngineUpdate = {
      ...(which === 'newUser' ? { users: [{ id: user }] } : {}),
      ...(newItem ? { items: [{ id: newItem, title: `Bench Catalogue Addition ${stamp} ${w}` }] } : {}),
      edges: [{ userId: user, itemId: newItem ?? item, kinds: [{ kind, weight: 4 }] }],
    };
    const t0 = performance.now();
    if (sliceMs === undefined) engine.applyUpdates(update);
    else {
      const { busyMs, holdMs } = await applyInSlices(engine, update, sliceMs);
      times[which].busyMs.push(busyMs);
      times[which].holdMs.push(holdMs);
    }
    const t1 = performance.now();
    const key = engine.resolveId('User', user);
    const next = engine.recommend({ user: key, k: 10 });
    const t2 = performance.now();
    const shown = next.items[0]?.id;
    if (shown !== undefined) engine.evidence({ user: key, item: shown });
    const t3 = performance.now();
    times[which].applyMs.push(t1 - t0);
    times[which].nextHybridMs.push(t2 - t1);
    times[which].nextEvidenceMs.push(t3 - t2);
  }
  const summary = (ms: number[]) => {
    const sorted = [...ms].sort((x, y) => x - y);
    return { p50: Number(sorted[sorted.length >> 1]!.toFixed(1)), max: Number(sorted[sorted.length - 1]!.toFixed(1)) };
  };
  for (const [which, t] of Object.entries(times)) {
    if (t.applyMs.length === 0) continue;
    const sliced = sliceMs === undefined ? {} : { sliceMs, busyMs: summary(t.busyMs), holdMs: summary(t.holdMs) };
    emit({ write: which, writes: t.applyMs.length, applyMs: summary(t.applyMs), ...sliced, nextHybridMs: summary(t.nextHybridMs), nextEvidenceMs: summary(t.nextEvidenceMs) });
  }
  global.gc?.();
  emit({ writesApplied: engine.version, arrayBuffersMb: Math.round(process.memoryUsage().arrayBuffers / 2 ** 20), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) });
}
