/**
 * @module ingest/progress
 * A one-line progress display on a terminal (stderr); silent when stderr is not a TTY, so piped output stays clean.
 */
export interface Progress {
  update(label: string, rows: number, total?: number): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  const started = performance.now();
  let last = 0;
  let drawn = false;
  return {
    update(label, rows, total) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const rate = rows / Math.max((now - started) / 1000, 1e-3);
      let bar = '';
      if (total && total > 0) {
        const width = 24;
        const filled = Math.min(width, Math.round((rows / total) * width));
        bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((100 * rows) / total).toFixed(0)}% `;
      }
      stream.write(`\r\x1b[2K${label} ${bar}${rows.toLocaleString('en-US')} rows, ${Math.round(rate).toLocaleString('en-US')} rows/s`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
