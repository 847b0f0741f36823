/**
 * @module explain/grounding
 * Is an LLM explanation grounded in its evidence? It must name at least one item or entity of the evidence, and
 * every catalogue item or entity it names must be in the evidence. Names are found by scanning the text's word n-grams
 * against an index of every title and entity name in the catalogue (normalised: case, accents and punctuation
 * folded; MovieLens-style "Title, The (1995)" also indexed as "The Title" and "Title"). Quoted spans ("…", *…*)
 * must be evidence names too, which catches titles the model invented.
 */
import { normalizeName } from '../core/names.ts';

export { normalizeName };

export interface NamedNode {
  /** Projection key, e.g. `Item:ml100k:i:1`. */
  key: string;
  name: string;
}

export interface NameIndex {
  byName: Map<string, Set<string>>;
  maxTokens: number;
}

const STOPWORDS = new Set(['a', 'an', 'the', 'it', 'is', 'you', 'your', 'and', 'or', 'of', 'in', 'on', 'to', 'for', 'with', 'this', 'that', 'movie', 'film', 'films', 'movies', 'like', 'also', 'both', 'by', 'as', 'be', 'are', 'was', 'were', 'he', 'she', 'they', 'we', 'i', 'me', 'my', 'so', 'if', 'at', 'from', 'who', 'what']);

/** The forms a name may take in prose: as is, without a trailing "(1995)", and "Title, The" as "The Title". */
export function nameVariants(name: string): string[] {
  const out = new Set<string>([name]);
  const noYear = name.replace(/\s*\(\d{4}\)\s*$/, '').trim();
  out.add(noYear);
  const article = /^(.*), (The|A|An|Les|La|Le|Il|El|Das|Der|Die)$/i.exec(noYear);
  if (article) {
    out.add(`${article[2]} ${article[1]}`);
    out.add(article[1]!);
  }
  return [...out].map(normalizeName).filter((n) => n.length > 0);
}

/** A name counts only if it cannot be an everyday word: ≥ 2 tokens, or one token of ≥ 4 letters that is no stopword. */
function distinctive(normalized: string): boolean {
  const tokens = normalized.split(' ');
  if (tokens.length >= 2) return tokens.some((t) => !STOPWORDS.has(t));
  return tokens[0]!.length >= 4 && !STOPWORDS.has(tokens[0]!);
}

export function buildNameIndex(nodes: Iterable<NamedNode>): NameIndex {
  const byName = new Map<string, Set<string>>();
  let maxTokens = 1;
  for (const { key, name } of nodes) {
    for (const variant of nameVariants(name)) {
      if (!distinctive(variant)) continue;
      let keys = byName.get(variant);
      if (!keys) byName.set(variant, (keys = new Set()));
      keys.add(key);
      maxTokens = Math.max(maxTokens, variant.split(' ').length);
    }
  }
  return { byName, maxTokens: Math.min(maxTokens, 16) };
}

/** The names the text contains (normalised), with the nodes each may refer to; longest match first at each position. */
export function mentionedNames(indexes: readonly NameIndex[], text: string): Map<string, Set<string>> {
  const tokens = normalizeName(text).split(' ').filter(Boolean);
  const maxTokens = Math.max(...indexes.map((x) => x.maxTokens));
  const found = new Map<string, Set<string>>();
  for (let i = 0; i < tokens.length; ) {
    let step = 1;
    for (let len = Math.min(maxTokens, tokens.length - i); len >= 1; len--) {
      const name = tokens.slice(i, i + len).join(' ');
      const hits = indexes.flatMap((x) => [...(x.byName.get(name) ?? [])]);
      if (hits.length > 0) {
        found.set(name, new Set([...(found.get(name) ?? []), ...hits]));
        step = len;
        break;
      }
    }
    i += step;
  }
  return found;
}

/** Spans the text sets off as names: "double quotes", “curly quotes” or *asterisks*. */
export function quotedSpans(text: string): string[] {
  const spans: string[] = [];
  for (const m of text.matchAll(/"([^"\n]{2,120})"|“([^”\n]{2,120})”|\*([^*\n]{2,120})\*/g)) spans.push((m[1] ?? m[2] ?? m[3])!.trim());
  return spans;
}

export interface GroundingResult {
  grounded: boolean;
  /** Evidence nodes the text names. */
  named: string[];
  /** Catalogue nodes the text names that are not in the evidence. */
  outside: string[];
  /** Quoted spans that match no evidence name. */
  unknownQuotes: string[];
  reason?: string;
}

/**
 * Checks `text` against the evidence: `allowed` are the evidence's nodes (key and display name); `index` covers the
 * whole catalogue (so a real title outside the evidence is caught as well as one the model made up).
 */
export function checkGrounding(text: string, allowed: readonly NamedNode[], index: NameIndex): GroundingResult {
  const allowedIndex = buildNameIndex(allowed);
  const named = new Set<string>();
  const outside = new Set<string>();
  for (const [name, keys] of mentionedNames([index, allowedIndex], text)) {
    const evidence = allowedIndex.byName.get(name);
    // A name that the evidence holds resolves to the evidence node, even if other catalogue nodes share it.
    if (evidence) for (const key of evidence) named.add(key);
    else for (const key of keys) outside.add(key);
  }
  const allowedNames = new Set(allowedIndex.byName.keys());
  const unknownQuotes = quotedSpans(text).filter((span) => {
    const n = normalizeName(span);
    return n.length > 0 && !nameVariants(span).some((v) => allowedNames.has(v));
  });
  let reason: string | undefined;
  if (named.size === 0) reason = 'names nothing from the evidence';
  else if (outside.size > 0) reason = `names ${outside.size} node(s) outside the evidence`;
  else if (unknownQuotes.length > 0) reason = `quotes ${JSON.stringify(unknownQuotes[0])}, which is not in the evidence`;
  return { grounded: reason === undefined, named: [...named], outside: [...outside], unknownQuotes, ...(reason ? { reason } : {}) };
}
