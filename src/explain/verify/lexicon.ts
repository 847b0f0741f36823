/**
 * @module explain/verify/lexicon
 * The words an explanation may use, in `nameSkeleton` form (lower case, punctuation as spaces):
 *
 * - relation phrases per relation kind and direction: `itemFirst` phrases read item → entity ("*Alien* was directed
 *   by Ridley Scott", "stars", "written by", …), the others entity → item ("Ridley Scott directed *Alien*", "stars
 *   in", "wrote", …); "share(s) a director with" joins two items through an entity of that kind;
 * - the person's own interactions: the template's phrases and the kinds each verb may describe come from
 *   explain/interactions (one mapping for both), plus synonyms ("you gave", "you played", "you purchased", …);
 * - co-rating ("often rated by the same people as");
 * - connectives that recommend without stating a fact ("because", "you might enjoy", "fans of", "we recommend", …)
 *   and fillers that carry no claim inside a relation clause ("both", "also", "was", "the", "film", …).
 *
 * Anything else an explanation says is content the facts do not hold.
 */
import { OWN_VERB_KINDS, OWN_VERB_PARTICIPLES, OWN_VERB_PHRASES, type OwnVerb } from '../interactions.ts';
import type { RelationKind } from '../text.ts';

export type { OwnVerb };
export { OWN_VERB_KINDS };

export type Phrase =
  | { type: 'link'; kind: RelationKind; itemFirst: boolean; generic?: string }
  | { type: 'shared'; kind: RelationKind }
  | { type: 'own'; verb: OwnVerb }
  | { type: 'cooccur' };

/** Synonyms of the template's own-verb phrases (explain/interactions `OWN_VERB_PHRASES`, which are read as their verb too). */
const OWN_VERB_SYNONYMS: Record<string, OwnVerb> = {
  gave: 'rated', 'have rated': 'rated', 've rated': 'rated',
  loved: 'liked', enjoyed: 'liked',
  saw: 'watched', seen: 'watched', viewed: 'clicked',
  played: 'listened', 'listen to': 'listened',
  purchased: 'bought',
  'clicked on': 'clicked',
  'checked in at': 'visited',
  chose: 'chose', picked: 'chose', selected: 'chose',
};
/** Words that may stand between "you" and the verb ("you have already rated"). */
const OWN_ADVERBS = ['', 'also ', 'already ', 'have ', 've ', 'have also ', 've also ', 'have already ', 've already ', 'previously ', 'recently ', 'once ', 'both ', 'all '];

const LINKS: Record<string, { itemFirst: string[]; entityFirst: string[]; roles: string[] }> = {
  director: {
    itemFirst: ['directed by', 'director', 'from director', 'by director', 'helmed by', 'whose director is', 'directed by director'],
    entityFirst: ['directed', 'directs', 'director of', 'helmed', 'also directed', 'who directed', 'who also directed'],
    roles: ['director', 'directors'],
  },
  starring: {
    itemFirst: ['stars', 'star', 'starring', 'starred', 'with', 'featuring', 'features', 'feature', 'featured', 'co stars', 'costars', 'cast includes', 'whose cast includes', 'with actor', 'with actress', 'starring actor', 'starring actress'],
    entityFirst: ['stars in', 'star in', 'starred in', 'starring in', 'appears in', 'appear in', 'appeared in', 'acted in', 'acts in', 'also in', 'also stars in', 'also appears in', 'who stars in', 'who starred in', 'who appears in', 'who appeared in'],
    roles: ['star', 'actor', 'actress', 'cast member', 'lead'],
  },
  writer: {
    itemFirst: ['written by', 'writer', 'screenplay by', 'script by', 'penned by', 'from writer', 'co written by', 'by writer'],
    entityFirst: ['wrote', 'writes', 'penned', 'scripted', 'co wrote', 'writer of', 'wrote the screenplay for', 'wrote the script for', 'wrote the screenplay of', 'screenwriter of', 'who wrote'],
    roles: ['writer', 'screenwriter', 'writers'],
  },
  producer: {
    itemFirst: ['produced by', 'producer', 'co produced by', 'by producer'],
    entityFirst: ['produced', 'produces', 'co produced', 'producer of', 'who produced'],
    roles: ['producer', 'producers'],
  },
  cinematography: {
    itemFirst: ['shot by', 'shot by cinematographer', 'shot by cinematographers', 'cinematographer', 'photographed by', 'cinematography by', 'with cinematography by', 'lensed by', 'director of photography'],
    entityFirst: ['shot', 'photographed', 'lensed', 'cinematographer of', 'cinematographer on', 'the cinematographer of', 'who shot'],
    roles: ['cinematographer', 'director of photography'],
  },
  distributor: {
    itemFirst: ['distributed by', 'released by', 'distributor', 'from distributor'],
    entityFirst: ['distributed', 'distributes', 'released', 'distributor of'],
    roles: ['distributor'],
  },
  studio: {
    itemFirst: ['made by', 'from studio', 'by studio', 'studio'],
    entityFirst: ['made'],
    roles: ['studio'],
  },
  subject: {
    itemFirst: ['listed under', 'filed under', 'in the category', 'category', 'categorized as', 'categorised as', 'categorized under', 'categorised under', 'belongs to the category', 'belong to the category', 'subject', 'on the subject'],
    entityFirst: [],
    roles: ['category', 'subject'],
  },
  genre: {
    itemFirst: ['genre', 'belongs to the genre', 'belong to the genre', 'belongs to the genres', 'in the genre', 'of the genre'],
    entityFirst: [],
    roles: ['genre'],
  },
  tag: {
    itemFirst: ['tagged', 'tagged as', 'tagged with', 'tag', 'carries the tag', 'carry the tag'],
    entityFirst: [],
    roles: ['tag'],
  },
};

const COOCCUR_VERBS = [...new Set([...Object.values(OWN_VERB_PARTICIPLES), 'enjoyed', 'picked', 'played'])];

/** Phrase (skeleton words joined by spaces) → meaning, for a relation set; generic relations use their humanised names. */
export function buildLexicon(genericRelations: readonly string[] = []): Map<string, Phrase> {
  const lex = new Map<string, Phrase>();
  for (const [kind, spec] of Object.entries(LINKS) as Array<[RelationKind, (typeof LINKS)[string]]>) {
    for (const p of spec.itemFirst) lex.set(p, { type: 'link', kind, itemFirst: true });
    for (const p of spec.entityFirst) lex.set(p, { type: 'link', kind, itemFirst: false });
    for (const role of spec.roles) {
      for (const verb of ['share', 'shares', 'both have', 'have']) {
        for (const det of ['', 'a ', 'the ', 'the same ', 'their ', 'its ']) {
          if (verb !== 'have' || det === 'the same ') {
            lex.set(`${verb} ${det}${role}`, { type: 'link', kind, itemFirst: true });
            lex.set(`${verb} ${det}${role} with`, { type: 'shared', kind });
          }
        }
      }
      for (const pre of ['', 'by the ', 'from the ']) lex.set(`${pre}same ${role} as`, { type: 'shared', kind });
    }
  }
  for (const words of genericRelations) {
    for (const p of [words, `has ${words}`, `have ${words}`, `with ${words}`]) lex.set(p, { type: 'link', kind: 'generic', itemFirst: true, generic: words });
  }
  const ownVerbs: Record<string, OwnVerb> = { ...OWN_VERB_SYNONYMS, ...Object.fromEntries(Object.entries(OWN_VERB_PHRASES).map(([verb, words]) => [words, verb as OwnVerb])) };
  for (const [words, verb] of Object.entries(ownVerbs)) {
    for (const adverb of OWN_ADVERBS) lex.set(`you ${adverb}${words}`, { type: 'own', verb });
    lex.set(`${words} by you`, { type: 'own', verb });
  }
  for (const verb of COOCCUR_VERBS) {
    for (const often of ['', 'often ', 'also often ', 'frequently ']) {
      for (const who of ['people', 'users', 'viewers', 'listeners', 'fans', 'audience']) lex.set(`${often}${verb} by the same ${who} as`, { type: 'cooccur' });
    }
  }
  for (const p of ['shares an audience with', 'share an audience with', 'shares its audience with', 'has the same fans as', 'popular with the same people as', 'often popular with the same people as']) lex.set(p, { type: 'cooccur' });
  return lex;
}

/** Phrases that recommend without stating a fact. */
export const CONNECTIVES: readonly string[] = [
  'because', 'since', 'given that', 'so', 'and so', 'therefore', 'that s why', 'which is why', 'if',
  'we recommend', 'we suggest', 'we think', 'we picked', 'recommend', 'recommended', 'is recommended', 'recommended for you', 'for you', 'is a good pick', 'is a good fit', 'is a good match', 'a good pick', 'a good fit', 'a good match',
  'you might enjoy', 'you may enjoy', 'you might like', 'you may like', 'you ll enjoy', 'you ll like', 'you ll love', 'you will enjoy', 'you will like', 'you would enjoy', 'you d enjoy', 'you would like', 'you d like', 'you might also enjoy', 'you might also like', 'you may also enjoy', 'you may also like', 'you could enjoy',
  'you should try', 'you could try', 'try', 'consider', 'check out', 'why not try', 'might suit you', 'should suit you', 'could suit you', 'suits you', 'is worth a look', 'worth a look',
  'fans of', 'will enjoy', 'will like', 'might enjoy', 'may enjoy', 'might like', 'may like', 'should enjoy', 'would enjoy', 'next', 'here is', 'here s', 'is next', 'up next',
];

/** Words that carry no claim of their own inside a relation clause. */
export const FILLERS: ReadonlySet<string> = new Set(
  'and both also all too likewise similarly each was were is are been has have had the a an another film films movie movies title titles actor actress actors artist album song track book its their as well s'.split(' '),
);

/** Verbs in the "N users whose history overlaps yours liked X" fact. */
export const PEER_VERBS = [...new Set([...Object.values(OWN_VERB_PHRASES), 'enjoyed', 'loved', 'chose', 'picked', 'gave', 'played'])];

export const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, another: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };
