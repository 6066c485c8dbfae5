/**
 * Relay: enforce the limits (first emails per sender per day, per recipient per day, and one per sender and
 * recipient ever) with conditional writes in one transaction, so concurrent requests can never exceed them. The
 * reservation is marked on the request in the same transaction, so a retry of this step counts once. A limit
 * reached fails the step as `RateLimited`, the limit's name as its message.
 */
import { z } from 'zod';
import { relayRepository, type RelayRepository } from '../core/relay/repository.js';
import { quotaReservation, reservationResult } from '../core/relay/rules.js';
import { relaySettings } from '../core/relay/settings.js';
import { defineTask } from './define-task.js';

const relays: Pick<RelayRepository, 'getRelay' | 'reserveQuota'> = relayRepository;

export const handler = defineTask({
  name: 'reserve-relay-quota',
  input: z.object({ relayId: z.uuid() }),
  output: z.object({ reserved: z.literal(true), day: z.string().optional() }),
  throws: ['RateLimited'],
  dependencies: { relays, settings: relaySettings },
  async run({ relayId }, { relays, settings, clock }) {
    const relay = await relays.getRelay(relayId);
    const reservation = quotaReservation(relay, clock.now(), settings());
    return reservationResult(await relays.reserveQuota(reservation), reservation, relay);
  },
});
