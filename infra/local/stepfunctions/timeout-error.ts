/**
 * Task timeouts are enforced by the runtime, but the interpreter only treats an error as a timeout (which the
 * `States.TaskFailed` wildcard must not match) when it is an instance of its internal `StatesTimeoutError` class,
 * which it does not export. We obtain that class's prototype once, by letting the interpreter time out a task
 * after 1 ms, and give our timeout errors the same prototype.
 */
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { WorkflowError } from './errors.js';

let timeoutPrototype: object | undefined;

export async function loadTimeoutErrorClass(): Promise<void> {
  if (timeoutPrototype) return;
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 0.001, End: true },
      },
    },
    { validationOptions: { noValidate: true } },
  );
  const run = probe.run(
    {},
    { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => {}) } } },
  );
  try {
    await run.result;
  } catch (error) {
    if (
      error instanceof ExecutionError &&
      error.cause instanceof Error &&
      error.cause.name === 'States.Timeout'
    ) {
      timeoutPrototype = Object.getPrototypeOf(error.cause) as object;
    }
  }
  if (!timeoutPrototype) throw new Error('Could not obtain the interpreter timeout error class');
}

export function makeTimeoutError(name: 'States.Timeout', cause: string): Error {
  if (!timeoutPrototype) throw new Error('loadTimeoutErrorClass() must run before executions start');
  const error = new WorkflowError(name, cause);
  Object.setPrototypeOf(error, timeoutPrototype);
  return error;
}
