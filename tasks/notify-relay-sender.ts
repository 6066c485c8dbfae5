/**
 * Relay: tell the sender how it ended, naming only the recipient's member id — never anything about their address.
 * A member learns a refusal from the API's answer, so only a sent message is confirmed by email; a student waits
 * for this email either way (they are not told why a member can't be contacted).
 */
import { z } from 'zod';
import { senderNoticeEmail } from '../core/relay/emails.js';
import { RelayResultSchema } from '../core/relay/model.js';
import { relayRepository, type RelayRepository } from '../core/relay/repository.js';
import { senderAddress } from '../core/relay/rules.js';
import { defineTask } from './define-task.js';

const relays: Pick<RelayRepository, 'getRelay' | 'getMember'> = relayRepository;

export const handler = defineTask({
  name: 'notify-relay-sender',
  input: z.object({ relayId: z.uuid(), result: RelayResultSchema }),
  output: z.object({ notified: z.boolean() }),
  dependencies: { relays },
  async run({ relayId, result }, { relays, mailer }) {
    const relay = await relays.getRelay(relayId);
    const senderMember =
      relay.senderKind === 'member' && relay.senderMemberId
        ? await relays.getMember(relay.senderMemberId)
        : undefined;
    const sender = senderAddress(relay, senderMember);
    const email = sender && senderNoticeEmail(relay, result, sender.name);
    if (!sender || !email) return { notified: false };
    await mailer.send(sender.email, email);
    return { notified: true };
  },
});
