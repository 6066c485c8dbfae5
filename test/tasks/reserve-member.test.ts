/** reserve-member through the task contract, with an in-memory repository and a fixed uid (no emulator). */
import { beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../core/keys.js';
import { handler } from '../../tasks/reserve-member.js';
import { fakeMembers } from './members-fake.js';

const startedAt = '2026-03-01T12:00:00.000Z';
const registration = {
  anonymousId: '00000000-0000-4000-8000-000000000002',
  fullName: 'Fred Bloggs',
  email: 'fred@example.org',
  yearOfGraduation: 1980,
  consent: { consentNews: true, consentNetwork: false, consentMembers: true, consentStudents: false },
};
const input = (executionName: string) => ({
  memberId: 'fred_bloggs',
  requestId: 'reg-fred',
  executionName,
  startedAt,
  pendingForSeconds: 600,
});

describe('reserve-member', () => {
  let members: ReturnType<typeof fakeMembers>;
  let task: typeof handler;

  beforeEach(() => {
    members = fakeMembers();
    members.requests.set('reg-fred', {
      ...keys.registrationRequest('reg-fred'),
      entity: 'registration-request',
      memberId: 'fred_bloggs',
      registration,
    });
    task = handler.with({ members: members.repository, newUid: () => 'uid-1' });
  });

  it('writes the pending profile from the stored request, timed at the execution’s start', async () => {
    expect(await task(input('reg-fred'))).toEqual({ reserved: true });
    expect(members.profiles.get('fred_bloggs')).toEqual({
      ...keys.member('fred_bloggs'),
      entity: 'member',
      id: 'fred_bloggs',
      uid: 'uid-1',
      status: 'pending',
      fullName: 'Fred Bloggs',
      email: 'fred@example.org',
      phone: null,
      yearOfGraduation: 1980,
      consent: {
        consentNews: { granted: true, since: startedAt },
        consentNetwork: { granted: false, since: startedAt },
        consentMembers: { granted: true, since: startedAt },
        consentStudents: { granted: false, since: startedAt },
      },
      anonymousIds: [registration.anonymousId],
      registeredAt: startedAt,
      createdAt: startedAt,
      updatedAt: startedAt,
      emailVerifiedAt: null,
      registrationExecution: 'reg-fred',
      // The workflow's wait (600 s) and a day of margin.
      expiresAt: Date.parse(startedAt) / 1000 + 600 + 24 * 3600,
    });
  });

  it('a retry of the same execution finds its own reservation; another execution gets MemberAlreadyExists', async () => {
    await task(input('reg-fred'));
    expect(await task(input('reg-fred'))).toEqual({ reserved: true });
    await expect(task(input('reg-someone-else'))).rejects.toMatchObject({
      name: 'MemberAlreadyExists',
      message: 'Member already exists',
    });
    expect(members.profiles.get('fred_bloggs')!.registrationExecution).toBe('reg-fred');
  });

  it('a missing or mismatched request is InvalidInput (never retried)', async () => {
    members.requests.clear();
    await expect(task(input('reg-fred'))).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'No registration request for this member',
    });
    expect(members.profiles.size).toBe(0);
  });

  it('an invalid stored request is InvalidInput naming the fields, never their values', async () => {
    members.requests.set('reg-fred', {
      ...keys.registrationRequest('reg-fred'),
      memberId: 'fred_bloggs',
      registration: { ...registration, email: 'nope' },
    });
    const failure = (await task(input('reg-fred')).catch((error: unknown) => error)) as Error;
    expect(failure).toMatchObject({ name: 'InvalidInput' });
    expect(failure.message).toContain('registration.email');
    expect(failure.message).not.toContain('nope');
  });
});
