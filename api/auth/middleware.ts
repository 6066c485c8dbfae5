/**
 * Authentication, as `api/auth/contract.ts` promises it to routes: mount `authenticate` on a route, then call
 * `requireMember(c)` or `optionalMember(c)` in the handler. Which member a token is: `member-session.ts`.
 *
 * As on lumina, a request without a Bearer header (none, or another scheme) is anonymous, a Bearer token that is no
 * valid session is 401, and a valid session without the permission is 403: a staff user's session here.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HttpError } from '../errors.js';
import { authMessages, bearerToken, type AuthenticatedMember, type AuthVariables } from './contract.js';
import { authenticateMemberToken } from './member-session.js';
import { authenticateStaffToken } from './staff-middleware.js';

// Typed on every Hono context, so routes with or without typed Variables can read `c.var.auth`.
declare module 'hono' {
  interface ContextVariableMap {
    auth: AuthVariables['auth'];
  }
}

/**
 * Sets `c.var.auth`: `null` without a Bearer header, the member with a valid session; 401 for a token that is no
 * valid session, 403 for a staff user's valid session.
 */
export const authenticate = createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
  const token = bearerToken(c.req.header('Authorization'));
  c.set('auth', token === undefined ? null : await memberOf(token));
  await next();
});

/** The authenticated member, or 401 `Authorization required` when no Bearer header was sent. */
export function requireMember(c: Context): AuthenticatedMember {
  const auth = optionalMember(c);
  if (!auth) throw new HttpError(401, authMessages.required);
  return auth;
}

/** The authenticated member, or `null` when no Bearer header was sent. */
export function optionalMember(c: Context): AuthenticatedMember | null {
  const auth = c.get('auth') as AuthenticatedMember | null | undefined;
  // Fail closed: a route that forgot the middleware must not look anonymous.
  if (auth === undefined) throw new Error('authenticate middleware is not mounted on this route');
  return auth;
}

async function memberOf(token: string): Promise<AuthenticatedMember> {
  const member = await authenticateMemberToken(token, { redeemLinks: true });
  if (member) return member;
  // Not a member's token: a staff user's valid session is signed in but may not act as a member (403, lumina's
  // answer for a missing permission: a 401 would make a site sign its user out); anything else is a 401.
  await authenticateStaffToken(token);
  throw new HttpError(403, authMessages.forbidden);
}
