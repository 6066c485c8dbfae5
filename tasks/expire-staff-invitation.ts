/**
 * Staff invitation: the invitation expired, or the workflow failed after loading it. Remove the invited user, their
 * address item and permission records, only while the invitation still belongs to this execution: an accepted
 * invitation, or one a reinvite handed to a newer execution, is never touched. Safe to repeat.
 */
import { z } from 'zod';
import { staffRepository, type StaffRepository } from '../core/staff/repository.js';
import { defineTask } from './define-task.js';

/** The repository methods this task uses (a fast test hands in an in-memory one). */
const repository: Pick<StaffRepository, 'expireInvitation'> = staffRepository;

export const handler = defineTask({
  name: 'expire-staff-invitation',
  input: z.object({ staffId: z.uuid(), executionName: z.string().min(1) }),
  output: z.object({ removed: z.boolean(), reason: z.string().optional() }),
  dependencies: { staff: repository },
  async run({ staffId, executionName }, { staff }) {
    const removed = await staff.expireInvitation(staffId, executionName);
    return removed
      ? { removed: true }
      : { removed: false, reason: 'not this execution’s pending invitation' };
  },
});
