/**
 * The staff repository (core/staff/repository.ts) on DynamoDB Local: invitations and address uniqueness, scope
 * changes that write only the difference and end sessions, the last network admin kept under concurrency,
 * deletion, listing, and the one-time bootstrap.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { StaleStaffAccess, createStaffSession } from '../../core/auth/staff-sessions.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import type { Scope, StaffPermissionItem } from '../../core/staff/model.js';
import {
  InvalidCursor,
  InvalidStaffInput,
  LastNetworkAdmin,
  NetworkAdminExists,
  StaffEmailTaken,
  StaffNotFound,
  StaffNotInvited,
  activateInvitation,
  bootstrapNetworkAdmin,
  countActiveNetworkAdmins,
  createInvitation,
  deleteStaff,
  findStaffByEmail,
  getStaff,
  listStaff,
  readStaffAccess,
  replaceScopes,
  revokeStaffSessions,
  scopesOf,
  setInvitationExecution,
  staffInvitationExecutionName,
} from '../../core/staff/repository.js';
import { useLocalAws } from '../helpers/aws-env.js';

beforeAll(async () => {
  await useLocalAws('staff-repository');
  process.env.SESSION_SIGNING_KEY = await generateSigningKeyJwk();
  delete process.env.SESSION_SIGNING_KEY_FILE;
});

const address = (label: string) => `${label}.${randomUUID().slice(0, 8)}@staff.example`;

async function partition(staffId: string) {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.staffPartition(staffId) },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

async function permission(staffId: string, scope: Scope) {
  const { Item } = await documentClient.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.staffPermission(staffId, scope),
      ConsistentRead: true,
    }),
  );
  return Item as StaffPermissionItem | undefined;
}

async function emailItem(email: string) {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.staffEmail(email), ConsistentRead: true }),
  );
  return Item;
}

async function putSessions(staffId: string, count: number) {
  for (let index = 0; index < count; index++) {
    const sessionId = randomUUID();
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.staffSession(staffId, sessionId), entity: 'staff-session', staffId, sessionId },
      }),
    );
  }
}

const sessionsOf = async (staffId: string) =>
  (await partition(staffId)).filter((item) => (item.sk as string).startsWith('SESSION#'));

/** An invited user who accepted: what the invitation workflow's ActivateStaff does. */
async function activeStaff(scopes: Scope[], invitedBy = 'test') {
  const staff = await createInvitation({ email: address('active'), name: 'Active Staff', scopes, invitedBy });
  return activateInvitation(staff.id, staff.invitationExecution!, new Date().toISOString());
}

describe('staff repository', () => {
  let adminId: string;

  it('bootstraps the first network admin once', async () => {
    expect(await countActiveNetworkAdmins()).toBe(0);
    await expect(bootstrapNetworkAdmin({ email: 'not an address', name: 'Ada' })).rejects.toBeInstanceOf(
      InvalidStaffInput,
    );
    const email = address('ada');
    const admin = await bootstrapNetworkAdmin({ email, name: 'Ada Admin' });
    adminId = admin.id;
    expect(admin).toMatchObject({ status: 'active', invitedBy: 'bootstrap', email, name: 'Ada Admin' });
    expect(await scopesOf(admin.id)).toEqual(['network:admin', 'network:read']);
    expect(await countActiveNetworkAdmins()).toBe(1);
    expect(await findStaffByEmail(email.toUpperCase())).toEqual(admin);

    const again = bootstrapNetworkAdmin({ email: address('eve'), name: 'Eve' });
    await expect(again).rejects.toBeInstanceOf(NetworkAdminExists);
    await expect(again).rejects.toMatchObject({ name: 'NetworkAdminExists' });
    expect(await countActiveNetworkAdmins()).toBe(1);
  });

  it('createInvitation writes the user, the address and one record per scope; the address only once', async () => {
    const email = address('mod');
    const staff = await createInvitation({
      email,
      name: 'Moderator Mo',
      scopes: ['site:history:moderate', 'site:history:moderate', 'site:alumni:admin'],
      invitedBy: adminId,
    });
    expect(staff).toMatchObject({
      status: 'invited',
      invitedBy: adminId,
      gsi1pk: 'STAFF',
      gsi1sk: email,
      invitationExecution: expect.stringMatching(new RegExp(`^staff-invite-${staff.id}-\\d{10}$`)),
    });
    expect(await getStaff(staff.id)).toEqual(staff);
    expect(await scopesOf(staff.id)).toEqual(['site:alumni:admin', 'site:history:moderate']);
    expect(await permission(staff.id, 'site:history:moderate')).toMatchObject({
      entity: 'staff-permission',
      staffId: staff.id,
      scope: 'site:history:moderate',
      grantedBy: adminId,
    });
    expect(await emailItem(email)).toMatchObject({ staffId: staff.id });

    const taken = createInvitation({
      email: ` ${email.toUpperCase()} `,
      name: 'Other',
      scopes: [],
      invitedBy: adminId,
    });
    await expect(taken).rejects.toBeInstanceOf(StaffEmailTaken);
    await expect(taken).rejects.toMatchObject({ name: 'StaffEmailTaken' });
    await expect(
      createInvitation({
        email: address('x'),
        name: 'X',
        scopes: ['site:History:moderate'],
        invitedBy: adminId,
      }),
    ).rejects.toBeInstanceOf(InvalidStaffInput);
    // Nothing half-written by the refused invitations.
    const everyone = await listStaff({ limit: 100 });
    expect(everyone.items.filter((item) => item.staff.name === 'Other' || item.staff.name === 'X')).toEqual(
      [],
    );
  });

  it('setInvitationExecution hands the invitation to a new execution and drops the old token', async () => {
    const staff = await createInvitation({
      email: address('re'),
      name: 'Re',
      scopes: [],
      invitedBy: adminId,
    });
    const later = staffInvitationExecutionName(staff.id, new Date(Date.now() + 5000));
    expect(later).not.toBe(staff.invitationExecution);
    expect(later.length).toBeLessThanOrEqual(80);
    await setInvitationExecution(staff.id, later);
    const updated = await getStaff(staff.id);
    expect(updated?.invitationExecution).toBe(later);
    expect(updated?.invitationTaskToken).toBeUndefined();
    await expect(setInvitationExecution(adminId, later)).rejects.toBeInstanceOf(StaffNotInvited);
    await expect(setInvitationExecution(randomUUID(), later)).rejects.toBeInstanceOf(StaffNotInvited);
  });

  it('replaceScopes writes only the difference and revokes the sessions', async () => {
    const staff = await activeStaff(['site:history:moderate', 'site:alumni:moderate'], 'first-granter');
    const kept = await permission(staff.id, 'site:history:moderate');
    await putSessions(staff.id, 3);

    const result = await replaceScopes(staff.id, ['site:history:moderate', 'site:history:admin'], adminId);
    expect(result).toMatchObject({
      before: ['site:alumni:moderate', 'site:history:moderate'],
      after: ['site:history:admin', 'site:history:moderate'],
    });
    // The kept record is untouched (same granter and time); the new one names its granter; the removed one is gone.
    expect(await permission(staff.id, 'site:history:moderate')).toEqual(kept);
    expect(await permission(staff.id, 'site:history:admin')).toMatchObject({ grantedBy: adminId });
    expect(await permission(staff.id, 'site:alumni:moderate')).toBeUndefined();
    expect(await sessionsOf(staff.id)).toEqual([]);
    // The change moved the permissions version: sessions issued before it no longer count.
    expect((await getStaff(staff.id))?.permissionsVersion).toBe(1);

    // No change: nothing written, sessions kept.
    await putSessions(staff.id, 1);
    const before = await getStaff(staff.id);
    expect(
      await replaceScopes(staff.id, ['site:history:admin', 'site:history:moderate'], adminId),
    ).toMatchObject({
      before: ['site:history:admin', 'site:history:moderate'],
      after: ['site:history:admin', 'site:history:moderate'],
    });
    expect(await getStaff(staff.id)).toEqual(before);
    expect(await sessionsOf(staff.id)).toHaveLength(1);
    expect(await revokeStaffSessions(staff.id)).toBe(1);
    expect(await revokeStaffSessions(staff.id)).toBe(0);

    await expect(replaceScopes(randomUUID(), [], adminId)).rejects.toBeInstanceOf(StaffNotFound);
  });

  it('replaceScopes authorises against what each attempt replaces, also after a concurrent change', async () => {
    const staff = await activeStaff(['site:history:moderate'], 'raced');
    const seen: Scope[][] = [];
    // The first attempt's check lets a concurrent change of the same user commit before its own write.
    const result = await replaceScopes(
      staff.id,
      ['site:history:moderate', 'site:history:admin'],
      adminId,
      async (current) => {
        seen.push(current.scopes);
        if (seen.length === 1) await replaceScopes(staff.id, ['network:read'], adminId);
        else if (current.scopes.includes('network:read'))
          throw new Error('refused: not theirs to change any more');
      },
    ).catch((error: unknown) => error);
    expect(result).toMatchObject({ message: 'refused: not theirs to change any more' });
    expect(seen).toEqual([['site:history:moderate'], ['network:read']]);
    expect(await scopesOf(staff.id)).toEqual(['network:read']);
  });

  it('a staff session is written only at the permissions version its scopes were read at', async () => {
    const staff = await activeStaff(['site:history:admin', 'site:history:moderate'], 'signing-in');
    const access = await readStaffAccess(staff.id);
    await replaceScopes(staff.id, ['site:history:moderate'], adminId);
    await expect(createStaffSession(access!)).rejects.toBeInstanceOf(StaleStaffAccess);
    expect(await sessionsOf(staff.id)).toEqual([]);

    const fresh = await readStaffAccess(staff.id);
    expect(fresh).toMatchObject({ scopes: ['site:history:moderate'], staff: { permissionsVersion: 1 } });
    await createStaffSession(fresh!);
    expect(await sessionsOf(staff.id)).toMatchObject([
      { scopes: ['site:history:moderate'], permissionsVersion: 1 },
    ]);

    await deleteStaff(staff.id);
    await expect(createStaffSession(fresh!)).rejects.toBeInstanceOf(StaleStaffAccess);
    expect(await sessionsOf(staff.id)).toEqual([]);
  });

  it('granting and taking network admin moves the counter for active users only', async () => {
    const invited = await createInvitation({
      email: address('inv'),
      name: 'Inv',
      scopes: [],
      invitedBy: adminId,
    });
    await replaceScopes(invited.id, ['network:admin'], adminId);
    expect(await countActiveNetworkAdmins()).toBe(1);
    await activateInvitation(invited.id, invited.invitationExecution!, new Date().toISOString());
    expect(await countActiveNetworkAdmins()).toBe(2);
    await replaceScopes(invited.id, ['network:read'], adminId);
    expect(await countActiveNetworkAdmins()).toBe(1);
    await deleteStaff(invited.id);
  });

  it('the last network admin cannot be removed, even when two admins remove each other at once', async () => {
    for (let round = 0; round < 3; round++) {
      const other = await activeStaff(['network:admin', 'network:read'], adminId);
      expect(await countActiveNetworkAdmins()).toBe(2);
      const results = await Promise.allSettled([
        replaceScopes(other.id, ['network:read'], adminId),
        replaceScopes(adminId, ['network:read'], other.id),
      ]);
      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      const rejected = results.filter((result) => result.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(LastNetworkAdmin);
      expect(await countActiveNetworkAdmins()).toBe(1);
      // Exactly one of the two holds network admin now.
      const holders = [adminId, other.id];
      const admins = [];
      for (const id of holders) if ((await scopesOf(id)).includes('network:admin')) admins.push(id);
      expect(admins).toHaveLength(1);
      // Whoever is left is the admin of the next round; the other one goes.
      const remaining = admins[0]!;
      const gone = holders.find((id) => id !== remaining)!;
      await deleteStaff(gone);
      adminId = remaining;
    }
    await expect(replaceScopes(adminId, [], adminId)).rejects.toBeInstanceOf(LastNetworkAdmin);
    await expect(deleteStaff(adminId)).rejects.toBeInstanceOf(LastNetworkAdmin);
    expect(await scopesOf(adminId)).toContain('network:admin');
    expect(await countActiveNetworkAdmins()).toBe(1);
  });

  it('deleteStaff removes the user, address, permissions and sessions; repeating it is harmless', async () => {
    const staff = await activeStaff(['network:admin', 'site:history:moderate'], adminId);
    expect(await countActiveNetworkAdmins()).toBe(2);
    await putSessions(staff.id, 2);
    await deleteStaff(staff.id);
    expect(await partition(staff.id)).toEqual([]);
    expect(await emailItem(staff.email)).toBeUndefined();
    expect(await getStaff(staff.id)).toBeUndefined();
    expect(await countActiveNetworkAdmins()).toBe(1);
    await deleteStaff(staff.id);
    expect(await countActiveNetworkAdmins()).toBe(1);
    // The address is free again.
    const again = await createInvitation({
      email: staff.email,
      name: 'Back',
      scopes: [],
      invitedBy: adminId,
    });
    expect(await findStaffByEmail(staff.email)).toEqual(again);
    await deleteStaff(again.id);
    expect(await findStaffByEmail(staff.email)).toBeUndefined();
  });

  it('listStaff pages through every user by address with an opaque cursor', async () => {
    const all = await listStaff({ limit: 100 });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listStaff({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.items.map((item) => item.staff.id));
      cursor = page.cursor;
    } while (cursor);
    expect(ids).toEqual(all.items.map((item) => item.staff.id));
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const emails = all.items.map((item) => item.staff.email.toLowerCase());
    expect(emails).toEqual([...emails].sort());
    const admin = all.items.find((item) => item.staff.id === adminId);
    expect(admin?.scopes).toContain('network:admin');
    await expect(listStaff({ limit: 2, cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursor);
    const forged = Buffer.from(
      JSON.stringify({ pk: 'MEMBER#x', sk: 'PROFILE', gsi1pk: 'MEMBERS', gsi1sk: 'x' }),
    );
    await expect(listStaff({ limit: 2, cursor: forged.toString('base64url') })).rejects.toBeInstanceOf(
      InvalidCursor,
    );
  });
});
