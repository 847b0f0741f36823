import { describe, expect, it } from 'vitest';
import { isShared } from '../../src/core/shared-arrays.ts';
import { csrFromParts, csrParts, fromIdParts, idParts, PackedIdIndex, PackedIds } from '../../src/project/node-ids.ts';
import { buildCsr, INTERACTION_RELATION } from '../../src/project/csr.ts';
import { insertNodes } from '../../src/project/csr-update.ts';
import { compareCodePoints } from '../../src/store/guards.ts';
import { createRng } from '../../src/compute/rng.ts';
import { expectCode } from '../helpers/errors.ts';

/** Characters of every UTF-8 length, and prefix-heavy shapes: ids that are prefixes of others, shared stems. */
const ALPHABET = ['a', 'b', 'z', '0', '9', ':', '-', 'é', 'ß', 'ñ', 'Ω', '中', '文', '😀', '𝄞', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff'];

/** Uniform floats in [0, 1) from a seed. */
function uniform(seed: number): () => number {
  const r = createRng(seed);
  return () => r.float();
}

function randomIds(seed: number, n: number, asciiOnly: boolean): string[] {
  const rng = uniform(seed);
  const alphabet = asciiOnly ? ALPHABET.filter((c) => c.charCodeAt(0) < 0x80) : ALPHABET;
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < n) {
    // Half extend an id already drawn (a shared stem, or the old id as a prefix of the new one).
    const base = out.length > 0 && rng() < 0.5 ? out[Math.floor(rng() * out.length)]! : 'User:';
    let id = base;
    const extra = 1 + Math.floor(rng() * 4);
    for (let k = 0; k < extra; k++) id += alphabet[Math.floor(rng() * alphabet.length)]!;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);

describe('packed node ids and their index', () => {
  for (const [seed, asciiOnly] of [[1, true], [2, false], [3, false]] as const) {
    it(`gives back every id, finds each, and misses others (seed ${seed}, ${asciiOnly ? 'ASCII' : 'any UTF-8'})`, () => {
      const ids = randomIds(seed, 3000, asciiOnly);
      const packed = PackedIds.from(ids);
      expect(packed.ascii).toBe(asciiOnly);
      expect(packed.length).toBe(ids.length);
      expect([...packed]).toEqual(ids);
      expect(packed.at(-1)).toBe(ids.at(-1));
      expect(packed.at(ids.length)).toBeUndefined();
      expect(packed.at(-ids.length - 1)).toBeUndefined();
      const index = PackedIdIndex.of(packed);
      expect(index.size).toBe(ids.length);
      ids.forEach((id, i) => expect(index.get(id)).toBe(i));
      // Ids one character longer or shorter, or with their last character changed, that are not in the list.
      const present = new Set(ids);
      const misses = ids.flatMap((id) => [id + 'a', id.slice(0, -1), id.slice(0, -1) + '中', id + '😀']).filter((m) => !present.has(m));
      expect(misses.length).toBeGreaterThan(1000);
      for (const m of misses) expect(index.get(m)).toBeUndefined();
      expect(index.has(ids[7]!)).toBe(true);
      expect(index.get('')).toBeUndefined();
      expect(index.get('\ud800')).toBeUndefined();
      expect(index.get(7 as unknown as string)).toBeUndefined();
      expect([...index]).toEqual(ids.map((id, i) => [id, i]));
      expect([...index.keys()]).toEqual(ids);
      expect([...index.values()]).toEqual(ids.map((_, i) => i));
    });
  }

  it('compares ids in code-point order without decoding them', () => {
    const ids = randomIds(4, 400, false);
    const packed = PackedIds.from(ids);
    const rng = uniform(5);
    for (let t = 0; t < 5000; t++) {
      const i = Math.floor(rng() * ids.length);
      const j = Math.floor(rng() * ids.length);
      expect(sign(packed.compare(i, j)), `${ids[i]} vs ${ids[j]}`).toBe(sign(compareCodePoints(ids[i]!, ids[j]!)));
    }
  });

  it('assembles a new list from old ids and new ones, as built from the strings', () => {
    const rng = uniform(6);
    for (let round = 0; round < 40; round++) {
      const old = randomIds(100 + round, 1 + Math.floor(rng() * 60), round % 2 === 0);
      const fresh = randomIds(200 + round, Math.floor(rng() * 8), round % 3 === 0).map((id) => `new:${id}`);
      // Old ids in order (some left out), fresh ones dropped in at random places.
      const slot: number[] = [];
      const expected: string[] = [];
      let f = 0;
      for (let s = 0; s < old.length; s++) {
        while (f < fresh.length && rng() < 0.3) {
          slot.push(-1 - f);
          expected.push(fresh[f++]!);
        }
        if (rng() < 0.9) {
          slot.push(s);
          expected.push(old[s]!);
        }
      }
      for (; f < fresh.length; f++) {
        slot.push(-1 - f);
        expected.push(fresh[f]!);
      }
      const shared = round % 4 === 0;
      const made = PackedIds.from(old).assemble(Int32Array.from(slot), fresh.map((id) => Buffer.from(id, 'utf8')), shared);
      expect([...made]).toEqual(expected);
      expect(made.ascii).toBe(expected.every((id) => [...id].every((c) => c.charCodeAt(0) < 0x80)));
      expect(isShared(made.bytes)).toBe(shared);
      expect(made.bytes).toEqual(PackedIds.from(expected).bytes);
    }
  });

  it('refuses empty, repeated and ill-formed ids, and offsets that do not span the bytes', () => {
    expectCode(() => PackedIds.from(['a', '']), 'INVALID_GRAPH');
    expectCode(() => PackedIds.from(['a', 'b\ud800']), 'INVALID_GRAPH');
    expectCode(() => PackedIdIndex.of(PackedIds.from(['a', 'bé', 'c', 'bé'])), 'INVALID_GRAPH');
    expectCode(() => buildCsr({ ids: ['x', 'y', 'x'], kinds: [0, 1, 1], relations: [INTERACTION_RELATION], edges: { src: new Uint32Array(), dst: new Uint32Array(), weight: new Float32Array(), relation: new Uint16Array() } }), 'INVALID_GRAPH');
    expectCode(() => new PackedIds(new Uint8Array(3), Uint32Array.from([0, 2])), 'INVALID_GRAPH');
    expectCode(() => new PackedIds(new Uint8Array(3), Uint32Array.from([0, 2, 1, 3])), 'INVALID_GRAPH');
    // A pair of surrogates is one code point, and fine.
    expect(PackedIdIndex.of(PackedIds.from(['a😀'])).get('a😀')).toBe(0);
  });

  it('crosses to a worker thread as plain parts and comes back the same (structured clone)', () => {
    const ids = randomIds(7, 500, false);
    const packed = PackedIds.from(ids, true);
    const index = PackedIdIndex.of(packed);
    const back = fromIdParts(structuredClone(idParts(packed, index)));
    expect([...back.ids]).toEqual(ids);
    // Shared buffers are the same memory on the other side; the table came along.
    expect(back.index).toBeDefined();
    expect(isShared(back.ids.bytes)).toBe(true);
    ids.forEach((id, i) => expect(back.index!.get(id)).toBe(i));
    // A layered index after an insertion is not sent: the other side builds a table of its own.
    const csr = buildCsr({ ids, kinds: ids.map(() => 0), relations: [INTERACTION_RELATION], edges: { src: new Uint32Array(), dst: new Uint32Array(), weight: new Float32Array(), relation: new Uint16Array() } });
    const inserted = insertNodes(csr, [{ id: 'User:~new', kind: 0 }]).csr;
    expect(inserted.index).not.toBeInstanceOf(PackedIdIndex);
    const copy = csrFromParts(structuredClone(csrParts(inserted)));
    expect([...copy.ids]).toEqual([...inserted.ids]);
    for (const id of [...inserted.ids]) expect(copy.index.get(id)).toBe(inserted.index.get(id));
  });
});
