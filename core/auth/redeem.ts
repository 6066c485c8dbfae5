/**
 * Redeeming an emailed link: the single-use link token becomes a session. A registration link (`verify`) also
 * resumes the waiting registration workflow, which activates the member. Tokens, task tokens and addresses are
 * credentials or personal data: none is ever logged.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { HttpError } from '../http-error.js';
import { authMessages } from './messages.js';
import { documentClient, sfnClient, tableName } from '../aws-clients.js';
import { epochSeconds, keys, type ItemKey } from '../keys.js';
import { LINK_TOKEN_PATTERN, claimLink, hashLinkToken, releaseLinkClaim, type LinkItem } from '../links.js';
import { logger } from '../logger.js';
import { getMember } from '../members/account.js';
import type { MemberItem } from '../members/model.js';
import { activeOwnerOf } from '../members/verification.js';
import { SESSION_LIFETIME_SECONDS, createSession, newSessionId, type SessionVia } from './sessions.js';

export const linkMessages = {
  /** Unknown, malformed or past its `validUntil`: indistinguishable on purpose. */
  invalid: authMessages.invalid,
  used: 'This link has already been used',
  /** The registration the link belonged to has expired (its workflow wait timed out). */
  expired: 'This link has expired',
} as const;

/** Activation runs in the workflow after SendTaskSuccess; the redeemer waits for it, polling, this long at most. */
export const ACTIVATION_POLL_INTERVAL_MS = 100;
export const ACTIVATION_WAIT_MS = 10_000;

/** The link was redeemed already (perhaps a moment ago, by a double click or a parallel request). */
export class LinkAlreadyUsedError extends HttpError {
  constructor() {
    super(401, linkMessages.used);
  }
}

export interface Redemption {
  memberId: string;
  sessionId: string;
  sessionToken: string;
  /** ISO time the session ends. */
  expiresAt: string;
}

/** The link item for a token, or `undefined` for a malformed or unknown token. */
export async function findLink(token: string): Promise<LinkItem | undefined> {
  if (!LINK_TOKEN_PATTERN.test(token)) return undefined;
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.link(hashLinkToken(token)), ConsistentRead: true }),
  );
  return Item as LinkItem | undefined;
}

/**
 * Redeems a link token once and returns the new session. `link` may be passed when the caller has just read it.
 * Failures after the link was claimed that a retry could fix (a 503, a network error) release the claim, so the
 * member can click again; definitive refusals (401) leave the link used.
 */
export async function redeemLink(
  token: string,
  via: SessionVia = 'redeem',
  link?: LinkItem,
): Promise<Redemption> {
  const found = link ?? (await findLink(token));
  const now = new Date();
  if (!found || Date.parse(found.validUntil) <= now.getTime()) throw new HttpError(401, linkMessages.invalid);
  // Only registration and login links sign someone in; a relay link (for a student, or to report abuse) never does.
  if (found.purpose !== 'verify' && found.purpose !== 'login') throw new HttpError(401, linkMessages.invalid);
  if (found.redeemedAt) throw new LinkAlreadyUsedError();

  const key = keys.link(hashLinkToken(token));
  const sessionId = newSessionId();
  // The link records the session it will create: a lumina-era site keeps sending the link token, which is then
  // honoured exactly while that session is valid; the link item's TTL moves to the session's end for the same
  // reason (a minute of slack: the session item is written just after this).
  const claimed = await claimLink(token, sessionId, now, {
    sessionId,
    expiresAt: epochSeconds(now) + SESSION_LIFETIME_SECONDS + 60,
  });
  if (!claimed) throw new LinkAlreadyUsedError();
  try {
    const member =
      found.purpose === 'verify' ? await completeVerification(found, token) : await assertCanLogIn(found);
    const session = await createSession(found.memberId, via, sessionId, member.uid);
    await settle(key, sessionId);
    logger.info('Link redeemed', { memberId: found.memberId, purpose: found.purpose, via });
    return { memberId: found.memberId, ...session };
  } catch (error) {
    const release = !(error instanceof HttpError && error.status === 401);
    await (
      release
        ? releaseLinkClaim(token, sessionId, ['sessionId', 'settledAt'], { expiresAt: found.expiresAt })
        : settle(key, sessionId)
    ).catch((cleanupError: unknown) =>
      logger.error('Could not finish a refused link redemption', {
        memberId: found.memberId,
        error: cleanupError,
      }),
    );
    throw error;
  }
}

/**
 * Marks the redemption finished, so a parallel request holding the same link token (a lumina-era site's first
 * calls) stops waiting for its session. Best effort: without it such a request waits a few seconds longer.
 */
async function settle(key: ItemKey, sessionId: string): Promise<void> {
  await documentClient
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET settledAt = :now',
        ConditionExpression: 'sessionId = :sid',
        ExpressionAttributeValues: { ':sid': sessionId, ':now': new Date().toISOString() },
      }),
    )
    .catch((error: unknown) => logger.warn('Could not mark a link redemption settled', { error }));
}

/**
 * A link was issued for one profile (its `uid`): an erased member's link finds no member, and after someone else
 * has registered the same id it finds a different profile, which is no member of the link's either.
 */
function isLinksProfile(member: MemberItem | undefined, link: LinkItem): member is MemberItem {
  return member !== undefined && member.uid === link.memberUid;
}

async function assertCanLogIn(link: LinkItem): Promise<MemberItem> {
  const member = await getMember(link.memberId);
  if (!isLinksProfile(member, link)) throw new HttpError(401, authMessages.memberGone);
  if (member.status !== 'active') throw new HttpError(401, linkMessages.invalid);
  return member;
}

/** Names Step Functions answers with when the task no longer waits: the registration's wait has timed out. */
const ENDED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist']);

/**
 * Resumes the registration workflow waiting on this member's verification, then waits until its next task has
 * activated the member (the session must not outrun the activation: the site reads the profile right away).
 * Only the latest link emailed for the registration works (a resend replaces the earlier one), and none once the
 * address belongs to another member (the first registration of an address to be verified takes it).
 */
async function completeVerification(link: LinkItem, token: string): Promise<MemberItem> {
  const member = await getMember(link.memberId);
  if (!isLinksProfile(member, link)) throw new HttpError(401, linkMessages.expired);
  // A link a resend has replaced, before or after the activation.
  if (member.verificationLinkHash !== undefined && member.verificationLinkHash !== hashLinkToken(token)) {
    throw new HttpError(401, linkMessages.expired);
  }
  // Already active: a retry after a slow activation (this link was released), so the email is proven anyway.
  if (member.status === 'active') return member;
  if (await activeOwnerOf(member.email, member.id)) throw new HttpError(401, linkMessages.expired);
  if (!member.verificationTaskToken) {
    throw new HttpError(
      503,
      'Your registration is still being set up. Please try the link again in a minute.',
    );
  }
  try {
    await sfnClient.send(
      new SendTaskSuccessCommand({
        taskToken: member.verificationTaskToken,
        output: JSON.stringify({ verifiedAt: new Date().toISOString() }),
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && ENDED_TASK_ERRORS.has(error.name))) throw error;
    // Either the registration expired, or an earlier attempt of ours resumed it and activation has happened.
    const now = await getMember(link.memberId);
    if (!isLinksProfile(now, link) || now.status !== 'active') throw new HttpError(401, linkMessages.expired);
    return now;
  }
  return waitUntilActive(link);
}

async function waitUntilActive(link: LinkItem): Promise<MemberItem> {
  const deadline = Date.now() + ACTIVATION_WAIT_MS;
  for (;;) {
    const member = await getMember(link.memberId);
    if (isLinksProfile(member, link) && member.status === 'active') return member;
    // Released: the activation failed for good (another member took the address a moment before).
    if (!isLinksProfile(member, link)) throw new HttpError(401, linkMessages.expired);
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, ACTIVATION_POLL_INTERVAL_MS));
  }
  logger.warn('Member not active after verification', {
    memberId: link.memberId,
    waitedMs: ACTIVATION_WAIT_MS,
  });
  throw new HttpError(
    503,
    'Your email address is confirmed, but activating your membership is taking longer than expected. ' +
      'Please try the link again in a minute.',
  );
}
