/**
 * @module cli/commands/explain
 * `graphrec explain --user <id> --item <id>`: the evidence (ranked paths, similar items/users), the deterministic
 * text and the explanation (LLM when grounded, else the template) for one pair, as JSON.
 */
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { bootEngine } from '../../engine/boot.ts';
import { openDatabase } from '../../store/open.ts';
import { parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'why an item suits a user: evidence paths, facts and the (grounded) explanation',
  help: `usage: graphrec explain --user ID --item ID [--no-llm] [--format json|csv]

  --no-llm     serve the deterministic text only
  --format F   json (default) or csv (one line per evidence path)`,
  async run(argv) {
    const { values } = parseFlags(argv, { user: { type: 'string' }, item: { type: 'string' }, 'no-llm': { type: 'boolean' }, format: { type: 'string' } });
    const format = parseFormat(values.format);
    if (!values.user || !values.item) throw new AppError('BAD_REQUEST', 'give --user and --item');
    const cfg = loadConfig();
    const db = await openDatabase(cfg);
    try {
      const engine = await bootEngine(db, cfg, { llm: !values['no-llm'] });
      try {
        const result = await engine.explain({ user: values.user, item: values.item }, 'text');
        const rows = (result.evidence?.paths ?? []).map((p, rank) => ({ rank: rank + 1, score: Number(p.score.toPrecision(4)), path: p.nodes.map((n) => n.label).join(' → '), relations: p.edges.map((e) => e.relation).join(' → ') }));
        printResult(format, { user: values.user, item: values.item, ...result }, rows);
      } finally {
        await engine.close();
      }
    } finally {
      await db.close();
    }
  },
};
