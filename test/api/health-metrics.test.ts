/**
 * GET /v1/health/metrics: process memory, live tfjs tensors and uptime, as the soak bench reads them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { MemoryGraphStore } from '../../src/store/memory-graph-store.ts';

describe('GET /v1/health/metrics', () => {
  it('returns rss and heap in MiB, the live tensor count and the uptime', async () => {
    const server = createServer(createApp({ store: new MemoryGraphStore(), cfg: loadConfig({ env: {} }) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/health/metrics`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, number>;
      expect(Object.keys(body).sort()).toEqual(['externalMb', 'heapUsedMb', 'rssMb', 'tensors', 'uptimeS']);
      expect(body.rssMb).toBeGreaterThan(10);
      expect(body.rssMb).toBeCloseTo(process.memoryUsage().rss / 1024 / 1024, -2);
      expect(body.heapUsedMb).toBeGreaterThan(1);
      expect(Number.isInteger(body.tensors) && body.tensors! >= 0).toBe(true);
      expect(body.uptimeS).toBeGreaterThanOrEqual(0);
    } finally {
      server.close();
    }
  });
});
