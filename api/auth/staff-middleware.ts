/**
 * Staff authentication: mount `authenticateStaff` on a route, then call `requireStaff(c)` or
 * `requireScope(c, predicate)` in the handler (or in a middleware before the body is validated).
 *
 * Only a staff session token is accepted (a member's token or link token is "Invalid or expired token"). A session
 * counts while its item exists and is valid and its user still exists and is active; the scopes are the token's,
 * as issued, and the session counts only while its user's permissions version is the one it was issued at, so
 * stale scopes never outlive a change.
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
import { HttpError } from '../errors.js';
import { authMessages, bearerToken, type AuthVariables } from './contract.js';
import { authenticate } from './middleware.js';

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

/** Sets `c.var.staff`: `null` without an Authorization header, the staff user with a valid one, a 401 otherwise. */
export const authenticateStaff = createMiddleware<{ Variables: StaffVariables }>(async (c, next) => {
  const header = c.req.header('Authorization');
  c.set('staff', header === undefined ? null : await authenticateStaffBearer(header));
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

async function authenticateStaffBearer(header: string): Promise<AuthenticatedStaff> {
  const token = bearerToken(header);
  if (!token) throw new HttpError(401, authMessages.required);
  return authenticateStaffClaims(await verifyStaffSessionToken(token));
}

/** The staff user of verified session claims, while the user is active and the session valid; 401 otherwise. */
async function authenticateStaffClaims(claims: StaffSessionClaims | undefined): Promise<AuthenticatedStaff> {
  if (!claims) throw new HttpError(401, authMessages.invalid);
  const [staff, session] = await Promise.all([
    getStaff(claims.staffId),
    getStaffSession(claims.staffId, claims.sessionId),
  ]);
  // A deleted user, an ended session and a user not (or no longer) active look alike.
  if (!staff || staff.status !== 'active' || !isStaffSessionValid(session, staff)) {
    throw new HttpError(401, authMessages.invalid);
  }
  return { staff, scopes: claims.scopes, sessionId: claims.sessionId, expiresAt: session.validUntil };
}

/**
 * For routes open to both members and staff (a member's own submissions; staff reading anyone's): a staff session
 * token sets `c.var.staff` (and `c.var.auth` to null), anything else goes through the member `authenticate`.
 */
export const authenticateMemberOrStaff = createMiddleware<{ Variables: StaffVariables & AuthVariables }>(
  async (c, next) => {
    const header = c.req.header('Authorization');
    const token = header === undefined ? undefined : bearerToken(header);
    const staffClaims = token === undefined ? undefined : await verifyStaffSessionToken(token);
    if (staffClaims) {
      c.set('staff', await authenticateStaffClaims(staffClaims));
      c.set('auth', null);
      await next();
      return;
    }
    c.set('staff', null);
    // The member middleware only reads the header and sets `auth`: the same context serves it.
    await authenticate(c as unknown as Parameters<typeof authenticate>[0], next);
  },
);
