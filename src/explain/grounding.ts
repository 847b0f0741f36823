/**
 * @module explain/grounding
 * Finding the names an explanation uses. Every title and entity name of the catalogue is indexed under the forms it
 * takes in prose (`nameVariants`: as is, without a trailing "(1995)", MovieLens-style "Title, The" as "The Title" and
 * "Title"), each folded by `nameSkeleton` (case, accents, punctuation, fullwidth forms, zero-width characters and
 * Cyrillic/Greek lookalikes) and also squashed (spaces removed), so "Mirrоr of Westmarch" with a Cyrillic "о" and
 * "MirrorOfWestmarch" are both found as the catalogue title they imitate. `findMentions` scans a text's words for
 * the longest indexed name at each position and reports where each one sits; explain/verify decides what the names
 * may do there. Quoted spans ("…", “…”, *…*) are reported too: a quoted span that is no evidence name is an invented
 * title.
 */
import { nameSkeleton } from '../core/names.ts';

export interface NamedNode {
  /** Projection key, e.g. `Item:ml100k:i:1`. */
  key: string;
  name: string;
}

/** A name's keys as held by {@link NameKeys}, as a new Set. */
function keySet(keys: string | string[] | Set<string>): Set<string> {
  return new Set(typeof keys === 'string' ? [keys] : keys);
}

/**
 * Name → the node keys it may refer to, in the order they were added. Most names name one node, so a name's keys are
 * held as one string, or an array when there are several, and `get` makes a Set of them per lookup (lookups happen
 * only while a text is checked). A Set per name cost 35 MB of the JS heap at 10M interactions (two maps of 121,830
 * names, a heap snapshot on 2026-12-07), and every garbage collection marks the heap whole.
 */
export class NameKeys {
  /** One key, a few in an array, or a Set once a name has more than {@link NameKeys.ARRAY_MAX} (adds stay O(1)). */
  readonly #keys = new Map<string, string | string[] | Set<string>>();
  static readonly ARRAY_MAX = 16;

  /** Adds `key` to the keys of `name` (once). */
  add(name: string, key: string): void {
    const keys = this.#keys.get(name);
    if (keys === undefined) this.#keys.set(name, key);
    else if (typeof keys === 'string') {
      if (keys !== key) this.#keys.set(name, [keys, key]);
    } else if (keys instanceof Set) keys.add(key);
    else if (!keys.includes(key)) {
      keys.push(key);
      if (keys.length > NameKeys.ARRAY_MAX) this.#keys.set(name, new Set(keys));
    }
  }

  /** The keys of `name`, or undefined when it names nothing. */
  get(name: string): Set<string> | undefined {
    const keys = this.#keys.get(name);
    return keys === undefined ? undefined : keySet(keys);
  }

  has(name: string): boolean {
    return this.#keys.has(name);
  }

  /** Names held. */
  get size(): number {
    return this.#keys.size;
  }

  /** Each name with its keys, in the order the names were added. */
  *[Symbol.iterator](): IterableIterator<[string, Set<string>]> {
    for (const [name, keys] of this.#keys) yield [name, keySet(keys)];
  }
}

export interface NameIndex {
  /** Skeleton form of a name → the nodes it may refer to. */
  byName: NameKeys;
  /** The same names with their spaces removed ("mirrorofwestmarch"), for names of two words or more. */
  bySquashed: NameKeys;
  maxTokens: number;
}

const STOPWORDS = new Set(['a', 'an', 'the', 'it', 'is', 'you', 'your', 'and', 'or', 'of', 'in', 'on', 'to', 'for', 'with', 'this', 'that', 'movie', 'film', 'films', 'movies', 'like', 'also', 'both', 'by', 'as', 'be', 'are', 'was', 'were', 'he', 'she', 'they', 'we', 'i', 'me', 'my', 'so', 'if', 'at', 'from', 'who', 'what']);

const TRAILING_ARTICLE = /^(.*), (The|A|An|Les|La|Le|Il|El|Das|Der|Die)(\s*\(\d{4}\))?$/i;

/** A catalogue title as prose writes it, year kept: "Godfather: Part II, The (1974)" → "The Godfather: Part II (1974)". */
export function proseTitle(label: string): string {
  const m = TRAILING_ARTICLE.exec(label.trim());
  return m ? `${m[2]} ${m[1]}${m[3] ?? ''}` : label;
}

/** The forms a name may take in prose: as is, without a trailing "(1995)", and "Title, The (1995)" as "The Title (1995)" and "The Title". */
export function nameVariants(name: string): string[] {
  const out = new Set<string>([name, proseTitle(name)]);
  const noYear = name.replace(/\s*\(\d{4}\)\s*$/, '').trim();
  out.add(noYear);
  const article = /^(.*), (The|A|An|Les|La|Le|Il|El|Das|Der|Die)$/i.exec(noYear);
  if (article) {
    out.add(`${article[2]} ${article[1]}`);
    out.add(article[1]!);
  }
  return [...new Set([...out].map(nameSkeleton).filter((n) => n.length > 0))];
}

/** A name counts only if it cannot be an everyday word: ≥ 2 tokens, or one token of ≥ 4 letters that is no stopword. */
function distinctive(normalized: string): boolean {
  const tokens = normalized.split(' ');
  if (tokens.length >= 2) return tokens.some((t) => !STOPWORDS.has(t));
  return tokens[0]!.length >= 4 && !STOPWORDS.has(tokens[0]!);
}

/**
 * Display names that tell items apart: an item title that another item bears too (ML-100K lists a few films twice,
 * with two ids) gets its id appended, "Money Talks (1997) [#881]", so that the template and the verifier name
 * exactly one item. Other labels are kept as they are.
 */
export function distinctLabels(labels: ReadonlyMap<string, string>): Map<string, string> {
  return new DistinctLabels(labels).labels;
}

/** An item label with its id appended ({@link distinctLabels}). */
function withId(key: string, label: string): string {
  return `${label} [#${key.slice(key.lastIndexOf(':') + 1)}]`;
}

/**
 * {@link distinctLabels} kept up to date while item titles change (live writes, engine/engine): a title set through
 * {@link DistinctLabels.setTitle} relabels only the items whose title skeleton it leaves or joins, so the labels always
 * equal `distinctLabels` of the titles as written — what a reload of the same graph shows.
 */
export class DistinctLabels {
  /** The display names, as {@link distinctLabels} gives them. */
  readonly labels = new Map<string, string>();
  /** Each item's title as written. */
  readonly #titles = new Map<string, string>();
  /** The items bearing each title skeleton (one key, or several). */
  readonly #bySkeleton = new Map<string, string | string[]>();

  constructor(labels: ReadonlyMap<string, string>) {
    for (const [key, label] of labels) {
      this.labels.set(key, label);
      if (!key.startsWith('Item:')) continue;
      this.#titles.set(key, label);
      this.#join(nameSkeleton(label), key);
    }
    for (const keys of this.#bySkeleton.values()) if (Array.isArray(keys)) for (const key of keys) this.labels.set(key, withId(key, this.#titles.get(key)!));
  }

  /** Sets item `key`'s title; true when a label changed (its own, or that of an item it now shares a skeleton with or no longer does). */
  setTitle(key: string, title: string): boolean {
    if (!key.startsWith('Item:')) {
      const changed = this.labels.get(key) !== title;
      this.labels.set(key, title);
      return changed;
    }
    const before = this.#titles.get(key);
    if (before === title) return false;
    this.#titles.set(key, title);
    const touched = new Set<string>([key]);
    if (before !== undefined) {
      const skeleton = nameSkeleton(before);
      this.#leave(skeleton, key);
      for (const other of this.#keys(skeleton)) touched.add(other);
    }
    const skeleton = nameSkeleton(title);
    this.#join(skeleton, key);
    for (const other of this.#keys(skeleton)) touched.add(other);
    let changed = false;
    for (const k of touched) {
      const shared = this.#keys(nameSkeleton(this.#titles.get(k)!)).length > 1;
      const label = shared ? withId(k, this.#titles.get(k)!) : this.#titles.get(k)!;
      if (this.labels.get(k) !== label) {
        this.labels.set(k, label);
        changed = true;
      }
    }
    return changed;
  }

  #keys(skeleton: string): readonly string[] {
    const keys = this.#bySkeleton.get(skeleton);
    return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
  }

  #join(skeleton: string, key: string): void {
    const keys = this.#bySkeleton.get(skeleton);
    if (keys === undefined) this.#bySkeleton.set(skeleton, key);
    else if (typeof keys === 'string') this.#bySkeleton.set(skeleton, [keys, key]);
    else keys.push(key);
  }

  #leave(skeleton: string, key: string): void {
    const keys = this.#bySkeleton.get(skeleton);
    if (keys === key) this.#bySkeleton.delete(skeleton);
    else if (Array.isArray(keys)) {
      const rest = keys.filter((k) => k !== key);
      this.#bySkeleton.set(skeleton, rest.length === 1 ? rest[0]! : rest);
    }
  }
}

export function buildNameIndex(nodes: Iterable<NamedNode>): NameIndex {
  const byName = new NameKeys();
  const bySquashed = new NameKeys();
  let maxTokens = 1;
  for (const { key, name } of nodes) {
    for (const variant of nameVariants(name)) {
      if (!distinctive(variant)) continue;
      byName.add(variant, key);
      const tokens = variant.split(' ');
      if (tokens.length >= 2) bySquashed.add(tokens.join(''), key);
      maxTokens = Math.max(maxTokens, tokens.length);
    }
  }
  return { byName, bySquashed, maxTokens: Math.min(maxTokens, 16) };
}

/** One word of a text: its skeleton form and where it sits. */
export interface TextWord {
  norm: string;
  start: number;
  end: number;
}

/** The words of `text` (runs of letters, digits, marks and format characters), each folded by `nameSkeleton`. */
export function textWords(text: string): TextWord[] {
  const words: TextWord[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}\p{M}\p{Cf}]+/gu)) {
    for (const norm of nameSkeleton(m[0]).split(' ')) if (norm) words.push({ norm, start: m.index, end: m.index + m[0].length });
  }
  return words;
}

export interface Mention {
  /** Character span in the text. */
  start: number;
  end: number;
  /** Word span in `textWords(text)`. */
  from: number;
  to: number;
  /** The matched skeleton name. */
  name: string;
  /** Index in `indexes` that matched (the first index wins on a tie of length). */
  source: number;
  keys: Set<string>;
}

/**
 * The names the text contains: at each word the longest run of words whose skeleton, spaced or squashed, is a name of
 * one of `indexes`; among equally long matches, the first index wins. `skip(name)` drops one-word matches that are
 * ordinary words of the explanation language.
 */
export function findMentions(indexes: readonly NameIndex[], words: readonly TextWord[], skip: (name: string) => boolean = () => false): Mention[] {
  const maxTokens = Math.max(...indexes.map((x) => x.maxTokens));
  const out: Mention[] = [];
  for (let i = 0; i < words.length; ) {
    let found: Mention | undefined;
    for (let len = Math.min(maxTokens, words.length - i); len >= 1 && !found; len--) {
      const slice = words.slice(i, i + len).map((w) => w.norm);
      const spaced = slice.join(' ');
      const squashed = slice.join('');
      for (let s = 0; s < indexes.length && !found; s++) {
        const keys = indexes[s]!.byName.get(spaced) ?? indexes[s]!.bySquashed.get(squashed);
        if (keys && !(len === 1 && skip(spaced))) found = { start: words[i]!.start, end: words[i + len - 1]!.end, from: i, to: i + len, name: spaced, source: s, keys };
      }
    }
    if (found) {
      out.push(found);
      i = found.to;
    } else i += 1;
  }
  return out;
}

/** Spans the text sets off as names: "double quotes", “curly quotes” or *asterisks*, with their character offsets. */
export function quotedSpans(text: string): Array<{ text: string; start: number; end: number }> {
  const spans: Array<{ text: string; start: number; end: number }> = [];
  for (const m of text.matchAll(/"([^"\n]{2,120})"|“([^”\n]{2,120})”|\*([^*\n]{2,120})\*/g)) {
    spans.push({ text: (m[1] ?? m[2] ?? m[3])!.trim(), start: m.index, end: m.index + m[0].length });
  }
  return spans;
}
