/**
 * @module api/routes/health
 * Liveness (the process answers) and readiness (the store answers `ping` and the optional `deps.ready` says ready).
 */
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
      const { ready, detail } = await deps.ready();
      checks.app = detail === undefined ? { ok: ready } : { ok: ready, detail };
    } catch (error) {
      checks.app = { ok: false, message: isAppError(error) ? error.message : 'readiness check failed' };
    }
  }
  if (!Object.values(checks).every((c) => c.ok)) throw new AppError('UNAVAILABLE', 'api: not ready', { checks });
  return { status: 'ready', checks };
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
  ];
}
