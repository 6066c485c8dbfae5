/**
 * Staff invitation step 2: store the workflow's task token with the invited user (where accepting the link finds
 * it to resume the workflow), then email the invitation link. Invoked by a `.waitForTaskToken` state, so the
 * workflow waits until the invitation is accepted or the wait times out. The token and the link are credentials:
 * they go into the table (the link only as a hash) and the email, never into a log.
 */
import { z } from 'zod';
import { requiredEnv } from '../core/config.js';
import { issueLinkToken } from '../core/links.js';
import { invitationEmail, staffLinkUrl } from '../core/staff/emails.js';
import { staffRepository, type StaffRepository } from '../core/staff/repository.js';
import { defineTask } from './define-task.js';

/** The repository methods this task uses (a fast test hands in an in-memory one). */
const repository: Pick<StaffRepository, 'storeInvitationTaskToken'> = staffRepository;

export const handler = defineTask({
  name: 'send-staff-invitation',
  input: z.object({
    staffId: z.uuid(),
    executionName: z.string().min(1),
    taskToken: z.string().min(1).max(2048),
    validForSeconds: z.number().int().positive(),
  }),
  output: z.object({ sent: z.literal(true), messageId: z.string() }),
  dependencies: {
    staff: repository,
    links: { issue: issueLinkToken },
  },
  async run({ staffId, executionName, taskToken, validForSeconds }, { staff, links, mailer, clock }) {
    const invited = await staff.storeInvitationTaskToken(staffId, executionName, taskToken, clock.now());
    const { token } = await links.issue(staffId, 'staff-invite', validForSeconds, {
      invitationExecution: executionName,
    });
    const email = invitationEmail({
      name: invited.staff.name,
      scopes: invited.scopes,
      url: staffLinkUrl(requiredEnv('PUBLIC_API_URL'), '/staff/accept', token),
      validForSeconds,
    });
    const messageId = await mailer.send(invited.staff.email, email);
    return { sent: true as const, messageId };
  },
});
