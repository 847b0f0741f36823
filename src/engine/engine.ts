/**
 * @module engine/engine
 * The running recommender of a serving process: the current projection with its retrieval context (PPR solver,
 * popularity, embeddings, keyword matcher), the display names read from Neo4j, and the explanation pipeline. New
 * interactions recorded through the API are applied at once (`apply`: a new immutable CSR and context), so the next
 * request sees them. The API, the CLI and the evaluation harness call the same `recommend`.
 */
import { AppError } from '../core/errors.ts';
import type { NodeRef } from '../core/model.ts';
import { addInteractions, type Csr } from '../project/csr.ts';
import { nodeKey } from '../project/load.ts';
import { resolveNodeId } from '../project/resolve-id.ts';
import { createRecommendContext, type RecommendContext, type RecommendContextInput } from '../retrieve/context.ts';
import { recommend, type RecommendRequest, type RecommendResult } from '../retrieve/recommend.ts';
import { buildEvidence, type Evidence } from '../explain/evidence.ts';
import { explainEvidence, type Explanation } from '../explain/explain.ts';
import { buildNameIndex, type NameIndex } from '../explain/grounding.ts';
import type { GuardedLlm } from '../explain/llm/client.ts';
import type { GraphStore, InteractionEvent, RecordResult } from '../store/graph-store.ts';

export type ExplainMode = 'none' | 'paths' | 'text';

export interface EngineInputs {
  csr: Csr;
  /** Display names by node key (item titles, entity names). */
  labels: ReadonlyMap<string, string>;
  /** Retrieval settings and embeddings (see retrieve/context). */
  context?: Omit<RecommendContextInput, 'labels' | 'names'>;
  llm?: GuardedLlm;
}

export interface ExplainedItem {
  evidence?: Evidence;
  explanation?: Explanation;
}

export class Engine {
  private ctx: RecommendContext;
  private graphVersion = 0;
  readonly names: NameIndex;

  constructor(private readonly inputs: EngineInputs) {
    this.ctx = this.contextFor(inputs.csr);
    this.names = buildNameIndex([...inputs.labels].map(([key, name]) => ({ key, name })));
  }

  private contextFor(csr: Csr): RecommendContext {
    const labels = this.inputs.labels;
    return createRecommendContext(csr, { ...this.inputs.context, labels: (key) => labels.get(key), names: labels });
  }

  get context(): RecommendContext {
    return this.ctx;
  }

  get version(): number {
    return this.graphVersion;
  }

  get llmName(): string | undefined {
    return this.inputs.llm?.name;
  }

  /** A user or item id as the projection knows it: as given, or a bare dataset id (`1` → `ml100k:u:1`) when unambiguous. */
  resolveId(kind: 'User' | 'Item', raw: string): string {
    return resolveNodeId(this.ctx.csr, kind, raw);
  }

  recommend(request: RecommendRequest): RecommendResult {
    return recommend(this.ctx, request);
  }

  evidence(request: { user?: string; seeds?: NodeRef[]; item: string }): Evidence {
    return buildEvidence(this.ctx, request);
  }

  /** Evidence (for `paths` and `text`) and the explanation (for `text`) of one recommended item; `known` = its evidence if already built. */
  async explain(request: { user?: string; seeds?: NodeRef[]; item: string }, mode: ExplainMode, known?: Evidence): Promise<ExplainedItem> {
    if (mode === 'none') return {};
    const evidence = known ?? this.evidence(request);
    if (mode === 'paths') return { evidence };
    const who = request.user ?? (request.seeds ?? []).map((s) => `${s.kind}:${s.id}`).join('+');
    const cacheKey = JSON.stringify([who, request.item, this.graphVersion]);
    const explanation = await explainEvidence({ ...(this.inputs.llm ? { llm: this.inputs.llm } : {}), names: this.names }, evidence, { cacheKey });
    const { template: _template, ...served } = explanation;
    return { evidence, explanation: served };
  }

  /** Applies recorded interactions to the projection (new nodes for unknown users/items) and swaps the context. */
  apply(events: ReadonlyArray<Pick<InteractionEvent, 'userId' | 'itemId' | 'weight'>>): void {
    if (events.length === 0) return;
    const result = addInteractions(
      this.ctx.csr,
      events.map((e) => ({ userId: nodeKey('User', e.userId), itemId: nodeKey('Item', e.itemId), weight: e.weight })),
      { onExisting: 'replace', createNodes: true },
    );
    this.ctx = this.contextFor(result.csr);
    this.graphVersion++;
  }

  async close(): Promise<void> {
    await this.inputs.llm?.close();
  }
}

/** A GraphStore whose successful `recordInteractions` calls are also applied to the engine's projection. */
export function withEngineUpdates(store: GraphStore, engine: () => Engine | undefined): GraphStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'recordInteractions') {
        return async (events: InteractionEvent[]): Promise<RecordResult> => {
          const result = await target.recordInteractions(events);
          engine()?.apply(events);
          return result;
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function assertExplainMode(value: string): ExplainMode {
  if (value === 'none' || value === 'paths' || value === 'text') return value;
  throw new AppError('BAD_REQUEST', `explain must be none, paths or text (got ${JSON.stringify(value)})`);
}
