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
import { systemClock } from '../clock.js';
import { requiredEnv } from '../config.js';
import { sendEmail } from '../email/send.js';
import { takeDailyAllowance, utcDay } from '../daily-allowance.js';
import { keys, mailboxHash } from '../keys.js';
import { duplicateNoticesPerDay } from './settings.js';
import { hashLinkToken, issueLinkToken, linkUrl } from '../links.js';
import { returnSignInEmail, takeSignInEmail } from '../sign-in-limit.js';
import { ownerNoticeEmail, verificationEmail, type MemberMailer } from './emails.js';
import type { MemberItem } from './model.js';
import { memberRepository, type MemberRepository } from './repository.js';
import { linkValidForSeconds } from './rules.js';

export type VerificationEmailOutcome =
  | { sent: 'link'; messageId: string }
  | { sent: 'owner-notice'; messageId: string }
  | {
      sent: false;
      reason: 'address-allowance-used' | 'address-owned' | 'owner-notice-limit' | 'registration-ended';
    };

/** What sending a verification email uses: the table, the mailer and the time (the task's, or the API's). */
export interface VerificationDeps {
  members: Pick<MemberRepository, 'getMember' | 'addressHolder' | 'recordLatestLink' | 'restoreLink'>;
  mailer: MemberMailer;
  now: Date;
}

const defaultDeps = (): VerificationDeps => ({
  members: memberRepository,
  mailer: { send: sendEmail },
  now: systemClock.now(),
});

/**
 * The principal whose sign-in allowance bounds the emails registrations send to one address (any number of ids
 * may name it). Keyed on a hash: the address itself never becomes a key.
 */
export function addressPrincipal(email: string): string {
  return `ADDRESS#${mailboxHash(email)}`;
}

/** The active member an address belongs to, other than `memberId`, if any. */
export async function activeOwnerOf(
  email: string,
  memberId: string,
  members: Pick<MemberRepository, 'getMember' | 'addressHolder'> = memberRepository,
): Promise<MemberItem | undefined> {
  const ownerId = await members.addressHolder(email);
  if (!ownerId || ownerId === memberId) return undefined;
  const owner = await members.getMember(ownerId);
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
  deps: VerificationDeps = defaultDeps(),
): Promise<VerificationEmailOutcome> {
  const owner = await activeOwnerOf(member.email, member.id, deps.members);
  if (owner && !first) return { sent: false, reason: 'address-owned' };
  const principal = addressPrincipal(member.email);
  if (!(await takeSignInEmail(principal, deps.now))) return { sent: false, reason: 'address-allowance-used' };
  // Nothing reached the address: a retry of the task (or a later resend) may have the email back.
  const outcome = await (
    owner ? noticeOwner(owner, member, deps) : sendVerificationLink(member, validUntil, deps)
  ).catch(async (error: unknown) => {
    await returnSignInEmail(principal);
    throw error;
  });
  if (!outcome.sent) await returnSignInEmail(principal);
  return outcome;
}

async function sendVerificationLink(
  member: MemberItem,
  validUntil: string,
  deps: VerificationDeps,
): Promise<VerificationEmailOutcome> {
  const validForSeconds = linkValidForSeconds(validUntil, deps.now);
  const { token } = await issueLinkToken(member.id, 'verify', validForSeconds, { memberUid: member.uid });
  const linkHash = hashLinkToken(token);
  if (!(await deps.members.recordLatestLink(member, linkHash, deps.now.toISOString()))) {
    return { sent: false, reason: 'registration-ended' };
  }
  const email = verificationEmail(member.id, linkUrl(requiredEnv('SITE_URL'), token), validForSeconds);
  const messageId = await deps.mailer.send(member.email, email).catch(async (error: unknown) => {
    // Not delivered: the link already in the inbox (if any) must keep working.
    await deps.members.restoreLink(member, linkHash, deps.now.toISOString());
    throw error;
  });
  return { sent: 'link', messageId };
}

/**
 * Tells the address's owner someone tried to register with it: anyone can trigger this, so a mailbox gets at most
 * `DUPLICATE_REGISTRATION_NOTICES_PER_DAY` of them a UTC day (claimed per registration: a retried task counts once).
 */
async function noticeOwner(
  owner: MemberItem,
  registration: MemberItem,
  deps: VerificationDeps,
): Promise<VerificationEmailOutcome> {
  const allowed = await takeDailyAllowance({
    key: keys.noticeLimit(`REGISTRATION#${mailboxHash(owner.email)}`, utcDay(deps.now)),
    maximum: duplicateNoticesPerDay(),
    entity: 'notice-limit',
    claimId: registration.registrationExecution ?? registration.uid ?? registration.id,
    now: deps.now,
  });
  if (!allowed) return { sent: false, reason: 'owner-notice-limit' };
  const notice = ownerNoticeEmail(owner, registration.id, requiredEnv('SITE_URL'));
  return { sent: 'owner-notice', messageId: await deps.mailer.send(owner.email, notice) };
}
