/**
 * @module explain/text
 * Deterministic graph-to-text: the evidence of one recommendation as short sentences ("facts") that read on their
 * own and that an LLM may later rephrase. Items are set in *italics* (Markdown), entities by name, users never by
 * name ("You", "Another user").
 *
 * A path is read from its source, consuming the longest pattern that matches at each step:
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
 * // "You rated *Alien* 5★. *Alien* and *Blade Runner* were both directed by Ridley Scott."
 */
import { INTERACTION_RELATION } from '../project/csr.ts';
import type { Evidence, EvidenceEdge, EvidenceNode, EvidencePath } from './evidence.ts';

export interface TextOptions {
  /** Interaction weights are ratings, shown as ★. [true] */
  rated: boolean;
  /** The rating from which a user "liked" an item (used in the similar-users fact). [4] */
  likeAt: number;
  /** Most facts returned. [6] */
  maxFacts: number;
  /** Similar items named in the similar-items fact. [2] */
  similarItemsNamed: number;
}

export const TEXT_DEFAULTS: TextOptions = { rated: true, likeAt: 4, maxFacts: 6, similarItemsNamed: 2 };

export interface ExplanationText {
  /** The facts joined by spaces. */
  text: string;
  facts: string[];
  /** Items and entities named in the text, in order of first appearance (the grounding checker's allowed names). */
  mentioned: EvidenceNode[];
  /** Their labels. */
  names: string[];
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

/** Renders the evidence as facts and text. */
export function evidenceToText(evidence: Evidence, options: Partial<TextOptions> = {}): ExplanationText {
  const o = { ...TEXT_DEFAULTS, ...options } satisfies TextOptions;
  const mentioned = new Map<string, EvidenceNode>();
  const name = (n: EvidenceNode): string => {
    if (n.kind === 'User') return 'another user';
    if (!mentioned.has(n.key)) mentioned.set(n.key, { key: n.key, kind: n.kind, label: n.label });
    return n.kind === 'Item' ? `*${n.label}*` : n.label;
  };
  const stars = (w: number): string => `${Number.isInteger(w) ? w : +w.toFixed(1)}★`;
  const did = (edge: EvidenceEdge, item: EvidenceNode): string => (o.rated ? `rated ${name(item)} ${stars(edge.weight)}` : `interacted with ${name(item)}`);
  const sourceKey = evidence.user?.key;
  const facts: string[] = [];

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
          facts.push(
            k1 === k2 && (k1 !== 'generic' || e1.relation === e2.relation)
              ? `${sharedClause(k1, name(x), name(y), name(mid), e1.relation)}.`
              : `${itemClause(k1, name(x), name(mid), e1.relation)}, and ${itemClause(k2, name(y), name(mid), e2.relation)}.`,
          );
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
        const item = to.kind === 'Item' ? to : from;
        const who = from.key === sourceKey || to.key === sourceKey ? 'You' : 'Another user';
        facts.push(`${who} ${did(e1, item)}.`);
      } else if (from.kind === 'Item' && to.kind !== 'Item') facts.push(`${capitalize(itemClause(k1, name(from), name(to), e1.relation))}.`);
      else if (to.kind === 'Item' && from.kind !== 'Item') facts.push(`${capitalize(itemClause(k1, name(to), name(from), e1.relation))}.`);
      else facts.push(`${capitalize(`${name(from)} has ${humanizeRelation(e1.relation)} ${name(to)}`)}.`);
      i += 1;
    }
  };
  const item = evidence.item;
  const nodeFacts: string[] = [];
  const known = evidence.similarItems.filter((s) => s.sharedUsers > 0).slice(0, o.similarItemsNamed);
  if (known.length > 0) {
    const how = evidence.user ? (o.rated ? 'which you rated' : 'which you chose') : 'which you picked';
    nodeFacts.push(`${name(item)} is often ${o.rated ? 'rated' : 'chosen'} by the same people as ${listNames(known.map(name))}, ${how}.`);
  }
  const peers = evidence.similarUsers.filter((s) => s.sharedItems > 0);
  if (evidence.user && peers.length > 0) {
    const who = peers.length === 1 ? 'A user' : `${peers.length} users`;
    nodeFacts.push(
      o.rated
        ? `${who} whose ratings overlap with yours rated ${name(item)} ${stars(o.likeAt)} or higher.`
        : `${who} with a history like yours also chose ${name(item)}.`,
    );
  }
  for (const p of evidence.paths) pathFacts(p);
  // Node-level facts always fit: path facts yield them room (keeping at least two path facts).
  const pathRoom = Math.max(o.maxFacts - nodeFacts.length, Math.min(2, o.maxFacts));
  facts.splice(0, facts.length, ...[...new Set(facts)].slice(0, pathRoom), ...nodeFacts);

  if (facts.length === 0) facts.push(`${name(item)} is close to your history in the graph.`);

  const unique = [...new Set(facts)].slice(0, o.maxFacts);
  // Only names that survive the cap count as mentioned.
  const text = unique.join(' ');
  const rendered = (n: EvidenceNode): string => (n.kind === 'Item' ? `*${n.label}*` : n.label);
  const kept = [...mentioned.values()]
    .map((n) => ({ n, at: text.indexOf(rendered(n)) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.n);
  return { text, facts: unique, mentioned: kept, names: kept.map((n) => n.label) };
}
