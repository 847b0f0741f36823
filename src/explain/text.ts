/**
 * @module explain/text
 * Deterministic graph-to-text: the evidence of one recommendation as sentences that read on their own and that the
 * claim verifier (explain/verify) verifies. Items are set in *italics* (Markdown, prose form: "*The Godfather: Part II
 * (1974)*"), entities by name, users never by name ("you", "another user"). The person's own interactions are said
 * with the verb of their kind (explain/interactions): "you rated *X* 5★" only for explicit ratings, "you listened to",
 * "you bought", "you clicked", else "you interacted with".
 *
 * Two styles:
 * - `short` (served): one or two sentences, ≤ `maxWords` words, strongest reason first. The best path's shared
 *   entities are grouped — "*The Godfather: Part II (1974)* stars Robert De Niro and Robert Duvall, as do *GoodFellas
 *   (1990)* and *Sling Blade (1996)*, which you rated 5★." — then, when it fits, one more reason: the items the person
 *   knows that share the item's audience, or the users with a history like theirs who liked it.
 * - `full`: every fact, one sentence each (the explorer's "facts" list; `facts` always holds them).
 *
 * Facts, read from each path's source, consuming the longest pattern that matches at each step:
 * - item —r₁→ entity ←r₂— item (two knowledge edges): "*Alien* and *Blade Runner* were both directed by Ridley
 *   Scott." — one template per relation kind when r₁ and r₂ agree, two clauses when they differ;
 * - item ← another user → item (two interactions): "Another user who rated *Alien* 5★ also rated *Aliens* 4★.";
 * - any single edge: the user's own interaction ("You rated *Alien* 5★."), another user's, or one knowledge edge
 *   ("*Alien* was directed by Ridley Scott.", generic: "*Alien* has narrator John Hurt.").
 * Cold-start paths start with "You picked …". Then node-level facts: the similar items the user knows and the number
 * of similar users who liked the item. Facts are de-duplicated in order and capped at `maxFacts`.
 *
 * Relation kinds are recognised from the relation name (last segment of dotted/slashed names, case-insensitive):
 * director, starring, writer, producer, distributor, cinematography, subject (categories), genre, tag, studio, and a
 * generic fallback that uses the humanised name ("based_on" → "based on").
 *
 * @example
 * evidenceToText(evidence).text;
 * // "*Blade Runner* was directed by Ridley Scott, as was *Alien*, which you rated 5★."
 * evidenceToText(evidence, { style: 'full' }).text;
 * // "You rated *Alien* 5★. *Alien* and *Blade Runner* were both directed by Ridley Scott."
 */
import { INTERACTION_RELATION } from '../project/csr.ts';
import type { Evidence, EvidenceEdge, EvidenceNode, EvidencePath } from './evidence.ts';
import { proseTitle } from './grounding.ts';
import { edgeRating, OWN_VERB_PARTICIPLES, OWN_VERB_PHRASES, ownVerbOf, starsText, type OwnVerb } from './interactions.ts';

export type TextStyle = 'short' | 'full';
export const TEXT_STYLES: readonly TextStyle[] = ['short', 'full'];

export interface TextOptions {
  /** `short`: one or two sentences (served); `full`: every fact. ['short'] */
  style: TextStyle;
  /** Interaction edges without a kind are explicit ratings (shown as ★). [true] */
  rated: boolean;
  /** The rating from which a user "liked" an item (used in the similar-users fact). [4] */
  likeAt: number;
  /** Most facts returned. [6] */
  maxFacts: number;
  /** Similar items named in the similar-items fact. [2] */
  similarItemsNamed: number;
  /** Longest `short` text, words (a second sentence is added only when it fits; lists shrink first). [45] */
  maxWords: number;
  /** Entities and items named in one grouped `short` sentence, at most. [3] */
  groupSize: number;
}

export const TEXT_DEFAULTS: TextOptions = { style: 'short', rated: true, likeAt: 4, maxFacts: 6, similarItemsNamed: 2, maxWords: 45, groupSize: 3 };

export interface ExplanationText {
  /** The served text: the `short` sentences, or every fact (`full`). */
  text: string;
  style: TextStyle;
  /** Every fact, one sentence each (whatever the style). */
  facts: string[];
  /** Items and entities named in the text, in order of first appearance. */
  mentioned: EvidenceNode[];
  /** Their labels. */
  names: string[];
}

/** Words of a text as a reader counts them (a rating like "5★" is one word). */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

export type RelationKind =
  | 'interaction'
  | 'director'
  | 'starring'
  | 'writer'
  | 'producer'
  | 'distributor'
  | 'cinematography'
  | 'subject'
  | 'genre'
  | 'tag'
  | 'studio'
  | 'generic';

const KIND_PATTERNS: ReadonlyArray<[RegExp, RelationKind]> = [
  [/cinematograph|photograph/, 'cinematography'],
  [/direct/, 'director'],
  [/star|actor|actress|cast|perform/, 'starring'],
  [/writ|screenplay|author/, 'writer'],
  [/produc/, 'producer'],
  [/distribut/, 'distributor'],
  [/subject|categor/, 'subject'],
  [/genre/, 'genre'],
  [/tag|keyword/, 'tag'],
  [/studio|compan/, 'studio'],
];

function lastSegment(name: string): string {
  const parts = name.split(/[./#]/).filter((p) => p !== '');
  return parts.length > 0 ? parts[parts.length - 1]! : name;
}

/** The template family of a relation name. */
export function relationKind(name: string): RelationKind {
  if (name === INTERACTION_RELATION) return 'interaction';
  const seg = lastSegment(name).toLowerCase();
  for (const [re, kind] of KIND_PATTERNS) if (re.test(seg)) return kind;
  return 'generic';
}

/** "based_on" / "basedOn" / "film.film.based_on" → "based on". */
export function humanizeRelation(name: string): string {
  return lastSegment(name)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** One item–entity clause: "*Alien* was directed by Ridley Scott". */
function itemClause(kind: RelationKind, item: string, entity: string, relation: string): string {
  switch (kind) {
    case 'director': return `${item} was directed by ${entity}`;
    case 'starring': return `${item} stars ${entity}`;
    case 'writer': return `${item} was written by ${entity}`;
    case 'producer': return `${item} was produced by ${entity}`;
    case 'distributor': return `${item} was distributed by ${entity}`;
    case 'cinematography': return `${item} was shot by cinematographer ${entity}`;
    case 'subject': return `${item} is listed under ${entity}`;
    case 'genre': return `${item} belongs to the genre ${entity}`;
    case 'tag': return `${item} is tagged “${entity}”`;
    case 'studio': return `${item} was made by ${entity}`;
    default: return `${item} has ${humanizeRelation(relation)} ${entity}`;
  }
}

/** Two items sharing an entity through the same relation kind. */
function sharedClause(kind: RelationKind, a: string, b: string, entity: string, relation: string): string {
  const both = `${a} and ${b}`;
  switch (kind) {
    case 'director': return `${both} were both directed by ${entity}`;
    case 'starring': return `${both} both star ${entity}`;
    case 'writer': return `${both} were both written by ${entity}`;
    case 'producer': return `${both} were both produced by ${entity}`;
    case 'distributor': return `${both} were both distributed by ${entity}`;
    case 'cinematography': return `${both} were both shot by cinematographer ${entity}`;
    case 'subject': return `${both} are both listed under ${entity}`;
    case 'genre': return `${both} both belong to the genre ${entity}`;
    case 'tag': return `${both} are both tagged “${entity}”`;
    case 'studio': return `${both} were both made by ${entity}`;
    default: return `${both} both have ${humanizeRelation(relation)} ${entity}`;
  }
}

function capitalize(s: string): string {
  return s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function listNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** How a shared entity is said in a grouped `short` sentence: item-first phrase, and "as does"/"as do" (one / several others). */
function groupPhrase(kind: RelationKind, relation: string): { phrase: string; one: string; many: string } {
  const was = { one: 'as was', many: 'as were' };
  const does = { one: 'as does', many: 'as do' };
  const is = { one: 'as is', many: 'as are' };
  switch (kind) {
    case 'director': return { phrase: 'was directed by', ...was };
    case 'starring': return { phrase: 'stars', ...does };
    case 'writer': return { phrase: 'was written by', ...was };
    case 'producer': return { phrase: 'was produced by', ...was };
    case 'distributor': return { phrase: 'was distributed by', ...was };
    case 'cinematography': return { phrase: 'was shot by cinematographer', ...was };
    case 'subject': return { phrase: 'is listed under', ...is };
    case 'genre': return { phrase: 'belongs to the genre', ...does };
    case 'studio': return { phrase: 'was made by', ...was };
    default: return { phrase: `has ${humanizeRelation(relation)}`, ...does };
  }
}

/** One item–entity–item step of a path whose two knowledge edges have the same kind. */
interface SharedStep {
  kind: RelationKind;
  relation: string;
  entity: EvidenceNode;
  /** The item on the source side, and the one on the item side. */
  from: EvidenceNode;
  to: EvidenceNode;
  /** The full-style sentence that says it. */
  fact: string;
}

/** Renders the evidence as facts and text (see the module comment for the styles). */
export function evidenceToText(evidence: Evidence, options: Partial<TextOptions> = {}): ExplanationText {
  const o = { ...TEXT_DEFAULTS, ...options } satisfies TextOptions;
  const mentioned = new Map<string, EvidenceNode>();
  const rendered = (n: EvidenceNode): string => (n.kind === 'Item' ? `*${proseTitle(n.label)}*` : n.label);
  const name = (n: EvidenceNode): string => {
    if (n.kind === 'User') return 'another user';
    if (!mentioned.has(n.key)) mentioned.set(n.key, { key: n.key, kind: n.kind, label: n.label });
    return rendered(n);
  };
  // Edges without a kind are ratings unless `rated` is off (then plain interactions).
  const kindOf = (e: EvidenceEdge): EvidenceEdge => (e.kind === undefined && !o.rated ? { ...e, kind: 'interaction' } : e);
  const verbOf = (e: EvidenceEdge): OwnVerb => {
    const k = kindOf(e);
    return ownVerbOf(k.kind, edgeRating(k));
  };
  /** "rated *Alien* 5★" / "listened to *Kid A*". */
  const did = (edge: EvidenceEdge, item: EvidenceNode): string => {
    const rating = edgeRating(kindOf(edge));
    return `${OWN_VERB_PHRASES[verbOf(edge)]} ${name(item)}${rating !== undefined ? ` ${starsText(rating)}` : ''}`;
  };
  const sourceKey = evidence.user?.key;
  const item = evidence.item;
  // The person's own interaction edge per item (paths and subgraph).
  const own = new Map<string, EvidenceEdge>();
  for (const e of [...evidence.subgraph.edges, ...evidence.paths.flatMap((p) => p.edges)]) {
    if (sourceKey !== undefined && e.from === sourceKey && e.relation === INTERACTION_RELATION) own.set(e.to, e);
  }
  /** The verb the data's interactions take (the first of the person's edges; ratings when none is known). */
  const anyOwn = [...own.values()][0];
  const dataVerb: OwnVerb = anyOwn ? verbOf(anyOwn) : o.rated ? 'rated' : 'chose';
  const facts: string[] = [];
  const shared: SharedStep[] = [];

  const pathFacts = (p: EvidencePath): void => {
    const { nodes, edges } = p;
    const first = nodes[0];
    if (!first) return;
    if (first.kind !== 'User') facts.push(`You picked ${name(first)}.`);
    let i = 0;
    while (i < edges.length) {
      const e1 = edges[i]!;
      const e2 = edges[i + 1];
      const [x, mid, y] = [nodes[i]!, nodes[i + 1]!, nodes[i + 2]];
      const k1 = relationKind(e1.relation);
      if (e2 && y && x.kind === 'Item' && y.kind === 'Item') {
        const k2 = relationKind(e2.relation);
        if (mid.kind === 'Entity' && k1 !== 'interaction' && k2 !== 'interaction') {
          const same = k1 === k2 && (k1 !== 'generic' || e1.relation === e2.relation);
          const fact = same
            ? `${sharedClause(k1, name(x), name(y), name(mid), e1.relation)}.`
            : `${itemClause(k1, name(x), name(mid), e1.relation)}, and ${itemClause(k2, name(y), name(mid), e2.relation)}.`;
          if (same && k1 !== 'tag') shared.push({ kind: k1, relation: e1.relation, entity: mid, from: x, to: y, fact });
          facts.push(fact);
          i += 2;
          continue;
        }
        if (mid.kind === 'User' && mid.key !== sourceKey && k1 === 'interaction' && k2 === 'interaction') {
          facts.push(`Another user who ${did(e1, x)} also ${did(e2, y)}.`);
          i += 2;
          continue;
        }
      }
      // One edge on its own.
      const from = nodes.find((n) => n.key === e1.from) ?? x;
      const to = nodes.find((n) => n.key === e1.to) ?? mid;
      if (k1 === 'interaction') {
        const target = to.kind === 'Item' ? to : from;
        const who = from.key === sourceKey || to.key === sourceKey ? 'You' : 'Another user';
        facts.push(`${who} ${did(e1, target)}.`);
      } else if (from.kind === 'Item' && to.kind !== 'Item') facts.push(`${capitalize(itemClause(k1, name(from), name(to), e1.relation))}.`);
      else if (to.kind === 'Item' && from.kind !== 'Item') facts.push(`${capitalize(itemClause(k1, name(to), name(from), e1.relation))}.`);
      else facts.push(`${capitalize(`${name(from)} has ${humanizeRelation(e1.relation)} ${name(to)}`)}.`);
      i += 1;
    }
  };
  // Node-level facts: the items the person knows that share the item's audience; users like them who liked it.
  const known = evidence.similarItems.filter((s) => s.sharedUsers > 0);
  const cooccur = (subject: string, named: EvidenceNode[]): string => {
    const how = evidence.user ? `which you ${OWN_VERB_PHRASES[dataVerb]}` : 'which you picked';
    return `${subject} is often ${OWN_VERB_PARTICIPLES[evidence.user ? dataVerb : 'chose']} by the same people as ${listNames(named.map(name))}, ${how}.`;
  };
  const peers = evidence.user ? evidence.similarUsers.filter((s) => s.sharedItems > 0) : [];
  const peersFact = (subject: string): string => {
    const who = peers.length === 1 ? 'A user' : `${peers.length} users`;
    return dataVerb === 'rated'
      ? `${who} whose ratings overlap with yours rated ${subject} ${starsText(o.likeAt)} or higher.`
      : `${who} with a history like yours also ${OWN_VERB_PHRASES[dataVerb]} ${subject}.`;
  };
  const nodeFacts: string[] = [];
  if (known.length > 0) nodeFacts.push(cooccur(name(item), known.slice(0, o.similarItemsNamed)));
  if (peers.length > 0) nodeFacts.push(peersFact(name(item)));
  for (const p of evidence.paths) pathFacts(p);
  // Node-level facts always fit: path facts yield them room (keeping at least two path facts).
  const pathRoom = Math.max(o.maxFacts - nodeFacts.length, Math.min(2, o.maxFacts));
  facts.splice(0, facts.length, ...[...new Set(facts)].slice(0, pathRoom), ...nodeFacts);
  if (facts.length === 0) facts.push(`${name(item)} is close to your history in the graph.`);
  const unique = [...new Set(facts)].slice(0, o.maxFacts);

  const text = o.style === 'full' ? unique.join(' ') : shortText();
  // Only names that appear in the text count as mentioned.
  const kept = [...mentioned.values()]
    .map((n) => ({ n, at: text.indexOf(rendered(n)) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.n);
  return { text, style: o.style, facts: unique, mentioned: kept, names: kept.map((n) => n.label) };

  /** One or two sentences, strongest reason first, within `maxWords` (see the module comment). */
  function shortText(): string {
    // The lead: grouped shared entities, else the items that share the item's audience, else the first fact that
    // is more than the person's own interaction ("You rated *A* 4★." says nothing about the item).
    const ownOnly = (f: string): boolean => f.startsWith('You ') && !f.includes(rendered(item));
    const coLead = known.length > 0 ? cooccur(name(item), known.slice(0, o.similarItemsNamed)) : undefined;
    const grouped = groupedSentence(o.groupSize);
    let first = grouped ?? coLead ?? unique.find((f) => !ownOnly(f)) ?? unique[0]!;
    // Facts the lead already says: the shared steps it groups, or the fact it is.
    const best = shared.find((st) => st.to.key === item.key && st.from.key !== item.key);
    const covered = new Set(grouped && best ? shared.filter((st) => st.to.key === item.key && st.kind === best.kind && st.relation === best.relation).map((st) => st.fact) : [first]);
    // Cold start: a fact ending with a picked entity says so ("… directed by Ridley Scott (your pick).").
    for (const seed of evidence.seeds) if (seed.kind === 'Entity' && first.endsWith(` ${rendered(seed)}.`)) first = `${first.slice(0, -1)} (your pick).`;
    const opensWithItem = first.startsWith(rendered(item));
    const subject = opensWithItem ? 'it' : name(item);
    const second: string[] = [];
    if (known.length > 0 && first !== coLead) second.push(capitalize(cooccur(subject, known.slice(0, o.similarItemsNamed))), capitalize(cooccur(subject, known.slice(0, 1))));
    if (peers.length > 0) second.push(capitalize(peersFact(subject)));
    for (const s of unique) if (s.includes(rendered(item)) && !ownOnly(s) && s !== coLead && !covered.has(s)) second.push(s);
    for (const size of [o.groupSize, 2, 1]) {
      const lead = size === o.groupSize ? first : (groupedSentence(size) ?? first);
      if (wordCount(lead) > o.maxWords) continue;
      const extra = second.find((s) => s !== lead && !lead.includes(s) && wordCount(lead) + wordCount(s) <= o.maxWords);
      return extra ? `${lead} ${extra}` : lead;
    }
    return groupedSentence(1) ?? first;
  }

  /**
   * The best path's shared entity with the recommended item, grouped: every entity of that kind that the same items
   * share with it, and those items (the person's, with one verb and rating, first).
   */
  function groupedSentence(size: number): string | undefined {
    const toItem = shared.filter((s) => s.to.key === item.key && s.from.key !== item.key);
    const best = toItem[0];
    if (!best) return undefined;
    const ofKind = toItem.filter((s) => s.kind === best.kind && s.relation === best.relation);
    const itemsOf = (entity: string): string[] => [...new Set(ofKind.filter((s) => s.entity.key === entity).map((s) => s.from.key))];
    // The items: the best step's item, and others that share the best entity and are said the same way.
    const ownText = (key: string): string | undefined => {
      const e = own.get(key);
      if (!e) return evidence.seeds.some((s) => s.key === key) ? 'which you picked' : undefined;
      const rating = edgeRating(kindOf(e));
      return `which you ${OWN_VERB_PHRASES[verbOf(e)]}${rating !== undefined ? ` ${starsText(rating)}` : ''}`;
    };
    const how = ownText(best.from.key);
    const nodeOf = new Map(ofKind.flatMap((s) => [[s.from.key, s.from] as const, [s.entity.key, s.entity] as const]));
    const items = itemsOf(best.entity.key)
      .filter((k) => ownText(k) === how)
      .slice(0, size);
    // Entities shared by every one of those items (so "X stars A and B, as do P and Q" holds for each pair).
    const entities = [...new Set(ofKind.map((s) => s.entity.key))].filter((ent) => items.every((k) => itemsOf(ent).includes(k))).slice(0, size);
    const g = groupPhrase(best.kind, best.relation);
    const sentence =
      `${name(item)} ${g.phrase} ${listNames(entities.map((k) => name(nodeOf.get(k)!)))}, ` +
      `${items.length === 1 ? g.one : g.many} ${listNames(items.map((k) => name(nodeOf.get(k)!)))}${how ? `, ${how}` : ''}.`;
    return capitalize(sentence);
  }
}
