/**
 * The invitation email task (and its neighbours, loading and expiring an invitation) on their contracts, with an
 * in-memory repository, mailer and link tokens (no emulator).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as expire } from '../../tasks/expire-staff-invitation.js';
import { handler as load } from '../../tasks/load-staff-invitation.js';
import { handler as send } from '../../tasks/send-staff-invitation.js';
import { clock, invitedStaff, memoryLinks, memoryMailer, memoryStaff } from './staff-memory.js';

const invited = invitedStaff();
const executionName = invited.invitationExecution!;

beforeAll(() => {
  process.env.PUBLIC_API_URL = 'https://api.example.org';
});

describe('send-staff-invitation', () => {
  it('stores the task token, then emails a link for this execution that says what the user may do', async () => {
    const staff = memoryStaff([invited], { [invited.id]: ['site:history:moderate', 'network:read'] });
    const mailer = memoryMailer();
    const links = memoryLinks();
    const task = send.with({ staff, mailer, links, clock: clock() });

    await expect(
      task({ staffId: invited.id, executionName, taskToken: 'task-token', validForSeconds: 7 * 86400 }),
    ).resolves.toEqual({ sent: true, messageId: 'message-1' });
    expect(staff.staff.get(invited.id)).toMatchObject({
      invitationTaskToken: 'task-token',
      updatedAt: '2026-03-01T12:00:00.000Z',
    });
    expect(links.issued).toEqual([
      {
        memberId: invited.id,
        purpose: 'staff-invite',
        validForSeconds: 604800,
        extra: { invitationExecution: executionName },
      },
    ]);
    const [email] = mailer.sent;
    expect(email?.to).toBe(invited.email);
    expect(email?.email.text).toContain('https://api.example.org/staff/accept?token=token-1');
    expect(email?.email.text).toContain(
      "You will be able to: read every member and submission; moderate the history site's submissions.",
    );
    expect(email?.email.text).toContain('The link works once, for 7 days.');
  });

  it('an invitation that is not this execution’s sends nothing and fails as InvalidInput', async () => {
    const staff = memoryStaff([invitedStaff({ invitationExecution: 'staff-invite-newer' })]);
    const mailer = memoryMailer();
    const task = send.with({ staff, mailer, links: memoryLinks() });
    await expect(
      task({ staffId: invited.id, executionName, taskToken: 'task-token', validForSeconds: 3600 }),
    ).rejects.toMatchObject({ name: 'InvalidInput' });
    expect(mailer.sent).toEqual([]);
  });
});

describe('load-staff-invitation', () => {
  it('hands on the staff id and the invitation timeout for a pending invitation of this execution', async () => {
    const task = load.with({ staff: memoryStaff([invited]) });
    await expect(task({ staffId: invited.id, executionName })).resolves.toEqual({
      staffId: invited.id,
      settings: { invitationTimeoutSeconds: 7 * 24 * 3600 },
    });
    await expect(task({ staffId: invited.id, executionName: 'other' })).rejects.toMatchObject({
      name: 'InvalidInput',
    });
  });
});

describe('expire-staff-invitation', () => {
  it('removes only this execution’s pending invitation, and is safe to repeat', async () => {
    const staff = memoryStaff([invited]);
    const task = expire.with({ staff });
    await expect(task({ staffId: invited.id, executionName: 'other' })).resolves.toEqual({
      removed: false,
      reason: 'not this execution’s pending invitation',
    });
    expect(staff.staff.has(invited.id)).toBe(true);
    await expect(task({ staffId: invited.id, executionName })).resolves.toEqual({ removed: true });
    await expect(task({ staffId: invited.id, executionName })).resolves.toMatchObject({ removed: false });
    expect(staff.staff.has(invited.id)).toBe(false);
  });
});
