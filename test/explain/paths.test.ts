import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';
import { buildTransition } from '../../src/compute/ppr/transition.ts';
import { INTERACTION_RELATION, type Csr } from '../../src/project/csr.ts';
import { MOVIES, tinyCsr } from './fixtures.ts';
import { createPathFinder } from '../../src/explain/paths.ts';
import { createRng } from '../../src/compute/rng.ts';

const idx = (csr: Csr, id: string): number => csr.index.get(id)!;
const names = (csr: Csr, nodes: number[]): string[] => nodes.map((v) => csr.ids.at(v)!);

/** The scoring before entity informativeness and the user's affinity (hand-computed scores below assume it). */
const CLASSIC = { rareDegree: 1, affinityExponent: 0 } as const;

describe('path search', () => {
  const finder = createPathFinder(MOVIES, buildTransition(MOVIES), CLASSIC);
  const d3 = 0.85 ** 3;

  it('finds the best non-redundant paths with hand-computed scores', () => {
    // First hop: effective weights 5−2 = 3 (Alien) and 4−2 = 2 (Brazil) → 3/5 and 2/5.
    // W(Alien) = 5 + 5 + 1 = 11, W(Brazil) = 4 + 1 = 5, W(Ridley) = W(Sean) = 2, W(Bob) = 10; knowledge bonus 2.
    // Brazil path: d³ · 2/5 · (1/5 · 2) · (1/2 · 2) = d³ · 0.16
    // Alien/director: d³ · 3/5 · (1/11 · 2) · (1/2 · 2) = d³ · 6/55
    // Alien/Bob (collaborative, effective ratings 3): d³ · 3/5 · 3/11 · 3/10 — shares Alien, so pruned by default.
    const paths = finder.find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'Item:blade'));
    expect(paths.map((p) => names(MOVIES, p.nodes))).toEqual([
      ['User:ann', 'Item:brazil', 'Entity:sean', 'Item:blade'],
      ['User:ann', 'Item:alien', 'Entity:ridley', 'Item:blade'],
    ]);
    expect(paths[0]!.score).toBeCloseTo(d3 * 0.16, 12);
    expect(paths[1]!.score).toBeCloseTo((d3 * 6) / 55, 12);
    // Edges keep their stored direction.
    expect(paths[1]!.edges.map((e) => [MOVIES.ids.at(e.from), MOVIES.ids.at(e.to), MOVIES.relations[e.relation], e.weight])).toEqual([
      ['User:ann', 'Item:alien', INTERACTION_RELATION, 5],
      ['Item:alien', 'Entity:ridley', 'director', 1],
      ['Item:blade', 'Entity:ridley', 'director', 1],
    ]);
  });

  it('allows node reuse when asked and applies the hub penalty and relation bonus', () => {
    const all = finder.find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'Item:blade'), { maxNodeReuse: 2 });
    expect(all.map((p) => names(MOVIES, p.nodes)[2])).toEqual(['Entity:sean', 'Entity:ridley', 'User:bob']);
    expect(all[2]!.score).toBeCloseTo(d3 * 0.6 * (3 / 11) * 0.3, 12);
    // Entities of degree 2 above hubDegree 1: × (1/2)^0.5; the collaborative path has no entity.
    const hubbed = finder.find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'Item:blade'), { maxNodeReuse: 2, hubDegree: 1 });
    expect(hubbed[0]!.score).toBeCloseTo(d3 * 0.16 * Math.SQRT1_2, 12);
    // Halving the starring bonus twice (both Brazil-path knowledge edges) moves the director path first.
    const bonus = finder.find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'Item:blade'), { relationBonus: { starring: 0.5 } });
    expect(names(MOVIES, bonus[0]!.nodes)[2]).toBe('Entity:ridley');
    expect(bonus[1]!.score).toBeCloseTo(d3 * 0.16 * 0.25, 12);
  });

  it('finds 4-hop paths through entity–entity edges only when maxHops allows', () => {
    const csr = tinyCsr(
      [
        ['User:u', 0],
        ['Item:a', 1],
        ['Item:t', 1],
        ['Entity:r', 2],
        ['Entity:q', 2],
      ],
      [INTERACTION_RELATION, 'director', 'partner', 'starring'],
      [
        ['User:u', 'Item:a', INTERACTION_RELATION, 5],
        ['Item:a', 'Entity:r', 'director', 1],
        ['Entity:r', 'Entity:q', 'partner', 1],
        ['Item:t', 'Entity:q', 'starring', 1],
      ],
    );
    const f = createPathFinder(csr, buildTransition(csr), CLASSIC);
    const four = f.find(idx(csr, 'User:u'), idx(csr, 'Item:t'));
    expect(four.map((p) => names(csr, p.nodes))).toEqual([['User:u', 'Item:a', 'Entity:r', 'Entity:q', 'Item:t']]);
    // W(u) = 5 (first hop 3/3 = 1), W(a) = 6, W(r) = 2, W(q) = 2: d⁴ · 1 · (1/6·2) · (1/2·2) · (1/2·2)
    expect(four[0]!.score).toBeCloseTo(0.85 ** 4 * (1 / 3), 12);
    expect(f.find(idx(csr, 'User:u'), idx(csr, 'Item:t'), { maxHops: 3 })).toEqual([]);
  });

  it('weighs rare entities down and the user\'s affinity to the first item up', () => {
    const f = createPathFinder(MOVIES, buildTransition(MOVIES), { rareDegree: 5, affinityExponent: 1 });
    // Sean and Ridley have degree 2 < rareDegree 5: × 2/5 each. Affinity: Alien (effective 3) is the user's strongest
    // item → × 1; Brazil (effective 2) → × 2/3. The collaborative Alien/Bob path has no entity and now leads; the
    // director path shares Alien with it and is pruned.
    const paths = f.find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'Item:blade'));
    expect(paths.map((p) => names(MOVIES, p.nodes))).toEqual([
      ['User:ann', 'Item:alien', 'User:bob', 'Item:blade'],
      ['User:ann', 'Item:brazil', 'Entity:sean', 'Item:blade'],
    ]);
    expect(paths[0]!.score).toBeCloseTo(d3 * 0.6 * (3 / 11) * 0.3, 12);
    expect(paths[1]!.score).toBeCloseTo(d3 * 0.16 * (2 / 3) * (2 / 5), 12);
    // rareExponent 0 turns the rarity term off; the affinity alone puts the Alien director path (6/55) ahead of Brazil's (0.16 · 2/3).
    const noRare = f.find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'Item:blade'), { rareExponent: 0, maxNodeReuse: 2 });
    expect(noRare.map((p) => names(MOVIES, p.nodes)[2])).toEqual(['Entity:ridley', 'Entity:sean', 'User:bob']);
    // The defaults: 'auto' rareDegree = the median linking-entity degree (2 here, so nothing is rare), affinity ^ 0.5.
    const auto = createPathFinder(MOVIES, buildTransition(MOVIES)).find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'Item:blade'));
    expect(auto[0]!.score).toBeCloseTo(d3 * 0.16 * Math.sqrt(2 / 3), 12);
    expect(() => f.find(0, 2, { rareDegree: 0 })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => f.find(0, 2, { affinityExponent: -1 })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('expands a hub through its maxExpand strongest edges only (ties: the lower position)', () => {
    // Hub item h: rated by u 5, v1 4, v2 4, v6 5, v7 3 (effective 3, 2, 2, 3, 1). Target t is rated by v2, v6, v7.
    const users = ['u', 'v1', 'v2', 'v6', 'v7'];
    const csr = tinyCsr(
      [...users.map((id) => [`User:${id}`, 0] as [string, 0]), ['Item:h', 1], ['Item:t', 1]],
      [INTERACTION_RELATION],
      [
        ...(
          [
            ['u', 5],
            ['v1', 4],
            ['v2', 4],
            ['v6', 5],
            ['v7', 3],
          ] as const
        ).map(([v, r]) => [`User:${v}`, 'Item:h', INTERACTION_RELATION, r] as [string, string, string, number]),
        ...(['v2', 'v6', 'v7'] as const).map((v) => [`User:${v}`, 'Item:t', INTERACTION_RELATION, 5] as [string, string, string, number]),
      ],
    );
    const f = createPathFinder(csr, buildTransition(csr), { ...CLASSIC, maxNodeReuse: 3, maxHops: 3 });
    const through = (o: object) => f.find(idx(csr, 'User:u'), idx(csr, 'Item:t'), o).map((p) => names(csr, p.nodes)[2]);
    // Uncapped (5 edges ≤ maxExpand): every rater of both, best first (h → v6 carries 3/13, → v2 2/13, → v7 1/13).
    expect(through({})).toEqual(['User:v6', 'User:v2', 'User:v7']);
    expect(through({ maxExpand: 5 })).toEqual(through({}));
    // Three strongest of h: u and v6 (3), then v1 before v2 (both 2, v1 has the lower position): only v6 reaches t.
    expect(through({ maxExpand: 3 })).toEqual(['User:v6']);
    // Four: v2 is kept too, with the score it has uncapped.
    const four = f.find(idx(csr, 'User:u'), idx(csr, 'Item:t'), { maxExpand: 4 });
    expect(four.map((p) => names(csr, p.nodes)[2])).toEqual(['User:v6', 'User:v2']);
    expect(four[1]!.score).toBe(f.find(idx(csr, 'User:u'), idx(csr, 'Item:t'))[1]!.score);
    expect(() => f.find(0, 1, { maxExpand: 0 })).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('offers a hub target’s maxExpand strongest edges only on the first backward hop', () => {
    // u rated h 4; h is rated by v1..v4 (4 each). Target t is rated by v1 5, v2 4, v3 3, v4 2 and by w1..w3 (5 each,
    // nothing else). Steps towards t (effective ratings, floor 2): w 3/3, v1 3/5, v2 2/4, v3 1/3, v4 0 (no step).
    const vs = ['v1', 'v2', 'v3', 'v4'] as const;
    const ws = ['w1', 'w2', 'w3'] as const;
    const edge = (v: string, item: string, r: number) => [`User:${v}`, `Item:${item}`, INTERACTION_RELATION, r] as [string, string, string, number];
    const csr = tinyCsr(
      [...['u', ...vs, ...ws].map((id) => [`User:${id}`, 0] as [string, 0]), ['Item:h', 1], ['Item:t', 1]],
      [INTERACTION_RELATION],
      [edge('u', 'h', 4), ...vs.map((v) => edge(v, 'h', 4)), ...vs.map((v, j) => edge(v, 't', 5 - j)), ...ws.map((w) => edge(w, 't', 5))],
    );
    const f = createPathFinder(csr, buildTransition(csr), { ...CLASSIC, maxNodeReuse: 3, maxHops: 3 });
    const find = (o: object) => f.find(idx(csr, 'User:u'), idx(csr, 'Item:t'), o);
    const through = (o: object) => find(o).map((p) => names(csr, p.nodes)[2]);
    // Uncapped: through v1, v2, v3 (best first); t has 7 edges, h 5.
    expect(through({})).toEqual(['User:v1', 'User:v2', 'User:v3']);
    expect(through({ maxExpand: 7 })).toEqual(through({}));
    // Five strongest of t towards it: w1..w3, v1, v2 — v3 is left out; the kept paths keep their scores.
    const capped = find({ maxExpand: 5 });
    expect(capped.map((p) => names(csr, p.nodes)[2])).toEqual(['User:v1', 'User:v2']);
    expect(capped.map((p) => p.score)).toEqual(find({}).slice(0, 2).map((p) => p.score));
  });

  it('takes a hub seed’s maxExpand strongest first steps only, and its edge to the target whatever its strength', () => {
    // Entity e (a cold-start seed) links a 5, b 4, y 4, c 3, t 3; u rated the same; w rated a, b, c and x 5.
    // Paths e → a|b|c → w → x and u → a|b|c → w → x (y leads nowhere).
    const link = (from: string, item: string, relation: string, weight: number) => [from, `Item:${item}`, relation, weight] as [string, string, string, number];
    const firsts: Array<[string, number]> = [['a', 5], ['b', 4], ['c', 3], ['t', 3]];
    const csr = tinyCsr(
      [['User:u', 0], ['User:w', 0], ...['a', 'b', 'c', 'x', 't', 'y'].map((id) => [`Item:${id}`, 1] as [string, 1]), ['Entity:e', 2]],
      [INTERACTION_RELATION, 'about'],
      [
        ...[...firsts, ['y', 4] as [string, number]].map(([i, r]) => link('User:u', i, INTERACTION_RELATION, r)),
        ...[...firsts, ['y', 4] as [string, number]].map(([i, r]) => link('Entity:e', i, 'about', r)),
        ...['a', 'b', 'c', 'x'].map((i) => link('User:w', i, INTERACTION_RELATION, 5)),
      ],
    );
    const t = buildTransition(csr);
    const options = { ...CLASSIC, maxNodeReuse: 3, maxHops: 3 };
    const uncapped = createPathFinder(csr, t, options);
    const capped = createPathFinder(csr, t, { ...options, maxExpand: 3 });
    const [e, u, x, direct] = [idx(csr, 'Entity:e'), idx(csr, 'User:u'), idx(csr, 'Item:x'), idx(csr, 'Item:t')];
    const through = (f: typeof capped, source: number) => f.find(source, x).map((p) => names(csr, p.nodes)[1]);
    expect(through(uncapped, e)).toEqual(['Item:a', 'Item:b', 'Item:c']);
    // e has 5 edges > 3: its first hop keeps a, b and y (c and t are weaker); the kept paths keep their scores.
    expect(through(capped, e)).toEqual(['Item:a', 'Item:b']);
    expect(capped.find(e, x).map((p) => p.score)).toEqual(uncapped.find(e, x).slice(0, 2).map((p) => p.score));
    // A user's first hop is never cut (u has 5 edges > 3).
    expect(through(capped, u)).toEqual(['Item:a', 'Item:b', 'Item:c']);
    // t is not among e's strongest first steps, but e → t is a path; also right after a forward side built for x.
    for (const f of [capped, createPathFinder(csr, t, { ...options, maxExpand: 3 })]) {
      f.find(e, x);
      expect(names(csr, f.find(e, direct)[0]!.nodes)).toEqual(['Entity:e', 'Item:t']);
      expect(f.find(e, direct)[0]!.score).toBe(uncapped.find(e, direct)[0]!.score);
    }
  });

  it('returns nothing for unconnected or identical ends and guards its options', () => {
    expect(finder.find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'User:ann'))).toEqual([]);
    expect(finder.find(idx(MOVIES, 'User:ann'), idx(MOVIES, 'Item:blade'), { maxHops: 1 })).toEqual([]);
    for (const bad of [{ maxHops: 5 }, { maxHops: 0 }, { perNode: 0 }, { damping: 0 }, { hubExponent: -1 }, { maxNodeReuse: 0 }]) {
      expect(() => finder.find(0, 2, bad)).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
    try {
      finder.find(0, 99);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'BAD_REQUEST')).toBe(true);
    }
  });

  it('finds what an exhaustive search over every simple path finds, on small random graphs with every kind of link', () => {
    // Without the score's extras (unrated weights, no bonus, no hub or rarity factor, no affinity) a path's score is
    // d^L · Π w(edge) / W(node it leaves), and with beams wider than any node's partial paths the search is exact.
    const EXACT = { rated: false, knowledgeBonus: 1, relationBonus: {}, hubDegree: 1e9, rareDegree: 1, affinityExponent: 0, perNode: 16, maxExpand: 1e6 } as const;
    let compared = 0;
    let fourHops = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const rng = createRng(seed);
      const nodes: Array<[string, 0 | 1 | 2]> = [
        ...Array.from({ length: 5 }, (_, j): [string, 0] => [`User:u${j}`, 0]),
        ...Array.from({ length: 6 }, (_, j): [string, 1] => [`Item:i${j}`, 1]),
        ...Array.from({ length: 4 }, (_, j): [string, 2] => [`Entity:e${j}`, 2]),
      ];
      const pick = (prefix: string, count: number) => `${prefix}${rng.int(count)}`;
      // Every seed has interactions and item–entity links; odd seeds also entity–entity, item–item and user–entity links.
      const kinds: Array<[string, string, string, number]> = [
        ['User:u', 'Item:i', INTERACTION_RELATION, 12],
        ['Item:i', 'Entity:e', 'about', 7],
        ...(seed % 2 === 1 ? ([['Entity:e', 'Entity:e', 'partner', 3], ['Item:i', 'Item:i', 'sequel', 3], ['User:u', 'Entity:e', 'follows', 3]] as Array<[string, string, string, number]>) : []),
      ];
      const seen = new Set<string>();
      const edges: Array<[string, string, string, number]> = [];
      for (const [from, to, relation, count] of kinds) {
        for (let k = 0; k < count; k++) {
          const a = pick(from, from.startsWith('User') ? 5 : from.startsWith('Item') ? 6 : 4);
          const b = pick(to, to.startsWith('User') ? 5 : to.startsWith('Item') ? 6 : 4);
          const key = [a, b].sort().join('|');
          if (a === b || seen.has(key)) continue;
          seen.add(key);
          edges.push([a, b, relation, 0.5 + 4.5 * rng.float()]);
        }
      }
      const relations = [INTERACTION_RELATION, 'about', 'partner', 'sequel', 'follows'];
      const csr = tinyCsr(nodes, relations, edges);
      const t = buildTransition(csr);
      const f = createPathFinder(csr, t, EXACT);
      // Every edge at each node, in both directions, with the step probability of walking it away from that node.
      const adjacent = (x: number): Array<{ y: number; p: number }> => {
        const out: Array<{ y: number; p: number }> = [];
        for (let e = csr.outStarts[x]!; e < csr.outStarts[x + 1]!; e++) out.push({ y: csr.outTargets[e]!, p: csr.outWeights[e]! / t.strength[x]! });
        for (let e = csr.inStarts[x]!; e < csr.inStarts[x + 1]!; e++) out.push({ y: csr.inSources[e]!, p: csr.inWeights[e]! / t.strength[x]! });
        return out;
      };
      for (let u = 0; u < 5; u++) {
        for (let i = 5; i < 11; i++) {
          const all: Array<{ nodes: number[]; score: number }> = [];
          const walk = (path: number[], score: number): void => {
            const x = path.at(-1)!;
            if (x === i) return void all.push({ nodes: path, score });
            if (path.length === 5) return;
            for (const { y, p } of adjacent(x)) if (!path.includes(y)) walk([...path, y], score * 0.85 * p);
          };
          walk([u], 1);
          all.sort((a, b) => b.score - a.score);
          const used = new Set<number>();
          const expected: Array<{ nodes: number[]; score: number }> = [];
          for (const c of all) {
            if (expected.length === 3) break;
            const inner = c.nodes.slice(1, -1);
            if (inner.some((x) => used.has(x))) continue;
            inner.forEach((x) => used.add(x));
            expected.push(c);
          }
          const found = f.find(u, i);
          expect(found.map((p) => names(csr, p.nodes))).toEqual(expected.map((p) => names(csr, p.nodes)));
          found.forEach((p, j) => expect(p.score).toBeCloseTo(expected[j]!.score, 12));
          compared++;
          if (found.some((p) => p.nodes.length === 5)) fourHops++;
        }
      }
    }
    expect(compared).toBe(12 * 5 * 6);
    expect(fourHops).toBeGreaterThan(20);
  });

  it('gives every target of a scope the paths it gets without one, on random graphs with hubs and ties', () => {
    // Small beams and hub caps (so the beams and the strongest lists are what decides), integer weights (ties), the
    // default scoring otherwise. Each user's scope is asked in turn, then an item outside it, then the scope again.
    const OPTIONS = { perNode: 2, maxExpand: 4, hubDegree: 3 } as const;
    let compared = 0;
    let fourHops = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const rng = createRng(100 + seed);
      const counts = { User: 14, Item: 12, Entity: 6 } as const;
      const nodes: Array<[string, 0 | 1 | 2]> = [
        ...Array.from({ length: counts.User }, (_, j): [string, 0] => [`User:u${j}`, 0]),
        ...Array.from({ length: counts.Item }, (_, j): [string, 1] => [`Item:i${j}`, 1]),
        ...Array.from({ length: counts.Entity }, (_, j): [string, 2] => [`Entity:e${j}`, 2]),
      ];
      // Every seed has interactions and item–entity links; odd seeds also entity–entity, item–item and user–entity links.
      const links: Array<[keyof typeof counts, keyof typeof counts, string, number]> = [
        ['User', 'Item', INTERACTION_RELATION, 70],
        ['Item', 'Entity', 'about', 20],
        ...(seed % 2 === 1 ? ([['Entity', 'Entity', 'partner', 6], ['Item', 'Item', 'sequel', 6], ['User', 'Entity', 'follows', 8]] as Array<[keyof typeof counts, keyof typeof counts, string, number]>) : []),
      ];
      const prefix = { User: 'User:u', Item: 'Item:i', Entity: 'Entity:e' } as const;
      const seen = new Set<string>();
      const edges: Array<[string, string, string, number]> = [];
      for (const [from, to, relation, count] of links) {
        for (let k = 0; k < count; k++) {
          const a = `${prefix[from]}${rng.int(counts[from])}`;
          const b = `${prefix[to]}${rng.int(counts[to])}`;
          const key = [a, b].sort().join('|');
          if (a === b || seen.has(key)) continue;
          seen.add(key);
          edges.push([a, b, relation, 1 + rng.int(5)]);
        }
      }
      const csr = tinyCsr(nodes, [INTERACTION_RELATION, 'about', 'partner', 'sequel', 'follows'], edges);
      const t = buildTransition(csr);
      const whole = createPathFinder(csr, t, OPTIONS);
      const scoped = createPathFinder(csr, t, OPTIONS);
      const items = Array.from({ length: counts.Item }, (_, j) => idx(csr, `Item:i${j}`));
      for (let u = 0; u < counts.User; u++) {
        const shuffled = [...items].sort(() => rng.float() - 0.5);
        const scope = shuffled.slice(0, 4);
        for (const target of [...scope, shuffled[5]!, ...scope]) {
          const expected = whole.find(u, target);
          const found = scoped.find(u, target, {}, scope);
          expect(found.map((p) => [names(csr, p.nodes), p.edges, p.score])).toEqual(expected.map((p) => [names(csr, p.nodes), p.edges, p.score]));
          compared++;
          if (found.some((p) => p.nodes.length === 5)) fourHops++;
        }
      }
    }
    expect(compared).toBe(16 * 14 * 9);
    expect(fourHops).toBeGreaterThan(100);
  });
});
