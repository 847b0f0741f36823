/**
 * @module core/progress
 * The one progress reporter of long jobs (training, ingest, projection, ranking many users). On a terminal it redraws
 * one line on stderr: `train [#####.....] 42% 84/200 epoch 84 loss 0.0512 valid 0.1712 ETA 12m30s`. Anywhere else
 * (stderr is a file, a pipe, CI, a notebook) it writes JSON log lines with the same fields:
 *
 *   {"t":"…","level":"info","msg":"progress","task":"train","done":84,"total":200,"pct":42,"elapsed":812,"eta":1122,
 *    "epoch":84,"loss":0.0512,"valid":0.1712,…}
 *
 * Cadence of those lines: the first update of a task, then one per unit (an epoch, a batch of rows) once at least
 * `intervalSeconds` passed since the previous line — so fast units are summarised every `intervalSeconds` and slow ones
 * get a line each — and, inside a unit that is still running (`partial` updates), a heartbeat once `heartbeatSeconds`
 * passed, so a log never stays silent for longer than that; `done()` writes the last state. `--quiet` (log level warn)
 * silences the lines.
 *
 * @example
 *   const progress = createProgress();
 *   for (let e = 1; e <= epochs; e++) { …; progress.update('train', e, epochs, { loss }); }
 *   progress.done();
 */
import { logTo } from './log.ts';

/** Extra fields shown beside the count (`eta` in seconds overrides the estimate from done/total). */
export type ProgressFields = Record<string, number | string | null | undefined>;

export interface Progress {
  /**
   * `done` of `total` units of `label` (a new label starts a new task). `partial`: an update from inside a unit that
   * has not finished (a heartbeat; logged only when no line came for `heartbeatSeconds`).
   */
  update(label: string, done: number, total?: number, fields?: ProgressFields, partial?: boolean): void;
  /** Ends the current task: the final line (log) or a newline (terminal). */
  done(): void;
}

/**
 * Options, each with its default in brackets:
 * - intervalSeconds [30] — least time between two log lines at unit boundaries.
 * - heartbeatSeconds [60] — most time without a log line while a task runs (partial updates).
 * - redrawMs [100] — least time between two terminal redraws.
 * - unit [''] — word after the count on a terminal (`rows`, `users`).
 * - tty [stream.isTTY] — draw a terminal line (true) or write log lines (false).
 * - now [performance.now] — the clock, ms (tests).
 */
export const PROGRESS_DEFAULTS = { intervalSeconds: 30, heartbeatSeconds: 60, redrawMs: 100, unit: '' };

export interface ProgressOptions {
  intervalSeconds: number;
  heartbeatSeconds: number;
  redrawMs: number;
  unit: string;
  tty: boolean;
  now: () => number;
}

interface Snapshot {
  label: string;
  done: number;
  total: number | undefined;
  fields: ProgressFields;
}

/** `754` → `12m34s`; `4000` → `1h06m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function formatField(key: string, value: number | string): string {
  if (typeof value === 'string') return `${key} ${value}`;
  if (Number.isInteger(value)) return `${key} ${value.toLocaleString('en-US')}`;
  return `${key} ${Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(4)}`;
}

export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr, options: Partial<ProgressOptions> = {}): Progress {
  const o = { ...PROGRESS_DEFAULTS, tty: Boolean(stream.isTTY), now: () => performance.now(), ...options } satisfies ProgressOptions;
  let current: Snapshot | null = null;
  let started = 0;
  let lastLine = -Infinity;
  let lastDraw = -Infinity;
  let pending = false;
  let drawn = false;

  const eta = (s: Snapshot, elapsed: number): number | undefined => {
    const given = s.fields.eta;
    if (typeof given === 'number') return given;
    if (!s.total || s.done <= 0 || elapsed < 1) return undefined;
    return (elapsed * Math.max(0, s.total - s.done)) / s.done;
  };

  const writeLine = (s: Snapshot, now: number) => {
    const elapsed = (now - started) / 1000;
    const e = eta(s, elapsed);
    const extra = Object.fromEntries(
      Object.entries(s.fields)
        .filter(([k, v]) => k !== 'eta' && v !== undefined)
        .map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v]),
    );
    logTo(stream, 'info', 'progress', {
      task: s.label,
      done: round(s.done, 3),
      ...(s.total !== undefined ? { total: s.total, pct: round((100 * s.done) / Math.max(s.total, 1e-9), 1) } : {}),
      elapsed: round(elapsed, 1),
      ...(e !== undefined ? { eta: round(e, 0) } : {}),
      ...extra,
    });
    lastLine = now;
    pending = false;
  };

  const draw = (s: Snapshot, now: number) => {
    const elapsed = (now - started) / 1000;
    const parts = [s.label];
    if (s.total && s.total > 0) {
      const width = 24;
      const filled = Math.min(width, Math.max(0, Math.round((s.done / s.total) * width)));
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((100 * s.done) / s.total).toFixed(0)}%`);
      parts.push(`${Math.floor(s.done).toLocaleString('en-US')}/${s.total.toLocaleString('en-US')}${o.unit ? ' ' + o.unit : ''}`);
    } else {
      parts.push(`${Math.floor(s.done).toLocaleString('en-US')}${o.unit ? ' ' + o.unit : ''}, ${Math.round(s.done / Math.max(elapsed, 1e-3)).toLocaleString('en-US')}/s`);
    }
    for (const [k, v] of Object.entries(s.fields)) if (k !== 'eta' && v !== undefined && v !== null) parts.push(formatField(k, v));
    const e = eta(s, elapsed);
    if (e !== undefined) parts.push(`ETA ${formatDuration(e)}`);
    stream.write(`\r\x1b[2K${parts.join(' ')}`);
    drawn = true;
    lastDraw = now;
  };

  const finish = () => {
    if (o.tty) {
      if (drawn) stream.write('\n');
      drawn = false;
    } else if (current && pending) {
      writeLine(current, o.now());
    }
  };

  return {
    update(label, done, total, fields = {}, partial = false) {
      const now = o.now();
      if (!current || current.label !== label) {
        finish();
        started = now;
        lastLine = -Infinity;
        lastDraw = -Infinity;
      }
      current = { label, done, total, fields };
      pending = true;
      if (o.tty) {
        if (now - lastDraw >= o.redrawMs) draw(current, now);
        return;
      }
      const since = (now - lastLine) / 1000;
      if (since >= (partial ? o.heartbeatSeconds : o.intervalSeconds)) writeLine(current, now);
    },
    done() {
      finish();
      current = null;
    },
  };
}
