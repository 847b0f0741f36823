import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/core/config.ts';
import type { DataRecord } from '../../src/core/model.ts';
import { parseTransform, transformWeights } from '../../src/core/weight-transform.ts';
import { readSourceLog } from '../../src/evaluate/datasets.ts';
import type { DatasetSource } from '../../src/ingest/source.ts';

/** 2 users × 15 items of listen counts, one huge; plus one rating per user. */
function source(): DatasetSource {
  const records: DataRecord[] = [];
  for (let u = 0; u < 2; u++) {
    for (let i = 0; i < 15; i++) records.push({ type: 'interaction', value: { userId: `u${u}`, itemId: `i${i}`, kind: 'listen', weight: u === 0 && i === 0 ? 100_000 : 5 + i } });
    records.push({ type: 'interaction', value: { userId: `u${u}`, itemId: 'i0', kind: 'rating', weight: 4, rating: 4 } });
  }
  return { format: 'memory', files: [{ path: 'mem', async *read() { yield [{ ok: true, pos: { file: 'mem', line: 1 }, records }]; } }] };
}

describe('readSourceLog: interaction weight transforms', () => {
  it('transforms each kind as the projection does, then sums the kinds of a pair', async () => {
    const log = await readSourceLog(source());
    const users = Array.from({ length: 30 }, (_, k) => (k < 15 ? 0 : 1));
    const counts = Array.from({ length: 30 }, (_, k) => (k === 0 ? 100_000 : 5 + (k % 15)));
    const listen = transformWeights(parseTransform(DEFAULTS.weights.heavyTailTransform), users, counts);
    // Pair (u0, i0): transformed listen + the rating kind, which is not heavy-tailed and keeps its 4.
    expect(log.weights[0]).toBeCloseTo(listen[0]! + 4, 5);
    expect(log.weights[1]).toBeCloseTo(listen[1]!, 5);
    const raw = await readSourceLog(source(), { weights: { ...DEFAULTS.weights, heavyTailTransform: 'none' } });
    expect(raw.weights[0]).toBe(100_004);
    // 30 heavy-tailed listen counts against 2 ratings: the served strategies take the heavy-tail regime.
    expect(log.heavyTailed).toBe(true);
    expect((await readSourceLog(source(), { weights: { ...DEFAULTS.weights, heavyTailRatio: 1e9 } })).heavyTailed).toBe(false);
  });
});
