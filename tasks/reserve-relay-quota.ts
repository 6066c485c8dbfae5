/**
 * Relay: enforce the limits (first emails per sender per day, per recipient per day, and one per sender and
 * recipient ever) with conditional writes in one transaction, so concurrent requests can never exceed them. The
 * reservation is marked on the request in the same transaction, so a retry of this step counts once.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { epochSeconds, keys } from '../core/keys.js';
import { recipientKeyOf, type RelayLimit } from '../core/relay/model.js';
import { relaySettings } from '../core/relay/settings.js';
import { getRelay, relayErrors } from '../core/relay/store.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ relayId: z.uuid() });
const COUNTER_RETENTION_SECONDS = 2 * 24 * 3600;

export const handler = async (event: unknown) => {
  const { relayId } = parseTaskInput(InputSchema, event);
  const relay = await getRelay(relayId);
  const settings = relaySettings();
  const now = new Date();
  const day = now.toISOString().slice(0, 10);
  const counterExpiry = epochSeconds(new Date(`${day}T00:00:00Z`)) + COUNTER_RETENTION_SECONDS;
  const counter = (key: { pk: string; sk: string }, maximum: number) => ({
    Update: {
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'ADD #count :one SET entity = :entity, expiresAt = :expiry, updatedAt = :now',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :maximum',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: {
        ':one': 1,
        ':maximum': maximum,
        ':entity': 'relay-limit',
        ':expiry': counterExpiry,
        ':now': now.toISOString(),
      },
    },
  });
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: keys.relay(relayId),
              UpdateExpression: 'SET quotaReservedAt = :now, quotaDay = :day, updatedAt = :now',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(quotaReservedAt)',
              ExpressionAttributeValues: { ':now': now.toISOString(), ':day': day },
            },
          },
          counter(keys.senderDailyLimit(relay.senderKey, day), settings.senderDailyLimit),
          counter(keys.recipientDailyLimit(recipientKeyOf(relay), day), settings.recipientDailyLimit),
          {
            Put: {
              TableName: tableName(),
              Item: {
                ...keys.pairLimit(relay.senderKey, recipientKeyOf(relay)),
                entity: 'relay-pair',
                relayId,
                createdAt: now.toISOString(),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const [request, sender, recipient, pair] = (error.CancellationReasons ?? []).map(
        (reason) => reason.Code === 'ConditionalCheckFailed',
      );
      // Already reserved by an earlier attempt of this step.
      if (request) return { reserved: true, day: relay.quotaDay };
      const limit: RelayLimit | undefined = pair
        ? 'pair'
        : sender
          ? 'sender-daily'
          : recipient
            ? 'recipient-daily'
            : undefined;
      // The error's message is the limit's name: the ASL passes it on as the result's `limit`.
      if (limit) throw new WorkflowTaskError(relayErrors.rateLimited, limit);
      throw new WorkflowTaskError(taskErrors.retryable, 'Limit reservation cancelled');
    }
    rethrowAwsError(error);
  }
  return { reserved: true, day };
};
