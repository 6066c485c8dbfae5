/**
 * Submission review step 1: the workflow is started with the submission id only. Validate the stored submission
 * again (anything holding the permission can start a workflow) and take it up: `pending`, in its site's moderation
 * queue, with an undecided review. Returns the settings the later states need.
 */
import { z } from 'zod';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { submissionSchemas, type SubmissionItem } from '../core/submissions/model.js';
import { submissionSettings } from '../core/submissions/settings.js';
import { SubmissionNotFound, markPending } from '../core/submissions/store.js';
import { configuredSites } from '../core/staff/model.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ submissionId: z.uuid(), executionName: z.string().min(1) });

export const handler = async (event: unknown) => {
  const { submissionId, executionName } = parseTaskInput(InputSchema, event);
  try {
    const submission = await markPending(submissionId, executionName, checkStoredSubmission);
    const settings = submissionSettings();
    return {
      submissionId,
      site: submission.site,
      round: 0,
      settings: {
        decisionTimeoutSeconds: settings.decisionTimeoutSeconds,
        reminderRounds: settings.reminderRounds,
      },
    };
  } catch (error) {
    if (error instanceof SubmissionNotFound)
      throw new WorkflowTaskError(taskErrors.invalidInput, error.message);
    rethrowAwsError(error);
  }
};

/** The stored fields must still pass the API's schema for their type, and the site must be configured. */
function checkStoredSubmission(submission: SubmissionItem): void {
  const schema = submissionSchemas[submission.type];
  const fields = {
    targetType: submission.targetType,
    targetId: submission.targetId,
    targetName: submission.targetName,
    targetUrl: submission.targetUrl,
    subject: submission.subject,
    message: submission.message,
    ...(submission.show ? { show: submission.show } : {}),
    ...(submission.bio ? { bio: submission.bio } : {}),
  };
  const problems: string[] = [];
  if (!schema) problems.push('type');
  else {
    const result = schema.safeParse(fields);
    if (!result.success) problems.push(...result.error.issues.map((issue) => issue.path.join('.')));
  }
  if (!configuredSites().includes(submission.site)) problems.push('site');
  if (problems.length > 0) {
    throw new WorkflowTaskError(
      taskErrors.invalidInput,
      `Invalid stored submission: ${[...new Set(problems)].join(', ')}`,
    );
  }
}
