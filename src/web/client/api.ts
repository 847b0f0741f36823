/**
 * @module web/client/api
 * Typed fetch helpers for the `/v1` routes the explorer calls (same origin only; the CSP allows nothing else). A
 * failed call throws `ApiError` with the HTTP status and the API's error code and message.
 *
 * @example
 * const { results } = await searchNodes({ kinds: 'item', limit: 8, offset: 0, q: 'alien' });
 */
import type {
  ColdStartBody,
  ConversationStart,
  ConversationTurn,
  ConverseMove,
  ErrorBody,
  ExplanationResponse,
  HistoryPage,
  ItemView,
  RecommendationsResponse,
  SearchResponse,
  SimilarResponse,
  Stats,
  UserView,
} from './api-types.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** GETs (or sends `init`) and parses JSON; a non-2xx answer or a body that is not JSON throws `ApiError`. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) }, ...init });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, 'BAD_RESPONSE', `HTTP ${res.status}`);
  }
  if (!res.ok) {
    const error = (body as ErrorBody | null)?.error;
    const e = body && error ? error : {};
    throw new ApiError(res.status, e.code ?? 'ERROR', e.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}

const enc = encodeURIComponent;

export const getStats = () => api<Stats>('/v1/stats');

/** Resolves once the engine is ready; throws (503) while it is still loading or training. */
export const getReady = () => api<unknown>('/v1/health/ready');

/** `kinds`: a comma-separated list of user, item, entity. */
export const searchNodes = (query: { kinds: string; limit: number; offset: number; q: string }, signal?: AbortSignal) =>
  api<SearchResponse>(`/v1/search?kind=${query.kinds}&limit=${query.limit}&offset=${query.offset}&q=${enc(query.q)}`, signal ? { signal } : {});

export const getUser = (id: string) => api<UserView>(`/v1/users/${enc(id)}`);

export const getHistory = (id: string, limit: number, offset: number) => api<HistoryPage>(`/v1/users/${enc(id)}/history?limit=${limit}&offset=${offset}`);

/** The user's top `k` with each item's evidence (`explain=paths`); the explanations come one by one from `getExplanation`. */
export const recommendForUser = (id: string, k: number) => api<RecommendationsResponse>(`/v1/users/${enc(id)}/recommendations?k=${k}&explain=paths`);

export const getExplanation = (user: string, item: string) => api<ExplanationResponse>(`/v1/users/${enc(user)}/recommendations/${enc(item)}/explanation`);

export const recommendColdStart = (body: ColdStartBody) => api<RecommendationsResponse>('/v1/recommendations', { method: 'POST', body: JSON.stringify(body) });

export const getItem = (id: string) => api<ItemView>(`/v1/items/${enc(id)}`);

export const getSimilar = (id: string, k: number) => api<SimilarResponse>(`/v1/items/${enc(id)}/similar?k=${k}`);

/** Starts a conversation (for `user` when given) with its first moves; explanations come with the answer. */
export const startConversation = (body: { user?: string; k: number; moves: ConverseMove[] }) =>
  api<ConversationStart>('/v1/conversations', { method: 'POST', body: JSON.stringify({ ...body, explain: 'text' }) });

export const conversationTurn = (id: string, moves: ConverseMove[]) =>
  api<ConversationTurn>(`/v1/conversations/${enc(id)}/turns`, { method: 'POST', body: JSON.stringify({ moves, explain: 'text' }) });
