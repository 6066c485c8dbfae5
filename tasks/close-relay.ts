/**
 * Relay: the request has ended. Record the outcome and forget what is no longer needed: the message, the subject,
 * the student's name and address, and both member ids are removed; the relay keys (a profile's never-reused uid,
 * or a student address's hash), times and the outcome stay for the retention period. The first close wins.
 */
import { z } from 'zod';
import { RelayResultSchema } from '../core/relay/model.js';
import { relayRepository, type RelayRepository } from '../core/relay/repository.js';
import { retentionEnd } from '../core/relay/rules.js';
import { relaySettings } from '../core/relay/settings.js';
import { defineTask } from './define-task.js';

const relays: Pick<RelayRepository, 'closeRelay'> = relayRepository;

export const handler = defineTask({
  name: 'close-relay',
  input: z.object({ relayId: z.uuid(), result: RelayResultSchema }),
  output: RelayResultSchema,
  dependencies: { relays, settings: relaySettings },
  async run({ relayId, result }, { relays, settings, clock }) {
    const now = clock.now();
    await relays.closeRelay(relayId, result, now, retentionEnd(now, settings()));
    return result;
  },
});
