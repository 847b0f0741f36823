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
import { nameSkeleton, type NameChange } from '../core/names.ts';
import { growU16, growU32, type GrowableArray } from '../project/growable.ts';

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
 * Name → the node keys it may refer to, in code-unit order (so the same names and keys give the same index, however
 * they were added and removed: a build and a build changed name by name, engine/engine, agree). The names themselves
 * are not JS strings here: their UTF-16 code units sit in one typed array, with an offset per name, and an
 * open-addressing table of name indices (with each name's hash) finds them. A `Map` from name strings held 15 MB of the
 * serving heap at 10M interactions (243,660 name strings and two tables for 121,830 labels; heap snapshots,
 * 2026-12-07), the largest structure of names left on it, and every full collection marks the heap whole
 * (docs/scaling.md, "The name index off the JavaScript heap"). A name's key is held by index into one list of keys (a
 * node's variants are added one after the other, so its key is stored once); the rare name of several nodes keeps them
 * in a sorted array. A name whose last key is removed stays in the table with no key, and is found by nothing. `get`
 * makes a Set per lookup (lookups happen while a text is checked, and in `DistinctLabels` for the few skeletons a
 * title write or a shared skeleton touches).
 */
export class NameKeys {
  /** `#firstKey` of a name that holds no key. */
  static readonly #NONE = 0xffffffff;
  /** Code units of every name, name i at `#chars[#start[i] … #start[i + 1])`. */
  readonly #chars: GrowableArray<Uint16Array>;
  readonly #start: GrowableArray<Uint32Array>;
  readonly #hash: GrowableArray<Uint32Array>;
  /** Index in `#keys` of name i's key, or NONE; unread while the name has several (`#more`). */
  readonly #firstKey: GrowableArray<Uint32Array>;
  /** Names of more than one key: name index → all its keys, sorted. */
  readonly #more: Map<number, string[]>;
  readonly #keys: string[];
  /** Open addressing, linear probing: name index + 1 per slot (0 = empty); load ≤ 0.5. */
  #slots: Uint32Array;
  /** Names that hold a key. */
  #live: number;

  constructor(from?: NameKeys) {
    if (from) {
      this.#chars = from.#chars.clone();
      this.#start = from.#start.clone();
      this.#hash = from.#hash.clone();
      this.#firstKey = from.#firstKey.clone();
      this.#more = new Map([...from.#more].map(([i, keys]) => [i, [...keys]]));
      this.#keys = from.#keys.slice();
      this.#slots = from.#slots.slice();
      this.#live = from.#live;
      return;
    }
    this.#chars = growU16();
    this.#start = growU32();
    this.#hash = growU32();
    this.#firstKey = growU32();
    this.#more = new Map();
    this.#keys = [];
    this.#slots = new Uint32Array(128);
    this.#live = 0;
    this.#start.push(0);
  }

  /** A copy to change while this one is still read (an engine's previous version keeps its own). */
  clone(): NameKeys {
    return new NameKeys(this);
  }

  /** Adds `key` to the keys of `name` (once); returns how many keys `name` has then. */
  add(name: string, key: string): number {
    const h = hashName(name);
    const i = this.#find(name, h);
    if (i < 0) {
      this.#append(name, h, this.#keyIndex(key));
      this.#live++;
      return 1;
    }
    const more = this.#more.get(i);
    if (more !== undefined) {
      const at = sortedIndex(more, key);
      if (more[at] !== key) more.splice(at, 0, key);
      return more.length;
    }
    const k = this.#firstKey.get(i);
    if (k === NameKeys.#NONE) {
      this.#firstKey.set(i, this.#keyIndex(key));
      this.#live++;
      return 1;
    }
    const first = this.#keys[k]!;
    if (first === key) return 1;
    this.#more.set(i, first < key ? [first, key] : [key, first]);
    return 2;
  }

  /** Removes `key` from the keys of `name` (nothing when it is not there). */
  remove(name: string, key: string): void {
    const i = this.#find(name, hashName(name));
    if (i < 0) return;
    const more = this.#more.get(i);
    if (more === undefined) {
      const k = this.#firstKey.get(i);
      if (k !== NameKeys.#NONE && this.#keys[k] === key) {
        this.#firstKey.set(i, NameKeys.#NONE);
        this.#live--;
      }
      return;
    }
    const at = sortedIndex(more, key);
    if (more[at] !== key) return;
    more.splice(at, 1);
    if (more.length > 1) return;
    this.#more.delete(i);
    this.#firstKey.set(i, this.#keyIndex(more[0]!));
  }

  /** The keys of `name`, or undefined when it names nothing. */
  get(name: string): Set<string> | undefined {
    const i = this.#find(name, hashName(name));
    return i < 0 || !this.#holds(i) ? undefined : this.#keysOf(i);
  }

  has(name: string): boolean {
    const i = this.#find(name, hashName(name));
    return i >= 0 && this.#holds(i);
  }

  /** Names held (with at least one key). */
  get size(): number {
    return this.#live;
  }

  /** Each name with its keys, in the order the names were first added. */
  *[Symbol.iterator](): IterableIterator<[string, Set<string>]> {
    for (let i = 0; i < this.#hash.length; i++) if (this.#holds(i)) yield [this.#name(i), this.#keysOf(i)];
  }

  /** Drops the room the arrays grew with: called once a whole index is built (adds may follow). */
  compact(): void {
    for (const column of [this.#chars, this.#start, this.#hash, this.#firstKey]) column.trim();
  }

  #holds(i: number): boolean {
    return this.#more.has(i) || this.#firstKey.get(i) !== NameKeys.#NONE;
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

/** Where `key` sits, or would sit, in the sorted `keys`. */
function sortedIndex(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface NameIndex {
  /** Skeleton form of a name → the nodes it may refer to. */
  byName: NameKeys;
  /** The same names with their spaces removed ("mirrorofwestmarch"), for names of two words or more. */
  bySquashed: NameKeys;
  /** Words in the longest name (at most {@link MAX_NAME_TOKENS}). */
  maxTokens: number;
  /** How many indexed (name, node) pairs have each word count (the last entry: that many or more): what `maxTokens` follows as names change. */
  tokenCounts: Uint32Array;
}

/** Words of the longest name `findMentions` tries. */
const MAX_NAME_TOKENS = 16;

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
 * equal `distinctLabels` of the titles as written — what a reload of the same graph shows. An item's title as written
 * is its label, except for the few told apart, whose titles are kept beside; the items of each title skeleton are a
 * {@link NameKeys}, off the JavaScript heap (a `Map` of 400,000 skeleton strings and another of titles held about 35
 * MB of the serving heap at 50M interactions; docs/scaling.md, "Titles written live").
 */
export class DistinctLabels {
  /** The display names, as {@link distinctLabels} gives them. */
  readonly labels = new Map<string, string>();
  /** The titles as written of the items told apart (whose label is not their title). */
  readonly #toldApart = new Map<string, string>();
  /** The items bearing each title skeleton. */
  readonly #bySkeleton = new NameKeys();

  constructor(labels: ReadonlyMap<string, string>) {
    const shared: string[] = [];
    for (const [key, label] of labels) {
      this.labels.set(key, label);
      if (!key.startsWith('Item:')) continue;
      const skeleton = nameSkeleton(label);
      if (this.#bySkeleton.add(skeleton, key) === 2) shared.push(skeleton);
    }
    this.#bySkeleton.compact();
    for (const skeleton of shared) {
      for (const key of this.#bySkeleton.get(skeleton)!) {
        const title = this.labels.get(key)!;
        this.#toldApart.set(key, title);
        this.labels.set(key, withId(key, title));
      }
    }
  }

  /**
   * Sets item `key`'s title (or another node's name); returns the labels that changed: its own, and those of the items
   * it now shares a title skeleton with or no longer does, each with the label before and after.
   */
  setTitle(key: string, title: string): NameChange[] {
    if (!key.startsWith('Item:')) {
      const before = this.labels.get(key);
      this.labels.set(key, title);
      return before === title ? [] : [{ key, ...(before !== undefined ? { before } : {}), after: title }];
    }
    const before = this.#titleOf(key);
    if (before === title) return [];
    const touched = new Set<string>([key]);
    if (before !== undefined) {
      const skeleton = nameSkeleton(before);
      this.#bySkeleton.remove(skeleton, key);
      for (const other of this.#bySkeleton.get(skeleton) ?? []) touched.add(other);
    }
    const skeleton = nameSkeleton(title);
    this.#bySkeleton.add(skeleton, key);
    for (const other of this.#bySkeleton.get(skeleton)!) touched.add(other);
    // Every touched item's title, read before any label below changes.
    const titles = new Map([...touched].map((k) => [k, k === key ? title : this.#titleOf(k)!]));
    const changes: NameChange[] = [];
    for (const [k, t] of titles) {
      const shared = this.#bySkeleton.get(nameSkeleton(t))!.size > 1;
      if (shared) this.#toldApart.set(k, t);
      else this.#toldApart.delete(k);
      const label = shared ? withId(k, t) : t;
      const was = this.labels.get(k);
      if (was !== label) {
        this.labels.set(k, label);
        changes.push({ key: k, ...(was !== undefined ? { before: was } : {}), after: label });
      }
    }
    return changes;
  }

  /** Item `key`'s title as written, or undefined for an item without one. */
  #titleOf(key: string): string | undefined {
    return this.#toldApart.get(key) ?? this.labels.get(key);
  }
}

export function buildNameIndex(nodes: Iterable<NamedNode>): NameIndex {
  const index: NameIndex = { byName: new NameKeys(), bySquashed: new NameKeys(), maxTokens: 1, tokenCounts: new Uint32Array(MAX_NAME_TOKENS + 1) };
  for (const { key, name } of nodes) indexName(index, key, name, 1);
  index.byName.compact();
  index.bySquashed.compact();
  index.maxTokens = maxTokensOf(index.tokenCounts);
  return index;
}

/**
 * `index` with the names of `changes` changed: a new index (the given one is left as it was, for whoever still reads
 * it), equal to a build over the names as they now are, at the cost of a copy of the index's arrays and the changed
 * names' variants instead of every name's (a build at 50M interactions took 2.3–2.6 s; docs/scaling.md, "Titles
 * written live").
 */
export function changeNames(index: NameIndex, changes: readonly NameChange[]): NameIndex {
  const next: NameIndex = { byName: index.byName.clone(), bySquashed: index.bySquashed.clone(), maxTokens: 1, tokenCounts: index.tokenCounts.slice() };
  // In order: a key changed twice in one batch has the first change's `after` as the second's `before`.
  for (const { key, before, after } of changes) {
    if (before !== undefined) indexName(next, key, before, -1);
    if (after !== undefined) indexName(next, key, after, 1);
  }
  next.maxTokens = maxTokensOf(next.tokenCounts);
  return next;
}

/** Adds (`sign` 1) or removes (−1) node `key`'s name in `index`'s tables, with its word counts. */
function indexName(index: NameIndex, key: string, name: string, sign: 1 | -1): void {
  for (const variant of nameVariants(name)) {
    if (!distinctive(variant)) continue;
    const tokens = variant.split(' ');
    if (sign > 0) index.byName.add(variant, key);
    else index.byName.remove(variant, key);
    if (tokens.length >= 2) {
      if (sign > 0) index.bySquashed.add(tokens.join(''), key);
      else index.bySquashed.remove(tokens.join(''), key);
    }
    index.tokenCounts[Math.min(tokens.length, MAX_NAME_TOKENS)]! += sign;
  }
}

function maxTokensOf(counts: Uint32Array): number {
  for (let n = counts.length - 1; n > 1; n--) if (counts[n]! > 0) return n;
  return 1;
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
