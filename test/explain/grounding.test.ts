import { describe, expect, it } from 'vitest';
import { buildNameIndex, checkGrounding, nameVariants, normalizeName } from '../../src/explain/grounding.ts';

const catalogue = [
  { key: 'Item:1', name: 'Alien (1979)' },
  { key: 'Item:2', name: 'Blade Runner (1982)' },
  { key: 'Item:3', name: 'Lion King, The (1994)' },
  { key: 'Item:4', name: 'It (1990)' },
  { key: 'Item:5', name: 'Gladiator (2000)' },
  { key: 'Entity:rs', name: 'Ridley Scott' },
  { key: 'Entity:hf', name: 'Harrison Ford' },
];
const index = buildNameIndex(catalogue);
const evidence = [catalogue[0]!, catalogue[1]!, catalogue[5]!];

describe('grounding', () => {
  it('normalises names and their prose forms', () => {
    expect(normalizeName('  Amélie — (2001)! ')).toBe('amelie 2001');
    expect(nameVariants('Lion King, The (1994)')).toEqual(['lion king the 1994', 'lion king the', 'the lion king', 'lion king']);
  });

  it('accepts a text naming only evidence nodes', () => {
    const r = checkGrounding('You loved Alien, and Blade Runner was also directed by Ridley Scott.', evidence, index);
    expect(r).toMatchObject({ grounded: true, outside: [], unknownQuotes: [] });
    expect(r.named.sort()).toEqual(['Entity:rs', 'Item:1', 'Item:2']);
  });

  it('rejects a text naming a catalogue node outside the evidence', () => {
    const r = checkGrounding('Like Gladiator, Blade Runner was directed by Ridley Scott and stars Harrison Ford.', evidence, index);
    expect(r.grounded).toBe(false);
    expect(r.outside.sort()).toEqual(['Entity:hf', 'Item:5']);
  });

  it('rejects a text that names nothing from the evidence, and an invented quoted title', () => {
    expect(checkGrounding('You will enjoy this great movie.', evidence, index)).toMatchObject({ grounded: false, reason: 'names nothing from the evidence' });
    const r = checkGrounding('Since you liked "Alien Resurrection Part 9", try Blade Runner.', evidence, index);
    expect(r.grounded).toBe(false);
    expect(r.unknownQuotes).toEqual(['Alien Resurrection Part 9']);
  });

  it('does not mistake everyday words for short titles', () => {
    expect(checkGrounding('It is directed by Ridley Scott, like Alien.', evidence, index).grounded).toBe(true);
  });

  it('accepts quoted evidence titles in their prose form', () => {
    expect(checkGrounding('Because you rated *Alien* highly, "Blade Runner" by Ridley Scott fits.', evidence, index).grounded).toBe(true);
  });
});

describe('prompt echo', () => {
  it('flags answers that repeat the prompt scaffolding', async () => {
    const { echoesPrompt } = await import('../../src/explain/explain.ts');
    const system = 'You write short, friendly explanations of why an item is recommended to a person.\n- Use only the facts between <facts> and </facts>.';
    expect(echoesPrompt('The facts are:\n- You rated *Alien* 5★.', system)).toBe(true);
    expect(echoesPrompt('Use only the facts between <facts> and </facts>.', system)).toBe(true);
    expect(echoesPrompt("The item you're referring to is *Alien*, directed by Ridley Scott.", system)).toBe(true);
    expect(echoesPrompt('The item is: Alien (1979)', system)).toBe(true);
    expect(echoesPrompt('You rated Alien 5 stars, and Blade Runner shares its director, Ridley Scott.', system)).toBe(false);
    expect(echoesPrompt('You write short, friendly explanations of why an item is recommended', system)).toBe(true);
    expect(echoesPrompt('Because you loved Alien, Gladiator by Ridley Scott should suit you.', system)).toBe(false);
  });
});
