/**
 * @module explain/claims
 * Claim-level check of an explanation: naming only evidence nodes (explain/grounding) is not enough when the text
 * puts them in a false relation to the person. Small models like to write "You rated *Blade Runner* 5★" about the very
 * item being recommended. This check finds the clauses in which the text says the person already did something with
 * an item ("you rated / watched / liked / enjoyed / picked …") and requires every item named in such a clause to be
 * one the evidence shows the person knows: an item the user interacted with (an INTERACTED edge from the user in the
 * evidence, or one of the similar items, which are drawn from the user's own items) or a cold-start seed. Entities
 * ("you like films by Ridley Scott") are not checked here; grounding already limits them to the evidence.
 *
 * @example
 * checkClaims('You rated Blade Runner 5 stars.', evidence, names); // { ok: false, reason: 'claims you know …' }
 */
import { INTERACTION_RELATION } from '../project/csr.ts';
import type { Evidence } from './evidence.ts';
import { buildNameIndex, mentionedNames, type NameIndex } from './grounding.ts';

/** "you (have) (already|also|…) <verb>": the person's own past action. */
const CLAIM = /\byou(?:\s+(?:have|had|'ve|already|also|recently|previously|once|really|both|did|all))*\s+(?:rated|watched|liked|loved|enjoyed|saw|seen|gave|viewed|picked|chose|reviewed|rewatched|listened|played|bought|visited|rate|watch|like|love|enjoy|see|pick|choose|review|listen|play|buy|visit)\b/giu;
/** Where the object of such a verb ends: punctuation, or a clause that turns to the recommendation. */
const CLAUSE_END = /[,;:.!?–—]|\b(?:so|which|because|but|then|therefore|hence|whereas|while|and\s+(?:you|so|therefore|this|that|it)|you(?:'ll|\s+will|\s+would|\s+might|\s+may|\s+should|\s+could)|try|consider|check)\b/iu;

export interface ClaimResult {
  ok: boolean;
  /** Item keys the text says the person knows but the evidence does not show. */
  unsupported: string[];
  reason?: string;
}

/** Items the evidence shows the person knows (their interactions in the evidence, the similar items, the seeds). */
export function knownItems(evidence: Evidence): Set<string> {
  const known = new Set<string>();
  const userKey = evidence.user?.key;
  if (userKey !== undefined) {
    for (const edge of [...evidence.subgraph.edges, ...evidence.paths.flatMap((p) => p.edges)]) {
      if (edge.from === userKey && edge.relation === INTERACTION_RELATION) known.add(edge.to);
    }
  }
  for (const s of evidence.similarItems) known.add(s.key);
  for (const s of evidence.seeds) known.add(s.key);
  known.delete(evidence.item.key);
  return known;
}

/**
 * The clauses of `text` that state the person's own past actions, each as the span after the verb up to the end of
 * its clause.
 */
export function claimSpans(text: string): string[] {
  const spans: string[] = [];
  for (const m of text.matchAll(CLAIM)) {
    const rest = text.slice(m.index + m[0].length);
    const end = CLAUSE_END.exec(rest);
    spans.push(end ? rest.slice(0, end.index) : rest);
  }
  return spans;
}

/** `names` indexes the whole catalogue, so an item outside the evidence is caught too. */
export function checkClaims(text: string, evidence: Evidence, names: NameIndex): ClaimResult {
  const spans = claimSpans(text);
  if (spans.length === 0) return { ok: true, unsupported: [] };
  const known = knownItems(evidence);
  const evidenceIndex = buildNameIndex(
    [evidence.item, ...evidence.subgraph.nodes, ...evidence.paths.flatMap((p) => p.nodes), ...evidence.similarItems, ...evidence.seeds]
      .filter((n) => n.kind === 'Item')
      .map((n) => ({ key: n.key, name: n.label })),
  );
  const unsupported = new Set<string>();
  for (const span of spans) {
    for (const [name, keys] of mentionedNames([names, evidenceIndex], span)) {
      const inEvidence = evidenceIndex.byName.get(name);
      // A name shared with other catalogue nodes resolves to the evidence node, as in grounding.
      const candidates = inEvidence ?? keys;
      const items = [...candidates].filter((k) => k.startsWith('Item:'));
      if (items.length > 0 && !items.some((k) => known.has(k))) for (const k of items) unsupported.add(k);
    }
  }
  if (unsupported.size === 0) return { ok: true, unsupported: [] };
  const first = [...unsupported][0]!;
  const label = first === evidence.item.key ? 'the recommended item' : first;
  return { ok: false, unsupported: [...unsupported], reason: `claims you already know ${label}, which the evidence does not show` };
}
