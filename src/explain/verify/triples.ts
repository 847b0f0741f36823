/**
 * @module explain/verify/triples
 * The evidence of one recommendation as the typed statements an explanation may make about it:
 *
 * - `links`: an item and an entity (or two items) joined by a knowledge edge, with its relation kind
 *   (`relationKind` of explain/text); item–entity links are read item first whatever the stored direction, item–item
 *   links keep their direction;
 * - `own`: the person's own interaction with an item — its kind (rating, listen, purchase, …) and, for explicit
 *   ratings only, the rating; cold-start seeds (items or entities) are `own` with kind `pick`;
 * - `cooccur`: the recommended item is often rated/chosen by the same people as one of the person's items (a similar
 *   item with `sharedUsers` > 0);
 * - `peers`: how many users whose history overlaps the person's liked the item, and the lowest rating among them;
 * - `otherUsers`: one other user on a path interacted with two items (with their ratings when explicit).
 *
 * @example
 * evidenceFacts(evidence).links; // [{ subject: 'Item:alien', kind: 'director', relation: 'director', object: 'Entity:ridley' }, …]
 */
import { INTERACTION_RELATION } from '../../project/csr.ts';
import type { Evidence, EvidenceEdge } from '../evidence.ts';
import { edgeRating } from '../interactions.ts';
import { relationKind, type RelationKind } from '../text.ts';

export interface LinkFact {
  subject: string;
  kind: RelationKind;
  relation: string;
  object: string;
}

export interface OwnFact {
  item: string;
  /** Interaction kind: rating, listen, purchase, click, checkin, implicit, pick (a cold-start seed), … */
  kind: string;
  /** Explicit rating, only for rated interactions. */
  rating?: number;
}

export interface OtherUserFact {
  a: string;
  b: string;
  ratingA?: number;
  ratingB?: number;
}

export interface EvidenceFacts {
  item: string;
  links: LinkFact[];
  own: Map<string, OwnFact>;
  /** The person's items the recommended item shares raters with. */
  cooccur: Set<string>;
  /** Users with an overlapping history who liked the item: how many, and their lowest rating (rated data). */
  peers: { count: number; minRating?: number };
  otherUsers: OtherUserFact[];
  /** Whether the person's interactions are explicit ratings. */
  rated: boolean;
}

export { edgeRating };

export function evidenceFacts(evidence: Evidence): EvidenceFacts {
  const kindOf = new Map<string, string>();
  for (const n of [...evidence.subgraph.nodes, ...evidence.paths.flatMap((p) => p.nodes), evidence.item, ...evidence.similarItems, ...evidence.seeds]) kindOf.set(n.key, n.kind);
  if (evidence.user) kindOf.set(evidence.user.key, 'User');
  const edges = new Map<string, EvidenceEdge>();
  for (const e of [...evidence.subgraph.edges, ...evidence.paths.flatMap((p) => p.edges)]) edges.set(`${e.from}\u0000${e.to}\u0000${e.relation}`, e);
  const userKey = evidence.user?.key;
  const links: LinkFact[] = [];
  const own = new Map<string, OwnFact>();
  const byOtherUser = new Map<string, EvidenceEdge[]>();
  for (const e of edges.values()) {
    if (e.relation === INTERACTION_RELATION) {
      if (e.from === userKey) {
        const rating = edgeRating(e);
        own.set(e.to, { item: e.to, kind: e.kind ?? 'rating', ...(rating !== undefined ? { rating } : {}) });
      } else if (kindOf.get(e.from) === 'User') byOtherUser.set(e.from, [...(byOtherUser.get(e.from) ?? []), e]);
      continue;
    }
    const kind = relationKind(e.relation);
    const [from, to] = [kindOf.get(e.from), kindOf.get(e.to)];
    if (from === 'Item') links.push({ subject: e.from, kind, relation: e.relation, object: e.to });
    else if (to === 'Item' && from === 'Entity') links.push({ subject: e.to, kind, relation: e.relation, object: e.from });
  }
  for (const s of evidence.seeds) own.set(s.key, { item: s.key, kind: 'pick' });
  const otherUsers: OtherUserFact[] = [];
  for (const list of byOtherUser.values()) {
    for (const x of list) {
      for (const y of list) {
        if (x.to === y.to) continue;
        const [ra, rb] = [edgeRating(x), edgeRating(y)];
        otherUsers.push({ a: x.to, b: y.to, ...(ra !== undefined ? { ratingA: ra } : {}), ...(rb !== undefined ? { ratingB: rb } : {}) });
      }
    }
  }
  const cooccur = new Set(evidence.similarItems.filter((s) => s.sharedUsers > 0).map((s) => s.key));
  const peerList = evidence.user ? evidence.similarUsers.filter((s) => s.sharedItems > 0) : [];
  const ownList = [...own.values()].filter((f) => f.kind !== 'pick');
  const rated = ownList.length > 0 ? ownList.every((f) => f.rating !== undefined) : true;
  const minRating = rated && peerList.length > 0 ? Math.min(...peerList.map((p) => p.weight)) : undefined;
  return {
    item: evidence.item.key,
    links,
    own,
    cooccur,
    peers: { count: peerList.length, ...(minRating !== undefined ? { minRating } : {}) },
    otherUsers,
    rated,
  };
}
