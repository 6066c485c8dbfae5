/** activate-member through the task contract, with an in-memory repository and a fixed clock (no emulator). */
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { indexKeys, keys, normalizeEmail } from '../../core/keys.js';
import { pendingProfile } from '../../core/members/rules.js';
import { handler } from '../../tasks/activate-member.js';
import { fakeMembers } from './members-fake.js';

const startedAt = '2026-03-01T12:00:00.000Z';
const verifiedAt = '2026-03-01T13:00:00.000Z';
const now = '2026-03-01T13:00:01.000Z';
const anonymousId = '00000000-0000-4000-8000-000000000002';

const pending = (id: string, email: string, executionName: string) =>
  pendingProfile({
    memberId: id,
    uid: `uid-${id}`,
    registration: {
      anonymousId,
      fullName: 'Fred Bloggs',
      email,
      yearOfGraduation: null,
      consent: { consentNews: false, consentNetwork: false, consentMembers: false, consentStudents: false },
    },
    executionName,
    startedAt,
    pendingForSeconds: 600,
  });

const input = { memberId: 'fred', requestId: 'reg-fred', executionName: 'reg-fred', anonymousId, verifiedAt };

describe('activate-member', () => {
  let members: ReturnType<typeof fakeMembers>;
  let task: typeof handler;

  beforeEach(() => {
    members = fakeMembers();
    members.profiles.set('fred', pending('fred', 'Fred@Example.org', 'reg-fred'));
    members.requests.set('reg-fred', {
      ...keys.registrationRequest('reg-fred'),
      memberId: 'fred',
      registration: {},
    });
    task = handler.with({ members: members.repository, clock: fixedClock(now) });
  });

  const submission = (id: string, email?: string) => ({
    ...keys.submission(id),
    gsi1pk: indexKeys.submitterPartition(anonymousId),
    entity: 'submission',
    submitter: { id: anonymousId, verified: false, name: 'Anon', ...(email ? { email } : {}) },
  });

  it('activates, takes the address, claims only the submissions that gave it, forgets the request', async () => {
    members.submissions.set(keys.submission('s1').pk, submission('s1', 'fred@example.org'));
    members.submissions.set(keys.submission('s2').pk, submission('s2', 'someone@else.org'));
    members.submissions.set(keys.submission('s3').pk, submission('s3'));

    expect(await task(input)).toEqual({ activated: true, movedSubmissions: 1 });
    expect(members.profiles.get('fred')).toMatchObject({
      status: 'active',
      createdAt: verifiedAt,
      emailVerifiedAt: verifiedAt,
      updatedAt: now,
    });
    expect(members.addresses.get(normalizeEmail('fred@example.org'))?.memberId).toBe('fred');
    expect(members.submissions.get(keys.submission('s1').pk)).toMatchObject({
      gsi1pk: indexKeys.submitterPartition('fred'),
      submitter: { id: 'fred', verified: true, name: 'Fred Bloggs' },
    });
    expect(members.submissions.get(keys.submission('s2').pk)!.gsi1pk).toBe(
      indexKeys.submitterPartition(anonymousId),
    );
    expect(members.requests.size).toBe(0);

    // A retry finds the member active with this verification time: nothing more to do.
    expect(await task(input)).toEqual({ activated: true, movedSubmissions: 0 });
  });

  it('an address another registration took first is EmailAlreadyRegistered', async () => {
    members.addresses.set(normalizeEmail('fred@example.org'), {
      memberId: 'other',
      registrationExecution: 'reg-other',
    });
    await expect(task(input)).rejects.toMatchObject({
      name: 'EmailAlreadyRegistered',
      message: 'The email address is already registered',
    });
    expect(members.profiles.get('fred')!.status).toBe('pending');
  });

  it('another execution’s registration is InvalidInput and stays as it was', async () => {
    await expect(task({ ...input, executionName: 'reg-other' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'No pending registration for this execution',
    });
    expect(members.profiles.get('fred')!.status).toBe('pending');
  });
});
