/**
 * The activation task on its contract, with an in-memory repository (no emulator): it activates once, a retry is a
 * no-op with the same answer, and the repository's refusals fail under the names the ASL matches.
 */
import { describe, expect, it } from 'vitest';
import { InvitationConflict } from '../../core/staff/errors.js';
import { handler } from '../../tasks/activate-staff.js';
import { clock, invitedStaff, memoryStaff } from './staff-memory.js';

const invited = invitedStaff();
const input = {
  staffId: invited.id,
  executionName: invited.invitationExecution!,
  acceptedAt: '2026-03-01T11:59:00.000Z',
};

describe('activate-staff', () => {
  it('activates the invited user (and counts a network admin); a retry answers the same and changes nothing', async () => {
    const staff = memoryStaff([invited], { [invited.id]: ['network:admin'] });
    const task = handler.with({ staff, clock: clock() });

    await expect(task(input)).resolves.toEqual({ activated: true, activatedAt: input.acceptedAt });
    expect(staff.staff.get(invited.id)).toMatchObject({
      status: 'active',
      activatedAt: input.acceptedAt,
      updatedAt: '2026-03-01T12:00:00.000Z',
    });
    expect(staff.staff.get(invited.id)).not.toHaveProperty('invitationExecution');

    await expect(task(input)).resolves.toEqual({ activated: true, activatedAt: input.acceptedAt });
    expect(staff.networkAdmins.count).toBe(1);
  });

  it('an invitation that is no longer this execution’s fails as InvalidInput (never retried)', async () => {
    const staff = memoryStaff([invitedStaff({ invitationExecution: 'staff-invite-newer' })]);
    await expect(handler.with({ staff })(input)).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'No pending invitation for this execution',
    });
  });

  it('concurrent changes that keep winning fail as RetryableError', async () => {
    const staff = {
      activateInvitation: () => Promise.reject(new InvitationConflict()),
    };
    await expect(handler.with({ staff })(input)).rejects.toMatchObject({ name: 'RetryableError' });
  });

  it('an input without an ISO acceptance time is InvalidInput', async () => {
    const staff = memoryStaff([invited]);
    await expect(handler.with({ staff })({ ...input, acceptedAt: 'yesterday' })).rejects.toMatchObject({
      name: 'InvalidInput',
    });
    expect(staff.staff.get(invited.id)?.status).toBe('invited');
  });
});
