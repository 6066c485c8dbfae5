/**
 * Submission review: give the submission its final status. After a decision that is the decision's status; after
 * the last reminder round ran out, or a failure, with no outcome recorded, the submission expires. Safe to repeat.
 */
import { z } from 'zod';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { SubmissionConflict, SubmissionNotFound, settleSubmission } from '../core/submissions/store.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ submissionId: z.uuid() });

export const handler = async (event: unknown) => {
  const { submissionId } = parseTaskInput(InputSchema, event);
  try {
    return await settleSubmission(submissionId);
  } catch (error) {
    if (error instanceof SubmissionNotFound)
      throw new WorkflowTaskError(taskErrors.invalidInput, error.message);
    if (error instanceof SubmissionConflict) throw new WorkflowTaskError(taskErrors.retryable, error.message);
    rethrowAwsError(error);
  }
};
