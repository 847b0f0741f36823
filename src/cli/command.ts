/**
 * @module cli/command
 * The shape of one `graphrec <command>`: a name, a one-line summary, its `--help` text and `run`. Commands print
 * results to stdout (JSON by default, CSV with `--format csv`), logs and progress to stderr, and throw `AppError` for
 * bad input — `cli/main.ts` turns that into a one-line error and a non-zero exit code.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../core/errors.ts';

export interface Command {
  name: string;
  summary: string;
  /** Full `--help` text (usage line, options with defaults). */
  help: string;
  run(argv: string[]): Promise<void>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `node:util.parseArgs` with strict checking, turning its errors into BAD_REQUEST. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    throw new AppError('BAD_REQUEST', (error as Error).message);
  }
}

/** Parses a numeric flag, or throws BAD_REQUEST naming it. */
export function numberFlag(name: string, raw: string | undefined, fallback: number, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const bad =
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    (opts.integer && !Number.isInteger(value)) ||
    (opts.min !== undefined && value < opts.min) ||
    (opts.max !== undefined && value > opts.max);
  if (bad) {
    const range =
      opts.min !== undefined && opts.max !== undefined ? ` in [${opts.min}, ${opts.max}]` : opts.min !== undefined ? ` ≥ ${opts.min}` : opts.max !== undefined ? ` ≤ ${opts.max}` : '';
    throw new AppError('BAD_REQUEST', `--${name} must be ${opts.integer ? 'an integer' : 'a number'}${range} (got ${JSON.stringify(raw)})`);
  }
  return value;
}
