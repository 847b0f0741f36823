/**
 * @module store/projection-procedure
 * The projection read through graphrec's own procedure, on the project's local Neo4j (graph/src/main/java/graphrec/
 * Projection.java): one call `graphrec.projection($chunkBytes)` streams the node ids of each kind, then every user's
 * interactions and every item's and entity's knowledge edges as packed little-endian chunks that name nodes by their
 * position in the node stream, then a fingerprint of exactly what it read (`graphrec.projectionFingerprint()` gives
 * the same value without the read). No string id is sent per edge and no Cypher runs per page: this is what lifts the
 * projection read past the Cypher pages' speed (docs/scaling.md). Against any other Neo4j the procedure does not
 * exist ({@link hasProjectionProcedure}) and store/projection-reader reads through Cypher.
 *
 * Chunk layout (`part`, `data`, `names`, `texts`):
 * - `sizes` (first): `names` = [INTERACTED relationships, RELATED relationships] from the count store: upper bounds of
 *   the edges that follow, so the reader can size its buffers once.
 * - `nodes:<Kind>`: `names` = node ids, in id order; positions count on from the previous chunk's.
 * - `interactions`: `names` = kinds added to the kind table; `data` (base64: the JS driver decodes Bolt byte arrays one
 *   byte at a time) = per user [int32 user position, int32 count] and per edge [int32 item position (-1: an item whose
 *   id is not a string: counted, not projected), uint16 kind code (0xffff: no kind), uint8 flags, the values the flags
 *   announce]; flags bits 0–1 the weight, 2–3 the rating: 0 absent, 1 a float64 follows, 2 another value (its text is
 *   the next entry of `texts`), 3 a float32 follows (a number it holds exactly); bit 4: the rating is the weight's
 *   number (no rating value follows).
 * - `knowledge`: `names` = relations added to the relation table; `data` = per head [int32 head, int32 count] and per
 *   edge [int32 tail position, int32 relation code].
 * - `end`: `names` = [the fingerprint].
 */
import { createHash } from 'node:crypto';
import type { ManagedTransaction, Record as Neo4jRecord } from 'neo4j-driver';
import { log } from '../core/log.ts';
import { NODE_KINDS, type NodeKind } from '../core/model.ts';
import { cypher } from './cypher.ts';
import type { Database } from './driver.ts';
import { runInSession } from './neo4j-graph-store.ts';

/** What the decoder hands on, in stream order. */
export interface ProcedureSink {
  /** Upper bounds of the interaction and knowledge edges that follow (the first record). */
  sizes?(interactions: number, knowledge: number): void;
  node(kind: NodeKind, id: string): void;
  /** One stored interaction of user `user` (positions): item -1 = an item whose id is not a string. */
  interaction(user: number, item: number, kind: string | null, weight: unknown, rating: unknown): void;
  /** All interactions of `user` were handed on. */
  userDone(user: number): void;
  knowledge(head: number, tails: number[], relations: string[]): void;
  /** Awaited after each record (progress, tests that write mid-read). */
  afterChunk?(): Promise<void> | void;
}

const known = new WeakMap<Database, Promise<boolean>>();

/** Whether `db`'s server has graphrec's projection procedure (asked once per database handle). */
export function hasProjectionProcedure(db: Database): Promise<boolean> {
  let answer = known.get(db);
  if (!answer) {
    answer = runInSession(db.driver, db.database, 'READ', async (tx) => {
      const result = await tx.run(cypher('read', 'projection-procedure-exists'));
      return Number(result.records[0]?.get('n') ?? 0) > 0;
    }).catch((error: unknown) => {
      log.debug('projection: cannot list procedures; reading through Cypher', { error: (error as Error).message });
      return false;
    });
    known.set(db, answer);
  }
  return answer;
}

/**
 * The procedure's fingerprint text as graphrec's fingerprints are written (24 characters: it names snapshot folders):
 * `p` and 23 hex digits, so it is never mistaken for the Cypher read's (24 hex digits) of the same graph.
 */
function short(text: string): string {
  return 'p' + createHash('sha256').update(text).digest('hex').slice(0, 23);
}

/** Whether `fingerprint` was taken by the procedure (else by the Cypher read). */
export function isProcedureFingerprint(fingerprint: string): boolean {
  return fingerprint.startsWith('p');
}

/** `graphrec.projectionFingerprint()` in `tx`. */
export async function procedureFingerprint(tx: ManagedTransaction): Promise<string> {
  const result = await tx.run(cypher('read', 'projection-procedure-fingerprint'));
  return short(String(result.records[0]!.get('fingerprint')));
}

const KINDS = new Set<string>(NODE_KINDS);

/** Bytes of packed data per record the procedure is asked for (its own default too, projection(chunkBytes = 262144)). */
export const PROCEDURE_CHUNK_BYTES = 1 << 18;

/** Reads the projection through the procedure in `tx`, handing every node and edge to `sink`; returns the fingerprint. */
export async function readThroughProcedure(tx: ManagedTransaction, sink: ProcedureSink, chunkBytes = PROCEDURE_CHUNK_BYTES): Promise<string> {
  const kinds: string[] = [];
  const relations: string[] = [];
  let fingerprint: string | undefined;
  for await (const record of tx.run(cypher('read', 'projection-procedure'), { chunkBytes })) {
    const part = String(record.get('part'));
    if (part === 'sizes') {
      const [interactions, knowledge] = (record.get('names') as string[]).map(Number);
      sink.sizes?.(interactions!, knowledge!);
    } else if (part.startsWith('nodes:')) {
      const kind = part.slice('nodes:'.length);
      if (!KINDS.has(kind)) throw new Error(`projection procedure: unknown node kind ${kind}`);
      for (const id of record.get('names') as string[]) sink.node(kind as NodeKind, id);
    } else if (part === 'interactions') {
      kinds.push(...(record.get('names') as string[]));
      decodeInteractions(record, kinds, sink);
    } else if (part === 'knowledge') {
      relations.push(...(record.get('names') as string[]));
      decodeKnowledge(record, relations, sink);
    } else if (part === 'end') {
      fingerprint = short(String((record.get('names') as string[])[0]));
    } else throw new Error(`projection procedure: unknown part ${part}`);
    await sink.afterChunk?.();
  }
  if (fingerprint === undefined) throw new Error('projection procedure: the stream ended without its fingerprint');
  return fingerprint;
}

function view(record: Neo4jRecord): DataView {
  const data = Buffer.from(record.get('data') as string, 'base64');
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

function decodeInteractions(record: Neo4jRecord, kinds: readonly string[], sink: ProcedureSink): void {
  const data = view(record);
  const texts = record.get('texts') as string[];
  let t = 0;
  let o = 0;
  const value = (flag: number): unknown => {
    if (flag === 0) return null;
    if (flag === 3) {
      const v = data.getFloat32(o, true);
      o += 4;
      return v;
    }
    if (flag === 1) {
      const v = data.getFloat64(o, true);
      o += 8;
      return v;
    }
    return texts[t++];
  };
  while (o < data.byteLength) {
    const user = data.getInt32(o, true);
    const count = data.getInt32(o + 4, true);
    o += 8;
    for (let k = 0; k < count; k++) {
      const item = data.getInt32(o, true);
      const code = data.getUint16(o + 4, true);
      const flags = data.getUint8(o + 6);
      o += 7;
      const weight = value(flags & 3);
      const rating = flags & 16 ? weight : value((flags >> 2) & 3);
      sink.interaction(user, item, code === 0xffff ? null : kinds[code]!, weight, rating);
    }
    sink.userDone(user);
  }
}

function decodeKnowledge(record: Neo4jRecord, relations: readonly string[], sink: ProcedureSink): void {
  const data = view(record);
  let o = 0;
  while (o < data.byteLength) {
    const head = data.getInt32(o, true);
    const count = data.getInt32(o + 4, true);
    o += 8;
    const tails: number[] = new Array<number>(count);
    const names: string[] = new Array<string>(count);
    for (let k = 0; k < count; k++) {
      tails[k] = data.getInt32(o, true);
      names[k] = relations[data.getInt32(o + 4, true)]!;
      o += 8;
    }
    sink.knowledge(head, tails, names);
  }
}
