/**
 * Relay step 1: the workflow is started with a relay id only (the message and addresses stay out of the execution's
 * input and history); load the request and add the settings the later states need.
 */
import { z } from 'zod';
import { RelayRequestSchema } from '../core/relay/model.js';
import { relayRepository, type RelayRepository } from '../core/relay/repository.js';
import { loadableRelay } from '../core/relay/rules.js';
import { relaySettings } from '../core/relay/settings.js';
import { defineTask } from './define-task.js';

const relays: Pick<RelayRepository, 'getRelay'> = relayRepository;

export const handler = defineTask({
  name: 'load-relay-request',
  input: RelayRequestSchema,
  output: z.object({
    relayId: z.string(),
    recipientId: z.string(),
    senderKind: z.enum(['member', 'student']),
    settings: z.object({ studentVerificationTimeoutSeconds: z.number().int().positive() }),
  }),
  dependencies: { relays, settings: relaySettings },
  async run({ relayId }, { relays, settings }) {
    const relay = loadableRelay(await relays.getRelay(relayId));
    return {
      relayId,
      recipientId: relay.recipientId,
      senderKind: relay.senderKind,
      settings: { studentVerificationTimeoutSeconds: settings().studentVerificationTimeoutSeconds },
    };
  },
});
