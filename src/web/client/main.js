/**
 * @module web/client/main
 * The explorer page's script (bundled with sigma.js and graphology by web/mount.ts; runs in the browser). It reads
 * only the JSON API: /v1/search to pick users, items and seeds; /v1/users/:id (+ /history) for the profile;
 * /v1/users/:id/recommendations?explain=paths for the top 10 with their evidence, then each explanation from
 * /v1/users/:id/recommendations/:item/explanation (a few at a time, so the list shows at once and the LLM text fills
 * in); POST /v1/recommendations for cold start; /v1/items/:id and /v1/items/:id/similar for "more like this".
 *
 * Safety: every title, name and id is DATA and is inserted with textContent / text nodes (the `h` helper below);
 * there is no innerHTML anywhere. Accessibility: real buttons, labels and radio groups; status messages go to an
 * aria-live region; loading regions carry aria-busy; the graph has a text equivalent (the path list and facts).
 *
 * Test hooks (read by test/integration/explorer-browser.test.ts): `#graph` exposes data-nodes, data-edges,
 * data-rendered (sigma render count) and data-path; each recommendation card has data-item-id and, once explained,
 * data-source = llm | template.
 */
/* global document, window, fetch, AbortController, URLSearchParams */
import Graph from 'graphology';
import Sigma from 'sigma';

const COLORS = {
  user: '#0072b2',
  peer: '#56b4e9',
  history: '#e69f00',
  entity: '#009e73',
  item: '#8a94a3',
  target: '#d55e00',
  path: '#c2185b',
  edge: '#b8c0cc',
  faded: '#e3e7ed',
  label: '#1b1f24',
  labelFaded: '#5d6673',
};
const RECS = 10;
const EXPLAIN_CONCURRENCY = 2;

// ------------------------------------------------------------------ small DOM helpers (text only, never HTML)

const $ = (id) => document.getElementById(id);

/** Creates an element: `attrs` are set as attributes (or `on*` listeners); children are nodes or strings (text). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Sets `el`'s text, turning the explanation's `*Title*` emphasis into <em> elements (text nodes only). */
function setRichText(el, text) {
  el.replaceChildren();
  String(text)
    .split(/\*([^*\n]+)\*/)
    .forEach((part, i) => part && el.append(i % 2 ? h('em', {}, part) : document.createTextNode(part)));
  return el;
}

function clear(el) {
  el.replaceChildren();
  return el;
}

let statusTimer;
/** Announces a message in the aria-live status line. */
function status(message, kind = 'info') {
  const el = $('status');
  window.clearTimeout(statusTimer);
  el.className = `status ${kind}`;
  el.textContent = message;
  if (kind === 'info' && message) statusTimer = window.setTimeout(() => (el.textContent = ''), 6000);
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, init = {}) {
  const res = await fetch(path, { headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) }, ...init });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, 'BAD_RESPONSE', `HTTP ${res.status}`);
  }
  if (!res.ok) {
    const e = body && body.error ? body.error : {};
    throw new ApiError(res.status, e.code ?? 'ERROR', e.message ?? `HTTP ${res.status}`);
  }
  return body;
}

const enc = encodeURIComponent;
const fmt = new Intl.NumberFormat('en');
const shorten = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const stars = (rating) => (typeof rating === 'number' ? '★'.repeat(Math.max(0, Math.min(5, Math.round(rating)))) : '');
const humanRelation = (r) => (r === 'INTERACTED' || r === 'rating' ? 'rated' : r.replace(/^.*[/#.]/, '').replace(/[_-]+/g, ' '));

function describeError(error) {
  if (error instanceof ApiError && error.status === 503) return 'The engine is still starting (loading data or training); try again in a moment.';
  return error instanceof Error ? error.message : String(error);
}

function debounce(fn, ms) {
  let t;
  return (...args) => {
    window.clearTimeout(t);
    t = window.setTimeout(() => fn(...args), ms);
  };
}

// ------------------------------------------------------------------ header: stats and readiness

async function loadStats() {
  try {
    const s = await api('/v1/stats');
    const dl = clear($('stats'));
    for (const [label, value] of [['users', s.users], ['items', s.items], ['entities', s.entities], ['interactions', s.interactions]]) {
      dl.append(h('div', {}, h('dt', {}, label), h('dd', {}, fmt.format(value))));
    }
  } catch {
    /* the stats are decoration */
  }
}

async function waitUntilReady() {
  for (let attempt = 0; ; attempt++) {
    try {
      await api('/v1/health/ready');
      if (attempt > 0) status('The engine is ready.');
      return;
    } catch (error) {
      const detail = error instanceof ApiError ? error.message : 'no answer';
      status(`Starting up (${detail}); the page will be ready in a moment…`, 'busy');
      await new Promise((r) => window.setTimeout(r, 1500));
    }
  }
}

// ------------------------------------------------------------------ pickers (search lists)

/**
 * A search box bound to /v1/search: `kinds`, a results list, optional pager; `onPick(hit)` on click/Enter.
 * Results are buttons, so Tab / Shift-Tab walk them and Enter or Space picks.
 */
function picker({ form, input, list, kinds, pageSize = 8, pager, onPick, live = true, emptyLists = false }) {
  let offset = 0;
  let total = 0;
  let controller;
  async function run(resetOffset = true) {
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
      const r = await api(`/v1/search?kind=${kinds}&limit=${pageSize}&offset=${offset}&q=${enc(q)}`, { signal: controller.signal });
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
      if (error.name !== 'AbortError') status(describeError(error), 'error');
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
    pager.prev.addEventListener('click', () => ((offset = Math.max(0, offset - pageSize)), void run(false)));
    pager.next.addEventListener('click', () => ((offset += pageSize), void run(false)));
  }
  return { run };
}

// ------------------------------------------------------------------ user: profile, history, recommendations

const state = { who: undefined, recs: [], selected: -1, historyOffset: 0, token: 0 };

function showMain(which) {
  $('welcome').hidden = true;
  for (const id of ['profile', 'recs', 'evidence', 'item']) if (which.includes(id)) $(id).hidden = false;
}

async function selectUser(id) {
  const token = ++state.token;
  state.who = { user: id };
  window.history.replaceState(null, '', `#user=${enc(id)}`);
  for (const b of document.querySelectorAll('#user-results button')) b.setAttribute('aria-pressed', String(b.dataset.id === id));
  showMain(['profile', 'recs']);
  $('item').hidden = true;
  $('evidence').hidden = true;
  $('profile-h').textContent = `User ${id}`;
  clear($('profile-props'));
  clear($('history'));
  state.historyOffset = 0;
  status(`Loading recommendations for user ${id}…`, 'busy');
  const profile = api(`/v1/users/${enc(id)}`).then((u) => {
    if (token !== state.token) return;
    const props = $('profile-props');
    props.append(h('dt', {}, 'interactions'), h('dd', {}, fmt.format(u.interactionCount)));
    for (const [k, v] of Object.entries(u.props ?? {})) props.append(h('dt', {}, k), h('dd', {}, String(v)));
    $('history-summary').textContent = `History (${fmt.format(u.interactionCount)} items, newest first)`;
  });
  const history = loadHistory(id, token);
  await renderRecs(() => api(`/v1/users/${enc(id)}/recommendations?k=${RECS}&explain=paths`), token, `user ${id}`);
  await Promise.allSettled([profile, history]);
}

async function loadHistory(id, token) {
  const page = 20;
  const r = await api(`/v1/users/${enc(id)}/history?limit=${page}&offset=${state.historyOffset}`);
  if (token !== state.token) return;
  const ol = $('history');
  for (const e of r.items ?? []) {
    ol.append(h('li', {}, h('button', { type: 'button', class: 'linkish', onclick: () => void showItem(e.item.id) }, e.item.title ?? e.item.id), e.rating != null && h('span', { class: 'stars', 'aria-label': `rated ${e.rating} of 5` }, stars(e.rating))));
  }
  state.historyOffset += (r.items ?? []).length;
  $('history-more').hidden = (r.items ?? []).length < page;
}

/** Fetches and renders a recommendation list; explanations are then fetched for user lists (cold start has them). */
async function renderRecs(load, token, who) {
  const section = $('recs');
  const list = clear($('rec-list'));
  section.setAttribute('aria-busy', 'true');
  $('recs-meta').textContent = '';
  let result;
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
  result.items.forEach((rec, j) => list.append(recCard(rec, j)));
  section.setAttribute('aria-busy', 'false');
  if (result.items.length > 0) openEvidence(0, false);
  status(`${result.items.length} recommendations for ${who}; writing explanations…`, 'busy');
  await explainAll(token);
  if (token === state.token) status(`${result.items.length} recommendations for ${who}, each explained.`);
}

function recCard(rec, j) {
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
  );
  li.setExplanation = (explanation) => {
    setRichText(text, explanation.text);
    text.setAttribute('aria-busy', 'false');
    badge.className = `badge ${explanation.source}`;
    badge.textContent = explanation.source === 'llm' ? 'LLM' : 'template';
    badge.title = explanation.source === 'llm' ? `written by ${explanation.model ?? 'the LLM'} from the facts` : `deterministic text${explanation.fallbackReason ? ` (${explanation.fallbackReason})` : ''}`;
    li.dataset.source = explanation.source;
  };
  li.setFailed = (message) => {
    text.textContent = `No explanation: ${message}`;
    text.setAttribute('aria-busy', 'false');
    badge.textContent = 'error';
  };
  if (rec.explanation) li.setExplanation(rec.explanation);
  return li;
}

async function explainAll(token) {
  const cards = [...document.querySelectorAll('#rec-list .rec')];
  const todo = state.recs.map((rec, j) => ({ rec, j })).filter(({ rec }) => !rec.explanation);
  const worker = async () => {
    for (let next = todo.shift(); next; next = todo.shift()) {
      if (token !== state.token) return;
      const { rec, j } = next;
      try {
        const r = await api(`/v1/users/${enc(state.who.user)}/recommendations/${enc(rec.id)}/explanation`);
        if (token !== state.token) return;
        rec.explanation = r.explanation;
        cards[j].setExplanation(r.explanation);
        if (state.selected === j) showExplanation(rec);
      } catch (error) {
        if (token === state.token) cards[j].setFailed(describeError(error));
      }
    }
  };
  await Promise.all(Array.from({ length: EXPLAIN_CONCURRENCY }, worker));
}

// ------------------------------------------------------------------ evidence graph (sigma.js)

let renderer;
let renderCount = 0;
const view = { graph: undefined, pathEdges: new Set(), pathNodes: new Set(), hovered: undefined };

function openEvidence(j, focus) {
  const rec = state.recs[j];
  if (!rec || !rec.evidence) return;
  state.selected = j;
  document.querySelectorAll('#rec-list .rec').forEach((c, i) => c.classList.toggle('selected', i === j));
  const section = $('evidence');
  section.hidden = false;
  $('evidence-h').textContent = `Why “${shorten(rec.title ?? rec.id, 60)}”?`;
  drawEvidence(rec.evidence);
  renderPaths(rec.evidence);
  showExplanation(rec);
  if (focus) {
    section.scrollIntoView({ behavior: 'smooth', block: 'start' });
    $('evidence-h').setAttribute('tabindex', '-1');
    $('evidence-h').focus({ preventScroll: true });
  }
}

function showExplanation(rec) {
  const e = rec.explanation;
  setRichText($('why-text'), e ? e.text : 'Writing the explanation…');
  clear($('why-source'));
  if (e) {
    $('why-source').append(h('span', { class: `badge ${e.source}` }, e.source === 'llm' ? 'LLM' : 'template'), ' ', e.source === 'llm' ? `written by ${e.model ?? 'the LLM'} from the facts below (checked against the graph)` : `deterministic text from the graph${e.fallbackReason ? ` (LLM not used: ${e.fallbackReason})` : ''}`);
  }
  const facts = clear($('facts'));
  for (const f of e?.facts ?? []) facts.append(setRichText(h('li'), f));
  if (!e) facts.append(h('li', { class: 'hint' }, 'Loading…'));
}

/** `a` blended towards `b` by `t` (hex colours). */
function mix(a, b, t) {
  const ch = (hex, i) => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  return `#${[0, 1, 2].map((i) => Math.round(ch(a, i) * (1 - t) + ch(b, i) * t).toString(16).padStart(2, '0')).join('')}`;
}

const edgeKey = (e) => `${e.from}|${e.relation}|${e.to}`;

/** Node role for colour: the user, the recommended item, seeds/history items, similar users, entities, other items. */
function roleOf(node, ev, historyKeys) {
  if (node.key === ev.item.key) return 'target';
  if (ev.user && node.key === ev.user.key) return 'user';
  if (node.kind === 'User') return 'peer';
  if (node.kind === 'Entity') return ev.seeds.some((s) => s.key === node.key) ? 'history' : 'entity';
  return historyKeys.has(node.key) ? 'history' : 'item';
}

/**
 * Layered layout, left to right: x = BFS distance from the user (or the seeds) over the undirected evidence subgraph,
 * with the recommended item alone in the last column. The best path runs straight along the middle (y = 0); the
 * other nodes of a column sit above or below it by the mean height of their neighbours in earlier columns (one
 * barycentre sweep), so most edges stay short and none crosses a node of the main path.
 */
function layout(ev, nodes, adjacency) {
  const sources = ev.user ? [ev.user.key] : ev.seeds.map((s) => s.key);
  const layer = new Map(sources.filter((k) => nodes.has(k)).map((k) => [k, 0]));
  const queue = [...layer.keys()];
  while (queue.length > 0) {
    const k = queue.shift();
    for (const n of adjacency.get(k) ?? []) {
      if (!layer.has(n)) {
        layer.set(n, layer.get(k) + 1);
        queue.push(n);
      }
    }
  }
  for (const k of nodes.keys()) if (!layer.has(k)) layer.set(k, 1);
  let max = 1;
  for (const [k, l] of layer) if (k !== ev.item.key) max = Math.max(max, l);
  layer.set(ev.item.key, max + 1);
  const main = new Set((ev.paths[0]?.nodes ?? []).map((n) => n.key));
  const columns = new Map();
  for (const [k, l] of layer) {
    if (!columns.has(l)) columns.set(l, []);
    columns.get(l).push(k);
  }
  const pos = new Map();
  const gap = 1.15;
  const xStep = 10 / (max + 1);
  for (const l of [...columns.keys()].sort((a, b) => a - b)) {
    const bary = (k) => {
      const ys = [...(adjacency.get(k) ?? [])].filter((n) => pos.has(n)).map((n) => pos.get(n).y);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
    };
    const byLabel = (a, b) => (nodes.get(a).label < nodes.get(b).label ? -1 : 1);
    const col = columns.get(l);
    const onMain = col.filter((k) => main.has(k) || (main.size === 0 && col.length === 1));
    const rest = col.filter((k) => !onMain.includes(k)).sort((a, b) => bary(a) - bary(b) || byLabel(a, b));
    onMain.forEach((k, i) => pos.set(k, { x: l * xStep, y: i * gap * (i % 2 ? 1 : -1), middle: i === 0 }));
    // Split the rest around the middle: the upper half (lower barycentres) above, the others below.
    const up = rest.slice(0, Math.ceil(rest.length / 2)).reverse();
    const down = rest.slice(up.length);
    const first = onMain.length > 1 ? 2 : 1;
    // Odd columns are staggered by half a row, so a label never runs into a node of the next column.
    const shift = l % 2 ? gap / 2 : 0;
    up.forEach((k, i) => pos.set(k, { x: l * xStep, y: -(first + i) * gap + shift }));
    down.forEach((k, i) => pos.set(k, { x: l * xStep, y: (first + i) * gap - shift }));
  }
  return pos;
}

function drawEvidence(ev) {
  const container = $('graph');
  const nodes = new Map();
  const addNode = (n) => nodes.set(n.key, n);
  ev.subgraph.nodes.forEach(addNode);
  for (const p of ev.paths) p.nodes.forEach(addNode);
  addNode(ev.item);
  if (ev.user) addNode(ev.user);
  const edges = new Map();
  for (const e of ev.subgraph.edges) edges.set(edgeKey(e), e);
  for (const p of ev.paths) for (const e of p.edges) edges.set(edgeKey(e), e);
  const adjacency = new Map();
  const link = (a, b) => {
    if (!adjacency.has(a)) adjacency.set(a, new Set());
    adjacency.get(a).add(b);
  };
  const historyKeys = new Set();
  for (const e of edges.values()) {
    link(e.from, e.to);
    link(e.to, e.from);
    if (ev.user && e.from === ev.user.key && e.relation === 'INTERACTED') historyKeys.add(e.to);
  }
  for (const s of ev.seeds) historyKeys.add(s.key);
  const pos = layout(ev, nodes, adjacency);

  const graph = new Graph({ multi: true, type: 'directed' });
  for (const [key, n] of nodes) {
    const role = roleOf(n, ev, historyKeys);
    const { middle = false, ...xy } = pos.get(key);
    const label = role === 'user' ? `user ${n.label}` : shorten(n.label, middle ? 30 : 22);
    const size = role === 'target' ? 15 : role === 'user' ? 13 : 9;
    graph.addNode(key, { ...xy, labelAbove: middle, size, color: COLORS[role], softColor: mix(COLORS[role], '#ffffff', 0.55), label, role, kind: n.kind, fullLabel: n.label });
  }
  for (const [key, e] of edges) {
    if (graph.hasNode(e.from) && graph.hasNode(e.to)) graph.addDirectedEdgeWithKey(key, e.from, e.to, { size: 1.5, color: COLORS.edge, relation: e.relation, weight: e.weight });
  }
  view.graph = graph;
  view.hovered = undefined;
  if (!renderer) {
    renderer = new Sigma(graph, container, {
      renderEdgeLabels: false,
      defaultEdgeType: 'arrow',
      labelColor: { attribute: 'labelColor', color: COLORS.label },
      defaultDrawNodeLabel: drawLabel,
      labelSize: 12,
      labelWeight: '600',
      labelDensity: 10,
      labelRenderedSizeThreshold: 0,
      stagePadding: 60,
      zIndex: true,
      nodeReducer: (node, data) => {
        const onPath = view.pathNodes.size === 0 || view.pathNodes.has(node);
        const hovered = view.hovered === node;
        return { ...data, color: onPath || hovered ? data.color : data.softColor, labelColor: onPath || hovered ? COLORS.label : COLORS.labelFaded, zIndex: onPath ? 2 : 0, highlighted: hovered, size: onPath ? data.size + 2 : data.size };
      },
      edgeReducer: (edge, data) => {
        const onPath = view.pathEdges.has(edge);
        return { ...data, color: onPath ? COLORS.path : view.pathEdges.size ? COLORS.faded : data.color, size: onPath ? 4 : data.size, zIndex: onPath ? 2 : 0 };
      },
    });
    renderer.on('afterRender', () => (container.dataset.rendered = String(++renderCount)));
    renderer.on('enterNode', ({ node }) => {
      view.hovered = node;
      describeNode(node);
      renderer.refresh({ skipIndexation: true });
    });
    renderer.on('leaveNode', () => {
      view.hovered = undefined;
      renderer.refresh({ skipIndexation: true });
    });
    renderer.on('clickNode', ({ node }) => {
      const a = view.graph.getNodeAttributes(node);
      describeNode(node);
      if (a.kind === 'Item') void showItem(node.slice('Item:'.length));
    });
    $('graph-reset').addEventListener('click', () => renderer.getCamera().animatedReset({ duration: 300 }));
  } else {
    renderer.setGraph(graph);
    renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
  }
  container.dataset.nodes = String(graph.order);
  container.dataset.edges = String(graph.size);
  container.setAttribute('aria-label', `Evidence graph: ${graph.order} nodes and ${graph.size} edges; the paths are listed as text beside it.`);
}

/** Sigma label drawer: a halo for legibility over edges; labels of the middle row (the best path) above the node. */
function drawLabel(context, data, settings) {
  if (!data.label) return;
  const size = settings.labelSize;
  context.font = `${settings.labelWeight} ${size}px ${settings.labelFont}`;
  context.lineWidth = 4;
  context.lineJoin = 'round';
  context.strokeStyle = 'rgba(251, 252, 254, 0.92)';
  context.fillStyle = data.labelColor ?? COLORS.label;
  let x = data.x + data.size + 4;
  let y = data.y + size / 3;
  context.textAlign = 'left';
  if (data.labelAbove) {
    context.textAlign = 'center';
    x = data.x;
    y = data.y - data.size - 6;
  }
  context.strokeText(data.label, x, y);
  context.fillText(data.label, x, y);
  context.textAlign = 'left';
}

function describeNode(node) {
  const a = view.graph.getNodeAttributes(node);
  const role = { user: 'this user', peer: 'a similar user', history: 'in the history / a seed', entity: 'entity', item: 'item', target: 'the recommended item' }[a.role];
  $('node-info').textContent = `${a.fullLabel} — ${role}, ${view.graph.degree(node)} links${a.kind === 'Item' ? ' (click to open)' : ''}`;
}

function highlightPath(ev, p) {
  const path = ev.paths[p];
  view.pathNodes = new Set(path ? path.nodes.map((n) => n.key) : []);
  view.pathEdges = new Set(path ? path.edges.map(edgeKey) : []);
  $('graph').dataset.path = String(p);
  renderer?.refresh({ skipIndexation: true });
}

function renderPaths(ev) {
  const box = clear($('paths'));
  if (ev.paths.length === 0) {
    box.append(h('p', { class: 'hint' }, 'No short path links the history to this item; it comes from similar users and embeddings.'));
    highlightPath(ev, -1);
    return;
  }
  ev.paths.forEach((path, p) => {
    const steps = [];
    path.nodes.forEach((n, i) => {
      if (i > 0) {
        const e = path.edges[i - 1];
        steps.push(h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '), h('span', { class: 'rel' }, `${humanRelation(e.relation)}${e.relation === 'INTERACTED' && e.weight ? ` ${e.weight}★` : ''}`), h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '));
      }
      steps.push(h('span', {}, ev.user && n.key === ev.user.key ? 'this user' : n.label));
    });
    const input = h('input', { type: 'radio', name: 'path', value: String(p), checked: p === 0, onchange: () => highlightPath(ev, p) });
    box.append(h('label', {}, input, h('span', {}, ...steps)));
  });
  highlightPath(ev, 0);
}

// ------------------------------------------------------------------ items: details and similar

async function showItem(id) {
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
    const [item, similar] = await Promise.all([api(`/v1/items/${enc(id)}`), api(`/v1/items/${enc(id)}/similar?k=10`)]);
    $('item-h').textContent = item.title ?? id;
    const props = $('item-props');
    props.append(h('dt', {}, 'id'), h('dd', {}, item.id), h('dt', {}, 'interactions'), h('dd', {}, fmt.format(item.interactionCount)));
    for (const [k, v] of Object.entries(item.props ?? {})) props.append(h('dt', {}, k), h('dd', {}, String(v)));
    const know = $('item-knowledge');
    for (const [relation, tails] of Object.entries(item.knowledge ?? {})) for (const t of tails) know.append(h('li', {}, h('span', { class: 'rel' }, humanRelation(relation)), t.name ?? t.id));
    if (!know.children.length) know.append(h('li', { class: 'hint' }, 'No knowledge links.'));
    $('similar-meta').textContent = similar.method === 'embedding' ? 'Nearest by learned embedding (cosine).' : 'Nearest by a graph walk from this item (PPR).';
    for (const s of similar.items) $('similar').append(h('li', {}, h('button', { type: 'button', onclick: () => void showItem(s.id) }, s.label ?? s.id), h('span', { class: 'score' }, s.score.toFixed(3))));
    window.history.replaceState(null, '', state.who?.user ? `#user=${enc(state.who.user)}&item=${enc(id)}` : `#item=${enc(id)}`);
    section.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  } catch (error) {
    $('item-h').textContent = 'Item not available';
    status(describeError(error), 'error');
  } finally {
    section.setAttribute('aria-busy', 'false');
  }
}

// ------------------------------------------------------------------ cold start

const seeds = [];

function renderChips() {
  const ul = clear($('chosen'));
  if (seeds.length === 0) ul.append(h('li', { class: 'empty' }, 'none yet'));
  seeds.forEach((s, j) =>
    ul.append(h('li', { 'data-id': s.id }, s.label, h('button', { type: 'button', 'aria-label': `Remove ${s.label}`, onclick: () => (seeds.splice(j, 1), renderChips(), $('seed-q').focus()) }, '×'))),
  );
}

async function coldStart(e) {
  e.preventDefault();
  const keywords = $('cold-keywords').value.trim();
  if (seeds.length === 0 && !keywords) {
    status('Add a seed or type some keywords first.', 'error');
    $('seed-q').focus();
    return;
  }
  const token = ++state.token;
  state.who = { seeds: seeds.map((s) => ({ kind: s.kind, id: s.id })) };
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
  const body = JSON.stringify({ seeds: state.who.seeds, ...(keywords ? { keywords } : {}), k: RECS, explain: 'text' });
  await renderRecs(() => api('/v1/recommendations', { method: 'POST', body }), token, 'this cold start');
}

// ------------------------------------------------------------------ boot

function boot() {
  renderChips();
  const users = picker({
    form: $('user-form'),
    input: $('user-q'),
    list: $('user-results'),
    kinds: 'user',
    emptyLists: true,
    pager: { root: $('user-pager'), prev: $('user-prev'), next: $('user-next'), label: $('user-page') },
    onPick: (hit) => void selectUser(hit.id),
  });
  picker({ form: $('item-form'), input: $('item-q'), list: $('item-results'), kinds: 'item', onPick: (hit) => void showItem(hit.id) });
  picker({
    form: $('seed-form'),
    input: $('seed-q'),
    list: $('seed-results'),
    kinds: 'item,entity',
    onPick: (hit) => {
      if (!seeds.some((s) => s.id === hit.id && s.kind === hit.kind) && seeds.length < 10) seeds.push({ kind: hit.kind, id: hit.id, label: hit.label });
      renderChips();
    },
  });
  $('cold-form').addEventListener('submit', (e) => void coldStart(e));
  $('history-more').addEventListener('click', () => state.who?.user && void loadHistory(state.who.user, state.token));
  void loadStats();
  void waitUntilReady().then(() => {
    void loadStats();
    void users.run();
    const params = new URLSearchParams(window.location.hash.slice(1));
    if (params.get('user')) void selectUser(params.get('user'));
    if (params.get('item')) void showItem(params.get('item'));
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
