/**
 * @module engine/boot
 * Builds the engine from a database: the projection (snapshot when current), display names, embeddings (the stored
 * artifact for these interactions, else LightGCN trained now and written into Neo4j's vector indexes), the kind of the
 * interactions (for the explanation's verbs), and who writes explanations (explain/llm/policy: the LLM or the template).
 * `npm start` and the CLI commands that recommend or explain share it.
 */
import type { Config } from '../core/config.ts';
import { log } from '../core/log.ts';
import { chooseExplainer } from '../explain/llm/policy.ts';
import { projectDatabase, readInteractionKind, readItemProps, readLabels } from '../project/load.ts';
import { createEmbeddingIndex } from '../retrieve/embedding-index.ts';
import type { Database } from '../store/driver.ts';
import type { InvalidEdgeReport } from '../store/projection-reader.ts';
import { embeddingsForProjection, publishEmbeddings } from './embeddings.ts';
import { Engine } from './engine.ts';

export interface BootOptions {
  /** Load the LLM (`false` for commands that never explain with it). [true] */
  llm?: boolean;
  /** Progress label updates (readiness detail). */
  onStage?: (stage: string) => void;
  /** The stored interactions the projection skipped as outside `cfg.bounds` (readiness detail; doctor repairs them). */
  onInvalidEdges?: (invalid: InvalidEdgeReport) => void;
}

export async function bootEngine(db: Database, cfg: Config, options: BootOptions = {}): Promise<Engine> {
  options.onStage?.('projecting the graph');
  const { csr, invalid } = await projectDatabase(db, { interactions: cfg.interactions, bounds: cfg.bounds, weights: cfg.weights });
  options.onInvalidEdges?.(invalid);
  const labels = await readLabels(db);
  const itemProps = await readItemProps(db);
  options.onStage?.('training embeddings');
  const trained = await embeddingsForProjection(csr, { epochs: cfg.train.epochs, maxSeconds: cfg.train.maxSeconds, name: 'projection' });
  if (!trained.reused) await publishEmbeddings(db, trained);
  const embeddings = createEmbeddingIndex({ dim: trained.dim, itemKeys: trained.itemKeys, itemVectors: trained.items, userKeys: trained.userKeys, userVectors: trained.users });
  const kind = await readInteractionKind(db);
  // Weights are ratings only when the one kind is rated and its kind weight leaves the value as it is (core/interactions).
  const kindWeight = cfg.interactions.kindWeights[kind.kind] ?? cfg.interactions.defaultKindWeight;
  const interactionKind = { kind: kind.kind, rated: kind.rated && kindWeight === 1 };
  const { policy, llm } = options.llm === false ? { policy: undefined, llm: undefined } : chooseExplainer(cfg);
  const engine = new Engine({
    csr,
    labels,
    itemProps,
    interactions: cfg.interactions,
    interactionKind,
    context: { embeddings },
    ...(llm ? { llm } : {}),
    ...(policy ? { explainPolicy: policy } : {}),
  });
  log.info('engine: ready', { nodes: csr.nodeCount, edges: csr.edgeCount, embeddings: trained.dir, interactionKind, explanations: policy ?? 'template (no LLM for this command)' });
  return engine;
}
