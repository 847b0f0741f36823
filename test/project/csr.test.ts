import { mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { assertValidCsr, buildCsr, csrMemory, CsrBuilder, findEdge, INTERACTION_RELATION, KIND_CODES, lookupNode, nodeRef, type Csr, type EdgeList } from '../../src/project/csr.ts';
import { readSnapshot, sha256, writeSnapshot, type SnapshotManifest } from '../../src/project/csr-snapshot.ts';
import type { PackedIdIndex, PackedIds } from '../../src/project/node-ids.ts';
import { collectTopK } from '../../src/project/csr-top-k.ts';
import { addInteractions, insertNodes } from '../../src/project/csr-update.ts';
import { CopyQueue } from '../../src/core/block-copy.ts';
import { expectCode, expectRejectCode } from '../helpers/errors.ts';

function edges(list: Array<[number, number, number, number]>): EdgeList {
  return {
    src: Uint32Array.from(list, (e) => e[0]),
    dst: Uint32Array.from(list, (e) => e[1]),
    weight: Float32Array.from(list, (e) => e[2]),
    relation: Uint16Array.from(list, (e) => e[3]),
  };
}

/** u1, u2 (users), i1, i2, i3 (items), e1 (entity). */
function smallGraph(): Csr {
  return buildCsr({
    ids: ['u1', 'u2', 'i1', 'i2', 'i3', 'e1'],
    kinds: [0, 0, 1, 1, 1, 2],
    relations: [INTERACTION_RELATION, 'director'],
    // Deliberately unsorted input.
    edges: edges([
      [1, 4, 3, 0],
      [0, 3, 4, 0],
      [0, 2, 5, 0],
      [1, 2, 1, 0],
      [3, 5, 1, 1],
      [2, 5, 1, 1],
    ]),
  });
}

/** Out and in edges as sorted tuples, to compare two CSRs independently of layout. */
function edgeSet(csr: Csr): { out: string[]; in: string[] } {
  const out: string[] = [];
  const inn: string[] = [];
  for (let u = 0; u < csr.nodeCount; u++) {
    for (let e = csr.outStarts[u]!; e < csr.outStarts[u + 1]!; e++) out.push(`${csr.ids.at(u)}>${csr.ids.at(csr.outTargets[e]!)}:${csr.outWeights[e]}:${csr.relations[csr.outRelations[e]!]}`);
    for (let e = csr.inStarts[u]!; e < csr.inStarts[u + 1]!; e++) inn.push(`${csr.ids.at(csr.inSources[e]!)}>${csr.ids.at(u)}:${csr.inWeights[e]}:${csr.relations[csr.inRelations[e]!]}`);
  }
  return { out: out.sort(), in: inn.sort() };
}

describe('buildCsr', () => {
  it('lays out both directions with sorted segments', () => {
    const csr = smallGraph();
    expect(csr.nodeCount).toBe(6);
    expect(csr.edgeCount).toBe(6);
    expect([...csr.outStarts]).toEqual([0, 2, 4, 5, 6, 6, 6]);
    expect([...csr.outTargets]).toEqual([2, 3, 2, 4, 5, 5]);
    expect([...csr.outWeights]).toEqual([5, 4, 1, 3, 1, 1]);
    expect([...csr.outRelations]).toEqual([0, 0, 0, 0, 1, 1]);
    expect([...csr.inStarts]).toEqual([0, 0, 0, 2, 3, 4, 6]);
    expect([...csr.inSources]).toEqual([0, 1, 0, 1, 2, 3]);
    expect([...csr.inWeights]).toEqual([5, 1, 4, 3, 1, 1]);
    expect(csr.index.get('i3')).toBe(4);
    assertValidCsr(csr, { deep: true });
  });

  it('keeps parallel edges in insertion order in both directions', () => {
    const csr = buildCsr({
      ids: ['a', 'b'],
      kinds: [1, 2],
      relations: [INTERACTION_RELATION, 'writer', 'director'],
      edges: edges([
        [0, 1, 1, 2],
        [0, 1, 2, 1],
      ]),
    });
    expect([...csr.outRelations]).toEqual([2, 1]);
    expect([...csr.inRelations]).toEqual([2, 1]);
    assertValidCsr(csr, { deep: true });
    expect(findEdge(csr, 0, 1, 1)).toBe(1);
    expect(findEdge(csr, 0, 1)).toBe(0);
    expect(findEdge(csr, 1, 0)).toBe(-1);
  });

  it('rejects bad input with INVALID_GRAPH', () => {
    const base = { ids: ['a', 'b'], kinds: [0, 1], relations: [INTERACTION_RELATION] };
    expectCode(() => buildCsr({ ...base, ids: ['a', 'a'], edges: edges([]) }), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ...base, kinds: [0, 3], edges: edges([]) }), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ...base, kinds: [0], edges: edges([]) }), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ...base, edges: edges([[0, 2, 1, 0]]) }), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ...base, edges: edges([[0, 1, -1, 0]]) }), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ...base, edges: edges([[0, 1, NaN, 0]]) }), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ...base, edges: edges([[0, 1, 1, 1]]) }), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ...base, relations: [], edges: edges([]) }), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ...base, relations: ['x', 'x'], edges: edges([]) }), 'INVALID_GRAPH');
  });

  it('holds both-direction consistency for random edge lists (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.integer({ min: 0, max: 8 }), fc.nat(2)), { maxLength: 40 }),
          ),
        ),
        ([n, list]) => {
          const csr = buildCsr({
            ids: Array.from({ length: n }, (_, i) => `n${i}`),
            kinds: Array.from({ length: n }, (_, i) => i % 3),
            relations: [INTERACTION_RELATION, 'r1', 'r2'],
            edges: edges(list),
          });
          assertValidCsr(csr, { deep: true });
          // Every input edge appears once per direction; degrees match the input.
          const expected = list.map(([a, b, w, r]) => `n${a}>n${b}:${w}:${[INTERACTION_RELATION, 'r1', 'r2'][r]}`).sort();
          const got = edgeSet(csr);
          expect(got.out).toEqual(expected);
          expect(got.in).toEqual(expected);
          for (let u = 0; u < n; u++) {
            expect(csr.outStarts[u + 1]! - csr.outStarts[u]!).toBe(list.filter((e) => e[0] === u).length);
            expect(csr.inStarts[u + 1]! - csr.inStarts[u]!).toBe(list.filter((e) => e[1] === u).length);
          }
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });

  it('gives the same CSR for edges already in (source, target) order as for the same edges shuffled (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.integer({ min: 0, max: 8 }), fc.nat(2)), { maxLength: 40 }), fc.nat()),
        ),
        ([n, list, seed]) => {
          // Sorted by (source, target) with ties in list order: the order the already-sorted path keeps as it is.
          const sorted = list.map((e, k) => [e, k] as const).sort((a, b) => a[0][0] - b[0][0] || a[0][1] - b[0][1] || a[1] - b[1]).map(([e]) => e);
          const shuffled = [...sorted];
          let x = seed;
          for (let k = shuffled.length - 1; k > 0; k--) {
            x = (x * 1103515245 + 12345) % 2147483648;
            const j = x % (k + 1);
            [shuffled[k], shuffled[j]] = [shuffled[j]!, shuffled[k]!];
          }
          const build = (l: typeof list) =>
            buildCsr({ ids: Array.from({ length: n }, (_, i) => `n${i}`), kinds: Array.from({ length: n }, (_, i) => i % 3), relations: [INTERACTION_RELATION, 'r1', 'r2'], edges: edges(l) });
          const a = build(sorted);
          assertValidCsr(a, { deep: true });
          expect(edgeSet(a)).toEqual(edgeSet(build(shuffled)));
          // The sorted input's out side is the input itself.
          expect([...a.outTargets]).toEqual(sorted.map((e) => e[1]));
          expect([...a.outWeights]).toEqual(sorted.map((e) => e[2]));
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });

  it('lays out each side in (row, other end, input position) order whatever the input order: sorted, by source only, shuffled (property)', () => {
    // The reference: every entry of a side sorted by a comparator. buildCsr takes a copy path for input already in
    // order, a one-pass scatter for input in the other end's order, and two counting passes otherwise.
    const side = (list: Array<[number, number, number, number]>, row: 0 | 1) =>
      list
        .map((e, k) => ({ row: e[row], other: e[1 - row]!, w: e[2], r: e[3], k }))
        .sort((a, b) => a.row - b.row || a.other - b.other || a.k - b.k)
        .map((x) => [x.row, x.other, x.w, x.r]);
    const layout = (csr: Csr, out: boolean) => {
      const [starts, ends, weights, rels] = out ? [csr.outStarts, csr.outTargets, csr.outWeights, csr.outRelations] : [csr.inStarts, csr.inSources, csr.inWeights, csr.inRelations];
      const rows: number[][] = [];
      for (let v = 0; v < csr.nodeCount; v++) for (let e = starts[v]!; e < starts[v + 1]!; e++) rows.push([v, ends[e]!, weights[e]!, rels[e]!]);
      return rows;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.integer({ min: 0, max: 8 }), fc.nat(2)), { maxLength: 40 }), fc.constantFrom('as is', 'by source', 'by source and target')),
        ),
        ([n, raw, order]) => {
          const list = raw.map((e, k) => [e, k] as const);
          if (order !== 'as is') list.sort((a, b) => a[0][0] - b[0][0] || (order === 'by source and target' ? a[0][1] - b[0][1] : 0) || a[1] - b[1]);
          const input = list.map(([e]) => e);
          const csr = buildCsr({ ids: Array.from({ length: n }, (_, i) => `n${i}`), kinds: Array.from({ length: n }, (_, i) => i % 3), relations: [INTERACTION_RELATION, 'r1', 'r2'], edges: edges(input) });
          expect(layout(csr, true)).toEqual(side(input, 0));
          expect(layout(csr, false)).toEqual(side(input, 1));
        },
      ),
      { numRuns: 300, seed: 13 },
    );
  });
});

describe('assertValidCsr', () => {
  it('accepts a good CSR and catches corruption in deep mode', () => {
    const good = smallGraph();
    assertValidCsr(good, { deep: true });
    const tamper = (patch: Partial<Csr>) => ({ ...good, ...patch }) as Csr;
    expectCode(() => assertValidCsr(tamper({ outStarts: Uint32Array.of(0, 2, 4, 5, 6, 6) })), 'INVALID_GRAPH');
    expectCode(() => assertValidCsr(tamper({ edgeCount: 5 })), 'INVALID_GRAPH');
    const badTarget = good.outTargets.slice();
    badTarget[0] = 9;
    expectCode(() => assertValidCsr(tamper({ outTargets: badTarget }), { deep: true }), 'INVALID_GRAPH');
    const unsorted = good.outTargets.slice();
    unsorted[0] = 3;
    unsorted[1] = 2;
    expectCode(() => assertValidCsr(tamper({ outTargets: unsorted }), { deep: true }), 'INVALID_GRAPH');
    const mismatch = good.inWeights.slice();
    mismatch[0] = 2;
    expectCode(() => assertValidCsr(tamper({ inWeights: mismatch }), { deep: true }), 'INVALID_GRAPH');
    // Shallow mode does not look at the contents.
    assertValidCsr(tamper({ inWeights: mismatch }));
  });
});

describe('lookupNode', () => {
  it('resolves plain ids and <Kind>:<id> keys, checking the kind', () => {
    const csr = buildCsr({ ids: ['User:1', 'Item:1', 'x'], kinds: [0, 1, 2], relations: [INTERACTION_RELATION], edges: edges([]) });
    expect(lookupNode(csr, { kind: 'User', id: '1' })).toBe(0);
    expect(lookupNode(csr, { kind: 'Item', id: '1' })).toBe(1);
    expect(lookupNode(csr, { kind: 'Entity', id: 'x' })).toBe(2);
    expect(lookupNode(csr, { kind: 'Item', id: 'x' })).toBe(-1);
    expect(lookupNode(csr, { kind: 'Entity', id: 'nope' })).toBe(-1);
  });
});

describe('addInteractions', () => {
  it('equals a rebuild from the union of the edges, and leaves the input untouched', () => {
    const csr = smallGraph();
    const before = edgeSet(csr);
    const { csr: next, addedNodes, addedEdges, updatedEdges } = addInteractions(csr, [
      { userId: 'u2', itemId: 'i2', weight: 2 },
      { userId: 'u3', itemId: 'i1', weight: 4 }, // new user
      { userId: 'u1', itemId: 'i4', weight: 5 }, // new item
      { userId: 'u1', itemId: 'i1', weight: 3 }, // existing edge: replaced
    ]);
    expect({ addedNodes, addedEdges, updatedEdges }).toEqual({ addedNodes: 2, addedEdges: 3, updatedEdges: 1 });
    assertValidCsr(next, { deep: true });
    expect(edgeSet(csr)).toEqual(before);
    expect(csr.nodeCount).toBe(6);

    const rebuilt = buildCsr({
      ids: ['u1', 'u2', 'i1', 'i2', 'i3', 'e1', 'u3', 'i4'],
      kinds: [0, 0, 1, 1, 1, 2, 0, 1],
      relations: [INTERACTION_RELATION, 'director'],
      edges: edges([
        [1, 4, 3, 0],
        [0, 3, 4, 0],
        [0, 2, 3, 0],
        [1, 2, 1, 0],
        [3, 5, 1, 1],
        [2, 5, 1, 1],
        [1, 3, 2, 0],
        [6, 2, 4, 0],
        [0, 7, 5, 0],
      ]),
    });
    for (const key of ['outStarts', 'outTargets', 'outWeights', 'outRelations', 'inStarts', 'inSources', 'inWeights', 'inRelations', 'kinds'] as const) {
      expect([...next[key]], key).toEqual([...rebuilt[key]]);
    }
    expect([...next.ids]).toEqual([...rebuilt.ids]);
    expect(next.index.get('i4')).toBe(7);
  });

  it('accumulates when asked, and combines repeated pairs of one batch', () => {
    const csr = smallGraph();
    const acc = addInteractions(csr, [{ userId: 'u1', itemId: 'i1', weight: 2 }], { onExisting: 'accumulate' }).csr;
    expect(acc.outWeights[findEdge(acc, 0, 2, 0)]).toBe(7);
    const batch = addInteractions(csr, [
      { userId: 'u2', itemId: 'i2', weight: 1 },
      { userId: 'u2', itemId: 'i2', weight: 4 },
    ]).csr;
    expect(batch.edgeCount).toBe(7);
    expect(batch.outWeights[findEdge(batch, 1, 3, 0)]).toBe(4);
    assertValidCsr(batch, { deep: true });
  });

  it('guards kinds, unknown ids and weights', () => {
    const csr = smallGraph();
    expectCode(() => addInteractions(csr, [{ userId: 'i1', itemId: 'i2', weight: 1 }]), 'BAD_REQUEST');
    expectCode(() => addInteractions(csr, [{ userId: 'u1', itemId: 'e1', weight: 1 }]), 'BAD_REQUEST');
    expectCode(() => addInteractions(csr, [{ userId: 'u1', itemId: 'i2', weight: -1 }]), 'BAD_REQUEST');
    expectCode(() => addInteractions(csr, [{ userId: 'u9', itemId: 'i2', weight: 1 }], { createNodes: false }), 'NOT_FOUND');
  });

  it('matches a rebuild on random batches (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(5), fc.nat(5), fc.integer({ min: 1, max: 5 })), { maxLength: 25 }),
        fc.array(fc.tuple(fc.nat(7), fc.nat(7), fc.integer({ min: 1, max: 5 })), { maxLength: 10 }),
        (initial, added) => {
          // Users u0..u5, items i0..i5 at first; the batch may name u6, u7, i6, i7 (new nodes).
          const ids = [...Array.from({ length: 6 }, (_, j) => `u${j}`), ...Array.from({ length: 6 }, (_, j) => `i${j}`)];
          const dedup = new Map<string, [number, number, number]>();
          for (const [u, i, w] of initial) dedup.set(`${u}:${i}`, [u, i, w]);
          const base = buildCsr({
            ids,
            kinds: ids.map((id) => (id.startsWith('u') ? 0 : 1)),
            relations: [INTERACTION_RELATION],
            edges: edges([...dedup.values()].map(([u, i, w]) => [u, 6 + i, w, 0])),
          });
          const next = addInteractions(base, added.map(([u, i, w]) => ({ userId: `u${u}`, itemId: `i${i}`, weight: w }))).csr;
          assertValidCsr(next, { deep: true });
          const expected = new Map<string, number>();
          for (const [u, i, w] of dedup.values()) expected.set(`u${u}>i${i}`, w);
          for (const [u, i, w] of added) expected.set(`u${u}>i${i}`, w);
          const want = [...expected].map(([k, w]) => `${k}:${w}:${INTERACTION_RELATION}`).sort();
          expect(edgeSet(next).out).toEqual(want);
          expect(edgeSet(next).in).toEqual(want);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });
});

describe('collectTopK', () => {
  const csr = smallGraph();
  it('returns the best k by score, filtered, with ids and kinds', () => {
    const scores = Float64Array.of(0.9, 0.1, 0.3, 0.5, 0.3, 0.8);
    expect(collectTopK(csr, scores, 3)).toEqual([
      { index: 0, id: 'u1', kind: 'User', score: 0.9 },
      { index: 5, id: 'e1', kind: 'Entity', score: 0.8 },
      { index: 3, id: 'i2', kind: 'Item', score: 0.5 },
    ]);
    // Ties broken by index; exclusions; kinds.
    expect(collectTopK(csr, scores, 2, { kinds: ['Item'], exclude: new Set([3]) }).map((s) => s.id)).toEqual(['i1', 'i3']);
    expect(collectTopK(csr, scores, 10, (i) => i > 3).map((s) => s.id)).toEqual(['e1', 'i3']);
    expect(collectTopK(csr, scores, 0)).toEqual([]);
  });

  it('takes sparse scores and skips zeros', () => {
    const sparse = { nodes: Uint32Array.of(4, 2, 1), values: Float64Array.of(0.2, 0.7, 0) };
    expect(collectTopK(csr, sparse, 5).map((s) => [s.id, s.score])).toEqual([
      ['i1', 0.7],
      ['i3', 0.2],
    ]);
  });

  it('guards k and lengths', () => {
    expectCode(() => collectTopK(csr, new Float64Array(3), 2), 'BAD_REQUEST');
    expectCode(() => collectTopK(csr, new Float64Array(6), -1), 'BAD_REQUEST');
  });
});

describe('snapshots', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphrec-csr-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips a CSR with its manifest', async () => {
    const csr = addInteractions(smallGraph(), [{ userId: 'ü-ñ', itemId: 'i2', weight: 2.5 }]).csr;
    const dir = join(tmp(), 'snap');
    const manifest = writeSnapshot(dir, csr, { source: 'test', dataFingerprint: 'abc' });
    expect(manifest.nodeCount).toBe(7);
    expect(manifest.edgeCount).toBe(7);
    expect(manifest.nodesByKind).toEqual({ User: 3, Item: 3, Entity: 1 });
    expect(manifest.meta).toEqual({ source: 'test', dataFingerprint: 'abc' });
    expect(manifest.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const { csr: back, manifest: read } = await readSnapshot(dir);
    expect(read.contentHash).toBe(manifest.contentHash);
    expect([...back.ids]).toEqual([...csr.ids]);
    expect(back.relations).toEqual(csr.relations);
    expect(back.index.get('ü-ñ')).toBe(6);
    // The ids and their table on shared buffers too.
    expect((back.ids as PackedIds).bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect((back.index as PackedIdIndex).table.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (const key of ['kinds', 'outStarts', 'outTargets', 'outWeights', 'outRelations', 'inStarts', 'inSources', 'inWeights', 'inRelations'] as const) {
      expect(back[key].constructor).toBe(csr[key].constructor);
      expect([...back[key]], key).toEqual([...csr[key]]);
      // On shared buffers: copies of the engine in worker threads read them without a copy (engine/replicas).
      expect(back[key].buffer, key).toBeInstanceOf(SharedArrayBuffer);
    }
    // Same content → same hash.
    expect(writeSnapshot(join(tmp(), 'again'), back).contentHash).toBe(manifest.contentHash);
  });

  it('reads a version-1 snapshot (ids as a JSON array) as the same CSR', async () => {
    const csr = addInteractions(smallGraph(), [{ userId: 'ü-ñ', itemId: 'i2', weight: 2.5 }, { userId: 'u😀', itemId: 'i1', weight: 1 }]).csr;
    const dir = join(tmp(), 'v1');
    writeSnapshot(dir, csr);
    // Rewritten as version 1 wrote it: ids.json instead of the packed files.
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SnapshotManifest;
    const json = Buffer.from(JSON.stringify([...csr.ids]), 'utf8');
    writeFileSync(join(dir, 'ids.json'), json);
    for (const name of ['ids.utf8', 'id-offsets.u32']) {
      unlinkSync(join(dir, name));
      delete manifest.files[name];
    }
    manifest.files['ids.json'] = { bytes: json.byteLength, sha256: sha256(json) };
    manifest.version = 1;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const { csr: back } = await readSnapshot(dir);
    expect([...back.ids]).toEqual([...csr.ids]);
    for (const [v, id] of [...csr.ids].entries()) expect(back.index.get(id)).toBe(v);
    assertValidCsr(back, { deep: true });
    manifest.version = 3;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    await expectRejectCode(readSnapshot(dir), 'INVALID_GRAPH');
  });

  it('refuses missing manifests and damaged files', async () => {
    const dir = tmp();
    await expectRejectCode(readSnapshot(dir), 'NOT_FOUND');
    writeSnapshot(dir, smallGraph());
    const file = join(dir, 'out-weights.f32');
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(file, bytes);
    await expectRejectCode(readSnapshot(dir), 'INVALID_GRAPH');
    writeFileSync(file, bytes.subarray(0, 4));
    await expectRejectCode(readSnapshot(dir), 'INVALID_GRAPH');
    unlinkSync(file);
    await expectRejectCode(readSnapshot(dir), 'INVALID_GRAPH');
    writeFileSync(join(dir, 'manifest.json'), '{"format":"other"}');
    await expectRejectCode(readSnapshot(dir), 'INVALID_GRAPH');
  });

  it('validates deeply when checksums are not verified (a verified read has the content the write checked)', async () => {
    const dir = tmp();
    writeSnapshot(dir, smallGraph());
    // A target moved to another node: every index stays in range (the shallow check passes), the in side no longer
    // mirrors the out side.
    const file = join(dir, 'out-targets.u32');
    const bytes = readFileSync(file);
    const targets = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    targets[0] = (targets[0]! + 1) % 6;
    writeFileSync(file, bytes);
    await expectRejectCode(readSnapshot(dir), 'INVALID_GRAPH');
    await expectRejectCode(readSnapshot(dir, { verify: false }), 'INVALID_GRAPH');
    // The same change passes the shallow check: it is the deep one that refuses it.
    const moved = smallGraph();
    moved.outTargets[0] = (moved.outTargets[0]! + 1) % 6;
    expect(() => assertValidCsr(moved)).not.toThrow();
    expectCode(() => assertValidCsr(moved, { deep: true }), 'INVALID_GRAPH');
  });
});

describe('nodeRef', () => {
  it('strips the <Kind>: key prefix and keeps plain ids', () => {
    const csr = buildCsr({ ids: ['User:ml:u:1', 'i1', 'Entity:dbpedia:X'], kinds: [0, 1, 2], relations: [INTERACTION_RELATION], edges: edges([]) });
    expect([0, 1, 2].map((i) => nodeRef(csr, i))).toEqual([
      { kind: 'User', id: 'ml:u:1' },
      { kind: 'Item', id: 'i1' },
      { kind: 'Entity', id: 'dbpedia:X' },
    ]);
  });
});

describe('CsrBuilder', () => {
  it('interns node keys and relation names in first-seen order and builds the same CSR as buildCsr', () => {
    const b = new CsrBuilder();
    const u = b.node('User:u', KIND_CODES.User);
    const a = b.node('Item:a', KIND_CODES.Item);
    expect(b.node('User:u', KIND_CODES.User)).toBe(u);
    const director = b.relationId('director');
    expect(b.relationId('director')).toBe(director);
    expect(b.relationId(INTERACTION_RELATION)).toBe(0);
    b.edge(u, a, 0, 5);
    b.edge(a, b.node('Entity:x', KIND_CODES.Entity), director, 1);
    const direct = buildCsr({
      ids: ['User:u', 'Item:a', 'Entity:x'],
      kinds: [KIND_CODES.User, KIND_CODES.Item, KIND_CODES.Entity],
      relations: [INTERACTION_RELATION, 'director'],
      edges: { src: Uint32Array.of(0, 1), dst: Uint32Array.of(1, 2), weight: Float32Array.of(5, 1), relation: Uint16Array.of(0, 1) },
    });
    expect(b.build()).toEqual(direct);
  });
});

describe('insertNodes', () => {
  const canonical = (n: Array<[string, number]>) => [...n].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  it('puts new nodes where a fresh build in canonical order puts them, edges and all', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 2 })), { selector: (t) => t[0], minLength: 2, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(100), fc.nat(100), fc.integer({ min: 0, max: 5 }), fc.nat(1)), { maxLength: 30 }),
        fc.nat(),
        (nodes, edgeSpecs, cut) => {
          const all = canonical(nodes);
          const keep = all.filter((_, j) => (cut >> j) % 2 === 0 || j === 0);
          const build = (list: Array<[string, number]>, names: readonly string[]) => {
            const at = new Map(list.map(([id], j) => [id, j]));
            const es = edgeSpecs
              .map(([a, b, w, r]) => [names[a % names.length]!, names[b % names.length]!, w, r] as const)
              .filter(([a, b]) => at.has(a) && at.has(b));
            return buildCsr({
              ids: list.map(([id]) => id),
              kinds: list.map(([, k]) => k),
              relations: [INTERACTION_RELATION, 'r1'],
              edges: {
                src: Uint32Array.from(es.map(([a]) => at.get(a)!)),
                dst: Uint32Array.from(es.map(([, b]) => at.get(b)!)),
                weight: Float32Array.from(es.map(([, , w]) => w)),
                relation: Uint16Array.from(es.map(([, , , r]) => r)),
              },
            });
          };
          const keptNames = keep.map(([id]) => id);
          const before = build(keep, keptNames);
          const { csr, added } = insertNodes(before, all.filter(([id]) => !keptNames.includes(id)).map(([id, kind]) => ({ id, kind })));
          expect(added).toBe(all.length - keep.length);
          assertValidCsr(csr, { deep: true });
          const expected = build(all, keptNames);
          expect([...csr.ids]).toEqual([...expected.ids]);
          for (const f of ['kinds', 'outStarts', 'outTargets', 'outWeights', 'outRelations', 'inStarts', 'inSources', 'inWeights', 'inRelations'] as const) {
            expect(Array.from(csr[f])).toEqual(Array.from(expected[f]));
          }
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('skips known ids, refuses one of another kind, and appends when the CSR is not in canonical order', () => {
    const b = new CsrBuilder();
    b.edge(b.node('User:z', KIND_CODES.User), b.node('Item:b', KIND_CODES.Item), 0, 2);
    b.node('User:a', KIND_CODES.User);
    const csr = b.build();
    expect(insertNodes(csr, [{ id: 'User:z', kind: KIND_CODES.User }]).added).toBe(0);
    expectCode(() => insertNodes(csr, [{ id: 'User:z', kind: KIND_CODES.Item }]), 'BAD_REQUEST');
    const { csr: out } = insertNodes(csr, [{ id: 'Item:a', kind: KIND_CODES.Item }]);
    expect([...out.ids]).toEqual(['User:z', 'Item:b', 'User:a', 'Item:a']);
    assertValidCsr(out, { deep: true });
  });
});

describe('insertNodes through a copy queue', () => {
  it('remaps the edge arrays only as the queue drains, and then equals the insertion done at once', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.constantFrom(KIND_CODES.User, KIND_CODES.Item)), { minLength: 1, maxLength: 12 }), (batch) => {
        const before = buildCsr({
          ids: ['User:b', 'User:k', 'Item:c', 'Item:p'],
          kinds: [KIND_CODES.User, KIND_CODES.User, KIND_CODES.Item, KIND_CODES.Item],
          relations: [INTERACTION_RELATION],
          edges: { src: Uint32Array.of(0, 0, 1), dst: Uint32Array.of(2, 3, 3), weight: Float32Array.of(1, 2, 3), relation: Uint16Array.of(0, 0, 0) },
        });
        const nodes = batch.map(([id, kind]) => ({ id: `${kind === KIND_CODES.User ? 'User' : 'Item'}:${id}`, kind }));
        const now = insertNodes(before, nodes);
        const queue = new CopyQueue();
        const queued = insertNodes(before, nodes, false, queue);
        expect(queue.pending).toBe(now.added > 0 ? 2 * before.edgeCount : 0);
        while (queue.step(2));
        assertValidCsr(queued.csr, { deep: true });
        expect({ ...queued.csr, index: [...queued.csr.index] }).toEqual({ ...now.csr, index: [...now.csr.index] });
      }),
      { seed: 20261207, numRuns: 40 },
    );
  });
});

describe('insertNodes: the id index after chained insertions', () => {
  it('after each of 20 insertions (layered, then flattened past 8): every id at its index, the same size and entries as a fresh index; the shifts agree with the table', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.constantFrom(KIND_CODES.User, KIND_CODES.Item)), { minLength: 1, maxLength: 3 }), { minLength: 20, maxLength: 20 }), (batches) => {
        let csr = buildCsr({ ids: ['User:m', 'Item:m'], kinds: [KIND_CODES.User, KIND_CODES.Item], relations: [INTERACTION_RELATION], edges: { src: Uint32Array.of(0), dst: Uint32Array.of(1), weight: Float32Array.of(1), relation: Uint16Array.of(0) } });
        for (const batch of batches) {
          const inserted = insertNodes(csr, batch.map(([id, kind]) => ({ id: `${kind === KIND_CODES.User ? 'User' : 'Item'}:${id}`, kind })));
          // The shifts (few new nodes) say what the table says.
          const r = inserted.renumbering;
          if (r?.shifts) r.oldToNew.forEach((to, v) => expect(to).toBe(v + r.shifts!.filter((t) => t <= v).length));
          csr = inserted.csr;
          assertValidCsr(csr, { deep: true });
          [...csr.ids].forEach((id, v) => expect(csr.index.get(id)).toBe(v));
          expect(csr.index.size).toBe(csr.nodeCount);
          expect(new Map(csr.index)).toEqual(new Map([...csr.ids].map((id, v) => [id, v])));
          expect(csr.index.has('User:\u0000absent')).toBe(false);
          expect(csr.index.get('User:\u0000absent')).toBeUndefined();
        }
      }),
      { seed: 20261207, numRuns: 30 },
    );
  });
});

describe('csrMemory', () => {
  it('counts every typed array and divides by the two entries per edge', () => {
    // 3 nodes, 2 edges: kinds 3 B, two row-pointer arrays 2 × 4 × 4 B, per direction 2 entries × (4 + 4 + 2) B.
    const csr = buildCsr({
      ids: ['u', 'i', 'e'],
      kinds: [KIND_CODES.User, KIND_CODES.Item, KIND_CODES.Entity],
      relations: [INTERACTION_RELATION, 'genre'],
      edges: { src: Uint32Array.of(0, 1), dst: Uint32Array.of(1, 2), weight: Float32Array.of(5, 1), relation: Uint16Array.of(0, 1) },
    });
    const m = csrMemory(csr);
    expect(m.entries).toBe(4);
    expect(m.typedBytes).toBe(3 + 2 * 4 * 4 + 2 * 2 * (4 + 4 + 2));
    expect(m.bytesPerEntry).toBeCloseTo(m.typedBytes / 4, 12);
  });

  it('is 0 bytes per entry without edges', () => {
    const csr = buildCsr({ ids: ['u'], kinds: [KIND_CODES.User], relations: [INTERACTION_RELATION], edges: { src: new Uint32Array(0), dst: new Uint32Array(0), weight: new Float32Array(0), relation: new Uint16Array(0) } });
    expect(csrMemory(csr)).toEqual({ typedBytes: 1 + 2 * 2 * 4, entries: 0, bytesPerEntry: 0 });
  });
});
