/**
 * Turns an ASL definition into the one handed to `aws-local-stepfunctions`. The interpreter's own handling of time
 * cannot be scaled, caps timeouts at 60 s by default and overflows past 24.8 days, so every timing concern moves
 * into the runtime: Task timeouts and heartbeats are enforced by the task overrides, Wait states become Tasks whose
 * override sleeps, retry intervals are multiplied by the time scale, and the execution timeout is kept aside.
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A definition's (or request's) value as text, for a field that should hold a string: an object as its JSON. */
export function textOf(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The interpreter's own timer for a Task; the largest value setTimeout accepts, so ours always fires first. */
const INTERPRETER_TASK_TIMEOUT_SECONDS = 2_147_483;
/** Resource of the Task that stands in for a Wait state. Only the runtime's own override ever runs it. */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local:wait';
/** Stands in for `$$.Task.Token` while Parameters are evaluated; the task override swaps in a real token. */
export const TASK_TOKEN_PLACEHOLDER = '__local_task_token__';
/**
 * The interpreter resets `$$.Execution.Input` and `StartTime` in every Parallel branch and Map iteration, so paths
 * to them are redirected to a context key it copies through unchanged.
 */
export const EXECUTION_CONTEXT_KEY = '__execution';

export interface StateInfo {
  type: string;
  /** The state as written in the ASL file (for Task: resource, timeouts, heartbeat). */
  original: JsonObject;
  /** Whether the state sits inside a Parallel branch or a Map iteration. */
  nested: boolean;
}

export interface PreparedDefinition {
  runnable: StateMachineDefinition;
  states: Map<string, StateInfo>;
  executionTimeoutSeconds?: number;
}

export function prepareDefinition(definition: JsonObject, timeScale: number): PreparedDefinition {
  const states = new Map<string, StateInfo>();
  const runnable = prepareStates(definition, timeScale, states, false);
  const timeout = definition.TimeoutSeconds;
  delete runnable.TimeoutSeconds;
  return {
    runnable: runnable as unknown as StateMachineDefinition,
    states,
    executionTimeoutSeconds: typeof timeout === 'number' ? timeout : undefined,
  };
}

function prepareStates(
  machine: JsonObject,
  timeScale: number,
  states: Map<string, StateInfo>,
  nested: boolean,
): JsonObject {
  const result: JsonObject = { ...machine };
  const prepared: JsonObject = {};
  for (const [name, raw] of Object.entries(machine.States as JsonObject)) {
    const state = raw as JsonObject;
    states.set(name, { type: textOf(state.Type), original: state, nested });
    prepared[name] = prepareState(state, timeScale, states);
  }
  result.States = prepared;
  return result;
}

function prepareState(state: JsonObject, timeScale: number, states: Map<string, StateInfo>): JsonObject {
  const out = redirectExecutionContext(state) as JsonObject;
  // `"ResultPath": "$"` means "replace the input", the default; the interpreter would instead write a key named "$".
  if (out.ResultPath === '$') delete out.ResultPath;
  if (Array.isArray(out.Retry))
    out.Retry = out.Retry.map((retrier) => scaleRetrier(retrier as JsonObject, timeScale));
  switch (state.Type) {
    case 'Task':
      carryDynamicTimeouts(out);
      delete out.TimeoutSecondsPath;
      delete out.HeartbeatSeconds;
      delete out.HeartbeatSecondsPath;
      out.TimeoutSeconds = INTERPRETER_TASK_TIMEOUT_SECONDS;
      return out;
    case 'Wait': {
      const task: JsonObject = {
        Type: 'Task',
        Resource: LOCAL_WAIT_RESOURCE,
        TimeoutSeconds: INTERPRETER_TASK_TIMEOUT_SECONDS,
      };
      for (const key of ['InputPath', 'OutputPath', 'Next', 'End'] as const) {
        if (key in out) task[key] = out[key] as Json;
      }
      return task;
    }
    case 'Parallel':
      out.Branches = (state.Branches as JsonObject[]).map((branch) =>
        prepareStates(branch, timeScale, states, true),
      );
      return out;
    case 'Map': {
      const key = 'ItemProcessor' in state ? 'ItemProcessor' : 'Iterator';
      out[key] = prepareStates(state[key] as JsonObject, timeScale, states, true);
      return out;
    }
    default:
      return out;
  }
}

/**
 * `TimeoutSecondsPath` and `HeartbeatSecondsPath` refer to the state's input, but a task override only sees the
 * input after `Parameters`. So the paths are evaluated by `Parameters` itself, beside the original template, and
 * the override unwraps them (see `unwrapTaskInput`).
 */
function carryDynamicTimeouts(task: JsonObject): void {
  const timeoutPath = task.TimeoutSecondsPath;
  const heartbeatPath = task.HeartbeatSecondsPath;
  if (typeof timeoutPath !== 'string' && typeof heartbeatPath !== 'string') return;
  const wrapped: JsonObject =
    'Parameters' in task ? { [WRAPPED_PARAMETERS]: task.Parameters } : { [`${WRAPPED_PARAMETERS}.$`]: '$' };
  if (typeof timeoutPath === 'string') wrapped[`${WRAPPED_TIMEOUT}.$`] = timeoutPath;
  if (typeof heartbeatPath === 'string') wrapped[`${WRAPPED_HEARTBEAT}.$`] = heartbeatPath;
  task.Parameters = wrapped;
}

const WRAPPED_PARAMETERS = '__parameters';
const WRAPPED_TIMEOUT = '__timeoutSeconds';
const WRAPPED_HEARTBEAT = '__heartbeatSeconds';

/** The task's real input and its dynamic timeouts, from what `carryDynamicTimeouts` made Parameters produce. */
export function unwrapTaskInput(
  original: JsonObject,
  input: Json,
): { input: Json; timeoutSeconds?: unknown; heartbeatSeconds?: unknown } {
  if (typeof original.TimeoutSecondsPath !== 'string' && typeof original.HeartbeatSecondsPath !== 'string') {
    return { input };
  }
  const wrapped = (input ?? {}) as JsonObject;
  return {
    input: wrapped[WRAPPED_PARAMETERS] ?? null,
    timeoutSeconds: wrapped[WRAPPED_TIMEOUT],
    heartbeatSeconds: wrapped[WRAPPED_HEARTBEAT],
  };
}

function scaleRetrier(retrier: JsonObject, timeScale: number): JsonObject {
  const scaled = { ...retrier };
  // The interpreter computes interval × backoff^attempt, clamped to MaxDelaySeconds: scaling both scales it all.
  scaled.IntervalSeconds =
    (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * timeScale;
  if (typeof retrier.MaxDelaySeconds === 'number')
    scaled.MaxDelaySeconds = retrier.MaxDelaySeconds * timeScale;
  return scaled;
}

const EXECUTION_PATH = /\$\$\.Execution\.(Input|StartTime)/g;

/** Rewrites context paths in path fields and templates; literal `Result`s are data and stay untouched. */
function redirectExecutionContext(value: Json, key?: string): Json {
  if (typeof value === 'string') return value.replace(EXECUTION_PATH, `$$$$.${EXECUTION_CONTEXT_KEY}.$1`);
  if (Array.isArray(value)) return value.map((item) => redirectExecutionContext(item));
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const isData =
        k === 'Result' || k === 'Comment' || k === 'States' || k === 'Branches' || key === 'Result';
      out[k] = isData ? v : redirectExecutionContext(v, k);
    }
    return out;
  }
  return value;
}

/** Resolves a simple reference path such as `$.timeouts.verify` (all `TimeoutSecondsPath`s in practice). */
export function readReferencePath(path: string, input: unknown): unknown {
  if (path === '$') return input;
  if (!path.startsWith('$.')) return undefined;
  let current: unknown = input;
  for (const part of path.slice(2).split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
