import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddingScorer, loadEmbeddings, saveEmbeddings } from '../../../src/compute/lightgcn/artifact.ts';
import { foldInUser } from '../../../src/compute/lightgcn/fold-in.ts';
import { fingerprintInteractions, type Interactions } from '../../../src/compute/lightgcn/graph.ts';
import { createLightGcn } from '../../../src/compute/lightgcn/train.ts';
import { createRng } from '../../../src/compute/rng.ts';

const root = mkdtempSync(join(tmpdir(), 'graphrec-emb-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function data(): Interactions {
  const rng = createRng(12);
  const m = 200;
  return { nUsers: 20, nItems: 25, users: Int32Array.from({ length: m }, () => rng.int(20)), items: Int32Array.from({ length: m }, () => rng.int(25)) };
}

describe('compute/lightgcn artifacts', () => {
  it('round-trips vectors, manifest and fold-in basis', () => {
    const train = data();
    const model = createLightGcn(train, { embeddingSize: 8, nLayers: 3 });
    const created = new Date('2026-01-02T03:04:05.678Z');
    const dir = saveEmbeddings(root, {
      name: 'unit',
      users: model.userEmbeddings(),
      items: model.itemEmbeddings(),
      dim: 8,
      nLayers: 3,
      basis: model.foldInBasis(),
      config: { embeddingSize: 8, maxSeconds: Infinity },
      data: { fingerprint: fingerprintInteractions(train), nInteractions: train.users.length },
      metrics: { 'recall@20': 0.5 },
      backend: 'cpu-wasm',
      epochs: 0,
      created,
    });
    expect(dir.endsWith('unit-20260102T030405Z')).toBe(true);
    const art = loadEmbeddings(dir);
    expect(art.manifest).toMatchObject({ format: 'graphrec-embeddings', version: 1, dim: 8, nUsers: 20, nItems: 25, nLayers: 3, backend: 'cpu-wasm', created: created.toISOString() });
    expect(art.manifest.config.maxSeconds).toBe('Infinity');
    expect(art.manifest.metrics['recall@20']).toBe(0.5);
    expect(Array.from(art.users)).toEqual(Array.from(model.userEmbeddings()));
    expect(Array.from(art.items)).toEqual(Array.from(model.itemEmbeddings()));
    expect(art.basis?.itemLayers.length).toBe(3 * 25 * 8);
    // a second save in the same second gets a distinct folder
    const again = saveEmbeddings(root, { name: 'unit', users: art.users, items: art.items, dim: 8, nLayers: 3, config: {}, data: art.manifest.data, backend: 'x', epochs: 0, created });
    expect(again).not.toBe(dir);
    const scorer = new EmbeddingScorer(art.users, art.items, 8);
    expect(scorer.scoreAll(Int32Array.of(3))[7]).toBeCloseTo(model.score(Int32Array.of(3), Int32Array.of(7))[0]!, 5);
  });

  it('rejects missing folders, wrong formats and truncated files', () => {
    expect(() => loadEmbeddings(join(root, 'nope'))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    const train = data();
    const model = createLightGcn(train, { embeddingSize: 4, nLayers: 1 });
    const dir = saveEmbeddings(root, { name: 'bad', users: model.userEmbeddings(), items: model.itemEmbeddings(), dim: 4, nLayers: 1, config: {}, data: { fingerprint: 'x', nInteractions: 1 }, backend: 'x', epochs: 0 });
    writeFileSync(join(dir, 'items.f32'), readFileSync(join(dir, 'items.f32')).subarray(0, 12));
    expect(() => loadEmbeddings(dir)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version: 99 }));
    expect(() => loadEmbeddings(dir)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => saveEmbeddings(root, { name: '../evil', users: new Float32Array(4), items: new Float32Array(4), dim: 4, nLayers: 1, config: {}, data: { fingerprint: 'x', nInteractions: 0 }, backend: 'x', epochs: 0 })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
  });
});

describe('compute/lightgcn fold-in', () => {
  it('reproduces a trained user exactly when given its ego vector, and differs by e0/(L+1) without it', () => {
    const train = data();
    const model = createLightGcn(train, { embeddingSize: 8, nLayers: 3, initStd: 0.5 });
    const basis = model.foldInBasis();
    const u = 4;
    const items: number[] = [];
    for (let t = 0; t < train.users.length; t++) if (train.users[t] === u) items.push(train.items[t]!);
    expect(items.length).toBeGreaterThan(0);
    const ego = model.e0.view.slice(u * 8, u * 8 + 8);
    const folded = foldInUser(basis, items, { ego });
    const trained = model.userEmbeddings().subarray(u * 8, u * 8 + 8);
    for (let c = 0; c < 8; c++) expect(folded[c]).toBeCloseTo(trained[c]!, 5);
    const cold = foldInUser(basis, items);
    for (let c = 0; c < 8; c++) expect(cold[c]).toBeCloseTo(trained[c]! - ego[c]! / 4, 5);
  });

  it('returns zeros for no items and rejects unknown items', () => {
    const model = createLightGcn(data(), { embeddingSize: 4, nLayers: 2 });
    expect(Array.from(foldInUser(model.foldInBasis(), []))).toEqual([0, 0, 0, 0]);
    expect(() => foldInUser(model.foldInBasis(), [99])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
