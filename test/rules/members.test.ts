/** The members domain's pure rules (`core/members/rules.ts`) and emails: no emulator, no clock but the one given. */
import { describe, expect, it } from 'vitest';
import { applyConsent } from '../../core/members/consent.js';
import { loginEmail, ownerNoticeEmail, verificationEmail, welcomeEmail } from '../../core/members/emails.js';
import type { MemberItem } from '../../core/members/model.js';
import {
  activatedProfile,
  canResendVerification,
  claimableSubmissions,
  isActivatedAt,
  isLinksProfile,
  isPendingRegistrationOf,
  isReplacedVerificationLink,
  linkValidForSeconds,
  pendingProfile,
  registrationRequestExpiresAt,
  requireActiveMember,
  verificationValidUntil,
} from '../../core/members/rules.js';

const startedAt = '2026-03-01T12:00:00.000Z';
const consent = { consentNews: true, consentNetwork: false, consentMembers: false, consentStudents: true };
const pending: MemberItem = pendingProfile({
  memberId: 'fred',
  uid: 'uid-1',
  registration: {
    anonymousId: '00000000-0000-4000-8000-000000000002',
    fullName: 'Fred Bloggs',
    email: 'Fred.Bloggs@Example.org',
    yearOfGraduation: 1980,
    consent,
  },
  executionName: 'reg-fred',
  startedAt,
  pendingForSeconds: 3600,
});

describe('a registration', () => {
  it('reserves a pending profile with the consent given, since the start, and a TTL a day past the wait', () => {
    expect(pending).toMatchObject({
      pk: 'MEMBER#fred',
      sk: 'PROFILE',
      status: 'pending',
      uid: 'uid-1',
      emailVerifiedAt: null,
      registrationExecution: 'reg-fred',
      consent: applyConsent('fred', undefined, consent, startedAt, 'registration').state,
      expiresAt: Date.parse(startedAt) / 1000 + 3600 + 24 * 3600,
    });
    expect(pending.gsi1pk).toBeUndefined();
  });

  it('belongs to the execution that reserved it, only while pending', () => {
    expect(isPendingRegistrationOf(pending, 'reg-fred')).toBe(true);
    expect(isPendingRegistrationOf(pending, 'reg-other')).toBe(false);
    expect(isPendingRegistrationOf(undefined, 'reg-fred')).toBe(false);
    expect(isPendingRegistrationOf({ ...pending, status: 'active' }, 'reg-fred')).toBe(false);
  });

  it('is activated at the verification time; a retry recognises its own activation', () => {
    const verifiedAt = '2026-03-01T13:00:00.000Z';
    const active = activatedProfile(pending, verifiedAt, '2026-03-01T13:00:01.000Z');
    expect(active).toMatchObject({ status: 'active', createdAt: verifiedAt, emailVerifiedAt: verifiedAt });
    expect(isActivatedAt(active, verifiedAt)).toBe(true);
    expect(isActivatedAt(active, '2026-03-01T14:00:00.000Z')).toBe(false);
    expect(isActivatedAt(pending, verifiedAt)).toBe(false);
  });

  it('claims only the anonymous submissions that gave the verified address (any spelling of the mailbox)', () => {
    const submissions = [
      { id: 'a', submitter: { email: 'fred.bloggs@example.org' } },
      { id: 'b', submitter: { email: 'someone@example.org' } },
      { id: 'c', submitter: {} },
      { id: 'd' },
    ];
    expect(claimableSubmissions(submissions, pending).map((s) => s.id)).toEqual(['a']);
  });

  it('keeps its request two days past the longest wait', () => {
    expect(registrationRequestExpiresAt(new Date(startedAt), 600)).toBe(
      Date.parse(startedAt) / 1000 + 600 + 2 * 24 * 3600,
    );
  });
});

describe('verification links', () => {
  const now = new Date(startedAt);

  it('wait from now for the given time, and a link works (at least a second) until the wait ends', () => {
    expect(verificationValidUntil(now, 90)).toBe('2026-03-01T12:01:30.000Z');
    expect(linkValidForSeconds('2026-03-01T13:00:00.500Z', now)).toBe(3600);
    expect(linkValidForSeconds('2026-03-01T11:00:00.000Z', now)).toBe(1);
  });

  it('are resent only after the workflow stored its task token and before its wait ends', () => {
    const waiting = {
      ...pending,
      verificationTaskToken: 't',
      verificationValidUntil: '2026-03-01T12:00:01.000Z',
    };
    expect(canResendVerification(waiting, now)).toBe(true);
    expect(canResendVerification(waiting, new Date('2026-03-01T12:00:01.000Z'))).toBe(false);
    expect(canResendVerification({ ...waiting, verificationTaskToken: undefined }, now)).toBe(false);
    expect(canResendVerification({ ...waiting, verificationValidUntil: undefined }, now)).toBe(false);
  });

  it('work only for the latest one sent, and only for the profile they were issued for', () => {
    expect(isReplacedVerificationLink(pending, 'hash')).toBe(false);
    expect(isReplacedVerificationLink({ ...pending, verificationLinkHash: 'hash' }, 'hash')).toBe(false);
    expect(isReplacedVerificationLink({ ...pending, verificationLinkHash: 'newer' }, 'hash')).toBe(true);
    expect(isLinksProfile(pending, { memberUid: 'uid-1' })).toBe(true);
    expect(isLinksProfile(pending, { memberUid: 'uid-of-an-erased-profile' })).toBe(false);
    expect(isLinksProfile(undefined, { memberUid: 'uid-1' })).toBe(false);
  });
});

describe('reading a member from outside', () => {
  it('a pending registration looks exactly like an unknown id (404 Member not found)', () => {
    for (const member of [undefined, pending]) {
      expect(() => requireActiveMember(member)).toThrow(
        expect.objectContaining({ code: 'NotFound', status: 404, message: 'Member not found' }),
      );
    }
    const active = { ...pending, status: 'active' as const };
    expect(requireActiveMember(active)).toBe(active);
  });
});

describe('member emails', () => {
  it('escape what the registration chose and never greet an unverified address by name', () => {
    const member = { id: 'fred', fullName: '<script>Fred</script>' };
    expect(welcomeEmail(member, 'https://alumni.example.test').html).not.toContain('<script>');
    const verification = verificationEmail('fred', 'https://alumni.example.test/auth?token=x', 7200);
    expect(verification.text).toContain('Hello,');
    expect(verification.text).toContain('The link works once, for 2 hours.');
    expect(verificationEmail('fred', 'https://a.test/auth?token=x', 600).text).toContain('for a short time');
    expect(ownerNoticeEmail(member, 'newcomer', 'https://a.test').text).toContain('newcomer');
    expect(loginEmail(member, 'https://a.test/auth?token=x').subject).toBe(
      'Your login link for the New Theatre alumni site',
    );
  });
});
