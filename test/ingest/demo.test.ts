import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DataRecord } from '../../src/core/model.ts';
import { createDemoSource, DEMO_DEFAULTS, DemoRng, demoRows, generateDemoCatalogue } from '../../src/ingest/demo.ts';
import { rowsOf, type ParsedRow } from '../../src/ingest/source.ts';

async function rows(seed: number): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for (const f of createDemoSource({ seed }).files) for await (const r of rowsOf(f)) out.push(r);
  return out;
}

describe('DemoRng', () => {
  it('is deterministic per seed and uniform enough', () => {
    const a = new DemoRng(7);
    const b = new DemoRng(7);
    const c = new DemoRng(8);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
    const r = new DemoRng(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) {
      const k = r.int(10);
      buckets[k] = (buckets[k] ?? 0) + 1;
    }
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 50_000; i += 1) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / 50_000)).toBeLessThan(0.03);
    expect(Math.abs(s2 / 50_000 - 1)).toBeLessThan(0.05);
  });
});

describe('demo catalogue', () => {
  it('is identical for the same seed and different for another', async () => {
    const digest = (rs: ParsedRow[]) => createHash('sha256').update(JSON.stringify(rs)).digest('hex');
    const first = await rows(42);
    const second = await rows(42);
    expect(digest(second)).toBe(digest(first));
    expect(second.slice(0, 1500)).toEqual(first.slice(0, 1500));
    expect(digest(await rows(43))).not.toBe(digest(first));
  });

  it('has the documented size and an in-memory file named demo:<seed> with consecutive row numbers', async () => {
    const src = createDemoSource({ seed: 5 });
    expect(src.format).toBe('demo');
    expect(src.files.map((f) => f.path)).toEqual(['demo:5']);
    const rs = await rows(5);
    expect(rs.every((r, i) => r.ok && r.pos.file === 'demo:5' && r.pos.line === i + 1)).toBe(true);
    const recs = rs.flatMap((r) => (r.ok ? r.records : []));
    const count = (t: DataRecord['type']) => recs.filter((r) => r.type === t).length;
    expect(count('user')).toBe(DEMO_DEFAULTS.users);
    expect(count('item')).toBe(DEMO_DEFAULTS.items);
    expect(count('entity')).toBe(18 + DEMO_DEFAULTS.directors + DEMO_DEFAULTS.actors + DEMO_DEFAULTS.studios + 54);
    expect(count('interaction')).toBeGreaterThanOrEqual(30_000);
    expect(count('interaction')).toBeLessThanOrEqual(60_000);
    const kinds = new Set(recs.flatMap((r) => (r.type === 'entity' ? [r.value.kind] : [])));
    expect([...kinds].sort()).toEqual(['company', 'genre', 'person', 'tag']);
    const relations = new Set(recs.flatMap((r) => (r.type === 'knowledge' ? [r.value.relation] : [])));
    expect([...relations].sort()).toEqual(['director', 'genre', 'starring', 'studio', 'tag']);
  });

  it('emits every node before the first edge that references it, titles and names are unique', async () => {
    const recs = (await rows(42)).flatMap((r) => (r.ok ? r.records : []));
    const seen = new Set<string>();
    const dangling: string[] = [];
    for (const r of recs) {
      if (r.type === 'user') seen.add(`User:${r.value.id}`);
      else if (r.type === 'item') seen.add(`Item:${r.value.id}`);
      else if (r.type === 'entity') seen.add(`Entity:${r.value.id}`);
      else if (r.type === 'interaction') {
        if (!seen.has(`User:${r.value.userId}`) || !seen.has(`Item:${r.value.itemId}`)) dangling.push(`${r.value.userId}->${r.value.itemId}`);
      } else if (!seen.has(`${r.value.head.kind}:${r.value.head.id}`) || !seen.has(`${r.value.tail.kind}:${r.value.tail.id}`)) {
        dangling.push(`${r.value.head.id}-${r.value.relation}->${r.value.tail.id}`);
      }
    }
    expect(dangling).toEqual([]);
    const titles = recs.flatMap((r) => (r.type === 'item' ? [r.value.title] : []));
    expect(new Set(titles).size).toBe(titles.length);
    const people = recs.flatMap((r) => (r.type === 'entity' && r.value.kind === 'person' ? [r.value.name] : []));
    expect(new Set(people).size).toBe(people.length);
  });

  it('has valid ratings, time-ordered within the configured window, each pair once', () => {
    const cat = generateDemoCatalogue({ seed: 3 });
    const end = DEMO_DEFAULTS.startTs + DEMO_DEFAULTS.spanDays * 86_400;
    const pairs = new Set<string>();
    const problems: string[] = [];
    let prev = -Infinity;
    for (const x of cat.interactions) {
      const r = x.rating as number;
      const ts = x.ts as number;
      if (!Number.isInteger(r) || r < 1 || r > 5 || x.weight !== r) problems.push(`rating ${r} weight ${x.weight}`);
      if (ts < DEMO_DEFAULTS.startTs || ts >= end || ts < prev) problems.push(`ts ${ts}`);
      prev = ts;
      pairs.add(`${x.userId}|${x.itemId}`);
    }
    expect(problems).toEqual([]);
    expect(pairs.size).toBe(cat.interactions.length);
    const hist = [1, 2, 3, 4, 5].map((v) => cat.interactions.filter((x) => x.rating === v).length);
    for (const h of hist) expect(h).toBeGreaterThan(0.03 * cat.interactions.length);
  });

  it('plants taste: users pick and rate their favourite genres and directors higher', () => {
    const cat = generateDemoCatalogue({ seed: 42 });
    const genresOf = new Map(cat.items.map((it, i) => [it.id, (cat.itemKnowledge[i] ?? []).filter((k) => k.relation === 'genre').map((k) => k.tail.id.slice('demo:genre:'.length))]));
    const directorOf = new Map(cat.items.map((it, i) => [it.id, (cat.itemKnowledge[i] ?? []).find((k) => k.relation === 'director')?.tail.id]));
    const userIndex = new Map(cat.users.map((u, i) => [u.id, i]));
    let inFav = 0;
    let favSum = 0;
    let otherSum = 0;
    let favDirSum = 0;
    let favDirN = 0;
    let all = 0;
    for (const x of cat.interactions) {
      const u = userIndex.get(x.userId) as number;
      const fav = (genresOf.get(x.itemId) ?? []).some((g) => cat.latent.favouriteGenres[u]?.includes(g));
      if (fav) {
        inFav += 1;
        favSum += x.rating as number;
      } else otherSum += x.rating as number;
      if (cat.latent.favouriteDirectors[u]?.includes(directorOf.get(x.itemId) as string)) {
        favDirSum += x.rating as number;
        favDirN += 1;
      }
      all += x.rating as number;
    }
    const n = cat.interactions.length;
    // Share of the catalogue in each user's favourite genres, averaged over users (what random picks would give).
    let baseline = 0;
    for (const favs of cat.latent.favouriteGenres) {
      baseline += cat.items.filter((it) => (genresOf.get(it.id) ?? []).some((g) => favs.includes(g))).length / cat.items.length;
    }
    baseline /= cat.users.length;
    expect(inFav / n).toBeGreaterThan(1.5 * baseline);
    expect(favSum / inFav - otherSum / (n - inFav)).toBeGreaterThan(0.8);
    expect(favDirN).toBeGreaterThan(1000);
    expect(favDirSum / favDirN).toBeGreaterThan(all / n + 0.8);
  });

  it('scales down and rejects invalid options with BAD_REQUEST', () => {
    const small = generateDemoCatalogue({ seed: 1, users: 10, items: 30, meanRatingsPerUser: 5, minRatingsPerUser: 3 });
    expect(small.users.length).toBe(10);
    expect(small.items.length).toBe(30);
    expect(demoRows(small).length).toBe(small.entities.length + 10 + 30 + small.interactions.length);
    expect(() => createDemoSource({ users: 0 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createDemoSource({ seed: 1.5 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createDemoSource({ minRatingsPerUser: 50, maxRatingsPerUser: 10 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
