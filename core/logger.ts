import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger of the API and the task Lambdas: structured JSON, level from POWERTOOLS_LOG_LEVEL. Log ids, route
 * patterns, error names and durations; never task tokens, session tokens, email addresses or request bodies.
 */
const base = new Logger({ serviceName: 'lumina' });

/** The logger of the task invocation the current async call chain belongs to (`tasks/define-task.ts`). */
const invocation = new AsyncLocalStorage<Logger>();

/**
 * `logger` is the invocation's logger inside a task (with its Lambda context, workflow, task and execution name) and
 * the base logger elsewhere. On AWS a process runs one invocation at a time, but locally the API and every task share
 * one process, so the context must follow the call chain rather than live on a shared object: otherwise one task's
 * keys would appear on another's lines, or on the API's.
 */
export const logger: Logger = new Proxy(base, {
  get(target, property) {
    const current = invocation.getStore() ?? target;
    const value: unknown = Reflect.get(current, property, current);
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
  },
});

/** Runs `work` with a fresh child logger, set up by `configure`, as `logger`. */
export function withInvocationLogger<T>(
  configure: (child: Logger) => void,
  work: () => Promise<T>,
): Promise<T> {
  const child = base.createChild();
  configure(child);
  return invocation.run(child, work);
}

/** True inside a task invocation's call chain (`withInvocationLogger`); false in the API's. */
export function inTaskInvocation(): boolean {
  return invocation.getStore() !== undefined;
}
