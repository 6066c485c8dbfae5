/**
 * Staff links: a `staff-login` link signs an active staff user in; a `staff-invite` link accepts an invitation,
 * which answers the waiting `staff-invitation` workflow's task token, waits until the workflow has activated the
 * user, and signs them in. Both work once (a conditional claim of the link item) and only for their own purpose:
 * a member's link never signs a staff user in, nor the other way round. Either way the session carries the scopes
 * read from the permission records at that moment, and is written only while they are still the user's (see
 * `createStaffSession`). Tokens and task tokens are credentials: never logged.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, sfnClient, tableName } from '../aws-clients.js';
import { HttpError } from '../http-error.js';
import { keys } from '../keys.js';
import { claimLink, hashLinkToken, releaseLinkClaim, type LinkItem } from '../links.js';
import { logger } from '../logger.js';
import type { Scope } from '../staff/model.js';
import { getStaff, readStaffAccess } from '../staff/repository.js';
import { ACTIVATION_POLL_INTERVAL_MS, ACTIVATION_WAIT_MS, findLink, linkMessages } from './redeem.js';
import { newSessionId } from './sessions.js';
import { StaleStaffAccess, createStaffSession } from './staff-sessions.js';

/** A staff login link is valid for an hour, like a member's. */
export const STAFF_LOGIN_LINK_VALID_SECONDS = 3600;

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
    if (purpose === 'staff-invite') await acceptInvitation(token, claim, link);
    const { scopes, session } = await startSession(link.memberId, claim);
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

/**
 * A session for an active user with their current scopes. A permission change (or deletion) committed between
 * reading the scopes and writing the session makes the write fail; the scopes are then read again.
 */
async function startSession(staffId: string, sessionId: string) {
  for (let attempt = 1; attempt <= SESSION_ATTEMPTS; attempt++) {
    const access = await readStaffAccess(staffId);
    if (access?.staff.status !== 'active') throw new HttpError(401, linkMessages.invalid);
    try {
      return { scopes: access.scopes, session: await createStaffSession(access, sessionId) };
    } catch (error) {
      if (!(error instanceof StaleStaffAccess)) throw error;
    }
  }
  throw new HttpError(503, staffLinkMessages.changing);
}

/** Step Functions' answers when the task no longer waits: the invitation expired (or was stopped). */
const ENDED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist']);

/**
 * Answers the invitation workflow's task token with `{"acceptedAt"}`, then waits until the workflow has activated
 * the user. A link from an earlier invitation (before a reinvite) or of a deleted user has expired, and so has
 * every invitation link of an active user except the one whose acceptance activated them (retried after its claim
 * was released by a 503 while activation was slow): the link records the `acceptedAt` it sent, which the
 * workflow makes the user's `activatedAt`.
 */
async function acceptInvitation(token: string, claim: string, link: LinkItem): Promise<void> {
  const staff = await getStaff(link.memberId);
  if (!staff) throw new HttpError(401, linkMessages.expired);
  if (staff.status === 'active') {
    if (link.acceptedAt !== undefined && staff.activatedAt === link.acceptedAt) return;
    throw new HttpError(401, linkMessages.expired);
  }
  // Reinvited since: only the newest invitation's link answers.
  if (link.invitationExecution && staff.invitationExecution !== link.invitationExecution) {
    throw new HttpError(401, linkMessages.expired);
  }
  if (!staff.invitationTaskToken) throw new HttpError(503, staffLinkMessages.setUp);
  // Recorded before answering, and kept when the claim is released: a retry sends the same acceptance.
  const acceptedAt = await recordAcceptance(token, claim, new Date().toISOString());
  try {
    await sfnClient.send(
      new SendTaskSuccessCommand({
        taskToken: staff.invitationTaskToken,
        output: JSON.stringify({ acceptedAt }),
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && ENDED_TASK_ERRORS.has(error.name))) throw error;
    // The wait has ended: answered by this link's earlier attempt (then activation follows), or expired/stopped.
    if (link.acceptedAt === undefined) throw new HttpError(401, linkMessages.expired);
  }
  const deadline = Date.now() + ACTIVATION_WAIT_MS;
  for (;;) {
    const current = await getStaff(link.memberId);
    if (current?.status === 'active') {
      if (current.activatedAt === acceptedAt) return;
      throw new HttpError(401, linkMessages.expired);
    }
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

/** Sets the link's `acceptedAt` unless an earlier attempt did; returns the one that stands. */
async function recordAcceptance(token: string, claim: string, at: string): Promise<string> {
  const { Attributes } = await documentClient.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.link(hashLinkToken(token)),
      UpdateExpression: 'SET acceptedAt = if_not_exists(acceptedAt, :at)',
      ConditionExpression: 'claimId = :claim',
      ExpressionAttributeValues: { ':at': at, ':claim': claim },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return (Attributes?.acceptedAt as string | undefined) ?? at;
}
