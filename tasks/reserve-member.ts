/**
 * Registration step 2: reserve the member id (a pending profile, written once with a conditional write). A retry
 * of this same execution finds its own reservation and succeeds; anyone else's gets MemberAlreadyExists.
 *
 * The address is not reserved here but when the registration is verified (`activate-member.ts`): a registration
 * nobody verifies must not keep the address's owner from registering (audit finding 11), and a registration naming
 * a registered address must look, from the outside, exactly like one naming a free address (finding 7).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { memberMessages } from '../core/members/messages.js';
import { RegistrationStartSchema, loadRegistrationRequest } from '../core/members/registration-request.js';
import { memberRepository } from '../core/members/repository.js';
import { pendingProfile } from '../core/members/rules.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'reserve-member',
  input: RegistrationStartSchema.extend({
    executionName: z.string().min(1),
    startedAt: z.iso.datetime(),
    pendingForSeconds: z.number().int().positive(),
  }),
  output: z.object({ reserved: z.boolean() }),
  throws: ['MemberAlreadyExists'],
  dependencies: { members: memberRepository, newUid: (): string => randomUUID() },
  async run(input, { members, newUid }) {
    const registration = await loadRegistrationRequest(input, members);
    const profile = pendingProfile({
      memberId: input.memberId,
      uid: newUid(),
      registration,
      executionName: input.executionName,
      startedAt: input.startedAt,
      pendingForSeconds: input.pendingForSeconds,
    });
    const outcome = await members.reserveMember(profile);
    // A retry of this execution after its write succeeded: the reservation is ours.
    if (!outcome.reserved && outcome.heldBy !== input.executionName) {
      throw new DomainError('MemberAlreadyExists', memberMessages.alreadyExists);
    }
    return { reserved: true };
  },
});
