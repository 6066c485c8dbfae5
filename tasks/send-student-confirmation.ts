/**
 * Relay, students only: store the workflow's task token with the request and email the student a link that proves
 * the address is theirs. Invoked by a `.waitForTaskToken` state: the workflow waits until the link is followed
 * (the API answers the token) or the wait times out. The token and the link are credentials: never logged.
 */
import { z } from 'zod';
import { requiredEnv } from '../core/config.js';
import { DomainError } from '../core/errors.js';
import { studentConfirmationEmail } from '../core/relay/emails.js';
import { relayRepository, type RelayRepository } from '../core/relay/repository.js';
import { defineTask } from './define-task.js';

const relays: Pick<RelayRepository, 'storeTaskToken' | 'issueLink'> = relayRepository;

export const handler = defineTask({
  name: 'send-student-confirmation',
  input: z.object({
    relayId: z.uuid(),
    taskToken: z.string().min(1).max(2048),
    validForSeconds: z.number().int().positive(),
  }),
  output: z.object({ sent: z.literal(true) }),
  dependencies: { relays },
  async run({ relayId, taskToken, validForSeconds }, { relays, clock, mailer }) {
    const relay = await relays.storeTaskToken(relayId, taskToken, clock.now());
    if (!relay.studentEmail || !relay.studentName) {
      throw new DomainError('InvalidInput', 'The student request has no address');
    }
    const token = await relays.issueLink(relay.recipientId, 'student-contact', validForSeconds, relayId);
    const url = new URL('/contact/confirm', requiredEnv('PUBLIC_API_URL'));
    url.searchParams.set('token', token);
    await mailer.send(relay.studentEmail, studentConfirmationEmail(relay, url.toString(), validForSeconds));
    return { sent: true as const };
  },
});
