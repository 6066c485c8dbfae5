/**
 * Submission review: one round of waiting for a moderator. Invoked by a `.waitForTaskToken` state, so the workflow
 * waits until a decision resumes it or the round times out. Stores the round's task token with the review (where a
 * decision finds it), then emails the round's staff: the site's moderators first, reminders to them and the admins
 * after each timeout. If an outcome was recorded while no token was waiting (a decision racing the round's end, or
 * a withdrawal), this round answers its own token with it at once. The token is a credential: never logged.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { sfnClient } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { notifyRound, recipientsForRound } from '../core/submissions/notices.js';
import { SubmissionNotFound, getSubmission, storeRoundToken } from '../core/submissions/store.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({
  submissionId: z.uuid(),
  executionName: z.string().min(1),
  round: z.number().int().min(0),
  taskToken: z.string().min(1).max(2048),
  decisionTimeoutSeconds: z.number().int().positive(),
});

export const handler = async (event: unknown) => {
  const input = parseTaskInput(InputSchema, event);
  try {
    const stored = await storeRoundToken(
      input.submissionId,
      input.executionName,
      input.round,
      input.taskToken,
    );
    if (!stored.stored) {
      await sfnClient.send(
        new SendTaskSuccessCommand({
          taskToken: input.taskToken,
          output: JSON.stringify({ outcome: stored.outcome }),
        }),
      );
      return { notified: 0, outcome: stored.outcome };
    }
    const submission = await getSubmission(input.submissionId);
    if (!submission) throw new SubmissionNotFound();
    const recipients = await recipientsForRound(submission.site, input.round);
    if (recipients.length === 0) {
      // Nobody holds moderate or admin on the site, nor network:admin: the submission can only wait and expire.
      logger.warn('No staff to tell about a submission', {
        submissionId: input.submissionId,
        site: submission.site,
        round: input.round,
      });
    }
    const notified = await notifyRound(
      submission,
      input.round,
      recipients,
      input.round * input.decisionTimeoutSeconds,
    );
    return { notified, recipients: recipients.length };
  } catch (error) {
    if (error instanceof SubmissionNotFound)
      throw new WorkflowTaskError(taskErrors.invalidInput, error.message);
    rethrowAwsError(error);
  }
};
