import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../src/core/progress.ts';

/** A non-TTY (or TTY) stream that keeps what was written. */
function sink(tty: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  w.isTTY = tty;
  w.text = () => chunks.join('');
  return w;
}

const lines = (s: { text: () => string }) =>
  s
    .text()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('core/progress', () => {
  it('logs JSON lines off a terminal: the first unit, then at most one per interval, heartbeats inside long units, the last state at done()', () => {
    const out = sink(false);
    let now = 0;
    const p = createProgress(out, { intervalSeconds: 30, heartbeatSeconds: 60, now: () => now });
    // 10 epochs of 10 s: lines at epoch 1 (first), then once 30 s passed: epochs 4, 7, 10.
    for (let e = 1; e <= 10; e++) {
      now += 10_000;
      p.update('train', e, 100, { epoch: e, loss: 1 / e, valid: null });
    }
    expect(lines(out).map((l) => l.epoch)).toEqual([1, 4, 7, 10]);
    // One epoch of 150 s with heartbeats every 5 s: a partial line once 60 s passed without one, twice.
    for (let t = 5; t <= 150; t += 5) {
      now += 5000;
      p.update('train', 10 + t / 150, 100, { epoch: 11, loss: 0.05 }, true);
    }
    const afterHeartbeats = lines(out);
    expect(afterHeartbeats).toHaveLength(6);
    expect(afterHeartbeats[4]!.done).toBeCloseTo(10.4, 5);
    p.update('train', 11, 100, { epoch: 11, loss: 0.05 });
    p.done();
    const all = lines(out);
    const last = all.at(-1)!;
    expect(last).toMatchObject({ level: 'info', msg: 'progress', task: 'train', done: 11, total: 100, epoch: 11, loss: 0.05 });
    expect(last.eta).toBeGreaterThan(0);
    expect(last.elapsed).toBe(240); // from the first update (at 10 s) to 250 s
    // Every gap between two lines is at most the heartbeat.
    const times = all.map((l) => l.elapsed as number);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(60);
  });

  it('starts a new task when the label changes, and takes an explicit eta', () => {
    const out = sink(false);
    let now = 0;
    const p = createProgress(out, { now: () => now });
    p.update('rank valid', 256, 1000);
    now += 1000;
    p.update('rank valid', 512, 1000);
    p.update('rank test', 256, 1000, { eta: 7 });
    p.done();
    expect(lines(out).map((l) => [l.task, l.done, l.eta])).toEqual([
      ['rank valid', 256, undefined], // no estimate before a second has passed
      ['rank valid', 512, 1],
      ['rank test', 256, 7],
    ]);
  });

  it('redraws one line on a terminal with the bar, the fields and the ETA', () => {
    const out = sink(true);
    let now = 0;
    const p = createProgress(out, { now: () => now });
    p.update('train', 5, 20, { epoch: 5, loss: 0.123456, valid: 0.1712, eta: 754 });
    now += 50;
    p.update('train', 6, 20, { epoch: 6 }); // inside the redraw interval: not drawn
    p.done();
    expect(out.text()).toBe('\r\x1b[2Ktrain [######..................] 25% 5/20 epoch 5 loss 0.1235 valid 0.1712 ETA 12m34s\n');
  });

  it('formats durations', () => {
    expect([formatDuration(5), formatDuration(754), formatDuration(4000), formatDuration(NaN)]).toEqual(['5s', '12m34s', '1h06m', '?']);
  });
});
