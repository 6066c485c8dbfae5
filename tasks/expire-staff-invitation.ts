/**
 * Staff invitation: the invitation expired, or the workflow failed after loading it. Remove the invited user, their
 * address item and permission records, only while the invitation still belongs to this execution: an accepted
 * invitation, or one a reinvite handed to a newer execution, is never touched. Safe to repeat.
 */
import { z } from 'zod';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { InvitationConflict, expireInvitation } from '../core/staff/invitation.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ staffId: z.uuid(), executionName: z.string().min(1) });

export const handler = async (event: unknown) => {
  const { staffId, executionName } = parseTaskInput(InputSchema, event);
  try {
    const removed = await expireInvitation(staffId, executionName);
    return removed
      ? { removed: true }
      : { removed: false, reason: 'not this execution’s pending invitation' };
  } catch (error) {
    if (error instanceof InvitationConflict) throw new WorkflowTaskError(taskErrors.retryable, error.message);
    rethrowAwsError(error);
  }
};
