/**
 * @module report/svg-chart
 * Small, dependency-free SVG charts for reports that a notebook, a browser or a Markdown viewer can show: a line chart
 * (linear or log axes, markers, dashed series) and a grouped bar chart (with optional reference lines). Every chart
 * has a title, labelled axes with "nice" ticks, a light grid and a legend; text is XML-escaped. Pure functions: spec
 * in, SVG text out — no DOM, no browser, no network.
 *
 * @example
 * const svg = lineChart({
 *   title: 'Recall@K on ml-100k', x: { label: 'K' }, y: { label: 'Recall@K' },
 *   series: [{ label: 'lightgcn', points: [[1, 0.03], [10, 0.2], [20, 0.3]] }],
 * });
 * writeFileSync('recall.svg', svg);
 */

export type Scale = 'linear' | 'log';

export interface Axis {
  label: string;
  /** ['linear'] */
  scale?: Scale;
  /** Fixed domain ends (data range, made "nice", when absent; linear y starts at 0 for non-negative data). */
  min?: number;
  max?: number;
  /** Tick label formatter [compact number]. */
  format?: (value: number) => string;
}

export interface Series {
  label: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** CSS colour [the palette, in series order]. */
  color?: string;
  dashed?: boolean;
  /** Draw the connecting line [true]. */
  line?: boolean;
  /** Marker radius, 0 = none [3 when ≤ 60 points, else 0]. */
  marker?: number;
  /** Stroke/marker opacity [1]. */
  opacity?: number;
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  x: Axis;
  y: Axis;
  series: readonly Series[];
  /** [760] */
  width?: number;
  /** [460] */
  height?: number;
}

export interface BarGroup {
  label: string;
  /** One value per category. */
  values: readonly number[];
  color?: string;
}

export interface ReferenceLine {
  label: string;
  /** One value per category (drawn as a step across each category), or one value for a horizontal line. */
  values: readonly number[] | number;
  color?: string;
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  /** Category names along x. */
  categories: readonly string[];
  xLabel: string;
  y: Axis;
  groups: readonly BarGroup[];
  references?: readonly ReferenceLine[];
  width?: number;
  height?: number;
}

/** Tableau-10 colours: distinguishable, and what matplotlib users expect. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';
const CHAR_W = 6.6; // average glyph width at 12 px, for layout only

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** A readable tick label: 0.05, 12, 1.5k, 2M, 1e-4. */
export function compactNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 1) return String(+v.toPrecision(4));
  if (a >= 1e-3) return String(+v.toPrecision(3));
  return v.toExponential(0);
}

/** A step of 1, 2 or 5 × 10^n giving about `target` intervals over `span`. */
export function niceStep(span: number, target = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

/** Ticks (and the widened domain) of a linear axis over [min, max]. */
export function linearTicks(min: number, max: number, target = 5): { domain: [number, number]; ticks: number[] } {
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= min === 0 ? 0 : pad;
    max += pad;
  }
  const step = niceStep(max - min, target);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step * 1e-6; t += step) ticks.push(Number(t.toPrecision(12)));
  return { domain: [lo, hi], ticks };
}

/** Ticks of a log axis: the powers of ten around [min, max] (plus 2 and 5 × when the span is under three decades). */
export function logTicks(min: number, max: number): { domain: [number, number]; ticks: number[] } {
  const lo = Math.floor(Math.log10(min));
  let hi = Math.ceil(Math.log10(max));
  if (hi === lo) hi = lo + 1;
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) {
    ticks.push(10 ** e);
    if (hi - lo < 3 && e < hi) ticks.push(2 * 10 ** e, 5 * 10 ** e);
  }
  return { domain: [10 ** lo, 10 ** hi], ticks: ticks.map((t) => Number(t.toPrecision(12))) };
}

interface ResolvedAxis {
  domain: [number, number];
  ticks: number[];
  scale: Scale;
  format: (v: number) => string;
  /** Maps a value to [0, 1] along the axis. */
  frac(v: number): number;
}

function resolveAxis(axis: Axis, values: number[], startAtZero: boolean): ResolvedAxis {
  const scale = axis.scale ?? 'linear';
  const usable = scale === 'log' ? values.filter((v) => v > 0 && Number.isFinite(v)) : values.filter(Number.isFinite);
  let min = axis.min ?? (usable.length ? Math.min(...usable) : scale === 'log' ? 1 : 0);
  let max = axis.max ?? (usable.length ? Math.max(...usable) : scale === 'log' ? 10 : 1);
  if (scale === 'linear' && startAtZero && axis.min === undefined && min > 0) min = 0;
  if (min > max) [min, max] = [max, min];
  const { domain, ticks } = scale === 'log' ? logTicks(min, max) : linearTicks(min, max);
  if (axis.min !== undefined) domain[0] = axis.min;
  if (axis.max !== undefined) domain[1] = axis.max;
  const inDomain = ticks.filter((t) => t >= domain[0] - 1e-12 && t <= domain[1] * (1 + 1e-9) + 1e-12);
  const [d0, d1] = domain;
  const frac =
    scale === 'log'
      ? (v: number) => (Math.log10(v) - Math.log10(d0)) / (Math.log10(d1) - Math.log10(d0) || 1)
      : (v: number) => (v - d0) / (d1 - d0 || 1);
  return { domain, ticks: inDomain, scale, format: axis.format ?? compactNumber, frac };
}

interface Frame {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
}

function header(frame: Frame, title: string, subtitle: string | undefined): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" viewBox="0 0 ${frame.width} ${frame.height}" ${FONT} font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${frame.width}" height="${frame.height}" fill="white"/>`,
    `<text x="${frame.width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  if (subtitle) out.push(`<text x="${frame.width / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${escapeXml(subtitle)}</text>`);
  return out;
}

interface LegendEntry {
  label: string;
  color: string;
  kind: 'line' | 'bar' | 'dot';
  dashed?: boolean;
}

function legend(frame: Frame, entries: LegendEntry[]): string[] {
  const out: string[] = [];
  const x0 = frame.plot.right + 14;
  entries.forEach((e, i) => {
    const y = frame.plot.top + 8 + 18 * i;
    if (e.kind === 'bar') out.push(`<rect x="${x0}" y="${y - 6}" width="18" height="12" fill="${e.color}"/>`);
    else if (e.kind === 'dot') out.push(`<circle cx="${x0 + 9}" cy="${y}" r="3.5" fill="${e.color}"/>`);
    else out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + 18}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${x0 + 24}" y="${y + 4}">${escapeXml(e.label)}</text>`);
  });
  return out;
}

function frameFor(width: number, height: number, legendLabels: string[], hasSubtitle: boolean, yTickLabels: string[]): Frame {
  const legendW = legendLabels.length ? Math.min(260, 40 + CHAR_W * Math.max(...legendLabels.map((l) => l.length))) : 20;
  const yTickW = Math.max(...yTickLabels.map((l) => l.length), 1) * CHAR_W;
  const left = Math.round(40 + yTickW);
  return { width, height, plot: { left, top: hasSubtitle ? 56 : 44, right: width - legendW, bottom: height - 52 } };
}

function axes(frame: Frame, xLabel: string, yLabel: string): string[] {
  const { left, top, right, bottom } = frame.plot;
  const midY = (top + bottom) / 2;
  return [
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${(left + right) / 2}" y="${frame.height - 12}" text-anchor="middle" font-size="13">${escapeXml(xLabel)}</text>`,
    `<text x="16" y="${midY}" text-anchor="middle" font-size="13" transform="rotate(-90 16 ${midY})">${escapeXml(yLabel)}</text>`,
  ];
}

function yGrid(frame: Frame, y: ResolvedAxis): string[] {
  const { left, right, top, bottom } = frame.plot;
  const out: string[] = [];
  for (const t of y.ticks) {
    const py = bottom - y.frac(t) * (bottom - top);
    out.push(`<line x1="${left}" y1="${num(py)}" x2="${right}" y2="${num(py)}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${left - 5}" y1="${num(py)}" x2="${left}" y2="${num(py)}" stroke="#333"/>`);
    out.push(`<text x="${left - 8}" y="${num(py + 4)}" text-anchor="end">${escapeXml(y.format(t))}</text>`);
  }
  return out;
}

/** A line chart; see {@link LineChartSpec}. Points outside a log axis (≤ 0) are left out. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 460;
  const xLog = spec.x.scale === 'log';
  const yLog = spec.y.scale === 'log';
  const series = spec.series.map((s) => ({ ...s, points: s.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py) && (!xLog || px > 0) && (!yLog || py > 0)) }));
  const x = resolveAxis(spec.x, series.flatMap((s) => s.points.map((p) => p[0])), false);
  const y = resolveAxis(spec.y, series.flatMap((s) => s.points.map((p) => p[1])), true);
  const frame = frameFor(width, height, series.map((s) => s.label), !!spec.subtitle, y.ticks.map(y.format));
  const { left, top, right, bottom } = frame.plot;
  const px = (v: number) => left + x.frac(v) * (right - left);
  const py = (v: number) => bottom - y.frac(v) * (bottom - top);
  const parts = [...header(frame, spec.title, spec.subtitle), ...yGrid(frame, y)];
  for (const t of x.ticks) {
    parts.push(`<line x1="${num(px(t))}" y1="${bottom}" x2="${num(px(t))}" y2="${bottom + 5}" stroke="#333"/>`);
    parts.push(`<text x="${num(px(t))}" y="${bottom + 18}" text-anchor="middle">${escapeXml(x.format(t))}</text>`);
  }
  parts.push(...axes(frame, spec.x.label, spec.y.label));
  parts.push(`<clipPath id="plot"><rect x="${left}" y="${top - 4}" width="${right - left + 4}" height="${bottom - top + 8}"/></clipPath>`, '<g clip-path="url(#plot)">');
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const opacity = s.opacity !== undefined ? ` opacity="${s.opacity}"` : '';
    if (s.line !== false && s.points.length > 1) {
      const pts = s.points.map(([a, b]) => `${num(px(a))},${num(py(b))}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ''}${opacity} points="${pts}"><title>${escapeXml(s.label)}</title></polyline>`);
    }
    const r = s.marker ?? (s.points.length <= 60 ? 3 : 0);
    if (r > 0) for (const [a, b] of s.points) parts.push(`<circle cx="${num(px(a))}" cy="${num(py(b))}" r="${r}" fill="${color}"${opacity}/>`);
  });
  parts.push('</g>');
  parts.push(
    ...legend(
      frame,
      series.map((s, i): LegendEntry => {
        const color = s.color ?? PALETTE[i % PALETTE.length]!;
        if (s.line === false) return { label: s.label, color, kind: 'dot' };
        return { label: s.label, color, kind: 'line', ...(s.dashed ? { dashed: true } : {}) };
      }),
    ),
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** A grouped bar chart; see {@link BarChartSpec}. The y axis is linear and starts at 0. */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 460;
  const refs = spec.references ?? [];
  const values = [...spec.groups.flatMap((g) => [...g.values]), ...refs.flatMap((r) => (typeof r.values === 'number' ? [r.values] : [...r.values]))];
  const y = resolveAxis({ ...spec.y, scale: 'linear' }, values.length ? values : [0, 1], true);
  const labels = [...spec.groups.map((g) => g.label), ...refs.map((r) => r.label)];
  const frame = frameFor(width, height, labels, !!spec.subtitle, y.ticks.map(y.format));
  const { left, top, right, bottom } = frame.plot;
  const py = (v: number) => bottom - y.frac(v) * (bottom - top);
  const nCat = Math.max(spec.categories.length, 1);
  const band = (right - left) / nCat;
  const inner = band * 0.8;
  const barW = inner / Math.max(spec.groups.length, 1);
  const parts = [...header(frame, spec.title, spec.subtitle), ...yGrid(frame, y)];
  spec.categories.forEach((c, ci) => {
    const cx = left + band * (ci + 0.5);
    parts.push(`<text x="${num(cx)}" y="${bottom + 18}" text-anchor="middle">${escapeXml(c)}</text>`);
  });
  spec.groups.forEach((g, gi) => {
    const color = g.color ?? PALETTE[gi % PALETTE.length]!;
    g.values.forEach((v, ci) => {
      if (!Number.isFinite(v)) return;
      const x0 = left + band * ci + (band - inner) / 2 + barW * gi;
      const h = Math.max(0, bottom - py(Math.max(v, y.domain[0])));
      parts.push(`<rect x="${num(x0)}" y="${num(bottom - h)}" width="${num(Math.max(barW - 1, 1))}" height="${num(h)}" fill="${color}"><title>${escapeXml(`${g.label} · ${spec.categories[ci] ?? ''}: ${y.format(v)}`)}</title></rect>`);
    });
  });
  refs.forEach((r) => {
    const color = r.color ?? '#222';
    if (typeof r.values === 'number') {
      parts.push(`<line x1="${left}" y1="${num(py(r.values))}" x2="${right}" y2="${num(py(r.values))}" stroke="${color}" stroke-width="1.5" stroke-dasharray="5 3"/>`);
    } else {
      const pts: string[] = [];
      r.values.forEach((v, ci) => pts.push(`${num(left + band * ci)},${num(py(v))}`, `${num(left + band * (ci + 1))},${num(py(v))}`));
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" stroke-dasharray="5 3" points="${pts.join(' ')}"/>`);
    }
  });
  parts.push(...axes(frame, spec.xLabel, spec.y.label));
  parts.push(
    ...legend(frame, [
      ...spec.groups.map((g, i) => ({ label: g.label, color: g.color ?? PALETTE[i % PALETTE.length]!, kind: 'bar' as const })),
      ...refs.map((r) => ({ label: r.label, color: r.color ?? '#222', kind: 'line' as const, dashed: true })),
    ]),
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
