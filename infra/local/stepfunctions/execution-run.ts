/**
 * One execution of a state machine on the local runtime: drives `aws-local-stepfunctions`, supplies every Task
 * through an override (Lambda invocation, EventBridge PutEvents, task tokens, timeouts, heartbeats, Wait states) and
 * records the history in AWS's HistoryEvent shapes.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { InterpreterEvent } from './interpreter-events.js';
import type { LocalLambda } from './local-lambda.js';
import {
  EXECUTION_CONTEXT_KEY,
  TASK_TOKEN_PLACEHOLDER,
  readReferencePath,
  textOf,
  unwrapTaskInput,
  type PreparedDefinition,
  type StateInfo,
} from './definition.js';
import { WorkflowError } from './errors.js';
import type { LocalEventBus } from './event-bridge.js';
import {
  detailsKeyFor,
  type ExecutionRecord,
  type HistoryEvent,
  type StateMachineRecord,
  type WaitingTask,
} from './model.js';
import type { ExecutionStore } from './store.js';
import type { TaskTokens } from './task-tokens.js';
import { runAt, scaledMs, sleepUntil, type Timer } from './timers.js';
import { makeTimeoutError } from './timeout-error.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface RunDependencies {
  timeScale: number;
  region: string;
  lambda: LocalLambda;
  tokens: TaskTokens;
  store: ExecutionStore;
  eventBus: LocalEventBus;
}

/** Where a resumed execution picks up: a top-level state, its input, and the task it was waiting on. */
export interface ResumePoint {
  stateName: string;
  input: Json;
  waiting?: WaitingTask;
}

interface TaskResource {
  /** `lambda:invoke` style integrations report resourceType/resource; a direct Lambda ARN reports LambdaFunction* */
  kind: 'integration' | 'direct-lambda';
  callback: boolean;
  /** The service, as history events name it: `lambda` or `events`. */
  resourceType: 'lambda' | 'events';
  resource: string;
}

class ExecutionClosed extends Error {
  constructor() {
    super('The execution is no longer running');
    this.name = 'States.Runtime';
  }
}

export class ExecutionRun {
  readonly history: HistoryEvent[];
  private closed: boolean;
  private readonly controller = new AbortController();
  private abortInterpreter: (() => void) | undefined;
  private executionTimer: Timer | undefined;
  private readonly cancelWaiters = new Set<() => void>();
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  /** On resume the interpreter enters the resumed state again; AWS's history would not show that twice. */
  private suppressEntered: string | undefined;

  constructor(
    readonly record: ExecutionRecord,
    private readonly machine: StateMachineRecord,
    private readonly prepared: PreparedDefinition,
    private readonly deps: RunDependencies,
    history: HistoryEvent[] = [],
  ) {
    this.history = history;
    this.closed = record.status !== 'RUNNING';
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    if (this.closed) this.resolveFinished();
  }

  get isRunning(): boolean {
    return !this.closed;
  }

  /** Starts a new execution, or resumes one at a top-level state after a restart. */
  start(resume?: ResumePoint): void {
    const input = JSON.parse(this.record.input) as Json;
    if (!resume) {
      this.emit('ExecutionStarted', {
        input: this.record.input,
        inputDetails: { truncated: false },
        roleArn: this.machine.roleArn,
      });
    }
    this.armExecutionTimeout();

    this.suppressEntered = resume?.stateName;
    const definition = resume
      ? { ...this.prepared.runnable, StartAt: resume.stateName }
      : this.prepared.runnable;
    const interpreter = new StateMachine(definition, { validationOptions: { noValidate: true } });
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [name, info] of this.prepared.states) {
      if (info.type === 'Task') {
        handlers[name] = (taskInput) =>
          this.runTask(name, info, taskInput, resume?.stateName === name ? resume.waiting : undefined);
      }
      if (info.type === 'Wait') handlers[name] = (waitInput) => this.runWait(info, waitInput);
    }
    const startDate = new Date(this.record.startDate).toISOString();
    const run = interpreter.run(resume ? resume.input : input, {
      overrides: { taskResourceLocalHandlers: handlers },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: this.record.executionArn, Name: this.record.name, RoleArn: this.machine.roleArn },
        [EXECUTION_CONTEXT_KEY]: { Input: input, StartTime: startDate },
        StateMachine: { Id: this.machine.stateMachineArn, Name: this.machine.name },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
    this.abortInterpreter = run.abort;
    const consumed = this.consumeEvents(run.eventLogs);
    void Promise.allSettled([run.result, consumed]).then(([outcome]) => this.finish(outcome));
  }

  /** StopExecution: the run ends ABORTED at once; tasks in flight are abandoned and their tokens refused. */
  stop(error?: string, cause?: string): void {
    if (this.closed) return;
    this.close('ABORTED', { error, cause });
    this.emit('ExecutionAborted', { ...(error ? { error } : {}), ...(cause ? { cause } : {}) }, true);
    this.halt();
  }

  /**
   * Shutdown of the runtime: timers and tasks stop, but the record stays RUNNING with its waiting tasks, so the
   * next start resumes it.
   */
  detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.executionTimer?.cancel();
    this.halt();
  }

  /** Marks an execution that cannot be resumed after a restart as failed, with the reason. */
  failUnresumable(cause: string): void {
    this.closed = false;
    this.close('FAILED', { error: 'States.Runtime', cause });
    this.emit('ExecutionFailed', { error: 'States.Runtime', cause }, true);
    this.resolveFinished();
  }

  private armExecutionTimeout(): void {
    const seconds = this.prepared.executionTimeoutSeconds;
    if (seconds === undefined) return;
    const deadline = this.record.startDate + scaledMs(seconds, this.deps.timeScale);
    this.executionTimer = runAt(deadline, () => {
      if (this.closed) return;
      const cause = `The execution ran longer than its TimeoutSeconds (${seconds} s)`;
      this.close('TIMED_OUT', { error: 'States.Timeout', cause });
      this.emit('ExecutionTimedOut', { error: 'States.Timeout', cause }, true);
      this.halt();
    });
  }

  private halt(): void {
    for (const cancel of [...this.cancelWaiters]) cancel();
    this.controller.abort();
    this.abortInterpreter?.();
  }

  private finish(outcome: PromiseSettledResult<unknown> | undefined): void {
    this.executionTimer?.cancel();
    if (!this.closed && outcome) {
      if (outcome.status === 'fulfilled') {
        const output = JSON.stringify(outcome.value ?? null);
        this.close('SUCCEEDED', { output });
        this.emit('ExecutionSucceeded', { output, outputDetails: { truncated: false } }, true);
      } else {
        const { error, cause } = describeFailure(outcome.reason);
        this.close('FAILED', { error, cause });
        this.emit('ExecutionFailed', { error, cause }, true);
      }
    }
    this.resolveFinished();
  }

  private close(status: ExecutionRecord['status'], fields: Partial<ExecutionRecord>): void {
    if (this.closed) return;
    this.closed = true;
    Object.assign(this.record, fields, { status, stopDate: Date.now(), waiting: undefined });
    for (const key of Object.keys(fields) as (keyof ExecutionRecord)[]) {
      if (fields[key] === undefined) delete this.record[key];
    }
    this.deps.store.saveExecution(this.record);
  }

  // ---------------------------------------------------------------- history

  private emit(type: string, details?: Record<string, unknown>, final = false): void {
    if (this.closed && !final) return;
    const id = this.history.length + 1;
    const event: HistoryEvent = { id, previousEventId: id - 1, timestamp: Date.now(), type };
    if (details) event[detailsKeyFor(type)] = details;
    this.history.push(event);
    this.deps.store.appendHistory(this.record.executionArn, event);
  }

  private stateType(name: string): string {
    return this.prepared.states.get(name)?.type ?? 'Task';
  }

  /**
   * Translates the interpreter's event log into AWS history events. Task-level events (scheduled, started,
   * succeeded...) come from the task overrides instead, which wait one macrotask before recording so that the
   * interpreter's StateEntered, dispatched synchronously before the override is called, is recorded first.
   */
  private async consumeEvents(events: AsyncGenerator<InterpreterEvent>) {
    for await (const event of events) {
      if (this.closed) continue;
      switch (event.type) {
        case 'StateEntered': {
          if (this.suppressEntered === event.state.name) {
            this.suppressEntered = undefined;
            break;
          }
          const type = this.stateType(event.state.name);
          this.emit(`${type}StateEntered`, {
            name: event.state.name,
            input: JSON.stringify(event.state.input),
            inputDetails: { truncated: false },
          });
          if (type === 'Parallel') this.emit('ParallelStateStarted');
          if (type === 'Map')
            this.emit('MapStateStarted', { length: mapLength(this.prepared.states, event) });
          break;
        }
        case 'StateExited': {
          const type = this.stateType(event.state.name);
          if (type === 'Parallel' || type === 'Map') this.emit(`${type}StateSucceeded`);
          this.emit(`${type}StateExited`, {
            name: event.state.name,
            output: JSON.stringify(event.state.output ?? null),
            outputDetails: { truncated: false },
          });
          break;
        }
        case 'StateFailed': {
          const type = this.stateType(event.state.name);
          if (type === 'Parallel' || type === 'Map') {
            this.emit(`${type}StateFailed`, { error: event.Error, cause: causeText(event.Cause) });
          }
          break;
        }
        case 'StateCaught':
          this.emit(`${this.stateType(event.state.name)}StateExited`, { name: event.state.name });
          break;
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed':
          this.emit(event.type, { name: event.parentState.name, index: event.index });
          break;
        default:
          break;
      }
    }
  }

  // ---------------------------------------------------------------- states

  private async runWait(info: StateInfo, input: Json): Promise<Json> {
    if (this.closed) throw new ExecutionClosed();
    const state = info.original;
    let deadline = Date.now();
    const scale = this.deps.timeScale;
    if (typeof state.Seconds === 'number') deadline += scaledMs(state.Seconds, scale);
    if (typeof state.SecondsPath === 'string') {
      const seconds = readReferencePath(state.SecondsPath, input);
      if (typeof seconds !== 'number' || seconds < 0) {
        throw new WorkflowError(
          'States.Runtime',
          `SecondsPath '${state.SecondsPath}' is not a non-negative number`,
        );
      }
      deadline += scaledMs(seconds, scale);
    }
    const timestamp =
      typeof state.Timestamp === 'string'
        ? state.Timestamp
        : typeof state.TimestampPath === 'string'
          ? readReferencePath(state.TimestampPath, input)
          : undefined;
    if (timestamp !== undefined) {
      const at = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
      if (Number.isNaN(at))
        throw new WorkflowError('States.Runtime', 'Wait timestamp is not an RFC 3339 timestamp');
      deadline += Math.max(0, at - Date.now()) * scale;
    }
    await sleepUntil(deadline, this.controller.signal);
    if (this.closed) throw new ExecutionClosed();
    return input;
  }

  private async runTask(
    name: string,
    info: StateInfo,
    rawTaskInput: Json,
    resumeWaiting?: WaitingTask,
  ): Promise<Json> {
    if (this.closed) throw new ExecutionClosed();
    await nextMacrotask();
    if (this.closed) throw new ExecutionClosed();
    const state = info.original;
    const resource = parseResource(textOf(state.Resource));
    const unwrapped = unwrapTaskInput(state, rawTaskInput);
    const input = unwrapped.input;
    const timeoutSeconds = secondsField(state, 'TimeoutSeconds', unwrapped.timeoutSeconds);
    const heartbeatSeconds = secondsField(state, 'HeartbeatSeconds', unwrapped.heartbeatSeconds);

    if (!resumeWaiting) {
      if (resource.kind === 'direct-lambda') {
        this.emit('LambdaFunctionScheduled', {
          resource: resource.resource,
          input: JSON.stringify(input),
          ...(timeoutSeconds ? { timeoutInSeconds: timeoutSeconds } : {}),
        });
        this.emit('LambdaFunctionStarted');
      } else {
        this.emit('TaskScheduled', {
          resourceType: resource.resourceType,
          resource: resource.resource,
          region: this.deps.region,
          parameters: JSON.stringify(input),
          ...(timeoutSeconds ? { timeoutInSeconds: timeoutSeconds } : {}),
          ...(heartbeatSeconds ? { heartbeatInSeconds: heartbeatSeconds } : {}),
        });
        this.emit('TaskStarted', { resourceType: resource.resourceType, resource: resource.resource });
      }
    }

    const enteredAt = Date.now();
    const timeoutDeadline =
      resumeWaiting?.deadline ??
      (timeoutSeconds ? enteredAt + scaledMs(timeoutSeconds, this.deps.timeScale) : undefined);

    let timers: Timer[] = [];
    let tokenHash: string | undefined;
    const outcome = new Promise<Json>((resolve, reject) => {
      const cancel = () => reject(new ExecutionClosed());
      this.cancelWaiters.add(cancel);
      const cleanup = () => {
        this.cancelWaiters.delete(cancel);
        for (const timer of timers) timer.cancel();
      };
      const settle = (fn: () => void) => {
        cleanup();
        fn();
      };
      if (timeoutDeadline !== undefined) {
        timers.push(
          runAt(timeoutDeadline, () =>
            settle(() =>
              reject(makeTimeoutError('States.Timeout', `Task timed out after ${timeoutSeconds} seconds`)),
            ),
          ),
        );
      }
      let heartbeatTimer: Timer | undefined;
      const armHeartbeat = () => {
        if (!heartbeatSeconds) return;
        heartbeatTimer?.cancel();
        heartbeatTimer = runAt(Date.now() + scaledMs(heartbeatSeconds, this.deps.timeScale), () =>
          settle(() =>
            // AWS documents States.Timeout as covering missed heartbeats too; the interpreter matches one error
            // name, so a Catch on States.Timeout handles both here (States.HeartbeatTimeout is not matched).
            reject(
              makeTimeoutError(
                'States.Timeout',
                `Task missed its heartbeat (HeartbeatSeconds ${heartbeatSeconds})`,
              ),
            ),
          ),
        );
        timers = timers.filter((timer) => timer !== heartbeatTimer);
        timers.push(heartbeatTimer);
      };

      if (resource.callback) {
        const minted = resumeWaiting
          ? { token: undefined, hash: resumeWaiting.tokenHash }
          : this.deps.tokens.mint();
        tokenHash = minted.hash;
        this.deps.tokens.register(minted.hash, {
          executionArn: this.record.executionArn,
          stateName: name,
          succeed: (output) => settle(() => resolve(output as Json)),
          fail: (error, cause) => settle(() => reject(new WorkflowError(error, cause))),
          heartbeat: armHeartbeat,
        });
        this.rememberWaiting({ stateName: name, tokenHash: minted.hash, deadline: timeoutDeadline });
        armHeartbeat();
        if (minted.token !== undefined) {
          const withToken = replaceToken(input, minted.token);
          this.invoke(resource, withToken).then(
            (invocationOutput) => {
              if (this.closed) return;
              this.emit('TaskSubmitted', {
                resourceType: resource.resourceType,
                resource: resource.resource,
                output: JSON.stringify(invocationOutput),
              });
            },
            (error: unknown) => settle(() => reject(error)),
          );
        }
      } else {
        this.invoke(resource, input).then(
          (output) => settle(() => resolve(output)),
          (error: unknown) => settle(() => reject(error)),
        );
      }
    });

    try {
      const output = await outcome;
      if (resource.kind === 'direct-lambda') {
        this.emit('LambdaFunctionSucceeded', { output: JSON.stringify(output) });
      } else {
        this.emit('TaskSucceeded', {
          resourceType: resource.resourceType,
          resource: resource.resource,
          output: JSON.stringify(output),
        });
      }
      return output;
    } catch (error) {
      const { error: errorName, cause } = describeFailure(error);
      const timedOut = errorName === 'States.Timeout';
      if (resource.kind === 'direct-lambda') {
        this.emit(timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed', { error: errorName, cause });
      } else {
        this.emit(timedOut ? 'TaskTimedOut' : 'TaskFailed', {
          resourceType: resource.resourceType,
          resource: resource.resource,
          error: errorName,
          cause,
        });
      }
      throw error;
    } finally {
      if (tokenHash) {
        this.deps.tokens.end(tokenHash);
        this.forgetWaiting(tokenHash);
      }
    }
  }

  private async invoke(resource: TaskResource, input: Json): Promise<Json> {
    if (resource.kind === 'direct-lambda')
      return (await this.deps.lambda.invoke(resource.resource, input)) as Json;
    if (resource.resourceType === 'events') {
      const output = this.deps.eventBus.putEvents(input, {
        executionArn: this.record.executionArn,
        stateMachineArn: this.machine.stateMachineArn,
      });
      return output as unknown as Json;
    }
    const parameters = (input ?? {}) as { FunctionName?: unknown; Payload?: Json };
    if (typeof parameters.FunctionName !== 'string') {
      throw new WorkflowError('States.Runtime', 'lambda:invoke needs Parameters.FunctionName');
    }
    const payload = await this.deps.lambda.invoke(parameters.FunctionName, parameters.Payload ?? null);
    // The shape Step Functions returns for the optimised Lambda integration.
    return {
      ExecutedVersion: '$LATEST',
      Payload: payload as Json,
      SdkHttpMetadata: { HttpHeaders: {}, HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: '' },
      StatusCode: 200,
    };
  }

  private rememberWaiting(waiting: WaitingTask): void {
    if (this.closed) return;
    const others = (this.record.waiting ?? []).filter((task) => task.tokenHash !== waiting.tokenHash);
    this.record.waiting = [...others, waiting];
    this.deps.store.saveExecution(this.record);
  }

  private forgetWaiting(tokenHash: string): void {
    if (this.closed || !this.record.waiting) return;
    this.record.waiting = this.record.waiting.filter((waiting) => waiting.tokenHash !== tokenHash);
    if (this.record.waiting.length === 0) delete this.record.waiting;
    this.deps.store.saveExecution(this.record);
  }
}

function parseResource(resource: string): TaskResource {
  const integration = /^arn:aws:states:::lambda:(invoke)(\.waitForTaskToken)?$/.exec(resource);
  if (integration) {
    const callback = integration[2] !== undefined;
    return {
      kind: 'integration',
      callback,
      resourceType: 'lambda',
      resource: callback ? 'invoke.waitForTaskToken' : 'invoke',
    };
  }
  const events = /^arn:aws:states:::events:putEvents(\.waitForTaskToken)?$/.exec(resource);
  if (events) {
    if (events[1] !== undefined) {
      throw new WorkflowError(
        'States.Runtime',
        `The local runtime does not support the task resource ${resource}: ` +
          'events:putEvents runs only as request-response (arn:aws:states:::events:putEvents)',
      );
    }
    return { kind: 'integration', callback: false, resourceType: 'events', resource: 'putEvents' };
  }
  if (/^arn:aws:lambda:[^:]+:[^:]+:function:.+$/.test(resource)) {
    return { kind: 'direct-lambda', callback: false, resourceType: 'lambda', resource };
  }
  throw new WorkflowError(
    'States.Runtime',
    `The local runtime does not support the task resource ${resource}`,
  );
}

/** A literal `TimeoutSeconds`/`HeartbeatSeconds`, or the value its `...Path` selected from the state input. */
function secondsField(
  state: Record<string, unknown>,
  field: 'TimeoutSeconds' | 'HeartbeatSeconds',
  value: unknown,
) {
  const literal = state[field];
  if (typeof literal === 'number') return literal;
  const path = state[`${field}Path`];
  if (typeof path !== 'string') return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new WorkflowError('States.Runtime', `${field}Path '${path}' must point to a positive integer`);
  }
  return value;
}

/** Puts the real token wherever Parameters placed `$$.Task.Token` (alone or inside a formatted string). */
function replaceToken(value: Json, token: string): Json {
  if (typeof value === 'string') return value.split(TASK_TOKEN_PLACEHOLDER).join(token);
  if (Array.isArray(value)) return value.map((item) => replaceToken(item, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceToken(item, token)]));
  }
  return value;
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return cause === undefined ? '' : JSON.stringify(cause);
}

/** Error name and cause as Step Functions reports them, from whatever the interpreter or a task threw. */
function describeFailure(reason: unknown): { error: string; cause: string } {
  const error = reason instanceof ExecutionError && reason.cause instanceof Error ? reason.cause : reason;
  if (error instanceof Error) {
    // A Fail state without `Error` is reported by the interpreter under its class name.
    const name = error.name === 'FailStateError' ? '' : error.name;
    return { error: name, cause: error.message };
  }
  return { error: 'States.Runtime', cause: String(error) };
}

function mapLength(states: Map<string, StateInfo>, event: { state: { name: string; input: unknown } }) {
  const original = states.get(event.state.name)?.original ?? {};
  let input: unknown = event.state.input;
  if (typeof original.InputPath === 'string') input = readReferencePath(original.InputPath, input);
  const items = readReferencePath(typeof original.ItemsPath === 'string' ? original.ItemsPath : '$', input);
  return Array.isArray(items) ? items.length : 0;
}
