import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';
import { assembleRecords, lineTooLong, readDelimited, readTextLines, type DelimitedRecord, type TextLine } from '../../src/ingest/formats/text-lines.ts';

const dir = mkdtempSync(join(tmpdir(), 'graphrec-text-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Every item of a stream of batches, in order; an empty batch fails (readers never yield one). */
async function all<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) {
    expect(batch.length).toBeGreaterThan(0);
    for (const x of batch) out.push(x);
  }
  return out;
}

/** `texts` as numbered lines, `size` lines per batch. */
async function* linesOf(texts: string[], size = 1): AsyncGenerator<TextLine[]> {
  const lines = texts.map((text, k) => ({ line: k + 1, text, invalidUtf8: false }));
  for (let k = 0; k < lines.length; k += size) yield lines.slice(k, k + size);
}

/** The records of `texts`; fed one line per batch, two, three and all at once, and required to be the same each time. */
async function assembled(texts: string[], options: Parameters<typeof assembleRecords>[1]): Promise<DelimitedRecord[]> {
  const runs = await Promise.all([1, 2, 3, Math.max(texts.length, 1)].map((size) => all(assembleRecords(linesOf(texts, size), options))));
  for (const run of runs) expect(run).toEqual(runs[0]);
  return runs[0]!;
}

describe('readTextLines', () => {
  it('numbers lines from 1, strips CR and a BOM, keeps a last line without newline', async () => {
    const p = write('crlf.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\r\n\r\nb\nlast')]));
    const lines = await all(readTextLines(p));
    expect(lines.map((l) => [l.line, l.text])).toEqual([[1, 'a'], [2, ''], [3, 'b'], [4, 'last']]);
  });

  it('flags a line with an invalid UTF-8 byte sequence and only that line', async () => {
    const p = write('bad-utf8.txt', Buffer.concat([Buffer.from('ok é\n'), Buffer.from([0x62, 0xc3, 0x28, 0x0a]), Buffer.from('fine\n')]));
    const lines = await all(readTextLines(p));
    expect(lines.map((l) => l.invalidUtf8)).toEqual([false, true, false]);
    expect(lines[0]?.text).toBe('ok é');
  });

  it('decodes latin-1 bytes when asked', async () => {
    const p = write('latin1.txt', Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x0a]));
    const [line] = await all(readTextLines(p, 'latin1'));
    expect(line).toEqual({ line: 1, text: 'Café', invalidUtf8: false });
  });

  it('joins lines split across stream chunks', async () => {
    const long = 'x'.repeat(200_000);
    const p = write('long.txt', `${long}\nshort\n`);
    const lines = await all(readTextLines(p));
    expect(lines.map((l) => l.text.length)).toEqual([200_000, 5]);
  });

  it('reads CRLF split at a chunk boundary and chunks with and without non-ASCII bytes alike', async () => {
    // The first 64 KiB chunk ends between CR and LF; the second holds UTF-8 and one bad byte.
    const first = 'a'.repeat((1 << 16) - 1);
    const p = write('chunks.txt', Buffer.concat([Buffer.from(`${first}\r\nplain\r\nnaïve\n`), Buffer.from([0x62, 0xc3, 0x28, 0x0a]), Buffer.from('end')]));
    const lines = await all(readTextLines(p));
    expect(lines.map((l) => [l.line, l.text.length, l.invalidUtf8])).toEqual([[1, first.length, false], [2, 5, false], [3, 5, false], [4, 3, true], [5, 3, false]]);
    expect(lines[2]?.text).toBe('naïve');
  });

  it('reports a line over the limit without reading it, within a chunk, across chunks and at the end', async () => {
    const p = write('too-long.txt', `short\n${'x'.repeat(5000)}\nok\n${'y'.repeat(200_000)}\r\nend\n${'z'.repeat(70_000)}`);
    const lines = await all(readTextLines(p, 'utf-8', 1000));
    expect(lines.map((l) => [l.line, l.text, l.tooLong ?? null])).toEqual([[1, 'short', null], [2, '', 1000], [3, 'ok', null], [4, '', 1000], [5, 'end', null], [6, '', 1000]]);
    // At the limit exactly, a line is read.
    const q = write('at-limit.txt', `${'a'.repeat(1000)}\nb`);
    expect((await all(readTextLines(q, 'utf-8', 1000))).map((l) => [l.text.length, l.tooLong ?? null])).toEqual([[1000, null], [1, null]]);
  });

  it('throws BAD_REQUEST for a missing file', () => {
    let caught: unknown;
    try {
      readDelimited(join(dir, 'nope.csv'));
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught, 'BAD_REQUEST')).toBe(true);
  });
});

describe('assembleRecords (CSV)', () => {
  const csv = (texts: string[]) => assembled(texts, { delimiter: ',', quoted: true });

  it('parses quotes, escaped quotes, empty and trailing cells', async () => {
    const recs = await csv(['a,"b,c","say ""hi""",', '"",x']);
    expect(recs).toEqual([
      { line: 1, fields: ['a', 'b,c', 'say "hi"', ''] },
      { line: 2, fields: ['', 'x'] },
    ]);
  });

  it('reports a multi-line quoted record at its first line', async () => {
    const recs = await csv(['1,"first', 'second', 'third",z', '2,w']);
    expect(recs).toEqual([
      { line: 1, fields: ['1', 'first\nsecond\nthird', 'z'] },
      { line: 4, fields: ['2', 'w'] },
    ]);
  });

  it('skips blank lines outside quotes but keeps them inside', async () => {
    const recs = await csv(['', '1,"a', '', 'b"', '   ', '2,c']);
    expect(recs).toEqual([
      { line: 2, fields: ['1', 'a\n\nb'] },
      { line: 6, fields: ['2', 'c'] },
    ]);
  });

  it('rejects a character after a closing quote', async () => {
    const recs = await csv(['1,"a"b,c', '2,d']);
    expect(recs[0]).toMatchObject({ line: 1 });
    expect('error' in (recs[0] as DelimitedRecord)).toBe(true);
    expect(recs[1]).toEqual({ line: 2, fields: ['2', 'd'] });
  });

  it('recovers from an unterminated quote by re-reading the following lines', async () => {
    const recs = await csv(['1,"never closed', '2,b', '3,c']);
    expect(recs.map((r) => ('error' in r ? `err@${r.line}` : `${r.line}:${r.fields.join('|')}`))).toEqual(['err@1', '2:2|b', '3:3|c']);
  });

  it('gives up on a quoted cell longer than maxQuotedChars and re-reads its lines', async () => {
    const recs = await assembled(['1,"open', 'aaaaaaaaaa', 'bbbbbbbbbb', '4,ok'], { delimiter: ',', quoted: true, maxQuotedChars: 12 });
    expect(recs.map((r) => ('error' in r ? `err@${r.line}` : `${r.line}:${r.fields.join('|')}`))).toEqual(['err@1', '2:aaaaaaaaaa', '3:bbbbbbbbbb', '4:4|ok']);
  });

  it('re-reads again when a re-read line opens a quote of its own that never closes', async () => {
    const show = (recs: DelimitedRecord[]) => recs.map((r) => ('error' in r ? `err@${r.line}` : `${r.line}:${r.fields.join('|')}`));
    // End of input: line 1's quote never closes; re-read, line 2 opens another that never closes either.
    expect(show(await csv(['1,"a', 'x",y,"z', 'k', '9,ok']))).toEqual(['err@1', 'err@2', '3:k', '4:9|ok']);
    // Too long: the same, decided by maxQuotedChars on line 2, before the lines after it arrive.
    const long = await assembled(['1,"a', 'x",y,"zzzzzzzzzzzzzz', 'k', '9,ok'], { delimiter: ',', quoted: true, maxQuotedChars: 12 });
    expect(show(long)).toEqual(['err@1', 'err@2', '3:k', '4:9|ok']);
  });

  it('re-reads a quoted cell of hundreds of thousands of lines without exhausting the stack', async () => {
    // 400,000 empty lines after an opening quote: the cell passes maxQuotedChars after 300,000 of them.
    const texts = ['1,"open', ...Array.from({ length: 400_000 }, () => ''), '2,ok'];
    const recs = await all(assembleRecords(linesOf(texts, 65_536), { delimiter: ',', quoted: true, maxQuotedChars: 300_000 }));
    expect(recs.map((r) => ('error' in r ? `err@${r.line}` : `${r.line}:${r.fields.join('|')}`))).toEqual(['err@1', `${texts.length}:2|ok`]);
  });

  it('reports invalid UTF-8 anywhere in a multi-line record at the first line, naming the bad line', async () => {
    async function* lines(): AsyncGenerator<TextLine[]> {
      yield [{ line: 1, text: '1,"a', invalidUtf8: false }];
      yield [{ line: 2, text: 'b\uFFFD"', invalidUtf8: true }, { line: 3, text: '2,c', invalidUtf8: false }];
    }
    const recs = await all(assembleRecords(lines(), { delimiter: ',', quoted: true }));
    expect(recs).toEqual([
      { line: 1, error: 'invalid UTF-8 byte sequence on line 2' },
      { line: 3, fields: ['2', 'c'] },
    ]);
  });

  it('makes a line over the limit a bad row of its own, or of the quoted record it falls in', async () => {
    const lines = (texts: Array<string | null>): TextLine[] => texts.map((text, k) => (text === null ? { line: k + 1, text: '', invalidUtf8: false, tooLong: 64 } : { line: k + 1, text, invalidUtf8: false }));
    const feed = async function* (batch: TextLine[]) {
      yield batch;
    };
    const show = (recs: DelimitedRecord[]) => recs.map((r) => ('error' in r ? `err@${r.line}: ${r.error}` : `${r.line}:${r.fields.join('|')}`));
    expect(show(await all(assembleRecords(feed(lines(['1,a', null, '3,c'])), { delimiter: ',', quoted: true })))).toEqual(['1:1|a', `err@2: ${lineTooLong(64)}`, '3:3|c']);
    expect(show(await all(assembleRecords(feed(lines(['1,"open', 'more', null, '4,d'])), { delimiter: ',', quoted: true })))).toEqual([`err@1: line 3 of the record: ${lineTooLong(64)}`, '4:4|d']);
    expect(show(await all(assembleRecords(feed(lines(['a\tb', null])), { delimiter: '\t' })))).toEqual(['1:a|b', `err@2: ${lineTooLong(64)}`]);
  });

  it('splits unquoted files on the delimiter only', async () => {
    const recs = await assembled(['a|"b|c', 'd||'], { delimiter: '|' });
    expect(recs).toEqual([
      { line: 1, fields: ['a', '"b', 'c'] },
      { line: 2, fields: ['d', '', ''] },
    ]);
  });
});
