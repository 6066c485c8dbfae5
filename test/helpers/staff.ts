/**
 * Staff users for API tests, made through the staff repository and activated as the invitation workflow leaves
 * them (so tests of routes need not run the workflow), and staff sessions carrying their current scopes.
 */
import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createStaffSession } from '../../core/auth/staff-sessions.js';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import type { Scope, StaffItem } from '../../core/staff/model.js';
import { createInvitation, getStaff, readStaffAccess } from '../../core/staff/repository.js';
import { NETWORK_ADMIN, incrementNetworkAdmins, transact } from '../../core/staff/store.js';

export const uniqueEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@staff.example.org`;

/** An invited staff user with `scopes`, as `POST /staff` leaves them (no execution is started). */
export async function putInvitedStaff(scopes: Scope[], label = 'invitee'): Promise<StaffItem> {
  return createInvitation({ email: uniqueEmail(label), name: `Test ${label}`, scopes, invitedBy: 'test' });
}

/** An active staff user with `scopes`: invited, then activated (and counted, for a network admin). */
export async function putActiveStaff(scopes: Scope[], label = 'staff'): Promise<StaffItem> {
  const invited = await putInvitedStaff(scopes, label);
  const now = new Date(Date.parse(invited.updatedAt) + 1).toISOString();
  const outcome = await transact([
    {
      Update: {
        TableName: tableName(),
        Key: keys.staff(invited.id),
        UpdateExpression:
          'SET #status = :active, activatedAt = :now, updatedAt = :now REMOVE invitationExecution, invitationTaskToken',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'active', ':now': now },
      },
    },
    ...(scopes.includes(NETWORK_ADMIN) ? [incrementNetworkAdmins(now)] : []),
  ]);
  if (!outcome.ok) throw new Error(`Could not activate a test staff user: ${outcome.reasons.join(', ')}`);
  return (await getStaff(invited.id))!;
}

/** A staff session token for the (active) user, with the scopes their records hold now. */
export async function staffSessionFor(staffId: string): Promise<string> {
  const access = await readStaffAccess(staffId);
  if (!access) throw new Error(`No staff user ${staffId}`);
  return (await createStaffSession(access)).sessionToken;
}

/** An update of the staff item outside the repository (e.g. the task token the workflow stores). */
export async function setStaffAttribute(staffId: string, name: string, value: unknown): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.staff(staffId),
      UpdateExpression: 'SET #name = :value',
      ExpressionAttributeNames: { '#name': name },
      ExpressionAttributeValues: { ':value': value },
    }),
  );
}
