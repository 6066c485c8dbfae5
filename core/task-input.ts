import type { z } from 'zod';
import { WorkflowTaskError, taskErrors } from './errors.js';

/**
 * Validates a task's input. A workflow can be started by anything holding the permission, so tasks check again
 * what the API already checked; a failure is `InvalidInput`, which the ASL never retries. The message names the
 * fields, never their values (they can be personal data).
 */
export function parseTaskInput<T extends z.ZodType>(schema: T, event: unknown): z.infer<T> {
  const result = schema.safeParse(event);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.') || '(input)');
    throw new WorkflowTaskError(
      taskErrors.invalidInput,
      `Invalid task input: ${[...new Set(fields)].join(', ')}`,
    );
  }
  return result.data;
}
