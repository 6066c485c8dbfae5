/**
 * Staff links: a `staff-login` link signs an active staff user in; a `staff-invite` link accepts an invitation,
 * which answers the waiting `staff-invitation` workflow's task token, waits until the workflow has activated the
 * user, and signs them in. Both work once (a conditional claim of the link item) and only for their own purpose:
 * a member's link never signs a staff user in, nor the other way round. Either way the session carries the scopes
 * read from the permission records at that moment, and is written only while they are still the user's (see
 * `createStaffSession`). Tokens and task tokens are credentials: never logged.
 *
 * Refusals are `DomainError`s: `LinkRefused` (401) for a link that is invalid, used or expired, `TryAgainLater`
 * (503) when a retry of the same link may succeed (its claim is then released).
 */
import { systemClock } from '../clock.js';
import { DomainError } from '../errors.js';
import { claimLink, hashLinkToken, releaseLinkClaim, type LinkItem } from '../links.js';
import { logger } from '../logger.js';
import type { Scope } from '../staff/model.js';
import { getStaff, readStaffAccess, recordInvitationAcceptance } from '../staff/repository.js';
import { acceptanceDecision, staffLinkRefusal } from '../staff/rules.js';
import { answerInvitation } from '../staff/workflows.js';
import { ACTIVATION_POLL_INTERVAL_MS, ACTIVATION_WAIT_MS, findLink, linkMessages } from './redeem.js';
import { newSessionId } from './sessions.js';
import { StaleStaffAccess, createStaffSession } from './staff-sessions.js';

/** Kept here for existing imports; the constant lives with the sign-in email (`core/staff/emails.ts`). */
export { STAFF_LOGIN_LINK_VALID_SECONDS } from '../staff/emails.js';

export const staffLinkMessages = {
  ...linkMessages,
  setUp: 'Your invitation is still being set up. Please try the link again in a minute.',
  slowActivation:
    'Your invitation is accepted, but activating your account is taking longer than expected. ' +
    'Please try the link again in a minute.',
  changing: 'Your permissions are being changed. Please try the link again in a minute.',
} as const;

/** Sign-in attempts when permission changes keep landing between reading the scopes and writing the session. */
const SESSION_ATTEMPTS = 4;

export interface StaffRedemption {
  staffId: string;
  sessionId: string;
  sessionToken: string;
  /** ISO time the session ends. */
  expiresAt: string;
  scopes: Scope[];
}

type StaffLinkPurpose = 'staff-login' | 'staff-invite';

const refused = (message: string) => new DomainError('LinkRefused', message);

/**
 * Redeems a staff link of `purpose` once and returns the new staff session. Failures a retry could fix (503, a
 * network error) release the claim so the link can be used again; refusals (401) leave it used.
 */
export async function redeemStaffLink(
  token: string,
  purpose: StaffLinkPurpose,
  now: Date = systemClock.now(),
): Promise<StaffRedemption> {
  const link = await findLink(token);
  const refusal = staffLinkRefusal(link, purpose, now);
  if (refusal === 'invalid' || !link) throw refused(linkMessages.invalid);
  if (refusal === 'used') throw refused(linkMessages.used);

  // The claim records the session the redemption will create (as member links do).
  const claim = newSessionId();
  if (!(await claimLink(token, claim, now, { sessionId: claim }))) throw refused(linkMessages.used);
  try {
    if (purpose === 'staff-invite') await acceptInvitation(token, claim, link, now);
    const { scopes, session } = await startSession(link.memberId, claim, now);
    logger.info('Staff link redeemed', { staffId: link.memberId, purpose });
    return { staffId: link.memberId, scopes, ...session };
  } catch (error) {
    if (!isRefusal(error)) {
      await releaseLinkClaim(token, claim, ['sessionId']).catch((cleanupError: unknown) =>
        logger.error('Could not release a staff link claim', { staffId: link.memberId, error: cleanupError }),
      );
    }
    throw error;
  }
}

/** A 401: the link stays used. (`redeem.ts` may still answer with an `HttpError`, so its status counts too.) */
function isRefusal(error: unknown): boolean {
  if (error instanceof DomainError) return error.status === 401;
  return (error as { status?: unknown } | null)?.status === 401;
}

/**
 * A session for an active user with their current scopes. A permission change (or deletion) committed between
 * reading the scopes and writing the session makes the write fail; the scopes are then read again.
 */
async function startSession(staffId: string, sessionId: string, now: Date) {
  for (let attempt = 1; attempt <= SESSION_ATTEMPTS; attempt++) {
    const access = await readStaffAccess(staffId);
    if (access?.staff.status !== 'active') throw refused(linkMessages.invalid);
    try {
      return { scopes: access.scopes, session: await createStaffSession(access, sessionId, now) };
    } catch (error) {
      if (!(error instanceof StaleStaffAccess)) throw error;
    }
  }
  throw new DomainError('TryAgainLater', staffLinkMessages.changing);
}

/**
 * Answers the invitation workflow's task token with `{"acceptedAt"}`, then waits until the workflow has activated
 * the user. A link from an earlier invitation (before a reinvite) or of a deleted user has expired, and so has
 * every invitation link of an active user except the one whose acceptance activated them (retried after its claim
 * was released by a 503 while activation was slow): the link records the `acceptedAt` it sent, which the
 * workflow makes the user's `activatedAt`.
 */
async function acceptInvitation(token: string, claim: string, link: LinkItem, now: Date): Promise<void> {
  const staff = await getStaff(link.memberId);
  const decision = acceptanceDecision(staff, link);
  if (decision === 'accepted') return;
  if (decision === 'expired' || !staff?.invitationTaskToken) {
    if (decision === 'setting-up') throw new DomainError('TryAgainLater', staffLinkMessages.setUp);
    throw refused(linkMessages.expired);
  }
  // Recorded before answering, and kept when the claim is released: a retry sends the same acceptance.
  const acceptedAt = await recordInvitationAcceptance(hashLinkToken(token), claim, now.toISOString());
  // The wait has ended: answered by this link's earlier attempt (then activation follows), or expired/stopped.
  if (!(await answerInvitation(staff.invitationTaskToken, acceptedAt)) && link.acceptedAt === undefined) {
    throw refused(linkMessages.expired);
  }
  const deadline = Date.now() + ACTIVATION_WAIT_MS;
  for (;;) {
    const current = await getStaff(link.memberId);
    if (current?.status === 'active') {
      if (current.activatedAt === acceptedAt) return;
      throw refused(linkMessages.expired);
    }
    if (!current) throw refused(linkMessages.expired);
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, ACTIVATION_POLL_INTERVAL_MS));
  }
  logger.warn('Staff user not active after accepting', {
    staffId: link.memberId,
    waitedMs: ACTIVATION_WAIT_MS,
  });
  throw new DomainError('TryAgainLater', staffLinkMessages.slowActivation);
}
