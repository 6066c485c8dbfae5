/**
 * The relay's three emails, built from the request and its participants (pure: the tasks send them through their
 * mailer). None names anything of the recipient's address to the sender.
 */
import { renderEmail, type EmailContent, type RenderedEmail } from '../email/render.js';
import type { RelayItem, RelayMember, RelayResult } from './model.js';
import type { RelaySender } from './rules.js';

/** To the student: confirm the address is theirs. No name: whoever asked typed it (the relayed email carries it). */
export function studentConfirmationEmail(
  relay: Pick<RelayItem, 'recipientId'>,
  confirmUrl: string,
  validForSeconds: number,
): RenderedEmail {
  const hours = Math.max(1, Math.round(validForSeconds / 3600));
  return renderEmail({
    subject: 'Confirm your message to a New Theatre alumnus',
    greeting: 'Hello,',
    paragraphs: [
      `You asked to send a first email to the alumni network member ${relay.recipientId}.`,
      'Please confirm that this is your student address. We send your message only if the member has agreed to be contacted by current students.',
      'If you did not ask for this, ignore this email: nothing will be sent.',
    ],
    action: { label: 'Confirm and send my message', url: confirmUrl },
    footnote: `The link works once, for ${hours} hours.`,
  });
}

/**
 * The relayed email: the sender's text (escaped by `renderEmail`), and a footer saying why it arrived, that
 * replying reveals the recipient's address to the sender, where to change consent and how to report abuse.
 */
export function relayedEmail(
  relay: Pick<RelayItem, 'senderKind' | 'subject' | 'message'>,
  recipient: Pick<RelayMember, 'fullName'>,
  sender: RelaySender,
  links: { reportUrl: string; siteUrl: string },
): RenderedEmail {
  const audience = relay.senderKind === 'member' ? 'other members of the network' : 'current students';
  return renderEmail({
    subject: `[New Theatre alumni] ${relay.subject ?? `A message from ${sender.name}`}`,
    greeting: `Hello ${recipient.fullName},`,
    paragraphs: [
      `${sender.description} sent you this first email through the New Theatre alumni network:`,
      ...(relay.message ?? '')
        .split(/\n\s*\n/)
        .map((paragraph) => paragraph.trim())
        .filter(Boolean),
      '—',
      `You received this because you agreed that ${audience} may send you a first email through the network. We have not shared your address with the sender.`,
      'If you reply, your reply and your email address go to the sender.',
      `To stop these emails, change your contact preferences on the alumni site: ${links.siteUrl}`,
    ],
    action: { label: 'Report this email as abuse', url: links.reportUrl },
    footnote: 'Reporting it stops this sender from contacting you through the network again.',
  });
}

const limitText: Record<NonNullable<RelayResult['limit']>, string> = {
  'sender-daily':
    'You have sent as many first emails today as the network allows. Please try again tomorrow.',
  'recipient-daily':
    'This member has received as many first emails today as the network allows. Please try again tomorrow.',
  pair: 'You have already sent this member a first email. If they want to, they will reply.',
};

/**
 * The sender's notice of the outcome, or `undefined` when none is sent. A member learns a refusal from the API's
 * answer, so only a sent message is confirmed to them; a student is told every outcome but an expired or failed
 * one (never why a member can't be contacted).
 */
export function senderNoticeEmail(
  relay: Pick<RelayItem, 'recipientId' | 'senderKind'>,
  result: RelayResult,
  senderName: string,
): RenderedEmail | undefined {
  const content = noticeContent(relay, result);
  return content ? renderEmail({ greeting: `Hello ${senderName},`, ...content }) : undefined;
}

function noticeContent(
  relay: Pick<RelayItem, 'recipientId' | 'senderKind'>,
  result: RelayResult,
): Omit<EmailContent, 'greeting'> | undefined {
  if (result.outcome === 'sent') {
    return {
      subject: `Your message to ${relay.recipientId} was sent`,
      paragraphs: [
        `We sent your first email to the alumni network member ${relay.recipientId}.`,
        'We have not shared their address with you: if they reply, their reply comes from them directly.',
      ],
    };
  }
  if (relay.senderKind !== 'student') return undefined;
  if (result.outcome === 'not-contactable') {
    return {
      subject: 'Your message could not be sent',
      paragraphs: [
        "This member can't be contacted through the network. Your message was not sent and has been deleted.",
      ],
    };
  }
  if (result.outcome === 'rate-limited' && result.limit) {
    return { subject: 'Your message could not be sent yet', paragraphs: [limitText[result.limit]] };
  }
  return undefined;
}
