/**
 * Registration step 6, last part: welcome the new member. The send is claimed first with a conditional write, so a
 * retried or repeated execution never sends a second welcome; a failed send releases the claim for the retry.
 */
import { z } from 'zod';
import { requiredEnv } from '../core/config.js';
import { welcomeEmail } from '../core/members/emails.js';
import { MemberIdSchema } from '../core/members/model.js';
import { memberRepository } from '../core/members/repository.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'send-welcome-email',
  input: z.object({ memberId: MemberIdSchema }),
  output: z.object({ sent: z.boolean(), messageId: z.string().optional(), reason: z.string().optional() }),
  dependencies: { members: memberRepository },
  async run({ memberId }, { members, mailer, clock }) {
    const member = await members.claimWelcome(memberId, clock.now().toISOString());
    if (!member) return { sent: false, reason: 'already sent' };
    const email = welcomeEmail(member, requiredEnv('SITE_URL'));
    const messageId = await mailer.send(member.email, email).catch(async (error: unknown) => {
      // Not sent: the retry may claim it again.
      await members.releaseWelcomeClaim(memberId);
      throw error;
    });
    return { sent: true, messageId };
  },
});
