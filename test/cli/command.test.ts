import { describe, expect, it } from 'vitest';
import { numberFlag, parseFlags } from '../../src/cli/command.ts';

describe('cli/command: flags', () => {
  it('parses numeric flags with their range and names the flag and range on bad input', () => {
    expect(numberFlag('k', undefined, 10, { integer: true, min: 1 })).toBe(10);
    expect(numberFlag('k', '5', 10, { integer: true, min: 1, max: 1000 })).toBe(5);
    expect(numberFlag('lr', '1e-3', 0.1, { min: 0 })).toBe(0.001);
    expect(() => numberFlag('k', '0', 10, { integer: true, min: 1, max: 1000 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: '--k must be an integer in [1, 1000] (got "0")' }));
    expect(() => numberFlag('k', '2.5', 10, { integer: true, min: 1 })).toThrow(expect.objectContaining({ message: '--k must be an integer ≥ 1 (got "2.5")' }));
    expect(() => numberFlag('x', ' ', 1)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => numberFlag('x', 'abc', 1, { max: 3 })).toThrow(expect.objectContaining({ message: '--x must be a number ≤ 3 (got "abc")' }));
  });

  it('rejects unknown flags and stray positionals with BAD_REQUEST', () => {
    expect(parseFlags(['--k', '3'], { k: { type: 'string' } }).values.k).toBe('3');
    expect(() => parseFlags(['--nope'], { k: { type: 'string' } })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parseFlags(['extra'], { k: { type: 'string' } })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(parseFlags(['demo'], {}, true).positionals).toEqual(['demo']);
  });
});
