/**
 * @module explain/finetune/pairs
 * Training pairs for the fine-tuned explainer: (prompt, target). For each (user, recommended item) of a source graph
 * — the user's top PPR recommendations, evidence built by `buildEvidence` and rendered to facts by `evidenceToText`
 * exactly as serving does — the prompt is the explainer prompt (`explain-finetuned.v1`, ChatML text), and the target is
 * one or two sentences drawn from many candidate wordings of the evidence's typed facts (explain/verify/triples):
 * shared entities with the person's rated items, the item's own links, co-rating and peer facts, merged with varied
 * connectives and orders. Only candidates that `verifyExplanation` serves are kept, so every target is a text the gate
 * would serve. Users are split by a hash of their key: validation users never appear in training.
 */
import { createHash } from 'node:crypto';
import { createRng, type Rng } from '../../compute/rng.ts';
import { buildEvidence, type Evidence } from '../evidence.ts';
import { buildNameIndex, type NameIndex } from '../grounding.ts';
import { chatmlText } from '../llm/chatml.ts';
import { explainerChatPrompt } from './prompt.ts';
import type { RelationKind } from '../text.ts';
import { evidenceFacts, type EvidenceFacts } from '../verify/triples.ts';
import { verifyExplanation } from '../verify/verify.ts';
import { createRecommendContext } from '../../retrieve/context.ts';
import { recommend } from '../../retrieve/recommend.ts';
import type { SourceGraph } from './graphs.ts';

export interface TrainingPair {
  source: string;
  user: string;
  item: string;
  split: 'train' | 'validation';
  /** The full prompt text (ChatML) the model sees, serving and training alike. */
  prompt: string;
  /** A verified explanation (empty for validation pairs whose evidence yields no candidate). */
  target: string;
  /** Verified wordings found (up to the number asked for). */
  alternatives: number;
}

export const PAIR_DEFAULTS = {
  seed: 17,
  /** Recommendations explained per user. */
  perUser: 3,
  /** Share of users held out for validation (by hash of the user key). */
  validationShare: 0.1,
  /** Users taken per graph at most (all when larger than the graph). */
  maxUsers: 1000,
};

/** The explainer's prompt text (ChatML) for one evidence, and the facts it shows. */
export function explainerPrompt(evidence: Evidence): { prompt: string; facts: string[] } {
  const { prompt, facts } = explainerChatPrompt(evidence);
  return { prompt: chatmlText(prompt), facts };
}

/** Whether `user` is a validation user (stable across runs and graphs). */
export function isValidationUser(user: string, share = PAIR_DEFAULTS.validationShare): boolean {
  const h = createHash('sha256').update(user).digest().readUInt32BE(0);
  return h / 2 ** 32 < share;
}

const ITEM_FIRST: Partial<Record<RelationKind, string[]>> = {
  director: ['was directed by', 'is directed by'],
  starring: ['stars', 'features'],
  writer: ['was written by'],
  producer: ['was produced by'],
  distributor: ['was distributed by'],
  cinematography: ['was shot by'],
  subject: ['is listed under', 'is in the category'],
  genre: ['belongs to the genre'],
  tag: ['is tagged'],
  studio: ['was made by'],
};
const SHARED: Partial<Record<RelationKind, string[]>> = {
  director: ['were both directed by'],
  starring: ['both star', 'both feature'],
  writer: ['were both written by'],
  producer: ['were both produced by'],
  distributor: ['were both distributed by'],
  cinematography: ['were both shot by'],
  subject: ['are both listed under'],
  genre: ['both belong to the genre'],
  tag: ['are both tagged'],
  studio: ['were both made by'],
};
const ALSO: Partial<Record<RelationKind, string[]>> = {
  director: ['was also directed by'],
  starring: ['also stars', 'also features'],
  writer: ['was also written by'],
  producer: ['was also produced by'],
  distributor: ['was also distributed by'],
  cinematography: ['was also shot by'],
  subject: ['is also listed under'],
  genre: ['also belongs to the genre'],
  tag: ['is also tagged'],
  studio: ['was also made by'],
};
const ENTITY_FIRST: Partial<Record<RelationKind, string[]>> = {
  director: ['directed'],
  starring: ['stars in', 'appears in'],
  writer: ['wrote'],
  producer: ['produced'],
  cinematography: ['shot'],
};

interface Shared {
  other: string;
  entity: string;
  kind: RelationKind;
  rating?: number;
}

/** Candidate explanations of one evidence (unverified), several wordings and merges. */
export function candidateTexts(evidence: Evidence, facts: EvidenceFacts, shown: readonly string[], rng: Rng): string[] {
  const label = new Map<string, string>();
  for (const n of [evidence.item, ...evidence.subgraph.nodes, ...evidence.similarItems, ...evidence.paths.flatMap((p) => p.nodes)]) label.set(n.key, n.label);
  const L = (key: string): string => label.get(key) ?? key;
  const I = (key: string): string => `*${L(key)}*`;
  const pick = <T>(list: readonly T[]): T => list[rng.int(list.length)]!;
  const R = I(facts.item);
  const stars = (r: number | undefined): string => (r === undefined ? '' : ` ${Number.isInteger(r) ? r : +r.toFixed(1)}★`);
  const ownVerb = (key: string): string => {
    const own = facts.own.get(key)!;
    return facts.rated && own.rating !== undefined ? `rated ${I(key)}${stars(own.rating)}` : `chose ${I(key)}`;
  };
  // Only what the prompt shows: a fact sentence must name both ends (the facts are capped, the evidence is not).
  const said = (...parts: string[]): boolean => shown.some((f) => parts.every((p) => f.includes(p)));
  const itemLinks = facts.links.filter((l) => l.subject === facts.item && ITEM_FIRST[l.kind] && said(R, L(l.object)));
  const shared: Shared[] = [];
  for (const l of facts.links) {
    if (l.subject === facts.item || !facts.own.has(l.subject) || L(l.subject) === L(facts.item)) continue;
    if (!itemLinks.some((m) => m.kind === l.kind && m.object === l.object) || !said(I(l.subject), L(l.object)) || !shown.some((f) => f.startsWith('You ') && f.includes(I(l.subject)))) continue;
    shared.push({ other: l.subject, entity: l.object, kind: l.kind, ...(facts.own.get(l.subject)!.rating !== undefined ? { rating: facts.own.get(l.subject)!.rating } : {}) });
  }
  const cooccurFact = shown.find((f) => f.includes('by the same people as'));
  const cooccur = [...facts.cooccur].filter((k) => L(k) !== L(facts.item) && cooccurFact?.includes(I(k)));

  // Main statements (strongest first): a shared entity with an item the person knows, else one of the item's links.
  const mains: string[] = [];
  for (const s of shared.slice(0, 3)) {
    const A = I(s.other);
    const E = L(s.entity);
    const did = ownVerb(s.other);
    const forms = [
      `${R} ${pick(ITEM_FIRST[s.kind]!)} ${E}, like ${A}, which you ${did.replace(/^(rated|chose) \*.*?\*/, '$1')}`,
      `You ${did}, and ${R} ${pick(ALSO[s.kind]!)} ${E}`,
      `${A} and ${R} ${pick(SHARED[s.kind]!)} ${E}, and you ${did}`,
      `${R} and ${A} ${pick(SHARED[s.kind]!)} ${E}; you ${did}`,
      `Since you ${did}, you might enjoy ${R}, which ${pick(ALSO[s.kind]!)} ${E}`,
      `You might like ${R} because it ${pick(ITEM_FIRST[s.kind]!)} ${E}, as does ${A}, which you ${did.replace(/^(rated|chose) \*.*?\*/, '$1')}`,
      `Like ${A}, which you ${did.replace(/^(rated|chose) \*.*?\*/, '$1')}, ${R} ${pick(ITEM_FIRST[s.kind]!)} ${E}`,
    ];
    if (ENTITY_FIRST[s.kind]) forms.push(`${E} ${pick(ENTITY_FIRST[s.kind]!)} both ${A} and ${R}, and you ${did}`);
    mains.push(...forms);
  }
  // Two shared entities merged in one sentence.
  if (shared.length >= 2) {
    const [a, b] = [shared[0]!, shared[1]!];
    if (a.other === b.other && a.kind === b.kind) {
      mains.push(`${R} ${pick(ITEM_FIRST[a.kind]!)} ${L(a.entity)} and ${L(b.entity)}, like ${I(a.other)}, which you ${ownVerb(a.other).replace(/^(rated|chose) \*.*?\*/, '$1')}`);
    }
    mains.push(`${R} ${pick(ITEM_FIRST[a.kind]!)} ${L(a.entity)}, like ${I(a.other)}, and ${pick(ITEM_FIRST[b.kind]!)} ${L(b.entity)}, like ${I(b.other)}`);
  }
  if (shared.length === 0) {
    for (const l of itemLinks.slice(0, 2)) {
      mains.push(`${R} ${pick(ITEM_FIRST[l.kind]!)} ${L(l.object)}`, `You might enjoy ${R}, which ${pick(ITEM_FIRST[l.kind]!)} ${L(l.object)}`);
    }
  }
  // Second statements: co-rating and peers.
  const seconds: string[] = [];
  if (cooccur.length > 0) {
    const names = cooccur.slice(0, 2).map(I);
    const list = names.length === 2 ? `${names[0]} and ${names[1]}` : names[0]!;
    const how = facts.rated ? 'rated' : 'chosen';
    seconds.push(`${R} is often ${how} by the same people as ${list}, which you ${facts.rated ? 'rated' : 'chose'}`, `it is often ${how} by the same people as ${list}`);
  }
  if (facts.peers.count > 0 && said('whose ratings overlap') !== said('with a history like yours')) {
    const who = facts.peers.count === 1 ? 'A user' : `${facts.peers.count} users`;
    if (facts.rated && facts.peers.minRating !== undefined) seconds.push(`${who} whose ratings overlap with yours rated ${R} 4★ or higher`);
    else seconds.push(`${who} with a history like yours also chose ${R}`);
  }
  const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
  const out: string[] = [];
  for (const m of mains) {
    out.push(`${cap(m)}.`);
    const s = seconds.length > 0 ? pick(seconds) : undefined;
    if (s) {
      out.push(`${cap(m)}. ${cap(s)}.`);
      if (!s.startsWith('it ') && !m.includes(', and ')) out.push(`${cap(m)}, and ${s.replace(/^A user/, 'a user')}.`);
    }
  }
  if (mains.length === 0) for (const s of seconds) if (!s.startsWith('it ')) out.push(`${cap(s)}.`, `You might enjoy ${R}: ${s.replace(/^A user/, 'a user')}.`);
  return [...new Set(out)];
}

/** Up to `want` verified candidates of one evidence, in random order. */
export function verifiedTargets(evidence: Evidence, names: NameIndex, rng: Rng, want = 4): string[] {
  const facts = evidenceFacts(evidence);
  const candidates = candidateTexts(evidence, facts, explainerPrompt(evidence).facts, rng);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
  }
  const out: string[] = [];
  for (const t of candidates) {
    if (out.length >= want) break;
    if (verifyExplanation(t, evidence, names).ok) out.push(t);
  }
  return out;
}

export interface PairStats {
  source: string;
  users: number;
  pairs: number;
  train: number;
  validation: number;
  /** Pairs whose evidence gave no verified candidate (left out of training). */
  noTarget: number;
}

/** Pairs of one source graph. */
export function generatePairs(graph: SourceGraph, options: Partial<typeof PAIR_DEFAULTS> = {}): { pairs: TrainingPair[]; stats: PairStats; names: NameIndex; evidence: Map<TrainingPair, Evidence> } {
  const o = { ...PAIR_DEFAULTS, ...options };
  const labels = graph.labels;
  const ctx = createRecommendContext(graph.csr, { labels: (key) => labels.get(key), names: labels });
  const names = buildNameIndex([...labels].map(([key, name]) => ({ key, name })));
  const rng = createRng(o.seed);
  const users = [...graph.csr.ids].filter((k) => k.startsWith('User:'));
  const taken = users.length <= o.maxUsers ? users : users.filter((_, i) => i % Math.ceil(users.length / o.maxUsers) === 0);
  const pairs: TrainingPair[] = [];
  const evidenceOf = new Map<TrainingPair, Evidence>();
  const stats: PairStats = { source: graph.name, users: taken.length, pairs: 0, train: 0, validation: 0, noTarget: 0 };
  for (const user of taken) {
    const split = isValidationUser(user, o.validationShare) ? 'validation' : 'train';
    for (const rec of recommend(ctx, { user, k: o.perUser, strategy: 'ppr' }).items) {
      const evidence = buildEvidence(ctx, { user, item: rec.id });
      const targets = verifiedTargets(evidence, names, rng);
      if (targets.length === 0) {
        stats.noTarget++;
        if (split === 'train') continue;
      }
      const { prompt } = explainerPrompt(evidence);
      const target = targets.length > 0 ? targets[rng.int(targets.length)]! : '';
      const pair: TrainingPair = { source: graph.name, user, item: rec.id, split, prompt, target, alternatives: targets.length };
      pairs.push(pair);
      if (split === 'validation') evidenceOf.set(pair, evidence);
      stats.pairs++;
      stats[split]++;
    }
  }
  return { pairs, stats, names, evidence: evidenceOf };
}
