/**
 * Staff users, their permission records, staff sessions and sign-in requests in the table (see `core/keys.ts`):
 * the only staff module that talks to DynamoDB. Rules of who may do what, and the invitation's decisions, are in
 * `rules.ts`; this module keeps the invariants that need the table:
 * - an address belongs to one staff user (`STAFF-EMAIL#<email>`, written in the same transaction as the user);
 * - the last active network admin cannot lose `network:admin` or be deleted: a counter of active network admins
 *   (`STAFF-NETWORK-ADMINS` / `COUNT`) moves in the same transaction as the permission, and a decrement is
 *   conditional on leaving at least one, so two admins removing each other at once cannot both succeed;
 * - changing a user's permissions (or deleting them) ends their staff sessions;
 * - the invitation workflow's steps act only on an invitation owned by the calling execution (`invitationExecution`
 *   equals the execution's name): after a reinvite names a new execution, the old one can neither store a token,
 *   activate nor delete anything.
 *
 * Every read is parsed with its item schema (`model.ts`). Functions that stamp a time take `now` (the API passes
 * `systemClock.now()`, a task `context.clock.now()`). Tasks take `staffRepository` as a dependency, so a fast test
 * can hand them an in-memory one of the same shape.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../aws-clients.js';
import { systemClock } from '../clock.js';
import { InvalidCursorError as InvalidCursor, decodeCursor, encodeCursor } from '../cursor.js';
import { deleteItem, getItem, parseItem, putItem, queryAll, updateIf } from '../db.js';
import { rethrowAwsError } from '../errors.js';
import { epochSeconds, indexKeys, keys, normalizeEmail, type ItemKey } from '../keys.js';
import {
  InvalidStaffInput,
  InvitationConflict,
  InvitationNotPending,
  LastNetworkAdmin,
  NetworkAdminExists,
  StaffChangeConflict,
  StaffEmailTaken,
  StaffNotFound,
  StaffNotInvited,
} from './errors.js';
import {
  NetworkAdminCountSchema,
  ScopeSchema,
  StaffEmailItemSchema,
  StaffItemSchema,
  StaffSessionItemSchema,
  StaffSignInRequestItemSchema,
  isScope,
  type Scope,
  type StaffItem,
  type StaffSessionItem,
  type StaffSignInRequestItem,
} from './model.js';
import {
  NETWORK_ADMIN,
  isActivatedBy,
  nextTimestamp,
  ownsInvitation,
  staffInvitationExecutionName as executionNameAt,
} from './rules.js';
import {
  MAX_ATTEMPTS,
  decrementNetworkAdmins,
  deleteAddressOf,
  deleteKey,
  incrementNetworkAdmins,
  invitationGuard,
  pause,
  permissionItem,
  putNew,
  transact,
  type TransactItem,
} from './store.js';

export {
  InvalidStaffInput,
  LastNetworkAdmin,
  NetworkAdminExists,
  StaffChangeConflict,
  StaffEmailTaken,
  StaffNotFound,
  StaffNotInvited,
} from './errors.js';

/** `listStaff` with a cursor it did not hand out (named `InvalidCursor`, like every cursor refusal). */
export { InvalidCursorError as InvalidCursor } from '../cursor.js';

/** `staff-invite-<staffId>-<epoch seconds>`: the invitation workflow's execution name (at most 80 characters). */
export function staffInvitationExecutionName(staffId: string, now: Date = systemClock.now()): string {
  return executionNameAt(staffId, now);
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
  const valid = unique.filter(isScope);
  if (valid.length !== unique.length) throw new InvalidStaffInput('Invalid scope');
  if (valid.length > MAX_SCOPES) throw new InvalidStaffInput('Too many scopes');
  return valid;
}

// ------------------------------------------------------------------------------------------------ reads

/** The staff user, strongly consistent. */
export function getStaff(staffId: string): Promise<StaffItem | undefined> {
  return getItem(StaffItemSchema, keys.staff(staffId));
}

export async function findStaffByEmail(email: string): Promise<StaffItem | undefined> {
  const address = await getItem(StaffEmailItemSchema, keys.staffEmail(email));
  if (!address?.staffId) return undefined;
  const staff = await getStaff(address.staffId);
  return staff && normalizeEmail(staff.email) === normalizeEmail(email) ? staff : undefined;
}

const ScopeRecordSchema = z.looseObject({ scope: ScopeSchema });

/** The user's scopes from their permission records (sorted; empty for an unknown id). */
export async function scopesOf(staffId: string): Promise<Scope[]> {
  const records = await queryAll(ScopeRecordSchema, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.staffPartition(staffId), ':prefix': keys.staffPermissionPrefix },
    ProjectionExpression: '#scope',
    ExpressionAttributeNames: { '#scope': 'scope' },
    ConsistentRead: true,
  });
  return records.map((record) => record.scope).sort();
}

const KeyOnlySchema = z.looseObject({ pk: z.string(), sk: z.string() });

/** The keys of every item of the user's partition whose sort key starts with `prefix`. */
async function keysWithPrefix(staffId: string, prefix: string): Promise<ItemKey[]> {
  const found = await queryAll(KeyOnlySchema, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.staffPartition(staffId), ':prefix': prefix },
    ProjectionExpression: 'pk, sk',
    ConsistentRead: true,
  });
  return found.map(({ pk, sk }) => ({ pk, sk }));
}

/** Deletes items outside a transaction (leftovers, sessions), 25 a request, until none is unprocessed. */
async function deleteKeys(items: readonly ItemKey[]): Promise<void> {
  for (let index = 0; index < items.length; index += 25) {
    let requests = items.slice(index, index + 25).map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`${requests.length} deletes unprocessed`);
      if (attempt > 0) await pause(attempt);
      const result = await documentClient
        .send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }))
        .catch(rethrowAwsError);
      requests = (result.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
    }
  }
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
  const staff = await getStaff(staffId);
  if (!staff) return undefined;
  return { staff, scopes: await scopesOf(staffId) };
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
}): Promise<{ items: StaffAccess[]; cursor?: string }> {
  const limit = Math.min(100, Math.max(1, Math.floor(page.limit) || 1));
  const result = await documentClient
    .send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :staff',
        ExpressionAttributeValues: { ':staff': 'STAFF' },
        Limit: limit,
        ...(page.cursor ? { ExclusiveStartKey: decodeStaffCursor(page.cursor) } : {}),
      }),
    )
    .catch(rethrowAwsError);
  const staff = (result.Items ?? []).map((raw) =>
    parseItem(StaffItemSchema, raw, { pk: String(raw.pk), sk: String(raw.sk) }),
  );
  const items = await Promise.all(
    staff.map(async (item) => ({ staff: item, scopes: await scopesOf(item.id) })),
  );
  return {
    items,
    ...(result.LastEvaluatedKey ? { cursor: encodeCursor(result.LastEvaluatedKey) } : {}),
  };
}

/** How many active staff users hold `network:admin` (the counter, strongly consistent). */
export async function countActiveNetworkAdmins(): Promise<number> {
  const counter = await getItem(NetworkAdminCountSchema, keys.staffNetworkAdminCount());
  return counter?.count ?? 0;
}

// ------------------------------------------------------------------------------------------------ the API's changes

/**
 * A new invited user's profile item, with a new id, as `createInvitation` stores it (validated; nothing is written
 * here). `POST /staff` also answers with one it does not store, for an address it may not reveal.
 */
export function newInvitedStaff(
  input: { email: string; name: string; invitedBy: string },
  now: Date = systemClock.now(),
): StaffItem {
  const email = checkedEmail(input.email);
  const id = randomUUID();
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
    invitationExecution: executionNameAt(id, now),
    ...indexKeys.staffUser(email),
  };
}

/**
 * Invites a staff user: the invited user (a new id, `invitationExecution` already set to
 * `staffInvitationExecutionName(id)`), the address item and one permission record per scope, in one transaction.
 * Throws `StaffEmailTaken` when the address is a staff user's already.
 */
export async function createInvitation(
  input: { email: string; name: string; scopes: Scope[]; invitedBy: string },
  now: Date = systemClock.now(),
): Promise<StaffItem> {
  const staff = newInvitedStaff(input, now);
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
export async function setInvitationExecution(
  staffId: string,
  executionName: string,
  now: Date = systemClock.now(),
): Promise<void> {
  const staff = await getStaff(staffId);
  const updated = await updateIf(StaffItemSchema, {
    Key: keys.staff(staffId),
    UpdateExpression: 'SET invitationExecution = :execution, updatedAt = :now REMOVE invitationTaskToken',
    ConditionExpression: 'attribute_exists(pk) AND #status = :invited',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':execution': executionName,
      ':now': nextTimestamp(staff?.updatedAt, now),
      ':invited': 'invited',
    },
  });
  if (!updated) throw new StaffNotInvited();
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
  clockNow: Date = systemClock.now(),
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

    const now = nextTimestamp(staff.updatedAt, clockNow);
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
  clockNow: Date = systemClock.now(),
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const staff = await getStaff(staffId);
    if (!staff) {
      await deleteKeys([
        ...(await keysWithPrefix(staffId, keys.staffPermissionPrefix)),
        ...(await keysWithPrefix(staffId, keys.staffSessionPrefix)),
      ]);
      return;
    }
    const scopes = await scopesOf(staffId);
    // Judged on what this attempt deletes, as replaceScopes does: a concurrent grant cannot slip in between.
    await authorise({ staff, scopes });
    const now = nextTimestamp(staff.updatedAt, clockNow);
    const items: TransactItem[] = [
      {
        Delete: {
          TableName: tableName(),
          Key: keys.staff(staffId),
          ConditionExpression: 'updatedAt = :read',
          ExpressionAttributeValues: { ':read': staff.updatedAt },
        },
      },
      deleteAddressOf(staffId, staff.email),
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
export async function bootstrapNetworkAdmin(
  input: { email: string; name: string },
  now: Date = systemClock.now(),
): Promise<StaffItem> {
  const email = checkedEmail(input.email);
  const name = checkedName(input.name);
  // Read with the SDK's own failure (not a `RetryableError`): the command tells an unreachable table by its code.
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.staffNetworkAdminCount(), ConsistentRead: true }),
  );
  const existing = Item && parseItem(NetworkAdminCountSchema, Item, keys.staffNetworkAdminCount());
  if ((existing?.count ?? 0) > 0) throw new NetworkAdminExists();
  const id = randomUUID();
  const at = now.toISOString();
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

// ------------------------------------------------------------------------------------------------ the invitation workflow

/** Step 1: the invitation, if it is pending and this execution's; `InvitationNotPending` otherwise. */
export async function loadPendingInvitation(staffId: string, executionName: string): Promise<StaffItem> {
  const staff = await getStaff(staffId);
  if (!ownsInvitation(staff, executionName)) throw new InvitationNotPending();
  return staff;
}

/** Step 2: stores the task token with the invited user, only while the invitation is this execution's. */
export async function storeInvitationTaskToken(
  staffId: string,
  executionName: string,
  taskToken: string,
  now: Date = systemClock.now(),
): Promise<StaffAccess> {
  const current = await getStaff(staffId);
  if (!ownsInvitation(current, executionName)) throw new InvitationNotPending();
  const staff = await updateIf(StaffItemSchema, {
    Key: keys.staff(staffId),
    UpdateExpression: 'SET invitationTaskToken = :token, updatedAt = :now',
    ConditionExpression: '#status = :invited AND invitationExecution = :execution',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':token': taskToken,
      ':now': nextTimestamp(current.updatedAt, now),
      ':invited': 'invited',
      ':execution': executionName,
    },
  });
  if (!staff) throw new InvitationNotPending();
  return { staff, scopes: await scopesOf(staffId) };
}

/**
 * Step 3: activates the invited user: active, `activatedAt`, the token and execution name removed, and, if they
 * hold `network:admin`, one more active network admin, in one transaction. Repeating it after success is a no-op.
 */
export async function activateInvitation(
  staffId: string,
  executionName: string,
  acceptedAt: string,
  clockNow: Date = systemClock.now(),
): Promise<StaffItem> {
  for (let attempt = 1; ; attempt++) {
    const staff = await getStaff(staffId);
    if (staff && isActivatedBy(staff, acceptedAt)) return staff;
    if (!ownsInvitation(staff, executionName)) throw new InvitationNotPending();
    const scopes = await scopesOf(staffId);
    const now = nextTimestamp(staff.updatedAt, clockNow);
    // updatedAt as read: the scopes read above are still the user's (every scope change moves it).
    const guard = invitationGuard(staffId, staff.updatedAt, executionName);
    const items: TransactItem[] = [
      {
        Update: {
          ...guard,
          UpdateExpression:
            'SET #status = :active, activatedAt = :acceptedAt, updatedAt = :now ' +
            'REMOVE invitationTaskToken, invitationExecution',
          ExpressionAttributeValues: {
            ...guard.ExpressionAttributeValues,
            ':active': 'active',
            ':acceptedAt': acceptedAt,
            ':now': now,
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
    const staff = await getStaff(staffId);
    if (!ownsInvitation(staff, executionName)) return false;
    const scopes = await scopesOf(staffId);
    const outcome = await transact([
      { Delete: invitationGuard(staffId, staff.updatedAt, executionName) },
      deleteAddressOf(staffId, staff.email),
      ...scopes.map((scope) => deleteKey(keys.staffPermission(staffId, scope))),
    ]);
    if (outcome.ok) return true;
    if (attempt >= MAX_ATTEMPTS) throw new InvitationConflict();
    await pause(attempt);
  }
}

/**
 * Records on the invitation link (`LINK#<hash>`) the acceptance it answers the workflow with, unless an earlier
 * attempt of the same claim did; returns the one that stands (a retry sends the same acceptance).
 */
export async function recordInvitationAcceptance(
  tokenHash: string,
  claim: string,
  at: string,
): Promise<string> {
  const link = await updateIf(z.looseObject({ acceptedAt: z.string().optional() }), {
    Key: keys.link(tokenHash),
    UpdateExpression: 'SET acceptedAt = if_not_exists(acceptedAt, :at)',
    ConditionExpression: 'claimId = :claim',
    ExpressionAttributeValues: { ':at': at, ':claim': claim },
  });
  // Someone else holds the link's claim now: this redemption has lost it.
  if (!link) throw new Error('The invitation link is no longer claimed by this redemption');
  return link.acceptedAt ?? at;
}

// ------------------------------------------------------------------------------------------------ sign-in requests

/** A request is worked on within seconds; a day is plenty for retries and a paused workflow. */
const REQUEST_KEPT_SECONDS = 24 * 3600;

/** Stores a `POST /staff/login` request (the address it named) under `requestId`. */
export async function putSignInRequest(requestId: string, email: string, now: Date): Promise<void> {
  const item: StaffSignInRequestItem = {
    ...keys.staffSignInRequest(requestId),
    entity: 'staff-sign-in-request',
    email,
    createdAt: now.toISOString(),
    expiresAt: epochSeconds(now) + REQUEST_KEPT_SECONDS,
  };
  await putItem(item);
}

export function getSignInRequest(requestId: string): Promise<StaffSignInRequestItem | undefined> {
  return getItem(StaffSignInRequestItemSchema, keys.staffSignInRequest(requestId));
}

export async function deleteSignInRequest(requestId: string): Promise<void> {
  await deleteItem(keys.staffSignInRequest(requestId));
}

// ------------------------------------------------------------------------------------------------ sessions

/**
 * Writes a session item only while its user is still active at the permissions version its scopes were read at;
 * false when a change (or deletion) committed since.
 */
export async function putStaffSession(item: StaffSessionItem, version: number): Promise<boolean> {
  const outcome = await transact([
    { Put: { TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      ConditionCheck: {
        TableName: tableName(),
        Key: keys.staff(item.staffId),
        ConditionExpression:
          version === 0
            ? '#status = :active AND (attribute_not_exists(permissionsVersion) OR permissionsVersion = :version)'
            : '#status = :active AND permissionsVersion = :version',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'active', ':version': version },
      },
    },
  ]);
  return outcome.ok;
}

/** The session item, strongly consistent (a revocation a moment ago must count). */
export function getStaffSession(staffId: string, sessionId: string): Promise<StaffSessionItem | undefined> {
  return getItem(StaffSessionItemSchema, keys.staffSession(staffId, sessionId));
}

/** Ends one staff session. Idempotent. */
export async function deleteStaffSession(staffId: string, sessionId: string): Promise<void> {
  await deleteItem(keys.staffSession(staffId, sessionId));
}

export type { StaffSessionItem } from './model.js';

/** Everything above as one object: what tasks take as a dependency, and what a fast test replaces. */
export const staffRepository = {
  getStaff,
  findStaffByEmail,
  scopesOf,
  readStaffAccess,
  listStaff,
  countActiveNetworkAdmins,
  newInvitedStaff,
  createInvitation,
  setInvitationExecution,
  replaceScopes,
  deleteStaff,
  revokeStaffSessions,
  bootstrapNetworkAdmin,
  loadPendingInvitation,
  storeInvitationTaskToken,
  activateInvitation,
  expireInvitation,
  recordInvitationAcceptance,
  putSignInRequest,
  getSignInRequest,
  deleteSignInRequest,
  putStaffSession,
  getStaffSession,
  deleteStaffSession,
};
export type StaffRepository = typeof staffRepository;
