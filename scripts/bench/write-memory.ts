/**
 * `npm run bench -- write-memory -- --keep DIR [--writes W] [--copies N]`: what a serving engine holds after live writes. DIR is a
 * folder an earlier `npm run bench -- scale -- --keep DIR` left (its Neo4j data and snapshots, opened as `bench scale
 * --reuse` opens them). The engine is built from the snapshot and warmed as a boot does; then W writes (default 2)
 * are applied one at a time as engine/live applies a batch (`applyUpdates`): each a new pair of an existing user and
 * the item its first answer names, followed by that pair's evidence (what `explain=paths` builds on the new version).
 *
 * It runs twice in one process: first with the collection of dropped shared buffers off (core/shared-arrays
 * `collectSharedGarbageOnDrop(false)`: the garbage waits for V8's own collections), then on, as a server runs.
 * After each write a line gives `unforced`, the array buffers and RSS (MiB) a second later, before any forced
 * collection of the bench's own, then the same after full garbage collections (the collector is exposed to this script
 * with `--expose-gc` set at run time), so garbage a collection would free is not counted there; each run's last line
 * says whether the boot version's CSR and transition arrays are still reachable after the writes (a weak reference to
 * each) and what the collector of shared garbage did. The last line compares the unforced array buffers after the
 * first write. With `--copies N` it runs once instead, with N copies of the engine in worker threads adopting each
 * write's version (the collection on in every thread), and says the same after each write and 15 s after the last.
 * Nothing is written to Neo4j.
 */
import path from 'node:path';
import { collectSharedGarbageOnDrop, fullCollector, sharedGarbage } from '../../src/core/shared-arrays.ts';
import { engineFrom, loadServingState } from '../../src/engine/boot.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { EngineReplicas } from '../../src/engine/replicas.ts';
import { KIND_CODES } from '../../src/project/csr.ts';
import { openDatabase } from '../../src/store/open.ts';
import { flagsOf, keptConfig } from './_kept.ts';
import { emit } from './_neo4j.ts';

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Full collections (a weak reference's target lives to the end of the task that read it: one per task). */
async function collected(gc: () => void): Promise<{ arrayBuffersMb: number; heapUsedMb: number; rssMb: number }> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  const m = process.memoryUsage();
  return { arrayBuffersMb: mb(m.arrayBuffers), heapUsedMb: mb(m.heapUsed), rssMb: mb(m.rss) };
}

/**
 * The engine of the kept graph, built and warmed as a boot does, with `copies` copies of it in worker threads
 * (engine/replicas) when asked (the state is not kept beyond this function).
 */
async function boot(keep: string, copies = 0): Promise<{ engine: Engine; replicas?: EngineReplicas }> {
  const cfg = keptConfig(keep);
  const db = await openDatabase(cfg);
  try {
    const state = await loadServingState(db, cfg, { snapshotDir: path.join(keep, 'snapshots') });
    const engine = engineFrom(state, cfg, undefined, { llm: false });
    engine.warm();
    return { engine, ...(copies > 0 ? { replicas: EngineReplicas.start(engine, state, cfg, { threads: copies }) } : {}) };
  } finally {
    await db.close();
  }
}

/**
 * The first user with an answer (its key, and its id without the label prefix, as a write names it), that answer's
 * first item, and weak references to the current version's arrays.
 */
function pick(engine: Engine) {
  const { csr, transition } = engine.context;
  for (let v = 0; v < csr.nodeCount; v++) {
    if (csr.kinds[v] !== KIND_CODES.User || csr.outStarts[v + 1] === csr.outStarts[v]) continue;
    const user = csr.ids.at(v)!;
    const item = engine.recommend({ user, k: 1 }).items[0];
    if (item) return { user, userId: user.slice(user.indexOf(':') + 1), item: item.id, refs: { csrOutTargets: new WeakRef(csr.outTargets), transitionWeights: new WeakRef(transition.weights) } };
  }
  throw new Error('bench write-memory: no user has an answer');
}

/** Write `w`: the picked pair with a rating that differs from the last write's, applied as engine/live does. Returns its ms. */
function write(engine: Engine, userId: string, item: string, w: number): number {
  const t0 = performance.now();
  engine.applyUpdates({ edges: [{ userId, itemId: item, kinds: [{ kind: 'rating', weight: 1 + (w % 5) }] }] });
  return Math.round(performance.now() - t0);
}

/** Whether the boot version's CSR and transition arrays are still reachable. */
function reachable(refs: ReturnType<typeof pick>['refs']): { csr: boolean; transition: boolean } {
  return { csr: refs.csrOutTargets.deref() !== undefined, transition: refs.transitionWeights.deref() !== undefined };
}

/** This process's memory a second after a write, without a forced collection (garbage not collected yet counts). */
async function unforced(): Promise<{ arrayBuffersMb: number; rssMb: number }> {
  // The tasks queued by the write run first (core/shared-arrays starts its collection in one), and V8 frees the
  // buffers a collection found dead on a background thread after it: read a second later.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const m = process.memoryUsage();
  return { arrayBuffersMb: mb(m.arrayBuffers), rssMb: mb(m.rss) };
}

/** Boots, applies `writes` writes and reads the memory after each, with the collection of shared garbage on or off. */
async function run(keep: string, writes: number, collect: boolean, gc: () => void): Promise<{ afterFirstMb: number; gcMs: number }> {
  collectSharedGarbageOnDrop(collect);
  const start = sharedGarbage();
  const { engine } = await boot(keep);
  emit({ stage: 'booted', collectOnDrop: collect, nodes: engine.context.csr.nodeCount, edges: engine.context.csr.edgeCount, ...(await collected(gc)) });
  const { user, userId, item, refs } = pick(engine);
  let afterFirstMb = 0;
  for (let w = 1; w <= writes; w++) {
    const applyMs = write(engine, userId, item, w);
    engine.evidence({ user, item });
    const now = await unforced();
    if (w === 1) afterFirstMb = now.arrayBuffersMb;
    emit({ stage: 'after a write', collectOnDrop: collect, write: w, version: engine.version, applyMs, unforced: now, ...(await collected(gc)) });
  }
  const stats = sharedGarbage();
  const gcMs = stats.collections > start.collections ? Math.round(stats.lastMs) : 0;
  emit({
    collectOnDrop: collect,
    writes,
    sharedCollections: stats.collections - start.collections,
    // Shared bytes this run's engine let go of (pending at its end, or collected).
    sharedDroppedMb: mb(stats.pendingBytes + stats.collectedBytes - start.pendingBytes - start.collectedBytes),
    sharedCollectionMs: gcMs,
    bootVersionReachable: reachable(refs),
    ...(await collected(gc)),
  });
  return { afterFirstMb, gcMs };
}

/**
 * With `copies` copies of the engine (collection on in every thread, as a server runs): the memory after the copies are
 * built, then a second after each write that the copies adopt, then after full collections of this thread.
 */
async function runWithCopies(keep: string, writes: number, copies: number, gc: () => void): Promise<void> {
  collectSharedGarbageOnDrop(true);
  const { engine, replicas } = await boot(keep, copies);
  await replicas!.caughtUp();
  emit({ stage: 'copies ready', copies, ready: replicas!.stats.ready, nodes: engine.context.csr.nodeCount, edges: engine.context.csr.edgeCount, unforced: await unforced() });
  const { userId, item, refs } = pick(engine);
  for (let w = 1; w <= writes; w++) {
    const applyMs = write(engine, userId, item, w);
    replicas!.adopt();
    await replicas!.caughtUp();
    emit({ stage: 'after a write, adopted', copies, write: w, version: engine.version, applyMs, adoptions: replicas!.stats.adoptions, unforced: await unforced(), ...(await collected(gc)) });
  }
  // A thread's next forced collection may not be due yet (core/shared-arrays SHARED_GARBAGE_POLICY): read again later.
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const later = process.memoryUsage();
  emit({ copies, writes, fifteenSecondsLater: { arrayBuffersMb: mb(later.arrayBuffers), rssMb: mb(later.rss) }, bootVersionReachable: reachable(refs), ...(await collected(gc)) });
  await replicas!.close();
}

export async function main(argv: string[]): Promise<void> {
  const flag = flagsOf(argv);
  const keep = flag('--keep');
  if (!keep) throw new Error('bench write-memory: --keep DIR (a folder left by `npm run bench -- scale -- --keep DIR`) is required');
  const writes = Number(flag('--writes') ?? 2);
  if (!Number.isInteger(writes) || writes < 1) throw new Error('bench write-memory: --writes takes a positive integer');
  const copies = Number(flag('--copies') ?? 0);
  if (!Number.isInteger(copies) || copies < 0) throw new Error('bench write-memory: --copies takes an integer ≥ 0');
  const gc = fullCollector();
  if (!gc) throw new Error('bench write-memory: V8\'s collector could not be exposed');
  if (copies > 0) return runWithCopies(keep, writes, copies, gc);
  // Baseline first: the shared garbage left to V8's own collections; then as a server runs, collected on drop.
  const off = await run(keep, writes, false, gc);
  gc();
  const on = await run(keep, writes, true, gc);
  emit({
    arrayBuffersAfterFirstWriteMb: { withoutCollection: off.afterFirstMb, collectedOnDrop: on.afterFirstMb },
    ratio: Number((off.afterFirstMb / Math.max(1, on.afterFirstMb)).toFixed(2)),
    sharedCollectionMs: on.gcMs,
  });
}
