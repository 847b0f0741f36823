/**
 * @module engine/boot
 * Builds the engine from a database: the projection (snapshot when current), display names, embeddings (the stored
 * artifact for these interactions, else LightGCN trained now and written into Neo4j's vector indexes), the kind of the
 * interactions (for the explanation's verbs), and who writes explanations (explain/llm/policy: the LLM or the template).
 * `npm start` and the CLI commands that recommend or explain share it; `serve` and `mcp` start with
 * `startServingEngine`, which never waits for training.
 */
import type { Config } from '../core/config.ts';
import type { Props } from '../core/model.ts';
import type { Csr } from '../project/csr.ts';
import type { InteractionValues } from '../project/interaction-values.ts';
import { log } from '../core/log.ts';
import { chooseExplainer } from '../explain/llm/policy.ts';
import { interactionKindOf, projectDatabase, readInteractionKind, readServingNames, type Projection } from '../project/load.ts';
import { createEmbeddingIndex, type EmbeddingIndex } from '../retrieve/embedding-index.ts';
import type { Database } from '../store/driver.ts';
import type { InvalidEdgeReport } from '../store/projection-reader.ts';
import { embeddingsForProjection, publishEmbeddings, storedProjectionEmbeddings, trainOnProjection, type EmbeddingVectors } from './embeddings.ts';
import { Engine, type EngineInputs } from './engine.ts';
import { EngineReplicas } from './replicas.ts';

export interface BootOptions {
  /** Load the LLM (`false` for commands that never explain with it). [true] */
  llm?: boolean;
  /** Progress label updates (readiness detail). */
  onStage?: (stage: string) => void;
  /** The stored interactions the projection skipped as outside `cfg.bounds` (readiness detail; doctor repairs them). */
  onInvalidEdges?: (invalid: InvalidEdgeReport) => void;
}

/** What serving needs from the database besides embeddings: the projection, display names, item props, the interaction kind. */
export interface ServingState {
  csr: Csr;
  /** The stored (user, item, kind) values behind `csr` (live writes derive edge weights from them). */
  values: InteractionValues;
  labels: Map<string, string>;
  itemProps: Map<string, Props>;
  interactionKind: { kind: string; rated: boolean };
  invalid: InvalidEdgeReport;
  /** The projection came from its snapshot (the database did not change since it was written). */
  fromSnapshot: boolean;
  /** How the snapshot was found current (project/load `Projection.currency`). */
  currency: 'version' | 'fingerprint' | 'none';
  /**
   * Where the read's time went, seconds: the projection's own timings (project/load `Projection.timings`), and when
   * the names and item properties were in, counted from the start (they are read while the projection is), and
   * whether they came from the file kept at this store version (project/load `readServingNames`).
   */
  timings: { projection: Projection['timings']; namesDone: number; namesFromFile: boolean; total: number };
}

/** The part of the serving state an engine is built from (engine/replicas copies it into each copy's thread). */
export type EngineState = Pick<ServingState, 'csr' | 'values' | 'labels' | 'itemProps' | 'interactionKind'>;

/** Reads the serving state: the projection (snapshot when current), labels, item props, the interactions' kind. */
export async function loadServingState(db: Database, cfg: Config, options: Pick<BootOptions, 'onStage'> & { snapshotDir?: string } = {}): Promise<ServingState> {
  options.onStage?.('projecting the graph');
  const t0 = performance.now();
  const since = (): number => (performance.now() - t0) / 1000;
  const snapshot = options.snapshotDir !== undefined ? { snapshotDir: options.snapshotDir } : {};
  // Names and item properties (a file at an unchanged store version, else Neo4j reads) are read while the projection
  // reads its snapshot (files and checksums on the thread pool) or Neo4j, not after it.
  let namesDone = 0;
  const [projection, { labels, itemProps, fromFile }] = await Promise.all([
    projectDatabase(db, { interactions: cfg.interactions, bounds: cfg.bounds, weights: cfg.weights, ...snapshot }),
    readServingNames(db, snapshot).then((read) => ((namesDone = since()), read)),
  ]);
  const { csr, invalid, fromSnapshot, values, interactionKinds, currency } = projection;
  // The read counts the kinds (kept in the snapshot); a snapshot written before that asks Neo4j (a scan of every edge).
  const kind = interactionKinds ? interactionKindOf(interactionKinds) : await readInteractionKind(db);
  // Weights are ratings only when the one kind is rated and its kind weight leaves the value as it is (core/interactions).
  const kindWeight = cfg.interactions.kindWeights[kind.kind] ?? cfg.interactions.defaultKindWeight;
  const timings = { projection: projection.timings, namesDone, namesFromFile: fromFile, total: since() };
  return { csr, values, labels, itemProps, interactionKind: { kind: kind.kind, rated: kind.rated && kindWeight === 1 }, invalid, fromSnapshot, currency, timings };
}

/** The embedding index over trained vectors (what an engine is built with, or swaps in). */
export function embeddingIndexOf(vectors: EmbeddingVectors): EmbeddingIndex {
  return createEmbeddingIndex({ dim: vectors.dim, itemKeys: vectors.itemKeys, itemVectors: vectors.items, userKeys: vectors.userKeys, userVectors: vectors.users });
}

/** The engine over a serving state, with the given embeddings (none: PPR, popularity and the knowledge walk only). */
export function engineFrom(state: EngineState, cfg: Config, trained: EmbeddingVectors | undefined, options: Pick<BootOptions, 'llm'> & Pick<EngineInputs, 'prebuilt'> = {}): Engine {
  const embeddings = trained ? embeddingIndexOf(trained) : undefined;
  const { policy, llm } = options.llm === false ? { policy: undefined, llm: undefined } : chooseExplainer(cfg);
  return new Engine({
    csr: state.csr,
    labels: state.labels,
    itemProps: state.itemProps,
    interactions: cfg.interactions,
    weights: cfg.weights,
    sharedVersions: cfg.interactions.sharedVersions,
    values: state.values,
    interactionKind: state.interactionKind,
    context: embeddings ? { embeddings } : {},
    ...(llm ? { llm } : {}),
    ...(policy ? { explainPolicy: policy } : {}),
    ...(options.prebuilt ? { prebuilt: options.prebuilt } : {}),
  });
}

export async function bootEngine(db: Database, cfg: Config, options: BootOptions = {}): Promise<Engine> {
  const state = await loadServingState(db, cfg, options);
  options.onInvalidEdges?.(state.invalid);
  options.onStage?.('training embeddings');
  const trained = await embeddingsForProjection(state.csr, { epochs: cfg.train.epochs, maxSeconds: cfg.train.maxSeconds, name: 'projection' });
  if (!trained.reused) await publishEmbeddings(db, trained);
  const engine = engineFrom(state, cfg, trained, options);
  log.info('engine: ready', { nodes: state.csr.nodeCount, edges: state.csr.edgeCount, embeddings: trained.dir, interactionKind: state.interactionKind, pprDegreeDiscount: engine.context.options.pprDegreeDiscount, explanations: engine.explainPolicy });
  return engine;
}

/** Where a serving engine's LightGCN vectors stand (the readiness detail shows it). */
export type EmbeddingsState =
  | { state: 'loaded'; artifact: string; trainedSeconds?: number; neo4j?: 'writing' | 'written' | { notWritten: string } }
  | { state: 'training in the background'; since: string }
  | { state: 'failed'; error: string };

export interface ServingEngine {
  engine: Engine;
  state: ServingState;
  /** Where the vectors stand now. */
  embeddings(): EmbeddingsState;
  /** The background training (settles when its vectors are swapped in, it failed, or `signal` stopped it); none when stored vectors were loaded. */
  training?: Promise<void>;
  /** The engine's copies that rank in worker threads (`rankThreads` > 0; engine/replicas); they get the trained vectors too. */
  replicas?: EngineReplicas;
}

/**
 * The engine of a serving process (`serve`, `mcp`), which never waits for training (issue 12.4): once the projection is
 * in memory it serves — with the stored LightGCN vectors when some were trained on these interactions, else with PPR,
 * popularity and the knowledge walk while LightGCN trains in a worker thread; the vectors are swapped in when it ends
 * (`Engine.setEmbeddings`) and written to Neo4j's vector indexes. `signal` stops the training (shutdown);
 * `onEmbeddings` hears every change of `embeddings()`.
 */
export async function startServingEngine(
  db: Database,
  cfg: Config,
  options: Pick<BootOptions, 'onStage' | 'llm'> & { signal?: AbortSignal; onEmbeddings?: (state: EmbeddingsState) => void; rankThreads?: number } = {},
): Promise<ServingEngine> {
  const state = await loadServingState(db, cfg, options);
  const stored = storedProjectionEmbeddings(state.csr);
  if (stored) log.info('embeddings: reusing the artifact trained on the same interactions', { dir: stored.dir });
  const engine = engineFrom(state, cfg, stored, options);
  options.onStage?.('warming the request path');
  // The warm-up only moves work ahead of the first request: if it fails, serving goes on (the request builds it).
  let warmSeconds = 0;
  try {
    warmSeconds = engine.warm();
  } catch (error) {
    log.warn('engine: warm-up failed; the first requests build what it would have', { error: (error as Error).message });
  }
  // Copies of the engine for ranking on the other cores, built in their threads while this one serves.
  const replicas = options.rankThreads ? EngineReplicas.start(engine, state, cfg, { threads: options.rankThreads }, stored) : undefined;
  let embeddings: EmbeddingsState = stored ? { state: 'loaded', artifact: stored.dir } : { state: 'training in the background', since: new Date().toISOString() };
  const set = (next: EmbeddingsState) => {
    embeddings = next;
    options.onEmbeddings?.(next);
  };
  log.info('engine: ready', { nodes: state.csr.nodeCount, edges: state.csr.edgeCount, embeddings, strategies: engine.strategies.live, warmSeconds: Number(warmSeconds.toFixed(2)) });
  const training = stored
    ? undefined
    : trainOnProjection(state.csr, { epochs: cfg.train.epochs, maxSeconds: cfg.train.maxSeconds, name: 'projection', worker: true, ...(options.signal ? { signal: options.signal } : {}) })
        .then(async (trained) => {
          if (options.signal?.aborted) return;
          engine.setEmbeddings(embeddingIndexOf(trained));
          replicas?.setEmbeddings(trained);
          const loaded = { state: 'loaded', artifact: trained.dir, trainedSeconds: Number(trained.seconds.toFixed(1)) } as const;
          set({ ...loaded, neo4j: 'writing' });
          log.info('embeddings: swapped in; all strategies live', { dir: trained.dir, strategies: engine.strategies.live });
          // The engine serves from the vectors in memory; writing them to Neo4j (its `embedding` properties and vector
          // indexes) is for queries there. If that fails, serving keeps them and readiness says so — not "failed".
          try {
            await publishEmbeddings(db, trained);
            set({ ...loaded, neo4j: 'written' });
          } catch (error) {
            if (options.signal?.aborted) return;
            set({ ...loaded, neo4j: { notWritten: (error as Error).message } });
            log.warn('embeddings: serving with the new vectors, but writing them to Neo4j failed', { error: (error as Error).message });
          }
        })
        .catch((error: unknown) => {
          if (options.signal?.aborted) return;
          set({ state: 'failed', error: (error as Error).message });
          log.error('embeddings: background training failed; serving without vectors', { error: (error as Error).message });
        });
  return { engine, state, embeddings: () => embeddings, ...(training ? { training } : {}), ...(replicas ? { replicas } : {}) };
}
