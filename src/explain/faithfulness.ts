/**
 * @module explain/faithfulness
 * Is an LLM explanation a rewrite of its facts, or does it add its own? Grounding (explain/grounding) checks the
 * names a text uses and explain/claims the "you rated …" clauses; neither catches invented praise ("nominated for a
 * Golden Globe", "a classic loved by critics") or a degenerate loop ("a classic example of a classic example of …"),
 * which a 135M model writes often. This check measures the share of the text's content words that the facts (or the
 * item's title) contain, after folding case, accents and simple inflections; words that only glue an explanation
 * together ("because", "recommend", "enjoy", "similar", …) are neither required nor counted. A text is faithful when
 * that share reaches `minSupport` and no word sequence repeats `maxRepeats` times.
 *
 * @example
 * checkFaithfulness('You rated Alien 5 stars, and Blade Runner shares its director Ridley Scott.', facts, 'Blade Runner'); // ok
 * checkFaithfulness('Blade Runner won a Golden Globe and critics adore it.', facts, 'Blade Runner'); // not ok
 */
import { normalizeName } from './grounding.ts';

export interface FaithfulnessOptions {
  minSupport: number;
  ngram: number;
  maxRepeats: number;
}

export const FAITHFULNESS_DEFAULTS: FaithfulnessOptions = {
  /** Least share of content words found in the facts. */
  minSupport: 0.75,
  /** Length of the word sequences checked for repetition. */
  ngram: 3,
  /** A sequence seen this many times marks a degenerate loop. */
  maxRepeats: 3,
};

/** Words an explanation may add around the facts: connectives, the reader, recommending and liking, and rating words. */
const GLUE = new Set(
  (
    'a an the and or but so as of in on at to for with from by about into than then also both too very really just ' +
    'it its it s is are was were be been being has have had do does did will would could should might may can ' +
    'this that these those there here which who whom whose what when where why how because since given while ' +
    'you your yours you re you ve you ll i we our they their them he she his her one another other others same ' +
    'recommend recommended recommending recommendation suggest suggested pick picked choice suit suits fit fits ' +
    'like liked likes love loved loves enjoy enjoyed enjoys enjoying appreciate appreciated fan fans favorite favourite ' +
    'watch watched watching see seen saw rate rated rating ratings star stars gave give review reviewed ' +
    'movie movies film films title titles item items story similar similarly share shares shared sharing common ' +
    'people person users user viewers audience someone many some all more most well great good so much such ' +
    'based connection connected link linked related relation together same kind type genre genres style ' +
    'not no if then both each either neither only even still yet already again perhaps maybe likely probably ' +
    'two three four five 1 2 3 4 5 because check try consider'
  ).split(' '),
);

/** Folds simple English inflections so "directed" meets "director"/"directs" and "stars" meets "starring". */
function stem(word: string): string {
  const base = word.replace(/(?:ing|ed|er|ers|es|s|ion|ions|or|ors)$/u, '');
  // "starring" → "starr" → "star", "directed" → "direct".
  return base.length > 2 && /([b-df-hj-np-tv-z])\1$/u.test(base) ? base.slice(0, -1) : base;
}

function words(text: string): string[] {
  return normalizeName(text.replace(/★/g, ' star ')).split(' ').filter(Boolean);
}

export interface FaithfulnessResult {
  ok: boolean;
  /** Share of content words found in the facts (1 when the text has none). */
  support: number;
  /** Content words the facts do not contain. */
  unsupported: string[];
  reason?: string;
}

export function checkFaithfulness(text: string, facts: readonly string[], item: string, options: Partial<FaithfulnessOptions> = {}): FaithfulnessResult {
  const o = { ...FAITHFULNESS_DEFAULTS, ...options };
  const all = words(text);
  const counts = new Map<string, number>();
  for (let i = 0; i + o.ngram <= all.length; i++) {
    const key = all.slice(i, i + o.ngram).join(' ');
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (n >= o.maxRepeats) return { ok: false, support: 0, unsupported: [], reason: `repeats "${key}" ${n} times` };
  }
  const known = new Set<string>();
  for (const w of words([...facts, item].join(' '))) {
    known.add(w);
    known.add(stem(w));
  }
  const content = all.filter((w) => !GLUE.has(w));
  const unsupported = content.filter((w) => !known.has(w) && !known.has(stem(w)));
  const support = content.length === 0 ? 1 : 1 - unsupported.length / content.length;
  if (support < o.minSupport) {
    return { ok: false, support, unsupported, reason: `adds words the facts do not hold (${[...new Set(unsupported)].slice(0, 4).join(', ')})` };
  }
  return { ok: true, support, unsupported };
}
