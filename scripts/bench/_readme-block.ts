/**
 * A generated block of the README: the text between a begin marker and an end marker, which a generator writes and a
 * test compares with what the generator would write now (`_quality-table.ts`, `_scale-table.ts`).
 */

function bounds(readme: string, begin: string, end: string): [number, number] {
  const a = readme.indexOf(begin);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README has no ${begin} … ${end} block`);
  return [a, b];
}

/** `readme` with the block between `begin` and `end` replaced by `body`. */
export function replaceBlock(readme: string, begin: string, end: string, body: string): string {
  const [a, b] = bounds(readme, begin, end);
  return readme.slice(0, a) + begin + '\n' + body + '\n' + readme.slice(b);
}

/** The block between `begin` and `end` as the README holds it now. */
export function blockOf(readme: string, begin: string, end: string): string {
  const [a, b] = bounds(readme, begin, end);
  return readme.slice(a + begin.length + 1, b).replace(/\n$/, '');
}
