/**
 * @module core/memory
 * The memory this process may still take: Linux's `MemAvailable` (what can be allocated without swapping;
 * `os.freemem()` elsewhere), less what a cgroup limit leaves this process. engine/replicas weighs copies of the engine
 * against it; core/shared-arrays sizes the shared garbage it lets build up by it.
 *
 * @example
 * const bytes = availableMemory();
 */
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

/** Bytes this process may still allocate (see the module header). */
export function availableMemory(rss = process.memoryUsage.rss()): number {
  let available = freemem();
  try {
    const line = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (line) available = Number(line[1]) * 1024;
  } catch {
    // not Linux: os.freemem() stands
  }
  const limit = process.constrainedMemory?.() ?? 0;
  if (limit > 0 && limit < Number.MAX_SAFE_INTEGER) available = Math.min(available, Math.max(0, limit - rss));
  return available;
}
