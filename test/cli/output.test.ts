import { describe, expect, it } from 'vitest';
import { csvCell, formatResult, parseFormat, toCsv } from '../../src/cli/output.ts';

describe('cli/output: CSV and --format', () => {
  it('quotes cells the RFC 4180 way', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('Alien, 1979')).toBe('"Alien, 1979"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell(3.5)).toBe('3.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(false)).toBe('false');
    expect(csvCell({ a: 1, b: 'x' })).toBe('"{""a"":1,""b"":""x""}"');
  });

  it('writes a header with the union of keys in first-seen order, one line per row', () => {
    const text = toCsv([
      { user: 'u1', title: 'Heat, The', score: 1 },
      { user: 'u2', extra: 'e', score: 2 },
    ]);
    expect(text).toBe('user,title,score,extra\nu1,"Heat, The",1,\nu2,,2,e\n');
  });

  it('keeps a fixed header for an empty result', () => {
    expect(toCsv([], ['user', 'rank', 'item'])).toBe('user,rank,item\n');
    expect(formatResult('csv', {}, [], ['a', 'b'])).toBe('a,b\n');
  });

  it('parses --format and rejects anything but json or csv with BAD_REQUEST', () => {
    expect(parseFormat(undefined)).toBe('json');
    expect(parseFormat('json')).toBe('json');
    expect(parseFormat('csv')).toBe('csv');
    expect(() => parseFormat('xml')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parseFormat('CSV')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('prints JSON by default and refuses CSV where a command has no rows', () => {
    expect(JSON.parse(formatResult('json', { a: [1, 2] }))).toEqual({ a: [1, 2] });
    expect(() => formatResult('csv', { a: 1 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
