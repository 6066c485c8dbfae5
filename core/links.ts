/**
 * Emailed links carry an opaque, single-use, short-lived token. Only its SHA-256 is stored (`LINK#<hash>`), so the
 * table never holds a usable token; the item says what the link is for and for whom, and expires by TTL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { systemClock } from './clock.js';
import { getItem, putIfAbsent, updateIf } from './db.js';
import { epochSeconds, keys } from './keys.js';

/**
 * `verify` and `login` sign a member in; `student-contact` confirms a student's address for a relay request and
 * `relay-report` reports a relayed email as abuse (both carry the relay id, and sign nobody in). `staff-invite`
 * accepts a staff invitation and `staff-login` signs a staff user in: for both, `memberId` holds the staff id (and
 * an invitation link names its execution, so a link from an earlier invitation cannot answer a later one).
 */
export const LinkPurposeSchema = z.enum([
  'verify',
  'login',
  'student-contact',
  'relay-report',
  'staff-invite',
  'staff-login',
]);
export type LinkPurpose = z.infer<typeof LinkPurposeSchema>;

/** The link item, `LINK#<sha256 of the token>` / `LINK`. Loose: a read-modify-write keeps what it does not name. */
export const LinkItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('link'),
  purpose: LinkPurposeSchema,
  memberId: z.string(),
  /**
   * `verify` and `login` links: the `uid` of the profile they were issued for. Redemption refuses a link whose
   * profile is not that one any more (erased, and perhaps the id registered again by someone else).
   */
  memberUid: z.string().optional(),
  createdAt: z.string(),
  /** ISO time after which the link is refused (the TTL deletes it some time later). */
  validUntil: z.string(),
  expiresAt: z.number(),
  /** Set when redeemed: a link works once. */
  redeemedAt: z.string().optional(),
  /** Who holds the redemption (see `claimLink`), so only that use can release it. */
  claimId: z.string().optional(),
  /** The session the redemption created (for lumina-era sites that keep using the link token as Bearer). */
  sessionId: z.string().optional(),
  /** Relay links: the relay request they belong to. */
  relayId: z.string().optional(),
  /** Staff invitation links: the invitation execution that issued them (`StaffItem.invitationExecution`). */
  invitationExecution: z.string().optional(),
  /**
   * Staff invitation links: the acceptance time this link answered the invitation with (the user's `activatedAt`
   * once active). Kept when a claim is released, so only this link's retry signs the activated user in.
   */
  acceptedAt: z.string().optional(),
  /** Set when the redemption has finished (its session exists, or it was refused): nobody need wait for it. */
  settledAt: z.string().optional(),
});
export type LinkItem = z.infer<typeof LinkItemSchema>;

/** Link tokens are 43 url-safe characters, unlike the JWT session tokens (three dot-separated parts). */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The link item for a token (strongly consistent), parsed; `undefined` for a malformed or unknown token. */
export async function getLink(token: string): Promise<LinkItem | undefined> {
  if (!LINK_TOKEN_PATTERN.test(token)) return undefined;
  return getItem(LinkItemSchema, keys.link(hashLinkToken(token)));
}

/**
 * Marks a redemption finished, if `sessionId`'s use still holds the link: a parallel request holding the same link
 * token stops waiting for its session. False when another use holds it.
 */
export async function markLinkSettled(token: string, sessionId: string, now: Date): Promise<boolean> {
  const settled = await updateIf(LinkItemSchema, {
    Key: keys.link(hashLinkToken(token)),
    UpdateExpression: 'SET settledAt = :now',
    ConditionExpression: 'sessionId = :sid',
    ExpressionAttributeValues: { ':sid': sessionId, ':now': now.toISOString() },
  });
  return settled !== undefined;
}

/** Creates a link token for a member and returns it; the caller puts it in an email, never in a log. */
export async function issueLinkToken(
  memberId: string,
  purpose: LinkPurpose,
  validForSeconds: number,
  extra: { relayId?: string; invitationExecution?: string; memberUid?: string } = {},
  now: Date = systemClock.now(),
) {
  const token = randomBytes(32).toString('base64url');
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
  // 32 random bytes: a collision would be a broken random source, never a retry.
  if (!(await putIfAbsent(item)).written) throw new Error('A new link token collided with an existing one');
  return { token, validUntil: item.validUntil };
}

/** The URL a member follows: the site's `/auth` page, which lumina-era sites already have. */
export function linkUrl(siteUrl: string, token: string): string {
  const url = new URL('/auth', siteUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * Claims a link for its one use: marks it redeemed, with `fields` (e.g. the session the use will create), unless it
 * already was. Returns false then (a second click). A double click therefore acts once.
 */
export async function claimLink(
  token: string,
  claimId: string,
  now: Date,
  fields: Record<string, string | number> = {},
): Promise<boolean> {
  const extra = Object.keys(fields);
  const claimed = await updateIf(LinkItemSchema, {
    Key: keys.link(hashLinkToken(token)),
    UpdateExpression: [
      'SET redeemedAt = :now, claimId = :claim, updatedAt = :now',
      ...extra.map((_, index) => `#f${index} = :f${index}`),
    ].join(', '),
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(redeemedAt)',
    ExpressionAttributeNames:
      extra.length > 0 ? Object.fromEntries(extra.map((name, i) => [`#f${i}`, name])) : undefined,
    ExpressionAttributeValues: {
      ':now': now.toISOString(),
      ':claim': claimId,
      ...Object.fromEntries(extra.map((name, i) => [`:f${i}`, fields[name]])),
    },
  });
  return claimed !== undefined;
}

/**
 * Gives a claimed link back when its use failed in a way a retry could fix (the person may click again): removes
 * the redemption and `remove`, sets `restore`, if the claim is still `claimId`'s.
 */
export async function releaseLinkClaim(
  token: string,
  claimId: string,
  remove: string[] = [],
  restore: Record<string, string | number> = {},
): Promise<void> {
  const restored = Object.keys(restore);
  const names = [...remove, ...restored];
  // Not ours any more (settled, or claimed again): nothing to give back.
  await updateIf(LinkItemSchema, {
    Key: keys.link(hashLinkToken(token)),
    UpdateExpression: [
      `REMOVE ${['redeemedAt', 'claimId', ...remove.map((_, i) => `#n${i}`)].join(', ')}`,
      `SET ${['updatedAt = :now', ...restored.map((_, i) => `#n${remove.length + i} = :r${i}`)].join(', ')}`,
    ].join(' '),
    ConditionExpression: 'claimId = :claim',
    ExpressionAttributeNames:
      names.length > 0 ? Object.fromEntries(names.map((name, i) => [`#n${i}`, name])) : undefined,
    ExpressionAttributeValues: {
      ':claim': claimId,
      ':now': systemClock.now().toISOString(),
      ...Object.fromEntries(restored.map((name, i) => [`:r${i}`, restore[name]])),
    },
  });
}
