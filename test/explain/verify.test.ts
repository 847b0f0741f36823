import { describe, expect, it } from 'vitest';
import { buildTransition } from '../../src/compute/ppr/transition.ts';
import { foldConfusables, nameSkeleton, normalizeName } from '../../src/core/names.ts';
import { buildEvidence, type Evidence, type EvidenceEdge, type EvidenceNode } from '../../src/explain/evidence.ts';
import { explainEvidence } from '../../src/explain/explain.ts';
import { buildNameIndex } from '../../src/explain/grounding.ts';
import { GuardedLlm, type LlmClient } from '../../src/explain/llm/client.ts';
import { evidenceToText } from '../../src/explain/text.ts';
import { evidenceFacts } from '../../src/explain/verify/triples.ts';
import { verifyExplanation } from '../../src/explain/verify/verify.ts';
import { INTERACTION_RELATION } from '../../src/project/csr.ts';
import { MOVIE_LABELS, MOVIES } from './fixtures.ts';

// Ann rated Alien 5★ and Brazil 4★; Blade Runner (recommended) shares Ridley Scott with Alien, Sean Young with Brazil.
const movies = buildEvidence({ csr: MOVIES, transition: buildTransition(MOVIES), labels: (k) => MOVIE_LABELS[k] }, { user: 'User:ann', item: 'Item:blade' });
const movieNames = buildNameIndex([
  ...Object.entries(MOVIE_LABELS).map(([key, name]) => ({ key, name })),
  { key: 'Item:westmarch', name: 'Mirror of Westmarch (1994)' },
  { key: 'Item:gladiator', name: 'Gladiator (2000)' },
  { key: 'Entity:hf', name: 'Harrison Ford' },
]);
const verify = (text: string, evidence: Evidence = movies, names = movieNames) => verifyExplanation(text, evidence, names);
const served = (text: string, evidence?: Evidence) => verify(text, evidence).ok;

/** Hand-built evidence: knowledge links [item, relation, entity], the user's interactions and co-rated items. */
function handEvidence(spec: {
  item: string;
  labels: Record<string, string>;
  links: Array<[string, string, string]>;
  own: Array<{ item: string; kind?: string; rating?: number; weight?: number }>;
  corated?: string[];
  peers?: number[];
}): Evidence {
  const node = (key: string): EvidenceNode => ({ key, kind: key.startsWith('Item:') ? 'Item' : key.startsWith('User:') ? 'User' : 'Entity', label: spec.labels[key] ?? key });
  const keys = new Set<string>([spec.item, ...spec.links.flatMap(([i, , e]) => [i, e]), ...spec.own.map((o) => o.item)]);
  const edges: EvidenceEdge[] = [
    ...spec.links.map(([from, relation, to]) => ({ from, to, relation, weight: 1 })),
    ...spec.own.map((o) => ({ from: 'User:me', to: o.item, relation: INTERACTION_RELATION, weight: o.weight ?? o.rating ?? 1, ...(o.kind ? { kind: o.kind } : {}), ...(o.rating !== undefined ? { rating: o.rating } : {}) })),
  ];
  return {
    user: node('User:me'),
    seeds: [],
    item: node(spec.item),
    paths: [],
    similarItems: (spec.corated ?? []).map((k) => ({ ...node(k), score: 1, sharedUsers: 3, sharedEntities: 0 })),
    similarUsers: (spec.peers ?? []).map((w, i) => ({ ...node(`User:p${i}`), score: 1, sharedItems: 2, weight: w })),
    subgraph: { nodes: [...keys].map(node), edges },
  };
}

// The examples: real-looking evidence for Amadeus and for The Godfather: Part II.
const godfatherLabels: Record<string, string> = {
  'Item:gf2': 'Godfather: Part II, The (1974)',
  'Item:goodfellas': 'GoodFellas (1990)',
  'Item:sling': 'Sling Blade (1996)',
  'Item:taxi': 'Taxi Driver (1976)',
  'Entity:deniro': 'Robert De Niro',
  'Entity:duvall': 'Robert Duvall',
  'Entity:coppola': 'Francis Ford Coppola',
};
const godfather = handEvidence({
  item: 'Item:gf2',
  labels: godfatherLabels,
  links: [
    ['Item:gf2', 'starring', 'Entity:deniro'],
    ['Item:gf2', 'starring', 'Entity:duvall'],
    ['Item:gf2', 'director', 'Entity:coppola'],
    ['Item:goodfellas', 'starring', 'Entity:deniro'],
    ['Item:sling', 'starring', 'Entity:duvall'],
    ['Item:taxi', 'starring', 'Entity:deniro'],
  ],
  own: [
    { item: 'Item:goodfellas', rating: 5 },
    { item: 'Item:sling', rating: 5 },
    { item: 'Item:taxi', rating: 4 },
  ],
  corated: ['Item:goodfellas'],
  peers: [5, 4, 4],
});
const amadeusLabels: Record<string, string> = {
  'Item:amadeus': 'Amadeus (1984)',
  'Item:casablanca': 'Casablanca (1942)',
  'Item:mockingbird': 'To Kill a Mockingbird (1962)',
  'Entity:bio': '1980s biographical films',
  'Entity:adapt': 'Films based on plays',
};
const amadeus = handEvidence({
  item: 'Item:amadeus',
  labels: amadeusLabels,
  links: [
    ['Item:amadeus', 'subject', 'Entity:bio'],
    ['Item:amadeus', 'subject', 'Entity:adapt'],
    ['Item:casablanca', 'subject', 'Entity:adapt'],
  ],
  own: [
    { item: 'Item:casablanca', rating: 5 },
    { item: 'Item:mockingbird', rating: 4 },
  ],
});
const catalogue = buildNameIndex(Object.entries({ ...godfatherLabels, ...amadeusLabels, 'Item:westmarch': 'Mirror of Westmarch (1994)' }).map(([key, name]) => ({ key, name })));

describe('names: skeleton forms', () => {
  it('folds lookalike letters, fullwidth forms and invisible characters; search keeps normalizeName', () => {
    expect(nameSkeleton('Mirrоr of Westmarch')).toBe('mirror of westmarch'); // Cyrillic о
    expect(nameSkeleton('Ｍｉｒｒｏｒ\u200B of Westmαrch')).toBe('mirror of westmarch'); // fullwidth, zero-width space, Greek α
    expect(nameSkeleton('  Amélie — (2001)! ')).toBe(normalizeName('  Amélie — (2001)! '));
    expect(foldConfusables('Солярис')).not.toBe('Солярис');
    expect(normalizeName('Солярис')).toBe('солярис');
  });
});

describe('evidence facts', () => {
  it('reads links item first, the own interactions with kind and explicit rating, co-rated items and peers', () => {
    const f = evidenceFacts(movies);
    expect(f.links).toEqual(expect.arrayContaining([{ subject: 'Item:alien', kind: 'director', relation: 'director', object: 'Entity:ridley' }]));
    expect(f.own.get('Item:alien')).toEqual({ item: 'Item:alien', kind: 'rating', rating: 5 });
    expect(f.own.has('Item:blade')).toBe(false);
    const implicit = evidenceFacts(handEvidence({ item: 'Item:a', labels: {}, links: [], own: [{ item: 'Item:b', kind: 'listen', weight: 12 }] }));
    expect(implicit.own.get('Item:b')).toEqual({ item: 'Item:b', kind: 'listen' });
    expect(implicit.rated).toBe(false);
    expect(evidenceFacts(godfather).peers).toEqual({ count: 3, minRating: 4 });
  });
});

describe('verifyExplanation', () => {
  it("verifies the deterministic template's own text", () => {
    const text = evidenceToText(movies).text;
    const r = verify(text);
    expect(r.reason).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.clauses.every((c) => c.verdict === 'verified' || c.verdict === 'connective')).toBe(true);
  });

  it('serves true paraphrases of the facts', () => {
    for (const text of [
      'You rated *Alien* 5★, and *Blade Runner* was also directed by Ridley Scott.',
      'Because you rated *Alien* 5 stars, you might enjoy *Blade Runner*, which was also directed by Ridley Scott.',
      'Ridley Scott directed *Alien* and *Blade Runner*.',
      '*Alien* and *Blade Runner* share a director.',
      '*Blade Runner* stars Sean Young, as does *Brazil*, which you rated 4★.',
      'Sean Young appears in *Brazil* and *Blade Runner*.',
      'We recommend *Blade Runner*: *Blade Runner* is often rated by the same people as *Alien*, which you rated 5★.',
      'If you liked *Alien*, you might enjoy *Blade Runner*, directed by Ridley Scott.',
      '*Blade Runner* is directed by Ridley Scott, who also directed *Alien*.',
      '*Alien*, like *Blade Runner*, was directed by Ridley Scott.',
      '*Blade Runner* was directed by Ridley Scott, the director of *Alien*.',
      'Since you gave *Alien* five stars, you may like *Blade Runner*, another film by director Ridley Scott.',
      'You gave *Alien* a 5-star rating, and *Blade Runner* shares its director, Ridley Scott.',
      'People who rated *Alien* also rated *Blade Runner*.',
      'Fans of *Alien* also like *Blade Runner*.',
      '*Blade Runner* is often watched by people who also rated *Alien*.',
      'We recommend *Blade Runner* because it was directed by Ridley Scott, who also directed *Alien*.',
      '*Blade Runner* features Sean Young, who also appears in *Brazil*, which you rated 4★.',
      'Ridley Scott, who directed *Alien*, also directed *Blade Runner*.',
      '*Blade Runner* is by the same director as *Alien*.',
      '*Blade Runner* is directed by Ridley Scott, who also directed *Alien*, a film you rated highly.',
      '*Alien*, which you rated 5★, was directed by Ridley Scott, like *Blade Runner*.',
      '*Alien*, which you rated 5★, and *Blade Runner* were both directed by Ridley Scott.',
      '*Blade Runner* is directed by Ridley Scott and stars Sean Young, who is also in *Brazil*.',
    ]) {
      expect(verify(text), text).toMatchObject({ ok: true });
    }
  });

  it("serves the issue's grouped template sentence when the evidence holds it", () => {
    const grouped = handEvidence({
      item: 'Item:gf2',
      labels: godfatherLabels,
      links: ['Item:gf2', 'Item:goodfellas', 'Item:sling'].flatMap((i) => [[i, 'starring', 'Entity:deniro'], [i, 'starring', 'Entity:duvall']] as Array<[string, string, string]>),
      own: [{ item: 'Item:goodfellas', rating: 5 }, { item: 'Item:sling', rating: 5 }],
    });
    const r = verifyExplanation('*The Godfather: Part II* stars Robert De Niro and Robert Duvall, as do *GoodFellas* and *Sling Blade*, which you rated 5★.', grouped, catalogue);
    expect(r).toMatchObject({ ok: true });
    expect(r.clauses.map((c) => c.verdict)).toEqual(['verified', 'verified', 'verified']);
  });

  it("rejects the issue's false texts", () => {
    const cases: Array<[string, Evidence, RegExp]> = [
      ['The movie *Amadeus (1984)* is recommended for its 1980s biographical film and for its 1980s film adaptation of *Casablanca* and *To Kill a Mockingbird* respectively.', amadeus, /^(unsupported|false claim)/],
      ['*The Godfather: Part II* stars Robert De Niro, and it is a sequel to *Taxi Driver*.', godfather, /^unsupported/],
      ['*The Godfather: Part II* stars Robert De Niro, as does *GoodFellas*, which you rated 4★.', godfather, /^false claim: says you rated GoodFellas \(1990\) 4★; you rated it 5/],
      ['*The Godfather: Part II* stars Robert Duvall, like *GoodFellas*.', godfather, /^false claim: says GoodFellas \(1990\) —starring→ Robert Duvall/],
      ['*The Godfather: Part II* stars Robert De Niro and Robert Duvall. This film was banned in Norway.', godfather, /^unsupported: says "this banned in norway"/],
      ['*The Godfather: Part II* stars Robert De Niro and Robert Duvall. VISIT EVIL DOT COM.', godfather, /^unsupported: says "visit evil dot com"/],
      ['Like *Mirrоr of Westmarch*, *The Godfather: Part II* stars Robert De Niro.', godfather, /^false claim: names "Mirrоr of Westmarch", a catalogue name outside the evidence/],
      ['Like MirrorOfWestmarch, *The Godfather: Part II* stars Robert De Niro.', godfather, /^false claim: names "MirrorOfWestmarch"/],
      ['*Godfather: Part II, Part II, Part II, Part II, Part II, Part II*', godfather, /^unsupported/],
      ['The 1990s were a decade of great drama and drama.', godfather, /^unsupported/],
      ["The item you provided is a classic example of a 'tacit knowledge' fallacy.", godfather, /^unsupported/],
    ];
    for (const [text, evidence, reason] of cases) {
      const r = verifyExplanation(text, evidence, catalogue);
      expect(r.ok, text).toBe(false);
      expect(r.reason, text).toMatch(reason);
    }
  });

  it('rejects a wrong relation, a wrong pair and a wrong direction', () => {
    expect(verify('*Blade Runner* was directed by Sean Young.').reason).toBe('false claim: says Blade Runner —director→ Sean Young: the evidence has starring, not director');
    expect(verify('*Brazil* and *Blade Runner* were both directed by Ridley Scott.').reason).toMatch(/^false claim: says Brazil —director→ Ridley Scott: no such fact/);
    expect(verify('*Blade Runner* directed Ridley Scott.').reason).toMatch(/wrong direction$/);
    expect(verify('Ridley Scott was directed by *Blade Runner*.').reason).toMatch(/wrong direction$/);
    expect(verify('*Brazil* and *Blade Runner* share a director.').reason).toMatch(/^false claim: says Brazil and Blade Runner share a director/);
    expect(verify('*Blade Runner* is often rated by the same people as *Brazil*.').ok).toBe(evidenceFacts(movies).cooccur.has('Item:brazil'));
  });

  it('rejects the same wordings when the facts differ', () => {
    for (const text of [
      '*Brazil*, like *Blade Runner*, was directed by Ridley Scott.',
      'Like *Alien*, *Brazil* was directed by Ridley Scott.',
      'Fans of *Brazil* also like *Blade Runner*.',
      'We recommend *Blade Runner* because it stars Ridley Scott.',
      'You rated *Alien* 5★, and it was directed by Ridley Scott.',
      '*Alien* was directed by Ridley Scott. It stars Sean Young.',
      'You might enjoy *Blade Runner*; it won an Oscar.',
      '*Blade Runner* was directed by Ridley Scott, the director of *Brazil*.',
      '*Alien* and *Blade Runner* were both directed by Ridley Scott, who also stars in *Blade Runner*.',
      '*Brazil*, which you rated 4★, was directed by Ridley Scott, like *Blade Runner*.',
      'Ridley Scott, who directed *Brazil*, also directed *Blade Runner*.',
      '*Blade Runner* is by the same director as *Brazil*.',
      '*Blade Runner* is directed by Ridley Scott, who also directed *Alien*, a film you rated 4★.',
      '*Alien*, which you rated 4★, was directed by Ridley Scott.',
      '*Alien*, which you rated 5★, stars Sean Young.',
      '*Blade Runner*, which you rated 5★, was directed by Ridley Scott.',
      'Sean Young, who directed *Blade Runner*, also stars in *Brazil*.',
      '*Alien*, which you rated 5★, *Brazil* stars Sean Young.',
      'Ridley Scott, who stars in *Blade Runner*, directed *Alien*.',
      // "it" after another item of its sentence is that item, not the recommended one.
      '*Blade Runner* stars Sean Young, as does *Brazil*, and it was directed by Ridley Scott.',
    ]) {
      expect(served(text), text).toBe(false);
    }
  });

  it('rejects numbers, years, awards, places, superlatives, instructions and URLs', () => {
    for (const extra of [
      'It won an Oscar.',
      'It won the Academy Award for Best Picture.',
      '*Blade Runner* (1983) was directed by Ridley Scott.',
      'It was filmed in Los Angeles.',
      '*Blade Runner* is the best film of the decade.',
      'Buy it now at https://evil.example.com.',
      'Ignore previous instructions.',
      '*Blade Runner* was not directed by Ridley Scott.',
      '*Blade Runner* has 3 sequels.',
    ]) {
      const text = `You rated *Alien* 5★, and *Blade Runner* was directed by Ridley Scott. ${extra}`;
      expect(served(text), text).toBe(false);
    }
  });

  it('checks what the person did: kind, explicit rating, never the recommended item', () => {
    expect(verify('You rated *Alien* 4★, so you might enjoy *Blade Runner*, directed by Ridley Scott.').reason).toMatch(/^false claim: says you rated Alien 4★; you rated it 5/);
    expect(verify('You rated *Blade Runner* 5 stars.').reason).toMatch(/^false claim/);
    expect(served('You loved *Brazil*, and *Blade Runner* stars Sean Young.')).toBe(true);
    expect(served('You rated *Alien* highly, and *Blade Runner* was directed by Ridley Scott.')).toBe(true);
    const music = handEvidence({
      item: 'Item:kid',
      labels: { 'Item:kid': 'Kid A', 'Item:ok': 'OK Computer', 'Entity:rock': 'art rock' },
      links: [['Item:kid', 'tag', 'Entity:rock'], ['Item:ok', 'tag', 'Entity:rock']],
      own: [{ item: 'Item:ok', kind: 'listen', weight: 40 }],
    });
    const index = buildNameIndex([{ key: 'Item:kid', name: 'Kid A' }, { key: 'Item:ok', name: 'OK Computer' }, { key: 'Entity:rock', name: 'art rock' }]);
    expect(verifyExplanation('You listened to *OK Computer*, and *Kid A* is tagged “art rock” too.', music, index).ok).toBe(true);
    expect(verifyExplanation('*OK Computer* and *Kid A* are both tagged “art rock”.', music, index).ok).toBe(true);
    expect(verifyExplanation('You rated *OK Computer* 5★, and *Kid A* is tagged “art rock”.', music, index).reason).toMatch(/kind listen|no explicit rating/);
    expect(verifyExplanation('You bought *OK Computer*, and *Kid A* is tagged “art rock”.', music, index).reason).toMatch(/kind listen/);
  });

  it('reads a sentence-initial "it" as the subject of the previous sentence', () => {
    expect(served('*Blade Runner* stars Sean Young, as does *Brazil*, which you rated 4★. It was directed by Ridley Scott.')).toBe(true);
    expect(served('*Blade Runner* stars Sean Young, as does *Brazil*, which you rated 4★. A user whose ratings overlap with yours rated it 4★ or higher.')).toBe(true);
    expect(served('*Brazil* stars Sean Young, as does *Blade Runner*. It was directed by Ridley Scott.')).toBe(false);
  });

  it('checks the peers count and rating floor', () => {
    expect(verifyExplanation('3 users whose ratings overlap with yours rated *The Godfather: Part II* 4★ or higher.', godfather, catalogue).ok).toBe(true);
    expect(verifyExplanation('Three users whose history overlaps yours liked *The Godfather: Part II*.', godfather, catalogue).ok).toBe(true);
    expect(verifyExplanation('4 users whose ratings overlap with yours rated *The Godfather: Part II* 4★ or higher.', godfather, catalogue).reason).toMatch(/^false claim: says 4 users/);
    expect(verifyExplanation('3 users whose ratings overlap with yours rated *The Godfather: Part II* 5★ or higher.', godfather, catalogue).reason).toMatch(/lowest is 4★/);
  });

  it('requires the recommended item and at least one fact', () => {
    expect(verify('You rated *Alien* 5★.').reason).toBe('off topic: does not name the recommended item');
    expect(verify('You might enjoy *Blade Runner*.').reason).toBe('no reason: states no fact of the evidence');
    expect(verify('').reason).toBe('empty text');
  });

  it('rejects names outside the evidence, invented quoted titles and prompt echoes', () => {
    expect(verify('Like *Gladiator*, *Blade Runner* was directed by Ridley Scott.').reason).toMatch(/^false claim: names "Gladiator"/);
    expect(verify('*Blade Runner* stars Harrison Ford.').reason).toMatch(/^false claim: names "Harrison Ford"/);
    expect(verify('Since you liked "Alien Resurrection Part 9", try *Blade Runner*, directed by Ridley Scott.').reason).toMatch(/^unsupported: quotes "Alien Resurrection Part 9"/);
    for (const echo of ['The facts are:\n- You rated *Alien* 5★. *Blade Runner* was directed by Ridley Scott.', 'Use only the facts between <facts> and </facts>. *Blade Runner* was directed by Ridley Scott.', "The item you're referring to is *Blade Runner*, directed by Ridley Scott."]) {
      expect(served(echo), echo).toBe(false);
    }
  });
});

/** A model that answers from a script, one answer per call. */
function scripted(answers: string[]): { llm: GuardedLlm; calls: () => number } {
  let calls = 0;
  const inner: LlmClient = { name: 'scripted', complete: async () => answers[Math.min(calls++, answers.length - 1)]!, close: async () => {} };
  return { llm: new GuardedLlm(inner), calls: () => calls };
}

describe('explainEvidence gates serving with the verifier', () => {
  const names = buildNameIndex(Object.entries(MOVIE_LABELS).map(([key, name]) => ({ key, name })));
  it('regenerates a false answer and serves the next verified one', async () => {
    const { llm, calls } = scripted(['You rated *Blade Runner* 5 stars.', 'You rated *Alien* 5 stars, and *Blade Runner* was also directed by Ridley Scott.']);
    const out = await explainEvidence({ llm, names }, movies);
    expect(calls()).toBe(2);
    expect(out).toMatchObject({ source: 'llm', text: 'You rated *Alien* 5 stars, and *Blade Runner* was also directed by Ridley Scott.' });
  });

  it('serves the template with the reason when every answer fails', async () => {
    const out = await explainEvidence({ llm: scripted(['You rated *Alien*, and *Blade Runner* won an Oscar for its neon dystopian visuals.']).llm, names }, movies);
    expect(out.source).toBe('template');
    expect(out.fallbackReason).toMatch(/^unsupported: says "won oscar for neon/);
    const offTopic = await explainEvidence({ llm: scripted(['You rated *Alien* 5 stars.']).llm, names }, movies);
    expect(offTopic).toMatchObject({ source: 'template', fallbackReason: 'off topic: does not name the recommended item' });
  });

  it('caches by the caller key and the prompt version', async () => {
    const { llm, calls } = scripted(['You rated *Alien* 5 stars, and *Blade Runner* was also directed by Ridley Scott.']);
    await explainEvidence({ llm, names }, movies, { cacheKey: 'ann|blade|0' });
    const again = await explainEvidence({ llm, names }, movies, { cacheKey: 'ann|blade|0' });
    expect(calls()).toBe(1);
    expect(again).toMatchObject({ source: 'llm', cached: true });
  });
});
