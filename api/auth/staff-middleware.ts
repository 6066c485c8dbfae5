/**
 * Staff authentication: mount `authenticateStaff` on a route, then call `requireStaff(c)` or
 * `requireScope(c, predicate)` in the handler (or in a middleware before the body is validated).
 *
 * Only a staff session token is accepted: a member's valid session is 403 (signed in, without the permission, as
 * lumina answered a member on its admin route), any other token 401 `Invalid or expired token`. A session counts
 * while its item exists and is valid and its user still exists and is active; the scopes are the token's, as
 * issued, and the session counts only while its user's permissions version is the one it was issued at, so stale
 * scopes never outlive a change.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import {
  getStaffSession,
  isStaffSessionValid,
  verifyStaffSessionToken,
  type StaffSessionClaims,
} from '../../core/auth/staff-sessions.js';
import type { Scope, StaffItem } from '../../core/staff/model.js';
import { getStaff } from '../../core/staff/repository.js';
import { systemClock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import { HttpError } from '../errors.js';
import { authMessages, bearerToken, type AuthVariables } from './contract.js';
import { authenticateMemberToken } from './member-session.js';

export interface AuthenticatedStaff {
  /** The active staff user the session belongs to, freshly read. */
  staff: StaffItem;
  /** The scopes the session token was issued with. */
  scopes: Scope[];
  sessionId: string;
  /** ISO time the session ends. */
  expiresAt: string;
}

/** Hono context variables set by `authenticateStaff`: `null` when no Authorization header was sent. */
export interface StaffVariables {
  staff: AuthenticatedStaff | null;
}

declare module 'hono' {
  interface ContextVariableMap {
    staff: StaffVariables['staff'];
  }
}

/**
 * Sets `c.var.staff`: `null` without a Bearer header, the staff user with a valid session; 403 for a member's valid
 * session, 401 for any other token.
 */
export const authenticateStaff = createMiddleware<{ Variables: StaffVariables }>(async (c, next) => {
  const token = bearerToken(c.req.header('Authorization'));
  c.set('staff', token === undefined ? null : await staffOf(token));
  await next();
});

/** The authenticated staff user, or 401 `Authorization required` when no Authorization header was sent. */
export function requireStaff(c: Context): AuthenticatedStaff {
  const staff = c.get('staff') as AuthenticatedStaff | null | undefined;
  // Fail closed: a route that forgot the middleware must not look anonymous.
  if (staff === undefined) throw new Error('authenticateStaff middleware is not mounted on this route');
  if (!staff) throw new HttpError(401, authMessages.required);
  return staff;
}

/** The authenticated staff user if their scopes satisfy `allowed`; 401 without a session, 403 otherwise. */
export function requireScope(c: Context, allowed: (scopes: readonly Scope[]) => boolean): AuthenticatedStaff {
  const staff = requireStaff(c);
  if (!allowed(staff.scopes)) throw new HttpError(403, authMessages.forbidden);
  return staff;
}

/** `requireScope` as a middleware, so authorization is decided before the body is validated. */
export const staffWithScope = (allowed: (scopes: readonly Scope[]) => boolean) =>
  createMiddleware<{ Variables: StaffVariables }>(async (c, next) => {
    requireScope(c, allowed);
    await next();
  });

/** Any signed-in staff user. */
export const staffOnly = staffWithScope(() => true);

/** The staff user whose valid session `token` is; 401 for any other token. */
export async function authenticateStaffToken(token: string): Promise<AuthenticatedStaff> {
  return authenticateStaffClaims(await verifyStaffSessionToken(token));
}

async function staffOf(token: string): Promise<AuthenticatedStaff> {
  const claims = await verifyStaffSessionToken(token);
  if (claims) return authenticateStaffClaims(claims);
  if (await isMemberSession(token)) throw new HttpError(403, authMessages.forbidden);
  throw new HttpError(401, authMessages.invalid);
}

/**
 * Whether `token` is a member's valid session (a lumina-era site's link token included, once it is one). A link
 * not yet redeemed is left unused: it is no session, and a staff route has nothing to give a member.
 */
async function isMemberSession(token: string): Promise<boolean> {
  try {
    return (await authenticateMemberToken(token, { redeemLinks: false })) !== undefined;
  } catch (error) {
    // A refusal (401), as an HttpError or a DomainError (LinkRefused, SessionRefused): no member session.
    if ((error instanceof HttpError || error instanceof DomainError) && error.status === 401) return false;
    throw error;
  }
}

/** The staff user of verified session claims, while the user is active and the session valid; 401 otherwise. */
async function authenticateStaffClaims(claims: StaffSessionClaims | undefined): Promise<AuthenticatedStaff> {
  if (!claims) throw new HttpError(401, authMessages.invalid);
  const [staff, session] = await Promise.all([
    getStaff(claims.staffId),
    getStaffSession(claims.staffId, claims.sessionId),
  ]);
  // A deleted user, an ended session and a user not (or no longer) active look alike.
  if (!staff || staff.status !== 'active' || !isStaffSessionValid(session, staff, systemClock.now())) {
    throw new HttpError(401, authMessages.invalid);
  }
  return { staff, scopes: claims.scopes, sessionId: claims.sessionId, expiresAt: session.validUntil };
}

/**
 * For routes open to both members and staff (a member's own submissions; staff reading anyone's): a staff session
 * token sets `c.var.staff` (and `c.var.auth` to null), a member's sets `c.var.auth` (and `c.var.staff` to null);
 * without a Bearer header both are null; any other token is a 401.
 */
export const authenticateMemberOrStaff = createMiddleware<{ Variables: StaffVariables & AuthVariables }>(
  async (c, next) => {
    const token = bearerToken(c.req.header('Authorization'));
    const staffClaims = token === undefined ? undefined : await verifyStaffSessionToken(token);
    c.set('staff', staffClaims ? await authenticateStaffClaims(staffClaims) : null);
    if (token === undefined || staffClaims) c.set('auth', null);
    else {
      const member = await authenticateMemberToken(token, { redeemLinks: true });
      if (!member) throw new HttpError(401, authMessages.invalid);
      c.set('auth', member);
    }
    await next();
  },
);
