/**
 * Staff invitation step 1: the workflow is started with the staff id only; check that the invitation is pending and
 * belongs to this execution (a reinvite names a new one), and add the settings the later states need. Not pending
 * (`InvitationNotPending`) fails as `InvalidInput`, which the ASL ends in its `InvitationNotPending` state.
 */
import { z } from 'zod';
import { staffRepository, type StaffRepository } from '../core/staff/repository.js';
import { staffInvitationTimeoutSeconds } from '../core/staff/settings.js';
import { defineTask } from './define-task.js';

/** The repository methods this task uses (a fast test hands in an in-memory one). */
const repository: Pick<StaffRepository, 'loadPendingInvitation'> = staffRepository;

export const handler = defineTask({
  name: 'load-staff-invitation',
  input: z.object({ staffId: z.uuid(), executionName: z.string().min(1) }),
  output: z.object({
    staffId: z.string(),
    settings: z.object({ invitationTimeoutSeconds: z.number().int().positive() }),
  }),
  dependencies: { staff: repository },
  async run({ staffId, executionName }, { staff }) {
    await staff.loadPendingInvitation(staffId, executionName);
    return { staffId, settings: { invitationTimeoutSeconds: staffInvitationTimeoutSeconds() } };
  },
});
