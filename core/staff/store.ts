/**
 * Table operations shared by the staff repository (the API's side) and the invitation workflow's tasks: the
 * transaction wrapper, the active network admin counter, and the item builders. Every multi-item change of a
 * staff user is one transaction conditioned on the profile's `updatedAt` as read, and every such change moves
 * `updatedAt` forward, so two changes of the same user never interleave (the loser re-reads and tries again).
 */
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../aws-clients.js';
import { keys, type ItemKey } from '../keys.js';
import type { Scope, StaffItem, StaffPermissionItem } from './model.js';

export const NETWORK_ADMIN: Scope = 'network:admin';

/** Optimistic attempts before a change of one staff user gives up on concurrent changes of the same user. */
export const MAX_ATTEMPTS = 6;

import type { TransactItem } from '../db.js';

export { transact, type TransactItem, type TransactOutcome } from '../db.js';

/** A short, jittered pause before the next optimistic attempt. */
export function pause(attempt: number): Promise<void> {
  const ms = Math.random() * 20 * 2 ** attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A timestamp strictly after `previous`, so a conditional `updatedAt = :read` always sees a change. */
export function nextTimestamp(previous: string | undefined, now = new Date()): string {
  const last = previous ? Date.parse(previous) : Number.NaN;
  return new Date(Number.isNaN(last) ? now.getTime() : Math.max(now.getTime(), last + 1)).toISOString();
}

export async function readStaff(staffId: string): Promise<StaffItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.staff(staffId), ConsistentRead: true }),
  );
  return Item as StaffItem | undefined;
}

/** The keys of every item of the partition whose sort key starts with `prefix`. */
export async function keysWithPrefix(staffId: string, prefix: string): Promise<ItemKey[]> {
  const found: ItemKey[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.staffPartition(staffId), ':prefix': prefix },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) found.push({ pk: item.pk as string, sk: item.sk as string });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}

export async function readScopes(staffId: string): Promise<Scope[]> {
  const scopes: Scope[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.staffPartition(staffId),
          ':prefix': keys.staffPermissionPrefix,
        },
        ProjectionExpression: '#scope',
        ExpressionAttributeNames: { '#scope': 'scope' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) scopes.push(item.scope as Scope);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return scopes.sort();
}

/** Deletes items outside a transaction (leftovers, sessions), 25 a request, until none is unprocessed. */
export async function deleteKeys(items: readonly ItemKey[]): Promise<void> {
  for (let index = 0; index < items.length; index += 25) {
    let requests = items.slice(index, index + 25).map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`${requests.length} deletes unprocessed`);
      if (attempt > 0) await pause(attempt);
      const result = await documentClient.send(
        new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }),
      );
      requests = (result.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
    }
  }
}

export function permissionItem(
  staffId: string,
  scope: Scope,
  grantedBy: string,
  grantedAt: string,
): StaffPermissionItem {
  return {
    ...keys.staffPermission(staffId, scope),
    entity: 'staff-permission',
    staffId,
    scope,
    grantedBy,
    grantedAt,
  };
}

export function putNew(item: Record<string, unknown>): TransactItem {
  return { Put: { TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
}

export function deleteKey(key: ItemKey): TransactItem {
  return { Delete: { TableName: tableName(), Key: key } };
}

/** One more active network admin (the counter item is created by its first increment). */
export function incrementNetworkAdmins(now: string): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: keys.staffNetworkAdminCount(),
      UpdateExpression:
        'ADD #count :one SET entity = :entity, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':entity': 'staff-network-admin-count', ':now': now },
    },
  };
}

/** One fewer active network admin, refused (ConditionalCheckFailed) when it would leave none. */
export function decrementNetworkAdmins(now: string): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: keys.staffNetworkAdminCount(),
      UpdateExpression: 'ADD #count :minusOne SET updatedAt = :now',
      ConditionExpression: '#count > :one',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':minusOne': -1, ':one': 1, ':now': now },
    },
  };
}

export async function readNetworkAdminCount(): Promise<number> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.staffNetworkAdminCount(), ConsistentRead: true }),
  );
  return typeof Item?.count === 'number' ? Item.count : 0;
}
