/**
 * Staff links: a `staff-login` link signs an active staff user in; a `staff-invite` link accepts an invitation,
 * which answers the waiting `staff-invitation` workflow's task token, waits until the workflow has activated the
 * user, and signs them in. Both work once (a conditional claim of the link item) and only for their own purpose:
 * a member's link never signs a staff user in, nor the other way round. Either way the session carries the scopes
 * read from the permission records at that moment. Tokens and task tokens are credentials: never logged.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from '../aws-clients.js';
import { HttpError } from '../http-error.js';
import { claimLink, releaseLinkClaim, type LinkItem } from '../links.js';
import { logger } from '../logger.js';
import type { Scope } from '../staff/model.js';
import { getStaff, scopesOf } from '../staff/repository.js';
import { ACTIVATION_POLL_INTERVAL_MS, ACTIVATION_WAIT_MS, findLink, linkMessages } from './redeem.js';
import { newSessionId } from './sessions.js';
import { createStaffSession } from './staff-sessions.js';

/** A staff login link is valid for an hour, like a member's. */
export const STAFF_LOGIN_LINK_VALID_SECONDS = 3600;

export const staffLinkMessages = {
  ...linkMessages,
  setUp: 'Your invitation is still being set up. Please try the link again in a minute.',
  slowActivation:
    'Your invitation is accepted, but activating your account is taking longer than expected. ' +
    'Please try the link again in a minute.',
} as const;

export interface StaffRedemption {
  staffId: string;
  sessionId: string;
  sessionToken: string;
  /** ISO time the session ends. */
  expiresAt: string;
  scopes: Scope[];
}

type StaffLinkPurpose = 'staff-login' | 'staff-invite';

/**
 * Redeems a staff link of `purpose` once and returns the new staff session. Failures a retry could fix (503, a
 * network error) release the claim so the link can be used again; refusals (401) leave it used.
 */
export async function redeemStaffLink(token: string, purpose: StaffLinkPurpose): Promise<StaffRedemption> {
  const link = await findLink(token);
  const now = new Date();
  if (!link || Date.parse(link.validUntil) <= now.getTime() || link.purpose !== purpose) {
    throw new HttpError(401, linkMessages.invalid);
  }
  if (link.redeemedAt) throw new HttpError(401, linkMessages.used);

  // The claim records the session the redemption will create (as member links do).
  const claim = newSessionId();
  if (!(await claimLink(token, claim, now, { sessionId: claim })))
    throw new HttpError(401, linkMessages.used);
  try {
    if (purpose === 'staff-invite') await acceptInvitation(link);
    else await assertActive(link.memberId);
    const scopes = await scopesOf(link.memberId);
    const session = await createStaffSession(link.memberId, scopes, claim);
    logger.info('Staff link redeemed', { staffId: link.memberId, purpose });
    return { staffId: link.memberId, scopes, ...session };
  } catch (error) {
    if (!(error instanceof HttpError && error.status === 401)) {
      await releaseLinkClaim(token, claim, ['sessionId']).catch((cleanupError: unknown) =>
        logger.error('Could not release a staff link claim', { staffId: link.memberId, error: cleanupError }),
      );
    }
    throw error;
  }
}

async function assertActive(staffId: string): Promise<void> {
  const staff = await getStaff(staffId);
  if (staff?.status !== 'active') throw new HttpError(401, linkMessages.invalid);
}

/** Step Functions' answers when the task no longer waits: the invitation expired (or was stopped). */
const ENDED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist']);

/**
 * Answers the invitation workflow's task token with `{"acceptedAt"}`, then waits until the workflow has activated
 * the user. A link from an earlier invitation (before a reinvite) or of a deleted user has expired.
 */
async function acceptInvitation(link: LinkItem): Promise<void> {
  const staff = await getStaff(link.memberId);
  if (!staff) throw new HttpError(401, linkMessages.expired);
  // Already active: a retry after a slow activation (this link was released). The link went to the user's own
  // address, so it may sign them in for its remaining time, like a login link.
  if (staff.status === 'active') return;
  // Reinvited since: only the newest invitation's link answers.
  if (link.invitationExecution && staff.invitationExecution !== link.invitationExecution) {
    throw new HttpError(401, linkMessages.expired);
  }
  if (!staff.invitationTaskToken) throw new HttpError(503, staffLinkMessages.setUp);
  try {
    await sfnClient.send(
      new SendTaskSuccessCommand({
        taskToken: staff.invitationTaskToken,
        output: JSON.stringify({ acceptedAt: new Date().toISOString() }),
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && ENDED_TASK_ERRORS.has(error.name))) throw error;
    if ((await getStaff(link.memberId))?.status !== 'active') throw new HttpError(401, linkMessages.expired);
    return;
  }
  const deadline = Date.now() + ACTIVATION_WAIT_MS;
  for (;;) {
    const current = await getStaff(link.memberId);
    if (current?.status === 'active') return;
    if (!current) throw new HttpError(401, linkMessages.expired);
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, ACTIVATION_POLL_INTERVAL_MS));
  }
  logger.warn('Staff user not active after accepting', {
    staffId: link.memberId,
    waitedMs: ACTIVATION_WAIT_MS,
  });
  throw new HttpError(503, staffLinkMessages.slowActivation);
}
