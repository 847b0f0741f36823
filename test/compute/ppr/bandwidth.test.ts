// Tests of src/compute/bandwidth.ts (kept beside the PPR tests it serves).
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.ts';
import { measureBandwidth, pprIterationBytes } from '../../../src/compute/bandwidth.ts';

describe('pprIterationBytes', () => {
  it('counts 12 bytes per adjacency entry and 60 per node for one column', () => {
    expect(pprIterationBytes({ nodeCount: 10, nnz: 100 })).toBe(1200 + 600);
    expect(pprIterationBytes({ nodeCount: 10, nnz: 100, dangling: 2, seeds: 3 })).toBe(1200 + 600 + 24 + 60);
    // 8 columns: adjacency once, vectors 8-fold.
    expect(pprIterationBytes({ nodeCount: 10, nnz: 100, columns: 8 })).toBe(1200 + (4 + 56 * 8) * 10);
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
