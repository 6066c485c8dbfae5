/**
 * The staff invitation workflow's steps on the table (`statemachines/staff-invitation.asl.json`). Each acts only
 * on an invitation owned by the calling execution (`invitationExecution` equals the execution's name): after a
 * reinvite names a new execution, the old one can neither store a token, activate nor delete anything.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../aws-clients.js';
import { keys } from '../keys.js';
import type { Scope, StaffItem } from './model.js';
import {
  MAX_ATTEMPTS,
  NETWORK_ADMIN,
  deleteKey,
  incrementNetworkAdmins,
  nextTimestamp,
  pause,
  readScopes,
  readStaff,
  transact,
  type TransactItem,
} from './store.js';

/** The invitation no longer belongs to this execution (accepted, expired, deleted or reinvited). */
export class InvitationNotPending extends Error {
  override name = 'InvitationNotPending';
  constructor() {
    super('No pending invitation for this execution');
  }
}

/** Concurrent changes of the invited user kept winning (a task turns this into a retry). */
export class InvitationConflict extends Error {
  override name = 'InvitationConflict';
  constructor() {
    super('The invited staff user was changed concurrently');
  }
}

function ownedBy(staff: StaffItem | undefined, executionName: string): staff is StaffItem {
  return staff?.status === 'invited' && staff.invitationExecution === executionName;
}

export async function loadPendingInvitation(staffId: string, executionName: string): Promise<StaffItem> {
  const staff = await readStaff(staffId);
  if (!ownedBy(staff, executionName)) throw new InvitationNotPending();
  return staff;
}

/** Stores the task token with the invited user, only while the invitation is this execution's. */
export async function storeInvitationTaskToken(
  staffId: string,
  executionName: string,
  taskToken: string,
): Promise<{ staff: StaffItem; scopes: Scope[] }> {
  const current = await readStaff(staffId);
  if (!ownedBy(current, executionName)) throw new InvitationNotPending();
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.staff(staffId),
        UpdateExpression: 'SET invitationTaskToken = :token, updatedAt = :now',
        ConditionExpression: '#status = :invited AND invitationExecution = :execution',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':token': taskToken,
          ':now': nextTimestamp(current.updatedAt),
          ':invited': 'invited',
          ':execution': executionName,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { staff: result.Attributes as StaffItem, scopes: await readScopes(staffId) };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new InvitationNotPending();
    throw error;
  }
}

/**
 * Activates the invited user: active, `activatedAt`, the token and execution name removed, and, if they hold
 * `network:admin`, one more active network admin, in one transaction. Repeating it after success is a no-op.
 */
export async function activateInvitation(
  staffId: string,
  executionName: string,
  acceptedAt: string,
): Promise<StaffItem> {
  for (let attempt = 1; ; attempt++) {
    const staff = await readStaff(staffId);
    if (staff?.status === 'active' && staff.activatedAt === acceptedAt) return staff;
    if (!ownedBy(staff, executionName)) throw new InvitationNotPending();
    const scopes = await readScopes(staffId);
    const now = nextTimestamp(staff.updatedAt);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: tableName(),
          Key: keys.staff(staffId),
          UpdateExpression:
            'SET #status = :active, activatedAt = :acceptedAt, updatedAt = :now ' +
            'REMOVE invitationTaskToken, invitationExecution',
          // updatedAt as read: the scopes read above are still the user's (every scope change moves it).
          ConditionExpression:
            'updatedAt = :read AND #status = :invited AND invitationExecution = :execution',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':active': 'active',
            ':invited': 'invited',
            ':acceptedAt': acceptedAt,
            ':now': now,
            ':read': staff.updatedAt,
            ':execution': executionName,
          },
        },
      },
    ];
    if (scopes.includes(NETWORK_ADMIN)) items.push(incrementNetworkAdmins(now));
    const outcome = await transact(items);
    if (outcome.ok) {
      const { invitationTaskToken: _token, invitationExecution: _execution, ...rest } = staff;
      return { ...rest, status: 'active', activatedAt: acceptedAt, updatedAt: now };
    }
    if (attempt >= MAX_ATTEMPTS) throw new InvitationConflict();
    await pause(attempt);
  }
}

/**
 * Removes an invitation that was not accepted (the user, their address item and permission records), only while
 * it is still this execution's invitation. Safe to repeat; returns whether it removed anything.
 */
export async function expireInvitation(staffId: string, executionName: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const staff = await readStaff(staffId);
    if (!ownedBy(staff, executionName)) return false;
    const scopes = await readScopes(staffId);
    const outcome = await transact([
      {
        Delete: {
          TableName: tableName(),
          Key: keys.staff(staffId),
          ConditionExpression:
            'updatedAt = :read AND #status = :invited AND invitationExecution = :execution',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':read': staff.updatedAt,
            ':invited': 'invited',
            ':execution': executionName,
          },
        },
      },
      {
        Delete: {
          TableName: tableName(),
          Key: keys.staffEmail(staff.email),
          ConditionExpression: 'attribute_not_exists(pk) OR staffId = :id',
          ExpressionAttributeValues: { ':id': staffId },
        },
      },
      ...scopes.map((scope) => deleteKey(keys.staffPermission(staffId, scope))),
    ]);
    if (outcome.ok) return true;
    if (attempt >= MAX_ATTEMPTS) throw new InvitationConflict();
    await pause(attempt);
  }
}
