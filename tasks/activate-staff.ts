/**
 * Staff invitation step 3: the invitation was accepted (the API answered the task token with `{acceptedAt}`).
 * Make the user active and, if they hold network admin, count them among the active network admins, in one
 * transaction. Safe to repeat: a retry finds the user already active with this acceptance time. Not this
 * execution's invitation any more fails as `InvalidInput`; concurrent changes that keep winning as `RetryableError`.
 */
import { z } from 'zod';
import { staffRepository, type StaffRepository } from '../core/staff/repository.js';
import { defineTask } from './define-task.js';

/** The repository methods this task uses (a fast test hands in an in-memory one). */
const repository: Pick<StaffRepository, 'activateInvitation'> = staffRepository;

export const handler = defineTask({
  name: 'activate-staff',
  input: z.object({
    staffId: z.uuid(),
    executionName: z.string().min(1),
    acceptedAt: z.iso.datetime(),
  }),
  output: z.object({ activated: z.literal(true), activatedAt: z.string() }),
  dependencies: { staff: repository },
  async run({ staffId, executionName, acceptedAt }, { staff, clock }) {
    const activated = await staff.activateInvitation(staffId, executionName, acceptedAt, clock.now());
    return { activated: true as const, activatedAt: activated.activatedAt ?? acceptedAt };
  },
});
