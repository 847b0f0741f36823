import { describe, expect, it } from 'vitest';
import { pprCommand } from '../../src/cli/commands/ppr.ts';
import { statsCommand } from '../../src/cli/commands/stats.ts';
import { formatResult } from '../../src/cli/output.ts';
import { tinyCsr } from './fixtures.ts';

describe('graphrec ppr / stats on a projection', () => {
  const csr = tinyCsr();

  it('ppr --user takes a bare id and leaves the seen items out', () => {
    const r = pprCommand(csr, { user: '1', k: '5', method: 'exact' });
    expect(r.seeds.map((s) => s.id).sort()).toEqual(['a:i:10', 'a:i:11']);
    expect(r.results.map((x) => x.id)).toEqual(['a:i:12']);
    expect(formatResult('csv', r, r.results, ['rank', 'kind', 'id', 'score']).split('\n')[0]).toBe('rank,kind,id,score');
    expect(() => pprCommand(csr, { user: '2' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('stats CSV rows are metric,value with dotted paths', () => {
    const { rows, stats } = statsCommand(csr, { format: 'csv' });
    expect(stats.nodes.byKind).toEqual({ User: 3, Item: 3, Entity: 1 });
    expect(rows).toContainEqual({ metric: 'edges.byRelation.genre, main', value: 2 });
    expect(formatResult('csv', stats, rows, ['metric', 'value'])).toContain('\n"edges.byRelation.genre, main",2\n');
  });
});
