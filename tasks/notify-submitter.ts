/**
 * Submission review: tell the submitter the outcome (approved, or rejected with the moderator's reason), once, if
 * an address is known: their member address, or the one an anonymous visitor gave.
 */
import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { getMember } from '../core/members/account.js';
import { outcomeEmail, sendNoticeOnce } from '../core/submissions/notices.js';
import { submissionRepository } from '../core/submissions/repository.js';
import { hasOutcomeToTell, noticeName, outcomeAddress } from '../core/submissions/rules.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'notify-submitter',
  input: z.object({ submissionId: z.uuid() }),
  output: z.object({ sent: z.boolean(), reason: z.string().optional() }),
  dependencies: { submissions: submissionRepository, members: { getMember } },
  async run({ submissionId }, { submissions, members, mailer, clock }) {
    const submission = await submissions.getSubmission(submissionId);
    if (!submission) throw new DomainError('InvalidInput', 'Submission not found');
    if (!hasOutcomeToTell(submission)) return { sent: false, reason: 'no outcome to tell' };
    const member = submission.submitter.verified
      ? await members.getMember(submission.submitter.id)
      : undefined;
    const address = outcomeAddress(submission, member);
    if (!address) return { sent: false, reason: 'no address' };
    const sent = await sendNoticeOnce(
      submissionId,
      noticeName('submitter'),
      address,
      outcomeEmail(submission),
      {
        submissions,
        mailer,
        now: clock.now(),
      },
    );
    return sent ? { sent: true } : { sent: false, reason: 'already sent' };
  },
});
