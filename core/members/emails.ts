/**
 * What the members domain emails, as rendered emails built from a member and the values they show (pure: the
 * senders are in `verification.ts`, `service.ts` and the registration tasks).
 */
import { renderEmail, type RenderedEmail } from '../email/render.js';
import type { MemberItem } from './model.js';

/** Sends one email; returns the SES message id (`Mailer` of `tasks/define-task.ts`, `sesMailer` in the API). */
export interface MemberMailer {
  send(to: string, email: RenderedEmail): Promise<string>;
}

export function welcomeEmail(member: Pick<MemberItem, 'id' | 'fullName'>, siteUrl: string): RenderedEmail {
  return renderEmail({
    subject: 'Welcome to the New Theatre alumni network',
    greeting: `Hello ${member.fullName},`,
    paragraphs: [
      `Your email address is confirmed and your profile ${member.id} is active.`,
      'You can sign in at any time from the alumni site with a link sent to this address.',
    ],
    action: { label: 'Visit the alumni site', url: siteUrl },
  });
}

export function verificationEmail(memberId: string, url: string, validForSeconds: number): RenderedEmail {
  const hours = Math.round(validForSeconds / 3600);
  return renderEmail({
    subject: 'Confirm your email address for the New Theatre alumni network',
    // No name: the address is not verified yet and whoever registered chose it (the welcome email uses it).
    greeting: 'Hello,',
    paragraphs: [
      `Thank you for registering as ${memberId}. Please confirm that this is your email address.`,
      'If you did not register, ignore this email: the registration is removed when the link expires.',
    ],
    action: { label: 'Confirm my email address', url },
    footnote:
      hours >= 1 ? `The link works once, for ${hours} hours.` : 'The link works once, for a short time.',
  });
}

export function ownerNoticeEmail(
  owner: Pick<MemberItem, 'id' | 'fullName'>,
  requestedMemberId: string,
  siteUrl: string,
): RenderedEmail {
  return renderEmail({
    subject: 'Someone tried to register with your email address',
    greeting: `Hello ${owner.fullName},`,
    paragraphs: [
      `Someone asked to register the alumni profile ${requestedMemberId} with this email address, which already belongs to your profile ${owner.id}.`,
      'If it was you, sign in from the alumni site instead: we will email you a link. If it was not, you can ignore this email; nothing has changed.',
    ],
    action: { label: 'Go to the alumni site', url: siteUrl },
  });
}

export function loginEmail(member: Pick<MemberItem, 'fullName'>, url: string): RenderedEmail {
  return renderEmail({
    subject: 'Your login link for the New Theatre alumni site',
    greeting: `Hello ${member.fullName},`,
    paragraphs: [
      'Someone (hopefully you) asked to log in to the New Theatre alumni site with this email address.',
      'If it was not you, ignore this email: nothing happens unless the link is followed.',
    ],
    action: { label: 'Log in', url },
    footnote: 'The link works once and is valid for 1 hour.',
  });
}
