/**
 * Sessions. lumina's session was a 90-day token nobody could revoke; ours is a signed JWT that names a session
 * item (`MEMBER#<id>` / `SESSION#<sid>`), and a request is authenticated only while that item exists and its
 * `validUntil` is ahead. Deleting the item (logout, log out everywhere, member erased) therefore ends the session
 * at once, whatever the token's own `exp` says. The signature spares a table read for garbage tokens.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import { systemClock } from '../clock.js';
import { batchWrite, deleteItem, getItem, putIfAbsent, queryAll } from '../db.js';
import { epochSeconds, keys } from '../keys.js';
import { SESSION_ALGORITHM, loadSigningKey } from './signing-key.js';

/** 14 days: long enough that members are not asked to log in every visit, short enough to bound a stolen token. */
export const SESSION_LIFETIME_SECONDS = 14 * 24 * 3600;

export const SESSION_ISSUER = 'lumina';
export const SESSION_AUDIENCE = 'lumina-api';

/** How the session began: `POST /auth/redeem`, or a lumina-era site sending the link token itself as Bearer. */
export type SessionVia = 'redeem' | 'link-bearer';

/** The session item, `MEMBER#<id>` / `SESSION#<sid>`. */
export const SessionItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('session'),
  memberId: z.string(),
  /** The `uid` of the profile the session was opened for: it counts for that profile only (never a later one). */
  memberUid: z.string().optional(),
  sessionId: z.string(),
  via: z.enum(['redeem', 'link-bearer']),
  createdAt: z.string(),
  /** ISO time the session ends; checked on every request. */
  validUntil: z.string(),
  /** TTL (epoch seconds): the table removes ended sessions by itself. */
  expiresAt: z.number(),
});
export type SessionItem = z.infer<typeof SessionItemSchema>;

export interface CreatedSession {
  sessionId: string;
  sessionToken: string;
  /** ISO time the session ends. */
  expiresAt: string;
}

const SESSION_ID_PATTERN = /^[0-9a-f-]{36}$/;

/**
 * Starts a session for a member. `sessionId` may be chosen by the caller (link redemption records it on the link
 * before the session exists, in the same write that claims the link).
 */
export async function createSession(
  memberId: string,
  via: SessionVia,
  sessionId: string = newSessionId(),
  memberUid?: string,
  now: Date = systemClock.now(),
): Promise<CreatedSession> {
  // Whole seconds, so the item's validUntil and the token's `exp` are the same instant.
  const issuedAt = epochSeconds(now);
  const validUntil = new Date((issuedAt + SESSION_LIFETIME_SECONDS) * 1000);
  const item: SessionItem = {
    ...keys.session(memberId, sessionId),
    entity: 'session',
    memberId,
    ...(memberUid === undefined ? {} : { memberUid }),
    sessionId,
    via,
    createdAt: now.toISOString(),
    validUntil: validUntil.toISOString(),
    expiresAt: epochSeconds(validUntil),
  };
  const key = await loadSigningKey();
  const sessionToken = await new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: SESSION_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(memberId)
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(epochSeconds(validUntil))
    .sign(key.privateKey);
  // A random UUID: a collision would be a broken random source, never a retry.
  if (!(await putIfAbsent(item)).written)
    throw new Error('A new session id collided with an existing session');
  return { sessionId, sessionToken, expiresAt: item.validUntil };
}

export function newSessionId(): string {
  return randomUUID();
}

/**
 * A staff session token's subject is `staff:<staffId>` (`core/auth/staff-sessions.ts`). Member ids cannot contain
 * a colon, and a member token has no `scopes` claim: each kind of token is refused where the other is expected.
 */
export const STAFF_SUBJECT_PREFIX = 'staff:';

/**
 * Checks a session JWT's signature, issuer, audience, expiry and `sid`; returns its claims, or `undefined` for any
 * token that does not verify. Shared by member and staff sessions (one key, one issuer, one audience).
 */
export async function verifySessionJwt(
  token: string,
): Promise<{ sub: string; sid: string; payload: Record<string, unknown> } | undefined> {
  const key = await loadSigningKey();
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [SESSION_ALGORITHM],
      issuer: SESSION_ISSUER,
      audience: SESSION_AUDIENCE,
      requiredClaims: ['sub', 'sid', 'iat', 'exp'],
    });
    const { sub, sid } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !SESSION_ID_PATTERN.test(sid)) return undefined;
    return { sub, sid, payload };
  } catch {
    return undefined;
  }
}

/**
 * Checks a member session token's signature, issuer, audience and expiry; returns whose session it names, or
 * `undefined` for any token that does not verify or is a staff token (the caller answers all of them alike:
 * "Invalid or expired token").
 */
export async function verifySessionToken(
  token: string,
): Promise<{ memberId: string; sessionId: string } | undefined> {
  const claims = await verifySessionJwt(token);
  if (!claims || claims.sub.startsWith(STAFF_SUBJECT_PREFIX) || 'scopes' in claims.payload) return undefined;
  return { memberId: claims.sub, sessionId: claims.sid };
}

/** The session item, strongly consistent (a revocation a moment ago must count). */
export async function getSession(memberId: string, sessionId: string): Promise<SessionItem | undefined> {
  return getItem(SessionItemSchema, keys.session(memberId, sessionId));
}

/** Valid while it exists and has not reached `validUntil` (the TTL deletes it only some time later). */
export function isSessionValid(
  session: SessionItem | undefined,
  now: Date = systemClock.now(),
): session is SessionItem {
  return session !== undefined && Date.parse(session.validUntil) > now.getTime();
}

/** Logout: ends one session. Idempotent. */
export async function revokeSession(memberId: string, sessionId: string): Promise<void> {
  await deleteItem(keys.session(memberId, sessionId));
}

const SessionKeySchema = z.looseObject({ pk: z.string(), sk: z.string() });

/** Log out everywhere: ends every session of the member. Returns how many were ended. */
export async function revokeAllSessions(memberId: string): Promise<number> {
  const found = await queryAll(SessionKeySchema, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId), ':prefix': keys.sessionPrefix },
    ProjectionExpression: 'pk, sk',
    ConsistentRead: true,
  });
  await batchWrite(found.map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } })));
  return found.length;
}
