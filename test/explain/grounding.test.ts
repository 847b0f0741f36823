import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeName } from '../../src/core/names.ts';
import type { NameChange } from '../../src/core/names.ts';
import { buildNameIndex, changeNames, distinctLabels, DistinctLabels, findMentions, NameKeys, nameVariants, proseTitle, quotedSpans, textWords, type NameIndex } from '../../src/explain/grounding.ts';

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
  it('holds what a Map of Sets holds after random adds and removes (repeats, names emptied and filled again, many keys per name): keys per name sorted, has, size, iteration; a clone changes alone', () => {
    const sorted = (set: Set<string>) => [...set].sort();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 40 }).map((k) => `k${k}`)), { minLength: 60, maxLength: 160 }), (ops) => {
        let keys = new NameKeys();
        const reference = new Map<string, Set<string>>();
        let frozen: { keys: NameKeys; held: Array<[string, string[]]> } | undefined;
        ops.forEach(([remove, name, key], j) => {
          if (remove) {
            keys.remove(name, key);
            reference.get(name)?.delete(key);
            if (reference.get(name)?.size === 0) reference.delete(name);
          } else {
            keys.add(name, key);
            if (!reference.has(name)) reference.set(name, new Set());
            reference.get(name)!.add(key);
          }
          if (j === 30) {
            // A clone taken midway is changed from then on; the original must keep what it held.
            frozen = { keys, held: [...keys].map(([n, set]) => [n, [...set]]) };
            keys = keys.clone();
          }
        });
        expect(keys.size).toBe(reference.size);
        for (const name of ['a', 'b', 'c', 'd']) {
          expect(keys.has(name)).toBe(reference.has(name));
          expect(keys.get(name) && [...keys.get(name)!]).toEqual(reference.get(name) && sorted(reference.get(name)!));
        }
        const held = new Map([...keys].map(([name, set]) => [name, [...set]]));
        expect(held).toEqual(new Map([...reference].map(([name, set]) => [name, sorted(set)])));
        if (frozen) expect([...frozen.keys].map(([n, set]) => [n, [...set]])).toEqual(frozen.held);
      }),
      { seed: 20261207, numRuns: 150 },
    );
  });
});

describe('changeNames', () => {
  it('after each of 25 random batches of changed labels, the index equals a build over the labels as they are (names, keys, word counts, mentions found), and the index before is unchanged', () => {
    const pool = ['Heat', 'Heat (1995)', 'Lion King, The (1994)', 'The Lion King', 'Ridley Scott', 'Scott', 'Blade Runner', 'blade runner 2049', 'It', 'Mirror of Westmarch of the North Sea and Its Many Long Shores Beyond (2001)', 'a b c', 'ab c'];
    const nodes = ['Item:1', 'Item:2', 'Item:3', 'Entity:x', 'Entity:y', 'Item:4'];
    const contents = (index: NameIndex) => ({
      byName: new Map([...index.byName].map(([n, set]) => [n, [...set]])),
      bySquashed: new Map([...index.bySquashed].map(([n, set]) => [n, [...set]])),
      maxTokens: index.maxTokens,
    });
    const texts = ['You liked The Lion King and Heat (1995), by Ridley Scott.', 'Blade Runner 2049 echoes Mirror of Westmarch of the North Sea and Its Many Long Shores Beyond.', 'a b c, or ab c, or abc'];
    const mentions = (index: NameIndex) => texts.map((t) => findMentions([index], textWords(t)).map((m) => [m.name, [...m.keys]]));
    fc.assert(
      fc.property(fc.array(fc.array(fc.tuple(fc.constantFrom(...nodes), fc.option(fc.constantFrom(...pool), { nil: undefined })), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }), (batches) => {
        const labels = new Map<string, string>([['Item:1', 'Heat (1995)'], ['Entity:x', 'Ridley Scott']]);
        let index = buildNameIndex([...labels].map(([key, name]) => ({ key, name })));
        for (const batch of batches) {
          const changes: NameChange[] = [];
          for (const [key, after] of batch) {
            const before = labels.get(key);
            if (before === after) continue;
            if (after === undefined) labels.delete(key);
            else labels.set(key, after);
            changes.push({ key, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) });
          }
          const previous = contents(index);
          const next = changeNames(index, changes);
          expect(contents(index)).toEqual(previous);
          index = next;
          const built = buildNameIndex([...labels].map(([key, name]) => ({ key, name })));
          expect(contents(index)).toEqual(contents(built));
          expect(mentions(index)).toEqual(mentions(built));
        }
      }),
      { seed: 20261207, numRuns: 150 },
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
    for (const [name, set] of reference) expect([...keys.get(name)!]).toEqual([...set].sort());
    // Near misses: a unit dropped, changed or added.
    let misses = 0;
    for (const name of names.slice(0, 3000)) {
      for (const near of [name.slice(0, -1), name.slice(0, -1) + String.fromCharCode(name.charCodeAt(name.length - 1) ^ 1), name + 'z', 'z' + name]) {
        expect(keys.has(near)).toBe(reference.has(near));
        expect(keys.get(near) && [...keys.get(near)!]).toEqual(reference.get(near) && [...reference.get(near)!].sort());
        if (!reference.has(near)) misses++;
      }
    }
    expect(misses).toBeGreaterThan(5000);
    expect([...keys].map(([name, set]) => [name, [...set]])).toEqual([...reference].map(([name, set]) => [name, [...set].sort()]));
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
          const changes = live.setTitle(key, title);
          written.set(key, title);
          expect(live.labels).toEqual(distinctLabels(written));
          // Exactly the labels that changed, each with its label before and after.
          const expected = [...live.labels].filter(([k, label]) => before.get(k) !== label).map(([k, label]) => ({ key: k, ...(before.has(k) ? { before: before.get(k) } : {}), after: label }));
          expect([...changes].sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual(expected.sort((a, b) => (a.key < b.key ? -1 : 1)));
        }
      }),
      { seed: 20261207, numRuns: 200 },
    );
  });
});
