/**
 * Fault injection for the local runtime (`LOCAL_FAULTS`, e.g. `dynamodb:0.2,ses:0.2,lambda:0.05,seed:42`): at the
 * given rates, the AWS calls task Lambdas make fail with the errors AWS returns, shaped as the SDK shapes them
 * (`name`, `$fault`, `$metadata.httpStatusCode`), and Lambda invocations fail as Step Functions reports them.
 *
 * - DynamoDB: `ProvisionedThroughputExceededException`, `ThrottlingException` (400), `InternalServerError` (500);
 *   a `TransactWriteItems` may instead be cancelled with a `TransactionConflict` reason.
 * - SES: `Throttling` (400), `ServiceUnavailable` (503), a timeout (`TimeoutError` of a socket, or `AbortError` of
 *   the caller's abort signal).
 * - Lambda (the Step Functions runtime's invocations): `Lambda.ServiceException`, `Lambda.TooManyRequestsException`
 *   before the handler runs; `Sandbox.Timedout` after it ran (its side effects happened, the state sees a failure).
 * - A fraction of the DynamoDB writes and SES sends that are faulted (`after:`, 0.3 unless told) go through first and
 *   then fail with a timeout or a 5xx: the failure a caller cannot tell from one before the write, where duplicates
 *   come from. They are counted apart (`afterSideEffect`).
 *
 * Faults are decided per call, outside the SDK's own retries (a faulted call reaches the caller as its failure), by a
 * seeded generator (mulberry32, one stream per service): the same seed gives the same sequence of decisions for the
 * same sequence of calls. Calls of concurrent executions interleave differently from run to run, so replaying a seed
 * reproduces a run exactly only when its calls happen in the same order (one execution at a time); under concurrency
 * it reproduces the mix of faults, not the exact run.
 *
 * Only calls made inside a task invocation (`inTaskInvocation()`, core/logger.ts) are faulted, unless `api:1` also
 * includes the API's own. Installed as middleware on the shared clients (core/aws-clients.ts) and removed by
 * `uninstall()`: with `LOCAL_FAULTS` unset nothing is installed and no code path changes.
 */
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { SESServiceException } from '@aws-sdk/client-ses';
import type { ResponseMetadata } from '@aws-sdk/types';
import { randomUUID } from 'node:crypto';
import { dynamoDbClient, sesClient } from '../../core/aws-clients.js';
import { inTaskInvocation } from '../../core/logger.js';
import { InvalidSettingError } from '../../core/settings.js';
import { setLambdaFaultHook, type LambdaFaultName } from './stepfunctions/local-lambda.js';

export type FaultService = 'dynamodb' | 'ses' | 'lambda';
export const faultServices: readonly FaultService[] = ['dynamodb', 'ses', 'lambda'];

export interface FaultPlan {
  /** The fraction (0 to 1) of calls to each service that fail. */
  rates: Record<FaultService, number>;
  /** The seed of the decisions: the same seed, the same sequence. */
  seed: number;
  /** Also fault the API's own calls (`api:1`), not only the tasks'. */
  api: boolean;
  /** The fraction of faulted DynamoDB writes and SES sends that go through before failing (`after:`). */
  afterSideEffect: number;
}

export interface FaultStats {
  /** Calls considered per service (inside a task invocation, or the API's with `api:1`). */
  calls: Record<FaultService, number>;
  /** Faults injected per service and error name (those after the side effect included). */
  injected: Record<FaultService, Record<string, number>>;
  /** Faults per service that let the call go through first (the write or send happened; the caller saw a failure). */
  afterSideEffect: Record<FaultService, number>;
  /** Every fault injected. */
  total: number;
}

export interface FaultInjector {
  readonly plan: FaultPlan;
  stats(): FaultStats;
  /** One line for `npm start`: the plan and its seed. */
  describe(): string;
  uninstall(): void;
}

export const DEFAULT_AFTER_SIDE_EFFECT = 0.3;

/**
 * `dynamodb:0.2,ses:0.2,lambda:0.05,seed:42[,api:1][,after:0.3]`. Rates are 0 to 1; a service not named is not
 * faulted; without a seed one is picked at random (and printed, so the run can be replayed).
 */
export function parseFaultPlan(text: string, label = 'LOCAL_FAULTS'): FaultPlan {
  const plan: FaultPlan = {
    rates: { dynamodb: 0, ses: 0, lambda: 0 },
    seed: Math.floor(Math.random() * 2 ** 32),
    api: false,
    afterSideEffect: DEFAULT_AFTER_SIDE_EFFECT,
  };
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) {
    throw new InvalidSettingError(
      `${label} is empty: give rates like 'dynamodb:0.2,ses:0.2,lambda:0.05,seed:42'`,
    );
  }
  const seen = new Set<string>();
  for (const part of parts) {
    const match = /^([a-z0-9]+)\s*:\s*(\S+)$/i.exec(part);
    if (!match) throw new InvalidSettingError(`${label}: '${part}' is not name:value`);
    const name = match[1]!.toLowerCase();
    const raw = match[2]!;
    if (seen.has(name)) throw new InvalidSettingError(`${label}: '${name}' is given twice`);
    seen.add(name);
    const value = Number(raw);
    if (name === 'seed') {
      if (!Number.isInteger(value) || value < 0 || value >= 2 ** 32) {
        throw new InvalidSettingError(`${label}: seed must be an integer from 0 to 4294967295, not '${raw}'`);
      }
      plan.seed = value;
    } else if (name === 'api') {
      if (!['0', '1', 'true', 'false'].includes(raw)) {
        throw new InvalidSettingError(`${label}: api must be 1 or 0, not '${raw}'`);
      }
      plan.api = raw === '1' || raw === 'true';
    } else if (name === 'after') {
      plan.afterSideEffect = fraction(value, raw, `${label}: after`);
    } else if ((faultServices as readonly string[]).includes(name)) {
      plan.rates[name as FaultService] = fraction(value, raw, `${label}: ${name}`);
    } else {
      throw new InvalidSettingError(
        `${label}: unknown '${name}' in '${part}' (known: ${[...faultServices, 'seed', 'api', 'after'].join(', ')})`,
      );
    }
  }
  return plan;
}

function fraction(value: number, raw: string, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidSettingError(`${what} must be a number from 0 to 1, not '${raw}'`);
  }
  return value;
}

export function describeFaultPlan(plan: FaultPlan): string {
  const rates = faultServices.map((service) => `${service} ${plan.rates[service]}`).join(', ');
  return `${rates}; seed ${plan.seed}; ${plan.afterSideEffect} of DynamoDB writes and SES sends faulted after the side effect; ${plan.api ? 'tasks and the API' : 'tasks only (api:1 adds the API)'}`;
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One decision: no fault, or the error to fail with and whether the call goes through first. */
export interface FaultDecision {
  service: FaultService;
  /** The error's name (`ThrottlingException`, `TransactionConflict`, `Sandbox.Timedout`, ...). */
  name: string;
  afterSideEffect: boolean;
}

const DYNAMODB_WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);
const DYNAMODB_BEFORE = [
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'InternalServerError',
];
const DYNAMODB_AFTER = ['InternalServerError', 'TimeoutError'];
const SES_BEFORE = ['Throttling', 'ServiceUnavailable', 'TimeoutError', 'AbortError'];
const SES_AFTER = ['ServiceUnavailable', 'TimeoutError', 'AbortError'];
const LAMBDA_FAULTS: readonly LambdaFaultName[] = [
  'Lambda.ServiceException',
  'Lambda.TooManyRequestsException',
  'Sandbox.Timedout',
];

/**
 * The decisions of a plan, in order: each service draws from a generator of its own (so one service's calls do not
 * shift another's decisions), and each call draws a fixed number of values (3), so the sequence for a given seed and
 * a given sequence of calls is always the same. `command` is the SDK command's name.
 */
export function faultDecider(plan: FaultPlan) {
  const generators = Object.fromEntries(
    faultServices.map((service, index) => [service, mulberry32((plan.seed + index * 0x9e3779b9) >>> 0)]),
  ) as Record<FaultService, () => number>;
  const pick = <T>(items: readonly T[], value: number): T => items[Math.floor(value * items.length)]!;
  return (service: FaultService, command = ''): FaultDecision | undefined => {
    const random = generators[service];
    const hit = random() < plan.rates[service];
    const kind = random();
    const after = random();
    if (!hit) return undefined;
    if (service === 'lambda') {
      const name = pick(LAMBDA_FAULTS, kind);
      return { service, name, afterSideEffect: name === 'Sandbox.Timedout' };
    }
    const sideEffect = service === 'ses' ? command === 'SendEmailCommand' : DYNAMODB_WRITES.has(command);
    if (sideEffect && after < plan.afterSideEffect) {
      return {
        service,
        name: pick(service === 'ses' ? SES_AFTER : DYNAMODB_AFTER, kind),
        afterSideEffect: true,
      };
    }
    if (service === 'ses') return { service, name: pick(SES_BEFORE, kind), afterSideEffect: false };
    // A transaction is cancelled by a conflicting one as often as it is throttled.
    const names =
      command === 'TransactWriteItemsCommand' ? [...DYNAMODB_BEFORE, 'TransactionConflict'] : DYNAMODB_BEFORE;
    return { service, name: pick(names, kind), afterSideEffect: false };
  };
}

function metadata(httpStatusCode?: number): ResponseMetadata {
  return {
    ...(httpStatusCode !== undefined ? { httpStatusCode } : {}),
    requestId: randomUUID(),
    attempts: 1,
    totalRetryDelay: 0,
  };
}

/** The error the SDK would throw for `name`, built with the SDK's own classes where it has one. */
export function sdkError(service: 'dynamodb' | 'ses', name: string, input?: unknown): Error {
  switch (name) {
    case 'ProvisionedThroughputExceededException':
      return new ProvisionedThroughputExceededException({
        message:
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
        $metadata: metadata(400),
      });
    case 'ThrottlingException':
      return new ThrottlingException({
        message: 'Throughput exceeds the current capacity of your table or index.',
        $metadata: metadata(400),
      });
    case 'InternalServerError':
      return new InternalServerError({ message: 'Internal server error', $metadata: metadata(500) });
    case 'TransactionConflict': {
      const count = (input as { TransactItems?: unknown[] } | undefined)?.TransactItems?.length ?? 1;
      const reasons = Array.from({ length: Math.max(1, count) }, (_, index) =>
        index === 0
          ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
          : { Code: 'None' },
      );
      return new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
        CancellationReasons: reasons,
        $metadata: metadata(400),
      });
    }
    case 'Throttling':
      return new SESServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Maximum sending rate exceeded.',
        $metadata: metadata(400),
      });
    case 'ServiceUnavailable':
      return new SESServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: 'Service Unavailable',
        $metadata: metadata(503),
      });
    case 'TimeoutError':
      // What @smithy/node-http-handler throws when the socket times out; the retry middleware adds `$metadata`.
      return Object.assign(
        new Error(
          `@smithy/node-http-handler - the request socket timed out after 30000 ms of inactivity (configured by client requestHandler).`,
        ),
        { name: 'TimeoutError', $metadata: { attempts: 1, totalRetryDelay: 0 } },
      );
    case 'AbortError': {
      // What the SDK throws when the caller's `abortSignal` fires (sendEmail's AbortSignal.timeout).
      const reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      return Object.assign(new Error('Request aborted'), {
        name: 'AbortError',
        cause: reason,
        $metadata: { attempts: 1, totalRetryDelay: 0 },
      });
    }
    default:
      throw new Error(`No ${service} fault named ${name}`);
  }
}

const MIDDLEWARE_NAME = 'localFaultInjection';
let installed: FaultInjector | undefined;

/**
 * Installs `plan` on this process's shared AWS clients and the local Lambda runtime; one plan at a time (a second
 * install throws until the first is uninstalled).
 */
export function installFaults(plan: FaultPlan): FaultInjector {
  if (installed) throw new Error('Faults are already installed in this process: uninstall() them first');
  const decide = faultDecider(plan);
  const counts: FaultStats = {
    calls: { dynamodb: 0, ses: 0, lambda: 0 },
    injected: { dynamodb: {}, ses: {}, lambda: {} },
    afterSideEffect: { dynamodb: 0, ses: 0, lambda: 0 },
    total: 0,
  };
  const count = (decision: FaultDecision) => {
    const byName = counts.injected[decision.service];
    byName[decision.name] = (byName[decision.name] ?? 0) + 1;
    if (decision.afterSideEffect) counts.afterSideEffect[decision.service] += 1;
    counts.total += 1;
  };

  const middleware =
    (service: 'dynamodb' | 'ses') =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (next: (args: any) => Promise<any>, context: { commandName?: string }) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async (args: any): Promise<any> => {
      if (!plan.api && !inTaskInvocation()) return next(args);
      counts.calls[service] += 1;
      const decision = decide(service, context.commandName);
      if (!decision) return next(args);
      const input = (args as { input?: unknown }).input;
      if (decision.afterSideEffect) {
        await next(args);
        count(decision);
        throw sdkError(service, decision.name, input);
      }
      count(decision);
      throw sdkError(service, decision.name, input);
    };

  const options = { step: 'initialize', priority: 'high', name: MIDDLEWARE_NAME } as const;
  // The document client shares the DynamoDB client's stack.
  dynamoDbClient.middlewareStack.add(middleware('dynamodb'), options);
  sesClient.middlewareStack.add(middleware('ses'), options);
  setLambdaFaultHook({
    decide: () => {
      counts.calls.lambda += 1;
      const decision = decide('lambda');
      return decision?.name as LambdaFaultName | undefined;
    },
    injected: (name) => count({ service: 'lambda', name, afterSideEffect: name === 'Sandbox.Timedout' }),
  });

  const injector: FaultInjector = {
    plan,
    stats: () => structuredClone(counts),
    describe: () => describeFaultPlan(plan),
    uninstall() {
      if (installed !== injector) return;
      dynamoDbClient.middlewareStack.remove(MIDDLEWARE_NAME);
      sesClient.middlewareStack.remove(MIDDLEWARE_NAME);
      setLambdaFaultHook(undefined);
      installed = undefined;
    },
  };
  installed = injector;
  return injector;
}
