/**
 * The task contract: every task Lambda is `export const handler = defineTask({ ... })`. What each task used to write
 * by hand is done here, once:
 *
 * - the logger's context: the Lambda context, the workflow, the task and the execution name, on a fresh child
 *   logger per invocation that `logger` stands for along the invocation's call chain (`core/logger.ts`);
 * - the input parsed with the task's schema; a failure is `InvalidInput` naming the fields, never their values;
 * - the dependencies (clock, mailer, repositories) handed in, so a test can replace them (`handler.with`);
 * - the output parsed with the task's schema, so the workflow's `ResultSelector` reads what the contract promises;
 * - one mapping of errors: a `DomainError` fails the task under its catalogue's workflow name, an AWS transient as
 *   `RetryableError`, anything else is rethrown unchanged (the ASL's `States.ALL` catches it).
 *
 * The declared `throws` and `output` are what `test/statemachines/task-contract.test.ts` checks the ASL against.
 */
import type { z } from 'zod';
import { systemClock, type Clock } from '../core/clock.js';
import { sendEmail } from '../core/email/send.js';
import type { RenderedEmail } from '../core/email/render.js';
import {
  DomainError,
  errorCatalogue,
  errorName,
  isTransientAwsError,
  transientError,
  type WorkflowErrorName,
} from '../core/errors.js';
import { logger, withInvocationLogger } from '../core/logger.js';
import { taskFunctions } from './registry.js';

/** Sends one email; returns the SES message id. */
export interface Mailer {
  send(to: string, email: RenderedEmail, options?: { replyTo?: string }): Promise<string>;
}

export const sesMailer: Mailer = { send: sendEmail };

/** What every task gets besides its own dependencies. */
export interface TaskContext {
  clock: Clock;
  mailer: Mailer;
  log: typeof logger;
}

/** Names every task may fail with, declared or not: the ASL may always match them. */
export const alwaysThrown = [
  'InvalidInput',
  'RetryableError',
] as const satisfies readonly WorkflowErrorName[];

export interface TaskSpec<In extends z.ZodType, Out extends z.ZodType, Deps extends object> {
  /** The registry name (`tasks/registry.ts`), the file name under `tasks/`. */
  name: string;
  input: In;
  output: Out;
  /** Workflow error names (catalogue `workflowName`s) this task fails with, beyond `alwaysThrown`. */
  throws?: readonly WorkflowErrorName[];
  /** Repositories and other services, replaceable in tests. */
  dependencies?: Deps;
  run(input: z.output<In>, context: TaskContext & Deps): Promise<z.input<Out>>;
}

/** The contract a handler carries, for the ASL contract test and the docs. */
export interface TaskContract {
  name: string;
  workflow: string;
  input: z.ZodType;
  output: z.ZodType;
  throws: readonly WorkflowErrorName[];
}

/** The parts of the Lambda context the logs use. */
interface LambdaContext {
  functionName?: string;
  awsRequestId?: string;
}

export type TaskHandler<Deps extends object> = ((
  event: unknown,
  context?: LambdaContext,
) => Promise<unknown>) & {
  contract: TaskContract;
  /** The same task with some dependencies replaced (a fixed clock, an in-memory repository, a failing mailer). */
  with(overrides: Partial<TaskContext & Deps>): TaskHandler<Deps>;
};

export function defineTask<In extends z.ZodType, Out extends z.ZodType, Deps extends object = object>(
  spec: TaskSpec<In, Out, Deps>,
): TaskHandler<Deps> {
  const registered = taskFunctions.find((task) => task.name === spec.name);
  if (!registered) throw new Error(`Task ${spec.name} is not in tasks/registry.ts`);
  const contract: TaskContract = {
    name: spec.name,
    workflow: registered.workflow,
    input: spec.input,
    output: spec.output,
    throws: [...alwaysThrown, ...(spec.throws ?? [])],
  };

  const build = (overrides: Partial<TaskContext & Deps>): TaskHandler<Deps> => {
    const handler = (event: unknown, lambdaContext?: LambdaContext) =>
      withInvocationLogger(
        (log) => {
          if (lambdaContext) log.addContext(lambdaContext as Parameters<typeof log.addContext>[0]);
          log.appendKeys({
            workflow: contract.workflow,
            task: contract.name,
            executionName: executionNameOf(event),
          });
        },
        async () => {
          const context = {
            clock: systemClock,
            mailer: sesMailer,
            log: logger,
            ...(spec.dependencies ?? {}),
            ...overrides,
          } as TaskContext & Deps;
          const started = performance.now();
          try {
            const input = parseInput(spec.input, event);
            const output = parseOutput(spec.output, await spec.run(input, context), contract.name);
            // One line per invocation: what ran, for which execution, how long (never its input or output).
            logger.info('Task completed', { durationMs: Math.round(performance.now() - started) });
            return output;
          } catch (error) {
            throw asTaskFailure(error, contract);
          }
        },
      );
    return Object.assign(handler, {
      contract,
      with: (more: Partial<TaskContext & Deps>) => build({ ...overrides, ...more }),
    });
  };
  return build({});
}

/** A failure of this task as the workflow should see it. */
function asTaskFailure(error: unknown, contract: TaskContract): unknown {
  if (error instanceof DomainError) {
    const failure = new Error(error.message);
    failure.name = errorCatalogue[error.code].workflowName;
    if (!contract.throws.includes(failure.name as WorkflowErrorName)) {
      // A name the task does not declare: the ASL was not written to expect it. Loud, but still failed under it.
      logger.error('Task failed with an undeclared error', { error: failure.name });
    } else {
      logger.info('Task failed', { error: failure.name });
    }
    return failure;
  }
  if (isTransientAwsError(error)) {
    logger.warn('Task failed, retryable', { error: errorName(error) });
    const transient = transientError(error);
    const failure = new Error(transient.message);
    failure.name = transient.workflowName;
    return failure;
  }
  logger.error('Task failed', { error: errorName(error) });
  return error;
}

function parseInput<T extends z.ZodType>(schema: T, event: unknown): z.output<T> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => issue.path.join('.') || '(input)');
  throw new DomainError('InvalidInput', `Invalid task input: ${[...new Set(fields)].join(', ')}`);
}

/** An output that breaks the task's own schema is a bug in the task, not bad input: it is not retried either. */
function parseOutput<T extends z.ZodType>(schema: T, output: unknown, task: string): z.output<T> {
  const result = schema.safeParse(output);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => issue.path.join('.') || '(output)');
  const failure = new Error(`Task ${task} returned an invalid output: ${[...new Set(fields)].join(', ')}`);
  failure.name = 'InvalidOutput';
  throw failure;
}

function executionNameOf(event: unknown): string | undefined {
  const name = (event as { executionName?: unknown } | null)?.executionName;
  return typeof name === 'string' ? name : undefined;
}
