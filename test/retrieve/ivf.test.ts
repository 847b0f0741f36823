import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { createEmbeddingIndex, embeddingTopK } from '../../src/retrieve/embedding-index.ts';
import { buildIvf, ivfTopK } from '../../src/retrieve/ivf.ts';

/** `n` vectors of `dim` around `clusters` random centres, with norms that vary (popular items have longer vectors). */
function clustered(n: number, dim: number, clusters: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const centres = Float32Array.from({ length: clusters * dim }, () => rng.normal(0, 1));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = rng.int(clusters);
    const scale = 0.5 + rng.float() * 1.5;
    for (let k = 0; k < dim; k++) out[i * dim + k] = scale * (centres[c * dim + k]! + rng.normal(0, 0.3));
  }
  return out;
}

const indexOf = (vectors: Float32Array, dim: number) => createEmbeddingIndex({ dim, itemKeys: Array.from({ length: vectors.length / dim }, (_, i) => String(i)), itemVectors: vectors });
const exactTop = (vectors: Float32Array, dim: number, q: Float32Array, k: number, metric: 'dot' | 'cosine', keep?: (row: number) => boolean) =>
  embeddingTopK(indexOf(vectors, dim), q, k, { metric, ...(keep ? { keep } : {}) });

describe('retrieve/ivf', () => {
  const dim = 16;
  const vectors = clustered(4000, dim, 40, 1);
  const index = indexOf(vectors, dim);
  const rng = createRng(2);
  const queries = Array.from({ length: 30 }, () => Float32Array.from({ length: dim }, () => rng.normal(0, 1)));

  it('puts every item in exactly one list, √n lists by default', () => {
    const ivf = buildIvf(vectors, dim, 'dot');
    expect(ivf.nLists).toBe(63);
    expect(ivf.listStarts[ivf.nLists]).toBe(4000);
    expect(new Set(ivf.listRows).size).toBe(4000);
  });

  it('is deterministic for a seed', () => {
    const a = buildIvf(vectors, dim, 'dot', { seed: 3 });
    const b = buildIvf(vectors, dim, 'dot', { seed: 3 });
    expect(Array.from(a.listRows)).toEqual(Array.from(b.listRows));
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
  });

  for (const metric of ['dot', 'cosine'] as const) {
    it(`reading every list gives the exact ranking (${metric})`, () => {
      const ivf = buildIvf(vectors, dim, metric);
      for (const q of queries.slice(0, 5)) {
        const got = ivfTopK(ivf, index, q, 10, ivf.nLists);
        const want = exactTop(vectors, dim, q, 10, metric);
        expect(Array.from(got.ids)).toEqual(want.map((r) => r.row));
        want.forEach((r, j) => expect(got.scores[j]).toBeCloseTo(r.score, 4));
        expect(got.scanned).toBe(4000);
      }
    });

    it(`finds most of the exact top 20 reading a fifth of the lists (${metric})`, () => {
      const ivf = buildIvf(vectors, dim, metric);
      let hits = 0;
      for (const q of queries) {
        const got = new Set(ivfTopK(ivf, index, q, 20, 13).ids);
        hits += exactTop(vectors, dim, q, 20, metric).filter((r) => got.has(r.row)).length;
      }
      expect(hits / (20 * queries.length)).toBeGreaterThan(0.9);
    });
  }

  it('reads past nProbe lists until k items pass the filter', () => {
    const ivf = buildIvf(vectors, dim, 'dot');
    const keep = (row: number) => row % 50 === 0; // 80 items of 4,000
    const got = ivfTopK(ivf, index, queries[0]!, 20, 1, keep);
    expect(got.ids.length).toBe(20);
    expect(Array.from(got.ids).every(keep)).toBe(true);
    expect(got.probed).toBeGreaterThan(1);
  });

  it('answers nothing for a zero query and rejects a wrong length', () => {
    const ivf = buildIvf(vectors, dim, 'dot');
    expect(ivfTopK(ivf, index, new Float32Array(dim), 5, 4).ids.length).toBe(0);
    expect(() => ivfTopK(ivf, index, new Float32Array(3), 5, 4)).toThrow(/length 16/);
    expect(() => ivfTopK(ivf, indexOf(vectors.subarray(0, 160), dim), new Float32Array(dim).fill(1), 5, 4)).toThrow(/other vectors/);
    expect(() => buildIvf(new Float32Array(10), 16, 'dot')).toThrow(/multiple of dim/);
  });
});
