/**
 * @module core/log
 * A small structured logger: JSON lines on stderr, so stdout stays clean for CLI output that notebooks parse.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: LogLevel = 'info';

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/**
 * Writes one log line to `stream` (the logger's format and level threshold; progress lines use it). On a terminal the
 * line first clears the current one, so it never lands behind a progress bar (which redraws on its next update).
 */
export function logTo(stream: NodeJS.WritableStream & { isTTY?: boolean }, level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields });
  stream.write((stream.isTTY ? '\r\x1b[2K' : '') + line + '\n');
}

function write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  logTo(process.stderr, level, msg, fields);
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};
