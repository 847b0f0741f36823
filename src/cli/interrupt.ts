/**
 * @module cli/interrupt
 * Graceful Ctrl-C for long commands (training, evaluation): the first SIGINT aborts the returned signal — the job
 * finishes its current epoch, writes a checkpoint and its metrics so far, and ends with INTERRUPTED (exit 130) — and a
 * second SIGINT exits at once with 130. `process.on`, not `once`: the handler must stay installed for the second signal
 * (and a listener of ours keeps libraries such as signal-exit from re-raising the signal themselves).
 */
import { log } from '../core/log.ts';

export function interruptOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\ngraphrec: second Ctrl-C, exiting now\n');
      process.exit(130);
    }
    log.warn('interrupt: finishing the current epoch, then writing a checkpoint (Ctrl-C again exits at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => void process.off('SIGINT', onSigint) };
}
