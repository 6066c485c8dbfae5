/**
 * Registration steps 4 and 5: store the workflow's task token with the pending member (where redeeming the link
 * finds it to resume the workflow), then email the verification link. Invoked by a `.waitForTaskToken` state, so
 * the workflow waits until the link is redeemed or the wait times out. The token and the link are credentials:
 * they go into the table (the link only as a hash) and the email, never into a log.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { requiredEnv } from '../core/config.js';
import { renderEmail } from '../core/email/render.js';
import { sendEmail } from '../core/email/send.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { keys } from '../core/keys.js';
import { issueLinkToken, linkUrl } from '../core/links.js';
import { MemberIdSchema, type MemberItem } from '../core/members/model.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({
  memberId: MemberIdSchema,
  executionName: z.string().min(1),
  taskToken: z.string().min(1).max(2048),
  validForSeconds: z.number().int().positive(),
});

export const handler = async (event: unknown) => {
  const { memberId, executionName, taskToken, validForSeconds } = parseTaskInput(InputSchema, event);
  const member = await storeTaskToken(memberId, executionName, taskToken);
  const { token } = await issueLinkToken(memberId, 'verify', validForSeconds);
  const hours = Math.round(validForSeconds / 3600);
  const email = renderEmail({
    subject: 'Confirm your email address for the New Theatre alumni network',
    // No name: the address is not verified yet and whoever registered chose it (the welcome email uses it).
    greeting: 'Hello,',
    paragraphs: [
      `Thank you for registering as ${memberId}. Please confirm that this is your email address.`,
      'If you did not register, ignore this email: the registration is removed when the link expires.',
    ],
    action: { label: 'Confirm my email address', url: linkUrl(requiredEnv('SITE_URL'), token) },
    footnote:
      hours >= 1 ? `The link works once, for ${hours} hours.` : 'The link works once, for a short time.',
  });
  const messageId = await sendEmail(member.email, email);
  return { sent: true, messageId };
};

/** Only the pending registration of this execution may take the token (never an active member's profile). */
async function storeTaskToken(
  memberId: string,
  executionName: string,
  taskToken: string,
): Promise<MemberItem> {
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.member(memberId),
        UpdateExpression: 'SET verificationTaskToken = :token, updatedAt = :now',
        ConditionExpression: '#status = :pending AND registrationExecution = :execution',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':token': taskToken,
          ':now': new Date().toISOString(),
          ':pending': 'pending',
          ':execution': executionName,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes as MemberItem;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new WorkflowTaskError(taskErrors.invalidInput, 'No pending registration for this execution');
    }
    rethrowAwsError(error);
  }
}
