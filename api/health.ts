import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { createRoute, z } from '@hono/zod-openapi';
import { dynamoDbClient, sesClient, sfnClient, tableName } from '../core/aws-clients.js';
import { logger } from '../core/logger.js';

/** The key `/health` reads: no item is ever stored under it (no entity's key starts with `HEALTH`). */
export const healthProbeKey = { pk: { S: 'HEALTH' }, sk: { S: 'PROBE' } };

/** One dependency probe; it must honour `signal`, which aborts when the check's time is up. */
export type DependencyCheck = (signal: AbortSignal) => Promise<void>;
export type DependencyName = 'database' | 'email' | 'workflows';

/** A failure whose message we wrote ourselves, so it may be shown to anyone. */
class DependencyCheckFailure extends Error {
  override name = 'DependencyCheckFailure';
}

export const dependencyChecks: Record<DependencyName, DependencyCheck> = {
  /**
   * The application table exists and answers a read. A GetItem of one fixed key that is never written, which costs
   * the same however many items the table holds (DescribeTable, used before, gets slower with the table's size on
   * DynamoDB Local: 4 ms at 800 items, 21-30 ms at 6,400) and needs no permission beyond the API's reads. A
   * missing table is ResourceNotFoundException.
   */
  async database(signal) {
    if (!process.env.TABLE_NAME) throw new DependencyCheckFailure('TABLE_NAME is not set');
    await dynamoDbClient.send(
      new GetItemCommand({ TableName: tableName(), Key: healthProbeKey, ProjectionExpression: 'pk' }),
      { abortSignal: signal },
    );
  },

  /**
   * SES answers. The SES emulator implements only SendEmail and SendRawEmail of the v1 API (other actions never
   * answer, so GetSendQuota cannot be used), so probe with a SendEmail that has no message and no recipients: SES
   * and the emulator both reject it with 400 before sending anything. 400 therefore means "reachable, request
   * signed and understood"; 403 (bad credentials), 5xx, network errors and timeouts mean failure.
   */
  async email(signal) {
    try {
      // From the configured sender: in AWS the API may send only from that address, so a probe without it would
      // be refused by IAM (403) before SES could reject it.
      await sesClient.send(
        new SendEmailCommand({
          Source: process.env.EMAIL_SENDER,
          Destination: undefined,
          Message: undefined,
        }),
        {
          abortSignal: signal,
        },
      );
    } catch (error) {
      if (httpStatusOf(error) === 400) return;
      throw error;
    }
  },

  /** The Step Functions endpoint answers. */
  async workflows(signal) {
    await sfnClient.send(new ListStateMachinesCommand({ maxResults: 1 }), { abortSignal: signal });
  },
};

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

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}
