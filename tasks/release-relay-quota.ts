/**
 * Relay compensation: the email could not be sent, so give back what the reservation took (the day's counters and
 * the sender-recipient pair). Conditional on the request still holding a reservation: safe to repeat.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { rethrowAwsError } from '../core/errors.js';
import { keys } from '../core/keys.js';
import { recipientKeyOf } from '../core/relay/model.js';
import { getRelay } from '../core/relay/store.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ relayId: z.uuid() });

export const handler = async (event: unknown) => {
  const { relayId } = parseTaskInput(InputSchema, event);
  const relay = await getRelay(relayId);
  const day = relay.quotaDay;
  if (!relay.quotaReservedAt || !day) return { released: false, reason: 'nothing reserved' };
  const decrement = (key: { pk: string; sk: string }) => ({
    Update: {
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'ADD #count :minusOne',
      ConditionExpression: '#count > :zero',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
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
              UpdateExpression: 'REMOVE quotaReservedAt, quotaDay SET updatedAt = :now',
              ConditionExpression: 'attribute_exists(quotaReservedAt)',
              ExpressionAttributeValues: { ':now': new Date().toISOString() },
            },
          },
          decrement(keys.senderDailyLimit(relay.senderKey, day)),
          decrement(keys.recipientDailyLimit(recipientKeyOf(relay), day)),
          {
            Delete: {
              TableName: tableName(),
              Key: keys.pairLimit(relay.senderKey, recipientKeyOf(relay)),
              ConditionExpression: 'relayId = :relayId',
              ExpressionAttributeValues: { ':relayId': relayId },
            },
          },
        ],
      }),
    );
  } catch (error) {
    // Released by an earlier attempt: the request holds no reservation any more.
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
    ) {
      return { released: true };
    }
    rethrowAwsError(error);
  }
  return { released: true };
};
