/**
 * Emailed links carry an opaque, single-use, short-lived token. Only its SHA-256 is stored (`LINK#<hash>`), so the
 * table never holds a usable token; the item says what the link is for and for whom, and expires by TTL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './aws-clients.js';
import { rethrowAwsError } from './errors.js';
import { epochSeconds, keys } from './keys.js';

/**
 * `verify` and `login` sign a member in; `student-contact` confirms a student's address for a relay request and
 * `relay-report` reports a relayed email as abuse (both carry the relay id, and sign nobody in). `staff-invite`
 * accepts a staff invitation and `staff-login` signs a staff user in: for both, `memberId` holds the staff id (and
 * an invitation link names its execution, so a link from an earlier invitation cannot answer a later one).
 */
export type LinkPurpose =
  'verify' | 'login' | 'student-contact' | 'relay-report' | 'staff-invite' | 'staff-login';

export interface LinkItem {
  pk: string;
  sk: string;
  entity: 'link';
  purpose: LinkPurpose;
  memberId: string;
  createdAt: string;
  /** ISO time after which the link is refused (the TTL deletes it some time later). */
  validUntil: string;
  expiresAt: number;
  /** Set when redeemed: a link works once. */
  redeemedAt?: string;
  /** The session the redemption created (for lumina-era sites that keep using the link token as Bearer). */
  sessionId?: string;
  /** Relay links: the relay request they belong to. */
  relayId?: string;
  /** Staff invitation links: the invitation execution that issued them (`StaffItem.invitationExecution`). */
  invitationExecution?: string;
  /** Set when the redemption has finished (its session exists, or it was refused): nobody need wait for it. */
  settledAt?: string;
}

/** Link tokens are 43 url-safe characters, unlike the JWT session tokens (three dot-separated parts). */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a link token for a member and returns it; the caller puts it in an email, never in a log. */
export async function issueLinkToken(
  memberId: string,
  purpose: LinkPurpose,
  validForSeconds: number,
  extra: { relayId?: string; invitationExecution?: string } = {},
) {
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  const validUntil = new Date(now.getTime() + validForSeconds * 1000);
  const item: LinkItem = {
    ...keys.link(hashLinkToken(token)),
    entity: 'link',
    purpose,
    memberId,
    createdAt: now.toISOString(),
    validUntil: validUntil.toISOString(),
    // Kept a day past validity so a late click gets "expired" rather than "invalid".
    expiresAt: epochSeconds(validUntil) + 24 * 3600,
    ...extra,
  };
  try {
    await documentClient.send(
      new PutCommand({ TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  } catch (error) {
    rethrowAwsError(error);
  }
  return { token, validUntil: item.validUntil };
}

/** The URL a member follows: the site's `/auth` page, which lumina-era sites already have. */
export function linkUrl(siteUrl: string, token: string): string {
  const url = new URL('/auth', siteUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
