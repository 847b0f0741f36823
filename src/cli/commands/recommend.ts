/**
 * @module cli/commands/recommend
 * `graphrec recommend --user <id> [--k N]` or `--users <file>`: the same `recommend` the API serves, from the engine
 * built on the configured Neo4j. JSON by default; `--format csv` prints the header `user,rank,item,title,score,via`
 * and one line per (user, item). A bare id (`--user 1`) resolves to the dataset's user (`ml100k:u:1`, see
 * `project/resolve-id.ts`). With `--users`, an unknown user does not stop the batch: its JSON entry carries `error` and it
 * has no CSV line (a warning names it on stderr); a progress bar shows on a terminal.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { loadConfig } from '../../core/config.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { bootEngine } from '../../engine/boot.ts';
import type { Engine } from '../../engine/engine.ts';
import { createProgress, type Progress } from '../../core/progress.ts';
import { STRATEGY_NAMES, type StrategyName } from '../../retrieve/strategy.ts';
import { openDatabase } from '../../store/open.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';
import { resolveNodeId } from '../../project/resolve-id.ts';

/** The CSV columns, in order (also the header of an empty result). */
export const RECOMMEND_COLUMNS = ['user', 'rank', 'item', 'title', 'score', 'via'] as const;

/** One line of the `--users` file per user id; blank lines and `#` comments are skipped. */
export function readUserList(file: string): string[] {
  if (!existsSync(file)) throw new AppError('BAD_REQUEST', `--users: no such file ${JSON.stringify(file)}`);
  if (statSync(file).isDirectory()) throw new AppError('BAD_REQUEST', `--users: ${JSON.stringify(file)} is a folder`);
  const users = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (users.length === 0) throw new AppError('BAD_REQUEST', `--users: ${JSON.stringify(file)} names no user`);
  return users;
}

export interface UserRecommendations {
  /** The user as given. */
  user: string;
  /** The graph id it resolved to. */
  userId?: string;
  strategy?: StrategyName;
  fallbackUsed?: boolean;
  items: Array<{ rank: number; id: string; title?: string; score: number; via: StrategyName }>;
  /** Batch mode: why this user has no list. */
  error?: string;
}

/** Recommendations for each user; `strict` (single user) rethrows, batch mode records the error and goes on. */
export function recommendUsers(engine: Engine, users: string[], options: { k: number; strategy: StrategyName; strict: boolean; progress?: Progress }): UserRecommendations[] {
  const out: UserRecommendations[] = [];
  users.forEach((user, n) => {
    try {
      const userId = resolveNodeId(engine.context.csr, 'User', user);
      const r = engine.recommend({ user: userId, k: options.k, strategy: options.strategy });
      out.push({
        user,
        userId,
        strategy: r.strategy,
        fallbackUsed: r.fallbackUsed,
        items: r.items.map((i) => ({ rank: i.rank, id: i.id, ...(i.title !== undefined ? { title: i.title } : {}), score: Number(i.score.toFixed(6)), via: i.via })),
      });
    } catch (error) {
      if (options.strict || !isAppError(error)) throw error;
      log.warn('recommend: user skipped', { user, code: error.code, message: error.message });
      out.push({ user, items: [], error: `${error.code}: ${error.message}` });
    }
    options.progress?.update('recommend', n + 1, users.length);
  });
  options.progress?.done();
  return out;
}

/** CSV rows: one per (user, item). */
export function recommendationRows(results: UserRecommendations[]): Array<Record<string, unknown>> {
  return results.flatMap((r) => r.items.map((i) => ({ user: r.userId ?? r.user, rank: i.rank, item: i.id, title: i.title ?? '', score: i.score, via: i.via })));
}

export const recommendCommand: Command = {
  name: 'recommend',
  summary: 'top-k recommendations for a user or a file of users (JSON or CSV)',
  help: `usage: graphrec recommend (--user ID | --users FILE) [options]

Boots the engine on the configured Neo4j (the local one unless NEO4J_URI; GRAPHREC_NEO4J_PORT / GRAPHREC_NEO4J_DATA
choose it) and ranks with the same function the API serves.

  --user ID          the user: a graph id (ml100k:u:1, demo:u:1) or a bare dataset id (1) when one dataset has it
  --users FILE       a file with one user id per line (# comments and blank lines skipped); unknown users are
                     reported (JSON "error", a warning on stderr) and the others still ranked
  --k N              items per user [10]
  --strategy S       ${STRATEGY_NAMES.join(' | ')} [hybrid]
  --format F         json (default) or csv: ${RECOMMEND_COLUMNS.join(',')}
  --quiet            no info logs on stderr

JSON: one object {user, userId, strategy, fallbackUsed, items: [{rank, id, title, score, via}]} for --user, an array
of them for --users.`,
  async run(argv) {
    const { values } = parseFlags(argv, { user: { type: 'string' }, users: { type: 'string' }, k: { type: 'string' }, strategy: { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(values.format);
    const k = numberFlag('k', values.k, 10, { integer: true, min: 1, max: 1000 });
    const strategy = (values.strategy ?? 'hybrid') as StrategyName;
    if (!STRATEGY_NAMES.includes(strategy)) throw new AppError('BAD_REQUEST', `--strategy must be one of ${STRATEGY_NAMES.join(', ')} (got ${JSON.stringify(values.strategy)})`);
    if ((values.user === undefined) === (values.users === undefined)) throw new AppError('BAD_REQUEST', 'give exactly one of --user ID or --users FILE');
    if (values.user !== undefined && values.user.trim() === '') throw new AppError('BAD_REQUEST', '--user is empty');
    const users = values.user !== undefined ? [values.user] : readUserList(values.users!);
    const cfg = loadConfig();
    const db = await openDatabase(cfg);
    try {
      const engine = await bootEngine(db, cfg, { llm: false });
      const single = values.user !== undefined;
      const results = recommendUsers(engine, users, { k, strategy, strict: single, ...(single ? {} : { progress: createProgress(process.stderr, { unit: 'users' }) }) });
      printResult(format, single ? results[0] : results, recommendationRows(results), RECOMMEND_COLUMNS);
    } finally {
      await db.close();
    }
  },
};
