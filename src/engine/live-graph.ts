/**
 * @module engine/live-graph
 * The projection a serving process computes on, kept current: new interactions recorded through the API are applied
 * to the CSR at once (`addInteractions` returns a new immutable CSR), and the PPR transition and request-time solver
 * are rebuilt from it, so the very next recommendation sees them. Readers take `current()` once per request and keep
 * that consistent snapshot for the whole request.
 */
import { nodeKey } from '../project/load.ts';
import { addInteractions, type Csr } from '../project/csr.ts';
import { buildTransition, type Transition, type TransitionOptions } from '../compute/ppr/transition.ts';
import { createPushSolver, type PushOptions, type PushSolver } from '../compute/ppr/push.ts';
import type { GraphStore, InteractionEvent, RecordResult } from '../store/graph-store.ts';

export interface GraphSnapshot {
  readonly csr: Csr;
  readonly transition: Transition;
  readonly solver: PushSolver;
  /** Increases by one with every applied batch of interactions. */
  readonly version: number;
}

export interface LiveGraphOptions {
  transition?: Partial<TransitionOptions>;
  push?: Partial<PushOptions>;
}

export class LiveGraph {
  private snapshot: GraphSnapshot;

  constructor(
    csr: Csr,
    private readonly options: LiveGraphOptions = {},
  ) {
    this.snapshot = this.build(csr, 0);
  }

  private build(csr: Csr, version: number): GraphSnapshot {
    const transition = buildTransition(csr, this.options.transition);
    return { csr, transition, solver: createPushSolver(transition, this.options.push), version };
  }

  current(): GraphSnapshot {
    return this.snapshot;
  }

  /** Applies recorded interactions (weight replaces an existing edge's weight; unknown users/items become nodes). */
  apply(events: ReadonlyArray<Pick<InteractionEvent, 'userId' | 'itemId' | 'weight'>>): { addedNodes: number; addedEdges: number; updatedEdges: number } {
    if (events.length === 0) return { addedNodes: 0, addedEdges: 0, updatedEdges: 0 };
    const result = addInteractions(
      this.snapshot.csr,
      events.map((e) => ({ userId: nodeKey('User', e.userId), itemId: nodeKey('Item', e.itemId), weight: e.weight })),
      { onExisting: 'replace', createNodes: true },
    );
    this.snapshot = this.build(result.csr, this.snapshot.version + 1);
    return { addedNodes: result.addedNodes, addedEdges: result.addedEdges, updatedEdges: result.updatedEdges };
  }

  /** Replaces the whole projection (after a full re-read from Neo4j). */
  replace(csr: Csr): void {
    this.snapshot = this.build(csr, this.snapshot.version + 1);
  }
}

/**
 * A GraphStore whose successful `recordInteractions` calls are also applied to `live` — the API stays unaware of the
 * projection. Everything else is forwarded unchanged.
 */
export function withLiveInteractions(store: GraphStore, live: LiveGraph): GraphStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'recordInteractions') {
        return async (events: InteractionEvent[]): Promise<RecordResult> => {
          const result = await target.recordInteractions(events);
          live.apply(events);
          return result;
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
