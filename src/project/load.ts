/**
 * @module project/load
 * Assembles the graph read out of Neo4j (store/projection-reader: one read transaction between two equal fingerprints)
 * into a {@link Csr}, or reuses the snapshot under `graph/snapshots/` when the database's fingerprint (counts and sums
 * over the projected edge attributes) and the bounds in force have not changed since it was written. Stored
 * interactions outside the bounds (core/bounds) are skipped and counted, never fatal: the count is logged, kept in
 * the snapshot's manifest and shown by `/v1/health/ready`; `graphrec doctor` lists and repairs them.
 *
 * Node keys in the projection are `<Kind>:<id>` (e.g. `Item:ml100k:i:1`), so a user, an item and an entity may share an
 * id without colliding; {@link nodeKey} / {@link parseNodeKey} convert. Edges: user→item interactions (relation 0,
 * weight = the pair's kinds combined by core/interactions `edgeWeight`, the same function the live engine applies,
 * each kind's value first put through its transform, core/weight-transform) and item/entity→item/entity knowledge
 * edges (relation = the dataset's name, weight 1). The interaction settings, the transforms and the bounds are part of
 * the snapshot key, so changed kind weights, transforms or bounds never reuse a snapshot made under others.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { INTERACTION_BOUNDS, type InteractionBounds } from '../core/bounds.ts';
import { DEFAULTS, loadConfig, type Config } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { edgeWeight, INTERACTION_DEFAULTS, kindWeight, type InteractionSettings, type KindValue } from '../core/interactions.ts';
import { log } from '../core/log.ts';
import { createProgress, type Progress } from '../core/progress.ts';
import { transformInteractionWeights, type WeightsConfig } from '../core/weight-transform.ts';
import { NODE_KINDS, NOT_ITEM_PROPS, scalarProps, type NodeKind, type NodeRef, type Props } from '../core/model.ts';
import { GRAPH_DIR } from '../core/paths.ts';
import type { Database } from '../store/driver.ts';
import { openDatabase } from '../store/open.ts';
import { projectionFingerprint, readInteractionKindRows, readItemPropRows, readLabelRows, readProjectionRows, storeVersion, type InteractionKindRow, type InvalidEdgeReport } from '../store/projection-reader.ts';
import { buildCsr, INTERACTION_RELATION, KIND_CODES, type Csr } from './csr.ts';
import { growF32, growF64, growU16, growU32 } from './growable.ts';
import { readSnapshot, writeSnapshot } from './csr-snapshot.ts';
import { readInteractionValues, writeInteractionValues, type InteractionValues } from './interaction-values.ts';

export const PROJECTION_DEFAULTS = {
  /** Rows per keyset page. */
  pageSize: 5000,
  /** Folder of projection snapshots; empty string = no snapshots. */
  snapshotDir: path.join(GRAPH_DIR, 'snapshots'),
} as const;

export function nodeKey(kind: NodeKind, id: string): string {
  return `${kind}:${id}`;
}

export function parseNodeKey(key: string): NodeRef {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon) as NodeKind;
  if (colon < 0 || !NODE_KINDS.includes(kind)) throw new AppError('INVALID_GRAPH', `project: malformed node key ${JSON.stringify(key)}`);
  return { kind, id: key.slice(colon + 1) };
}

export interface ProjectionOptions {
  pageSize?: number;
  snapshotDir?: string;
  /** Progress of the read from Neo4j (rows read, a unit per page). */
  progress?: Progress;
  /** Valid interaction values; stored edges outside them are skipped [core/bounds defaults; serve: config `bounds`]. */
  bounds?: InteractionBounds;
  /** How kinds combine into an edge weight [core/interactions INTERACTION_DEFAULTS]. */
  interactions?: InteractionSettings;
  /** Per-kind transforms of the kinds' values before they combine [the config defaults, `DEFAULTS.weights`]. */
  weights?: WeightsConfig;
  /** A fingerprint taken just before the read (store/projection-reader `before`: the read then takes one scan fewer). */
  before?: string;
  /** How to read Neo4j (store/projection-reader `via`): graphrec's procedure where the server has it, else Cypher. */
  via?: 'procedure' | 'cypher';
}

export { projectionFingerprint };

/** Reads the whole graph from Neo4j into a CSR (no snapshot logic), in one read transaction. */
export async function readProjection(db: Database, options: ProjectionOptions = {}): Promise<Csr> {
  return (await readProjectionSnapshot(db, options)).csr;
}

/**
 * Reads the whole graph into a CSR in one read transaction (store/projection-reader): the CSR, the fingerprint of
 * exactly what was read, and the stored edges skipped because they break the bounds (core/bounds).
 */
export async function readProjectionSnapshot(db: Database, options: ProjectionOptions = {}): Promise<{ csr: Csr; fingerprint: string; invalid: InvalidEdgeReport; values: InteractionValues; interactionKinds: InteractionKindRow[] }> {
  let ids: string[] = [];
  let kinds: number[] = [];
  let relations = [INTERACTION_RELATION];
  let relationIds = new Map<string, number>([[INTERACTION_RELATION, 0]]);
  // Edge and value columns as typed arrays that grow (project/growable): a few bytes per edge where JS arrays took
  // 8–16 per column, the difference between a 50M-interaction read fitting in memory or not (docs/scaling.md).
  let src = growU32();
  let dst = growU32();
  let weight = growF32();
  let relation = growU16();
  const settings = options.interactions ?? INTERACTION_DEFAULTS;
  // Every (user, item, kind) value read: its edge's position, user, kind (a code into kindNames) and stored value.
  let valueEdge = growU32();
  let valueUser = growU32();
  let valueKind = growU16();
  let valueRaw = growF64();
  let kindNames: string[] = [];
  let kindIds = new Map<string, number>();
  const kindCode = (kind: string): number => {
    let c = kindIds.get(kind);
    if (c === undefined) {
      if (kindNames.length > 0xffff) throw new AppError('INVALID_GRAPH', 'project: more than 65,536 interaction kinds');
      kindIds.set(kind, (c = kindNames.length));
      kindNames.push(kind);
    }
    return c;
  };

  const { fingerprint, invalid, kinds: interactionKinds } = await readProjectionRows(
    db,
    {
      begin() {
        valueEdge = growU32();
        valueUser = growU32();
        valueKind = growU16();
        valueRaw = growF64();
        kindNames = [];
        kindIds = new Map();
        ids = [];
        kinds = [];
        relations = [INTERACTION_RELATION];
        relationIds = new Map([[INTERACTION_RELATION, 0]]);
        src = growU32();
        dst = growU32();
        weight = growF32();
        relation = growU16();
      },
      expect(interactionCount, knowledgeCount) {
        // Sized once: no regrowth and no copy at the end when the bounds are exact (every stored edge valid).
        const edgeCount = interactionCount + knowledgeCount;
        src = growU32(edgeCount);
        dst = growU32(edgeCount);
        weight = growF32(edgeCount);
        relation = growU16(edgeCount);
        valueEdge = growU32(interactionCount);
        valueUser = growU32(interactionCount);
        valueKind = growU16(interactionCount);
        valueRaw = growF64(interactionCount);
      },
      node(kind, id) {
        ids.push(nodeKey(kind, id));
        kinds.push(KIND_CODES[kind]);
      },
      interactions(u, edges) {
        const { items: itemOf, weights, kinds: edgeKinds } = edges;
        // Entries in item node order, so a user's values of a kind are summed (user-norm) in the order the live engine
        // sums them; the kinds of one pair stay together, in row order.
        const order = sharedOrder(itemOf);
        const n = itemOf.length;
        // The edge takes its place now; its weight is set once every kind's values are known (the transforms).
        let last = -1;
        let at = -1;
        let lastKind: string | undefined;
        let lastCode = 0;
        for (let q = 0; q < n; q++) {
          const k = order[q]!;
          const i = itemOf[k]!;
          if (i !== last) {
            at = weight.length;
            src.push(u);
            dst.push(i);
            weight.push(0);
            relation.push(0);
            last = i;
          }
          valueEdge.push(at);
          valueUser.push(u);
          const kind = edgeKinds[k]!;
          if (kind !== lastKind) {
            lastKind = kind;
            lastCode = kindCode(kind);
          }
          valueKind.push(lastCode);
          valueRaw.push(weights[k]!);
        }
      },
      knowledge(h, tails, rels) {
        // In tail order (ties in row order), as the interactions are in item order: the CSR build then finds the
        // edges already sorted by (source, target) and skips that sort.
        const order = sharedOrder(tails);
        for (let q = 0; q < tails.length; q++) {
          const k = order[q]!;
          const t = tails[k]!;
          const rel = rels[k]!;
          let r = relationIds.get(rel);
          if (r === undefined) {
            r = relations.length;
            relationIds.set(rel, r);
            relations.push(rel);
          }
          src.push(h);
          dst.push(t);
          weight.push(1);
          relation.push(r);
        }
      },
    },
    {
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(options.bounds ? { bounds: options.bounds } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.before !== undefined ? { before: options.before } : {}),
      ...(options.via ? { via: options.via } : {}),
    },
  );
  if (invalid.count > 0) {
    log.warn('projection: skipped stored interactions outside the bounds (run `graphrec doctor` to list and repair them)', {
      skipped: invalid.count,
      examples: invalid.samples.slice(0, 5).map((e) => `${e.userId}→${e.itemId} (${e.kind ?? 'no kind'}): ${e.problem}`),
    });
  }
  // Each kind's values go through the kind's transform (core/weight-transform; its statistics need every value), then
  // the kinds of a pair combine by edgeWeight.
  const valueCount = valueRaw.length;
  const valueKinds = valueKind.toArray();
  const valueUsers = valueUser.toArray();
  const raw = valueRaw.toArray();
  const transformed = transformInteractionWeights(options.weights ?? DEFAULTS.weights, { users: valueUsers, kinds: { codes: valueKinds, names: kindNames }, weights: raw });
  if (Object.values(transformed.applied).some((t) => t !== 'none')) log.info('projection: interaction weight transforms', { applied: transformed.applied });
  const edgeOf = valueEdge.toArray();
  // An edge of one kind weighs kindWeight × its value (edgeWeight of one entry), with the factor looked up once per kind.
  const factors = kindNames.map((kind) => kindWeight(kind, settings));
  for (let k = 0; k < valueCount; ) {
    const at = edgeOf[k]!;
    if (k + 1 === valueCount || edgeOf[k + 1] !== at) {
      weight.set(at, factors[valueKinds[k]!]! * transformed.weights[k]!);
      k++;
      continue;
    }
    const kindValues: KindValue[] = [];
    for (; k < valueCount && edgeOf[k] === at; k++) kindValues.push({ kind: kindNames[valueKinds[k]!]!, weight: transformed.weights[k]! });
    weight.set(at, edgeWeight(kindValues, settings));
  }
  const dstOf = dst.toArray();
  const csr = buildCsr({
    ids,
    kinds: Uint8Array.from(kinds),
    relations,
    edges: { src: src.toArray(), dst: dstOf, weight: weight.toArray(), relation: relation.toArray() },
  });
  // The item of each value is its edge's target.
  for (let k = 0; k < valueCount; k++) edgeOf[k] = dstOf[edgeOf[k]!]!;
  const values: InteractionValues = { kinds: kindNames, user: valueUsers, item: edgeOf, kind: valueKinds, raw };
  return { csr, fingerprint, invalid, values, interactionKinds };
}

/**
 * What the projection's interaction edges are (the projection keeps weights only): the kind as ingested when one kind
 * holds every edge (rating, listen, purchase, …; `interaction` when kinds are mixed or there are none), and whether
 * every edge carries an explicit rating (then weights are ratings). From per-kind counts (store/projection-reader
 * `InteractionKindRow`: the projection read counts them; {@link readInteractionKind} asks Neo4j).
 */
export function interactionKindOf(rows: readonly InteractionKindRow[]): { kind: string; rated: boolean } {
  if (rows.length === 0) return { kind: 'rating', rated: true };
  const total = rows.reduce((a, r) => a + r.edges, 0);
  const rated = rows.reduce((a, r) => a + r.rated, 0) === total;
  return { kind: rows.length === 1 ? rows[0]!.kind : rated ? 'rating' : 'interaction', rated };
}

/** {@link interactionKindOf} from one aggregate read over the stored interactions. */
export async function readInteractionKind(db: Database): Promise<{ kind: string; rated: boolean }> {
  return interactionKindOf(await readInteractionKindRows(db));
}

/** Display names by node key: item titles and entity names (users are shown by id). */
export async function readLabels(db: Database, options: ProjectionOptions = {}): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  for (const [kind, id, label] of await readLabelRows(db, options.pageSize ? { pageSize: options.pageSize } : {})) labels.set(nodeKey(kind, id), label);
  return labels;
}

/**
 * Scalar properties of every item by node key (`Item:<id>`), without `id` and `title`: what `filters.itemProps` of a
 * recommendation request compares against. Items without other properties are left out.
 */
export async function readItemProps(db: Database, options: ProjectionOptions = {}): Promise<Map<string, Props>> {
  const props = new Map<string, Props>();
  for (const [id, all] of await readItemPropRows(db, options.pageSize ? { pageSize: options.pageSize } : {})) {
    const own = scalarProps(all, NOT_ITEM_PROPS);
    if (Object.keys(own).length > 0) props.set(nodeKey('Item', id), own);
  }
  return props;
}

/** The file name prefix of one database's files in the snapshot folder (snapshots, version record, names). */
function databaseKey(db: Database): string {
  return createHash('sha256').update(db.uri + '|' + db.database).digest('hex').slice(0, 12);
}

/** Bumped when what {@link readItemProps} keeps changes (2: graphrec's vector properties left out). */
const NAMES_FORMAT = 2;

/** What `<snapshotDir>/<key>.names.json` holds: the display names and item properties read at a store version. */
interface NamesRecord {
  /** The rules the file was written under ({@link NAMES_FORMAT}); a file of other rules is read again from Neo4j. */
  format: number;
  version: string;
  mapping: string;
  labels: Array<[string, string]>;
  itemProps: Array<[string, Props]>;
}

/**
 * Display names ({@link readLabels}) and item properties ({@link readItemProps}) for serving. With a snapshot folder
 * and a server that tells its store version (the local Neo4j), they are kept in `<snapshotDir>/<key>.names.json`
 * with the version taken before they were read: a later boot at the same version (nothing but graphrec's own vectors
 * committed since, so no title or property changed either) reads that file instead of Neo4j — at 50M interactions
 * 600k names and 400k property maps took ~18 s through Cypher. Any other version, another graph mapping or an
 * unreadable file reads Neo4j again. Item properties with a number JSON cannot hold (NaN, ±Infinity) are never kept.
 */
export async function readServingNames(db: Database, options: ProjectionOptions = {}): Promise<{ labels: Map<string, string>; itemProps: Map<string, Props>; fromFile: boolean }> {
  const snapshotDir = options.snapshotDir ?? PROJECTION_DEFAULTS.snapshotDir;
  const version = snapshotDir ? await storeVersion(db) : null;
  const file = version ? path.join(snapshotDir, `${databaseKey(db)}.names.json`) : '';
  const mapping = JSON.stringify(db.mapping ?? null);
  if (file && existsSync(file)) {
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<NamesRecord>;
      if (record.format === NAMES_FORMAT && record.version === version && record.mapping === mapping && Array.isArray(record.labels) && Array.isArray(record.itemProps)) {
        return { labels: new Map(record.labels), itemProps: new Map(record.itemProps), fromFile: true };
      }
    } catch (error) {
      log.warn('projection: names file unreadable, reading Neo4j', { file, error: (error as Error).message });
    }
  }
  const [labels, itemProps] = await Promise.all([readLabels(db, options), readItemProps(db, options)]);
  const keepable = [...itemProps.values()].every((props) => Object.values(props).every((v) => typeof v !== 'number' || Number.isFinite(v)));
  if (file && keepable) {
    // The file only saves the next boot a read: failing to write it is reported, never fatal.
    try {
      mkdirSync(snapshotDir, { recursive: true });
      const record: NamesRecord = { format: NAMES_FORMAT, version: version!, mapping, labels: [...labels], itemProps: [...itemProps] };
      writeFileSync(file + '.tmp', JSON.stringify(record));
      renameSync(file + '.tmp', file);
    } catch (error) {
      log.warn('projection: cannot keep the names file; the next boot reads Neo4j again', { file, error: (error as Error).message });
    }
  }
  return { labels, itemProps, fromFile: false };
}

export interface Projection {
  csr: Csr;
  fingerprint: string;
  fromSnapshot: boolean;
  /** The stored (user, item, kind) values behind the interaction edges (the live engine derives edge weights from them). */
  values: InteractionValues;
  /** Stored interactions skipped because they break the bounds (count and the first few). */
  invalid: InvalidEdgeReport;
  /** Stored interaction edges per kind, counted by the read (kept in the snapshot; absent in one written before them). */
  interactionKinds?: InteractionKindRow[];
  /**
   * How the snapshot's currency was decided: `version` = the server's store version (store/projection-reader
   * `storeVersion`) was the one recorded with this fingerprint, so the fingerprint scan was skipped; `fingerprint` =
   * the scan was taken; `none` = no snapshot of this database under these settings existed, so none was taken before
   * the read.
   */
  currency: 'version' | 'fingerprint' | 'none';
  /** Where the time went, seconds: the fingerprint query, then the snapshot read or the Neo4j read and the snapshot write. */
  timings: { fingerprint: number; snapshotRead?: number; neo4jRead?: number; snapshotWrite?: number };
}

/** What `<snapshotDir>/<key>.version.json` records: a store version and the fingerprint the database had at it. */
interface VersionRecord {
  version: string;
  fingerprint: string;
}

function readVersionRecord(file: string): VersionRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<VersionRecord>;
    return typeof parsed.version === 'string' && typeof parsed.fingerprint === 'string' ? { version: parsed.version, fingerprint: parsed.fingerprint } : undefined;
  } catch {
    return undefined;
  }
}

/** The projection, from the current snapshot when the database has not changed since, else read and snapshotted. */
export async function projectDatabase(db: Database, options: ProjectionOptions = {}): Promise<Projection> {
  const snapshotDir = options.snapshotDir ?? PROJECTION_DEFAULTS.snapshotDir;
  const bounds = options.bounds ?? INTERACTION_BOUNDS;
  const weights = options.weights ?? DEFAULTS.weights;
  const t0 = performance.now();
  const key = databaseKey(db);
  // The fingerprint scans every interaction (seconds at 10M). When the server tells its store version (the local
  // Neo4j: graphrec.servingVersion, which every write of what graphrec reads moves, and graphrec's own vector
  // properties do not) and it is the one recorded with a fingerprint, nothing read here was written since: that
  // fingerprint still holds. The version is taken BEFORE the fingerprint it is recorded with, so a write in
  // between makes the next version differ (a scan again), never a stale match.
  const versionFile = snapshotDir ? path.join(snapshotDir, `${key}.version.json`) : '';
  const version = snapshotDir ? await storeVersion(db) : null;
  const recorded = version ? readVersionRecord(versionFile) : undefined;
  const settings = options.interactions ?? INTERACTION_DEFAULTS;
  // The kind weights decide edge weights and the bounds which stored edges are skipped: a snapshot made under others
  // is not reused.
  const settingsKey = createHash('sha256')
    .update(JSON.stringify([Object.entries(settings.kindWeights).sort(), settings.defaultKindWeight, bounds.ratingMin, bounds.ratingMax, bounds.maxWeight, Object.entries(weights.transforms).sort(), weights.heavyTailTransform, weights.heavyTailRatio]))
    .digest('hex')
    .slice(0, 8);
  // With no snapshot of this database under these settings there is nothing to compare a fingerprint with: the read
  // goes ahead and checks itself (store/projection-reader: by the store version where the server tells it).
  // This database's snapshot folders (`<key>-<fingerprint>-<settings>`; its version and names files are `<key>.…`).
  const snapshotsOfKey = () => (snapshotDir && existsSync(snapshotDir) ? readdirSync(snapshotDir).filter((f) => f.startsWith(`${key}-`)) : []);
  const kept = snapshotsOfKey().some((f) => f.endsWith(`-${settingsKey}`));
  const currency: Projection['currency'] = recorded && recorded.version === version ? 'version' : kept ? 'fingerprint' : 'none';
  const fingerprint = currency === 'version' ? recorded!.fingerprint : currency === 'fingerprint' ? await projectionFingerprint(db, options.via) : undefined;
  const recordVersion = (print: string) => {
    if (!version || (recorded?.version === version && recorded.fingerprint === print)) return;
    mkdirSync(snapshotDir, { recursive: true });
    writeFileSync(versionFile, JSON.stringify({ version, fingerprint: print } satisfies VersionRecord) + '\n');
  };
  const seconds = (from: number) => (performance.now() - from) / 1000;
  const timings: Projection['timings'] = { fingerprint: seconds(t0) };
  const dirOf = (print: string) => (snapshotDir ? path.join(snapshotDir, `${key}-${print}-${settingsKey}`) : '');
  const dir = fingerprint === undefined ? '' : dirOf(fingerprint);
  if (dir && existsSync(dir)) {
    try {
      const t1 = performance.now();
      const [{ csr, manifest }, values] = await Promise.all([readSnapshot(dir), readInteractionValues(dir)]);
      timings.snapshotRead = seconds(t1);
      const invalid = (manifest.meta.invalid as InvalidEdgeReport | undefined) ?? { count: 0, samples: [] };
      const interactionKinds = manifest.meta.interactionKinds as InteractionKindRow[] | undefined;
      log.info('projection: snapshot reused', { dir, nodes: csr.nodeCount, edges: csr.edgeCount, skippedInvalid: invalid.count, currency });
      if (invalid.count > 0) log.warn('projection: the snapshot skips stored interactions outside the bounds (run `graphrec doctor`)', { skipped: invalid.count });
      recordVersion(fingerprint!);
      return { csr, fingerprint: fingerprint!, fromSnapshot: true, invalid, values, timings, currency, ...(interactionKinds ? { interactionKinds } : {}) };
    } catch (error) {
      log.warn('projection: snapshot unreadable, re-reading Neo4j', { dir, error: (error as Error).message });
    }
  }
  const started = performance.now();
  // The read's own fingerprint (taken in its transaction) names the snapshot: a write between the two is not mislabelled.
  const read = await readProjectionSnapshot(db, { ...options, bounds, weights, ...(fingerprint !== undefined ? { before: fingerprint } : {}) });
  const { csr } = read;
  timings.neo4jRead = seconds(started);
  log.info('projection: read from Neo4j', { nodes: csr.nodeCount, edges: csr.edgeCount, skippedInvalid: read.invalid.count, ms: Math.round(performance.now() - started) });
  const readDir = dirOf(read.fingerprint);
  if (readDir) {
    for (const old of snapshotsOfKey()) rmSync(path.join(snapshotDir, old), { recursive: true, force: true });
    const t2 = performance.now();
    writeSnapshot(readDir, csr, { fingerprint: read.fingerprint, uri: db.uri, database: db.database, bounds, invalid: read.invalid, interactionKinds: read.interactionKinds });
    writeInteractionValues(readDir, read.values);
    timings.snapshotWrite = seconds(t2);
    recordVersion(read.fingerprint);
  }
  return { csr, fingerprint: read.fingerprint, fromSnapshot: false, invalid: read.invalid, values: read.values, interactionKinds: read.interactionKinds, timings, currency };
}

/**
 * The positions of `items` (node numbers: an interaction row's items, a knowledge row's tails) in (node, position)
 * order: none moved when they are already in order; a short row by insertion sort; a long one by one native sort of
 * the numeric keys node · n + position (exact below 2^53) instead of a comparator sort — the projection read orders
 * every row it reads.
 */
export function itemOrder(items: ArrayLike<number>): Uint32Array {
  return fillOrder(items, new Uint32Array(items.length));
}

let orderScratch = new Uint32Array(1024);
let keyScratch = new Float64Array(1024);

/**
 * {@link itemOrder} into a buffer shared by every call: its first `items.length` entries, valid until the next call.
 * The read orders one row per user (400k rows at 10M interactions): a new array per row cost more than the ordering.
 */
function sharedOrder(items: ArrayLike<number>): Uint32Array {
  if (orderScratch.length < items.length) orderScratch = new Uint32Array(items.length * 2);
  return fillOrder(items, orderScratch);
}

/** Rows up to this length (a typical user's) are ordered by insertion sort: stable, an entry moves only past larger nodes. */
const INSERTION_MAX = 32;

function fillOrder(items: ArrayLike<number>, out: Uint32Array): Uint32Array {
  const n = items.length;
  let sorted = true;
  let max = 0;
  for (let k = 0; k < n; k++) {
    const i = items[k]!;
    if (k > 0 && i < items[k - 1]!) sorted = false;
    if (i > max) max = i;
    out[k] = k;
  }
  if (sorted) return out;
  if (n <= INSERTION_MAX) {
    for (let k = 1; k < n; k++) {
      const node = items[k]!;
      let q = k - 1;
      while (q >= 0 && items[out[q]!]! > node) {
        out[q + 1] = out[q]!;
        q--;
      }
      out[q + 1] = k;
    }
    return out;
  }
  if ((max + 1) * n >= 2 ** 53) {
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => items[a]! - items[b]! || a - b);
    for (let k = 0; k < n; k++) out[k] = order[k]!;
    return out;
  }
  if (keyScratch.length < n) keyScratch = new Float64Array(n * 2);
  const keys = keyScratch.subarray(0, n);
  for (let k = 0; k < n; k++) keys[k] = items[k]! * n + k;
  keys.sort();
  for (let k = 0; k < n; k++) out[k] = keys[k]! % n;
  return out;
}

/** For CLI commands: opens the configured database, projects it, and hands back a closer. */
export async function loadProjection(options: { cfg?: Config } = {}): Promise<{ csr: Csr; close(): Promise<void> }> {
  const cfg = options.cfg ?? loadConfig();
  const db = await openDatabase(cfg);
  try {
    const { csr } = await projectDatabase(db, { progress: createProgress(process.stderr, { unit: 'rows' }), bounds: cfg.bounds, interactions: cfg.interactions, weights: cfg.weights });
    return { csr, close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}
