/**
 * Registration steps 4 and 5: store the workflow's task token with the pending member (where redeeming the link
 * finds it to resume the workflow), then email the verification link, or, when the address is an active member's,
 * tell that member instead (see `core/members/verification.ts`). Invoked by a `.waitForTaskToken` state, so the
 * workflow waits until the link is redeemed or the wait times out. The token and the link are credentials: they go
 * into the table (the link only as a hash) and the email, never into a log.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { keys } from '../core/keys.js';
import { MemberIdSchema, type MemberItem } from '../core/members/model.js';
import { emailVerification } from '../core/members/verification.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({
  memberId: MemberIdSchema,
  executionName: z.string().min(1),
  taskToken: z.string().min(1).max(2048),
  validForSeconds: z.number().int().positive(),
});

export const handler = async (event: unknown) => {
  const { memberId, executionName, taskToken, validForSeconds } = parseTaskInput(InputSchema, event);
  const validUntil = new Date(Date.now() + validForSeconds * 1000).toISOString();
  const member = await storeTaskToken(memberId, executionName, taskToken, validUntil);
  try {
    const outcome = await emailVerification(member, validUntil, true);
    return outcome.sent ? { sent: outcome.sent, messageId: outcome.messageId } : outcome;
  } catch (error) {
    rethrowAwsError(error);
  }
};

/** Only the pending registration of this execution may take the token (never an active member's profile). */
async function storeTaskToken(
  memberId: string,
  executionName: string,
  taskToken: string,
  validUntil: string,
): Promise<MemberItem> {
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.member(memberId),
        UpdateExpression:
          'SET verificationTaskToken = :token, verificationValidUntil = :validUntil, updatedAt = :now',
        ConditionExpression: '#status = :pending AND registrationExecution = :execution',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':token': taskToken,
          ':validUntil': validUntil,
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
