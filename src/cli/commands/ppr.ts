/**
 * @module cli/commands/ppr
 * `graphrec ppr`: Personalized PageRank from a user's history (`--user`) or from given nodes (`--seeds`, cold
 * start), printing the top-k nodes of a kind (items by default, seen items and seeds left out).
 */
import { AppError } from '../../core/errors.ts';
import { NODE_KINDS, type NodeKind, type NodeRef } from '../../core/model.ts';
import { exactPprRun } from '../../compute/ppr/exact.ts';
import { createPushSolver } from '../../compute/ppr/push.ts';
import { seedsFromCsrHistory, seedsFromNodes, seenItems } from '../../compute/ppr/seeds.ts';
import { buildTransition } from '../../compute/ppr/transition.ts';
import { createWalkSolver } from '../../compute/ppr/walk.ts';
import { lookupNode, nodeRef, type Csr } from '../../project/csr.ts';
import { collectTopK } from '../../project/csr-top-k.ts';
import { loadProjection } from '../../project/load.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';
import { resolveNodeId } from '../../project/resolve-id.ts';

export const PPR_METHODS = ['exact', 'push', 'walk'] as const;
export type PprMethod = (typeof PPR_METHODS)[number];

/** Raw flag values, as `parseArgs` gives them. */
export interface PprFlags {
  seeds?: string;
  user?: string;
  k?: string;
  method?: string;
  kind?: string;
  'include-seen'?: boolean;
  damping?: string;
  'relation-weights'?: string;
  threshold?: string;
  walks?: string;
  format?: string;
}

export interface PprCommandResult {
  method: PprMethod;
  seeds: Array<NodeRef & { weight: number }>;
  results: Array<{ rank: number; kind: NodeKind; id: string; score: number }>;
  /** Milliseconds of the PPR computation itself (projection loading excluded). */
  ms: number;
  /** Iterations (exact), edge visits (push) or walk steps (walk). */
  work: number;
}

const FLAG_SPEC = {
  seeds: { type: 'string' },
  user: { type: 'string' },
  k: { type: 'string' },
  method: { type: 'string' },
  kind: { type: 'string' },
  'include-seen': { type: 'boolean' },
  damping: { type: 'string' },
  'relation-weights': { type: 'string' },
  threshold: { type: 'string' },
  walks: { type: 'string' },
  format: { type: 'string' },
} as const;

function parseKind(raw: string): NodeKind {
  const kind = NODE_KINDS.find((k) => k.toLowerCase() === raw.trim().toLowerCase());
  if (!kind) throw new AppError('BAD_REQUEST', `ppr: unknown node kind ${JSON.stringify(raw)} (user, item or entity)`);
  return kind;
}

/** `item:ml100k:i:1,entity:dbpedia:Ridley_Scott` → node refs (the kind is the text before the first colon). */
export function parseSeedList(raw: string): NodeRef[] {
  const refs = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.indexOf(':');
      if (colon <= 0 || colon === part.length - 1) throw new AppError('BAD_REQUEST', `ppr: seed ${JSON.stringify(part)} must look like kind:id`);
      return { kind: parseKind(part.slice(0, colon)), id: part.slice(colon + 1) };
    });
  if (refs.length === 0) throw new AppError('BAD_REQUEST', 'ppr: --seeds names no node');
  return refs;
}

/** `INTERACTED=1,subject=0.25` → a relation-weight map. */
export function parseRelationWeights(raw: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!raw) return out;
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const value = Number(part.slice(eq + 1));
    if (eq <= 0 || part.slice(eq + 1).trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new AppError('BAD_REQUEST', `ppr: --relation-weights entry ${JSON.stringify(part)} must be name=weight with weight ≥ 0`);
    }
    out[part.slice(0, eq)] = value;
  }
  return out;
}

/** The command's logic on a given projection. */
export function pprCommand(csr: Csr, flags: PprFlags): PprCommandResult {
  if (!!flags.seeds === !!flags.user) throw new AppError('BAD_REQUEST', 'ppr: give either --user or --seeds (see --help)');
  const k = numberFlag('k', flags.k, 20, { integer: true, min: 1, max: 10_000 });
  const method = (flags.method ?? 'push') as PprMethod;
  if (!PPR_METHODS.includes(method)) throw new AppError('BAD_REQUEST', `ppr: --method must be ${PPR_METHODS.join(', ')} (got ${JSON.stringify(flags.method)})`);
  const kind: NodeKind | undefined = flags.kind === undefined ? 'Item' : flags.kind.trim().toLowerCase() === 'any' ? undefined : parseKind(flags.kind);
  const damping = numberFlag('damping', flags.damping, 0.85, { min: 0, max: 0.999999 });
  const transition = buildTransition(csr, { relationWeights: parseRelationWeights(flags['relation-weights']) });

  let seeds;
  const exclude = new Set<number>();
  if (flags.user) {
    const u = lookupNode(csr, { kind: 'User', id: resolveNodeId(csr, 'User', flags.user) });
    if (u < 0) throw new AppError('NOT_FOUND', `ppr: unknown user ${JSON.stringify(flags.user)}`);
    seeds = seedsFromCsrHistory(csr, u);
    for (const i of seenItems(csr, u)) exclude.add(i);
    exclude.add(u);
  } else {
    seeds = seedsFromNodes(csr, parseSeedList(flags.seeds!));
    for (const s of seeds.nodes) exclude.add(s);
  }
  if (flags['include-seen']) exclude.clear();

  const t0 = performance.now();
  let scores: Float64Array | { nodes: Uint32Array; values: Float64Array };
  let work: number;
  if (method === 'exact') {
    const run = exactPprRun(transition, seeds, { damping });
    scores = run.scores;
    work = run.iterations;
  } else if (method === 'push') {
    const threshold = numberFlag('threshold', flags.threshold, 3e-6, { min: 1e-12, max: 0.5 });
    const run = createPushSolver(transition, { damping, threshold }).query(seeds);
    scores = run.scores;
    work = run.work;
  } else {
    const walks = numberFlag('walks', flags.walks, 20_000, { integer: true, min: 1, max: 100_000_000 });
    const run = createWalkSolver(transition, { damping, walks }).query(seeds);
    scores = run;
    work = run.steps;
  }
  const top = collectTopK(csr, scores, k, { ...(kind ? { kinds: [kind] } : {}), exclude });
  const ms = performance.now() - t0;
  return {
    method,
    seeds: Array.from(seeds.nodes, (node, j) => ({ ...nodeRef(csr, node), weight: seeds.weights[j]! })),
    results: top.map((s, r) => ({ rank: r + 1, ...nodeRef(csr, s.index), score: s.score })),
    ms: Number(ms.toFixed(3)),
    work,
  };
}

export const pprCliCommand: Command = {
  name: 'ppr',
  summary: 'Personalized PageRank from a user or from seed nodes: top-k items (or other kinds)',
  help: `usage: graphrec ppr (--user ID | --seeds KIND:ID,…) [options]

Seeds: --user ID seeds the walk with the user's rated items (rating above 2 stars, weighted rating − 2; see
compute/ppr/seeds.ts) and leaves their seen items out; --seeds item:ID,entity:ID,… (kinds user, item, entity)
seeds given nodes uniformly (cold start) and leaves them out.

Options:
  --k N                    results [20]
  --method M               push (request-time approximation, default), exact (power iteration) or walk (Monte Carlo)
  --kind K                 item (default), user, entity, or any
  --include-seen           keep seen items / seed nodes in the results
  --damping D              probability of following an edge [0.85]
  --relation-weights R     per-relation multipliers, e.g. INTERACTED=1,subject=0.25 (unnamed relations: 1)
  --threshold E            push residual threshold [3e-6]
  --walks N                walks for --method walk [20000]
  --format F               json (default) or csv (rows rank,kind,id,score)`,
  async run(argv) {
    const { values } = parseFlags(argv, FLAG_SPEC);
    const format = parseFormat(values.format);
    const { csr, close } = await loadProjection();
    try {
      const result = pprCommand(csr, values);
      printResult(format, result, result.results, ['rank', 'kind', 'id', 'score']);
    } finally {
      await close();
    }
  },
};
