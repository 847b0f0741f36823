/**
 * @module api/routes/health
 * Liveness (the process answers), readiness (the store answers `ping` and the optional `deps.ready` says ready; while
 * Neo4j is down or the process shuts down it is 503) and process metrics (memory, live tensors, uptime; the soak bench
 * samples them; an admin route once API keys are configured).
 */
import { z } from 'zod';
import { AppError, isAppError } from '../../core/errors.ts';
import { type AppDeps, defineRoute, type Route } from '../route.ts';
import { Responses } from '../schemas.ts';

interface Check {
  ok: boolean;
  code?: string;
  message?: string;
  detail?: unknown;
}

async function readiness(deps: AppDeps): Promise<{ status: 'ready'; checks: Record<string, Check> }> {
  const checks: Record<string, Check> = {};
  try {
    await deps.store.ping();
    checks.store = { ok: true };
  } catch (error) {
    checks.store = isAppError(error)
      ? { ok: false, code: error.code, message: error.message }
      : { ok: false, code: 'INTERNAL', message: 'store ping failed' };
  }
  if (deps.ready) {
    try {
      const { ready, detail, projection } = await deps.ready();
      checks.app = detail === undefined ? { ok: ready } : { ok: ready, detail };
      // What the projection skipped at start (stored edges outside the bounds): reported, never a reason to refuse.
      if (projection !== undefined) checks.projection = { ok: true, detail: projection };
    } catch (error) {
      checks.app = { ok: false, message: isAppError(error) ? error.message : 'readiness check failed' };
    }
  }
  if (!Object.values(checks).every((c) => c.ok)) throw new AppError('UNAVAILABLE', 'api: not ready', { checks });
  return { status: 'ready', checks };
}

const MetricsResponse = z.object({
  rssMb: z.number().describe('Resident set size of the process, MiB.'),
  heapUsedMb: z.number().describe('V8 heap in use, MiB.'),
  externalMb: z.number().describe('Memory of C++ objects bound to JS (incl. ArrayBuffers), MiB.'),
  tensors: z.number().int().describe('Live TensorFlow.js tensors (0 when tfjs was never loaded).'),
  uptimeS: z.number().describe('Seconds since the process started.'),
});

const MB = 1024 * 1024;

/**
 * Live tensors of tfjs-core's engine when tfjs was loaded (compute/tf-backend), else 0. tfjs-core keeps its one engine
 * on the global object (`_tfengine`); reading it there avoids loading tfjs into processes that never use it.
 */
function liveTensors(): number {
  const engine = (globalThis as { _tfengine?: { memory(): { numTensors: number } } })._tfengine;
  return engine ? engine.memory().numTensors : 0;
}

export function processMetrics(): z.infer<typeof MetricsResponse> {
  const m = process.memoryUsage();
  const round = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
  return { rssMb: round(m.rss), heapUsedMb: round(m.heapUsed), externalMb: round(m.external), tensors: liveTensors(), uptimeS: Math.round(process.uptime()) };
}

export function healthRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/health/live',
      operationId: 'getLiveness',
      tag: 'health',
      summary: 'Liveness probe: 200 while the process serves requests.',
      response: Responses.live,
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/health/ready',
      operationId: 'getReadiness',
      tag: 'health',
      summary: 'Readiness probe: 200 when the store answers and the app is ready, else 503 with the checks in details.',
      response: Responses.ready,
      errors: [503],
      handler: () => readiness(deps),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/health/metrics',
      operationId: 'getMetrics',
      tag: 'health',
      summary: 'Process metrics: resident and heap memory (MiB), live tensors, uptime. An admin route when API keys are set.',
      response: MetricsResponse,
      handler: async () => processMetrics(),
    }),
  ];
}
