/**
 * Relay compensation: the email could not be sent, so give back what the reservation took (the day's counters and
 * the sender-recipient pair). Conditional on the request still holding a reservation: safe to repeat.
 */
import { z } from 'zod';
import { relayRepository, type RelayRepository } from '../core/relay/repository.js';
import { reservedDay } from '../core/relay/rules.js';
import { defineTask } from './define-task.js';

const relays: Pick<RelayRepository, 'getRelay' | 'releaseQuota'> = relayRepository;

export const handler = defineTask({
  name: 'release-relay-quota',
  input: z.object({ relayId: z.uuid() }),
  output: z.object({ released: z.boolean(), reason: z.string().optional() }),
  dependencies: { relays },
  async run({ relayId }, { relays, clock }) {
    const relay = await relays.getRelay(relayId);
    const day = reservedDay(relay);
    if (!day) return { released: false, reason: 'nothing reserved' };
    await relays.releaseQuota(relay, day, clock.now());
    return { released: true };
  },
});
