/**
 * @module retrieve/ann
 * Which search the `embedding` part runs: the exact scan of every item vector, or the IVF index of retrieve/ivf once a
 * catalogue has `annMinItems` items or more. The index is built once per set of item vectors (an EmbeddingIndex
 * object) and metric, in a worker thread (retrieve/ivf-worker), so the event loop keeps serving; until it is ready the
 * exact scan answers. A build that fails is logged and the exact scan stays.
 *
 * @example
 * annIndex(ctx.embeddings, 'dot', ctx.options); // undefined: scan (small catalogue, or the index is building)
 * await annReady(ctx.embeddings, 'dot');       // benches and tests wait for the build
 */
import { log } from '../core/log.ts';
import { runTsWorker } from '../core/ts-worker.ts';
import type { EmbeddingIndex, EmbeddingMetric } from './embedding-index.ts';
import { buildIvf, type IvfIndex } from './ivf.ts';

/** `exact`: the catalogue is scanned; `building` / `ivf`: the index is being built / in use; `failed`: the build failed (scan). */
export type EmbeddingSearch = 'exact' | 'building' | 'ivf' | 'failed';

interface Build {
  status: 'building' | 'ivf' | 'failed';
  ivf?: IvfIndex;
  done: Promise<void>;
}

const builds = new WeakMap<EmbeddingIndex, Map<EmbeddingMetric, Build>>();

/** Builds in a worker thread; `inline` (tests of small catalogues) builds on this thread, still answering later. */
let buildIn: 'worker' | 'inline' = 'worker';

/** Where later builds run (tests). */
export function setAnnBuildThread(where: 'worker' | 'inline'): void {
  buildIn = where;
}

function start(index: EmbeddingIndex, metric: EmbeddingMetric): Build {
  const build: Build = { status: 'building', done: Promise.resolve() };
  const input = { vectors: index.itemVectors, dim: index.dim, metric };
  const job =
    buildIn === 'worker'
      ? runTsWorker<IvfIndex>(new URL('./ivf-worker.ts', import.meta.url), input, { what: 'retrieve/ann: the IVF build', unref: true })
      : new Promise<IvfIndex>((resolve) => setImmediate(() => resolve(buildIvf(input.vectors, input.dim, metric))));
  build.done = job.then(
    (ivf) => {
      build.status = 'ivf';
      build.ivf = ivf;
      log.info('retrieve/ann: IVF index ready; the embedding part searches it', { items: ivf.nItems, lists: ivf.nLists, metric, seconds: Number(ivf.buildSeconds.toFixed(2)) });
    },
    (error: unknown) => {
      build.status = 'failed';
      log.warn('retrieve/ann: the IVF build failed; the embedding part scans every item', { error: (error as Error).message });
    },
  );
  log.info('retrieve/ann: building the IVF index of the item vectors; the exact scan answers until it is ready', { items: index.itemKeys.length, metric });
  return build;
}

/**
 * The IVF index the embedding part should search for `index` under `metric`, or undefined to scan every item (a
 * catalogue under `annMinItems`, or an index still building). The first call on a large catalogue starts the build.
 */
export function annIndex(index: EmbeddingIndex, metric: EmbeddingMetric, options: { annMinItems: number }): IvfIndex | undefined {
  if (index.itemKeys.length < options.annMinItems) return undefined;
  let byMetric = builds.get(index);
  if (!byMetric) builds.set(index, (byMetric = new Map()));
  let build = byMetric.get(metric);
  if (!build) byMetric.set(metric, (build = start(index, metric)));
  return build.ivf;
}

/** What the embedding part searches now for `index` (readiness detail, bench lines); starts the build where one is due. */
export function embeddingSearch(index: EmbeddingIndex | undefined, metric: EmbeddingMetric, options: { annMinItems: number }): EmbeddingSearch | 'none' {
  if (!index) return 'none';
  if (index.itemKeys.length < options.annMinItems) return 'exact';
  annIndex(index, metric, options);
  return builds.get(index)!.get(metric)!.status;
}

/**
 * Resolves once a build started for `index` has ended (at once when none was started). The build's worker does not
 * keep a process alive (a server's shutdown must not wait for it), so while someone waits here a timer does.
 */
export async function annReady(index: EmbeddingIndex, metric: EmbeddingMetric): Promise<void> {
  const build = builds.get(index)?.get(metric);
  if (!build) return;
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await build.done;
  } finally {
    clearInterval(keepAlive);
  }
}
