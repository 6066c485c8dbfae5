/**
 * Relay: the request has ended. Record the outcome and forget what is no longer needed: the message, the subject,
 * the student's name and address, and both member ids are removed; the relay keys (a profile's never-reused uid,
 * or a student address's hash), times and the outcome stay for the retention period.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { rethrowAwsError } from '../core/errors.js';
import { epochSeconds, keys } from '../core/keys.js';
import { RelayResultSchema } from '../core/relay/model.js';
import { relaySettings } from '../core/relay/settings.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ relayId: z.uuid(), result: RelayResultSchema });

export const handler = async (event: unknown) => {
  const { relayId, result } = parseTaskInput(InputSchema, event);
  const now = new Date();
  const retentionEnd = epochSeconds(now) + relaySettings().retentionDays * 24 * 3600;
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.relay(relayId),
        UpdateExpression:
          'SET outcome = :outcome, updatedAt = :now, expiresAt = :expiry' +
          (result.limit ? ', #limit = :limit' : '') +
          ' REMOVE message, subject, studentName, studentEmail, verificationTaskToken, recipientId, senderMemberId',
        // The first close wins: a request that has ended keeps its outcome, and a missing one needs nothing.
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome)',
        ExpressionAttributeNames: result.limit ? { '#limit': 'limit' } : undefined,
        ExpressionAttributeValues: {
          ':outcome': result.outcome,
          ':now': now.toISOString(),
          ':expiry': retentionEnd,
          ...(result.limit ? { ':limit': result.limit } : {}),
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return result;
    rethrowAwsError(error);
  }
  return result;
};
