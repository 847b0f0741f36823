#!/usr/bin/env node
// `npm run bench -- <name> [options]`: runs scripts/bench/<name>.ts, which prints JSON lines (the last one is the result).
import { readdirSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const [name, ...rest] = process.argv.slice(2);
const here = new URL('./bench/', import.meta.url);
const available = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [options]\n`);
  process.exit(2);
}
const mod = await import(new URL(`${name}.ts`, here).href);
await mod.main(rest);
