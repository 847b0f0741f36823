/**
 * @module cli/main
 * `graphrec <command> [options]`: dispatches to the registered commands; bad input exits 2 with a one-line error.
 */
import { isAppError } from '../core/errors.ts';
import { COMMANDS } from './commands/index.ts';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 8);
  return [
    'usage: graphrec <command> [options]   (graphrec <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`graphrec: unknown command ${JSON.stringify(name)}\n${usage()}\n`);
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
    if (isAppError(error)) {
      process.stderr.write(`graphrec ${name}: ${error.code}: ${error.message}\n`);
      return error.code === 'BAD_REQUEST' || error.code === 'NOT_FOUND' || error.code === 'CONFIG' ? 2 : 1;
    }
    process.stderr.write(`graphrec ${name}: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
