/**
 * @module ingest/source
 * What every dataset format produces: an ordered list of files, each read as a stream of rows. A row is either the
 * records it yields (one CSV line of a knowledge file may yield an entity and several triples) or the reason it was
 * rejected. Within a source, records that create nodes come before the records that reference them (a format emits
 * users/items/entities first, or emits the node records of a row before its edges), so a batch written in one
 * transaction, nodes first, is always self-consistent.
 */
import type { DataRecord, SourcePosition } from '../core/model.ts';

export type ParsedRow =
  | { ok: true; pos: SourcePosition; records: DataRecord[] }
  | { ok: false; pos: SourcePosition; reason: string };

export interface SourceFile {
  /** Path as given (reported in row errors and checkpoint keys). */
  path: string;
  /**
   * The file's rows in order, in batches (never empty; their size is the reader's business, e.g. the rows of one
   * 64 KiB read). Batches, not single rows: a step of an async iterator costs a promise, which at 10M rows outweighs
   * the parsing.
   */
  read(): AsyncIterable<readonly ParsedRow[]>;
}

/** The rows of `file` one at a time (tests and small readers; hot loops iterate the batches of `file.read()`). */
export async function* rowsOf(file: SourceFile): AsyncGenerator<ParsedRow> {
  for await (const batch of file.read()) yield* batch;
}

export interface DatasetSource {
  /** Format name, e.g. `movielens-100k`, `dbpedia`, `generic`. */
  format: string;
  /**
   * The reader's options that change what the same files read as (generic: id prefix, rating range, encoding), as
   * text; absent with the defaults. Part of each file's checkpoint key (ingest/load): the same files read another way
   * are another load, not one already done.
   */
  readOptions?: string;
  files: SourceFile[];
}
