/**
 * Which member a Bearer token authenticates. A Bearer value is either a session JWT, or (for lumina-era sites,
 * DESIGN 3.2) an emailed link token that the site took from `/auth?token=` and keeps sending. The first use of such
 * a link token redeems it into a session bound to the link; later uses are honoured exactly while that session is
 * valid, so they expire and are revoked like it.
 *
 * No middleware here: `middleware.ts` (member routes) and `staff-middleware.ts` (staff routes, which answer a
 * member's valid session with 403) both use it.
 */
import { LinkAlreadyUsedError, findLink, redeemLink } from '../../core/auth/redeem.js';
import {
  getSession,
  isSessionValid,
  verifySessionToken,
  type SessionItem,
} from '../../core/auth/sessions.js';
import { getMember } from '../../core/members/account.js';
import { LINK_TOKEN_PATTERN, type LinkItem } from '../../core/links.js';
import type { MemberItem } from '../../core/members/model.js';
import { HttpError } from '../errors.js';
import { authMessages, type AuthenticatedMember } from './contract.js';

/**
 * A link claimed this recently whose redemption has not settled is being redeemed by a parallel request (a site
 * firing its first calls at once; a verification waits up to 10 s for the workflow): wait for it that long.
 */
const REDEMPTION_IN_PROGRESS_MS = 12_000;
const SESSION_POLL_INTERVAL_MS = 100;

/**
 * The member whose valid session `token` is; `undefined` for a token that is no member credential at all (not a
 * link token, and not a JWT that verifies as a member's: a staff token, garbage); a 401 for a member credential that
 * does not count (an ended session, a member gone, a link used or expired). With `redeemLinks: false` an unredeemed
 * link token is a 401 too: it is not a session yet, and a route that cannot serve members must not use it up.
 */
export async function authenticateMemberToken(
  token: string,
  options: { redeemLinks: boolean },
): Promise<AuthenticatedMember | undefined> {
  if (LINK_TOKEN_PATTERN.test(token)) return authenticateLinkToken(token, options.redeemLinks);
  const claims = await verifySessionToken(token);
  if (!claims) return undefined;
  const [member, session] = await Promise.all([
    getMember(claims.memberId),
    getSession(claims.memberId, claims.sessionId),
  ]);
  return authenticated(member, session);
}

async function authenticateLinkToken(token: string, redeemLinks: boolean): Promise<AuthenticatedMember> {
  let link = await findLink(token);
  // Only a member's own links are ever sessions: a staff or relay link (redeemed or not) is no credential here, and
  // must not wait below for a member session it never had.
  if (!link || (link.purpose !== 'verify' && link.purpose !== 'login'))
    throw new HttpError(401, authMessages.invalid);
  if (!link.redeemedAt) {
    if (!redeemLinks) throw new HttpError(401, authMessages.invalid);
    try {
      const redemption = await redeemLink(token, 'link-bearer', link);
      const [member, session] = await Promise.all([
        getMember(redemption.memberId),
        getSession(redemption.memberId, redemption.sessionId),
      ]);
      return authenticated(member, session);
    } catch (error) {
      // A parallel request redeemed it first: carry on as for a redeemed link.
      if (!(error instanceof LinkAlreadyUsedError)) throw error;
      link = await findLink(token);
      if (!link) throw new HttpError(401, authMessages.invalid);
    }
  }
  return authenticateRedeemedLink(token, link);
}

async function authenticateRedeemedLink(token: string, redeemed: LinkItem): Promise<AuthenticatedMember> {
  let link: LinkItem | undefined = redeemed;
  for (;;) {
    if (!link?.sessionId || !link.redeemedAt) throw new HttpError(401, authMessages.invalid);
    const [member, session] = await Promise.all([
      getMember(link.memberId),
      getSession(link.memberId, link.sessionId),
    ]);
    const inProgress =
      !session && !link.settledAt && Date.now() < Date.parse(link.redeemedAt) + REDEMPTION_IN_PROGRESS_MS;
    if (!inProgress) {
      // Only a session the link token itself started: a link redeemed through POST /auth/redeem gave its holder a
      // session token, so the link token found later in a history or a log must not work.
      if (session && session.via !== 'link-bearer') throw new HttpError(401, authMessages.invalid);
      return authenticated(member, session);
    }
    await new Promise((resolve) => setTimeout(resolve, SESSION_POLL_INTERVAL_MS));
    link = await findLink(token);
  }
}

/** The checks every authenticated request passes, in lumina's order of messages. */
function authenticated(
  member: MemberItem | undefined,
  session: SessionItem | undefined,
): AuthenticatedMember {
  if (!member) throw new HttpError(401, authMessages.memberGone);
  if (!isSessionValid(session) || member.status !== 'active') throw new HttpError(401, authMessages.invalid);
  // A session of an erased member whose id someone has registered since: not a session of this member's.
  if (session.memberUid !== member.uid) throw new HttpError(401, authMessages.memberGone);
  return { member, sessionId: session.sessionId, expiresAt: session.validUntil };
}
