/**
 * Submission review: tell the submitter the outcome (approved, or rejected with the moderator's reason), once, if
 * an address is known: their member address, or the one an anonymous visitor gave.
 */
import { z } from 'zod';
import { sendEmail } from '../core/email/send.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { outcomeEmail, submitterAddress } from '../core/submissions/notices.js';
import { claimNotice, getSubmission, releaseNotice } from '../core/submissions/store.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ submissionId: z.uuid() });
const NOTICE = 'submitter';

export const handler = async (event: unknown) => {
  const { submissionId } = parseTaskInput(InputSchema, event);
  try {
    const submission = await getSubmission(submissionId);
    if (!submission) throw new WorkflowTaskError(taskErrors.invalidInput, 'Submission not found');
    if (submission.status !== 'approved' && submission.status !== 'rejected') {
      return { sent: false, reason: 'no outcome to tell' };
    }
    const address = await submitterAddress(submission);
    if (!address) return { sent: false, reason: 'no address' };
    if (!(await claimNotice(submissionId, NOTICE))) return { sent: false, reason: 'already sent' };
    try {
      await sendEmail(address, outcomeEmail(submission));
    } catch (error) {
      await releaseNotice(submissionId, NOTICE).catch(() => undefined);
      throw error;
    }
    return { sent: true };
  } catch (error) {
    rethrowAwsError(error);
  }
};
