import { describe, expect, it } from 'vitest';
import { resolveNodeId } from '../../src/project/resolve-id.ts';
import { tinyCsr } from '../cli/fixtures.ts';

describe('project/resolve-id', () => {
  const csr = tinyCsr();

  it('keeps a graph id (or node key) the projection has', () => {
    expect(resolveNodeId(csr, 'User', 'a:u:1')).toBe('a:u:1');
    expect(resolveNodeId(csr, 'User', 'User:a:u:1')).toBe('User:a:u:1');
    expect(resolveNodeId(csr, 'Item', ' a:i:11 ')).toBe('a:i:11');
  });

  it('maps a bare dataset id to the one <dataset>:u:<id> / <dataset>:i:<id>', () => {
    expect(resolveNodeId(csr, 'User', '1')).toBe('a:u:1');
    expect(resolveNodeId(csr, 'Item', '12')).toBe('a:i:12');
  });

  it('refuses an ambiguous bare id (BAD_REQUEST, both listed) and an unknown one (NOT_FOUND)', () => {
    expect(() => resolveNodeId(csr, 'User', '2')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('a:u:2, b:u:2') }));
    expect(() => resolveNodeId(csr, 'User', '99')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => resolveNodeId(csr, 'Item', 'a:u:1')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => resolveNodeId(csr, 'User', '  ')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
