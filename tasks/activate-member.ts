/**
 * Registration step 6: the member followed the link. In one transaction, make the profile active (listed,
 * `createdAt` and `emailVerifiedAt` set, the task token and TTL removed) and reserve its address, which pending
 * registrations never hold: the first registration of an address to be verified takes it, and a later one fails
 * here with EmailAlreadyRegistered (and is released). Then claim the submissions made under the registration's
 * anonymous id, but only those that gave this verified address: an anonymous id is public (every view of a
 * submission shows it), so it proves nothing by itself. Both parts are safe to repeat: a retry finds the member
 * already active and claims whatever is still under the anonymous id.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { indexKeys, keys } from '../core/keys.js';
import { getMember } from '../core/members/account.js';
import { MemberIdSchema, type MemberItem } from '../core/members/model.js';
import { gaveAddress } from '../core/submissions/model.js';
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
  const pending = await getMember(memberId);
  // A retry after the transaction succeeded: the member is already active with this verification time.
  if (pending?.status === 'active' && pending.emailVerifiedAt === verifiedAt) return pending;
  if (pending?.status !== 'pending' || pending.registrationExecution !== executionName) {
    throw new WorkflowTaskError(taskErrors.invalidInput, 'No pending registration for this execution');
  }
  const now = new Date().toISOString();
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: keys.member(memberId),
              UpdateExpression:
                'SET #status = :active, createdAt = :at, emailVerifiedAt = :at, updatedAt = :now, ' +
                'gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE verificationTaskToken, expiresAt, ' +
                'registrationExecution, verificationValidUntil',
              ConditionExpression: '#status = :pending AND registrationExecution = :execution',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':active': 'active',
                ':pending': 'pending',
                ':execution': executionName,
                ':at': verifiedAt,
                ':now': now,
                ':gsi1pk': indexKeys.activeMember(memberId).gsi1pk,
                ':gsi1sk': indexKeys.activeMember(memberId).gsi1sk,
              },
            },
          },
          {
            Put: {
              TableName: tableName(),
              Item: {
                ...keys.memberEmail(pending.email),
                entity: 'member-email',
                memberId,
                memberUid: pending.uid,
                registrationExecution: executionName,
                createdAt: now,
                updatedAt: now,
              },
              // Free, or already ours (a reservation made before addresses were taken at activation).
              ConditionExpression: 'attribute_not_exists(pk) OR registrationExecution = :execution',
              ExpressionAttributeValues: { ':execution': executionName },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [profile, address] = (error.CancellationReasons ?? []).map(
      (reason) => reason.Code === 'ConditionalCheckFailed',
    );
    if (address && !profile) {
      throw new WorkflowTaskError(
        taskErrors.emailAlreadyRegistered,
        'The email address is already registered',
      );
    }
    if (profile) return activate(memberId, executionName, verifiedAt);
    throw new WorkflowTaskError(taskErrors.retryable, 'Activation transaction cancelled');
  }
  return {
    ...pending,
    status: 'active',
    createdAt: verifiedAt,
    emailVerifiedAt: verifiedAt,
    updatedAt: now,
  };
}

/**
 * Re-homes the submissions filed under the anonymous id that gave the member's verified address: their submitter
 * becomes the verified member (the address is dropped with the rest of the anonymous submitter block). Others stay
 * anonymous and are never shown to the member.
 */
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
      if (!gaveAddress(submission, member.email)) continue;
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
