/**
 * @module web/client/main
 * The explorer page's script (the entry bundled with sigma.js and graphology by web/mount.ts; runs in the browser).
 * It reads only the JSON API (typed helpers in ./api.ts): /v1/search to pick users, items and seeds; /v1/users/:id
 * (+ /history) for the profile; /v1/users/:id/recommendations?explain=paths for the top 10 with their evidence, then
 * each explanation from /v1/users/:id/recommendations/:item/explanation (a few at a time, so the list shows at once
 * and the LLM text fills in); POST /v1/recommendations for cold start; /v1/items/:id and /v1/items/:id/similar for
 * "more like this". The evidence graph is ./graph-view.ts.
 *
 * Safety: every title, name and id is DATA and is inserted with textContent / text nodes (the `h` helper of ./dom.ts);
 * there is no innerHTML anywhere. Accessibility: real buttons, labels and radio groups; status messages go to an
 * aria-live region; loading regions carry aria-busy; the graph has a text equivalent (the path list and facts).
 *
 * Test hooks (read by test/integration/explorer-browser.test.ts): each recommendation card has data-item-id and, once
 * explained, data-source = llm | template; `#graph`'s are listed in ./graph-view.ts.
 */
import {
  ApiError,
  conversationTurn,
  getExplanation,
  getHistory,
  getItem,
  getReady,
  getSimilar,
  getStats,
  getUser,
  recommendColdStart,
  recommendForUser,
  searchNodes,
  startConversation,
} from './api.ts';
import type { ColdStartBody, ConversationTurn, ConverseMove, Evidence, Explanation, Recommendation, RecommendationsResponse, SearchHit, SeedRef } from './api-types.ts';
import { $, clear, debounce, h, setRichText, status, type Child } from './dom.ts';
import { drawEvidence, highlightPath, shorten } from './graph-view.ts';

const RECS = 10;
const EXPLAIN_CONCURRENCY = 2;

const fmt = new Intl.NumberFormat('en');
const stars = (rating: number | null | undefined) => (typeof rating === 'number' ? '★'.repeat(Math.max(0, Math.min(5, Math.round(rating)))) : '');
const humanRelation = (r: string) => (r === 'INTERACTED' || r === 'rating' ? 'rated' : r.replace(/^.*[/#.]/, '').replace(/[_-]+/g, ' '));

function describeError(error: unknown): string {
  if (error instanceof ApiError && error.status === 503) return 'The engine is still starting (loading data or training); try again in a moment.';
  return error instanceof Error ? error.message : String(error);
}

/** An aborted fetch (a newer search replaced it): not worth a message. */
const isAbort = (error: unknown) => typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';

// ------------------------------------------------------------------ header: stats and readiness

async function loadStats(): Promise<void> {
  try {
    const s = await getStats();
    const dl = clear($('stats'));
    const rows: [string, number][] = [
      ['users', s.users],
      ['items', s.items],
      ['entities', s.entities],
      ['interactions', s.interactions],
    ];
    for (const [label, value] of rows) dl.append(h('div', {}, h('dt', {}, label), h('dd', {}, fmt.format(value))));
  } catch {
    /* the stats are decoration */
  }
}

async function waitUntilReady(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await getReady();
      if (attempt > 0) status('The engine is ready.');
      return;
    } catch (error) {
      const detail = error instanceof ApiError ? error.message : 'no answer';
      status(`Starting up (${detail}); the page will be ready in a moment…`, 'busy');
      await new Promise<void>((r) => window.setTimeout(r, 1500));
    }
  }
}

// ------------------------------------------------------------------ pickers (search lists)

interface Pager {
  root: HTMLElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  label: HTMLElement;
}

interface PickerOptions {
  form: HTMLElement;
  input: HTMLInputElement;
  list: HTMLElement;
  /** Comma-separated kinds for /v1/search: user, item, entity. */
  kinds: string;
  pageSize?: number;
  pager?: Pager;
  onPick: (hit: SearchHit) => void;
  /** Search as the user types (debounced). [true] */
  live?: boolean;
  /** An empty query lists everything (else it clears the list). [false] */
  emptyLists?: boolean;
}

/**
 * A search box bound to /v1/search: `kinds`, a results list, optional pager; `onPick(hit)` on click/Enter.
 * Results are buttons, so Tab / Shift-Tab walk them and Enter or Space picks.
 */
function picker({ form, input, list, kinds, pageSize = 8, pager, onPick, live = true, emptyLists = false }: PickerOptions): { run: (resetOffset?: boolean) => Promise<void> } {
  let offset = 0;
  let total = 0;
  let controller: AbortController | undefined;
  async function run(resetOffset = true): Promise<void> {
    if (resetOffset) offset = 0;
    const q = input.value.trim();
    if (!q && !emptyLists) {
      clear(list);
      if (pager) pager.root.hidden = true;
      return;
    }
    controller?.abort();
    controller = new AbortController();
    list.setAttribute('aria-busy', 'true');
    try {
      const r = await searchNodes({ kinds, limit: pageSize, offset, q }, controller.signal);
      total = r.total;
      clear(list);
      if (r.results.length === 0) list.append(h('li', { class: 'hint' }, q ? `Nothing matches “${q}”.` : 'Nothing to list.'));
      for (const hit of r.results) {
        const kindLabel = hit.kind === 'User' ? '' : hit.kind === 'Item' ? 'movie' : 'entity';
        list.append(h('li', {}, h('button', { type: 'button', 'data-id': hit.id, 'data-kind': hit.kind, onclick: () => onPick(hit) }, h('span', {}, hit.label), kindLabel && h('span', { class: 'kind' }, kindLabel))));
      }
      if (pager) {
        pager.root.hidden = total <= pageSize;
        pager.prev.disabled = offset === 0;
        pager.next.disabled = offset + pageSize >= total;
        pager.label.textContent = `${offset + 1}–${Math.min(offset + pageSize, total)} of ${total >= 200 ? '200+' : total}`;
      }
    } catch (error) {
      if (!isAbort(error)) status(describeError(error), 'error');
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  if (live) input.addEventListener('input', debounce(() => void run(), 200));
  if (pager) {
    pager.prev.addEventListener('click', () => {
      offset = Math.max(0, offset - pageSize);
      void run(false);
    });
    pager.next.addEventListener('click', () => {
      offset += pageSize;
      void run(false);
    });
  }
  return { run };
}

// ------------------------------------------------------------------ user: profile, history, recommendations

/** Who the shown list is for: a user, or a cold start's seeds. */
type Who = { user: string; seeds?: undefined } | { user?: undefined; seeds: SeedRef[] };

const state: {
  who: Who | undefined;
  recs: Recommendation[];
  strategy: string | undefined;
  /** Index of the recommendation whose evidence is open, −1 for none. */
  selected: number;
  historyOffset: number;
  /** Bumped by every new user or cold start; answers for an older one are dropped. */
  token: number;
  /** The conversation whose answer the list shows (POST /v1/conversations), if any. */
  conversation: string | undefined;
} = { who: undefined, recs: [], strategy: undefined, selected: -1, historyOffset: 0, token: 0, conversation: undefined };

type Section = 'profile' | 'recs' | 'evidence' | 'item';

function showMain(which: Section[]): void {
  $('welcome').hidden = true;
  for (const id of ['profile', 'recs', 'evidence', 'item'] as const) if (which.includes(id)) $(id).hidden = false;
}

async function selectUser(id: string): Promise<void> {
  const token = ++state.token;
  state.who = { user: id };
  endConversation();
  window.history.replaceState(null, '', `#user=${encodeURIComponent(id)}`);
  for (const b of document.querySelectorAll<HTMLElement>('#user-results button')) b.setAttribute('aria-pressed', String(b.dataset.id === id));
  showMain(['profile', 'recs']);
  $('item').hidden = true;
  $('evidence').hidden = true;
  $('profile-h').textContent = `User ${id}`;
  clear($('profile-props'));
  clear($('history'));
  state.historyOffset = 0;
  status(`Loading recommendations for user ${id}…`, 'busy');
  const profile = getUser(id).then((u) => {
    if (token !== state.token) return;
    const props = $('profile-props');
    props.append(h('dt', {}, 'interactions'), h('dd', {}, fmt.format(u.interactionCount)));
    for (const [k, v] of Object.entries(u.props ?? {})) props.append(h('dt', {}, k), h('dd', {}, String(v)));
    $('history-summary').textContent = `History (${fmt.format(u.interactionCount)} items, newest first)`;
  });
  const history = loadHistory(id, token);
  await renderRecs(() => recommendForUser(id, RECS), token, `user ${id}`);
  await Promise.allSettled([profile, history]);
}

async function loadHistory(id: string, token: number): Promise<void> {
  const page = 20;
  const r = await getHistory(id, page, state.historyOffset);
  if (token !== state.token) return;
  const ol = $('history');
  for (const e of r.items ?? []) {
    ol.append(h('li', {}, h('button', { type: 'button', class: 'linkish', onclick: () => void showItem(e.item.id) }, e.item.title ?? e.item.id), e.rating != null && h('span', { class: 'stars', 'aria-label': `rated ${e.rating} of 5` }, stars(e.rating))));
  }
  state.historyOffset += (r.items ?? []).length;
  $('history-more').hidden = (r.items ?? []).length < page;
}

/** A recommendation card in the list, and how to fill in its explanation once it arrives. */
interface RecCard {
  li: HTMLLIElement;
  setExplanation: (explanation: Explanation) => void;
  setFailed: (message: string) => void;
}

/** Fetches and renders a recommendation list; explanations are then fetched for user lists (cold start has them). */
async function renderRecs(load: () => Promise<RecommendationsResponse>, token: number, who: string): Promise<void> {
  const section = $('recs');
  const list = clear($('rec-list'));
  section.setAttribute('aria-busy', 'true');
  $('recs-meta').textContent = '';
  let result: RecommendationsResponse;
  try {
    result = await load();
  } catch (error) {
    if (token === state.token) status(describeError(error), 'error');
    section.setAttribute('aria-busy', 'false');
    return;
  }
  if (token !== state.token) return;
  state.recs = result.items;
  state.strategy = result.strategy;
  state.selected = -1;
  const fallback = result.fallbackUsed ? ` · topped up by ${result.fallbacks.join(', ')}` : '';
  $('recs-meta').textContent = `${result.items.length} items · strategy ${result.strategy}${fallback}`;
  if (result.items.length === 0) list.append(h('li', { class: 'hint' }, 'No recommendations: every item is already in the history.'));
  const cards = result.items.map((rec, j) => recCard(rec, j));
  for (const card of cards) list.append(card.li);
  section.setAttribute('aria-busy', 'false');
  if (result.items.length > 0) openEvidence(0, false);
  status(`${result.items.length} recommendations for ${who}; writing explanations…`, 'busy');
  await explainAll(token, cards);
  if (token === state.token) status(`${result.items.length} recommendations for ${who}, each explained.`);
}

function recCard(rec: Recommendation, j: number): RecCard {
  const title = rec.title ?? rec.id;
  const text = h('p', { class: 'rec-text', 'aria-busy': 'true' }, 'Writing the explanation…');
  const badge = h('span', { class: 'badge pending' }, 'pending');
  const li = h(
    'li',
    { class: 'rec', 'data-item-id': rec.id, 'aria-labelledby': `rec-${j}-title` },
    h('div', { class: 'rec-head' }, h('span', { class: 'rank' }, `${rec.rank}.`), h('span', { class: 'rec-title', id: `rec-${j}-title` }, title)),
    text,
    h(
      'div',
      { class: 'rec-foot' },
      badge,
      h('span', { class: 'grow', title: `ranked by ${rec.via}; score ${rec.score}` }, `score ${rec.score.toPrecision(3)}${rec.via === state.strategy ? '' : ` · via ${rec.via}`}`),
      h('button', { type: 'button', class: 'open', 'aria-controls': 'evidence', 'aria-label': `Why ${title}? Show its evidence graph`, onclick: () => openEvidence(j, true) }, 'Why? →'),
    ),
    state.conversation !== undefined &&
      h(
        'div',
        { class: 'rec-foot conv-moves' },
        h('button', { type: 'button', class: 'conv-more', 'aria-label': `More like ${title}`, onclick: () => void converse([{ type: 'more', node: { kind: 'Item', id: rec.id } }]) }, 'More like this'),
        h('button', { type: 'button', class: 'conv-reject', 'aria-label': `Not ${title}`, onclick: () => void converse([{ type: 'reject', items: [rec.id] }]) }, 'Not this'),
      ),
  );
  const card: RecCard = {
    li,
    setExplanation: (explanation) => {
      setRichText(text, explanation.text);
      text.setAttribute('aria-busy', 'false');
      badge.className = `badge ${explanation.source}`;
      badge.textContent = explanation.source === 'llm' ? 'LLM' : 'template';
      badge.title = explanation.source === 'llm' ? `written by ${explanation.model ?? 'the LLM'} from the facts` : `deterministic text${explanation.fallbackReason ? ` (${explanation.fallbackReason})` : ''}`;
      li.dataset.source = explanation.source;
    },
    setFailed: (message) => {
      text.textContent = `No explanation: ${message}`;
      text.setAttribute('aria-busy', 'false');
      badge.textContent = 'error';
    },
  };
  if (rec.explanation) card.setExplanation(rec.explanation);
  return card;
}

/** Fetches the missing explanations, `EXPLAIN_CONCURRENCY` at a time, into their cards (and the open evidence panel). */
async function explainAll(token: number, cards: RecCard[]): Promise<void> {
  const todo = state.recs.map((rec, j) => ({ rec, j })).filter(({ rec }) => !rec.explanation);
  const worker = async () => {
    for (let next = todo.shift(); next; next = todo.shift()) {
      if (token !== state.token) return;
      const { rec, j } = next;
      try {
        const user = state.who?.user;
        // Only user lists lack explanations (a cold start asks for them with the list).
        if (user === undefined) throw new Error('no user to explain for');
        const r = await getExplanation(user, rec.id);
        if (token !== state.token) return;
        rec.explanation = r.explanation;
        cards[j]!.setExplanation(r.explanation);
        if (state.selected === j) showExplanation(rec);
      } catch (error) {
        if (token === state.token) cards[j]!.setFailed(describeError(error));
      }
    }
  };
  await Promise.all(Array.from({ length: EXPLAIN_CONCURRENCY }, worker));
}

// ------------------------------------------------------------------ evidence panel (graph in ./graph-view.ts)

function openEvidence(j: number, focus: boolean): void {
  const rec = state.recs[j];
  if (!rec || !rec.evidence) return;
  state.selected = j;
  document.querySelectorAll('#rec-list .rec').forEach((c, i) => c.classList.toggle('selected', i === j));
  const section = $('evidence');
  section.hidden = false;
  $('evidence-h').textContent = `Why “${shorten(rec.title ?? rec.id, 60)}”?`;
  drawEvidence(rec.evidence, (itemId) => void showItem(itemId));
  renderPaths(rec.evidence);
  showExplanation(rec);
  if (focus) {
    section.scrollIntoView({ behavior: 'smooth', block: 'start' });
    $('evidence-h').setAttribute('tabindex', '-1');
    $('evidence-h').focus({ preventScroll: true });
  }
}

function showExplanation(rec: Recommendation): void {
  const e = rec.explanation;
  setRichText($('why-text'), e ? e.text : 'Writing the explanation…');
  clear($('why-source'));
  if (e) {
    $('why-source').append(
      h('span', { class: `badge ${e.source}` }, e.source === 'llm' ? 'LLM' : 'template'),
      ' ',
      e.source === 'llm' ? `written by ${e.model ?? 'the LLM'} from the facts below (checked against the graph)` : `deterministic text from the graph${e.fallbackReason ? ` (LLM not used: ${e.fallbackReason})` : ''}`,
    );
  }
  const facts = clear($('facts'));
  for (const f of e?.facts ?? []) facts.append(setRichText(h('li'), f));
  if (!e) facts.append(h('li', { class: 'hint' }, 'Loading…'));
}

/** The paths as text (the graph's text equivalent), as a radio group that picks the highlighted one. */
function renderPaths(ev: Evidence): void {
  const box = clear($('paths'));
  if (ev.paths.length === 0) {
    box.append(h('p', { class: 'hint' }, 'No short path links the history to this item; it comes from similar users and embeddings.'));
    highlightPath(ev, -1);
    return;
  }
  ev.paths.forEach((path, p) => {
    const steps: Child[] = [];
    path.nodes.forEach((n, i) => {
      if (i > 0) {
        const e = path.edges[i - 1]!;
        steps.push(
          h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '),
          h('span', { class: 'rel' }, `${humanRelation(e.relation)}${e.relation === 'INTERACTED' && e.weight ? ` ${e.weight}★` : ''}`),
          h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '),
        );
      }
      steps.push(h('span', {}, ev.user && n.key === ev.user.key ? 'this user' : n.label));
    });
    const input = h('input', { type: 'radio', name: 'path', value: String(p), checked: p === 0, onchange: () => highlightPath(ev, p) });
    box.append(h('label', {}, input, h('span', {}, ...steps)));
  });
  highlightPath(ev, 0);
}

// ------------------------------------------------------------------ items: details and similar

async function showItem(id: string): Promise<void> {
  const section = $('item');
  showMain(['item']);
  section.hidden = false;
  section.setAttribute('aria-busy', 'true');
  $('item-h').textContent = 'Loading…';
  clear($('item-props'));
  clear($('item-knowledge'));
  clear($('similar'));
  $('similar-meta').textContent = '';
  try {
    const [item, similar] = await Promise.all([getItem(id), getSimilar(id, 10)]);
    $('item-h').textContent = item.title ?? id;
    const props = $('item-props');
    props.append(h('dt', {}, 'id'), h('dd', {}, item.id), h('dt', {}, 'interactions'), h('dd', {}, fmt.format(item.interactionCount)));
    for (const [k, v] of Object.entries(item.props ?? {})) props.append(h('dt', {}, k), h('dd', {}, String(v)));
    const know = $('item-knowledge');
    for (const [relation, tails] of Object.entries(item.knowledge ?? {})) for (const t of tails) know.append(h('li', {}, h('span', { class: 'rel' }, humanRelation(relation)), t.name ?? t.id));
    if (!know.children.length) know.append(h('li', { class: 'hint' }, 'No knowledge links.'));
    $('similar-meta').textContent = similar.method === 'embedding' ? 'Nearest by learned embedding (cosine).' : 'Nearest by a graph walk from this item (PPR).';
    for (const s of similar.items) $('similar').append(h('li', {}, h('button', { type: 'button', onclick: () => void showItem(s.id) }, s.label ?? s.id), h('span', { class: 'score' }, s.score.toFixed(3))));
    const user = state.who?.user;
    window.history.replaceState(null, '', user ? `#user=${encodeURIComponent(user)}&item=${encodeURIComponent(id)}` : `#item=${encodeURIComponent(id)}`);
    section.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  } catch (error) {
    $('item-h').textContent = 'Item not available';
    status(describeError(error), 'error');
  } finally {
    section.setAttribute('aria-busy', 'false');
  }
}

// ------------------------------------------------------------------ cold start

/** The chosen seeds (at most 10). */
const seeds: (SeedRef & { label: string })[] = [];

function renderChips(): void {
  const ul = clear($('chosen'));
  if (seeds.length === 0) ul.append(h('li', { class: 'empty' }, 'none yet'));
  seeds.forEach((s, j) =>
    ul.append(
      h(
        'li',
        { 'data-id': s.id },
        s.label,
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Remove ${s.label}`,
            onclick: () => {
              seeds.splice(j, 1);
              renderChips();
              $('seed-q').focus();
            },
          },
          '×',
        ),
      ),
    ),
  );
}

async function coldStart(e: Event): Promise<void> {
  e.preventDefault();
  const keywords = $('cold-keywords', HTMLInputElement).value.trim();
  if (seeds.length === 0 && !keywords) {
    status('Add a seed or type some keywords first.', 'error');
    $('seed-q').focus();
    return;
  }
  const token = ++state.token;
  const chosen = seeds.map((s): SeedRef => ({ kind: s.kind, id: s.id }));
  state.who = { seeds: chosen };
  endConversation();
  showMain(['recs']);
  $('profile').hidden = false;
  $('evidence').hidden = true;
  $('item').hidden = true;
  $('profile-h').textContent = 'Cold start';
  const props = clear($('profile-props'));
  clear($('history'));
  $('history-more').hidden = true;
  $('history-summary').textContent = 'History (none: cold start)';
  if (seeds.length) props.append(h('dt', {}, 'seeds'), h('dd', {}, seeds.map((s) => s.label).join(', ')));
  if (keywords) props.append(h('dt', {}, 'keywords'), h('dd', {}, keywords));
  status('Finding recommendations and writing their explanations…', 'busy');
  const body: ColdStartBody = { seeds: chosen, ...(keywords ? { keywords } : {}), k: RECS, explain: 'text' };
  await renderRecs(() => recommendColdStart(body), token, 'this cold start');
}

// ------------------------------------------------------------------ conversation (POST /v1/conversations, docs/conversation.md)

function endConversation(): void {
  state.conversation = undefined;
  clear($('conv-log'));
  $('conv-summary').textContent = 'No conversation yet.';
  delete $('conv-summary').dataset.conversation;
}

/** Sends one turn (starting the conversation first, for the user shown if any) and shows its answer and what changed. */
async function converse(moves: ConverseMove[]): Promise<void> {
  const token = ++state.token;
  status('Talking it over…', 'busy');
  let answer: ConversationTurn;
  try {
    if (state.conversation === undefined) {
      const user = state.who?.user;
      const started = await startConversation({ ...(user !== undefined ? { user } : {}), k: RECS, moves });
      if (!started.answer) throw new Error('the conversation gave no answer');
      answer = started.answer;
    } else {
      answer = await conversationTurn(state.conversation, moves);
    }
  } catch (error) {
    if (token !== state.token) return;
    if (error instanceof ApiError && error.status === 404 && state.conversation !== undefined) {
      endConversation();
      status('The conversation expired; say it again to start a new one.', 'error');
    } else status(describeError(error), 'error');
    return;
  }
  if (token !== state.token) return;
  state.conversation = answer.conversation;
  if (state.who === undefined) state.who = { seeds: [] };
  $('conv-summary').textContent = `Turn ${answer.turn}: ${answer.summary}`;
  $('conv-summary').dataset.conversation = answer.conversation;
  $('conv-log').append(h('li', {}, answer.changes.join('; ') || 'no change'));
  showMain(['recs']);
  $('evidence').hidden = true;
  $('item').hidden = true;
  const result: RecommendationsResponse = { strategy: answer.state.strategy, fallbackUsed: answer.fallbackUsed, fallbacks: [], items: answer.items };
  await renderRecs(async () => result, token, `turn ${answer.turn} of the conversation`);
}

// ------------------------------------------------------------------ boot

function boot(): void {
  renderChips();
  const users = picker({
    form: $('user-form'),
    input: $('user-q', HTMLInputElement),
    list: $('user-results'),
    kinds: 'user',
    emptyLists: true,
    pager: { root: $('user-pager'), prev: $('user-prev', HTMLButtonElement), next: $('user-next', HTMLButtonElement), label: $('user-page') },
    onPick: (hit) => void selectUser(hit.id),
  });
  picker({ form: $('item-form'), input: $('item-q', HTMLInputElement), list: $('item-results'), kinds: 'item', onPick: (hit) => void showItem(hit.id) });
  picker({
    form: $('seed-form'),
    input: $('seed-q', HTMLInputElement),
    list: $('seed-results'),
    kinds: 'item,entity',
    onPick: (hit) => {
      if (!seeds.some((s) => s.id === hit.id && s.kind === hit.kind) && seeds.length < 10) seeds.push({ kind: hit.kind, id: hit.id, label: hit.label });
      renderChips();
    },
  });
  $('cold-form').addEventListener('submit', (e) => void coldStart(e));
  $('conv-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('conv-text', HTMLInputElement).value.trim();
    if (!text) {
      status('Say what you are looking for first (a few words).', 'error');
      $('conv-text').focus();
      return;
    }
    $('conv-text', HTMLInputElement).value = '';
    void converse([{ type: 'keywords', text }]);
  });
  $('conv-older').addEventListener('click', () => void (state.conversation ? converse([{ type: 'older' }]) : status('Start the conversation first.', 'error')));
  $('conv-newer').addEventListener('click', () => void (state.conversation ? converse([{ type: 'newer' }]) : status('Start the conversation first.', 'error')));
  $('conv-reset').addEventListener('click', () => endConversation());
  $('history-more').addEventListener('click', () => {
    if (state.who?.user) void loadHistory(state.who.user, state.token);
  });
  void loadStats();
  void waitUntilReady().then(() => {
    void loadStats();
    void users.run();
    const params = new URLSearchParams(window.location.hash.slice(1));
    const user = params.get('user');
    const item = params.get('item');
    if (user) void selectUser(user);
    if (item) void showItem(item);
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
