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
import { avalanche, FNV_OFFSET, fnvStep } from '../core/hash.ts';
import { nameSkeleton } from '../core/names.ts';
import { growU16, growU32 } from '../project/growable.ts';

export interface NamedNode {
  /** Projection key, e.g. `Item:ml100k:i:1`. */
  key: string;
  name: string;
}

/** FNV-1a over the UTF-16 code units of `s` (core/hash). */
function hashName(s: string): number {
  let h = FNV_OFFSET;
  for (let k = 0; k < s.length; k++) h = fnvStep(h, s.charCodeAt(k));
  return avalanche(h);
}

/**
 * Name → the node keys it may refer to, in the order they were added. The names themselves are not JS strings here:
 * their UTF-16 code units sit in one typed array, with an offset per name, and an open-addressing table of name
 * indices (with each name's hash) finds them. A `Map` from name strings held 15 MB of the serving heap at 10M
 * interactions (243,660 name strings and two tables for 121,830 labels; heap snapshots, 2026-12-07), the largest
 * structure of names left on it, and every full collection marks the heap whole (docs/scaling.md, "The name index
 * off the JavaScript heap"). A name's first key is held by index into one list of keys (a node's variants are added
 * one after the other, so its key is stored once); the rare name of several nodes keeps them in an array, or a Set
 * past {@link NameKeys.ARRAY_MAX}. `get` makes a Set per lookup (lookups happen only while a text is checked).
 */
export class NameKeys {
  static readonly ARRAY_MAX = 16;
  /** Code units of every name, name i at `#chars[#start[i] … #start[i + 1])`. */
  readonly #chars = growU16();
  readonly #start = growU32();
  readonly #hash = growU32();
  /** Index in `#keys` of name i's first key. */
  readonly #firstKey = growU32();
  /** Names of more than one key: name index → all its keys, in order. */
  readonly #more = new Map<number, string[] | Set<string>>();
  readonly #keys: string[] = [];
  /** Open addressing, linear probing: name index + 1 per slot (0 = empty); load ≤ 0.5. */
  #slots = new Uint32Array(128);

  constructor() {
    this.#start.push(0);
  }

  /** Adds `key` to the keys of `name` (once). */
  add(name: string, key: string): void {
    const h = hashName(name);
    const i = this.#find(name, h);
    if (i < 0) {
      this.#append(name, h, this.#keyIndex(key));
      return;
    }
    const more = this.#more.get(i);
    if (more === undefined) {
      const first = this.#keys[this.#firstKey.get(i)]!;
      if (first !== key) this.#more.set(i, [first, key]);
    } else if (more instanceof Set) more.add(key);
    else if (!more.includes(key)) {
      more.push(key);
      if (more.length > NameKeys.ARRAY_MAX) this.#more.set(i, new Set(more));
    }
  }

  /** The keys of `name`, or undefined when it names nothing. */
  get(name: string): Set<string> | undefined {
    const i = this.#find(name, hashName(name));
    return i < 0 ? undefined : this.#keysOf(i);
  }

  has(name: string): boolean {
    return this.#find(name, hashName(name)) >= 0;
  }

  /** Names held. */
  get size(): number {
    return this.#hash.length;
  }

  /** Each name with its keys, in the order the names were added. */
  *[Symbol.iterator](): IterableIterator<[string, Set<string>]> {
    for (let i = 0; i < this.#hash.length; i++) yield [this.#name(i), this.#keysOf(i)];
  }

  /** Drops the room the arrays grew with: called once a whole index is built (adds may follow). */
  compact(): void {
    for (const column of [this.#chars, this.#start, this.#hash, this.#firstKey]) column.trim();
  }

  #keysOf(i: number): Set<string> {
    const more = this.#more.get(i);
    return new Set(more ?? [this.#keys[this.#firstKey.get(i)]!]);
  }

  #name(i: number): string {
    let out = '';
    for (let k = this.#start.get(i), end = this.#start.get(i + 1); k < end; k++) out += String.fromCharCode(this.#chars.get(k));
    return out;
  }

  /** The index of the last key added when it is `key` (a node's variants come one after another), else a new one. */
  #keyIndex(key: string): number {
    const last = this.#keys.length - 1;
    if (last >= 0 && this.#keys[last] === key) return last;
    this.#keys.push(key);
    return last + 1;
  }

  /** The index of `name` (hash `h`), or −1. */
  #find(name: string, h: number): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const entry = slots[s]!;
      if (entry === 0) return -1;
      const i = entry - 1;
      if (this.#hash.get(i) === h && this.#equals(i, name)) return i;
    }
  }

  #equals(i: number, name: string): boolean {
    const from = this.#start.get(i);
    if (this.#start.get(i + 1) - from !== name.length) return false;
    for (let k = 0; k < name.length; k++) if (this.#chars.get(from + k) !== name.charCodeAt(k)) return false;
    return true;
  }

  #append(name: string, h: number, keyIndex: number): void {
    const i = this.#hash.length;
    for (let k = 0; k < name.length; k++) this.#chars.push(name.charCodeAt(k));
    this.#start.push(this.#chars.length);
    this.#hash.push(h);
    this.#firstKey.push(keyIndex);
    if (2 * (i + 1) > this.#slots.length) {
      // Load past one half: a table twice as large, every name placed again from its stored hash.
      this.#slots = new Uint32Array(2 * this.#slots.length);
      for (let j = 0; j <= i; j++) this.#place(j);
    } else this.#place(i);
  }

  #place(i: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let s = this.#hash.get(i) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = i + 1;
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
  byName.compact();
  bySquashed.compact();
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
