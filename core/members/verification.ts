/**
 * What a pending registration emails, and when. Used by the registration workflow's AwaitVerification task (the
 * first email) and by `POST /member/{id}/login` for a registration still waiting (a resend).
 *
 * A pending registration reserves its id only; the address is taken when the registration is verified
 * (`tasks/activate-member.ts`). So nobody can hold an address they cannot read, and from the outside a
 * registration naming a registered address looks exactly like one naming a free address (the id is pending in
 * both cases, for the same time): the requester learns nothing. Only the email differs, and it goes to the
 * address, never to the requester:
 * - the address is free, or only named by other pending registrations: a verification link (a new one each time;
 *   only the latest works, see `verificationLinkHash`);
 * - the address is an active member's: that member is told someone tried to register with it (the first time
 *   only), and no link exists, so the registration can only expire.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documentClient, tableName } from '../aws-clients.js';
import { requiredEnv } from '../config.js';
import { renderEmail } from '../email/render.js';
import { sendEmail } from '../email/send.js';
import { takeDailyAllowance, utcDay } from '../daily-allowance.js';
import { keys, mailboxHash } from '../keys.js';
import { duplicateNoticesPerDay } from './settings.js';
import { hashLinkToken, issueLinkToken, linkUrl } from '../links.js';
import { returnSignInEmail, takeSignInEmail } from '../sign-in-limit.js';
import { getMember } from './account.js';
import type { MemberItem } from './model.js';

export type VerificationEmailOutcome =
  | { sent: 'link'; messageId: string }
  | { sent: 'owner-notice'; messageId: string }
  | {
      sent: false;
      reason: 'address-allowance-used' | 'address-owned' | 'owner-notice-limit' | 'registration-ended';
    };

/**
 * The principal whose sign-in allowance bounds the emails registrations send to one address (any number of ids
 * may name it). Keyed on a hash: the address itself never becomes a key.
 */
export function addressPrincipal(email: string): string {
  return `ADDRESS#${mailboxHash(email)}`;
}

/** The active member an address belongs to, other than `memberId`, if any. */
export async function activeOwnerOf(email: string, memberId: string): Promise<MemberItem | undefined> {
  const { Item: reservation } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.memberEmail(email), ConsistentRead: true }),
  );
  const ownerId = reservation?.memberId as string | undefined;
  if (!ownerId || ownerId === memberId) return undefined;
  const owner = await getMember(ownerId);
  return owner?.status === 'active' ? owner : undefined;
}

/**
 * Emails the pending registration `member` (read just before, with its task token stored) what it needs: a new
 * verification link valid until `validUntil`, which replaces any earlier one, or the owner's notice. `first`: the
 * workflow's own email (the owner is told once; a resend tells nobody).
 */
export async function emailVerification(
  member: MemberItem,
  validUntil: string,
  first: boolean,
): Promise<VerificationEmailOutcome> {
  const owner = await activeOwnerOf(member.email, member.id);
  if (owner && !first) return { sent: false, reason: 'address-owned' };
  const principal = addressPrincipal(member.email);
  if (!(await takeSignInEmail(principal))) return { sent: false, reason: 'address-allowance-used' };
  try {
    const outcome = await (owner ? noticeOwner(owner, member) : sendVerificationLink(member, validUntil));
    if (!outcome.sent) await returnSignInEmail(principal);
    return outcome;
  } catch (error) {
    // Nothing reached the address: a retry of the task (or a later resend) may have the email back.
    await returnSignInEmail(principal);
    throw error;
  }
}

async function sendVerificationLink(
  member: MemberItem,
  validUntil: string,
): Promise<VerificationEmailOutcome> {
  const validForSeconds = Math.max(1, Math.floor((Date.parse(validUntil) - Date.now()) / 1000));
  const { token } = await issueLinkToken(member.id, 'verify', validForSeconds, { memberUid: member.uid });
  if (!(await recordLatestLink(member, hashLinkToken(token)))) {
    return { sent: false, reason: 'registration-ended' };
  }
  const hours = Math.round(validForSeconds / 3600);
  const email = renderEmail({
    subject: 'Confirm your email address for the New Theatre alumni network',
    // No name: the address is not verified yet and whoever registered chose it (the welcome email uses it).
    greeting: 'Hello,',
    paragraphs: [
      `Thank you for registering as ${member.id}. Please confirm that this is your email address.`,
      'If you did not register, ignore this email: the registration is removed when the link expires.',
    ],
    action: { label: 'Confirm my email address', url: linkUrl(requiredEnv('SITE_URL'), token) },
    footnote:
      hours >= 1 ? `The link works once, for ${hours} hours.` : 'The link works once, for a short time.',
  });
  try {
    return { sent: 'link', messageId: await sendEmail(member.email, email) };
  } catch (error) {
    // Not delivered: the link already in the inbox (if any) must keep working.
    await restoreLink(member, hashLinkToken(token));
    throw error;
  }
}

/** Puts back the link `member` had (read before `replaced` was recorded), unless a later one replaced it since. */
async function restoreLink(member: MemberItem, replaced: string): Promise<void> {
  const previous = member.verificationLinkHash;
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.member(member.id),
        UpdateExpression: previous
          ? 'SET verificationLinkHash = :previous, updatedAt = :now'
          : 'REMOVE verificationLinkHash SET updatedAt = :now',
        ConditionExpression: 'verificationLinkHash = :replaced',
        ExpressionAttributeValues: {
          ':replaced': replaced,
          ':now': new Date().toISOString(),
          ...(previous ? { ':previous': previous } : {}),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Makes `linkHash` the registration's only working link, if the registration is still this one and waiting.
 * False when it has ended (activated, released) meanwhile: then the link must not be sent.
 */
async function recordLatestLink(member: MemberItem, linkHash: string): Promise<boolean> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.member(member.id),
        UpdateExpression: 'SET verificationLinkHash = :hash, updatedAt = :now',
        ConditionExpression: '#status = :pending AND registrationExecution = :execution',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':hash': linkHash,
          ':now': new Date().toISOString(),
          ':pending': 'pending',
          ':execution': member.registrationExecution ?? '',
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Tells the address's owner someone tried to register with it: anyone can trigger this, so a mailbox gets at most
 * `DUPLICATE_REGISTRATION_NOTICES_PER_DAY` of them a UTC day (claimed per registration: a retried task counts once).
 */
async function noticeOwner(owner: MemberItem, registration: MemberItem): Promise<VerificationEmailOutcome> {
  const allowed = await takeDailyAllowance({
    key: keys.noticeLimit(`REGISTRATION#${mailboxHash(owner.email)}`, utcDay(new Date())),
    maximum: duplicateNoticesPerDay(),
    entity: 'notice-limit',
    claimId: registration.registrationExecution ?? registration.uid ?? registration.id,
  });
  if (!allowed) return { sent: false, reason: 'owner-notice-limit' };
  return { sent: 'owner-notice', messageId: await sendOwnerNotice(owner, registration.id) };
}

async function sendOwnerNotice(owner: MemberItem, requestedMemberId: string): Promise<string> {
  const notice = renderEmail({
    subject: 'Someone tried to register with your email address',
    greeting: `Hello ${owner.fullName},`,
    paragraphs: [
      `Someone asked to register the alumni profile ${requestedMemberId} with this email address, which already belongs to your profile ${owner.id}.`,
      'If it was you, sign in from the alumni site instead: we will email you a link. If it was not, you can ignore this email; nothing has changed.',
    ],
    action: { label: 'Go to the alumni site', url: requiredEnv('SITE_URL') },
  });
  return sendEmail(owner.email, notice);
}
