import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../errors.js';
import { keys } from '../keys.js';
import type { MemberItem } from '../members/model.js';
import type { RelayItem } from './model.js';

/** The relay request, read strongly consistent, or `undefined`. */
export async function findRelay(relayId: string): Promise<RelayItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.relay(relayId), ConsistentRead: true }),
  );
  return Item as RelayItem | undefined;
}

/** For tasks: the relay request; a missing one is bad input for the workflow (never retried). */
export async function getRelay(relayId: string): Promise<RelayItem> {
  let relay: RelayItem | undefined;
  try {
    relay = await findRelay(relayId);
  } catch (error) {
    rethrowAwsError(error);
  }
  if (!relay) throw new WorkflowTaskError(taskErrors.invalidInput, 'No such relay request');
  return relay;
}

export async function getMemberProfile(memberId: string): Promise<MemberItem | undefined> {
  try {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName(), Key: keys.member(memberId), ConsistentRead: true }),
    );
    return Item as MemberItem | undefined;
  } catch (error) {
    rethrowAwsError(error);
  }
}

export const relayErrors = {
  notContactable: 'NotContactable',
  rateLimited: 'RateLimited',
} as const;
