/**
 * @module core/names
 * How names are compared everywhere (grounding of explanations, search): lower case, accents removed, every run of
 * non-alphanumeric characters turned into one space, trimmed (`normalizeName`). Where a name may be disguised on
 * purpose (an explanation naming a title outside its evidence), `nameSkeleton` folds further: compatibility forms
 * (NFKC: fullwidth `Ａ` → `A`, ligatures), invisible format characters (zero-width spaces) dropped, and Cyrillic /
 * Greek letters that look like Latin ones (`о` U+043E, `α`) folded to those Latin letters — the idea of Unicode's
 * confusable skeletons (UTS #39), reduced to the lookalikes of the Latin alphabet. Search keeps `normalizeName`, so
 * a query in Cyrillic still finds Cyrillic titles unchanged.
 *
 * @example
 * normalizeName('  Amélie — (2001)! '); // 'amelie 2001'
 * nameSkeleton('Mirrоr of Westmarch'); // 'mirror of westmarch' (the second "о" is Cyrillic)
 */
export function normalizeName(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return asciiName(text);
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Printable ASCII, on which every Unicode step of `normalizeName` and `nameSkeleton` is the identity (no NFKC/NFKD
 * change, no marks, no format characters, no lookalikes): most titles and entity names, which then take the
 * ASCII-only path, the same result without the Unicode regular expressions (a 50M graph's 600k names at each boot).
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function asciiName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/** Cyrillic and Greek letters that render like a Latin letter, with that letter (lower case). */
const CONFUSABLES: Record<string, string> = Object.fromEntries(
  [
    // Cyrillic.
    'аa вb еe кk мm нh оo рp сc тt уy хx ѕs іi јj ԁd ӏl ԛq ԝw ьb ѵv ґr гr пn',
    'АA ВB ЕE КK МM НH ОO РP СC ТT УY ХX ЅS ІI ЈJ ԚQ ԜW ЁE ЙN',
    // Greek.
    'αa βb γy εe ζz ηn ιi κk μu νv οo ρp τt υu χx ωw',
    'ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX',
  ]
    .join(' ')
    .split(' ')
    .map((pair) => [pair[0]!, pair[1]!.toLowerCase()]),
);

/** Replaces Cyrillic/Greek lookalikes of Latin letters by those letters. */
export function foldConfusables(text: string): string {
  return text.replace(/[\u0370-\u03ff\u0400-\u052f]/gu, (ch) => CONFUSABLES[ch] ?? ch);
}

/** `normalizeName` after NFKC, dropping format characters and folding confusables: the form disguised names share. */
export function nameSkeleton(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return asciiName(text);
  return normalizeName(foldConfusables(text.normalize('NFKC').replace(/\p{Cf}+/gu, '')));
}

/**
 * A node's display name as it was (`before`, absent for a new node) and as it is (`after`, absent when it has none now):
 * what a live write that sets titles hands to the indexes of names (explain/grounding `changeNames`, retrieve/keywords
 * `withChanges`), which change those names only instead of being built again.
 */
export interface NameChange {
  key: string;
  before?: string;
  after?: string;
}
