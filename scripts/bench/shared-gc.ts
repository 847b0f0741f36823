/**
 * `npm run bench -- shared-gc [--rounds 60] [--mb 200]`: whether dropped buffers are collected without a forced
 * collection, for ordinary `ArrayBuffer`s and for `SharedArrayBuffer`s side by side. Each kind allocates `rounds`
 * buffers of `mb` MiB one after the other, touches every page, drops the previous one and yields to the event loop
 * between them (as a server does between live writes); a line per kind gives the peak and final RSS and array-buffer
 * memory. On Node 20 the shared ones are not collected until something else starts a collection (docs/scaling.md,
 * "Copies that share the serving state"), which is why the shared buffers a version drops are collected explicitly
 * (core/shared-arrays `dropShared`). Then a forced collection (the collector exposed at run time) shows the shared memory was
 * garbage, not held. The ordinary kind runs first: the shared kind's garbage would count in its RSS otherwise.
 * A last line times the same work on either kind (`--speed-m` million doubles, default 50: filled, then read with a
 * stride, 3 rounds each, alternating): whether reading the serving state from shared buffers costs anything.
 */
import { fullCollector } from '../../src/core/shared-arrays.ts';
import { flagsOf } from './_kept.ts';
import { emit } from './_neo4j.ts';

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

async function churn(kind: 'ordinary' | 'shared', rounds: number, bytes: number): Promise<Record<string, unknown>> {
  let peakRss = 0;
  let peakArrayBuffers = 0;
  let held: Uint8Array | undefined;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    held = new Uint8Array(kind === 'shared' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    held.fill(1);
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
    await new Promise((resolve) => setImmediate(resolve));
  }
  held = undefined;
  const m = process.memoryUsage();
  return { kind, rounds, mbEach: mb(bytes), seconds: Number(((performance.now() - t0) / 1000).toFixed(2)), peakRssMb: mb(peakRss), peakArrayBuffersMb: mb(peakArrayBuffers), endRssMb: mb(m.rss), endArrayBuffersMb: mb(m.arrayBuffers) };
}

/** Fills `a` and reads every seventh element (the sum keeps the loop from being dropped). */
function fillAndRead(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) a[i] = i * 0.5;
  let sum = 0;
  for (let i = 0; i < a.length; i += 7) sum += a[i]!;
  return sum;
}

/** Milliseconds of {@link fillAndRead} on an ordinary and on a shared array of `n` doubles, best of 3 rounds each. */
function speed(n: number): Record<string, number> {
  const best = { ordinary: Infinity, shared: Infinity };
  let check = 0;
  for (let round = 0; round < 3; round++) {
    for (const kind of round % 2 === 0 ? (['ordinary', 'shared'] as const) : (['shared', 'ordinary'] as const)) {
      const a = kind === 'shared' ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
      const t0 = performance.now();
      check += fillAndRead(a);
      best[kind] = Math.min(best[kind], performance.now() - t0);
    }
  }
  if (!Number.isFinite(check)) throw new Error('bench shared-gc: the speed loop overflowed');
  return { ordinaryMs: Math.round(best.ordinary), sharedMs: Math.round(best.shared), ratio: Number((best.shared / best.ordinary).toFixed(2)) };
}

export async function main(argv: string[]): Promise<void> {
  const flag = flagsOf(argv);
  const rounds = Number(flag('--rounds') ?? 60);
  const size = Number(flag('--mb') ?? 200);
  if (!Number.isInteger(rounds) || rounds < 1 || !(size > 0)) throw new Error('bench shared-gc: --rounds takes a positive integer, --mb a positive number');
  const bytes = Math.round(size * 2 ** 20);
  const gc = fullCollector();
  if (!gc) throw new Error('bench shared-gc: V8\'s collector could not be exposed');
  const ordinary = await churn('ordinary', rounds, bytes);
  emit(ordinary);
  const sharedRun = await churn('shared', rounds, bytes);
  emit(sharedRun);
  // V8 frees dropped buffers' memory on a background sweeper after a collection: a few rounds, each after a pause.
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  const m = process.memoryUsage();
  emit({ afterForcedCollection: { rssMb: mb(m.rss), arrayBuffersMb: mb(m.arrayBuffers) }, peakArrayBuffersRatio: Number(((sharedRun.peakArrayBuffersMb as number) / Math.max(1, ordinary.peakArrayBuffersMb as number)).toFixed(1)) });
  const millions = Number(flag('--speed-m') ?? 50);
  if (!(millions > 0)) throw new Error('bench shared-gc: --speed-m takes a positive number');
  emit({ speed: { doubles: Math.round(millions * 1e6), ...speed(Math.round(millions * 1e6)) } });
}
