/**
 * @module cli/commands/generate
 * `graphrec generate`: writes a seeded synthetic dataset (power-law degrees, planted communities, a knowledge graph,
 * timestamps) in the generic ingest format, streaming to disk. See src/ingest/generate.ts and docs/scaling.md.
 */
import { AppError } from '../../core/errors.ts';
import { GENERATE_DEFAULTS, generateDataset } from '../../ingest/generate.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';

const MAX = 2_000_000_000;

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write a seeded synthetic dataset (power-law degrees, communities, knowledge graph) in the generic format',
  help: `usage: graphrec generate --users N --items M --interactions E --out DIR [options]

Writes DIR/users.csv, items.csv, entities.csv, interactions.csv, knowledge.csv (generic format, docs/data-formats.md).
Same options and seed → byte-identical files. Memory grows with users + items, not with interactions.

Options:
  --users N          users (each gets at least one interaction) [${GENERATE_DEFAULTS.users}]
  --items M          items [${GENERATE_DEFAULTS.items}]
  --interactions E   interactions, exactly (E ≥ N) [${GENERATE_DEFAULTS.interactions}]
  --knowledge K      knowledge edges (item→entity plus ${GENERATE_DEFAULTS.entityEdgeShare * 100}% entity→entity) [E / 10]
  --communities C    planted taste communities [clamp(round(sqrt(M) / 8), 4, 256)]
  --seed S           PRNG seed [${GENERATE_DEFAULTS.seed}]
  --out DIR          output folder (created; files of the same names are replaced)
  --format F         json (default) or csv for the report on stdout

Then: graphrec ingest generic:DIR (bulk import into an empty local database; see graphrec ingest --help).`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      users: { type: 'string' },
      items: { type: 'string' },
      interactions: { type: 'string' },
      knowledge: { type: 'string' },
      communities: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
    });
    const format = parseFormat(values.format);
    if (!values.out) throw new AppError('BAD_REQUEST', 'generate: --out DIR is required');
    const users = numberFlag('users', values.users, GENERATE_DEFAULTS.users, { integer: true, min: 1, max: MAX });
    const items = numberFlag('items', values.items, GENERATE_DEFAULTS.items, { integer: true, min: 2, max: MAX });
    const interactions = numberFlag('interactions', values.interactions, GENERATE_DEFAULTS.interactions, { integer: true, min: 1, max: MAX });
    const knowledge = values.knowledge === undefined ? undefined : numberFlag('knowledge', values.knowledge, 0, { integer: true, min: 0, max: MAX });
    const communities = values.communities === undefined ? undefined : numberFlag('communities', values.communities, 0, { integer: true, min: 1, max: 100_000 });
    const seed = numberFlag('seed', values.seed, GENERATE_DEFAULTS.seed, { integer: true });
    const report = generateDataset({ out: values.out, users, items, interactions, knowledge, communities, seed });
    printResult(format, report, [{ ...report }], ['out', 'seed', 'users', 'items', 'entities', 'communities', 'interactions', 'knowledge', 'seconds']);
  },
};
