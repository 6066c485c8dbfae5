/**
 * Registration steps 4 and 5: store the workflow's task token with the pending member (where redeeming the link
 * finds it to resume the workflow), then email the verification link, or, when the address is an active member's,
 * tell that member instead (see `core/members/verification.ts`). Invoked by a `.waitForTaskToken` state, so the
 * workflow waits until the link is redeemed or the wait times out. The token and the link are credentials: they go
 * into the table (the link only as a hash) and the email, never into a log.
 */
import { z } from 'zod';
import { MemberIdSchema } from '../core/members/model.js';
import { memberRepository } from '../core/members/repository.js';
import { noPendingRegistration, verificationValidUntil } from '../core/members/rules.js';
import { emailVerification } from '../core/members/verification.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'send-verification-email',
  input: z.object({
    memberId: MemberIdSchema,
    executionName: z.string().min(1),
    taskToken: z.string().min(1).max(2048),
    validForSeconds: z.number().int().positive(),
  }),
  output: z.union([
    z.object({ sent: z.enum(['link', 'owner-notice']), messageId: z.string() }),
    z.object({ sent: z.literal(false), reason: z.string() }),
  ]),
  dependencies: { members: memberRepository },
  async run({ memberId, executionName, taskToken, validForSeconds }, { members, mailer, clock }) {
    const now = clock.now();
    const validUntil = verificationValidUntil(now, validForSeconds);
    // Only the pending registration of this execution may take the token (never an active member's profile).
    const member = await members.storeVerificationTaskToken(memberId, executionName, {
      taskToken,
      validUntil,
      now: now.toISOString(),
    });
    if (!member) throw noPendingRegistration();
    return emailVerification(member, validUntil, true, { members, mailer, now });
  },
});
