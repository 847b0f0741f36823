/**
 * @module cli/main
 * `graphrec <command> [options]`: dispatches to the registered commands. Every command answers `--help`; bad input
 * exits 2 and any other failure exits 1, each with ONE line on stderr (`graphrec <command>: <CODE>: <message>`, no
 * stack — `--debug` adds it); a job stopped by Ctrl-C (INTERRUPTED, after it saved its state) exits 130. `--quiet` (any position) keeps the JSON log lines of info level off stderr, so a
 * notebook sees only the result on stdout and, on failure, the one error line on stderr.
 */
import { isAppError } from '../core/errors.ts';
import { setLogLevel } from '../core/log.ts';
import { COMMANDS } from './commands/index.ts';

/** Codes that mean "the input was wrong" (exit 2) rather than "something failed" (exit 1). */
const BAD_INPUT_CODES = new Set(['BAD_REQUEST', 'NOT_FOUND', 'CONFIG']);
/** Node system errors caused by what the user named (a missing or unreadable file, a folder given as a file). */
const BAD_INPUT_SYSCALL_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EEXIST']);

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 8);
  return [
    'usage: graphrec <command> [options]   (graphrec <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command prints JSON on stdout (CSV with --format csv); logs go to stderr (--quiet: warnings only).',
    'Exit codes: 0 ok, 2 bad input, 1 failure, 130 stopped by Ctrl-C; the error is one line on stderr (--debug adds the stack).',
  ].join('\n');
}

/** One line: whitespace runs (newlines included) collapsed. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The stderr line and exit code for an error thrown by a command. */
export function describeError(command: string, error: unknown): { line: string; exitCode: number } {
  if (isAppError(error)) {
    const exitCode = error.code === 'INTERRUPTED' ? 130 : BAD_INPUT_CODES.has(error.code) ? 2 : 1;
    return { line: `graphrec ${command}: ${error.code}: ${oneLine(error.message)}`, exitCode };
  }
  const err = error as NodeJS.ErrnoException | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = oneLine(err instanceof Error ? err.message : String(error));
  if (code && err?.syscall && BAD_INPUT_SYSCALL_CODES.has(code)) return { line: `graphrec ${command}: BAD_REQUEST: ${message}`, exitCode: 2 };
  return { line: `graphrec ${command}: INTERNAL: ${message}`, exitCode: 1 };
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  if (argv.includes('--quiet') || argv.includes('-q')) setLogLevel('warn');
  const args = argv.filter((a) => a !== '--debug' && a !== '--quiet' && a !== '-q');
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`graphrec: BAD_REQUEST: unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help.trimEnd() + '\n');
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (error) {
    const { line, exitCode } = describeError(name, error);
    process.stderr.write(line + '\n');
    if (debug && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
    return exitCode;
  }
}
