/**
 * Runs task Lambdas in-process for the local runtime: the function named in the ASL resolves, through the same task
 * registry CDK deploys from, to the module's `handler`. Failures surface with the error names Step Functions uses
 * for Lambda (the handler's error `name`, or `Lambda.*` for failures of the service itself).
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TaskFunction } from '../../../tasks/registry.js';
import { WorkflowError } from './errors.js';

type Handler = (event: unknown, context: unknown) => unknown;

/** Failures of the Lambda service itself that fault injection (`infra/local/faults.ts`) can make an invocation end with. */
export type LambdaFaultName =
  'Lambda.ServiceException' | 'Lambda.TooManyRequestsException' | 'Sandbox.Timedout';

export interface LambdaFaultHook {
  /** Called once per invocation: the fault to end it with, or none. */
  decide(functionName: string): LambdaFaultName | undefined;
  /** Called when a decided fault was injected (a `Sandbox.Timedout` only when the handler itself succeeded). */
  injected(name: LambdaFaultName): void;
}

let faultHook: LambdaFaultHook | undefined;

/** Installs (or, with `undefined`, removes) the fault hook of every local Lambda in this process. */
export function setLambdaFaultHook(hook: LambdaFaultHook | undefined): void {
  faultHook = hook;
}

export interface LocalLambdaOptions {
  region: string;
  accountId: string;
  rootDir: string;
  functions: readonly TaskFunction[];
}

export class LocalLambda {
  private readonly byName = new Map<string, TaskFunction>();
  private readonly handlers = new Map<string, Promise<Handler>>();

  constructor(private readonly options: LocalLambdaOptions) {
    for (const fn of options.functions) this.byName.set(fn.name, fn);
  }

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${name}`;
  }

  /** Accepts a name, a full ARN or a qualified ARN, as Lambda's Invoke does. */
  resolve(nameOrArn: string): TaskFunction | undefined {
    const match = /^arn:aws:lambda:[^:]+:[^:]+:function:([^:]+)(:.+)?$/.exec(nameOrArn);
    return this.byName.get(match?.[1] ?? nameOrArn);
  }

  /** Invokes the function with a JSON round trip of its payload, as Lambda would; returns the JSON result. */
  async invoke(nameOrArn: string, payload: unknown): Promise<unknown> {
    const fn = this.resolve(nameOrArn);
    if (!fn) {
      throw new WorkflowError(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${nameOrArn} (is it in tasks/registry.ts?)`,
      );
    }
    const handler = await this.load(fn);
    const requestId = randomUUID();
    const fault = faultHook?.decide(fn.name);
    if (fault === 'Lambda.ServiceException' || fault === 'Lambda.TooManyRequestsException') {
      // The service failed before the function ran: Step Functions reports Lambda's own error, as a text cause.
      faultHook?.injected(fault);
      throw new WorkflowError(fault, lambdaServiceCause(fault, randomUUID()));
    }
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = {
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arnOf(fn.name),
      memoryLimitInMB: String(fn.memoryMb ?? 256),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const event = JSON.parse(JSON.stringify(payload ?? null)) as unknown;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new WorkflowError(
              'Sandbox.Timedout',
              lambdaCause(requestId, 'Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds} seconds`),
            ),
          ),
        fn.timeoutSeconds * 1000,
      );
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
      if (fault === 'Sandbox.Timedout') {
        // The handler ran to the end (its writes and sends happened) but the invocation is reported timed out.
        faultHook?.injected(fault);
        throw new WorkflowError(
          'Sandbox.Timedout',
          lambdaCause(requestId, 'Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds} seconds`),
        );
      }
      return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
    } catch (error) {
      if (error instanceof WorkflowError) throw error;
      const errorType = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      throw new WorkflowError(errorType, lambdaCause(requestId, errorType, message, error));
    } finally {
      clearTimeout(timer);
    }
  }

  private load(fn: TaskFunction): Promise<Handler> {
    let loading = this.handlers.get(fn.name);
    if (!loading) {
      loading = import(pathToFileURL(resolve(this.options.rootDir, fn.entry)).href).then(
        (module: { handler?: Handler }) => {
          if (typeof module.handler !== 'function') throw new Error(`${fn.entry} does not export a handler`);
          return module.handler;
        },
      );
      loading.catch(() => this.handlers.delete(fn.name));
      this.handlers.set(fn.name, loading);
    }
    return loading.catch((error: unknown) => {
      throw new WorkflowError(
        'Runtime.ImportModuleError',
        lambdaCause('', 'Runtime.ImportModuleError', error instanceof Error ? error.message : String(error)),
      );
    });
  }
}

/** The `Cause` Step Functions reports when the Lambda service (not the function) failed an invocation. */
function lambdaServiceCause(name: LambdaFaultName, requestId: string): string {
  const [status, code, message] =
    name === 'Lambda.TooManyRequestsException'
      ? [429, 'TooManyRequestsException', 'Rate Exceeded.']
      : [500, 'ServiceException', 'Internal error.'];
  return `${message} (Service: AWSLambda; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId}; Proxy: null)`;
}

/** The `Cause` Step Functions reports for a failed Lambda: the function's error document as a JSON string. */
function lambdaCause(requestId: string, errorType: string, errorMessage: string, error?: unknown): string {
  const stackTrace =
    error instanceof Error && error.stack
      ? error.stack
          .split('\n')
          .slice(1, 6)
          .map((line) => line.trim())
      : [];
  return JSON.stringify({ errorType, errorMessage, requestId, stackTrace });
}
