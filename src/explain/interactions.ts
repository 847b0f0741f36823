/**
 * @module explain/interactions
 * The one place that says how a person's own interaction is put into words, shared by the template (explain/text)
 * and the claim verifier (explain/verify/lexicon):
 *
 * - `OWN_VERBS` (one table; read through `OWN_VERB_KINDS`, `OWN_VERB_PHRASES`, `OWN_VERB_PARTICIPLES`): the
 *   interaction kinds (as ingested: rating, listen, purchase, click, checkin, …, matched on their start) each own-verb
 *   may describe — `rated` needs an explicit rating, `liked` a rating ≥ 4 or a like kind, `chose` ("you interacted
 *   with") fits any interaction —, the phrase the template writes ("you listened to *X*", "you rated *X* 5★"; the
 *   verifier's lexicon reads every one of them as that verb, plus its synonyms) and the co-rating participle;
 * - `ownVerbOf(kind, rating)`: the verb the template uses for one interaction — "rated" with stars only for an
 *   explicit rating, else the verb of its kind, else the generic "interacted with";
 * - `edgeRating(edge)`: the explicit rating of an interaction edge, when it has one.
 *
 * @example
 * ownPhrase({ kind: 'listen', weight: 120 }); // 'listened to'
 * ownPhrase({ kind: 'rating', weight: 5, rating: 5 }); // 'rated'
 */
import type { EvidenceEdge } from './evidence.ts';

export type OwnVerb = 'rated' | 'liked' | 'watched' | 'listened' | 'bought' | 'clicked' | 'visited' | 'read' | 'chose';

/**
 * One row per verb: the interaction kinds it may describe (`rated` also needs an explicit rating), what the template
 * writes after "you" (the rating, when explicit, follows the item: "rated *X* 5★"), and its participle in "*X* is
 * often … by the same people as *Y*" (co-rating).
 */
const OWN_VERBS: Readonly<Record<OwnVerb, { kinds: RegExp; phrase: string; participle: string }>> = {
  rated: { kinds: /^rat/, phrase: 'rated', participle: 'rated' },
  liked: { kinds: /^(like|fav|love)/, phrase: 'liked', participle: 'liked' },
  watched: { kinds: /^(watch|view|rat)/, phrase: 'watched', participle: 'watched' },
  listened: { kinds: /^(listen|play|scrobbl)/, phrase: 'listened to', participle: 'listened to' },
  bought: { kinds: /^(buy|bought|purchas|order)/, phrase: 'bought', participle: 'bought' },
  clicked: { kinds: /^(click|view)/, phrase: 'clicked', participle: 'clicked' },
  visited: { kinds: /^(check.?in|visit)/, phrase: 'visited', participle: 'visited' },
  read: { kinds: /^read/, phrase: 'read', participle: 'read' },
  chose: { kinds: /./, phrase: 'interacted with', participle: 'chosen' },
};

function column<K extends 'kinds' | 'phrase' | 'participle'>(key: K): Readonly<Record<OwnVerb, (typeof OWN_VERBS)[OwnVerb][K]>> {
  return Object.fromEntries(Object.entries(OWN_VERBS).map(([verb, row]) => [verb, row[key]])) as Record<OwnVerb, (typeof OWN_VERBS)[OwnVerb][K]>;
}

/** Interaction kinds each own-verb may describe. */
export const OWN_VERB_KINDS = column('kinds');
/** What the template writes after "you" for each verb. */
export const OWN_VERB_PHRASES = column('phrase');
/** The participle of each verb (co-rating sentences). */
export const OWN_VERB_PARTICIPLES = column('participle');

/** The verb the template uses, in this order of preference: the first whose kinds match (`rated` only with a rating). */
const TEMPLATE_ORDER: readonly OwnVerb[] = ['listened', 'bought', 'clicked', 'visited', 'read', 'liked', 'watched'];

/** The explicit rating of an interaction edge: `rating`, or the weight of an edge without a kind (or of kind `rating`). */
export function edgeRating(edge: Pick<EvidenceEdge, 'kind' | 'rating' | 'weight'>): number | undefined {
  if (edge.rating !== undefined) return edge.rating;
  return edge.kind === undefined || edge.kind === 'rating' ? edge.weight : undefined;
}

/** The verb for one interaction of `kind` (undefined: a rating) with its explicit rating, if any. */
export function ownVerbOf(kind: string | undefined, rating: number | undefined): OwnVerb {
  if (rating !== undefined) return 'rated';
  const k = (kind ?? '').toLowerCase();
  return TEMPLATE_ORDER.find((v) => OWN_VERB_KINDS[v].test(k)) ?? 'chose';
}

/** The phrase for one interaction edge: "rated" (explicit rating), "listened to", "bought", …, "interacted with". */
export function ownPhrase(edge: Pick<EvidenceEdge, 'kind' | 'rating' | 'weight'>): string {
  return OWN_VERB_PHRASES[ownVerbOf(edge.kind, edgeRating(edge))];
}

/** "5★" / "4.5★": an explicit rating as the template and the verifier write it. */
export function starsText(rating: number): string {
  return `${Number.isInteger(rating) ? rating : +rating.toFixed(1)}★`;
}
