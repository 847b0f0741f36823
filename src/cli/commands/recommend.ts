/**
 * @module cli/commands/recommend
 * `graphrec recommend --user <id> [--k N]` or `--users <file>`: the same `recommend` the API serves, from the engine
 * built on the configured Neo4j. JSON by default; `--format csv` prints a header and one line per (user, item).
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { bootEngine } from '../../engine/boot.ts';
import { openDatabase } from '../../store/open.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';

const STRATEGIES = ['hybrid', 'ppr', 'embedding', 'popular'] as const;

export const recommendCommand: Command = {
  name: 'recommend',
  summary: 'top-k recommendations for a user or a file of users (JSON or CSV)',
  help: `usage: graphrec recommend (--user ID | --users FILE) [options]

  --user ID          graph id of the user (e.g. ml100k:u:1, demo:u:1)
  --users FILE       a file with one user id per line
  --k N              items per user [10]
  --strategy S       hybrid | ppr | embedding | popular [hybrid]
  --format F         json (default) or csv: user,rank,item,title,score,via`,
  async run(argv) {
    const { values } = parseFlags(argv, { user: { type: 'string' }, users: { type: 'string' }, k: { type: 'string' }, strategy: { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(values.format);
    const k = numberFlag('k', values.k, 10, { integer: true, min: 1, max: 1000 });
    const strategy = (values.strategy ?? 'hybrid') as (typeof STRATEGIES)[number];
    if (!STRATEGIES.includes(strategy)) throw new AppError('BAD_REQUEST', `--strategy must be one of ${STRATEGIES.join(', ')}`);
    if (!values.user === !values.users) throw new AppError('BAD_REQUEST', 'give exactly one of --user or --users');
    const users = values.user
      ? [values.user]
      : readFileSync(values.users!, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
    const cfg = loadConfig();
    const db = await openDatabase(cfg);
    try {
      const engine = await bootEngine(db, cfg, { llm: false });
      const results = users.map((user) => ({ user, ...engine.recommend({ user, k, strategy }) }));
      const rows = results.flatMap((r) => r.items.map((i) => ({ user: r.user, rank: i.rank, item: i.id, title: i.title ?? '', score: Number(i.score.toFixed(6)), via: i.via })));
      printResult(format, values.user ? results[0] : results, rows);
    } finally {
      await db.close();
    }
  },
};
