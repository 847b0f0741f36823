/**
 * @module ingest/formats/text-lines
 * Streaming text readers shared by every file format: a line reader over raw bytes (LF or CRLF, 1-based line numbers,
 * UTF-8 checked per line with a fatal decoder, or latin-1), and a delimited-record assembler on top of it (plain
 * split for TAB/pipe files; RFC-4180 quoting for CSV, where a quoted cell may span lines and the record is reported at
 * its first line). Nothing here throws on bad content: a malformed record comes out as `{ line, error }`. Only I/O
 * problems (missing or unreadable file) throw, as `AppError('BAD_REQUEST')`.
 *
 * Lines and records stream in batches (the lines of one 64 KiB read, the records they complete), never one at a
 * time: every step of an async generator costs a promise and a microtask, and at tens of millions of rows a chain of
 * per-row generators cost more than the parsing (docs/scaling.md, "Bulk conversion").
 *
 * csv-parse is not used because it cannot keep going after an unterminated quote, and with `encoding: null` (needed to
 * check UTF-8 ourselves) its error path crashes (csv-parse 6.2.1); this reader recovers and re-reads the lines.
 *
 * @example
 * for await (const batch of readDelimited('ratings.csv', { delimiter: ',', quoted: true })) {
 *   for (const rec of batch) if ('error' in rec) console.log(rec.line, rec.error); else console.log(rec.line, rec.fields);
 * }
 */
import { createReadStream, statSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { AppError } from '../../core/errors.ts';

export type TextEncoding = 'utf-8' | 'latin1';

export interface TextLine {
  /** 1-based line number. */
  line: number;
  /** Line text without the line terminator (lossily decoded when `invalidUtf8`). */
  text: string;
  /** True when the line's bytes are not valid UTF-8 (never for latin-1). */
  invalidUtf8: boolean;
  /** Set (to the limit it passed) when the line had more bytes than the reader's limit: its text was not read. */
  tooLong?: number;
}

/** A line longer than this many bytes is reported (`TextLine.tooLong`), not read: memory stays bounded whatever the file. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** The row error of a line that passed the limit. */
export function lineTooLong(limit: number): string {
  return `line longer than ${limit} bytes (not read)`;
}

export type DelimitedRecord = { line: number; fields: string[] } | { line: number; error: string };

export const DELIMITED_DEFAULTS = {
  /** Cell separator. */
  delimiter: ',',
  /** Honour RFC-4180 double quotes (CSV); false = split every line on the delimiter (TSV, pipe files). */
  quoted: false,
  /** Byte decoding. */
  encoding: 'utf-8' as TextEncoding,
  /** A quoted cell longer than this is taken as an unterminated quote: the record is rejected and its lines re-read. */
  maxQuotedChars: 1_000_000,
};

export type DelimitedOptions = typeof DELIMITED_DEFAULTS;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * Throws `AppError('BAD_REQUEST')` unless `path` is an existing regular file.
 */
export function assertReadableFile(path: string, who: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    throw new AppError('BAD_REQUEST', `${who}: file not found: ${path}`, { path }, { cause: error });
  }
  if (!isFile) throw new AppError('BAD_REQUEST', `${who}: not a regular file: ${path}`, { path });
}

/** Whether `path` names an existing regular file (no throw). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Whether `path` names an existing directory (no throw). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Streams the lines of a file, one batch per read chunk (never an empty batch). Splits on LF, drops a trailing CR,
 * strips a UTF-8 byte-order mark, yields empty lines too (callers skip them) and a last line without terminator when
 * there is one. A line of more than `maxLineBytes` bytes comes out with `tooLong` set and no text; its bytes are
 * skipped, not held.
 */
export async function* readTextLines(path: string, encoding: TextEncoding = 'utf-8', maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<TextLine[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let lineNo = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // The current line passed the limit: its bytes are dropped up to its end.
  let skipping = false;
  const tooLong = (): TextLine => ({ line: ++lineNo, text: '', invalidUtf8: false, tooLong: maxLineBytes });
  const decode = (bytes: Buffer): TextLine => {
    lineNo += 1;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end -= 1;
    let body = bytes.subarray(0, end);
    if (lineNo === 1 && encoding === 'utf-8' && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
    if (encoding === 'latin1' || isAscii(body)) return { line: lineNo, text: body.toString('latin1'), invalidUtf8: false };
    try {
      return { line: lineNo, text: decoder.decode(body), invalidUtf8: false };
    } catch {
      return { line: lineNo, text: body.toString('utf8'), invalidUtf8: true };
    }
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const batch: TextLine[] = [];
      // A chunk that is all ASCII (the common case; a BOM is not ASCII) decodes each line straight from the chunk,
      // without a Buffer view per line.
      const ascii = encoding === 'latin1' || isAscii(chunk);
      let start = 0;
      let nl = chunk.indexOf(LF, start);
      while (nl >= 0) {
        if (skipping || pendingBytes + (nl - start) > maxLineBytes) {
          batch.push(tooLong());
          skipping = false;
          pending = [];
          pendingBytes = 0;
        } else if (pending.length > 0) {
          pending.push(chunk.subarray(start, nl));
          batch.push(decode(Buffer.concat(pending)));
          pending = [];
          pendingBytes = 0;
        } else if (ascii) {
          lineNo += 1;
          const end = nl > start && chunk[nl - 1] === CR ? nl - 1 : nl;
          batch.push({ line: lineNo, text: chunk.toString('latin1', start, end), invalidUtf8: false });
        } else {
          batch.push(decode(chunk.subarray(start, nl)));
        }
        start = nl + 1;
        nl = chunk.indexOf(LF, start);
      }
      if (start < chunk.length && !skipping) {
        pendingBytes += chunk.length - start;
        if (pendingBytes > maxLineBytes) {
          skipping = true;
          pending = [];
          pendingBytes = 0;
        } else pending.push(chunk.subarray(start));
      }
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('BAD_REQUEST', `ingest: cannot read ${path}: ${(error as Error).message}`, { path }, { cause: error });
  } finally {
    stream.destroy();
  }
  if (skipping) yield [tooLong()];
  else if (pending.length > 0) yield [decode(Buffer.concat(pending))];
}

/** Lines that are empty or whitespace only carry no record. */
export function isBlank(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

interface QuoteState {
  fields: string[];
  field: string;
  inQuotes: boolean;
}

type ScanResult = 'done' | 'more' | { error: string };

/** Scans one line of an RFC-4180 record, continuing `st` (which may be inside a quoted cell from the previous line). */
function scanQuotedLine(text: string, st: QuoteState, delimiter: string): ScanResult {
  const n = text.length;
  let i = 0;
  while (true) {
    if (!st.inQuotes) {
      if (text.charCodeAt(i) === QUOTE) {
        st.inQuotes = true;
        i += 1;
      } else {
        const d = text.indexOf(delimiter, i);
        if (d < 0) {
          st.fields.push(text.slice(i));
          return 'done';
        }
        st.fields.push(text.slice(i, d));
        i = d + delimiter.length;
        continue;
      }
    }
    // Inside a quoted cell.
    while (true) {
      const q = text.indexOf('"', i);
      if (q < 0) {
        st.field += text.slice(i) + '\n';
        return 'more';
      }
      st.field += text.slice(i, q);
      if (text.charCodeAt(q + 1) === QUOTE) {
        st.field += '"';
        i = q + 2;
        continue;
      }
      i = q + 1;
      break;
    }
    st.inQuotes = false;
    st.fields.push(st.field);
    st.field = '';
    if (i >= n) return 'done';
    if (!text.startsWith(delimiter, i)) {
      return { error: `unexpected character ${JSON.stringify(text[i])} after a closing quote (column ${st.fields.length})` };
    }
    i += delimiter.length;
    if (i >= n) {
      st.fields.push('');
      return 'done';
    }
  }
}

/**
 * Turns lines into delimited records, synchronously (a line at a time; the records come out in order). Blank lines are
 * skipped. In quoted mode a record whose quoted cell never closes (end of input, or longer than `maxQuotedChars`) is
 * reported at its first line and the lines after that first line are read again as fresh records, so one stray quote
 * costs one row, not the rest of the file.
 */
class RecordAssembler {
  /** Lines of the quoted record in progress (empty when none is open). */
  private held: TextLine[] = [];
  private st: QuoteState = { fields: [], field: '', inQuotes: false };
  /** Lines to read again after an unterminated quote, before any new line. */
  private replay: TextLine[] = [];

  constructor(private readonly o: DelimitedOptions) {}

  /** Adds a line; the records it completes are appended to `out`. */
  push(line: TextLine, out: DelimitedRecord[]): void {
    this.step(line, out);
    while (this.replay.length > 0) {
      const queued = this.replay;
      this.replay = [];
      // A replayed line may itself open an unterminated quote: its own replay goes before the rest of this one.
      for (let k = 0; k < queued.length; k++) {
        this.step(queued[k]!, out);
        if (this.replay.length > 0) {
          // No spread: a quoted cell may have held hundreds of thousands of lines (more than a call's arguments).
          for (let r = k + 1; r < queued.length; r++) this.replay.push(queued[r]!);
          break;
        }
      }
    }
  }

  /** End of input: an open quoted record is reported, and its later lines are read again. */
  end(out: DelimitedRecord[]): void {
    while (this.held.length > 0) {
      const held = this.unterminated(out);
      for (const line of held) this.push(line, out);
    }
  }

  private step(line: TextLine, out: DelimitedRecord[]): void {
    const o = this.o;
    if (line.tooLong !== undefined) {
      // Its text was not read: the line is a bad row of its own, or ends the quoted record it falls in as one.
      const first = this.held[0] ?? line;
      this.held = [];
      out.push({ line: first.line, error: first === line ? lineTooLong(line.tooLong) : `line ${line.line} of the record: ${lineTooLong(line.tooLong)}` });
      return;
    }
    if (this.held.length === 0) {
      if (isBlank(line.text)) return;
      if (!o.quoted) {
        if (line.invalidUtf8) out.push({ line: line.line, error: 'invalid UTF-8 byte sequence' });
        else out.push({ line: line.line, fields: line.text.split(o.delimiter) });
        return;
      }
      this.st = { fields: [], field: '', inQuotes: false };
    }
    this.held.push(line);
    const result = scanQuotedLine(line.text, this.st, o.delimiter);
    if (result === 'more') {
      // `replay` is empty whenever a line is stepped (push drains it first), so this loses nothing.
      if (this.st.field.length > o.maxQuotedChars) this.replay = this.unterminated(out);
      return;
    }
    const held = this.held;
    const first = held[0]!;
    this.held = [];
    const bad = held.find((l) => l.invalidUtf8);
    if (bad) {
      out.push({ line: first.line, error: bad.line === first.line ? 'invalid UTF-8 byte sequence' : `invalid UTF-8 byte sequence on line ${bad.line}` });
    } else if (typeof result === 'object') {
      out.push({ line: first.line, error: result.error });
    } else {
      out.push({ line: first.line, fields: this.st.fields });
    }
  }

  /** Reports the open record as unterminated; returns the lines after its first, to be read again. */
  private unterminated(out: DelimitedRecord[]): TextLine[] {
    const held = this.held;
    this.held = [];
    out.push({ line: held[0]!.line, error: 'unterminated quoted cell (no closing double quote)' });
    return held.slice(1);
  }
}

/** Assembles delimited records from batches of lines (see {@link RecordAssembler}); yields one batch per line batch that completed any. */
export async function* assembleRecords(lines: AsyncIterable<readonly TextLine[]>, options: Partial<DelimitedOptions> = {}): AsyncGenerator<DelimitedRecord[]> {
  const o = { ...DELIMITED_DEFAULTS, ...options } satisfies DelimitedOptions;
  if (o.delimiter.length === 0) throw new AppError('BAD_REQUEST', 'ingest: empty delimiter');
  const assembler = new RecordAssembler(o);
  for await (const batch of lines) {
    const out: DelimitedRecord[] = [];
    for (const line of batch) assembler.push(line, out);
    if (out.length > 0) yield out;
  }
  const out: DelimitedRecord[] = [];
  assembler.end(out);
  if (out.length > 0) yield out;
}

/**
 * The record batches of a file that starts with a header: the first record goes to `header` (which reads it, and
 * throws `AppError` for a bad one) and the batches come out without it; a file with no record at all calls
 * `header(undefined)` at its end, so that it can throw for the missing header.
 */
export async function* afterHeader(records: AsyncIterable<readonly DelimitedRecord[]>, header: (first: DelimitedRecord | undefined) => void): AsyncGenerator<readonly DelimitedRecord[]> {
  let seen = false;
  for await (const batch of records) {
    if (seen) {
      yield batch;
      continue;
    }
    seen = true;
    header(batch[0]);
    if (batch.length > 1) yield batch.slice(1);
  }
  if (!seen) header(undefined);
}

/** Streams the records of a delimited file, in batches. Throws `AppError('BAD_REQUEST')` when the file is missing or unreadable. */
export function readDelimited(path: string, options: Partial<DelimitedOptions> = {}): AsyncGenerator<DelimitedRecord[]> {
  assertReadableFile(path, 'ingest');
  return assembleRecords(readTextLines(path, options.encoding ?? DELIMITED_DEFAULTS.encoding), options);
}
