/**
 * The staff sign-in task on its contract, with in-memory dependencies (no emulator): one email for an active
 * staff user, nothing for anyone else, no second email on a retry, and SES's failures as the workflow expects them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors.js';
import { handler } from '../../tasks/send-staff-sign-in-link.js';
import {
  clock,
  invitedStaff,
  memoryAllowance,
  memoryLinks,
  memoryMailer,
  memoryStaff,
} from './staff-memory.js';

const requestId = '7d1f3c2a-5b6e-4f70-8a9b-0c1d2e3f4a5b';
const active = invitedStaff({ status: 'active', invitationExecution: undefined, activatedAt: '2026-03-01' });

function setUp() {
  const staff = memoryStaff([active]);
  const mailer = memoryMailer();
  const links = memoryLinks();
  const allowance = memoryAllowance();
  const task = handler.with({ staff, mailer, links, allowance, clock: clock() });
  return { staff, mailer, links, allowance, task };
}

beforeAll(() => {
  process.env.PUBLIC_API_URL = 'https://api.example.org';
});

describe('send-staff-sign-in-link', () => {
  it('emails an active staff user one link, forgets the request, and sends nothing on a retry', async () => {
    const { staff, mailer, links, allowance, task } = setUp();
    staff.addRequest(requestId, active.email);

    await expect(task({ requestId, executionName: `staff-signin-${requestId}` })).resolves.toEqual({
      sent: true,
    });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toBe(active.email);
    expect(mailer.sent[0]?.email.text).toContain('https://api.example.org/staff/signin?token=token-1');
    expect(links.issued).toEqual([
      { memberId: active.id, purpose: 'staff-login', validForSeconds: 3600, extra: {} },
    ]);
    expect(allowance.state).toEqual({ left: 2, returned: 0 });
    expect(staff.requests.size).toBe(0);

    // The workflow retried the step after it succeeded: the request is gone, so nothing is sent again.
    await expect(task({ requestId })).resolves.toEqual({ sent: false });
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends nothing for an unknown address, an invited user or a used-up allowance', async () => {
    const { staff, mailer, allowance, task } = setUp();
    staff.addRequest(requestId, 'nobody@example.org');
    await expect(task({ requestId })).resolves.toEqual({ sent: false });

    const invited = invitedStaff({
      id: '1b0f7a8e-8d53-4f1e-9d0c-3c1c8c6f2a10',
      email: 'invited@example.org',
    });
    staff.staff.set(invited.id, invited);
    staff.addRequest(requestId, invited.email);
    await expect(task({ requestId })).resolves.toEqual({ sent: false });

    allowance.state.left = 0;
    staff.addRequest(requestId, active.email);
    await expect(task({ requestId })).resolves.toEqual({ sent: false });
    expect(mailer.sent).toEqual([]);
    expect(staff.requests.size).toBe(0);
  });

  it('a retryable SES failure gives the email back, keeps the request and fails as RetryableError', async () => {
    const { staff, mailer, allowance, task } = setUp();
    staff.addRequest(requestId, active.email);
    mailer.failNext(new DomainError('RetryableError', 'Throttling (HTTP 400)'));

    await expect(task({ requestId })).rejects.toMatchObject({ name: 'RetryableError' });
    expect(allowance.state).toEqual({ left: 3, returned: 1 });
    expect(staff.requests.size).toBe(1);

    await expect(task({ requestId })).resolves.toEqual({ sent: true });
    expect(mailer.sent).toHaveLength(1);
  });

  it('an email SES refuses for good is not retried: nothing sent, the email given back', async () => {
    const { staff, mailer, allowance, task } = setUp();
    staff.addRequest(requestId, active.email);
    const refused = new Error('SES refused the email: MessageRejected');
    refused.name = 'MessageRejected';
    mailer.failNext(refused);

    await expect(task({ requestId })).resolves.toEqual({ sent: false });
    expect(allowance.state.returned).toBe(1);
    expect(staff.requests.size).toBe(0);
  });

  it('refuses a malformed input as InvalidInput, naming the field only', async () => {
    const { task } = setUp();
    await expect(task({ requestId: 'not-a-uuid' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'Invalid task input: requestId',
    });
  });

  it('declares what the workflow reads', () => {
    expect(handler.contract).toMatchObject({
      workflow: 'staff-sign-in',
      throws: ['InvalidInput', 'RetryableError'],
    });
  });
});
