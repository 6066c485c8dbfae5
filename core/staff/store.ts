/**
 * The staff repository's building blocks that need no I/O: the transaction items of a staff change, the active
 * network admin counter's updates, and the optimistic-retry pacing. Every multi-item change of a staff user is one
 * transaction conditioned on the profile's `updatedAt` as read, and every such change moves `updatedAt` forward,
 * so two changes of the same user never interleave (the loser re-reads and tries again). The reads and writes
 * themselves are in `repository.ts`, the only staff module that talks to DynamoDB.
 */
import { tableName } from '../aws-clients.js';
import type { TransactItem } from '../db.js';
import { keys, type ItemKey } from '../keys.js';
import type { Scope, StaffPermissionItem } from './model.js';

export { NETWORK_ADMIN, nextTimestamp } from './rules.js';
export { transact, type TransactItem, type TransactOutcome } from '../db.js';

/** Optimistic attempts before a change of one staff user gives up on concurrent changes of the same user. */
export const MAX_ATTEMPTS = 6;

/** A short, jittered pause before the next optimistic attempt. */
export function pause(attempt: number): Promise<void> {
  const ms = Math.random() * 20 * 2 ** attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
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

/**
 * The invited user's profile, still this execution's invitation and unchanged since read (the guard of the
 * invitation workflow's changes).
 */
export function invitationGuard(staffId: string, read: string, executionName: string) {
  return {
    TableName: tableName(),
    Key: keys.staff(staffId),
    ConditionExpression: 'updatedAt = :read AND #status = :invited AND invitationExecution = :execution',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':read': read, ':invited': 'invited', ':execution': executionName },
  };
}

/** Deletes the address item, only while it is still `staffId`'s. */
export function deleteAddressOf(staffId: string, email: string): TransactItem {
  return {
    Delete: {
      TableName: tableName(),
      Key: keys.staffEmail(email),
      ConditionExpression: 'attribute_not_exists(pk) OR staffId = :id',
      ExpressionAttributeValues: { ':id': staffId },
    },
  };
}
