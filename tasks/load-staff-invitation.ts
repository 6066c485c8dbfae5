/**
 * Staff invitation step 1: the workflow is started with the staff id only; check that the invitation is pending and
 * belongs to this execution (a reinvite names a new one), and add the settings the later states need.
 */
import { z } from 'zod';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { InvitationNotPending, loadPendingInvitation } from '../core/staff/invitation.js';
import { staffInvitationTimeoutSeconds } from '../core/staff/settings.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ staffId: z.uuid(), executionName: z.string().min(1) });

export const handler = async (event: unknown) => {
  const { staffId, executionName } = parseTaskInput(InputSchema, event);
  try {
    await loadPendingInvitation(staffId, executionName);
  } catch (error) {
    if (error instanceof InvitationNotPending)
      throw new WorkflowTaskError(taskErrors.invalidInput, error.message);
    rethrowAwsError(error);
  }
  return { staffId, settings: { invitationTimeoutSeconds: staffInvitationTimeoutSeconds() } };
};
