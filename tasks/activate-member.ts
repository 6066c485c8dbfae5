/**
 * Registration step 6: the member followed the link. Make the profile active (listed, `createdAt` and
 * `emailVerifiedAt` set, the task token and TTL removed) and move the submissions made under the registration's
 * anonymous id to the member. Both parts are safe to repeat: a retry finds the member already active and moves
 * whatever is still under the anonymous id.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { indexKeys, keys } from '../core/keys.js';
import { MemberIdSchema, type MemberItem } from '../core/members/model.js';
import { deleteRegistrationRequest } from '../core/members/registration-request.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({
  memberId: MemberIdSchema,
  requestId: z.string().min(1),
  executionName: z.string().min(1),
  anonymousId: z.uuid(),
  verifiedAt: z.iso.datetime(),
});

export const handler = async (event: unknown) => {
  const input = parseTaskInput(InputSchema, event);
  try {
    const member = await activate(input.memberId, input.executionName, input.verifiedAt);
    const movedSubmissions = await moveAnonymousSubmissions(input.anonymousId, member);
    // The details now live in the profile: the request's copy goes.
    await deleteRegistrationRequest(input.requestId);
    return { activated: true, movedSubmissions };
  } catch (error) {
    rethrowAwsError(error);
  }
};

async function activate(memberId: string, executionName: string, verifiedAt: string): Promise<MemberItem> {
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.member(memberId),
        UpdateExpression:
          'SET #status = :active, createdAt = :at, emailVerifiedAt = :at, updatedAt = :now, ' +
          'gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE verificationTaskToken, expiresAt, registrationExecution',
        ConditionExpression: '#status = :pending AND registrationExecution = :execution',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':active': 'active',
          ':pending': 'pending',
          ':execution': executionName,
          ':at': verifiedAt,
          ':now': new Date().toISOString(),
          ':gsi1pk': indexKeys.activeMember(memberId).gsi1pk,
          ':gsi1sk': indexKeys.activeMember(memberId).gsi1sk,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes as MemberItem;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // A retry after the update succeeded: the member is already active with this verification time.
    const current = await documentClient.send(
      new GetCommand({ TableName: tableName(), Key: keys.member(memberId) }),
    );
    const member = current.Item as MemberItem | undefined;
    if (member?.status === 'active' && member.emailVerifiedAt === verifiedAt) return member;
    throw new WorkflowTaskError(taskErrors.invalidInput, 'No pending registration for this execution');
  }
}

/** Re-homes every submission filed under the anonymous id: the submitter becomes the verified member. */
async function moveAnonymousSubmissions(anonymousId: string, member: MemberItem): Promise<number> {
  let moved = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :submitter',
        ExpressionAttributeValues: { ':submitter': indexKeys.submitterPartition(anonymousId) },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const submission of page.Items ?? []) {
      await documentClient.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: submission.pk, sk: submission.sk },
          UpdateExpression: 'SET gsi1pk = :member, submitter = :submitter, updatedAt = :now',
          ConditionExpression: 'gsi1pk = :anonymous',
          ExpressionAttributeValues: {
            ':member': indexKeys.submitterPartition(member.id),
            ':anonymous': indexKeys.submitterPartition(anonymousId),
            ':submitter': { id: member.id, verified: true, name: member.fullName },
            ':now': new Date().toISOString(),
          },
        }),
      );
      moved += 1;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return moved;
}
