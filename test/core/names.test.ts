import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/compute/rng.ts';
import { nameSkeleton, normalizeName } from '../../src/core/names.ts';

// The Unicode definitions of core/names, written out: the ASCII-only path must give what they give.
const unicodeNormalize = (t: string) => t.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
const unicodeSkeleton = (t: string) => unicodeNormalize(t.normalize('NFKC').replace(/\p{Cf}+/gu, ''));

describe('core/names', () => {
  it('gives on printable ASCII what the Unicode steps give', () => {
    const rng = createRng(11);
    const samples = ['', ' ', 'Star Wars (1977)', '  Amelie -- (2001)! ', 'AC/DC', 'a_b-c.d', '~`!@#$%^&*()', 'ÀB'.slice(1)];
    for (let n = 0; n < 5000; n++) samples.push(String.fromCharCode(...Array.from({ length: 1 + rng.int(30) }, () => 0x20 + rng.int(95))));
    for (const text of samples) {
      expect(normalizeName(text), text).toBe(unicodeNormalize(text));
      expect(nameSkeleton(text), text).toBe(unicodeNormalize(text));
    }
  });

  it('still folds accents, compatibility forms, format characters and lookalikes outside ASCII', () => {
    expect(normalizeName('  Amélie — (2001)! ')).toBe('amelie 2001');
    expect(nameSkeleton('Mirrоr of Westmarch')).toBe('mirror of westmarch');
    expect(nameSkeleton('Ａlien\u200b 3')).toBe('alien 3');
    expect(normalizeName('Tab\tand\nnewline')).toBe('tab and newline');
    for (const text of ['Amélie', 'Ｆｕｌｌ', 'Zero\u200bwidth']) expect(nameSkeleton(text)).toBe(unicodeSkeleton(text));
  });
});
