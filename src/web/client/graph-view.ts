/**
 * @module web/client/graph-view
 * The evidence graph of the explorer, drawn with sigma.js over a graphology graph: a layered left-to-right layout
 * (user → … → recommended item, the best path along the middle), node colours by role, the chosen path highlighted
 * and the rest faded. One sigma renderer is created on the first draw and reused (`setGraph`) after.
 *
 * Test hooks (read by test/integration/explorer-browser.test.ts): `#graph` carries data-nodes, data-edges,
 * data-rendered (sigma render count) and data-path (the highlighted path's index).
 *
 * @example
 * drawEvidence(rec.evidence, (itemId) => void showItem(itemId));
 * highlightPath(rec.evidence, 0);
 */
import Graph from 'graphology';
import Sigma from 'sigma';
import type { NodeDisplayData, PartialButFor } from 'sigma/types';
import type { Settings } from 'sigma/settings';
import type { Evidence, EvidenceEdge, EvidenceNode, NodeKind } from './api-types.ts';
import { $ } from './dom.ts';

/** Node colours by role (Okabe–Ito), the path, and the label colours. */
export const COLORS = {
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
} as const;

/** What a node is in this explanation: this user, a similar user, a history item or seed, an entity, another item, the recommended item. */
type Role = 'user' | 'peer' | 'history' | 'entity' | 'item' | 'target';

const ROLE_TEXT: Record<Role, string> = { user: 'this user', peer: 'a similar user', history: 'in the history / a seed', entity: 'entity', item: 'item', target: 'the recommended item' };

interface NodeAttrs {
  x: number;
  y: number;
  /** On the middle row (the best path): the label goes above the node. */
  labelAbove: boolean;
  size: number;
  color: string;
  /** The colour when faded (off the chosen path). */
  softColor: string;
  label: string;
  role: Role;
  kind: NodeKind;
  fullLabel: string;
}

interface EdgeAttrs {
  size: number;
  color: string;
  relation: string;
  weight: number;
}

/** What the reducers hand to sigma, plus the attributes `drawLabel` reads. */
type NodeDisplay = Partial<NodeDisplayData> & { labelColor?: string; labelAbove?: boolean };

interface Position {
  x: number;
  y: number;
  middle?: boolean;
}

let renderer: Sigma<NodeAttrs, EdgeAttrs> | undefined;
let renderCount = 0;
const view: {
  graph: Graph<NodeAttrs, EdgeAttrs> | undefined;
  pathEdges: Set<string>;
  pathNodes: Set<string>;
  hovered: string | undefined;
  onOpenItem: (itemId: string) => void;
} = { graph: undefined, pathEdges: new Set(), pathNodes: new Set(), hovered: undefined, onOpenItem: () => undefined };

/** `a` blended towards `b` by `t` (hex colours). */
function mix(a: string, b: string, t: number): string {
  const ch = (hex: string, i: number) => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  return `#${[0, 1, 2].map((i) => Math.round(ch(a, i) * (1 - t) + ch(b, i) * t).toString(16).padStart(2, '0')).join('')}`;
}

/** The graph's key of an evidence edge. */
export const edgeKey = (e: EvidenceEdge): string => `${e.from}|${e.relation}|${e.to}`;

/** Shortens `s` to `n` characters with an ellipsis. */
export const shorten = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Node role for colour: the user, the recommended item, seeds/history items, similar users, entities, other items. */
function roleOf(node: EvidenceNode, ev: Evidence, historyKeys: Set<string>): Role {
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
function layout(ev: Evidence, nodes: Map<string, EvidenceNode>, adjacency: Map<string, Set<string>>): Map<string, Position> {
  const sources = ev.user ? [ev.user.key] : ev.seeds.map((s) => s.key);
  const layer = new Map<string, number>(sources.filter((k) => nodes.has(k)).map((k) => [k, 0]));
  const queue = [...layer.keys()];
  while (queue.length > 0) {
    const k = queue.shift()!;
    for (const n of adjacency.get(k) ?? []) {
      if (!layer.has(n)) {
        layer.set(n, layer.get(k)! + 1);
        queue.push(n);
      }
    }
  }
  for (const k of nodes.keys()) if (!layer.has(k)) layer.set(k, 1);
  let max = 1;
  for (const [k, l] of layer) if (k !== ev.item.key) max = Math.max(max, l);
  layer.set(ev.item.key, max + 1);
  const main = new Set((ev.paths[0]?.nodes ?? []).map((n) => n.key));
  const columns = new Map<number, string[]>();
  for (const [k, l] of layer) {
    if (!columns.has(l)) columns.set(l, []);
    columns.get(l)!.push(k);
  }
  const pos = new Map<string, Position>();
  const gap = 1.15;
  const xStep = 10 / (max + 1);
  for (const l of [...columns.keys()].sort((a, b) => a - b)) {
    const bary = (k: string) => {
      const ys = [...(adjacency.get(k) ?? [])].filter((n) => pos.has(n)).map((n) => pos.get(n)!.y);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
    };
    const byLabel = (a: string, b: string) => (nodes.get(a)!.label < nodes.get(b)!.label ? -1 : 1);
    const col = columns.get(l)!;
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

/** Draws `ev` in `#graph`; clicking an item node calls `onOpenItem` with its id. */
export function drawEvidence(ev: Evidence, onOpenItem: (itemId: string) => void): void {
  const container = $('graph');
  view.onOpenItem = onOpenItem;
  const nodes = new Map<string, EvidenceNode>();
  const addNode = (n: EvidenceNode) => nodes.set(n.key, n);
  ev.subgraph.nodes.forEach(addNode);
  for (const p of ev.paths) p.nodes.forEach(addNode);
  addNode(ev.item);
  if (ev.user) addNode(ev.user);
  const edges = new Map<string, EvidenceEdge>();
  for (const e of ev.subgraph.edges) edges.set(edgeKey(e), e);
  for (const p of ev.paths) for (const e of p.edges) edges.set(edgeKey(e), e);
  const adjacency = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!adjacency.has(a)) adjacency.set(a, new Set());
    adjacency.get(a)!.add(b);
  };
  const historyKeys = new Set<string>();
  for (const e of edges.values()) {
    link(e.from, e.to);
    link(e.to, e.from);
    if (ev.user && e.from === ev.user.key && e.relation === 'INTERACTED') historyKeys.add(e.to);
  }
  for (const s of ev.seeds) historyKeys.add(s.key);
  const pos = layout(ev, nodes, adjacency);

  const graph = new Graph<NodeAttrs, EdgeAttrs>({ multi: true, type: 'directed' });
  for (const [key, n] of nodes) {
    const role = roleOf(n, ev, historyKeys);
    const { middle = false, ...xy } = pos.get(key)!;
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
    const sigma = new Sigma<NodeAttrs, EdgeAttrs>(graph, container, {
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
      nodeReducer: (node, data): NodeDisplay => {
        const onPath = view.pathNodes.size === 0 || view.pathNodes.has(node);
        const hovered = view.hovered === node;
        return { ...data, color: onPath || hovered ? data.color : data.softColor, labelColor: onPath || hovered ? COLORS.label : COLORS.labelFaded, zIndex: onPath ? 2 : 0, highlighted: hovered, size: onPath ? data.size + 2 : data.size };
      },
      edgeReducer: (edge, data) => {
        const onPath = view.pathEdges.has(edge);
        return { ...data, color: onPath ? COLORS.path : view.pathEdges.size ? COLORS.faded : data.color, size: onPath ? 4 : data.size, zIndex: onPath ? 2 : 0 };
      },
    });
    renderer = sigma;
    sigma.on('afterRender', () => (container.dataset.rendered = String(++renderCount)));
    sigma.on('enterNode', ({ node }) => {
      view.hovered = node;
      describeNode(node);
      sigma.refresh({ skipIndexation: true });
    });
    sigma.on('leaveNode', () => {
      view.hovered = undefined;
      sigma.refresh({ skipIndexation: true });
    });
    sigma.on('clickNode', ({ node }) => {
      const a = view.graph!.getNodeAttributes(node);
      describeNode(node);
      if (a.kind === 'Item') view.onOpenItem(node.slice('Item:'.length));
    });
    $('graph-reset').addEventListener('click', () => sigma.getCamera().animatedReset({ duration: 300 }));
  } else {
    renderer.setGraph(graph);
    renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
  }
  container.dataset.nodes = String(graph.order);
  container.dataset.edges = String(graph.size);
  container.setAttribute('aria-label', `Evidence graph: ${graph.order} nodes and ${graph.size} edges; the paths are listed as text beside it.`);
}

/** Sigma label drawer: a halo for legibility over edges; labels of the middle row (the best path) above the node. */
function drawLabel(
  context: CanvasRenderingContext2D,
  data: PartialButFor<NodeDisplayData, 'x' | 'y' | 'size' | 'label' | 'color'> & NodeDisplay,
  settings: Settings<NodeAttrs, EdgeAttrs>,
): void {
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

/** Writes what a node is into `#node-info` (on hover and click). */
function describeNode(node: string): void {
  const graph = view.graph!;
  const a = graph.getNodeAttributes(node);
  $('node-info').textContent = `${a.fullLabel} — ${ROLE_TEXT[a.role]}, ${graph.degree(node)} links${a.kind === 'Item' ? ' (click to open)' : ''}`;
}

/** Highlights path `p` of `ev` (−1 or a missing index: none, everything in full colour). */
export function highlightPath(ev: Evidence, p: number): void {
  const path = ev.paths[p];
  view.pathNodes = new Set(path ? path.nodes.map((n) => n.key) : []);
  view.pathEdges = new Set(path ? path.edges.map(edgeKey) : []);
  $('graph').dataset.path = String(p);
  renderer?.refresh({ skipIndexation: true });
}
