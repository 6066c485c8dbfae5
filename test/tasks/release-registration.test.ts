/** release-registration through the task contract, with an in-memory repository (no emulator). */
import { beforeEach, describe, expect, it } from 'vitest';
import { keys, normalizeEmail } from '../../core/keys.js';
import { applyConsent } from '../../core/members/consent.js';
import { pendingProfile } from '../../core/members/rules.js';
import { handler } from '../../tasks/release-registration.js';
import { fakeMembers } from './members-fake.js';

const startedAt = '2026-03-01T12:00:00.000Z';
const consent = { consentNews: true, consentNetwork: false, consentMembers: false, consentStudents: false };
const pending = pendingProfile({
  memberId: 'fred',
  uid: 'uid-fred',
  registration: {
    anonymousId: '00000000-0000-4000-8000-000000000002',
    fullName: 'Fred Bloggs',
    email: 'fred@example.org',
    yearOfGraduation: null,
    consent,
  },
  executionName: 'reg-fred',
  startedAt,
  pendingForSeconds: 600,
});

describe('release-registration', () => {
  let members: ReturnType<typeof fakeMembers>;
  let task: typeof handler;

  beforeEach(() => {
    members = fakeMembers();
    members.profiles.set('fred', structuredClone(pending));
    for (const entry of applyConsent('fred', undefined, consent, startedAt, 'registration').entries) {
      members.consent.set(`${entry.pk}/${entry.sk}`, entry);
    }
    members.requests.set('reg-fred', {
      ...keys.registrationRequest('reg-fred'),
      memberId: 'fred',
      registration: {},
    });
    task = handler.with({ members: members.repository });
  });

  it('removes this execution’s pending profile, its consent entries and the request; safe to repeat', async () => {
    const input = { memberId: 'fred', executionName: 'reg-fred', requestId: 'reg-fred' };
    expect(await task(input)).toEqual({ released: true });
    expect(members.profiles.size).toBe(0);
    expect(members.consent.size).toBe(0);
    expect(members.requests.size).toBe(0);
    expect(await task(input)).toEqual({ released: true });
  });

  it('never touches an active member or another execution’s registration (only forgets the request)', async () => {
    members.addresses.set(normalizeEmail('fred@example.org'), {
      memberId: 'fred',
      registrationExecution: 'reg-1',
    });
    const input = { memberId: 'fred', executionName: 'reg-other', requestId: 'reg-fred' };
    expect(await task(input)).toEqual({
      released: false,
      reason: 'not this execution’s pending registration',
    });
    expect(members.profiles.get('fred')).toEqual(pending);
    expect(members.consent.size).toBe(4);
    expect(members.addresses.size).toBe(1);
    expect(members.requests.size).toBe(0);
  });
});
