/**
 * @module core/names
 * How names are compared everywhere (grounding of explanations, search): lower case, accents removed, every run of
 * non-alphanumeric characters turned into one space, trimmed.
 *
 * @example
 * normalizeName('  Amélie — (2001)! '); // 'amelie 2001'
 */
export function normalizeName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
