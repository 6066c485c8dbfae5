/**
 * Staff invitation step 2: store the workflow's task token with the invited user (where accepting the link finds
 * it to resume the workflow), then email the invitation link. Invoked by a `.waitForTaskToken` state, so the
 * workflow waits until the invitation is accepted or the wait times out. The token and the link are credentials:
 * they go into the table (the link only as a hash) and the email, never into a log.
 */
import { z } from 'zod';
import { requiredEnv } from '../core/config.js';
import { renderEmail } from '../core/email/render.js';
import { sendEmail } from '../core/email/send.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { issueLinkToken } from '../core/links.js';
import { InvitationNotPending, storeInvitationTaskToken } from '../core/staff/invitation.js';
import type { Scope } from '../core/staff/model.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({
  staffId: z.uuid(),
  executionName: z.string().min(1),
  taskToken: z.string().min(1).max(2048),
  validForSeconds: z.number().int().positive(),
});

export const handler = async (event: unknown) => {
  const { staffId, executionName, taskToken, validForSeconds } = parseTaskInput(InputSchema, event);
  let invited: Awaited<ReturnType<typeof storeInvitationTaskToken>>;
  try {
    invited = await storeInvitationTaskToken(staffId, executionName, taskToken);
  } catch (error) {
    if (error instanceof InvitationNotPending)
      throw new WorkflowTaskError(taskErrors.invalidInput, error.message);
    rethrowAwsError(error);
  }
  const { staff, scopes } = invited;
  const { token } = await issueLinkToken(staffId, 'staff-invite', validForSeconds, {
    invitationExecution: executionName,
  });
  const url = new URL('/staff/accept', requiredEnv('PUBLIC_API_URL'));
  url.searchParams.set('token', token);
  const days = Math.floor(validForSeconds / 86400);
  const hours = Math.round(validForSeconds / 3600);
  const email = renderEmail({
    subject: 'You are invited to help run the New Theatre alumni sites',
    greeting: `Hello ${staff.name},`,
    paragraphs: [
      'You have been invited to join the staff of the New Theatre alumni sites.',
      scopes.length > 0
        ? `You will be able to: ${scopes.map(describeScope).join('; ')}.`
        : 'Your permissions will be given to you by an administrator.',
      'If you did not expect this, ignore this email: the invitation is removed when the link expires.',
    ],
    action: { label: 'Accept the invitation', url: url.toString() },
    footnote:
      days >= 2
        ? `The link works once, for ${days} days.`
        : hours >= 1
          ? `The link works once, for ${hours} hours.`
          : 'The link works once, for a short time.',
  });
  const messageId = await sendEmail(staff.email, email);
  return { sent: true, messageId };
};

function describeScope(scope: Scope): string {
  if (scope === 'network:admin') return 'manage all staff and their permissions';
  if (scope === 'network:read') return 'read every member and submission';
  const [, site, action] = scope.split(':');
  return action === 'admin'
    ? `manage the staff of the ${site} site`
    : `moderate the ${site} site's submissions`;
}
