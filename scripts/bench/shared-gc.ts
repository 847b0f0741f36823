/**
 * `npm run bench -- shared-gc [--rounds 60] [--mb 200]`: whether dropped buffers are collected without a forced
 * collection, for ordinary `ArrayBuffer`s and for `SharedArrayBuffer`s side by side. Each kind allocates `rounds`
 * buffers of `mb` MiB one after the other, touches every page, drops the previous one and yields to the event loop
 * between them (as a server does between live writes); a line per kind gives the peak and final RSS and array-buffer
 * memory. On Node 20 the shared ones are not collected until something else starts a collection (docs/scaling.md,
 * "Copies that share the serving state"), which is why only an engine's first version is shared
 * (core/shared-arrays). Then a forced collection (the collector exposed at run time) shows the shared memory was
 * garbage, not held. The ordinary kind runs first: the shared kind's garbage would count in its RSS otherwise.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

export async function main(argv: string[]): Promise<void> {
  const flag = flagsOf(argv);
  const rounds = Number(flag('--rounds') ?? 60);
  const size = Number(flag('--mb') ?? 200);
  if (!Number.isInteger(rounds) || rounds < 1 || !(size > 0)) throw new Error('bench shared-gc: --rounds takes a positive integer, --mb a positive number');
  const bytes = Math.round(size * 2 ** 20);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const ordinary = await churn('ordinary', rounds, bytes);
  emit(ordinary);
  const sharedRun = await churn('shared', rounds, bytes);
  emit(sharedRun);
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
  const m = process.memoryUsage();
  emit({ afterForcedCollection: { rssMb: mb(m.rss), arrayBuffersMb: mb(m.arrayBuffers) }, peakArrayBuffersRatio: Number(((sharedRun.peakArrayBuffersMb as number) / Math.max(1, ordinary.peakArrayBuffersMb as number)).toFixed(1)) });
}
