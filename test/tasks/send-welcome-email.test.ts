/** send-welcome-email through the task contract, with an in-memory repository, mailer and clock (no emulator). */
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import { pendingProfile } from '../../core/members/rules.js';
import { handler } from '../../tasks/send-welcome-email.js';
import { fakeMailer, fakeMembers } from './members-fake.js';

const at = '2026-03-01T12:00:00.000Z';

function activeMember(id: string) {
  return {
    ...pendingProfile({
      memberId: id,
      uid: '00000000-0000-4000-8000-000000000001',
      registration: {
        anonymousId: '00000000-0000-4000-8000-000000000002',
        fullName: 'Fred <b>Bloggs</b>',
        email: `${id}@example.org`,
        yearOfGraduation: 1980,
        consent: { consentNews: true, consentNetwork: false, consentMembers: false, consentStudents: false },
      },
      executionName: `reg-${id}`,
      startedAt: at,
      pendingForSeconds: 600,
    }),
    status: 'active' as const,
  };
}

describe('send-welcome-email', () => {
  let members: ReturnType<typeof fakeMembers>;
  let mailer: ReturnType<typeof fakeMailer>;
  let task: typeof handler;

  beforeEach(() => {
    process.env.SITE_URL = 'https://alumni.example.test';
    members = fakeMembers();
    mailer = fakeMailer();
    task = handler.with({ members: members.repository, mailer, clock: fixedClock(at) });
  });

  it('welcomes an active member once, claimed at the clock’s time', async () => {
    members.profiles.set('fred', activeMember('fred'));
    expect(await task({ memberId: 'fred', executionName: 'reg-fred' })).toEqual({
      sent: true,
      messageId: 'message-1',
    });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.to).toBe('fred@example.org');
    expect(mailer.sent[0]!.email.subject).toBe('Welcome to the New Theatre alumni network');
    expect(mailer.sent[0]!.email.html).toContain('Fred &lt;b&gt;Bloggs&lt;/b&gt;');
    expect(members.profiles.get('fred')!.welcomeEmailSentAt).toBe(at);

    // A retried or repeated execution never sends a second welcome.
    expect(await task({ memberId: 'fred' })).toEqual({ sent: false, reason: 'already sent' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('a send that fails gives the claim back, so the retry sends (once)', async () => {
    members.profiles.set('fred', activeMember('fred'));
    mailer.failNext(new DomainError('RetryableError', 'Throttling (HTTP 400)'));
    await expect(task({ memberId: 'fred' })).rejects.toMatchObject({ name: 'RetryableError' });
    expect(members.profiles.get('fred')!.welcomeEmailSentAt).toBeUndefined();
    expect(mailer.sent).toHaveLength(0);

    expect(await task({ memberId: 'fred' })).toMatchObject({ sent: true });
    expect(await task({ memberId: 'fred' })).toMatchObject({ sent: false });
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends nothing to a registration that is not active', async () => {
    members.profiles.set('pat', { ...activeMember('pat'), status: 'pending' });
    expect(await task({ memberId: 'pat' })).toEqual({ sent: false, reason: 'already sent' });
    expect(mailer.sent).toEqual([]);
  });

  it('bad input is InvalidInput naming the field, never its value', async () => {
    await expect(task({ memberId: 'Not An Id' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'Invalid task input: memberId',
    });
  });
});
