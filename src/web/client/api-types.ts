/**
 * @module web/client/api-types
 * The shapes of the JSON API responses the explorer reads (only the fields it uses). They are declared here rather
 * than imported from `api/schemas` or `api/routes/*`, because those modules import server code (zod, the engine, the
 * store) that must not reach the browser bundle or the client's DOM-only type check. The server's own types are
 * checked to be assignable to these in test/web/explorer-page.test.ts, so a drift fails `tsc`.
 *
 * This file holds types only (no DOM, no Node): the root tsconfig type-checks it through that test.
 *
 * @example
 * const hits = await api<SearchResponse>('/v1/search?kind=item&q=alien');
 */

export type NodeKind = 'User' | 'Item' | 'Entity';

/** GET /v1/stats */
export interface Stats {
  users: number;
  items: number;
  entities: number;
  interactions: number;
}

/** One row of GET /v1/search. */
export interface SearchHit {
  kind: NodeKind;
  id: string;
  label: string;
}

/** GET /v1/search */
export interface SearchResponse {
  total: number;
  results: SearchHit[];
}

export type Props = Record<string, string | number | boolean>;

/** GET /v1/users/:id */
export interface UserView {
  id: string;
  props: Props;
  interactionCount: number;
}

/** One row of GET /v1/users/:id/history (newest first). */
export interface HistoryEntry {
  item: { id: string; title: string };
  rating: number | null;
}

/** GET /v1/users/:id/history */
export interface HistoryPage {
  total: number;
  items: HistoryEntry[];
}

/** GET /v1/items/:id */
export interface ItemView {
  id: string;
  title: string;
  props: Props;
  interactionCount: number;
  /** Relation → linked entities. */
  knowledge: Record<string, { id: string; name: string }[]>;
}

/** GET /v1/items/:id/similar */
export interface SimilarResponse {
  method: 'embedding' | 'ppr';
  items: { id: string; score: number; label?: string }[];
}

/** A node of an evidence subgraph; `key` is `Kind:id`. */
export interface EvidenceNode {
  key: string;
  kind: NodeKind;
  label: string;
}

/** An edge of an evidence subgraph, between node keys in the stored direction (`weight` = the rating when rated). */
export interface EvidenceEdge {
  from: string;
  to: string;
  relation: string;
  weight: number;
}

export interface EvidencePath {
  nodes: EvidenceNode[];
  edges: EvidenceEdge[];
}

/** Why an item was recommended: the user (null for a cold start) or the seeds, the ranked paths and the subgraph. */
export interface Evidence {
  user: EvidenceNode | null;
  seeds: EvidenceNode[];
  item: EvidenceNode;
  paths: EvidencePath[];
  subgraph: { nodes: EvidenceNode[]; edges: EvidenceEdge[] };
}

export interface Explanation {
  text: string;
  source: 'llm' | 'template';
  facts: string[];
  model?: string;
  fallbackReason?: string;
}

/** One item of a recommendation list. */
export interface Recommendation {
  id: string;
  title?: string;
  score: number;
  rank: number;
  /** The strategy that ranked it. */
  via: string;
  evidence?: Evidence;
  explanation?: Explanation;
}

/** GET /v1/users/:id/recommendations and POST /v1/recommendations */
export interface RecommendationsResponse {
  strategy: string;
  fallbackUsed: boolean;
  fallbacks: string[];
  items: Recommendation[];
}

/** GET /v1/users/:id/recommendations/:itemId/explanation */
export interface ExplanationResponse {
  evidence: Evidence;
  explanation: Explanation;
}

/** A cold-start seed as POST /v1/recommendations takes it. */
export interface SeedRef {
  kind: NodeKind;
  id: string;
}

/** Body of POST /v1/recommendations. */
export interface ColdStartBody {
  seeds: SeedRef[];
  keywords?: string;
  k: number;
  explain: 'none' | 'paths' | 'text';
}

/** The error body of every failed API call. */
export interface ErrorBody {
  error?: { code?: string; message?: string };
}

/** A move of a conversation turn (src/converse/moves.ts; the explorer sends a few of them). */
export type ConverseMove =
  | { type: 'keywords'; text: string }
  | { type: 'reject'; items: string[] }
  | { type: 'more'; node: SeedRef }
  | { type: 'older' | 'newer' };

/** One answer of POST /v1/conversations/{id}/turns (and `answer` of POST /v1/conversations). */
export interface ConversationTurn {
  conversation: string;
  turn: number;
  changes: string[];
  summary: string;
  items: Recommendation[];
  fallbackUsed: boolean;
  state: { strategy: string; seeds: Array<{ kind: string; id: string; label: string; weight: number }>; rejected: Array<{ id: string; label: string }> };
  expiresAt: string;
}

export interface ConversationStart {
  conversation: string;
  answer: ConversationTurn | null;
}
