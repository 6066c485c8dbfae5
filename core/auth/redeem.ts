/**
 * Redeeming an emailed link: the single-use link token becomes a session. A registration link (`verify`) also
 * resumes the waiting registration workflow, which activates the member. Tokens, task tokens and addresses are
 * credentials or personal data: none is ever logged.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from '../aws-clients.js';
import { systemClock } from '../clock.js';
import { DomainError } from '../errors.js';
import { epochSeconds } from '../keys.js';
import {
  claimLink,
  getLink,
  hashLinkToken,
  markLinkSettled,
  releaseLinkClaim,
  type LinkItem,
} from '../links.js';
import { logger } from '../logger.js';
import type { MemberItem } from '../members/model.js';
import { memberRepository } from '../members/repository.js';
import { isLinksProfile, isReplacedVerificationLink } from '../members/rules.js';
import { activeOwnerOf } from '../members/verification.js';
import { authMessages } from './messages.js';
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
export class LinkAlreadyUsedError extends DomainError {
  constructor() {
    super('LinkRefused', linkMessages.used);
  }
}

/** A link refused for good (401): invalid, expired, or its member gone. */
const refused = (message: string) => new DomainError('LinkRefused', message);

export interface Redemption {
  memberId: string;
  sessionId: string;
  sessionToken: string;
  /** ISO time the session ends. */
  expiresAt: string;
}

/** The link item for a token, or `undefined` for a malformed or unknown token. */
export async function findLink(token: string): Promise<LinkItem | undefined> {
  return getLink(token);
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
  const now = systemClock.now();
  if (!found || Date.parse(found.validUntil) <= now.getTime()) throw refused(linkMessages.invalid);
  // Only registration and login links sign someone in; a relay link (for a student, or to report abuse) never does.
  if (found.purpose !== 'verify' && found.purpose !== 'login') throw refused(linkMessages.invalid);
  if (found.redeemedAt) throw new LinkAlreadyUsedError();

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
    await settle(token, sessionId);
    logger.info('Link redeemed', { memberId: found.memberId, purpose: found.purpose, via });
    return { memberId: found.memberId, ...session };
  } catch (error) {
    const release = !(error instanceof DomainError && error.status === 401);
    await (
      release
        ? releaseLinkClaim(token, sessionId, ['sessionId', 'settledAt'], { expiresAt: found.expiresAt })
        : settle(token, sessionId)
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
async function settle(token: string, sessionId: string): Promise<void> {
  await markLinkSettled(token, sessionId, systemClock.now()).catch((error: unknown) =>
    logger.warn('Could not mark a link redemption settled', { error }),
  );
}

async function assertCanLogIn(link: LinkItem): Promise<MemberItem> {
  const member = await memberRepository.getMember(link.memberId);
  if (!isLinksProfile(member, link)) throw refused(authMessages.memberGone);
  if (member.status !== 'active') throw refused(linkMessages.invalid);
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
  const member = await memberRepository.getMember(link.memberId);
  if (!isLinksProfile(member, link)) throw refused(linkMessages.expired);
  // A link a resend has replaced, before or after the activation.
  if (isReplacedVerificationLink(member, hashLinkToken(token))) throw refused(linkMessages.expired);
  // Already active: a retry after a slow activation (this link was released), so the email is proven anyway.
  if (member.status === 'active') return member;
  if (await activeOwnerOf(member.email, member.id)) throw refused(linkMessages.expired);
  if (!member.verificationTaskToken) {
    throw new DomainError(
      'TryAgainLater',
      'Your registration is still being set up. Please try the link again in a minute.',
    );
  }
  try {
    await sfnClient.send(
      new SendTaskSuccessCommand({
        taskToken: member.verificationTaskToken,
        output: JSON.stringify({ verifiedAt: systemClock.now().toISOString() }),
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && ENDED_TASK_ERRORS.has(error.name))) throw error;
    // Either the registration expired, or an earlier attempt of ours resumed it and activation has happened.
    const now = await memberRepository.getMember(link.memberId);
    if (!isLinksProfile(now, link) || now.status !== 'active') throw refused(linkMessages.expired);
    return now;
  }
  return waitUntilActive(link);
}

async function waitUntilActive(link: LinkItem): Promise<MemberItem> {
  const deadline = systemClock.now().getTime() + ACTIVATION_WAIT_MS;
  for (;;) {
    const member = await memberRepository.getMember(link.memberId);
    if (isLinksProfile(member, link) && member.status === 'active') return member;
    // Released: the activation failed for good (another member took the address a moment before).
    if (!isLinksProfile(member, link)) throw refused(linkMessages.expired);
    if (systemClock.now().getTime() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, ACTIVATION_POLL_INTERVAL_MS));
  }
  logger.warn('Member not active after verification', {
    memberId: link.memberId,
    waitedMs: ACTIVATION_WAIT_MS,
  });
  throw new DomainError(
    'TryAgainLater',
    'Your email address is confirmed, but activating your membership is taking longer than expected. ' +
      'Please try the link again in a minute.',
  );
}
