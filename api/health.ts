import { createRoute, z } from '@hono/zod-openapi';
import {
  DependencyCheckFailure,
  httpStatusOf,
  type DependencyCheck,
  type DependencyName,
} from '../core/health/checks.js';
import { logger } from '../core/logger.js';

export { dependencyChecks, type DependencyCheck, type DependencyName } from '../core/health/checks.js';
export { healthProbeKey } from '../core/health/repository.js';

const checkStatus = z.enum(['ok', 'error']);

export const HealthCheckResultSchema = z
  .object({
    status: checkStatus,
    latencyMs: z.number().int().nonnegative(),
    error: z.string().optional().openapi({ example: 'timed out after 2000 ms' }),
  })
  .openapi('HealthCheckResult');

export const HealthSchema = z
  .object({
    status: checkStatus,
    version: z.string().openapi({ example: '0.1.0' }),
    checks: z.object({
      database: HealthCheckResultSchema,
      email: HealthCheckResultSchema,
      workflows: HealthCheckResultSchema,
    }),
  })
  .openapi('Health');

export type HealthCheckResult = z.infer<typeof HealthCheckResultSchema>;
export type Health = z.infer<typeof HealthSchema>;

export const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Checks every dependency (database, email, workflows)',
  responses: {
    200: {
      description: 'Every dependency answered',
      content: { 'application/json': { schema: HealthSchema } },
    },
    500: {
      description: 'At least one dependency failed',
      content: { 'application/json': { schema: HealthSchema } },
    },
  },
});

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function checkHealth(
  checks: Record<DependencyName, DependencyCheck>,
  timeoutMs: number,
  version: string,
): Promise<Health> {
  const names = Object.keys(checks) as DependencyName[];
  const results = await Promise.all(names.map((name) => runCheck(name, checks[name], timeoutMs)));
  const byName = Object.fromEntries(names.map((name, i) => [name, results[i]])) as Health['checks'];
  const status = results.every((result) => result.status === 'ok') ? 'ok' : 'error';
  return { status, version, checks: byName };
}

async function runCheck(
  name: DependencyName,
  check: DependencyCheck,
  timeoutMs: number,
): Promise<HealthCheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  // The race guards against a probe that ignores its signal (for example while resolving credentials).
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DependencyCheckFailure(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([check(controller.signal), timedOut]);
    return { status: 'ok', latencyMs: elapsedSince(started) };
  } catch (error) {
    const reason = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : publicReason(error);
    logger.warn('Health check failed', { check: name, reason });
    return { status: 'error', latencyMs: elapsedSince(started), error: reason };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/health` is public, so a failure is described by its kind only: our own message, the AWS error name
 * (`ResourceNotFoundException`) or the network error code (`ECONNREFUSED`). AWS messages can carry account ids,
 * ARNs or request details and are not shown.
 */
function publicReason(error: unknown): string {
  if (error instanceof DependencyCheckFailure) return error.message;
  if (typeof error !== 'object' || error === null) return 'failed';
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  const nested = (error as { errors?: unknown }).errors;
  // Node reports a failed connection to a host with several addresses as an AggregateError of per-address errors.
  if (Array.isArray(nested) && nested.length > 0) return publicReason(nested[0]);
  const status = httpStatusOf(error);
  if (typeof name === 'string' && name !== 'Error') return name;
  return status === undefined ? 'failed' : `HTTP ${status}`;
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}
