/**
 * Relay: send the one relayed email. To the recipient, from the service's address, `Reply-To` the sender, the
 * sender's text escaped, and a footer saying why it arrived, that replying reveals the recipient's address to the
 * sender, where to change consent and how to report abuse. The send is claimed first (at most once); a failed
 * send gives the claim back so the workflow's retry can send.
 */
import { z } from 'zod';
import { requiredEnv } from '../core/config.js';
import { relayedEmail } from '../core/relay/emails.js';
import { relayRepository, type RelayRepository } from '../core/relay/repository.js';
import { REPORT_LINK_SECONDS, reachableRecipient, relaySender } from '../core/relay/rules.js';
import { defineTask } from './define-task.js';

const relays: Pick<RelayRepository, 'getRelay' | 'getMember' | 'issueLink' | 'sendOnce'> = relayRepository;

export const handler = defineTask({
  name: 'send-relayed-email',
  input: z.object({ relayId: z.uuid() }),
  output: z.object({ sent: z.literal(true), alreadySent: z.boolean().optional() }),
  throws: ['NotContactable'],
  dependencies: { relays },
  async run({ relayId }, { relays, clock, mailer }) {
    const relay = await relays.getRelay(relayId);
    if (relay.sentAt) return { sent: true as const, alreadySent: true };
    // Still the active profile the request was made to: an erased member's id registered again is someone else.
    const recipient = reachableRecipient(relay, await relays.getMember(relay.recipientId));
    const senderMember =
      relay.senderKind === 'member' && relay.senderMemberId
        ? await relays.getMember(relay.senderMemberId)
        : undefined;
    const sender = relaySender(relay, senderMember);
    const sent = await relays.sendOnce(relayId, clock, async () => {
      const token = await relays.issueLink(relay.recipientId, 'relay-report', REPORT_LINK_SECONDS, relayId);
      const reportUrl = new URL('/contact/report', requiredEnv('PUBLIC_API_URL'));
      reportUrl.searchParams.set('token', token);
      const email = relayedEmail(relay, recipient, sender, {
        reportUrl: reportUrl.toString(),
        siteUrl: requiredEnv('SITE_URL'),
      });
      await mailer.send(recipient.email, email, { replyTo: sender.replyTo });
    });
    // Not sent now: claimed by an attempt that died mid-send, and sending twice is worse.
    return sent ? { sent: true as const } : { sent: true as const, alreadySent: true };
  },
});
