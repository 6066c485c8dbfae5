/**
 * Registration step 7 and the compensation for any failure after the reservation: remove the pending profile, its
 * email-uniqueness item and its consent entries, so the id and the address are free again. Every delete is
 * conditional on belonging to this execution's pending registration: an active member or someone else's
 * registration is never touched. Safe to repeat.
 */
import { z } from 'zod';
import { keys } from '../core/keys.js';
import { MemberIdSchema } from '../core/members/model.js';
import { memberRepository } from '../core/members/repository.js';
import { isPendingRegistrationOf } from '../core/members/rules.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'release-registration',
  input: z.object({
    memberId: MemberIdSchema,
    executionName: z.string().min(1),
    requestId: z.string().min(1),
  }),
  output: z.object({ released: z.boolean(), reason: z.string().optional() }),
  dependencies: { members: memberRepository },
  async run({ memberId, executionName, requestId }, { members }) {
    // Whatever else happens, the request's personal details are no longer needed.
    await members.deleteRegistrationRequest(requestId);
    const member = await members.getMember(memberId);
    if (!member) return { released: true };
    if (!isPendingRegistrationOf(member, executionName)) {
      return { released: false, reason: 'not this execution’s pending registration' };
    }
    await members.deleteIfRegistrationOwns(keys.memberEmail(member.email), executionName);
    await members.deleteConsentEntries(memberId);
    await members.deleteIfRegistrationOwns(keys.member(memberId), executionName);
    return { released: true };
  },
});
