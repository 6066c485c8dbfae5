/**
 * Staff sessions. Like member sessions (`sessions.ts`: the same key, issuer and audience), a staff session token is
 * an ES256 JWT naming a session item (`STAFF#<id>` / `SESSION#<sid>`), and counts only while that item exists and its
 * `validUntil` is ahead. Its subject is `staff:<id>`, so it never passes for a member token, and it carries the
 * staff user's scopes as computed from their permission records when it was issued (CompactConnect's
 * pre-token-generation pattern): a request uses the token's scopes, and changing a user's permissions deletes
 * their session items, so an outdated token stops working at once.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT } from 'jose';
import { documentClient, tableName } from '../aws-clients.js';
import { epochSeconds, keys } from '../keys.js';
import { SCOPE_PATTERN, type Scope } from '../staff/model.js';
import {
  SESSION_AUDIENCE,
  SESSION_ISSUER,
  STAFF_SUBJECT_PREFIX,
  newSessionId,
  verifySessionJwt,
  type CreatedSession,
} from './sessions.js';
import { SESSION_ALGORITHM, loadSigningKey } from './signing-key.js';

/** 12 hours: a working day. Staff hold more power than members, so their sessions are shorter. */
export const STAFF_SESSION_LIFETIME_SECONDS = 12 * 3600;

export interface StaffSessionItem {
  pk: string;
  sk: string;
  entity: 'staff-session';
  staffId: string;
  sessionId: string;
  /** The scopes the token was issued with. */
  scopes: Scope[];
  createdAt: string;
  /** ISO time the session ends; checked on every request. */
  validUntil: string;
  /** TTL (epoch seconds). */
  expiresAt: number;
}

export interface StaffSessionClaims {
  staffId: string;
  sessionId: string;
  scopes: Scope[];
}

/**
 * Starts a staff session carrying `scopes` (read from the permission records by the caller, just before).
 * `sessionId` may be chosen by the caller (a link redemption records it on the link when claiming it).
 */
export async function createStaffSession(
  staffId: string,
  scopes: readonly Scope[],
  sessionId: string = newSessionId(),
): Promise<CreatedSession> {
  const now = new Date();
  const issuedAt = epochSeconds(now);
  const validUntil = new Date((issuedAt + STAFF_SESSION_LIFETIME_SECONDS) * 1000);
  const sorted = [...new Set(scopes)].sort();
  const item: StaffSessionItem = {
    ...keys.staffSession(staffId, sessionId),
    entity: 'staff-session',
    staffId,
    sessionId,
    scopes: sorted,
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
  await documentClient.send(
    new PutCommand({ TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
  );
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
export async function getStaffSession(
  staffId: string,
  sessionId: string,
): Promise<StaffSessionItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.staffSession(staffId, sessionId),
      ConsistentRead: true,
    }),
  );
  return Item as StaffSessionItem | undefined;
}

export function isStaffSessionValid(
  session: StaffSessionItem | undefined,
  now: Date = new Date(),
): session is StaffSessionItem {
  return (
    session !== undefined &&
    session.entity === 'staff-session' &&
    Date.parse(session.validUntil) > now.getTime()
  );
}

/** Logout: ends one staff session. Idempotent. */
export async function revokeStaffSession(staffId: string, sessionId: string): Promise<void> {
  await documentClient.send(
    new DeleteCommand({ TableName: tableName(), Key: keys.staffSession(staffId, sessionId) }),
  );
}
