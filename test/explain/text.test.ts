import { describe, expect, it } from 'vitest';
import { buildTransition } from '../../src/compute/ppr/transition.ts';
import { buildEvidence, fallbackLabel, type Evidence, type EvidenceNode } from '../../src/explain/evidence.ts';
import { distinctLabels, buildNameIndex } from '../../src/explain/grounding.ts';
import { evidenceToText, humanizeRelation, relationKind, wordCount } from '../../src/explain/text.ts';
import { verifyExplanation } from '../../src/explain/verify/verify.ts';
import { INTERACTION_RELATION } from '../../src/project/csr.ts';
import { MOVIE_LABELS, MOVIES } from './fixtures.ts';

const ctx = { csr: MOVIES, transition: buildTransition(MOVIES), labels: (key: string) => MOVIE_LABELS[key] };

const node = (key: string, label: string): EvidenceNode => ({ key, kind: key.startsWith('User:') ? 'User' : key.startsWith('Item:') ? 'Item' : 'Entity', label });
const edge = (from: string, to: string, relation: string, weight = 1) => ({ from, to, relation, weight });
const ann = node('User:ann', 'Ann');
const alien = node('Item:alien', 'Alien');
const blade = node('Item:blade', 'Blade Runner');
const ridley = node('Entity:ridley', 'Ridley Scott');

function evidenceOf(paths: Evidence['paths'], extra: Partial<Evidence> = {}): Evidence {
  return { user: ann, seeds: [], item: blade, paths, similarItems: [], similarUsers: [], subgraph: { nodes: [], edges: [] }, ...extra };
}

describe('evidence', () => {
  it('assembles paths, similar items, similar users and the subgraph with labels', () => {
    const ev = buildEvidence(ctx, { user: 'ann', item: 'blade' });
    expect(ev.user).toEqual({ key: 'User:ann', kind: 'User', label: 'Ann' });
    expect(ev.paths.map((p) => p.nodes.map((n) => n.label))).toEqual([
      ['Ann', 'Brazil', 'Sean Young', 'Blade Runner'],
      ['Ann', 'Alien', 'Ridley Scott', 'Blade Runner'],
    ]);
    // Alien: 1 co-rater (Bob) of Blade Runner's 1 → 1/√(1·2), and 1 of Blade Runner's 2 entities → 1/√(2·1).
    expect(ev.similarItems.map((s) => [s.label, s.sharedUsers, s.sharedEntities, s.weight])).toEqual([
      ['Alien', 1, 1, 5],
      ['Brazil', 0, 1, 4],
    ]);
    expect(ev.similarItems[0]!.score).toBeCloseTo(2 * Math.SQRT1_2, 12);
    expect(ev.similarUsers.map((s) => [s.label, s.sharedItems, s.weight])).toEqual([['Bob', 1, 5]]);
    expect(ev.similarUsers[0]!.score).toBeCloseTo(1 / Math.sqrt(2 * 2), 12);
    expect(ev.subgraph.nodes.map((n) => n.key).sort()).toEqual(['Entity:ridley', 'Entity:sean', 'Item:alien', 'Item:blade', 'Item:brazil', 'User:ann', 'User:bob']);
    expect(ev.subgraph.edges).toContainEqual({ from: 'User:bob', to: 'Item:blade', relation: INTERACTION_RELATION, weight: 5 });
    expect(ev.subgraph.edges).toHaveLength(7);
  });

  it('explains from cold-start seeds and rejects unknown nodes', () => {
    const ev = buildEvidence(ctx, { seeds: [{ kind: 'Entity', id: 'ridley' }], item: 'blade' });
    expect(ev.user).toBeNull();
    expect(ev.paths.map((p) => p.nodes.map((n) => n.label))).toEqual([
      ['Ridley Scott', 'Blade Runner'],
      ['Ridley Scott', 'Alien', 'Bob', 'Blade Runner'],
    ]);
    expect(ev.paths[0]!.score).toBeCloseTo(0.85, 12); // d · P(Ridley → Blade Runner) = 1/2 · knowledge bonus 2
    expect(evidenceToText(ev).text).toBe('*Blade Runner* was directed by Ridley Scott (your pick). Another user who rated *Alien* 5★ also rated *Blade Runner* 5★.');
    expect(evidenceToText(ev, { style: 'full' }).text).toBe(
      'You picked Ridley Scott. *Blade Runner* was directed by Ridley Scott. *Alien* was directed by Ridley Scott. ' +
        'Another user who rated *Alien* 5★ also rated *Blade Runner* 5★.',
    );
    expect(() => buildEvidence(ctx, { user: 'nobody', item: 'blade' })).toThrowError(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => buildEvidence(ctx, { user: 'ann', item: 'ridley' })).toThrowError(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => buildEvidence(ctx, { item: 'blade' })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('derives a label from the key when none is known', () => {
    expect(fallbackLabel('Entity:dbpedia:Ridley_Scott')).toBe('dbpedia:Ridley Scott');
    expect(fallbackLabel('plain_id')).toBe('plain id');
  });
});

describe('graph to text', () => {
  it('renders the full explanation of the tiny graph exactly', () => {
    const out = evidenceToText(buildEvidence(ctx, { user: 'ann', item: 'blade' }), { style: 'full' });
    expect(out.style).toBe('full');
    expect(out.facts).toEqual([
      'You rated *Brazil* 4★.',
      '*Brazil* and *Blade Runner* both star Sean Young.',
      'You rated *Alien* 5★.',
      '*Alien* and *Blade Runner* were both directed by Ridley Scott.',
      '*Blade Runner* is often rated by the same people as *Alien*, which you rated.',
      'A user whose ratings overlap with yours rated *Blade Runner* 4★ or higher.',
    ]);
    expect(out.text).toBe(out.facts.join(' '));
    expect(out.names).toEqual(['Brazil', 'Blade Runner', 'Sean Young', 'Alien', 'Ridley Scott']);
    expect(out.mentioned.map((n) => n.kind)).toEqual(['Item', 'Item', 'Entity', 'Item', 'Entity']);
  });

  it('has one template per relation kind', () => {
    const cases: Array<[string, string]> = [
      ['director', '*Alien* and *Blade Runner* were both directed by Ridley Scott.'],
      ['starring', '*Alien* and *Blade Runner* both star Ridley Scott.'],
      ['writer', '*Alien* and *Blade Runner* were both written by Ridley Scott.'],
      ['producer', '*Alien* and *Blade Runner* were both produced by Ridley Scott.'],
      ['distributor', '*Alien* and *Blade Runner* were both distributed by Ridley Scott.'],
      ['cinematography', '*Alien* and *Blade Runner* were both shot by cinematographer Ridley Scott.'],
      ['subject', '*Alien* and *Blade Runner* are both listed under Ridley Scott.'],
      ['genre', '*Alien* and *Blade Runner* both belong to the genre Ridley Scott.'],
      ['tag', '*Alien* and *Blade Runner* are both tagged “Ridley Scott”.'],
      ['studio', '*Alien* and *Blade Runner* were both made by Ridley Scott.'],
      ['based_on', '*Alien* and *Blade Runner* both have based on Ridley Scott.'],
    ];
    for (const [relation, sentence] of cases) {
      const ev = evidenceOf([
        { nodes: [ann, alien, ridley, blade], edges: [edge(ann.key, alien.key, INTERACTION_RELATION, 5), edge(alien.key, ridley.key, relation), edge(blade.key, ridley.key, relation)], score: 1 },
      ]);
      expect(evidenceToText(ev).facts).toEqual(['You rated *Alien* 5★.', sentence]);
    }
  });

  it('renders mixed relations, collaborative paths, single edges and implicit feedback', () => {
    const mixed = evidenceOf([
      { nodes: [ann, alien, ridley, blade], edges: [edge(ann.key, alien.key, INTERACTION_RELATION, 5), edge(alien.key, ridley.key, 'director'), edge(blade.key, ridley.key, 'producer')], score: 1 },
    ]);
    expect(evidenceToText(mixed).facts[1]).toBe('*Alien* was directed by Ridley Scott, and *Blade Runner* was produced by Ridley Scott.');
    const bob = node('User:bob', 'Bob');
    const collab = evidenceOf([
      { nodes: [ann, alien, bob, blade], edges: [edge(ann.key, alien.key, INTERACTION_RELATION, 4.5), edge(bob.key, alien.key, INTERACTION_RELATION, 5), edge(bob.key, blade.key, INTERACTION_RELATION, 4)], score: 1 },
    ]);
    expect(evidenceToText(collab, { style: 'full' }).text).toBe('You rated *Alien* 4.5★. Another user who rated *Alien* 5★ also rated *Blade Runner* 4★.');
    expect(evidenceToText(collab).text).toBe('Another user who rated *Alien* 5★ also rated *Blade Runner* 4★.');
    expect(evidenceToText(collab, { rated: false, style: 'full' }).text).toBe('You interacted with *Alien*. Another user who interacted with *Alien* also interacted with *Blade Runner*.');
    expect(evidenceToText(collab).names).toEqual(['Alien', 'Blade Runner']);
    const single = evidenceOf([{ nodes: [ridley, blade], edges: [edge(blade.key, ridley.key, 'film.film.directed_by')], score: 1 }], { user: null, seeds: [ridley] });
    expect(evidenceToText(single, { style: 'full' }).text).toBe('You picked Ridley Scott. *Blade Runner* was directed by Ridley Scott.');
    expect(evidenceToText(single).text).toBe('*Blade Runner* was directed by Ridley Scott (your pick).');
    const nothing = evidenceOf([]);
    expect(evidenceToText(nothing).text).toBe('*Blade Runner* is close to your history in the graph.');
  });

  it('caps the facts while keeping node-level facts', () => {
    const out = evidenceToText(buildEvidence(ctx, { user: 'ann', item: 'blade' }), { maxFacts: 4, style: 'full' });
    expect(out.facts).toEqual([
      'You rated *Brazil* 4★.',
      '*Brazil* and *Blade Runner* both star Sean Young.',
      '*Blade Runner* is often rated by the same people as *Alien*, which you rated.',
      'A user whose ratings overlap with yours rated *Blade Runner* 4★ or higher.',
    ]);
    expect(out.names).toEqual(['Brazil', 'Blade Runner', 'Sean Young', 'Alien']);
  });

  it('recognises relation kinds from dataset names', () => {
    expect(relationKind('film.film.directed_by')).toBe('director');
    expect(relationKind('director_of_photography')).toBe('cinematography');
    expect(relationKind('http://dbpedia.org/ontology/starring')).toBe('starring');
    expect(relationKind('dct:subject')).toBe('subject');
    expect(relationKind('narrator')).toBe('generic');
    expect(relationKind('subject')).toBe('subject');
    expect(relationKind(INTERACTION_RELATION)).toBe('interaction');
    expect(humanizeRelation('film.film.basedOn')).toBe('based on');
  });
});

describe('short template', () => {
  const catalogue = (ev: Evidence) => buildNameIndex([ev.item, ...ev.subgraph.nodes, ...ev.paths.flatMap((p) => p.nodes)].filter((n) => n.kind !== 'User').map((n) => ({ key: n.key, name: n.label })));
  const withSubgraph = (ev: Evidence): Evidence => {
    const nodes = new Map(ev.paths.flatMap((p) => p.nodes).map((n) => [n.key, n]));
    return { ...ev, subgraph: { nodes: [...nodes.values()], edges: ev.paths.flatMap((p) => p.edges) } };
  };

  it('says the strongest reason first, then one more, and verifies', () => {
    const ev = buildEvidence(ctx, { user: 'ann', item: 'blade' });
    const out = evidenceToText(ev);
    expect(out.style).toBe('short');
    expect(out.text).toBe('*Blade Runner* stars Sean Young, as does *Brazil*, which you rated 4★. It is often rated by the same people as *Alien*, which you rated.');
    expect(out.facts).toEqual(evidenceToText(ev, { style: 'full' }).facts);
    const names = buildNameIndex(Object.entries(MOVIE_LABELS).filter(([k]) => !k.startsWith('User:')).map(([key, name]) => ({ key, name })));
    expect(verifyExplanation(out.text, ev, names)).toMatchObject({ ok: true });
  });

  it('groups the entities and items a path shares with the item', () => {
    const g2 = node('Item:g2', 'Godfather: Part II, The (1974)');
    const gf = node('Item:gf', 'GoodFellas (1990)');
    const sb = node('Item:sb', 'Sling Blade (1996)');
    const deniro = node('Entity:deniro', 'Robert De Niro');
    const duvall = node('Entity:duvall', 'Robert Duvall');
    const path = (mine: EvidenceNode, actor: EvidenceNode) => ({
      nodes: [ann, mine, actor, g2],
      edges: [edge(ann.key, mine.key, INTERACTION_RELATION, 5), edge(mine.key, actor.key, 'starring'), edge(g2.key, actor.key, 'starring')],
      score: 1,
    });
    const ev = withSubgraph(evidenceOf([path(gf, deniro), path(sb, deniro), path(gf, duvall), path(sb, duvall)], { item: g2 }));
    const out = evidenceToText(ev);
    expect(out.text).toBe('*The Godfather: Part II (1974)* stars Robert De Niro and Robert Duvall, as do *GoodFellas (1990)* and *Sling Blade (1996)*, which you rated 5★.');
    expect(verifyExplanation(out.text, ev, catalogue(ev))).toMatchObject({ ok: true });
    // An item rated differently is not folded into "which you rated 5★".
    const mixed = withSubgraph(evidenceOf([path(gf, deniro), { ...path(sb, deniro), edges: [edge(ann.key, sb.key, INTERACTION_RELATION, 3), ...path(sb, deniro).edges.slice(1)] }], { item: g2 }));
    expect(evidenceToText(mixed).text).toBe('*The Godfather: Part II (1974)* stars Robert De Niro, as does *GoodFellas (1990)*, which you rated 5★.');
  });

  it('uses the verb of the interaction kind, and stars only for explicit ratings', () => {
    const cases: Array<[string | undefined, number | undefined, string]> = [
      ['rating', 5, 'which you rated 5★'],
      ['listen', undefined, 'which you listened to'],
      ['purchase', undefined, 'which you bought'],
      ['click', undefined, 'which you clicked'],
      ['checkin', undefined, 'which you visited'],
      ['implicit', undefined, 'which you interacted with'],
    ];
    for (const [kind, rating, phrase] of cases) {
      const own = { ...edge(ann.key, alien.key, INTERACTION_RELATION, 12), ...(kind ? { kind } : {}), ...(rating !== undefined ? { rating } : {}) };
      const ev = withSubgraph(evidenceOf([{ nodes: [ann, alien, ridley, blade], edges: [own, edge(alien.key, ridley.key, 'director'), edge(blade.key, ridley.key, 'director')], score: 1 }]));
      const out = evidenceToText(ev);
      expect(out.text).toBe(`*Blade Runner* was directed by Ridley Scott, as was *Alien*, ${phrase}.`);
      if (rating === undefined) expect(out.text + out.facts.join(' ')).not.toMatch(/★/);
      expect(verifyExplanation(out.text, ev, catalogue(ev))).toMatchObject({ ok: true });
      expect(verifyExplanation(evidenceToText(ev, { style: 'full' }).text, ev, catalogue(ev))).toMatchObject({ ok: true });
    }
  });

  it('stays within maxWords, dropping the second reason first', () => {
    const ev = buildEvidence(ctx, { user: 'ann', item: 'blade' });
    expect(evidenceToText(ev, { maxWords: 14 }).text).toBe('*Blade Runner* stars Sean Young, as does *Brazil*, which you rated 4★.');
    expect(wordCount('*Blade Runner* stars Sean Young, as does *Brazil*, which you rated 4★.')).toBe(12);
  });

  it('tells apart two items with one title (explain/grounding distinctLabels)', () => {
    const labels = distinctLabels(new Map([['Item:ml100k:i:876', 'Money Talks (1997)'], ['Item:ml100k:i:881', 'Money Talks (1997)'], ['Item:ml100k:i:1', 'Toy Story (1995)'], ['Entity:x', 'Money Talks (1997)']]));
    expect([...labels.values()]).toEqual(['Money Talks (1997) [#876]', 'Money Talks (1997) [#881]', 'Toy Story (1995)', 'Money Talks (1997)']);
    const a = node('Item:ml100k:i:876', labels.get('Item:ml100k:i:876')!);
    const b = node('Item:ml100k:i:881', labels.get('Item:ml100k:i:881')!);
    const ev = withSubgraph(evidenceOf([{ nodes: [ann, a, ridley, b], edges: [edge(ann.key, a.key, INTERACTION_RELATION, 4), edge(a.key, ridley.key, 'director'), edge(b.key, ridley.key, 'director')], score: 1 }], { item: b }));
    const out = evidenceToText(ev);
    expect(out.text).toBe('*Money Talks (1997) [#881]* was directed by Ridley Scott, as was *Money Talks (1997) [#876]*, which you rated 4★.');
    expect(verifyExplanation(out.text, ev, catalogue(ev))).toMatchObject({ ok: true });
  });
});
