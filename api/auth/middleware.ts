/**
 * Authentication, as `api/auth/contract.ts` promises it to routes: mount `authenticate` on a route, then call
 * `requireMember(c)` or `optionalMember(c)` in the handler.
 *
 * A Bearer value is either a session JWT, or (for lumina-era sites, DESIGN 3.2) an emailed link token that the site
 * took from `/auth?token=` and keeps sending. The first use of such a link token redeems it into a session bound to
 * the link; later uses are honoured exactly while that session is valid, so they expire and are revoked like it.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
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
import { authMessages, bearerToken, type AuthenticatedMember, type AuthVariables } from './contract.js';

// Typed on every Hono context, so routes with or without typed Variables can read `c.var.auth`.
declare module 'hono' {
  interface ContextVariableMap {
    auth: AuthVariables['auth'];
  }
}

/**
 * A link claimed this recently whose redemption has not settled is being redeemed by a parallel request (a site
 * firing its first calls at once; a verification waits up to 10 s for the workflow): wait for it that long.
 */
const REDEMPTION_IN_PROGRESS_MS = 12_000;
const SESSION_POLL_INTERVAL_MS = 100;

/** Sets `c.var.auth`: `null` without an Authorization header, the member with a valid one, a 401 otherwise. */
export const authenticate = createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
  const header = c.req.header('Authorization');
  c.set('auth', header === undefined ? null : await authenticateBearer(header));
  await next();
});

/** The authenticated member, or 401 `Authorization required` when no Authorization header was sent. */
export function requireMember(c: Context): AuthenticatedMember {
  const auth = optionalMember(c);
  if (!auth) throw new HttpError(401, authMessages.required);
  return auth;
}

/** The authenticated member, or `null` when no Authorization header was sent. */
export function optionalMember(c: Context): AuthenticatedMember | null {
  const auth = c.get('auth') as AuthenticatedMember | null | undefined;
  // Fail closed: a route that forgot the middleware must not look anonymous.
  if (auth === undefined) throw new Error('authenticate middleware is not mounted on this route');
  return auth;
}

async function authenticateBearer(header: string): Promise<AuthenticatedMember> {
  const token = bearerToken(header);
  if (!token) throw new HttpError(401, authMessages.required);
  if (LINK_TOKEN_PATTERN.test(token)) return authenticateLinkToken(token);
  const claims = await verifySessionToken(token);
  if (!claims) throw new HttpError(401, authMessages.invalid);
  const [member, session] = await Promise.all([
    getMember(claims.memberId),
    getSession(claims.memberId, claims.sessionId),
  ]);
  return authenticated(member, session);
}

async function authenticateLinkToken(token: string): Promise<AuthenticatedMember> {
  let link = await findLink(token);
  if (!link) throw new HttpError(401, authMessages.invalid);
  if (!link.redeemedAt) {
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
