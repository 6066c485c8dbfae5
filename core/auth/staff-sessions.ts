/**
 * Staff sessions. Like member sessions (`sessions.ts`: the same key, issuer and audience), a staff session token is
 * an ES256 JWT naming a session item (`STAFF#<id>` / `SESSION#<sid>`), and counts only while that item exists and its
 * `validUntil` is ahead. Its subject is `staff:<id>`, so it never passes for a member token, and it carries the
 * staff user's scopes as computed from their permission records when it was issued (CompactConnect's
 * pre-token-generation pattern): a request uses the token's scopes. The session item records the profile's
 * `permissionsVersion` those scopes were read at; it is written only while the profile still has that version,
 * and counts only while it does, so a session never carries scopes older than a permission change (even one
 * that raced its sign-in). Changing a user's permissions also deletes their session items (tidiness).
 */
import { SignJWT } from 'jose';
import { systemClock } from '../clock.js';
import { DomainError } from '../errors.js';
import { epochSeconds, keys } from '../keys.js';
import { SCOPE_PATTERN, type Scope, type StaffItem } from '../staff/model.js';
import {
  deleteStaffSession,
  getStaffSession as readStaffSession,
  putStaffSession,
  type StaffAccess,
  type StaffSessionItem,
} from '../staff/repository.js';
import { isStaffSessionValid as sessionValidAt, permissionsVersionOf } from '../staff/rules.js';
import {
  SESSION_AUDIENCE,
  SESSION_ISSUER,
  STAFF_SUBJECT_PREFIX,
  newSessionId,
  verifySessionJwt,
  type CreatedSession,
} from './sessions.js';
import { SESSION_ALGORITHM, loadSigningKey } from './signing-key.js';

export type { StaffSessionItem } from '../staff/repository.js';

/** 12 hours: a working day. Staff hold more power than members, so their sessions are shorter. */
export const STAFF_SESSION_LIFETIME_SECONDS = 12 * 3600;

export interface StaffSessionClaims {
  staffId: string;
  sessionId: string;
  scopes: Scope[];
}

/** The user's permissions (or status) changed since they were read: read them again and retry. */
export class StaleStaffAccess extends DomainError {
  override name = 'StaleStaffAccess';
  constructor() {
    super('TryAgainLater', "The staff user's permissions changed while signing in");
  }
}

/**
 * Starts a staff session carrying the scopes of `access` (read with `readStaffAccess` just before). The session
 * item is written in one transaction with a check that the user is still active at the permissions version read,
 * so a permission change (or deletion) that committed since makes this throw `StaleStaffAccess` instead of
 * leaving a session with the old scopes. `sessionId` may be chosen by the caller (a link redemption records it on
 * the link when claiming it).
 */
export async function createStaffSession(
  access: StaffAccess,
  sessionId: string = newSessionId(),
  now: Date = systemClock.now(),
): Promise<CreatedSession> {
  const staffId = access.staff.id;
  const version = permissionsVersionOf(access.staff);
  const issuedAt = epochSeconds(now);
  const validUntil = new Date((issuedAt + STAFF_SESSION_LIFETIME_SECONDS) * 1000);
  const sorted = [...new Set(access.scopes)].sort();
  const item: StaffSessionItem = {
    ...keys.staffSession(staffId, sessionId),
    entity: 'staff-session',
    staffId,
    sessionId,
    scopes: sorted,
    permissionsVersion: version,
    createdAt: now.toISOString(),
    validUntil: validUntil.toISOString(),
    expiresAt: epochSeconds(validUntil),
  };
  const key = await loadSigningKey();
  const sessionToken = await new SignJWT({ sid: sessionId, scopes: sorted })
    .setProtectedHeader({ alg: SESSION_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(`${STAFF_SUBJECT_PREFIX}${staffId}`)
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(epochSeconds(validUntil))
    .sign(key.privateKey);
  if (!(await putStaffSession(item, version))) throw new StaleStaffAccess();
  return { sessionId, sessionToken, expiresAt: item.validUntil };
}

/** A staff token's claims, or `undefined` for anything else (a member token, a bad signature, an unknown scope). */
export async function verifyStaffSessionToken(token: string): Promise<StaffSessionClaims | undefined> {
  const claims = await verifySessionJwt(token);
  if (!claims?.sub.startsWith(STAFF_SUBJECT_PREFIX)) return undefined;
  const staffId = claims.sub.slice(STAFF_SUBJECT_PREFIX.length);
  const { scopes } = claims.payload;
  if (!staffId || !Array.isArray(scopes)) return undefined;
  if (!scopes.every((scope): scope is Scope => typeof scope === 'string' && SCOPE_PATTERN.test(scope))) {
    return undefined;
  }
  return { staffId, sessionId: claims.sid, scopes };
}

/** The session item, strongly consistent (a revocation a moment ago must count). */
export function getStaffSession(staffId: string, sessionId: string): Promise<StaffSessionItem | undefined> {
  return readStaffSession(staffId, sessionId);
}

/** Valid while it exists, has not reached `validUntil`, and its user's permissions are still those it was issued with. */
export function isStaffSessionValid(
  session: StaffSessionItem | undefined,
  staff: StaffItem,
  now: Date = systemClock.now(),
): session is StaffSessionItem {
  return sessionValidAt(session, staff, now);
}

/** Logout: ends one staff session. Idempotent. */
export async function revokeStaffSession(staffId: string, sessionId: string): Promise<void> {
  await deleteStaffSession(staffId, sessionId);
}
