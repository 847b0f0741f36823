/**
 * @module store/mapped-read
 * Reading a graph through a mapping (store/mapping): the statements of `cypher/mapped/`, rendered with the mapping's
 * quoted names and run with the mapping's lookups as parameters. Used by the projection reader and the mapped
 * GraphStore; nothing else runs mapped Cypher.
 *
 * Values: ids become graphrec ids (`prefix + toString(stored id)`); an interaction's weight is its mapped weight
 * property, else its rating, else 1; several relationships of one mapped type between the same user and item count as
 * one interaction whose weight is their sum (quantities of repeated purchases add up) and whose rating and time are
 * those of the latest. Timestamps: integer seconds as stored, Neo4j date/time values (or ISO strings) as Unix seconds.
 */
import neo4j, { type ManagedTransaction } from 'neo4j-driver';
import { createHash } from 'node:crypto';
import { cypher } from './cypher.ts';
import { renderMapped, type MappedPlaceholders, type ResolvedMapping } from './mapping.ts';
import { exactText, int, toNative } from './records.ts';

/** Runs `cypher/mapped/<name>.cypher` with the mapping's names filled in and its lookups as parameters. */
export function runMapped(tx: ManagedTransaction, mapping: ResolvedMapping, name: string, placeholders: MappedPlaceholders, params: Record<string, unknown> = {}) {
  return tx.run(renderMapped(cypher('mapped', name), mapping, placeholders), { ...mapping.params(), ...params });
}

/** A stored time as Unix seconds: integers as they are, Neo4j temporal values and ISO strings converted; else null. */
export function toEpochSeconds(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (neo4j.isInt(value) || typeof value === 'number') {
    const n = Number(toNative(value));
    return Number.isFinite(n) ? Math.trunc(n) : null;
  }
  if (neo4j.isDateTime(value as never) || neo4j.isDate(value as never) || neo4j.isLocalDateTime(value as never)) {
    const text = String(value);
    // Date and LocalDateTime carry no zone: read as UTC.
    const zoned = /[zZ]|[+-]\d\d:\d\d(\[.*\])?$/.test(text) ? text.replace(/\[.*\]$/, '') : neo4j.isDate(value as never) ? `${text}T00:00:00Z` : `${text}Z`;
    const ms = Date.parse(zoned);
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
  }
  if (typeof value === 'string') {
    if (/^-?\d+$/.test(value)) return Number(value);
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
  }
  return null;
}

/** One mapped interaction in graphrec's direction, repeated relationships folded (see the module header). */
export interface MappedInteraction {
  userId: string;
  itemId: string;
  itemTitle: string;
  kind: string;
  /** Raw stored value (checked against the bounds by the caller). */
  weight: unknown;
  rating: unknown;
  ts: number | null;
  /** Element id of the latest relationship. */
  elementId: string;
}

interface EdgeRow {
  fromKind: string;
  fromId: string;
  toKind: string;
  toId: string;
  fromLabel?: string;
  toLabel: string;
  weight: unknown;
  rating: unknown;
  ts: unknown;
  eid: string;
}

function edgeRow(r: { get(key: string): unknown; has(key: string): boolean }): EdgeRow {
  return {
    fromKind: String(r.get('fromKind')),
    fromId: String(r.get('fromId')),
    toKind: String(r.get('toKind')),
    toId: String(r.get('toId')),
    ...(r.has('fromLabel') ? { fromLabel: String(r.get('fromLabel')) } : {}),
    toLabel: String(r.get('toLabel')),
    weight: toNative(r.get('weight')),
    rating: toNative(r.get('rating')),
    ts: r.get('ts'),
    eid: String(r.get('eid')),
  };
}

/** Folds relationship rows of the mapped interaction types into interactions (user → item), in graphrec's direction. */
function foldInteractions(rows: Array<EdgeRow & { kind: string; reversed: boolean }>): MappedInteraction[] {
  const byKey = new Map<string, MappedInteraction>();
  for (const row of rows) {
    const [u, uKind, i, iKind, title] = row.reversed ? [row.toId, row.toKind, row.fromId, row.fromKind, row.fromLabel ?? row.fromId] : [row.fromId, row.fromKind, row.toId, row.toKind, row.toLabel];
    if (uKind !== 'User' || iKind !== 'Item') continue;
    const rating = row.rating ?? null;
    const weight = row.weight ?? rating ?? 1;
    const ts = toEpochSeconds(row.ts);
    const key = JSON.stringify([u, i, row.kind]);
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, { userId: u, itemId: i, itemTitle: title, kind: row.kind, weight, rating, ts, elementId: row.eid });
      continue;
    }
    prev.weight = typeof prev.weight === 'number' && typeof weight === 'number' ? prev.weight + weight : NaN;
    if ((ts ?? -Infinity) >= (prev.ts ?? -Infinity)) Object.assign(prev, { rating, ts, elementId: row.eid });
  }
  return [...byKey.values()];
}

/** Every mapped interaction of the graph. */
export async function readMappedInteractions(tx: ManagedTransaction, mapping: ResolvedMapping): Promise<MappedInteraction[]> {
  const rows: Array<EdgeRow & { kind: string; reversed: boolean }> = [];
  for (const x of mapping.mapping.interactions) {
    const result = await runMapped(tx, mapping, 'edges-of-type', { type: x.type }, { weight: x.weight ?? null, rating: x.rating ?? null, ts: x.timestamp ?? null });
    for (const r of result.records) rows.push({ ...edgeRow(r), kind: x.kind, reversed: x.direction === 'in' });
  }
  return foldInteractions(rows);
}

/** The mapped interactions of one user (its candidates: label, id property, stored id value). */
export async function readMappedUserInteractions(tx: ManagedTransaction, mapping: ResolvedMapping, user: { label: string; idProp: string; value: string | number }): Promise<MappedInteraction[]> {
  const rows: Array<EdgeRow & { kind: string; reversed: boolean }> = [];
  for (const x of mapping.mapping.interactions) {
    const result = await runMapped(tx, mapping, 'edges-around', { type: x.type, label: user.label, idProp: user.idProp }, { id: storedId(user.value), weight: x.weight ?? null, rating: x.rating ?? null, ts: x.timestamp ?? null });
    for (const r of result.records) rows.push({ ...edgeRow(r), kind: x.kind, reversed: x.direction === 'in' });
  }
  return foldInteractions(rows);
}

/** A knowledge edge in graphrec's direction (head → tail). */
export interface MappedKnowledge {
  headKind: 'Item' | 'Entity';
  headId: string;
  tailKind: 'Item' | 'Entity';
  tailId: string;
  tailLabel: string;
  relation: string;
}

/** Every mapped knowledge edge between items and entities. */
export async function readMappedKnowledge(tx: ManagedTransaction, mapping: ResolvedMapping): Promise<MappedKnowledge[]> {
  const out: MappedKnowledge[] = [];
  for (const x of mapping.mapping.relations) {
    const result = await runMapped(tx, mapping, 'edges-of-type', { type: x.type }, { weight: null, rating: null, ts: null });
    for (const r of result.records) {
      const row = edgeRow(r);
      const [h, hKind, t, tKind] = x.direction === 'in' ? [row.toId, row.toKind, row.fromId, row.fromKind] : [row.fromId, row.fromKind, row.toId, row.toKind];
      if ((hKind !== 'Item' && hKind !== 'Entity') || (tKind !== 'Item' && tKind !== 'Entity')) continue;
      out.push({ headKind: hKind, headId: h, tailKind: tKind, tailId: t, tailLabel: row.toLabel, relation: x.relation ?? x.type });
    }
  }
  return out;
}

/** The nodes of every mapped label of `kind`: graphrec id, display label and (items) properties; one per id. */
export async function readMappedNodes(tx: ManagedTransaction, mapping: ResolvedMapping, kind: 'User' | 'Item' | 'Entity', withProps = false): Promise<Array<{ id: string; label: string; props: Record<string, unknown> | null }>> {
  const seen = new Set<string>();
  const out: Array<{ id: string; label: string; props: Record<string, unknown> | null }> = [];
  for (const m of mapping.labelsOf(kind)) {
    const display = 'title' in m && m.title ? m.title : 'name' in m && m.name ? m.name : m.id;
    const result = await runMapped(tx, mapping, 'nodes', { label: m.label, idProp: m.id }, { display, withProps });
    for (const r of result.records) {
      const id = m.prefix + String(r.get('id'));
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ id, label: String(r.get('label')), props: withProps ? (toNative(r.get('props')) as Record<string, unknown>) : null });
    }
  }
  out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}

/** Counts per mapped label and type, and sums of the mapped values: what changes when the mapped graph changes. */
export async function mappedFingerprint(tx: ManagedTransaction, mapping: ResolvedMapping): Promise<{ fingerprint: string; counts: Record<string, number> }> {
  const parts: string[] = [];
  const counts: Record<string, number> = {};
  for (const label of Object.keys(mapping.nodes)) {
    const n = Number(toNative((await runMapped(tx, mapping, 'count-label', { label })).records[0]!.get('n')));
    counts[`label:${label}`] = n;
    parts.push(`${label}=${n}`);
  }
  for (const [type, rel] of Object.entries(mapping.rels)) {
    const x = mapping.mapping.interactions.find((i) => i.type === type);
    const values = [rel.weight, x?.rating ?? null, x?.timestamp ?? null];
    const sums: string[] = [];
    let n = 0;
    for (const value of values) {
      const r = (await runMapped(tx, mapping, 'count-type', { type }, { value })).records[0]!;
      n = Number(toNative(r.get('n')));
      sums.push(exactText(r.get('valueSum')));
    }
    counts[`type:${type}`] = n;
    parts.push(`${type}=${n}:${sums.join(',')}`);
  }
  parts.push(JSON.stringify(mapping.mapping));
  return { fingerprint: createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 24), counts };
}

/** A stored id value as a parameter (integers as driver Integers, so they match integer properties). */
export function storedId(value: string | number): unknown {
  return typeof value === 'number' ? int(value) : value;
}
