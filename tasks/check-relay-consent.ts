/**
 * Relay: check, at the moment of sending, that the recipient is an active member who consents to first emails
 * from this kind of sender and has not blocked this sender. A consent withdrawn while a student's confirmation
 * waited means no email. Every refusal is the same `NotContactable`: the sender is never told why.
 */
import { z } from 'zod';
import { recipientKeyOf } from '../core/relay/model.js';
import { relayRepository, type RelayRepository } from '../core/relay/repository.js';
import { isContactable, requireContactable } from '../core/relay/rules.js';
import { defineTask } from './define-task.js';

const relays: Pick<RelayRepository, 'getRelay' | 'getMember' | 'isBlocked'> = relayRepository;

export const handler = defineTask({
  name: 'check-relay-consent',
  input: z.object({ relayId: z.uuid() }),
  output: z.object({ contactable: z.literal(true) }),
  throws: ['NotContactable'],
  dependencies: { relays },
  async run({ relayId }, { relays }) {
    const relay = await relays.getRelay(relayId);
    const recipient = await relays.getMember(relay.recipientId);
    const blocked = await relays.isBlocked(recipientKeyOf(relay), relay.senderKey);
    requireContactable(isContactable(relay, recipient, blocked));
    return { contactable: true as const };
  },
});
