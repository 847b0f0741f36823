/**
 * @module explain/verify/verify
 * Claim-level verification of an explanation: the one check that decides whether a text (an LLM's answer, or any
 * candidate) is served for a recommendation.
 *
 * 1. Names. Every catalogue title and entity name the text uses is found (explain/grounding: skeleton forms, so
 *    homoglyphs, fullwidth letters, zero-width characters and squashed titles are recognised as what they imitate).
 *    A name outside the evidence, or a quoted span that is no evidence name, rejects the text.
 * 2. Clauses. The text is cut into sentences (. ! ? ; : —) and clauses (at "which", ", who", connectives such as
 *    "because" or "you might enjoy", and ", as do …" / ", like …" continuations).
 * 3. Each clause must state facts of the evidence (explain/verify/triples) in words the lexicon allows for that
 *    relation and direction (explain/verify/lexicon): names are grouped around each relation phrase (subjects
 *    before it, objects after it, split by kind where two phrases follow each other), and every subject–object pair
 *    must be a fact of that kind — a wrong relation, pair or direction is a false claim. The person's own
 *    interactions must match in kind, and a stated rating must equal the explicit rating. Any word that is neither a
 *    relation phrase, a connective nor a filler (numbers, years, awards, places, superlatives, instructions, URLs, …)
 *    is unsupported content. A clause without a relation phrase may only recommend: it names the recommended item,
 *    items the person knows, or entities of the recommended item — one name at most.
 * 4. The text must name the recommended item and state at least one fact; a word loop rejects it.
 *
 * Precision first: the text is served only when every clause is verified.
 *
 * @example
 * verifyExplanation('You rated *Alien* 5★, and *Blade Runner* was also directed by Ridley Scott.', evidence, names).ok; // true
 * verifyExplanation('*Blade Runner* was banned in Norway.', evidence, names).reason; // 'unsupported: "banned in norway" …'
 */
import { nameSkeleton } from '../../core/names.ts';
import type { Evidence, EvidenceNode } from '../evidence.ts';
import { buildNameIndex, findMentions, quotedSpans, textWords, type Mention, type NameIndex } from '../grounding.ts';
import { humanizeRelation } from '../text.ts';
import { buildLexicon, CONNECTIVES, FILLERS, NUMBER_WORDS, OWN_VERB_KINDS, PEER_VERBS, type Phrase } from './lexicon.ts';
import { evidenceFacts, type EvidenceFacts } from './triples.ts';

export type ClauseVerdictKind = 'verified' | 'connective' | 'false' | 'unsupported';

export interface ClauseVerdict {
  text: string;
  verdict: ClauseVerdictKind;
  /** The facts the clause states, readably ("Alien —director→ Ridley Scott"). */
  triple?: string;
  reason?: string;
}

export interface VerifyResult {
  ok: boolean;
  reason?: string;
  clauses: ClauseVerdict[];
}

/** A rating at or above this is what "liked" / "highly" claims. */
export const VERIFY_LIKE_AT = 4;

/** The nodes an explanation may name: everything in the evidence subgraph, the item and the seeds (users excluded). */
export function evidenceNodes(evidence: Evidence): EvidenceNode[] {
  const nodes = new Map<string, EvidenceNode>();
  for (const n of [evidence.item, ...evidence.seeds, ...evidence.subgraph.nodes, ...evidence.paths.flatMap((p) => p.nodes), ...evidence.similarItems]) {
    if (n.kind !== 'User') nodes.set(n.key, { key: n.key, kind: n.kind, label: n.label });
  }
  return [...nodes.values()];
}

interface NameTok {
  t: 'name';
  keys: Set<string>;
  label: string;
  start: number;
  end: number;
  rating?: number;
}
type Tok = NameTok | { t: 'word'; w: string; start: number; end: number } | { t: 'rating'; value: number; start: number; end: number } | { t: 'punct'; p: string; start: number; end: number };

const RATING_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5 };
const RATING = /(★{1,5})(?!\s*\/)|\b(\d+(?:\.\d+)?|one|two|three|four|five)\s*(?:★|-?\s*stars?\b|\/\s*5\b|out of (?:5|five)\b)/giu;
const PUNCT = /[.!?;:,—–]/gu;
const TERMINATORS = new Set(['.', '!', '?', ';', ':', '—', '–']);
const CONTINUATIONS = ['as do', 'as does', 'as did', 'as was', 'as were', 'as is', 'as are', 'like', 'just like', 'as in', 'as with', 'and so does', 'and so do', 'and so is', 'and so was', 'same as'];

interface Context {
  evidence: Evidence;
  facts: EvidenceFacts;
  lexicon: Map<string, Phrase>;
  maxPhrase: number;
  connectives: Set<string>;
  maxConnective: number;
  labelOf: Map<string, string>;
  /** Entities linked to the recommended item, by any relation. */
  itemEntities: Set<string>;
  /** Names whose attached rating ("*A* (5★)") a statement about the person's own interactions has checked. */
  ratingsChecked: Set<NameTok>;
}

interface Clause {
  toks: Tok[];
  relative: boolean;
  continuation: boolean;
  antecedent: NameTok[];
  /** Index of the previous clause when it is in the same sentence. */
  sameSentenceAs?: number;
  text: string;
}

function overlaps(a: { start: number; end: number }, spans: ReadonlyArray<{ start: number; end: number }>): boolean {
  return spans.some((s) => a.start < s.end && s.start < a.end);
}

function tokenize(text: string, mentions: readonly Mention[], labelOf: (keys: Set<string>) => string): Tok[] {
  // A name that ends with a full stop ("Films set in Washington, D.C.") keeps it: it ends no sentence.
  const toks: Tok[] = mentions.map((m) => {
    const label = labelOf(m.keys);
    return { t: 'name', keys: m.keys, label, start: m.start, end: label.endsWith('.') && text[m.end] === '.' ? m.end + 1 : m.end };
  });
  const taken: Array<{ start: number; end: number }> = [...toks];
  for (const m of text.matchAll(RATING)) {
    const span = { start: m.index, end: m.index + m[0].length };
    if (overlaps(span, taken)) continue;
    const raw = (m[2] ?? '').toLowerCase();
    const value = m[1] ? m[1].length : (RATING_WORDS[raw] ?? Number(raw));
    toks.push({ t: 'rating', value, ...span });
  }
  const withRatings: Array<{ start: number; end: number }> = [...toks];
  for (const w of textWords(text)) if (!overlaps(w, withRatings)) toks.push({ t: 'word', w: w.norm, start: w.start, end: w.end });
  for (const m of text.matchAll(PUNCT)) {
    const span = { start: m.index, end: m.index + 1 };
    // A full stop between digits or inside a name is no sentence end.
    if (!overlaps(span, withRatings) && !(m[0] === '.' && /\d/.test(text[m.index - 1] ?? '') && /\d/.test(text[m.index + 1] ?? ''))) toks.push({ t: 'punct', p: m[0], ...span });
  }
  return toks.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * "it" stands for the recommended item when that is the last item named before it in its sentence, or, when its
 * sentence names no item before it, when the previous sentence opens with the recommended item ("*X* stars A. A user
 * … rated it 4★"). Otherwise "it" stays a word, which no statement allows.
 */
function resolveIt(toks: Tok[], item: EvidenceNode): Tok[] {
  const isItem = (n: NameTok | undefined): boolean => n !== undefined && n.keys.has(item.key);
  let lastInSentence: NameTok | undefined;
  let sentenceSubject: NameTok | undefined;
  let previousSubject: NameTok | undefined;
  return toks.map((t) => {
    if (t.t === 'punct' && TERMINATORS.has(t.p)) {
      if (sentenceSubject) previousSubject = sentenceSubject;
      sentenceSubject = lastInSentence = undefined;
      return t;
    }
    if (t.t === 'name') {
      sentenceSubject ??= t;
      if (nodeKind(t) === 'Item') lastInSentence = t;
    }
    if (t.t !== 'word' || t.w !== 'it') return t;
    const resolved = lastInSentence ? isItem(lastInSentence) : isItem(previousSubject);
    return resolved ? { t: 'name', keys: new Set([item.key]), label: item.label, start: t.start, end: t.end } : t;
  });
}

/** Longest phrase of `dict` (words joined by spaces) starting at word `i` of `toks`; consecutive word tokens only. */
function phraseAt<T>(toks: readonly Tok[], i: number, dict: Map<string, T> | Set<string>, max: number): { len: number; key: string } | undefined {
  const words: string[] = [];
  for (let j = i; j < toks.length && words.length < max; j++) {
    const t = toks[j]!;
    if (t.t !== 'word') break;
    words.push(t.w);
  }
  for (let len = words.length; len >= 1; len--) {
    const key = words.slice(0, len).join(' ');
    if (dict.has(key)) return { len, key };
  }
  return undefined;
}

function maxWords(keys: Iterable<string>): number {
  let max = 1;
  for (const k of keys) max = Math.max(max, k.split(' ').length);
  return max;
}

function isComma(t: Tok | undefined): boolean {
  return t?.t === 'punct' && t.p === ',';
}

/** Splits the token stream into clauses (see the module comment). */
function splitClauses(toks: readonly Tok[], text: string, ctx: Context): Clause[] {
  const clauses: Clause[] = [];
  let current: Tok[] = [];
  let flags = { relative: false, continuation: false };
  const flush = (): void => {
    const content = current.filter((t) => t.t !== 'punct');
    if (content.length > 0) {
      const start = current[0]!.start;
      const end = current[current.length - 1]!.end;
      clauses.push({ toks: current, ...flags, antecedent: [], text: text.slice(start, end).trim() });
    }
    current = [];
  };
  const sentenceOf: number[] = [];
  let sentence = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.t === 'punct' && TERMINATORS.has(t.p)) {
      flush();
      for (let c = sentenceOf.length; c < clauses.length; c++) sentenceOf.push(sentence);
      sentence++;
      flags = { relative: false, continuation: false };
      continue;
    }
    if (t.t === 'word') {
      const prevComma = isComma(toks[i - 1]);
      // ", like *B*," before any relation phrase joins subjects ("*A*, like *B*, was directed by …"): no new clause.
      const joinsSubjects = t.w === 'like' && !current.some((_, j) => phraseAt(current, j, ctx.lexicon, ctx.maxPhrase) !== undefined);
      const cont = prevComma && !joinsSubjects ? phraseAt(toks, i, new Set(CONTINUATIONS), 3) : undefined;
      const relative = t.w === 'which' || (prevComma && (t.w === 'who' || t.w === 'that' || t.w === 'whom'));
      const conn = phraseAt(toks, i, ctx.connectives, ctx.maxConnective);
      if (cont || relative || (conn && current.some((x) => x.t !== 'punct'))) {
        flush();
        for (let c = sentenceOf.length; c < clauses.length; c++) sentenceOf.push(sentence);
        flags = { relative, continuation: cont !== undefined };
        if (cont) {
          i += cont.len - 1;
          continue;
        }
        if (relative) continue;
      }
      if (conn) {
        current.push(...toks.slice(i, i + conn.len));
        i += conn.len - 1;
        continue;
      }
    }
    current.push(t);
  }
  flush();
  for (let c = sentenceOf.length; c < clauses.length; c++) sentenceOf.push(sentence);
  // Antecedents: the last run of names of the previous clause in the same sentence.
  for (let c = 1; c < clauses.length; c++) {
    if (sentenceOf[c] !== sentenceOf[c - 1]) continue;
    const prev = clauses[c - 1]!.toks;
    const run: NameTok[] = [];
    let k = prev.length - 1;
    while (k >= 0 && (prev[k]!.t === 'punct' || prev[k]!.t === 'rating')) k--;
    for (; k >= 0; k--) {
      const t = prev[k]!;
      if (t.t === 'name') run.unshift(t);
      else if (!(isComma(t) || t.t === 'rating' || (t.t === 'word' && (t.w === 'and' || FILLERS.has(t.w))))) break;
    }
    clauses[c]!.antecedent = run;
    clauses[c]!.sameSentenceAs = c - 1;
  }
  return clauses;
}

function nodeKind(n: NameTok): 'Item' | 'Entity' | 'mixed' {
  const kinds = new Set([...n.keys].map((k) => (k.startsWith('Item:') ? 'Item' : 'Entity')));
  return kinds.size === 1 ? ([...kinds][0] as 'Item' | 'Entity') : 'mixed';
}

function hasLink(ctx: Context, item: NameTok, kind: Phrase & { type: 'link' | 'shared' }, entity: NameTok): boolean {
  return ctx.facts.links.some(
    (f) => f.kind === kind.kind && item.keys.has(f.subject) && entity.keys.has(f.object) && (kind.type !== 'link' || kind.generic === undefined || humanizeRelation(f.relation) === kind.generic),
  );
}

function entitiesOf(ctx: Context, item: NameTok, kind: string): Set<string> {
  return new Set(ctx.facts.links.filter((f) => f.kind === kind && item.keys.has(f.subject)).map((f) => f.object));
}

class Failure extends Error {
  constructor(readonly verdict: 'false' | 'unsupported', message: string) {
    super(message);
  }
}

function describe(n: NameTok): string {
  return n.label;
}

/** Verifies one claimed group statement; returns the triples it states. */
function checkPhrase(ctx: Context, phrase: Phrase, subjects: NameTok[], objects: NameTok[], ratingAll: number | undefined, modifiers: Set<string>): string[] {
  const out: string[] = [];
  const label = phrase.type === 'link' || phrase.type === 'shared' ? phrase.kind : phrase.type;
  if (phrase.type === 'own') {
    if (subjects.length > 0) throw new Failure('unsupported', `names ${describe(subjects[0]!)} outside the statement about your ${phrase.verb} items`);
    if (objects.length === 0) throw new Failure('unsupported', `says you ${phrase.verb} something without naming it`);
    for (const o of objects) {
      // A name the recommended item also bears (a film listed twice) reads as the recommended item.
      if (o.keys.has(ctx.facts.item)) throw new Failure('false', `says you ${phrase.verb} the recommended item ${describe(o)}`);
      const fact = [...o.keys].map((k) => ctx.facts.own.get(k)).find((f) => f !== undefined);
      if (!fact) throw new Failure('false', `says you ${phrase.verb} ${describe(o)}, which the evidence does not show`);
      const liked = fact.rating !== undefined ? fact.rating >= VERIFY_LIKE_AT : OWN_VERB_KINDS.liked.test(fact.kind);
      const fits =
        phrase.verb === 'rated' ? fact.rating !== undefined : phrase.verb === 'liked' ? liked : phrase.verb === 'watched' ? OWN_VERB_KINDS.watched.test(fact.kind) || fact.rating !== undefined : OWN_VERB_KINDS[phrase.verb].test(fact.kind);
      if (!fits) throw new Failure('false', `says you ${phrase.verb} ${describe(o)}, but your interaction is ${fact.rating !== undefined ? `a ${fact.rating}★ rating` : `of kind ${fact.kind}`}`);
      for (const stated of [o.rating, ratingAll]) {
        if (stated !== undefined && stated !== fact.rating) throw new Failure('false', `says you rated ${describe(o)} ${stated}★; you rated it ${fact.rating ?? 'without stars'}`);
      }
      if (o.rating !== undefined) ctx.ratingsChecked.add(o);
      if (modifiers.has('highly') && !liked) throw new Failure('false', `says you rated ${describe(o)} highly; you rated it ${fact.rating}★`);
      out.push(`you —${fact.kind}${fact.rating !== undefined ? ` ${fact.rating}★` : ''}→ ${describe(o)}`);
    }
    return out;
  }
  if (modifiers.size > 0 || ratingAll !== undefined) throw new Failure('unsupported', 'states a rating outside a statement about your own interactions');
  if (subjects.length === 0) throw new Failure('unsupported', `states a ${label} relation without saying of what`);
  if (phrase.type === 'cooccur') {
    if (objects.length === 0) throw new Failure('unsupported', 'says "often rated by the same people as" without naming an item');
    for (const s of subjects) {
      for (const o of objects) {
        const pair = (a: NameTok, b: NameTok): boolean => a.keys.has(ctx.facts.item) && [...b.keys].some((k) => ctx.facts.cooccur.has(k));
        if (!pair(s, o) && !pair(o, s)) throw new Failure('false', `says ${describe(s)} and ${describe(o)} are rated by the same people; the evidence does not show that`);
        out.push(`${describe(s)} —same raters→ ${describe(o)}`);
      }
    }
    return out;
  }
  if (phrase.type === 'shared') {
    if (objects.length === 0) throw new Failure('unsupported', `says a shared ${label} without naming with what`);
    for (const s of subjects) {
      for (const o of objects) {
        const common = [...entitiesOf(ctx, s, phrase.kind)].filter((e) => entitiesOf(ctx, o, phrase.kind).has(e));
        if (nodeKind(s) !== 'Item' || nodeKind(o) !== 'Item' || common.length === 0) throw new Failure('false', `says ${describe(s)} and ${describe(o)} share a ${label}; the evidence does not show that`);
        out.push(`${describe(s)} —${label}→ ${ctx.labelOf.get(common[0]!) ?? common[0]} ←${label}— ${describe(o)}`);
      }
    }
    return out;
  }
  const [items, entities] = phrase.itemFirst ? [subjects, objects] : [objects, subjects];
  if (entities.length === 0) {
    // "A and B share a director": some entity of that kind is common to all of them.
    if (!phrase.itemFirst || items.length < 2) throw new Failure('unsupported', `states a ${label} relation without naming ${phrase.itemFirst ? 'whom' : 'what'}`);
    const common = items.map((s) => entitiesOf(ctx, s, phrase.kind)).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
    if (common.size === 0) throw new Failure('false', `says ${items.map(describe).join(' and ')} share a ${label}; the evidence does not show one`);
    return [`${items.map(describe).join(', ')} —${label}→ ${ctx.labelOf.get([...common][0]!) ?? ''}`];
  }
  for (const i of items) {
    for (const e of entities) {
      if (!hasLink(ctx, i, phrase, e)) {
        const reversed = hasLink(ctx, e, phrase, i);
        const other = ctx.facts.links.find((f) => i.keys.has(f.subject) && e.keys.has(f.object));
        const why = reversed ? 'wrong direction' : other ? `the evidence has ${other.kind}, not ${label}` : 'no such fact';
        throw new Failure('false', `says ${describe(i)} —${label}→ ${describe(e)}: ${why}`);
      }
      out.push(`${describe(i)} —${label}→ ${describe(e)}`);
    }
  }
  return out;
}

/** The "N users whose history overlaps yours liked X" fact, and "another user who rated A also rated B". */
function checkSpecial(ctx: Context, toks: readonly Tok[]): string[] | undefined {
  const names: NameTok[] = [];
  const sym = toks
    .map((t) => {
      if (t.t === 'name') return `@${names.push(t) - 1}`;
      if (t.t === 'rating') return `#${t.value}`;
      if (t.t === 'punct') return t.p;
      return t.w;
    })
    .join(' ');
  const verbs = PEER_VERBS.join('|');
  const peers = new RegExp(
    `^(\\d+|${Object.keys(NUMBER_WORDS).join('|')}) (?:other )?(?:users?|people|persons?|viewers?|listeners?|others) (?:whose (?:ratings?|history|histories|tastes?) (?:overlaps?|match|matches|resembles?) (?:with )?yours|with (?:a )?(?:similar|overlapping) (?:history|histories|tastes?|ratings)|with (?:a )?(?:history|histories|tastes?|ratings) like yours|like you|who rate like you|similar to you) (?:also )?(${verbs}) @0(?: (?:#(\\S+) or (?:higher|more|above)|(highly)))?$`,
  ).exec(sym);
  if (peers) {
    const count = NUMBER_WORDS[peers[1]!] ?? Number(peers[1]);
    const { count: real, minRating } = ctx.facts.peers;
    if (!names[0]!.keys.has(ctx.facts.item)) throw new Failure('false', `says users like you liked ${describe(names[0]!)}; the evidence counts them for the recommended item only`);
    if (count !== real) throw new Failure('false', `says ${count} users like you chose the item; the evidence has ${real}`);
    const floor = peers[3] !== undefined ? Number(peers[3]) : peers[4] ? VERIFY_LIKE_AT : undefined;
    if ((peers[2] === 'rated' || peers[2] === 'gave' || floor !== undefined) && minRating === undefined) throw new Failure('false', 'speaks of ratings the data does not have');
    if (floor !== undefined && minRating! < floor) throw new Failure('false', `says they rated it ${floor}★ or higher; the lowest is ${minRating}★`);
    return [`${real} users like you —liked→ ${describe(names[0]!)}`];
  }
  const who = '(?:people|users|viewers|listeners|fans|those|others|anyone)';
  const did = '(?:rated|liked|watched|enjoyed|chose|picked|bought|listened to|played|loved)';
  const doAlso = '(?:rated|liked|like|watched|watch|enjoyed|enjoy|rate|chose|choose|picked|pick|bought|buy|listened to|listen to|played|play|loved|love)';
  const corated =
    new RegExp(`^(?:${who} who (?:also )?${did}|fans of) @0 (?:(?:also|often|tend to|usually|frequently) )*${doAlso} @1$`).exec(sym) ??
    new RegExp(`^@0 is (?:(?:often|also|frequently|usually) )*(?:rated|watched|liked|enjoyed|chosen|picked|bought|played) by ${who} who (?:also )?${did} @1$`).exec(sym);
  if (corated) {
    const [a, b] = [names[0]!, names[1]!];
    const pair = (x: NameTok, y: NameTok): boolean => x.keys.has(ctx.facts.item) && [...y.keys].some((k) => ctx.facts.cooccur.has(k));
    if (!pair(a, b) && !pair(b, a)) throw new Failure('false', `says ${describe(a)} and ${describe(b)} are rated by the same people; the evidence does not show that`);
    return [`${describe(a)} —same raters→ ${describe(b)}`];
  }
  const other = new RegExp(`^(?:another|a|one) (?:other )?(?:user|person|viewer|listener) who (${verbs}) @0(?: #(\\S+))? (?:also |then )?(${verbs}) @1(?: #(\\S+))?$`).exec(sym);
  if (other) {
    const ra = other[2] !== undefined ? Number(other[2]) : undefined;
    const rb = other[4] !== undefined ? Number(other[4]) : undefined;
    const ok = ctx.facts.otherUsers.some(
      (f) => names[0]!.keys.has(f.a) && names[1]!.keys.has(f.b) && (ra === undefined || ra === f.ratingA) && (rb === undefined || rb === f.ratingB) && (!['rated', 'gave'].includes(other[1]!) || f.ratingA !== undefined) && (!['rated', 'gave'].includes(other[3]!) || f.ratingB !== undefined),
    );
    if (!ok) throw new Failure('false', `says another user ${other[1]} ${describe(names[0]!)} and ${other[3]} ${describe(names[1]!)}; the evidence does not show that`);
    return [`a user —${other[1]}→ ${describe(names[0]!)}, —${other[3]}→ ${describe(names[1]!)}`];
  }
  return undefined;
}

interface Element {
  phrase?: Phrase;
  name?: NameTok;
  /** A comma follows the phrase (and its rating) before any name. */
  commaAfter?: boolean;
  /** A rating right after the phrase ("which you rated 5★"). */
  rating?: number;
}

function verifyClause(ctx: Context, clause: Clause, previous: Clause | undefined, next: Clause | undefined): { verdict: ClauseVerdict; link?: { phrase: Phrase; objects: NameTok[] } } {
  let toks = clause.toks.filter((t) => !(t.t === 'punct' && t.p !== ','));
  // A leading connective ("because", "you might enjoy", "fans of").
  let connective = false;
  for (;;) {
    const i = toks.findIndex((t) => t.t !== 'punct');
    const c = i >= 0 ? phraseAt(toks, i, ctx.connectives, ctx.maxConnective) : undefined;
    if (!c) break;
    connective = true;
    toks = toks.slice(i + c.len);
  }
  const base = { text: clause.text };
  try {
    if (clause.continuation) {
      const link = previous && clause.sameSentenceAs !== undefined ? lastLinks.get(previous) : undefined;
      const names = toks.filter((t): t is NameTok => t.t === 'name');
      const extra = toks.filter((t) => t.t === 'word' && !FILLERS.has(t.w) && t.w !== 'do' && t.w !== 'does' && t.w !== 'did');
      if (!link || (link.phrase.type !== 'link' && link.phrase.type !== 'shared') || names.length === 0) throw new Failure('unsupported', 'a comparison ("as do …", "like …") that repeats no stated relation');
      if (extra.length > 0) throw new Failure('unsupported', `adds "${extra.map((t) => (t as { w: string }).w).join(' ')}"`);
      const triples = link.phrase.type === 'link' && !link.phrase.itemFirst ? checkPhrase(ctx, link.phrase, link.objects, names, undefined, new Set()) : checkPhrase(ctx, link.phrase, names, link.objects, undefined, new Set());
      lastLinks.set(clause, link);
      return { verdict: { ...base, verdict: 'verified', triple: triples.join('; ') } };
    }
    const special = checkSpecial(ctx, clause.toks.filter((t) => t.t !== 'punct')) ?? checkSpecial(ctx, toks.filter((t) => !isComma(t)));
    if (special) return { verdict: { ...base, verdict: 'verified', triple: special.join('; ') } };

    // Relation phrases, names and ratings in order; every other word must be a filler.
    const elements: Element[] = [];
    let loose = false;
    const modifiers = new Set<string>();
    const unsupported: string[] = [];
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      if (t.t === 'name') {
        elements.push({ name: t });
      } else if (isComma(t)) {
        const last = elements[elements.length - 1];
        if (last?.phrase) last.commaAfter = true;
      } else if (t.t === 'rating') {
        const last = elements[elements.length - 1];
        if (last?.name) last.name.rating = t.value;
        else if (last?.phrase) last.rating = t.value;
        else loose = true;
      } else if (t.t === 'word') {
        let p = phraseAt(toks, i, ctx.lexicon, ctx.maxPhrase);
        // A filler before a longer phrase stays a filler ("also" + "directed by", not "also directed" + "by").
        const later = FILLERS.has(t.w) ? phraseAt(toks, i + 1, ctx.lexicon, ctx.maxPhrase) : undefined;
        if (p && later && later.len >= p.len) p = undefined;
        if (p) {
          elements.push({ phrase: ctx.lexicon.get(p.key)! });
          i += p.len - 1;
        } else if (t.w === 'your' && toks[i + 1]?.t === 'word' && (toks[i + 1] as { w: string }).w === 'pick') {
          // "*X* stars Y (your pick)": the name before it is a cold-start seed.
          const seed = elements[elements.length - 1]?.name;
          if (!seed || ![...seed.keys].some((k) => ctx.facts.own.get(k)?.kind === 'pick')) throw new Failure('false', `calls ${seed ? describe(seed) : 'nothing'} your pick; it is no seed of yours`);
          i += 1;
        } else if (t.w === 'highly' || t.w === 'rating') modifiers.add(t.w);
        // "Like *Alien*, *Blade Runner* was directed by …": before the first relation phrase, "like" joins subjects.
        else if (t.w === 'like' && !elements.some((e) => e.phrase)) continue;
        else if (!FILLERS.has(t.w)) unsupported.push(t.w);
      }
    }
    if (loose) throw new Failure('unsupported', 'states a rating that belongs to no name or statement');
    if (unsupported.length > 0) throw new Failure('unsupported', `says "${unsupported.slice(0, 6).join(' ')}", which no fact holds`);
    const phrases = elements.map((e, i) => (e.phrase ? i : -1)).filter((i) => i >= 0);
    const names = elements.filter((e) => e.name).map((e) => e.name!);
    if (phrases.length === 0) {
      if (modifiers.size > 0 || loose) throw new Failure('unsupported', 'states a rating outside a statement about your own interactions');
      // "*Alien*, which you rated 5★, was directed by …": the names are the antecedent the relative clause speaks of.
      if (names.length > 0 && !connective && next?.relative && next.sameSentenceAs !== undefined) return { verdict: { ...base, verdict: 'connective' } };
      if (names.length > 1) throw new Failure('false', `joins ${names.map(describe).join(' and ')} without a relation the facts hold`);
      const n = names[0];
      if (n && !connective) throw new Failure('unsupported', `names ${describe(n)} without saying anything about it`);
      if (n && !n.keys.has(ctx.facts.item) && ![...n.keys].some((k) => ctx.facts.own.has(k) || ctx.itemEntities.has(k))) throw new Failure('false', `recommends through ${describe(n)}, which the evidence does not tie to you or to the item`);
      return { verdict: { ...base, verdict: 'connective' } };
    }
    // Group the names around each phrase.
    const segments: NameTok[][] = [];
    let seg: NameTok[] = [];
    for (const e of elements) {
      if (e.phrase) {
        segments.push(seg);
        seg = [];
      } else seg.push(e.name!);
    }
    segments.push(seg);
    const triples: string[] = [];
    let subjects = segments[0]!;
    let last: { phrase: Phrase; objects: NameTok[] } | undefined;
    for (let k = 0; k < phrases.length; k++) {
      const phrase = elements[phrases[k]!]!.phrase!;
      const after = segments[k + 1]!;
      const next = k + 1 < phrases.length ? elements[phrases[k + 1]!]!.phrase! : undefined;
      // The next phrase's subjects are the trailing run of `after` of the kind it takes (items for item-first ones).
      let objects = after;
      let nextSubjects: NameTok[] = [];
      if (next && next.type !== 'own') {
        const want = next.type === 'link' && !next.itemFirst ? 'Entity' : 'Item';
        let cut = after.length;
        while (cut > 0 && nodeKind(after[cut - 1]!) === want) cut--;
        // Both take items ("you rated A 5★, and B was directed by …"): the next phrase gets the names after the last rated one, else the last name.
        if (cut === 0 && want === 'Item' && phrase.type !== 'link' && after.length > 1) {
          const rated = after.map((n) => n.rating !== undefined).lastIndexOf(true);
          cut = rated >= 0 && rated < after.length - 1 ? rated + 1 : after.length - 1;
        }
        if (cut > 0) {
          objects = after.slice(0, cut);
          nextSubjects = after.slice(cut);
        } else if (after.length > 0 && phrase.type === 'link' && phrase.itemFirst && want === 'Entity') {
          // "directed by Ridley Scott, the director of *Alien*": the names are objects of one phrase and subjects of the next.
          nextSubjects = after;
        }
      }
      let subj = subjects;
      let obj = objects;
      const antecedent = clause.antecedent;
      const commaAfter = elements[phrases[k]!]!.commaAfter === true;
      if (phrase.type === 'own' && clause.relative && commaAfter && antecedent.length > 0) {
        // "*Alien*, which you rated 5★, and *Blade Runner* were both …": the rating is the antecedent's, and the
        // antecedent joins the subjects of what follows.
        obj = antecedent;
        nextSubjects = [...antecedent, ...after];
      }
      if (k === 0 && subj.length === 0 && antecedent.length === 0 && phrase.type === 'link' && phrase.itemFirst && commaAfter && nextSubjects.length > 0) {
        // "Directed by Ridley Scott, *Blade Runner* …": the subject follows the comma.
        subj = nextSubjects;
      }
      if (k === 0 && subj.length === 0 && phrase.type !== 'own' && antecedent.length > 0) subj = antecedent;
      // "… directed *Alien*, a film you rated highly": an own statement without names of its own is about the names just before it.
      if (obj.length === 0 && phrase.type === 'own' && k > 0 && last && last.objects.length > 0) obj = last.objects;
      else if (obj.length === 0 && phrase.type === 'own' && k === 0 && subj.length > 0) [obj, subj] = [subj, []];
      if (obj.length === 0 && antecedent.length > 0 && (phrase.type === 'own' || (phrase.type === 'link' && !phrase.itemFirst))) obj = antecedent;
      if (k > 0 && subj.length === 0 && phrase.type !== 'own' && last && last.phrase.type !== 'own') subj = subjects;
      if (k > 0 && subj.length === 0 && phrase.type !== 'own' && last?.phrase.type === 'own') subj = antecedent;
      triples.push(...checkPhrase(ctx, phrase, subj, obj, elements[phrases[k]!]!.rating, phrase.type === 'own' ? modifiers : new Set()));
      if (phrase.type !== 'own') modifiers.clear();
      last = { phrase, objects: obj };
      subjects = nextSubjects.length > 0 || !next || next.type === 'own' ? nextSubjects : subj;
    }
    if (last) lastLinks.set(clause, last);
    return { verdict: { ...base, verdict: 'verified', triple: triples.join('; ') } };
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    return { verdict: { ...base, verdict: error.verdict, reason: error.message } };
  }
}

/** The last relation each clause stated, for a following "as do …". */
const lastLinks = new WeakMap<Clause, { phrase: Phrase; objects: NameTok[] }>();

/** A degenerate loop: a sequence of 5 words (a name counting as one) seen 3 times. */
function repeats(toks: readonly Tok[]): string | undefined {
  const sym = toks.filter((t) => t.t !== 'punct').map((t) => (t.t === 'name' ? `@${[...t.keys].sort().join('|')}` : t.t === 'rating' ? `#${t.value}` : t.w));
  const counts = new Map<string, number>();
  for (let i = 0; i + 5 <= sym.length; i++) {
    const key = sym.slice(i, i + 5).join(' ');
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (n >= 3) return key;
  }
  return undefined;
}

let vocabulary: { words: Set<string>; connectives: Set<string>; maxConnective: number } | undefined;

/**
 * Verifies `text` against the evidence of one recommendation. `names` indexes the whole catalogue, so that a real
 * title outside the evidence is recognised (and rejected) as well as one the evidence holds.
 */
export function verifyExplanation(text: string, evidence: Evidence, names: NameIndex): VerifyResult {
  const nodes = evidenceNodes(evidence);
  const evidenceIndex = buildNameIndex(nodes.map((n) => ({ key: n.key, name: n.label })));
  const facts = evidenceFacts(evidence);
  const generic = [...new Set(facts.links.filter((f) => f.kind === 'generic').map((f) => humanizeRelation(f.relation)))].map((w) => nameSkeleton(w));
  const lexicon = buildLexicon(generic);
  if (!vocabulary) {
    const connectives = new Set(CONNECTIVES);
    const words = new Set<string>([...FILLERS, ...[...buildLexicon().keys(), ...connectives, ...PEER_VERBS, 'users', 'user', 'people', 'whose', 'ratings', 'history', 'yours', 'highly', 'higher'].flatMap((p) => p.split(' '))]);
    vocabulary = { words, connectives, maxConnective: maxWords(connectives) };
  }
  const labelOf = new Map(nodes.map((n) => [n.key, n.label]));
  const ctx: Context = {
    evidence,
    facts,
    lexicon,
    maxPhrase: maxWords(lexicon.keys()),
    connectives: vocabulary.connectives,
    maxConnective: vocabulary.maxConnective,
    labelOf,
    itemEntities: new Set(facts.links.filter((f) => f.subject === evidence.item.key).map((f) => f.object)),
    ratingsChecked: new Set(),
  };
  const reject = (reason: string, clauses: ClauseVerdict[] = []): VerifyResult => ({ ok: false, reason, clauses });
  if (text.trim() === '') return reject('empty text');
  const words = textWords(text);
  const vocab = vocabulary.words;
  const mentions = findMentions([evidenceIndex, names], words, (name) => vocab.has(name));
  const outside = mentions.find((m) => m.source === 1);
  if (outside) return reject(`false claim: names "${text.slice(outside.start, outside.end)}", a catalogue name outside the evidence`);
  const evidenceMentions = mentions.filter((m) => m.source === 0);
  for (const q of quotedSpans(text)) {
    const inner = words.filter((w) => w.start >= q.start && w.end <= q.end);
    if (inner.some((w) => !evidenceMentions.some((m) => w.start >= m.start && w.end <= m.end))) return reject(`unsupported: quotes "${q.text}", which is no evidence name`);
  }
  const toks = resolveIt(
    tokenize(text, evidenceMentions, (keys) => labelOf.get([...keys][0]!) ?? [...keys][0]!),
    evidence.item,
  );
  const loop = repeats(toks);
  if (loop) return reject(`unsupported: repeats "${loop}"`);
  const clauses = splitClauses(toks, text, ctx);
  const verdicts: ClauseVerdict[] = [];
  clauses.forEach((clause, i) => verdicts.push(verifyClause(ctx, clause, clauses[i - 1], clauses[i + 1]).verdict));
  const unchecked = toks.find((t): t is NameTok => t.t === 'name' && t.rating !== undefined && !ctx.ratingsChecked.has(t));
  if (unchecked) verdicts.push({ text: text.slice(unchecked.start, unchecked.end), verdict: 'unsupported', reason: `gives ${unchecked.label} a rating outside a statement about your own interactions` });
  const bad = verdicts.find((v) => v.verdict === 'false' || v.verdict === 'unsupported');
  if (bad) return reject(`${bad.verdict === 'false' ? 'false claim' : 'unsupported'}: ${bad.reason}`, verdicts);
  if (!evidenceMentions.some((m) => m.keys.has(evidence.item.key))) return reject('off topic: does not name the recommended item', verdicts);
  if (!verdicts.some((v) => v.verdict === 'verified')) return reject('no reason: states no fact of the evidence', verdicts);
  return { ok: true, clauses: verdicts };
}
