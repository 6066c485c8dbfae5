/**
 * Submission review: give the submission its final status. After a decision that is the decision's status; after
 * the last reminder round ran out, or a failure, with no outcome recorded, the submission expires (`settlement` in
 * core/submissions/rules.ts). Safe to repeat.
 */
import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { SUBMISSION_STATUSES } from '../core/submissions/model.js';
import { submissionRepository } from '../core/submissions/repository.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'settle-submission',
  input: z.object({ submissionId: z.uuid() }),
  output: z.object({ status: z.enum(SUBMISSION_STATUSES), site: z.string() }),
  dependencies: { submissions: submissionRepository },
  async run({ submissionId }, { submissions, clock }) {
    // A concurrent change too many times in a row is SubmissionConflict: RetryableError for the workflow.
    const settled = await submissions.settleSubmission(submissionId, clock.now());
    if (!settled) throw new DomainError('InvalidInput', 'Submission not found');
    return settled;
  },
});
