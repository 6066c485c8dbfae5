/**
 * Relay: tell the sender how it ended, naming only the recipient's member id — never anything about their address.
 * A member learns a refusal from the API's answer, so only a sent message is confirmed by email; a student waits
 * for this email either way (they are not told why a member can't be contacted).
 */
import { z } from 'zod';
import { renderEmail, type EmailContent } from '../core/email/render.js';
import { sendEmail } from '../core/email/send.js';
import { RelayResultSchema, memberRelayKey, type RelayItem, type RelayResult } from '../core/relay/model.js';
import { getMemberProfile, getRelay } from '../core/relay/store.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ relayId: z.uuid(), result: RelayResultSchema });

const limitText: Record<NonNullable<RelayResult['limit']>, string> = {
  'sender-daily':
    'You have sent as many first emails today as the network allows. Please try again tomorrow.',
  'recipient-daily':
    'This member has received as many first emails today as the network allows. Please try again tomorrow.',
  pair: 'You have already sent this member a first email. If they want to, they will reply.',
};

export const handler = async (event: unknown) => {
  const { relayId, result } = parseTaskInput(InputSchema, event);
  const relay = await getRelay(relayId);
  const recipient = await addressOf(relay);
  if (!recipient) return { notified: false };
  const content = message(relay, result);
  if (!content) return { notified: false };
  await sendEmail(recipient.email, renderEmail({ greeting: `Hello ${recipient.name},`, ...content }));
  return { notified: true };
};

function message(relay: RelayItem, result: RelayResult): Omit<EmailContent, 'greeting'> | undefined {
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

async function addressOf(relay: RelayItem): Promise<{ email: string; name: string } | undefined> {
  if (relay.senderKind === 'student') {
    return relay.studentEmail && relay.studentName
      ? { email: relay.studentEmail, name: relay.studentName }
      : undefined;
  }
  const member = relay.senderMemberId ? await getMemberProfile(relay.senderMemberId) : undefined;
  // Only the sender's own profile: a later owner of their id is told nothing about their request.
  return member && memberRelayKey(member) === relay.senderKey
    ? { email: member.email, name: member.fullName }
    : undefined;
}
