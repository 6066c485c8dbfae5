/**
 * Staff invitation step 3: the invitation was accepted (the API answered the task token with `{acceptedAt}`).
 * Make the user active and, if they hold network admin, count them among the active network admins, in one
 * transaction. Safe to repeat: a retry finds the user already active with this acceptance time.
 */
import { z } from 'zod';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { InvitationConflict, InvitationNotPending, activateInvitation } from '../core/staff/invitation.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({
  staffId: z.uuid(),
  executionName: z.string().min(1),
  acceptedAt: z.iso.datetime(),
});

export const handler = async (event: unknown) => {
  const { staffId, executionName, acceptedAt } = parseTaskInput(InputSchema, event);
  try {
    const staff = await activateInvitation(staffId, executionName, acceptedAt);
    return { activated: true, activatedAt: staff.activatedAt };
  } catch (error) {
    if (error instanceof InvitationNotPending)
      throw new WorkflowTaskError(taskErrors.invalidInput, error.message);
    if (error instanceof InvitationConflict) throw new WorkflowTaskError(taskErrors.retryable, error.message);
    rethrowAwsError(error);
  }
};
