/**
 * The members domain's decisions, as functions of items and a time: no I/O, no clock of their own. The repository
 * (`repository.ts`) reads and writes; the tasks and the API's service (`service.ts`) put the two together. Tested
 * without an emulator in `test/rules/members.test.ts`.
 */
import { DomainError } from '../errors.js';
import { epochSeconds, keys } from '../keys.js';
import type { LinkItem } from '../links.js';
import { gaveAddress } from '../submissions/model.js';
import { applyConsent } from './consent.js';
import { memberMessages } from './messages.js';
import type { MemberItem, Registration } from './model.js';

/** The pending item outlives the workflow's own wait by a day: the TTL only cleans up if the workflow never did. */
export const PENDING_TTL_MARGIN_SECONDS = 24 * 3600;

/** A registration request outlives the longest wait by two days (its TTL, should the workflow never delete it). */
export const REQUEST_TTL_MARGIN_SECONDS = 2 * 24 * 3600;

/** The registration request's TTL (epoch seconds). */
export function registrationRequestExpiresAt(now: Date, verificationTimeoutSeconds: number): number {
  return epochSeconds(now) + verificationTimeoutSeconds + REQUEST_TTL_MARGIN_SECONDS;
}

/**
 * The pending profile a registration reserves: its consent as given, its own `uid`, and a TTL a day past the
 * workflow's wait. Written once (a conditional write), by the execution it names.
 */
export function pendingProfile(reservation: {
  memberId: string;
  uid: string;
  registration: Registration;
  executionName: string;
  startedAt: string;
  pendingForSeconds: number;
}): MemberItem {
  const { memberId, registration, startedAt } = reservation;
  return {
    ...keys.member(memberId),
    entity: 'member',
    id: memberId,
    uid: reservation.uid,
    status: 'pending',
    fullName: registration.fullName,
    email: registration.email,
    phone: null,
    yearOfGraduation: registration.yearOfGraduation,
    consent: applyConsent(memberId, undefined, registration.consent, startedAt, 'registration').state,
    anonymousIds: [registration.anonymousId],
    registeredAt: startedAt,
    createdAt: startedAt,
    updatedAt: startedAt,
    emailVerifiedAt: null,
    registrationExecution: reservation.executionName,
    expiresAt: epochSeconds(new Date(startedAt)) + reservation.pendingForSeconds + PENDING_TTL_MARGIN_SECONDS,
  };
}

/** Whether `member` is the registration `executionName` is still waiting for (never an active member's profile). */
export function isPendingRegistrationOf(
  member: MemberItem | undefined,
  executionName: string,
): member is MemberItem {
  return member?.status === 'pending' && member.registrationExecution === executionName;
}

/** A retry after the activation succeeded: the member is already active with this verification time. */
export function isActivatedAt(member: MemberItem | undefined, verifiedAt: string): member is MemberItem {
  return member?.status === 'active' && member.emailVerifiedAt === verifiedAt;
}

/** The profile as the activation leaves it. */
export function activatedProfile(pending: MemberItem, verifiedAt: string, now: string): MemberItem {
  return { ...pending, status: 'active', createdAt: verifiedAt, emailVerifiedAt: verifiedAt, updatedAt: now };
}

/** Refused: no pending registration of this execution (never retried). */
export function noPendingRegistration(): DomainError {
  return new DomainError('InvalidInput', 'No pending registration for this execution');
}

/**
 * The submissions filed under the registration's anonymous id that the member may claim: only those that gave
 * the member's verified address. An anonymous id is public (every view of a submission shows it), so it proves
 * nothing by itself.
 */
export function claimableSubmissions<T extends Record<string, unknown>>(
  submissions: T[],
  member: Pick<MemberItem, 'email'>,
): T[] {
  return submissions.filter((submission) => gaveAddress(submission, member.email));
}

/** When a verification wait that starts `now` ends. */
export function verificationValidUntil(now: Date, validForSeconds: number): string {
  return new Date(now.getTime() + validForSeconds * 1000).toISOString();
}

/** Whole seconds a new link may work for until `validUntil` (at least one). */
export function linkValidForSeconds(validUntil: string, now: Date): number {
  return Math.max(1, Math.floor((Date.parse(validUntil) - now.getTime()) / 1000));
}

/**
 * Whether a pending registration may get a new verification link (`POST /member/{id}/login`): the workflow has
 * sent its first one (it stored its task token) and its wait has not ended.
 */
export function canResendVerification(member: MemberItem, now: Date): boolean {
  if (!member.verificationTaskToken || !member.verificationValidUntil) return false;
  return Date.parse(member.verificationValidUntil) > now.getTime();
}

/** Pending registrations look exactly like unknown ids: nobody can probe unverified addresses. */
export function requireActiveMember(member: MemberItem | undefined): MemberItem {
  if (!member || member.status !== 'active') throw new DomainError('NotFound', memberMessages.notFound);
  return member;
}

/**
 * A link was issued for one profile (its `uid`): an erased member's link finds no member, and after someone else
 * has registered the same id it finds a different profile, which is no member of the link's either.
 */
export function isLinksProfile(
  member: MemberItem | undefined,
  link: Pick<LinkItem, 'memberUid'>,
): member is MemberItem {
  return member !== undefined && member.uid === link.memberUid;
}

/** Only the latest verification link emailed for a registration works (a resend replaces the earlier one). */
export function isReplacedVerificationLink(member: MemberItem, linkHash: string): boolean {
  return member.verificationLinkHash !== undefined && member.verificationLinkHash !== linkHash;
}
