// Tests of src/compute/bandwidth.ts (kept beside the PPR tests it serves).
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.ts';
import { measureBandwidth, pprIterationBytes } from '../../../src/compute/bandwidth.ts';

describe('pprIterationBytes', () => {
  it('counts 12 bytes per adjacency entry and 44 per node for one column (fused step)', () => {
    // per node: row pointer 4 + 1/W 8 + gather y 8 + read x 8 + write next 8 + write next y 8
    expect(pprIterationBytes({ nodeCount: 10, nnz: 100 })).toBe(1200 + 440);
    // dangling: index 4 + x 8; seeds: node 4 + weight 8
    expect(pprIterationBytes({ nodeCount: 10, nnz: 100, dangling: 2, seeds: 3 })).toBe(1200 + 440 + 24 + 36);
    // 8 columns: adjacency, row pointers and 1/W once; the four vectors and the seed lists 8-fold.
    expect(pprIterationBytes({ nodeCount: 10, nnz: 100, columns: 8 })).toBe(1200 + (12 + 32 * 8) * 10);
    expect(pprIterationBytes({ nodeCount: 10, nnz: 100, dangling: 1, seeds: 2, columns: 8 })).toBe(1200 + 2680 + (4 + 64) + 12 * 8 * 2);
  });

  it('guards its inputs', () => {
    let caught: unknown;
    try {
      pprIterationBytes({ nodeCount: -1, nnz: 0 });
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught, 'BAD_REQUEST')).toBe(true);
  });
});

describe('measureBandwidth', () => {
  it('returns positive rates for a small array', () => {
    const bw = measureBandwidth({ bytes: 1 << 20, repeats: 1 });
    expect(bw.arrayBytes).toBe(1 << 20);
    expect(bw.copyBytesPerSecond).toBeGreaterThan(0);
    expect(bw.jsReadBytesPerSecond).toBeGreaterThan(0);
  });
});
