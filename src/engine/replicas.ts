/**
 * @module engine/replicas
 * Rankings on more than one core. A serving process answers on one event loop, and a ranking (`recommend`) is
 * CPU work on it: ~4–9 ms per request at 10M–50M interactions (docs/scaling.md), so one core caps the requests per
 * second. `EngineReplicas` keeps copies of the serving engine in worker threads (engine/replica-worker), each built
 * from the same serving state, and `rank` hands a ranking to a copy that is free, or answers it on the serving engine
 * itself when every copy is busy — so the process's own thread and each copy rank at the same time.
 *
 * One truth: a copy answers only when it holds the serving engine's current version and the vectors last swapped
 * in (else the serving engine answers), so an answer never reflects less than the serving engine holds; it reports
 * the serving engine's graph version. A live write is applied once, by the serving engine, which builds the new
 * version on shared buffers; engine/live then calls {@link EngineReplicas.adopt}, which hands that version to every
 * copy, and each copy adopts it (`Engine.adopt`: the same arrays, its context patched over them as the serving
 * engine's was) instead of applying the write again. While the serving engine applies a write, the copies hold the
 * version it still serves and go on ranking. The vectors swapped in after training go to each copy too
 * ({@link EngineReplicas.setEmbeddings}).
 *
 * With `explain=paths` a copy also builds each ranked item's evidence. With `text` the serving engine builds it
 * and the LLM (or the template) writes the text there: the text is cached under the serving engine's version. MCP tools and conversations rank on the serving engine.
 *
 * Memory: the copies read the serving state's typed arrays (the CSR with its node ids and id table, the interaction
 * values, the vectors), the serving engine's transition, knowledge lists and evidence tables on shared buffers
 * ({@link replicaInputOf}, core/shared-arrays) instead of holding their own; a copy holds its own labels, item props and
 * scratch (and, after a write that adds nodes, its own id index layered over the shared one). A copy
 * at boot took 370 MB of RSS at 10M interactions and 1.4 GB at 50M, against 1.1 and 5.2 GB when each held a copy of
 * everything (docs/scaling.md, "Copies that share the serving state"). The versions live writes build are shared the
 * same way, and each thread collects the shared arrays it lets go of (core/shared-arrays `dropShared`). Under a stream
 * of writes on two cores copies still made reads slower than the serving engine alone (docs/scaling.md, "Copies that
 * adopt the serving engine's versions"), so copies are for read-mostly serving. A
 * copy that fails or exits is dropped, its rankings in flight answered by the serving engine; serving goes on. Copies
 * that would not fit in the machine's available memory are not started ({@link copiesThatFit}, said in the log and in
 * `stats.notStarted`): an engine's arrays live outside the JavaScript heap, so no heap limit would stop a copy before
 * the system ran out of memory and killed the whole process.
 *
 * @example
 * const replicas = EngineReplicas.start(engine, state, cfg, { threads: 1 });
 * live.attach(engine, () => replicas.adopt());
 * const { result, version } = await replicas.rank(engine, { user, k: 10 });
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../core/config.ts';
import { AppError, type ErrorCode } from '../core/errors.ts';
import { availableMemory } from '../core/memory.ts';
import { log } from '../core/log.ts';
import { startTsThread } from '../core/ts-worker.ts';
import type { NodeRef } from '../core/model.ts';
import { evidenceTablesOf, type Evidence, type EvidenceTables } from '../explain/evidence.ts';
import type { RecommendRequest, RecommendResult } from '../retrieve/recommend.ts';
import { isShared, sharedBufferBytes, typedArraysOf, withSharedArrays, type NumericArray, type SharedMemo } from '../core/shared-arrays.ts';
import { csrParts, type CsrParts } from '../project/node-ids.ts';
import type { InteractionValues } from '../project/interaction-values.ts';
import type { Transition } from '../compute/ppr/transition.ts';
import type { Csr } from '../project/csr.ts';
import type { KnowledgeLists } from '../retrieve/knowledge-part.ts';
import type { EngineState } from './boot.ts';
import type { EmbeddingVectors } from './embeddings.ts';
import type { AdoptedVersion, Engine } from './engine.ts';

/**
 * The vectors alone, on shared buffers (copied there once when they are not: every copy then reads the same ones);
 * the artifact's other facts (a trained model's folder, timings) are not copied into a thread.
 */
function vectorsOf(v: EmbeddingVectors): EmbeddingVectors {
  return withSharedArrays({ dim: v.dim, itemKeys: v.itemKeys, items: v.items, userKeys: v.userKeys, users: v.users });
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/**
 * What a copy is built from. Its typed arrays are on shared buffers, the node ids and their table among them (as
 * plain parts: project/node-ids), so a copy's thread reads the serving state's arrays instead of a copy of them; the
 * rest (labels, item props, the config) is copied into it.
 */
export interface ReplicaInput {
  /** The serving state, its CSR's ids as plain parts (project/node-ids: a class does not cross to a thread). */
  state: Omit<EngineState, 'csr'> & { csr: CsrParts };
  /** The serving engine's transition, knowledge lists and evidence tables over `state.csr` (the copy builds its own when absent). */
  prebuilt?: { transition: Transition; knowledgeLists?: KnowledgeLists; evidenceTables?: EvidenceTables };
  cfg: Config;
  embeddings?: EmbeddingVectors;
  /** How many times vectors were swapped in before it started. */
  generation: number;
}

/** Messages to a copy. */
export type ReplicaRequest =
  | { type: 'recommend'; id: number; request: RecommendRequest; evidenceFor?: EvidenceFor }
  | { type: 'adopt'; version: AdoptedVersion; seq: number }
  | { type: 'embeddings'; embeddings: EmbeddingVectors; generation: number };

/** Messages from a copy. */
export type ReplicaReply =
  | { type: 'ready'; generation: number; ms: number }
  | { type: 'failed'; message: string }
  | { type: 'answer'; id: number; generation: number; ok: true; result: RecommendResult; evidence?: Evidence[] }
  | { type: 'answer'; id: number; generation: number; ok: false; error: { code: ErrorCode; message: string; details: unknown } }
  | { type: 'adopted'; seq: number; ms: number }
  | { type: 'adopt failed'; seq: number; message: string }
  | { type: 'embeddings set'; generation: number };

/** Whose evidence to build for each ranked item (`explain=paths`): the user, or the cold-start seeds. */
export interface EvidenceFor {
  user?: string;
  seeds?: NodeRef[];
}

/** A ranking, the graph version it was computed on, and (when asked) each item's evidence, in the same order. */
export interface Ranked {
  result: RecommendResult;
  version: number;
  evidence?: Evidence[];
}

/** The ranking of `request` on `engine`, with each item's evidence for `evidenceFor` when given. */
export function rankOn(engine: Engine, request: RecommendRequest, evidenceFor?: EvidenceFor): Ranked {
  const result = engine.recommend(request);
  // The k items are explained back to back for one user: naming them lets the first build what they all need only.
  const batch = evidenceFor ? result.items.map((item) => item.id) : [];
  const evidence = evidenceFor ? result.items.map((item) => engine.evidence({ ...evidenceFor, item: item.id, batch })) : undefined;
  return { result, version: engine.version, ...(evidence ? { evidence } : {}) };
}

/** Answers a ranking on `engine` itself (what a process without copies does). */
export function rankLocally(engine: Engine, request: RecommendRequest, evidenceFor?: EvidenceFor): Promise<Ranked> {
  try {
    return Promise.resolve(rankOn(engine, request, evidenceFor));
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** The parts of the serving state and engine a copy reads on shared buffers (see {@link replicaInputOf}). */
interface SharedParts {
  csr: Csr;
  values: InteractionValues;
  prebuilt: ReplicaInput['prebuilt'];
  vectors: EmbeddingVectors | undefined;
}

/** Every typed array of `parts`, each once: what a copy reads on shared buffers. */
function arraysOf(parts: SharedParts): ArrayBufferView[] {
  const { csr, values, prebuilt, vectors } = parts;
  return typedArraysOf([csr, csr.ids, csr.index, values, prebuilt?.transition, prebuilt?.knowledgeLists, prebuilt?.evidenceTables, vectors]);
}

/** The serving state's parts as they are (the serving engine's transition, lists and tables while it holds `state`'s graph). */
function partsOf(engine: Engine, state: EngineState, embeddings: EmbeddingVectors | undefined): SharedParts {
  const ctx = engine.context;
  const lists = ctx.knowledgeLists.peek();
  const tables = evidenceTablesOf(state.csr);
  const prebuilt = ctx.csr === state.csr ? { transition: ctx.transition, ...(lists ? { knowledgeLists: lists } : {}), ...(tables ? { evidenceTables: tables } : {}) } : undefined;
  return { csr: state.csr, values: state.values, prebuilt, vectors: embeddings };
}

/**
 * What sharing the serving state with the copies takes: `bytes`, the typed arrays a copy reads instead of holding
 * its own, and `toCopy`, those of them not on shared buffers yet (a projection read from Neo4j, vectors just
 * trained), which {@link replicaInputOf} copies there once, for all copies.
 */
export function sharingCost(engine: Engine, state: EngineState, embeddings?: EmbeddingVectors): { bytes: number; toCopy: number } {
  const arrays = arraysOf(partsOf(engine, state, embeddings));
  const toCopy = arrays.filter((a) => !isShared(a)).reduce((sum, a) => sum + a.byteLength, 0);
  return { bytes: sharedBufferBytes(arrays) + toCopy, toCopy };
}

/**
 * The input every copy is built from: `state`'s typed arrays on shared buffers (a snapshot's already are: project/csr-
 * snapshot), the serving engine's transition, knowledge lists and evidence tables (built on shared buffers:
 * compute/ppr/transition, retrieve/knowledge-part, explain/evidence) while it still holds `state`'s graph, and the
 * vectors. An array not on a shared buffer yet is copied there once, for all copies ({@link sharingCost}).
 */
export function replicaInputOf(engine: Engine, state: EngineState, cfg: Config, embeddings?: EmbeddingVectors, memo: SharedMemo = new Map()): ReplicaInput {
  const parts = partsOf(engine, state, embeddings);
  // One shared array per original (the transition's node kinds are the CSR's), kept in `memo` for later versions.
  const share = <T extends object>(o: T): T => withSharedArrays(o, memo);
  const shareArray = <T extends NumericArray>(a: T): T => withSharedArrays({ a }, memo).a;
  const { transition, knowledgeLists, evidenceTables } = parts.prebuilt ?? {};
  const prebuilt = transition
    ? { transition: share(transition), ...(knowledgeLists ? { knowledgeLists: share(knowledgeLists) } : {}), ...(evidenceTables ? { evidenceTables: share(evidenceTables) } : {}) }
    : undefined;
  return {
    state: { csr: csrParts(share(parts.csr), shareArray), values: share(parts.values), labels: state.labels, itemProps: state.itemProps, interactionKind: state.interactionKind },
    ...(prebuilt ? { prebuilt } : {}),
    cfg,
    ...(embeddings ? { embeddings: vectorsOf(embeddings) } : {}),
    generation: 0,
  };
}

export interface ReplicaOptions {
  /** Worker threads, each holding a copy of the engine. */
  threads: number;
  /** Rankings a copy may hold at once (one computing, the rest queued) before the serving engine answers itself. [2] */
  maxQueued?: number;
  /** What the memory check reads (see {@link copiesThatFit}); measured from this process and the machine when absent. */
  memory?: MemoryFacts;
  /** The machine's cores as Node counts them (`os.availableParallelism()` when absent); see {@link ReplicaStats.cores}. */
  cores?: number;
}

/** The facts the memory check weighs: what one copy is expected to take, and what the machine has available. */
export interface MemoryFacts {
  perCopyBytes: number;
  availableBytes: number;
}

/**
 * A copy holds about what the serving process holds when the copies start, less what it shares ({@link sharingCost});
 * measured at boot: 370 MB of RSS at 10M interactions and 1.4 GB at 50M (docs/scaling.md, "Copies that share the
 * serving state"). A live write's version is built once, by the serving engine, and adopted by the copies; what a copy
 * derives itself per version (its context's small per-node arrays) is its own. The check expects
 * {@link COPY_HEADROOM} times that per copy.
 */
export const COPY_HEADROOM = 1.25;

/** How many of `threads` copies fit in the available memory, `perCopyBytes` each. */
export function copiesThatFit(threads: number, facts: MemoryFacts): number {
  if (!(facts.perCopyBytes > 0)) return threads;
  return Math.max(0, Math.min(threads, Math.floor(facts.availableBytes / facts.perCopyBytes)));
}

/**
 * This process's resident set times {@link COPY_HEADROOM}, and the memory the machine has available: Linux's
 * `MemAvailable` (what can be allocated without swapping; `os.freemem()` elsewhere), less what a cgroup limit leaves
 * (`process.constrainedMemory()`, when one is set).
 */
export function measuredMemory(sharedBytes = 0): MemoryFacts {
  const rss = process.memoryUsage.rss();
  return { perCopyBytes: Math.max(0, rss - sharedBytes) * COPY_HEADROOM, availableBytes: availableMemory(rss) };
}

interface Waiting {
  engine: Engine;
  /** The serving engine's version when the ranking was handed over (what the answer reports). */
  version: number;
  request: RecommendRequest;
  evidenceFor: EvidenceFor | undefined;
  resolve: (ranked: Ranked) => void;
  reject: (error: Error) => void;
}

interface Replica {
  worker: Worker;
  state: 'starting' | 'ready' | 'dropped';
  /** The last version (by its number, {@link EngineReplicas.adopt}) this copy has adopted, with all before it. */
  adopted: number;
  generation: number;
  waiting: Map<number, Waiting>;
}

export interface ReplicaStats {
  /** Copies started. */
  threads: number;
  /** Copies asked for but not started: they would not fit in the available memory ({@link copiesThatFit}). */
  notStarted: number;
  /**
   * The machine's cores. Copies and the serving thread beyond them take turns on the cores instead of ranking at once
   * (the start warns): on 2 cores one copy nearly doubled what was served (docs/scaling.md, "Rankings on both cores").
   */
  cores: number;
  /**
   * MiB of typed arrays the copies read from the serving state on shared buffers instead of holding their own (the
   * CSR, the interaction values, the transition, the knowledge lists, the evidence tables, the vectors at the start;
   * {@link replicaInputOf}).
   */
  sharedMb: number;
  ready: number;
  dropped: number;
  /** Rankings answered by a copy, and by the serving engine (no copy current, or its queue held fewer). */
  byReplica: number;
  local: number;
  /** Versions the copies adopted (one per copy and live application), and the time each took on its copy's thread. */
  adoptions: { count: number; meanMs: number; maxMs: number };
}

export class EngineReplicas {
  readonly #replicas: Replica[] = [];
  readonly #maxQueued: number;
  #nextId = 1;
  /** Versions handed to the copies so far (each one's number). */
  #posted = 0;
  #generation = 0;
  #byReplica = 0;
  #local = 0;
  #adoptions = 0;
  #adoptMs = 0;
  #adoptMaxMs = 0;
  #closed = false;
  #notStarted = 0;
  #cores = 0;
  #sharedBytes = 0;
  /** The serving engine, whose versions the copies adopt. */
  #engine: Engine | undefined;
  /**
   * Each array of the serving engine not on a shared buffer (a projection read from Neo4j at boot) to its shared copy,
   * made once: posted versions keep using it, so no version reaches a copy as a copy of its own.
   */
  readonly #memo = new WeakMap<ArrayBufferView, ArrayBufferView>();
  /** Rankings waiting for the serving engine (see {@link rank}). */
  readonly #localQueue: Waiting[] = [];
  /** Resolved by {@link caughtUp} once its condition holds (checked whenever a copy's state changes). */
  #waiters: Array<{ holds: () => boolean; resolve: () => void }> = [];

  private constructor(maxQueued: number) {
    this.#maxQueued = maxQueued;
  }

  /**
   * Starts `threads` copies of the engine built from `state` with `embeddings`: the state and vectors that `engine`
   * was built from, before any live update was applied to it (its version is 0). Returns at once; a copy ranks once
   * it is built (the serving engine answers meanwhile).
   */
  static start(engine: Engine, state: EngineState, cfg: Config, options: ReplicaOptions, embeddings?: EmbeddingVectors): EngineReplicas {
    const { threads, maxQueued = 2 } = options;
    if (!Number.isInteger(threads) || threads < 0) throw new AppError('CONFIG', `engine/replicas: threads must be an integer ≥ 0 (got ${threads})`);
    if (!Number.isInteger(maxQueued) || maxQueued < 1) throw new AppError('CONFIG', `engine/replicas: maxQueued must be an integer ≥ 1 (got ${maxQueued})`);
    if (engine.version !== 0) throw new AppError('INTERNAL', 'engine/replicas: copies start from the state of an engine no live update has changed yet');
    const replicas = new EngineReplicas(maxQueued);
    // What the copies share is not counted per copy; what must first be copied onto shared buffers is counted once.
    const sharing = threads > 0 ? sharingCost(engine, state, embeddings) : { bytes: 0, toCopy: 0 };
    const memory = options.memory ?? (threads > 0 ? measuredMemory(sharing.bytes) : { perCopyBytes: 0, availableBytes: 0 });
    const available = Math.max(0, memory.availableBytes - sharing.toCopy);
    const fit = copiesThatFit(threads, { perCopyBytes: memory.perCopyBytes, availableBytes: available });
    replicas.#notStarted = threads - fit;
    if (fit < threads) {
      const toCopy = sharing.toCopy > 0 ? ` after ${mb(sharing.toCopy)} MB copied onto shared buffers for them` : '';
      log.warn(`engine/replicas: starting ${fit} of ${threads} copies of the engine: each needs about ${mb(memory.perCopyBytes)} MB and ${mb(available)} MB are available${toCopy}`, { perCopyMb: mb(memory.perCopyBytes), availableMb: mb(available), toCopyMb: mb(sharing.toCopy) });
    }
    replicas.#cores = options.cores ?? availableParallelism();
    if (fit > 0 && fit + 1 > replicas.#cores) {
      log.warn(`engine/replicas: ${fit} copies and the serving thread are ${fit + 1} ranking threads on ${replicas.#cores} cores: they take turns instead of ranking at once (a local Neo4j shares the cores too); GRAPHREC_RANK_THREADS=${Math.max(0, replicas.#cores - 1)} gives each a core`, { copies: fit, cores: replicas.#cores });
    }
    if (fit > 0) {
      const input = replicaInputOf(engine, state, cfg, embeddings, replicas.#memo);
      replicas.#sharedBytes = sharing.bytes;
      replicas.#engine = engine;
      // Live writes build the serving engine's versions on shared buffers from now on; the copies adopt them.
      engine.shareVersions();
      for (let j = 0; j < fit; j++) replicas.#add(input, j);
    }
    return replicas;
  }

  #add(input: ReplicaInput, number: number): void {
    const started = performance.now();
    const replica: Replica = { worker: startTsThread(new URL('./replica-worker.ts', import.meta.url), input), state: 'starting', adopted: 0, generation: 0, waiting: new Map() };
    this.#replicas.push(replica);
    replica.worker.on('message', (reply: ReplicaReply) => {
      switch (reply.type) {
        case 'ready':
          replica.state = replica.state === 'starting' ? 'ready' : replica.state;
          replica.generation = reply.generation;
          this.#changed();
          log.info('engine/replicas: a copy is ranking', { replica: number, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) });
          break;
        case 'failed':
          this.#drop(replica, number, `its build failed: ${reply.message}`);
          break;
        case 'answer': {
          const waiting = replica.waiting.get(reply.id);
          if (!waiting) break;
          replica.waiting.delete(reply.id);
          if (reply.ok) waiting.resolve({ result: reply.result, version: waiting.version, ...(reply.evidence ? { evidence: reply.evidence } : {}) });
          else waiting.reject(new AppError(reply.error.code, reply.error.message, reply.error.details));
          this.#takeOver();
          break;
        }
        case 'adopted':
          replica.adopted = reply.seq;
          this.#adoptions++;
          this.#adoptMs += reply.ms;
          this.#adoptMaxMs = Math.max(this.#adoptMaxMs, reply.ms);
          this.#changed();
          break;
        case 'adopt failed':
          // It would stay behind the serving engine and never rank again: drop it.
          this.#drop(replica, number, `adopting the serving engine's version failed: ${reply.message}`);
          break;
        case 'embeddings set':
          replica.generation = reply.generation;
          this.#changed();
          break;
      }
    });
    replica.worker.on('error', (error) => this.#drop(replica, number, error.message));
    replica.worker.on('exit', (code) => this.#drop(replica, number, `its thread exited (code ${code})`));
  }

  /** Stops ranking on a copy; its rankings in flight are answered by the serving engine. */
  #drop(replica: Replica, number: number, why: string): void {
    if (replica.state === 'dropped') return;
    replica.state = 'dropped';
    if (!this.#closed) log.error('engine/replicas: a copy was dropped; the serving engine ranks in its place', { replica: number, why });
    void replica.worker.terminate();
    const waiting = [...replica.waiting.values()];
    replica.waiting.clear();
    for (const w of waiting) rankLocally(w.engine, w.request, w.evidenceFor).then(w.resolve, w.reject);
    this.#changed();
  }

  #changed(): void {
    this.#takeOver();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (w.holds()) w.resolve();
      else this.#waiters.push(w);
    }
  }

  /**
   * A copy is current when it is built, has adopted every version handed over so far (so it holds what the serving
   * engine holds: a version is handed over as the serving engine swaps it in) and holds the vectors last swapped in.
   */
  #current(r: Replica): boolean {
    return r.state === 'ready' && r.adopted >= this.#posted && r.generation === this.#generation;
  }

  /** Resolves once every copy that was not dropped is current (tests and benchmarks; serving never waits for it). */
  caughtUp(): Promise<void> {
    const holds = () => this.#replicas.every((r) => r.state === 'dropped' || this.#current(r));
    if (holds()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ holds, resolve }));
  }

  /**
   * A ranking where it waits least. With no current copy (none built yet, or each still adopting a version), the
   * serving engine ranks it at once, as it would without copies. Else it goes to whichever holds the fewest
   * rankings: a current copy holding fewer than `maxQueued`, or the serving engine's queue (a tie goes to the copy).
   * That queue runs one ranking per turn of the event loop, so the copies' answers and new requests are read between
   * them (ranked at once, a burst of requests read in one turn would all be ranked here before any answer of a copy
   * was read, and the copies would sit idle), and a copy that is free again takes queued rankings over.
   */
  rank(engine: Engine, request: RecommendRequest, evidenceFor?: EvidenceFor): Promise<Ranked> {
    let best: Replica | undefined;
    let anyCurrent = false;
    for (const r of this.#replicas) {
      if (!this.#current(r)) continue;
      anyCurrent = true;
      if (r.waiting.size < this.#maxQueued && (!best || r.waiting.size < best.waiting.size)) best = r;
    }
    if (!anyCurrent && this.#localQueue.length === 0) {
      this.#local++;
      return rankLocally(engine, request, evidenceFor);
    }
    return new Promise<Ranked>((resolve, reject) => {
      const w: Waiting = { engine, version: engine.version, request, evidenceFor, resolve, reject };
      if (best && best.waiting.size <= this.#localQueue.length) this.#send(best, w);
      else {
        this.#local++;
        this.#localQueue.push(w);
        if (this.#localQueue.length === 1) setImmediate(this.#runLocal);
      }
    });
  }

  #send(replica: Replica, w: Waiting): void {
    this.#byReplica++;
    const id = this.#nextId++;
    replica.waiting.set(id, w);
    replica.worker.postMessage({ type: 'recommend', id, request: w.request, ...(w.evidenceFor ? { evidenceFor: w.evidenceFor } : {}) } satisfies ReplicaRequest);
  }

  /** Queued rankings of the serving engine go to current copies with room (after a copy answered or caught up). */
  #takeOver(): void {
    for (const r of this.#replicas) {
      while (this.#localQueue.length > 0 && this.#current(r) && r.waiting.size < this.#maxQueued) {
        this.#local--;
        this.#send(r, this.#localQueue.pop()!);
      }
    }
  }

  /**
   * Runs the first queued ranking of the serving engine, and schedules the next one for the next turn (or runs it
   * now when no copy is current: then nothing else could take it).
   */
  readonly #runLocal = (): void => {
    for (;;) {
      const w = this.#localQueue.shift();
      if (!w) return;
      rankLocally(w.engine, w.request, w.evidenceFor).then(w.resolve, w.reject);
      if (this.#localQueue.length === 0) return;
      if (this.#replicas.some((r) => this.#current(r))) {
        setImmediate(this.#runLocal);
        return;
      }
    }
  };

  /**
   * Hands the serving engine's current version to every copy (engine/live calls it after each application that made
   * one): its CSR, transition, knowledge lists and evidence tables on shared buffers, which the copies adopt instead
   * of applying the write again ({@link Engine.adopt}). A copy ranks again once it has adopted every version handed
   * over; meanwhile the serving engine answers. The versions are built once, so the copies add no version's arrays
   * of their own to a write (at 50M interactions, copies that applied every write themselves took a 24 GiB machine's
   * last 16 GB in 30 s: docs/scaling.md, "Copies that share the serving state").
   */
  adopt(): void {
    const engine = this.#engine;
    const live = this.#replicas.filter((r) => r.state !== 'dropped');
    if (!engine) return;
    const seq = ++this.#posted;
    if (live.length === 0) return;
    const v = engine.versionForCopies();
    const memo = this.#memo;
    const version: AdoptedVersion = {
      ...v,
      csr: withSharedArrays(v.csr, memo),
      transition: withSharedArrays(v.transition, memo),
      ...(v.knowledgeLists ? { knowledgeLists: withSharedArrays(v.knowledgeLists, memo) } : {}),
      ...(v.evidenceTables ? { evidenceTables: withSharedArrays(v.evidenceTables, memo) } : {}),
    };
    for (const r of live) r.worker.postMessage({ type: 'adopt', version, seq } satisfies ReplicaRequest);
  }

  /** Hands the vectors the serving engine swapped in to every copy; a copy ranks again once it has them. */
  setEmbeddings(embeddings: EmbeddingVectors): void {
    this.#generation++;
    const message: ReplicaRequest = { type: 'embeddings', embeddings: vectorsOf(embeddings), generation: this.#generation };
    for (const r of this.#replicas) if (r.state !== 'dropped') r.worker.postMessage(message);
  }

  get stats(): ReplicaStats {
    const count = (state: Replica['state']) => this.#replicas.filter((r) => r.state === state).length;
    return { threads: this.#replicas.length, notStarted: this.#notStarted, cores: this.#cores, sharedMb: mb(this.#sharedBytes), ready: count('ready'), dropped: count('dropped'), byReplica: this.#byReplica, local: this.#local, adoptions: { count: this.#adoptions, meanMs: Math.round(this.#adoptMs / Math.max(1, this.#adoptions)), maxMs: Math.round(this.#adoptMaxMs) } };
  }

  /** Stops every copy (rankings in flight are answered by the serving engine). */
  async close(): Promise<void> {
    this.#closed = true;
    const live = this.#replicas.filter((r) => r.state !== 'dropped');
    for (const r of live) this.#drop(r, this.#replicas.indexOf(r), 'closed');
    await Promise.all(live.map((r) => r.worker.terminate()));
  }
}
