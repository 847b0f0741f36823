import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeName } from '../../src/core/names.ts';
import { buildNameIndex, distinctLabels, DistinctLabels, findMentions, NameKeys, nameVariants, proseTitle, quotedSpans, textWords } from '../../src/explain/grounding.ts';

const catalogue = [
  { key: 'Item:1', name: 'Alien (1979)' },
  { key: 'Item:2', name: 'Blade Runner (1982)' },
  { key: 'Item:3', name: 'Lion King, The (1994)' },
  { key: 'Item:4', name: 'It (1990)' },
  { key: 'Item:5', name: 'Mirror of Westmarch (1994)' },
  { key: 'Entity:rs', name: 'Ridley Scott' },
];
const index = buildNameIndex(catalogue);
const found = (text: string) => findMentions([index], textWords(text)).map((m) => [text.slice(m.start, m.end), [...m.keys].join()]);

describe('name finding', () => {
  it('normalises names and their prose forms', () => {
    expect(normalizeName('  Amélie — (2001)! ')).toBe('amelie 2001');
    expect(nameVariants('Lion King, The (1994)')).toEqual(['lion king the 1994', 'the lion king 1994', 'lion king the', 'the lion king', 'lion king']);
    expect(proseTitle('Lion King, The (1994)')).toBe('The Lion King (1994)');
  });

  it('finds the longest name at each word, with its span', () => {
    expect(found('You loved The Lion King, and Blade Runner (1982) was directed by Ridley Scott.')).toEqual([
      ['The Lion King', 'Item:3'],
      ['Blade Runner (1982', 'Item:2'],
      ['Ridley Scott', 'Entity:rs'],
    ]);
  });

  it('recognises homoglyph, fullwidth, zero-width and squashed forms of a name', () => {
    for (const disguised of ['Mirrоr of Westmarch', 'MirrorOfWestmarch', 'Ｍｉｒｒｏｒ of Westmarch', 'Mir\u200Bror of Westmarch', 'Mirror OfWestmarch']) {
      expect(found(`Like ${disguised}, it fits.`), disguised).toEqual([[disguised, 'Item:5']]);
    }
  });

  it('does not mistake everyday words for short titles, and skips words the caller names', () => {
    expect(found('It is directed by Ridley Scott, like Alien.')).toEqual([
      ['Ridley Scott', 'Entity:rs'],
      ['Alien', 'Item:1'],
    ]);
    expect(findMentions([index], textWords('Alien'), (w) => w === 'alien')).toEqual([]);
  });

  it('reports quoted spans with their offsets', () => {
    expect(quotedSpans('Since you liked "Alien Part 9", try *Blade Runner*.').map((q) => q.text)).toEqual(['Alien Part 9', 'Blade Runner']);
  });
});

describe('NameKeys', () => {
  it('holds what a Map of Sets holds after random adds (repeats included, names past the array bound): keys per name in order, has, size, iteration', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 40 }).map((k) => `k${k}`)), { minLength: 60, maxLength: 120 }), (adds) => {
        const keys = new NameKeys();
        const reference = new Map<string, Set<string>>();
        for (const [name, key] of adds) {
          keys.add(name, key);
          if (!reference.has(name)) reference.set(name, new Set());
          reference.get(name)!.add(key);
        }
        expect(keys.size).toBe(reference.size);
        for (const name of ['a', 'b', 'c', 'd']) {
          expect(keys.has(name)).toBe(reference.has(name));
          expect(keys.get(name) && [...keys.get(name)!]).toEqual(reference.get(name) && [...reference.get(name)!]);
        }
        expect([...keys].map(([name, set]) => [name, [...set]])).toEqual([...reference].map(([name, set]) => [name, [...set]]));
      }),
      { seed: 20261207, numRuns: 100 },
    );
  });
});

describe('NameKeys at size', () => {
  it('finds each of 20,000 random names (any code unit, prefixes of one another, repeated with other keys, added before and after a compaction) and nothing else', () => {
    let x = 20261207;
    const rnd = (n: number): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
    // Code units from ASCII, Latin, CJK and surrogates (paired and lone): names are compared unit by unit.
    const unit = (): number => [97 + rnd(26), 0xe0 + rnd(32), 0x4e00 + rnd(64), 0xd800 + rnd(0x800)][rnd(4)]!;
    const names: string[] = [];
    for (let j = 0; j < 20_000; j++) {
      const base = j > 0 && rnd(3) === 0 ? names[rnd(names.length)]! : '';
      names.push(base + String.fromCharCode(...Array.from({ length: 1 + rnd(12) }, unit)));
    }
    const keys = new NameKeys();
    const reference = new Map<string, Set<string>>();
    for (let j = 0; j < 30_000; j++) {
      if (j === 20_000) keys.compact(); // adds go on after the room is dropped
      const name = names[j < 20_000 ? j : rnd(names.length)]!;
      const key = `Item:k${j < 20_000 ? j : rnd(50)}`;
      keys.add(name, key);
      if (!reference.has(name)) reference.set(name, new Set());
      reference.get(name)!.add(key);
    }
    expect(keys.size).toBe(reference.size);
    for (const [name, set] of reference) expect([...keys.get(name)!]).toEqual([...set]);
    // Near misses: a unit dropped, changed or added.
    let misses = 0;
    for (const name of names.slice(0, 3000)) {
      for (const near of [name.slice(0, -1), name.slice(0, -1) + String.fromCharCode(name.charCodeAt(name.length - 1) ^ 1), name + 'z', 'z' + name]) {
        expect(keys.has(near)).toBe(reference.has(near));
        expect(keys.get(near) && [...keys.get(near)!]).toEqual(reference.get(near) && [...reference.get(near)!]);
        if (!reference.has(near)) misses++;
      }
    }
    expect(misses).toBeGreaterThan(5000);
    expect([...keys].map(([name, set]) => [name, [...set]])).toEqual([...reference].map(([name, set]) => [name, [...set]]));
  });
});

describe('DistinctLabels (titles changed one at a time)', () => {
  it('after each of 30 random title changes, the labels equal distinctLabels of the titles as written', () => {
    const pool = ['Heat', 'heat!', 'HEAT', 'Alien', 'Alien.', 'Gladiator (2000)', 'Ridley Scott'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('Item:a', 'Item:b', 'Item:c', 'Item:d', 'Entity:x'), fc.constantFrom(...pool)), { minLength: 1, maxLength: 30 }), (changes) => {
        const written = new Map([
          ['Item:a', 'Heat'],
          ['Item:b', 'Heat'],
          ['Entity:x', 'Michael Mann'],
        ]);
        const live = new DistinctLabels(written);
        expect(live.labels).toEqual(distinctLabels(written));
        for (const [key, title] of changes) {
          const before = new Map(live.labels);
          const changed = live.setTitle(key, title);
          written.set(key, title);
          expect(live.labels).toEqual(distinctLabels(written));
          expect(changed).toBe(JSON.stringify([...before]) !== JSON.stringify([...live.labels]));
        }
      }),
      { seed: 20261207, numRuns: 200 },
    );
  });
});
