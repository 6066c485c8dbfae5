/**
 * Submission review: one round of waiting for a moderator. Invoked by a `.waitForTaskToken` state, so the workflow
 * waits until a decision resumes it or the round times out. Stores the round's task token with the review (where a
 * decision finds it), then emails the round's staff: the site's moderators first, reminders to them and the admins
 * after each timeout. If an outcome was recorded while no token was waiting (a decision racing the round's end, or
 * a withdrawal), this round answers its own token with it at once. The token is a credential: never logged.
 */
import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { REVIEW_OUTCOMES } from '../core/submissions/model.js';
import { notifyRound, staffDirectory } from '../core/submissions/notices.js';
import { submissionRepository } from '../core/submissions/repository.js';
import { reviewWorkflow } from '../core/submissions/review-workflow.js';
import { roundRecipients, waitedDays } from '../core/submissions/rules.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'request-decision',
  input: z.object({
    submissionId: z.uuid(),
    executionName: z.string().min(1),
    round: z.number().int().min(0),
    taskToken: z.string().min(1).max(2048),
    decisionTimeoutSeconds: z.number().int().positive(),
  }),
  // The state's result is what SendTaskSuccess sends, not this: it is for the logs and the tests.
  output: z.object({
    notified: z.number().int(),
    recipients: z.number().int().optional(),
    outcome: z.enum(REVIEW_OUTCOMES).optional(),
  }),
  dependencies: { submissions: submissionRepository, workflow: reviewWorkflow, staff: staffDirectory },
  async run(input, { submissions, workflow, staff, mailer, clock, log }) {
    const now = clock.now();
    const stored = await submissions.storeRoundToken({ ...input, now });
    if (!stored) throw new DomainError('InvalidInput', 'Submission not found');
    if (!stored.stored) {
      await workflow.resume(input.taskToken, stored.outcome);
      return { notified: 0, outcome: stored.outcome };
    }
    const submission = await submissions.getSubmission(input.submissionId);
    if (!submission) throw new DomainError('InvalidInput', 'Submission not found');
    const recipients = roundRecipients(await staff.staffWithScopes(), submission.site, input.round);
    if (recipients.length === 0) {
      // Nobody holds moderate or admin on the site, nor network:admin: the submission can only wait and expire.
      log.warn('No staff to tell about a submission', {
        submissionId: input.submissionId,
        site: submission.site,
        round: input.round,
      });
    }
    const notified = await notifyRound(
      submission,
      input.round,
      recipients,
      waitedDays(input.round, input.decisionTimeoutSeconds),
      { submissions, mailer, now },
    );
    return { notified, recipients: recipients.length };
  },
});
