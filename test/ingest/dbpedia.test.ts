import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';
import type { DataRecord } from '../../src/core/model.ts';
import { dbpediaDisplayName, dbpediaEntityId, readDbpedia } from '../../src/ingest/formats/dbpedia.ts';
import { rowsOf, type DatasetSource, type ParsedRow } from '../../src/ingest/source.ts';

const root = mkdtempSync(join(tmpdir(), 'graphrec-dbpedia-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rows(src: DatasetSource): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for (const f of src.files) for await (const r of rowsOf(f)) out.push(r);
  return out;
}

const R = 'http://dbpedia.org/resource/';
const HEADER = 'item_id::string,abstract::string,producer::string_list,distributor::string_list,writer::string_list,cinematography::string_list,subject::string_list,starring::string_list,director::string_list';

function fixture(name: string, lines: string[]): string {
  const d = join(root, name);
  mkdirSync(d);
  writeFileSync(join(d, 'enriched.csv'), [HEADER, ...lines].join('\n') + '\n');
  return d;
}

describe('readDbpedia', () => {
  const d = fixture('ok', [
    // line 2–4: a quoted multi-line abstract with commas and escaped quotes; `::` lists; a repeated URI within a cell.
    `1,"Toy Story is a ""buddy"" film,`,
    `made by Pixar.`,
    `The end.",${R}Bonnie_Arnold,${R}Walt_Disney_Pictures,${R}Joss_Whedon::${R}Andrew_Stanton,,${R}Category:1995_films::${R}Category:Pixar_films,${R}Tom_Hanks::${R}Tim_Allen::${R}Tom_Hanks,${R}John_Lasseter`,
    // line 5: Miramax is a producer here but a distributor twice overall → company by vote.
    `2,short,${R}Miramax,${R}Miramax,,,,${R}Tom_Wilkinson_(English_actor),${R}John_Lasseter`,
    `3,x,,${R}Miramax,,,,${R}Kenneth_%22Babyface%22_Edmonds,`,
    // line 7: non-numeric item id.
    `abc,x,,,,,,,`,
    // line 8: wrong column count.
    `4,x,,`,
  ]);

  it('splits `::` lists after CSV parsing and emits new entities before the row’s edges', async () => {
    const rs = await rows(readDbpedia(d));
    expect(rs.map((r) => [r.pos.line, r.ok])).toEqual([[2, true], [5, true], [6, true], [7, false], [8, false]]);
    const first = rs[0];
    if (!first?.ok) throw new Error('row 2 should parse');
    const types = first.records.map((r) => r.type);
    expect(types.lastIndexOf('entity')).toBeLessThan(types.indexOf('knowledge'));
    const edges = first.records.flatMap((r) => (r.type === 'knowledge' ? [`${r.value.relation} ${r.value.tail.id}`] : []));
    expect(edges).toEqual([
      'producer dbpedia:Bonnie_Arnold',
      'distributor dbpedia:Walt_Disney_Pictures',
      'writer dbpedia:Joss_Whedon',
      'writer dbpedia:Andrew_Stanton',
      'subject dbpedia:Category:1995_films',
      'subject dbpedia:Category:Pixar_films',
      'starring dbpedia:Tom_Hanks',
      'starring dbpedia:Tim_Allen',
      'director dbpedia:John_Lasseter',
    ]);
    for (const r of first.records) if (r.type === 'knowledge') expect(r.value.head).toEqual({ kind: 'Item', id: 'ml100k:i:1' });
  });

  it('emits each entity once, with kind by relation (majority vote) and a readable name', async () => {
    const rs = await rows(readDbpedia(d));
    const entities = rs.flatMap((r) => (r.ok ? r.records : [])).filter((r): r is Extract<DataRecord, { type: 'entity' }> => r.type === 'entity');
    const byId = new Map(entities.map((e) => [e.value.id, e.value]));
    expect(entities.length).toBe(byId.size);
    expect(byId.size).toBe(12);
    expect(byId.get('dbpedia:Miramax')).toEqual({ id: 'dbpedia:Miramax', kind: 'company', name: 'Miramax' });
    expect(byId.get('dbpedia:Category:1995_films')).toEqual({ id: 'dbpedia:Category:1995_films', kind: 'category', name: '1995 films' });
    expect(byId.get('dbpedia:Tom_Wilkinson_(English_actor)')).toEqual({ id: 'dbpedia:Tom_Wilkinson_(English_actor)', kind: 'person', name: 'Tom Wilkinson' });
    expect(byId.get('dbpedia:Kenneth_%22Babyface%22_Edmonds')?.name).toBe('Kenneth "Babyface" Edmonds');
    const knowledge = rs.flatMap((r) => (r.ok ? r.records : [])).filter((r) => r.type === 'knowledge');
    expect(knowledge.length).toBe(9 + 4 + 2);
  });

  it('reports bad rows with reasons', async () => {
    const errs = (await rows(readDbpedia(d))).flatMap((r) => (r.ok ? [] : [r.reason]));
    expect(errs[0]).toMatch(/item_id "abc" is not an integer/);
    expect(errs[1]).toMatch(/wrong column count: expected 9, got 4/);
  });

  it('names ids and display names by the documented scheme', () => {
    expect(dbpediaEntityId(`${R}Ridley_Scott`)).toBe('dbpedia:Ridley_Scott');
    expect(dbpediaEntityId('http://www.imdb.com/name/nm0700641/')).toBe('dbpedia:http://www.imdb.com/name/nm0700641/');
    expect(dbpediaDisplayName(`${R}Christopher_Neame_(writer/producer)`)).toBe('Christopher Neame');
    expect(dbpediaDisplayName(`${R}(500)_Days_of_Summer`)).toBe('(500) Days of Summer');
    expect(dbpediaDisplayName(`${R}Pedro_Almod%C3%B3var`)).toBe('Pedro Almodóvar');
    expect(dbpediaDisplayName(`${R}100%_bad`)).toBe('100% bad');
  });

  it('throws BAD_REQUEST for a missing file or a header without the needed columns', async () => {
    let caught: unknown;
    try {
      readDbpedia(join(root, 'nowhere'));
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught, 'BAD_REQUEST')).toBe(true);
    const bad = join(root, 'bad-header');
    mkdirSync(bad);
    writeFileSync(join(bad, 'enriched.csv'), 'id,abstract\n1,x\n');
    await expect(rows(readDbpedia(bad))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
