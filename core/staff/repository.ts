/**
 * Staff users and their permission records in the table (see `core/keys.ts`): the API's reads and writes. Rules of
 * who may do what are in `rules.ts`; this module keeps the invariants that need the table:
 * - an address belongs to one staff user (`STAFF-EMAIL#<email>`, written in the same transaction as the user);
 * - the last active network admin cannot lose `network:admin` or be deleted: a counter of active network admins
 *   (`STAFF-NETWORK-ADMINS` / `COUNT`) moves in the same transaction as the permission, and a decrement is
 *   conditional on leaving at least one, so two admins removing each other at once cannot both succeed;
 * - changing a user's permissions (or deleting them) ends their staff sessions.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../aws-clients.js';
import { InvalidCursorError as InvalidCursor, decodeCursor, encodeCursor } from '../cursor.js';
import { epochSeconds, indexKeys, keys, normalizeEmail } from '../keys.js';
import { SCOPE_PATTERN, type Scope, type StaffItem } from './model.js';
import {
  MAX_ATTEMPTS,
  NETWORK_ADMIN,
  decrementNetworkAdmins,
  deleteKey,
  deleteKeys,
  incrementNetworkAdmins,
  keysWithPrefix,
  nextTimestamp,
  pause,
  permissionItem,
  putNew,
  readNetworkAdminCount,
  readScopes,
  readStaff,
  transact,
  type TransactItem,
} from './store.js';

/** The address is already a staff user's (invited or active). */
export class StaffEmailTaken extends Error {
  override name = 'StaffEmailTaken';
  constructor() {
    super('This address already belongs to a staff user');
  }
}

/** The change would leave no active network admin. */
export class LastNetworkAdmin extends Error {
  override name = 'LastNetworkAdmin';
  constructor() {
    super('The last network admin cannot be removed');
  }
}

/** `bootstrapNetworkAdmin` when an active network admin exists already. */
export class NetworkAdminExists extends Error {
  override name = 'NetworkAdminExists';
  constructor() {
    super('A network admin exists already');
  }
}

export class StaffNotFound extends Error {
  override name = 'StaffNotFound';
  constructor() {
    super('Staff user not found');
  }
}

/** `setInvitationExecution` for a user who is not (or no longer) invited. */
export class StaffNotInvited extends Error {
  override name = 'StaffNotInvited';
  constructor() {
    super('The staff user is not invited');
  }
}

/** A malformed address, name or scope reached the repository (the API validates first). */
export class InvalidStaffInput extends Error {
  override name = 'InvalidStaffInput';
}

/** `listStaff` with a cursor it did not hand out (named `InvalidCursor`, like every cursor refusal). */
export { InvalidCursorError as InvalidCursor } from '../cursor.js';

/** Concurrent changes of the same user kept winning; the caller may try again. */
export class StaffChangeConflict extends Error {
  override name = 'StaffChangeConflict';
  constructor() {
    super('The staff user was changed concurrently; try again');
  }
}

/** `staff-invite-<staffId>-<epoch seconds>`: the invitation workflow's execution name (at most 80 characters). */
export function staffInvitationExecutionName(staffId: string, now: Date = new Date()): string {
  return `staff-invite-${staffId}-${epochSeconds(now)}`;
}

const EmailSchema = z.email().max(254);
const NameSchema = z.string().trim().min(1).max(200);
/** Far below a transaction's 100 items, far above any real set (2 network scopes + 2 per site). */
const MAX_SCOPES = 40;

function checkedEmail(email: string): string {
  const parsed = EmailSchema.safeParse(email.trim());
  if (!parsed.success) throw new InvalidStaffInput('Invalid email address');
  return parsed.data;
}

function checkedName(name: string): string {
  const parsed = NameSchema.safeParse(name);
  if (!parsed.success) throw new InvalidStaffInput('Invalid name');
  return parsed.data;
}

function checkedScopes(scopes: readonly string[]): Scope[] {
  const unique = [...new Set(scopes)].sort();
  const invalid = unique.find((scope) => !SCOPE_PATTERN.test(scope));
  if (invalid !== undefined) throw new InvalidStaffInput('Invalid scope');
  if (unique.length > MAX_SCOPES) throw new InvalidStaffInput('Too many scopes');
  return unique as Scope[];
}

/** The staff user, strongly consistent. */
export function getStaff(staffId: string): Promise<StaffItem | undefined> {
  return readStaff(staffId);
}

export async function findStaffByEmail(email: string): Promise<StaffItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.staffEmail(email), ConsistentRead: true }),
  );
  const staffId = Item?.staffId as string | undefined;
  if (!staffId) return undefined;
  const staff = await readStaff(staffId);
  return staff && normalizeEmail(staff.email) === normalizeEmail(email) ? staff : undefined;
}

/** The user's scopes from their permission records (sorted; empty for an unknown id). */
export function scopesOf(staffId: string): Promise<Scope[]> {
  return readScopes(staffId);
}

/** A staff user with their scopes, read so that the scopes are those of `staff.permissionsVersion` or newer. */
export interface StaffAccess {
  staff: StaffItem;
  scopes: Scope[];
}

/**
 * The user and their scopes for a new session: the profile (with its `permissionsVersion`) first, then the
 * permission records. A change committed in between shows as a newer version than the scopes were read at
 * afterwards, never the reverse, so a session written conditioned on the version (see `createStaffSession`)
 * cannot carry scopes older than its version. `undefined` for an unknown user.
 */
export async function readStaffAccess(staffId: string): Promise<StaffAccess | undefined> {
  const staff = await readStaff(staffId);
  if (!staff) return undefined;
  return { staff, scopes: await readScopes(staffId) };
}

/** Staff cursors are gsi1 keys of the `STAFF` listing, of staff items only. */
function decodeStaffCursor(cursor: string): Record<string, string> {
  const key = decodeCursor(cursor, ['pk', 'sk', 'gsi1pk', 'gsi1sk'], { gsi1pk: 'STAFF' });
  if (!key.pk?.startsWith('STAFF#')) throw new InvalidCursor();
  return key;
}

/**
 * A page of staff users by address (gsi1 `STAFF`), each with their scopes. `cursor` is opaque: pass back what the
 * previous page returned; a cursor not handed out here throws `InvalidCursor`. `limit` is clamped to 1..100.
 */
export async function listStaff(page: {
  limit: number;
  cursor?: string;
}): Promise<{ items: { staff: StaffItem; scopes: Scope[] }[]; cursor?: string }> {
  const limit = Math.min(100, Math.max(1, Math.floor(page.limit) || 1));
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :staff',
      ExpressionAttributeValues: { ':staff': 'STAFF' },
      Limit: limit,
      ...(page.cursor ? { ExclusiveStartKey: decodeStaffCursor(page.cursor) } : {}),
    }),
  );
  const staff = (result.Items ?? []) as StaffItem[];
  const items = await Promise.all(
    staff.map(async (item) => ({ staff: item, scopes: await readScopes(item.id) })),
  );
  return {
    items,
    ...(result.LastEvaluatedKey ? { cursor: encodeCursor(result.LastEvaluatedKey) } : {}),
  };
}

/**
 * Invites a staff user: the invited user (a new id, `invitationExecution` already set to
 * `staffInvitationExecutionName(id)`), the address item and one permission record per scope, in one transaction.
 * Throws `StaffEmailTaken` when the address is a staff user's already.
 */
/**
 * A new invited user's profile item, with a new id, as `createInvitation` stores it (validated; nothing is written
 * here). `POST /staff` also answers with one it does not store, for an address it may not reveal.
 */
export function newInvitedStaff(input: { email: string; name: string; invitedBy: string }): StaffItem {
  const email = checkedEmail(input.email);
  const id = randomUUID();
  const now = new Date();
  const at = now.toISOString();
  return {
    ...keys.staff(id),
    entity: 'staff',
    id,
    email,
    name: checkedName(input.name),
    status: 'invited',
    createdAt: at,
    updatedAt: at,
    invitedBy: input.invitedBy,
    invitationExecution: staffInvitationExecutionName(id, now),
    ...indexKeys.staffUser(email),
  };
}

export async function createInvitation(input: {
  email: string;
  name: string;
  scopes: Scope[];
  invitedBy: string;
}): Promise<StaffItem> {
  const staff = newInvitedStaff(input);
  const { id, email, createdAt: at } = staff;
  const scopes = checkedScopes(input.scopes);
  const outcome = await transact([
    putNew({ ...staff }),
    putNew({ ...keys.staffEmail(email), entity: 'staff-email', staffId: id, createdAt: at, updatedAt: at }),
    ...scopes.map((scope) => putNew({ ...permissionItem(id, scope, input.invitedBy, at) })),
  ]);
  if (!outcome.ok) {
    if (outcome.reasons[1] === 'ConditionalCheckFailed') throw new StaffEmailTaken();
    throw new StaffChangeConflict();
  }
  return staff;
}

/**
 * Names the invitation execution that owns the invitation from now on (call it before starting that execution):
 * the earlier execution's stored task token is dropped, and its tasks no longer match. Throws `StaffNotInvited`
 * for an unknown or active user.
 */
export async function setInvitationExecution(staffId: string, executionName: string): Promise<void> {
  const staff = await readStaff(staffId);
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.staff(staffId),
        UpdateExpression: 'SET invitationExecution = :execution, updatedAt = :now REMOVE invitationTaskToken',
        ConditionExpression: 'attribute_exists(pk) AND #status = :invited',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':execution': executionName,
          ':now': nextTimestamp(staff?.updatedAt),
          ':invited': 'invited',
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new StaffNotInvited();
    throw error;
  }
}

/**
 * The profile as read, unchanged since (the guard of every multi-item change of one user), with the next
 * permissions version: every session issued before this change stops counting.
 */
function touchProfileForPermissions(staff: StaffItem, now: string): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: keys.staff(staff.id),
      UpdateExpression: 'SET updatedAt = :now ADD permissionsVersion :one',
      ConditionExpression: 'updatedAt = :read',
      ExpressionAttributeValues: { ':now': now, ':read': staff.updatedAt, ':one': 1 },
    },
  };
}

/**
 * Replaces the user's scopes with `scopes`, writing only the differences (one transaction conditioned on the
 * profile as read), and ends their staff sessions when anything changed. `authorise` is called with the user and
 * scopes of every attempt, before anything is written, and refuses by throwing: the caller's check therefore
 * always judges the state the change is applied to, even when a concurrent change made an attempt start over.
 * Taking `network:admin` from the last active network admin throws `LastNetworkAdmin`; an unknown user throws
 * `StaffNotFound`.
 */
export async function replaceScopes(
  staffId: string,
  scopes: Scope[],
  grantedBy: string,
  authorise: (current: StaffAccess) => void | Promise<void> = () => undefined,
): Promise<{ staff: StaffItem; before: Scope[]; after: Scope[] }> {
  const after = checkedScopes(scopes);
  for (let attempt = 1; ; attempt++) {
    const current = await readStaffAccess(staffId);
    if (!current) throw new StaffNotFound();
    await authorise(current);
    const { staff, scopes: before } = current;
    const added = after.filter((scope) => !before.includes(scope));
    const removed = before.filter((scope) => !after.includes(scope));
    if (added.length === 0 && removed.length === 0) return { staff, before, after: before };

    const now = nextTimestamp(staff.updatedAt);
    const items: TransactItem[] = [
      touchProfileForPermissions(staff, now),
      ...added.map((scope) => putNew({ ...permissionItem(staffId, scope, grantedBy, now) })),
      ...removed.map((scope) => deleteKey(keys.staffPermission(staffId, scope))),
    ];
    let counter = -1;
    if (staff.status === 'active' && removed.includes(NETWORK_ADMIN)) {
      counter = items.push(decrementNetworkAdmins(now)) - 1;
    } else if (staff.status === 'active' && added.includes(NETWORK_ADMIN)) {
      items.push(incrementNetworkAdmins(now));
    }
    const outcome = await transact(items);
    if (outcome.ok) {
      await revokeStaffSessions(staffId);
      return { staff, before, after };
    }
    if (counter >= 0 && outcome.reasons[counter] === 'ConditionalCheckFailed') throw new LastNetworkAdmin();
    if (attempt >= MAX_ATTEMPTS) throw new StaffChangeConflict();
    await pause(attempt);
  }
}

/**
 * Deletes the user, their address item, permission records and sessions. Throws `LastNetworkAdmin` for the last
 * active network admin. Safe to repeat (an unknown user is no error; leftovers of a partial delete are removed).
 * A pending invitation's execution is the caller's to stop (its name is `invitationExecution`, read before).
 */
export async function deleteStaff(
  staffId: string,
  authorise: (current: StaffAccess) => void | Promise<void> = () => undefined,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const staff = await readStaff(staffId);
    if (!staff) {
      await deleteKeys([
        ...(await keysWithPrefix(staffId, keys.staffPermissionPrefix)),
        ...(await keysWithPrefix(staffId, keys.staffSessionPrefix)),
      ]);
      return;
    }
    const scopes = await readScopes(staffId);
    // Judged on what this attempt deletes, as replaceScopes does: a concurrent grant cannot slip in between.
    await authorise({ staff, scopes });
    const now = nextTimestamp(staff.updatedAt);
    const items: TransactItem[] = [
      {
        Delete: {
          TableName: tableName(),
          Key: keys.staff(staffId),
          ConditionExpression: 'updatedAt = :read',
          ExpressionAttributeValues: { ':read': staff.updatedAt },
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
    ];
    let counter = -1;
    if (staff.status === 'active' && scopes.includes(NETWORK_ADMIN)) {
      counter = items.push(decrementNetworkAdmins(now)) - 1;
    }
    const outcome = await transact(items);
    if (outcome.ok) {
      await revokeStaffSessions(staffId);
      return;
    }
    if (counter >= 0 && outcome.reasons[counter] === 'ConditionalCheckFailed') throw new LastNetworkAdmin();
    if (attempt >= MAX_ATTEMPTS) throw new StaffChangeConflict();
    await pause(attempt);
  }
}

/** Ends every staff session of the user (deletes their `SESSION#` items); returns how many there were. */
export async function revokeStaffSessions(staffId: string): Promise<number> {
  const sessions = await keysWithPrefix(staffId, keys.staffSessionPrefix);
  await deleteKeys(sessions);
  return sessions.length;
}

/**
 * The first network admin (`npm run staff:bootstrap`): an active user with `network:admin` and `network:read`, the
 * counter set to 1, in one transaction. Throws `NetworkAdminExists` when there is an active network admin already,
 * `StaffEmailTaken` when the address is a staff user's.
 */
export async function bootstrapNetworkAdmin(input: { email: string; name: string }): Promise<StaffItem> {
  const email = checkedEmail(input.email);
  const name = checkedName(input.name);
  if ((await readNetworkAdminCount()) > 0) throw new NetworkAdminExists();
  const id = randomUUID();
  const at = new Date().toISOString();
  const staff: StaffItem = {
    ...keys.staff(id),
    entity: 'staff',
    id,
    email,
    name,
    status: 'active',
    createdAt: at,
    updatedAt: at,
    invitedBy: 'bootstrap',
    activatedAt: at,
    ...indexKeys.staffUser(email),
  };
  const counter: TransactItem = {
    Update: {
      TableName: tableName(),
      Key: keys.staffNetworkAdminCount(),
      UpdateExpression:
        'ADD #count :one SET entity = :entity, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :one',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':entity': 'staff-network-admin-count', ':now': at },
    },
  };
  const outcome = await transact([
    putNew({ ...staff }),
    putNew({ ...keys.staffEmail(email), entity: 'staff-email', staffId: id, createdAt: at, updatedAt: at }),
    putNew({ ...permissionItem(id, 'network:admin', 'bootstrap', at) }),
    putNew({ ...permissionItem(id, 'network:read', 'bootstrap', at) }),
    counter,
  ]);
  if (!outcome.ok) {
    if (outcome.reasons[4] === 'ConditionalCheckFailed') throw new NetworkAdminExists();
    if (outcome.reasons[1] === 'ConditionalCheckFailed') throw new StaffEmailTaken();
    throw new StaffChangeConflict();
  }
  return staff;
}

/** How many active staff users hold `network:admin` (the counter, strongly consistent). */
export function countActiveNetworkAdmins(): Promise<number> {
  return readNetworkAdminCount();
}
