/**
 * @module cli/commands/explain
 * `graphrec explain --user <id> --item <id>`: the evidence (ranked paths, similar items/users), the deterministic
 * text and the explanation (LLM when verified, else the template) for one pair, as JSON.
 * `--check "TEXT"` instead applies the check that gates serving (explain/verify/verify) to TEXT for that pair's
 * evidence and prints `{ verdict: "served" | "rejected", reason, clauses }`; it exits 0 either way. Outside checks
 * call this form: keep it stable.
 */
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { bootEngine } from '../../engine/boot.ts';
import { openDatabase } from '../../store/open.ts';
import { parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';
import { resolveNodeId } from '../../project/resolve-id.ts';
import { verifyExplanation } from '../../explain/verify/verify.ts';
import { TEXT_STYLES, type TextStyle } from '../../explain/text.ts';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'why an item suits a user: evidence paths, facts and the (grounded) explanation',
  help: `usage: graphrec explain --user ID --item ID [--no-llm] [--style short|full] [--check TEXT] [--format json|csv]

  --user ID    graph id (ml100k:u:1) or bare dataset id (1) when one dataset has it
  --item ID    graph id (ml100k:i:50) or bare dataset id (50)
  --no-llm     serve the deterministic text only (else as explain.llm / GRAPHREC_EXPLAIN_LLM decides)
  --style S    template style: short (one or two sentences, default) or full (every fact)
  --check TEXT verify TEXT as if a model had written it: prints verdict (served|rejected),
               reason and the verdict of each clause; exit 0 either way
  --format F   json (default) or csv (one line per evidence path: rank,score,path,relations)
  --quiet      no info logs on stderr`,
  async run(argv) {
    const { values } = parseFlags(argv, { user: { type: 'string' }, item: { type: 'string' }, 'no-llm': { type: 'boolean' }, check: { type: 'string' }, format: { type: 'string' }, style: { type: 'string' } });
    const style = values.style ?? 'short';
    if (!(TEXT_STYLES as readonly string[]).includes(style)) throw new AppError('BAD_REQUEST', `--style must be ${TEXT_STYLES.join(' or ')} (got ${JSON.stringify(style)})`);
    const format = parseFormat(values.format);
    if (!values.user || !values.item) throw new AppError('BAD_REQUEST', 'give --user and --item');
    const cfg = loadConfig();
    const db = await openDatabase(cfg);
    try {
      const check = values.check;
      const engine = await bootEngine(db, cfg, { llm: !values['no-llm'] && check === undefined });
      try {
        const user = resolveNodeId(engine.context.csr, 'User', values.user);
        const item = resolveNodeId(engine.context.csr, 'Item', values.item);
        if (check !== undefined) {
          const result = verifyExplanation(check, engine.evidence({ user, item }), engine.names);
          const verdict = result.ok ? 'served' : 'rejected';
          const rows = result.clauses.map((c) => ({ clause: c.text, verdict: c.verdict, detail: c.triple ?? c.reason ?? '' }));
          printResult(format, { user, item, text: check, verdict, reason: result.reason ?? 'every clause verified', clauses: result.clauses }, rows, ['clause', 'verdict', 'detail']);
          return;
        }
        const result = await engine.explain({ user, item }, 'text', undefined, { style: style as TextStyle });
        const rows = (result.evidence?.paths ?? []).map((p, rank) => ({ rank: rank + 1, score: Number(p.score.toPrecision(4)), path: p.nodes.map((n) => n.label).join(' → '), relations: p.edges.map((e) => e.relation).join(' → ') }));
        printResult(format, { user, item, ...result }, rows, ['rank', 'score', 'path', 'relations']);
      } finally {
        await engine.close();
      }
    } finally {
      await db.close();
    }
  },
};
