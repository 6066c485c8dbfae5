/**
 * Submission review step 1: the workflow is started with the submission id only. Validate the stored submission
 * again (anything holding the permission can start a workflow) and take it up: `pending`, in its site's moderation
 * queue, with an undecided review. Returns the settings the later states need.
 */
import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { configuredSites } from '../core/staff/model.js';
import { submissionRepository } from '../core/submissions/repository.js';
import { storedSubmissionProblems } from '../core/submissions/rules.js';
import { submissionSettings } from '../core/submissions/settings.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'store-submission',
  input: z.object({ submissionId: z.uuid(), executionName: z.string().min(1) }),
  output: z.object({
    submissionId: z.string(),
    site: z.string(),
    round: z.number().int(),
    settings: z.object({
      decisionTimeoutSeconds: z.number().int(),
      reminderRounds: z.number().int(),
    }),
  }),
  dependencies: { submissions: submissionRepository },
  async run({ submissionId, executionName }, { submissions, clock }) {
    const submission = await submissions.markPending(submissionId, executionName, clock.now(), (stored) => {
      const problems = storedSubmissionProblems(stored, configuredSites());
      if (problems.length > 0) {
        throw new DomainError('InvalidInput', `Invalid stored submission: ${problems.join(', ')}`);
      }
    });
    // Nothing to review: the execution ends as InvalidSubmission (the received item expires by TTL).
    if (!submission) throw new DomainError('InvalidInput', 'Submission not found');
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
  },
});
