/**
 * Registration step 7 and the compensation for any failure after the reservation: remove the pending profile, its
 * email-uniqueness item and its consent entries, so the id and the address are free again. Every delete is
 * conditional on belonging to this execution's pending registration: an active member or someone else's
 * registration is never touched. Safe to repeat.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { keys } from '../core/keys.js';
import { MemberIdSchema, type MemberItem } from '../core/members/model.js';
import { deleteRegistrationRequest } from '../core/members/registration-request.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({
  memberId: MemberIdSchema,
  executionName: z.string().min(1),
  requestId: z.string().min(1),
});

export const handler = async (event: unknown) => {
  const { memberId, executionName, requestId } = parseTaskInput(InputSchema, event);
  // Whatever else happens, the request's personal details are no longer needed.
  await deleteRegistrationRequest(requestId);
  try {
    const found = await documentClient.send(
      new GetCommand({ TableName: tableName(), Key: keys.member(memberId) }),
    );
    const member = found.Item as MemberItem | undefined;
    const ours = member?.status === 'pending' && member.registrationExecution === executionName;
    if (member && !ours) return { released: false, reason: 'not this execution’s pending registration' };
    if (member) {
      await deleteOwned(keys.memberEmail(member.email), executionName);
      await deleteConsentEntries(memberId);
      await deleteOwned(keys.member(memberId), executionName);
    }
    return { released: true };
  } catch (error) {
    rethrowAwsError(error);
  }
};

async function deleteOwned(key: { pk: string; sk: string }, executionName: string): Promise<void> {
  try {
    await documentClient.send(
      new DeleteCommand({
        TableName: tableName(),
        Key: key,
        ConditionExpression: 'attribute_not_exists(pk) OR registrationExecution = :execution',
        ExpressionAttributeValues: { ':execution': executionName },
      }),
    );
  } catch (error) {
    // Held by another registration (e.g. the address item of someone else): not ours to delete.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** A pending member has only its registration's consent entries. */
async function deleteConsentEntries(memberId: string): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :consent)',
        ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId), ':consent': keys.consentPrefix },
        ProjectionExpression: 'pk, sk',
        ExclusiveStartKey: startKey,
      }),
    );
    const items = page.Items ?? [];
    for (let index = 0; index < items.length; index += 25) {
      const result = await documentClient.send(
        new BatchWriteCommand({
          RequestItems: {
            [tableName()]: items.slice(index, index + 25).map((item) => ({
              DeleteRequest: { Key: { pk: item.pk, sk: item.sk } },
            })),
          },
        }),
      );
      const unprocessed = Object.values(result.UnprocessedItems ?? {}).flat().length;
      if (unprocessed > 0)
        throw new WorkflowTaskError(taskErrors.retryable, `${unprocessed} deletes unprocessed`);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
