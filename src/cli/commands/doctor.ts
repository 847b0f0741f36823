/**
 * @module cli/commands/doctor
 * `graphrec doctor`: finds stored interaction edges outside the configured bounds (core/bounds: a rating off the
 * scale, a negative, non-finite or oversized weight — written by an old version or by hand in Cypher). A start skips
 * such edges and counts them (log, `/v1/health/ready`); doctor lists exactly those (the same statement and predicate
 * as the projection read). `--fix` repairs them in one write transaction: `delete` (the default) removes each edge;
 * `clamp` moves a finite weight into [0, maxWeight] and a finite rating into the scale, and deletes an edge whose
 * value is not a finite number (NaN, ±Infinity, text), since it has no nearest valid value. The InteractionEvent log
 * is not touched. Prints JSON (or CSV rows with `--format csv`); exit code 0 either way.
 */
import { AppError } from '../../core/errors.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase } from '../../store/open.ts';
import { repairInvalidInteractions, scanInvalidInteractions, type InvalidInteraction, type RepairMode } from '../../store/projection-reader.ts';
import { parseFlags, type Command } from '../command.ts';
import { parseFormat, printResult } from '../output.ts';

/** `--fix` / `--fix=delete` / `--fix=clamp` → the repair mode, or undefined (list only). */
export function parseFix(raw: string | undefined): RepairMode | undefined {
  if (raw === undefined) return undefined;
  if (raw === '' || raw === 'delete') return 'delete';
  if (raw === 'clamp') return 'clamp';
  throw new AppError('BAD_REQUEST', `--fix must be delete or clamp (got ${JSON.stringify(raw)})`);
}

function row(edge: InvalidInteraction & { action?: string; newWeight?: number; newRating?: number | null }): Record<string, unknown> {
  return { user: edge.userId, item: edge.itemId, kind: edge.kind, weight: String(edge.weight), rating: edge.rating == null ? null : String(edge.rating), problem: edge.problem, action: edge.action ?? '', newWeight: edge.newWeight ?? '', newRating: edge.newRating ?? '' };
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'list stored interactions outside the configured bounds (what a start skips); --fix deletes or clamps them',
  help: `usage: graphrec doctor [--fix[=delete|clamp]] [--format json|csv]

  Checks every stored INTERACTED edge against the bounds (GRAPHREC_RATING_MIN / GRAPHREC_RATING_MAX /
  GRAPHREC_MAX_WEIGHT, config 'bounds'): rating on the scale, weight finite, >= 0 and <= the maximum.
  (no flag)        list the invalid edges; nothing is changed
  --fix            delete them (one write transaction)
  --fix=clamp      clamp a finite weight into [0, max] and a finite rating into the scale; delete the rest
  --format F       json (default) or csv`,
  async run(argv) {
    // `--fix` alone: parseArgs wants a value for a string option, so the bare flag becomes `--fix=delete`.
    const { values } = parseFlags(normalizeFixFlag(argv), { fix: { type: 'string' }, format: { type: 'string' } });
    return runDoctor(values.fix, values.format);
  },
};

async function runDoctor(fixRaw: string | undefined, formatRaw: string | undefined): Promise<void> {
  const format = parseFormat(formatRaw);
  const mode = parseFix(fixRaw);
  const cfg = loadConfig();
  const db = await openDatabase(cfg, { ownModelOnly: 'graphrec doctor' });
  try {
    if (mode === undefined) {
      const report = await scanInvalidInteractions(db, { bounds: cfg.bounds });
      printResult(format, { bounds: cfg.bounds, invalidInteractions: report.count, edges: report.samples }, report.samples.map((e) => row(e)), ['user', 'item', 'kind', 'weight', 'rating', 'problem']);
    } else {
      const report = await repairInvalidInteractions(db, mode, { bounds: cfg.bounds });
      printResult(format, { bounds: cfg.bounds, mode, ...report }, report.repaired.map((e) => row(e)), ['user', 'item', 'kind', 'weight', 'rating', 'problem', 'action', 'newWeight', 'newRating']);
    }
  } finally {
    await db.close();
  }
}

/** Normalizes `--fix` without a value into `--fix=delete` (node:util.parseArgs needs a value for string options). */
export function normalizeFixFlag(argv: string[]): string[] {
  return argv.map((arg, i) => (arg === '--fix' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')) ? '--fix=delete' : arg));
}
