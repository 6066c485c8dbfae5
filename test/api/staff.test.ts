/**
 * The staff API (`/staff`) against the real stand-ins: DynamoDB Local, the SES emulator (links read back from the
 * inbox) and the local Step Functions runtime running the real `statemachines/staff-invitation.asl.json` with its
 * task Lambdas. The first test is the "done when", through the API only.
 */
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { staffMessages } from '../../api/routes/staff.js';
import { createSession } from '../../core/auth/sessions.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { verifyStaffSessionToken } from '../../core/auth/staff-sessions.js';
import { bootstrapNetworkAdmin, getStaff } from '../../core/staff/repository.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';
import { awaitEmails, emailsTo, type StoredEmail } from '../helpers/inbox.js';
import {
  eventually,
  historyOf,
  startLocalSfn,
  statePath,
  type LocalSfn,
} from '../helpers/local-stepfunctions.js';
import { putActiveMember } from '../helpers/members.js';
import { putActiveStaff, staffSessionFor, uniqueEmail } from '../helpers/staff.js';
import { callApp, type AppCallOptions } from '../helpers/app-request.js';

const PUBLIC_API_URL = 'https://api.alumni.example.org';
const texts = {
  required: 'Authorization required',
  invalid: 'Invalid or expired token',
  forbidden: 'You do not have permission to perform this action',
  used: 'This link has already been used',
  expired: 'This link has expired',
};

let env: LocalAwsEnv;
let sfn: LocalSfn;
let stateMachineArn: string;
let app: ReturnType<typeof createApp>;
let admin: { id: string; email: string; token: string };

beforeAll(async () => {
  env = await useLocalAws('staff');
  sfn = await startLocalSfn();
  stateMachineArn = await sfn.createMachine('staff-invitation', 'statemachines/staff-invitation.asl.json');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: sfn.server.url,
    STAFF_INVITATION_STATE_MACHINE_ARN: stateMachineArn,
    STAFF_SIGN_IN_STATE_MACHINE_ARN: await sfn.createMachine(
      'staff-sign-in',
      'statemachines/staff-sign-in.asl.json',
    ),
    PUBLIC_API_URL,
    SITE_URL: 'https://alumni.example.org',
    EMAIL_SENDER: 'no-reply@alumni.localhost',
    SITES: 'history,alumni',
    SESSION_SIGNING_KEY: await generateSigningKeyJwk(),
  });
  delete process.env.SESSION_SIGNING_KEY_FILE;
  delete process.env.STAFF_INVITATION_TIMEOUT_SECONDS;
  app = createApp();
});

afterAll(async () => {
  await sfn?.stop();
});

// ------------------------------------------------------------------------------------------------ helpers

const call = (method: string, path: string, options?: AppCallOptions) => callApp(app, method, path, options);

function tokenIn(email: StoredEmail, page: 'signin' | 'accept'): string {
  const match = new RegExp(`/staff/${page}\\?token=([A-Za-z0-9_-]{43})\\b`).exec(email.body.text ?? '');
  if (!match?.[1]) throw new Error(`No /staff/${page} link in the email`);
  expect(email.body.text).toContain(`${PUBLIC_API_URL}/staff/${page}?token=`);
  return match[1];
}

/** Signs a staff user in through the API: POST /staff/login, the emailed link, POST /staff/redeem. */
async function signIn(email: string): Promise<string> {
  const before = (await emailsTo(env.sesUrl, email)).length;
  expect(await call('POST', '/staff/login', { body: { email } })).toMatchObject({ status: 200, body: 'OK' });
  const emails = await awaitEmails(env.sesUrl, email, before + 1);
  const redeemed = await call('POST', '/staff/redeem', {
    body: { token: tokenIn(emails.at(-1)!, 'signin') },
  });
  expect(redeemed.status).toBe(200);
  return (redeemed.body as { sessionToken: string }).sessionToken;
}

/** Invites through the API and returns the invited user's id and the emailed invitation token. */
async function inviteThroughApi(token: string, permissions: object, email = uniqueEmail('invitee')) {
  const response = await call('POST', '/staff', {
    token,
    body: { email, name: 'Mo Moderator', permissions },
  });
  expect(response.status).toBe(201);
  const { id } = response.body as { id: string };
  const [invitation] = await awaitEmails(env.sesUrl, email);
  return { id, email, inviteToken: tokenIn(invitation!, 'accept') };
}

async function executionStatus(executionName: string) {
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
  return (await sfn.client.send(new DescribeExecutionCommand({ executionArn }))).status;
}

const view = (id: string, email: string, status: string, permissions: object) => ({
  id,
  email,
  name: expect.any(String) as unknown,
  status,
  createdAt: expect.any(String) as unknown,
  permissions,
});

// ------------------------------------------------------------------------------------------------ tests

describe('the issue: invite a history moderator and check what they can do', () => {
  it('bootstrap, sign in by link, invite, accept from the inbox, me, no inviting, 404 for an alumni admin', async () => {
    // Bootstrap the first network admin (what `npm run staff:bootstrap` does) and sign in by emailed link.
    const adminEmail = uniqueEmail('ada');
    const bootstrapped = await bootstrapNetworkAdmin({ email: adminEmail, name: 'Ada Admin' });
    const adminToken = await signIn(adminEmail);
    admin = { id: bootstrapped.id, email: adminEmail, token: adminToken };
    expect(await verifyStaffSessionToken(adminToken)).toMatchObject({
      staffId: bootstrapped.id,
      scopes: ['network:admin', 'network:read'],
    });

    // Invite a moderator for history.
    const moderatorEmail = uniqueEmail('mo');
    const invited = await call('POST', '/staff', {
      token: adminToken,
      body: {
        email: moderatorEmail,
        name: 'Mo Moderator',
        permissions: { sites: { history: ['moderate'] } },
      },
    });
    expect(invited).toMatchObject({
      status: 201,
      body: view(expect.any(String) as never, moderatorEmail, 'invited', {
        network: [],
        sites: { history: ['moderate'] },
      }),
    });
    const moderatorId = (invited.body as { id: string }).id;

    // Accept from the inbox: the page shows a button and changes nothing; the POST accepts.
    const [invitation] = await awaitEmails(env.sesUrl, moderatorEmail);
    const inviteToken = tokenIn(invitation!, 'accept');
    const page = await call('GET', `/staff/accept?token=${inviteToken}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await getStaff(moderatorId))?.status).toBe('invited');
    const accepted = await call('POST', '/staff/accept', { body: { token: inviteToken } });
    expect(accepted).toMatchObject({
      status: 200,
      body: { staffId: moderatorId, scopes: ['site:history:moderate'], sessionToken: expect.any(String) },
    });
    expect(await call('POST', '/staff/accept', { body: { token: inviteToken } })).toMatchObject({
      status: 401,
      body: { detail: texts.used },
    });
    const moderatorToken = (accepted.body as { sessionToken: string }).sessionToken;

    // The workflow ran its happy path.
    const executionName = `staff-invite-${moderatorId}-`;
    const { executions = [] } = await sfn.client.send(new ListExecutionsCommand({ stateMachineArn }));
    const execution = executions.find((candidate) => candidate.name?.startsWith(executionName));
    expect(execution?.status).toBe('SUCCEEDED');
    expect(statePath(await historyOf(sfn.client, execution!.executionArn!))).toEqual([
      'LoadInvitation',
      'AwaitAcceptance',
      'ActivateStaff',
      'Accepted',
    ]);

    // The moderator's GET /staff/me shows history: moderate.
    expect(await call('GET', '/staff/me', { token: moderatorToken })).toEqual({
      status: 200,
      body: view(moderatorId, moderatorEmail, 'active', { network: [], sites: { history: ['moderate'] } }),
      headers: expect.anything() as unknown,
    });

    // The moderator cannot invite anyone.
    expect(
      await call('POST', '/staff', {
        token: moderatorToken,
        body: { email: uniqueEmail('x'), name: 'X', permissions: { sites: { history: ['moderate'] } } },
      }),
    ).toMatchObject({ status: 403, body: { detail: texts.forbidden } });

    // A site admin of alumni gets 404 for that moderator; a site admin of history sees them.
    const alumniAdmin = await putActiveStaff(['site:alumni:admin'], 'alumni-admin');
    expect(
      await call('GET', `/staff/${moderatorId}`, { token: await staffSessionFor(alumniAdmin.id) }),
    ).toMatchObject({ status: 404, body: { detail: staffMessages.notFound } });
    const historyAdmin = await putActiveStaff(['site:history:admin'], 'history-admin');
    expect(
      await call('GET', `/staff/${moderatorId}`, { token: await staffSessionFor(historyAdmin.id) }),
    ).toMatchObject({ status: 200, body: { id: moderatorId } });
  });
});

describe('sign-in', () => {
  /** The sign-in executions started so far, once all have ended (nothing more can be emailed by them). */
  async function signInsEnded(atLeast: number): Promise<number> {
    const stateMachineArn = process.env.STAFF_SIGN_IN_STATE_MACHINE_ARN!;
    return eventually(async () => {
      const { executions = [] } = await sfn.client.send(new ListExecutionsCommand({ stateMachineArn }));
      const ended =
        executions.length >= atLeast && executions.every((execution) => execution.status !== 'RUNNING');
      return ended ? executions.length : undefined;
    });
  }

  it('POST /staff/login answers OK for any address and emails only active staff users', async () => {
    const before = await signInsEnded(0);
    const nobody = uniqueEmail('nobody');
    expect(await call('POST', '/staff/login', { body: { email: nobody } })).toMatchObject({
      status: 200,
      body: 'OK',
    });
    const invited = await call('POST', '/staff', {
      token: admin.token,
      body: { email: uniqueEmail('pending'), name: 'Pat Pending', permissions: { network: ['read'] } },
    });
    const pendingEmail = (invited.body as { email: string }).email;
    await awaitEmails(env.sesUrl, pendingEmail);
    expect(await call('POST', '/staff/login', { body: { email: pendingEmail } })).toMatchObject({
      status: 200,
    });
    // Both requests' workflows have ended: whatever they were going to email is in the inbox now.
    expect(await signInsEnded(before + 2)).toBe(before + 2);
    expect(await emailsTo(env.sesUrl, nobody)).toHaveLength(0);
    // Only the invitation, no sign-in link.
    expect(await emailsTo(env.sesUrl, pendingEmail)).toHaveLength(1);
  });

  it('the sign-in page changes nothing; a link works once, for its own purpose only', async () => {
    const staff = await putActiveStaff(['site:history:moderate'], 'signer');
    await call('POST', '/staff/login', { body: { email: staff.email } });
    const [email] = await awaitEmails(env.sesUrl, staff.email);
    const token = tokenIn(email!, 'signin');
    const page = await call('GET', `/staff/signin?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("form-action 'none'");
    // A sign-in link does not accept an invitation.
    expect(await call('POST', '/staff/accept', { body: { token } })).toMatchObject({
      status: 401,
      body: { detail: texts.invalid },
    });
    const redeemed = await call('POST', '/staff/redeem', { body: { token } });
    expect(redeemed).toMatchObject({
      status: 200,
      body: { staffId: staff.id, scopes: ['site:history:moderate'], expiresAt: expect.any(String) },
    });
    const { expiresAt } = redeemed.body as { expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(12 * 3600_000);
    expect(await call('POST', '/staff/redeem', { body: { token } })).toMatchObject({
      status: 401,
      body: { detail: texts.used },
    });
    // A malformed body is a 422 in lumina's shape.
    expect(await call('POST', '/staff/redeem', { body: {} })).toMatchObject({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['body', 'token'] }] },
    });
  });

  it("staff and member tokens are never accepted for each other (lumina's 403); logout ends the staff session", async () => {
    const forbidden = { status: 403, body: { detail: 'You do not have permission to perform this action' } };
    const memberId = `member_${Date.now()}`;
    await putActiveMember({ id: memberId });
    const memberToken = (await createSession(memberId, 'redeem')).sessionToken;
    const staff = await putActiveStaff(['network:read'], 'reader');
    const staffToken = await staffSessionFor(staff.id);

    // A valid session of the other kind is signed in without the permission: 403, never access.
    expect(await call('GET', '/staff/me', { token: memberToken })).toMatchObject(forbidden);
    expect(await call('GET', '/auth/check/required', { token: staffToken })).toMatchObject(forbidden);
    expect(await call('GET', '/auth/check/optional', { token: staffToken })).toMatchObject(forbidden);
    expect(await call('GET', `/member/${memberId}`, { token: staffToken })).toMatchObject(forbidden);
    expect(await call('GET', '/staff/me')).toMatchObject({ status: 401, body: { detail: texts.required } });
    expect(await call('GET', '/member', { token: staffToken })).toMatchObject({ status: 200 });

    expect(await call('POST', '/staff/logout', { token: staffToken })).toMatchObject({
      status: 200,
      body: 'OK',
    });
    // Once ended, it is no session at all: 401 on staff and member routes alike.
    for (const path of ['/staff/me', '/auth/check/required', `/member/${memberId}`]) {
      expect(await call('GET', path, { token: staffToken })).toMatchObject({
        status: 401,
        body: { detail: texts.invalid },
      });
    }
  });
});

describe('listing and inviting', () => {
  it('GET /staff pages through the users the caller may see', async () => {
    const historyAdmin = await putActiveStaff(['site:history:admin'], 'lister');
    const mine = await putActiveStaff(['site:history:moderate'], 'mine');
    const notMine = await putActiveStaff(['site:alumni:moderate', 'site:history:moderate'], 'not-mine');

    async function all(token: string): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : 'limit=2';
        const page = await call('GET', `/staff?${query}`, { token });
        expect(page.status).toBe(200);
        const body = page.body as { items: { id: string }[]; cursor: string | null };
        expect(body.items.length).toBeLessThanOrEqual(2);
        ids.push(...body.items.map((item) => item.id));
        cursor = body.cursor;
      } while (cursor);
      return ids;
    }

    const seenByAdmin = await all(admin.token);
    expect(seenByAdmin).toEqual(expect.arrayContaining([admin.id, historyAdmin.id, mine.id, notMine.id]));
    const seenBySiteAdmin = await all(await staffSessionFor(historyAdmin.id));
    expect(seenBySiteAdmin).toEqual(expect.arrayContaining([historyAdmin.id, mine.id]));
    expect(seenBySiteAdmin).not.toContain(notMine.id);
    expect(seenBySiteAdmin).not.toContain(admin.id);
    expect(await call('GET', '/staff?cursor=bm90LWEtY3Vyc29y', { token: admin.token })).toMatchObject({
      status: 422,
      body: { detail: [{ loc: ['query', 'cursor'], msg: staffMessages.invalidCursor }] },
    });
  });

  it('refuses unknown sites (422), scopes the caller cannot grant (403) and a taken address (409)', async () => {
    const historyAdmin = await putActiveStaff(['site:history:admin'], 'inviter');
    const token = await staffSessionFor(historyAdmin.id);
    const body = (permissions: object, email = uniqueEmail('new')) => ({
      email,
      name: 'New One',
      permissions,
    });

    expect(
      await call('POST', '/staff', { token, body: body({ sites: { drama: ['moderate'] } }) }),
    ).toMatchObject({ status: 422, body: { detail: [{ loc: ['body', 'permissions', 'sites', 'drama'] }] } });
    for (const permissions of [{ sites: { alumni: ['moderate'] } }, { network: ['read'] }]) {
      expect(await call('POST', '/staff', { token, body: body(permissions) })).toMatchObject({
        status: 403,
        body: { detail: texts.forbidden },
      });
    }
    // Taken by a user the caller may see (here, themself): 409. (One they may not see: test/api/staff-security.)
    expect(
      await call('POST', '/staff', {
        token,
        body: body({ sites: { history: ['admin'] } }, historyAdmin.email),
      }),
    ).toMatchObject({ status: 409, body: { detail: staffMessages.emailTaken } });
    // snake_case keys are accepted.
    const created = await call('POST', '/staff', {
      token,
      body: {
        email: uniqueEmail('snake'),
        name: 'Sam Snake',
        permissions: { network: [], sites: { history: ['moderate'] } },
      },
    });
    expect(created.status).toBe(201);
  });
});

describe('permission changes', () => {
  it('a change revokes the target’s sessions; new sessions carry the new scopes', async () => {
    const target = await putActiveStaff(['site:history:moderate'], 'promoted');
    const oldToken = await staffSessionFor(target.id);
    expect(await call('GET', '/staff/me', { token: oldToken })).toMatchObject({ status: 200 });

    const changed = await call('PUT', `/staff/${target.id}/permissions`, {
      token: admin.token,
      body: { permissions: { sites: { history: ['moderate', 'admin'] } } },
    });
    expect(changed).toMatchObject({
      status: 200,
      body: view(target.id, target.email, 'active', {
        network: [],
        sites: { history: ['admin', 'moderate'] },
      }),
    });
    expect(await call('GET', '/staff/me', { token: oldToken })).toMatchObject({
      status: 401,
      body: { detail: texts.invalid },
    });
    const newToken = await signIn(target.email);
    expect(await verifyStaffSessionToken(newToken)).toMatchObject({
      scopes: ['site:history:admin', 'site:history:moderate'],
    });
  });

  it('a site admin changes only users and scopes within their sites', async () => {
    const historyAdmin = await putActiveStaff(['site:history:admin'], 'changer');
    const token = await staffSessionFor(historyAdmin.id);
    const ours = await putActiveStaff(['site:history:moderate'], 'ours');
    const theirs = await putActiveStaff(['site:alumni:moderate'], 'theirs');

    expect(
      await call('PUT', `/staff/${ours.id}/permissions`, {
        token,
        body: { permissions: { sites: { history: ['moderate'], alumni: ['moderate'] } } },
      }),
    ).toMatchObject({ status: 403, body: { detail: texts.forbidden } });
    expect(
      await call('PUT', `/staff/${theirs.id}/permissions`, {
        token,
        body: { permissions: { sites: { history: ['moderate'] } } },
      }),
    ).toMatchObject({ status: 404, body: { detail: staffMessages.notFound } });
    expect(
      await call('PUT', `/staff/${ours.id}/permissions`, { token, body: { permissions: { sites: {} } } }),
    ).toMatchObject({ status: 200, body: { permissions: { network: [], sites: {} } } });
  });

  it('nobody can raise their own permissions; anyone may give theirs up', async () => {
    const historyAdmin = await putActiveStaff(['site:history:admin'], 'self');
    const token = await staffSessionFor(historyAdmin.id);
    expect(
      await call('PUT', `/staff/${historyAdmin.id}/permissions`, {
        token,
        body: { permissions: { sites: { history: ['admin', 'moderate'] } } },
      }),
    ).toMatchObject({ status: 403, body: { detail: staffMessages.raiseOwn } });
    expect(
      await call('PUT', `/staff/${admin.id}/permissions`, {
        token: admin.token,
        body: { permissions: { network: ['admin', 'read'], sites: { history: ['moderate'] } } },
      }),
    ).toMatchObject({ status: 403, body: { detail: staffMessages.raiseOwn } });

    const moderator = await putActiveStaff(['site:history:moderate', 'site:alumni:moderate'], 'quitter');
    const moderatorToken = await staffSessionFor(moderator.id);
    expect(
      await call('PUT', `/staff/${moderator.id}/permissions`, {
        token: moderatorToken,
        body: { permissions: { sites: { alumni: ['moderate'] } } },
      }),
    ).toMatchObject({ status: 200, body: { permissions: { sites: { alumni: ['moderate'] } } } });
    // Their own sessions ended with the change too.
    expect(await call('GET', '/staff/me', { token: moderatorToken })).toMatchObject({ status: 401 });
  });
});

describe('deleting and reinviting', () => {
  it('deleting an invited user stops the pending invitation; its link has expired', async () => {
    const { id, inviteToken } = await inviteThroughApi(admin.token, { sites: { alumni: ['moderate'] } });
    const executionName = (await getStaff(id))!.invitationExecution!;
    await eventually(async () => ((await getStaff(id))?.invitationTaskToken ? true : undefined));
    expect(await executionStatus(executionName)).toBe('RUNNING');

    expect(await call('DELETE', `/staff/${id}`, { token: admin.token })).toMatchObject({
      status: 200,
      body: 'OK',
    });
    expect(await executionStatus(executionName)).toBe('ABORTED');
    expect(await getStaff(id)).toBeUndefined();
    expect(await call('GET', `/staff/${id}`, { token: admin.token })).toMatchObject({ status: 404 });
    expect(await call('POST', '/staff/accept', { body: { token: inviteToken } })).toMatchObject({
      status: 401,
      body: { detail: texts.expired },
    });
  });

  it('a site admin may not delete a user with permissions outside their sites; a deleted user’s token fails', async () => {
    const historyAdmin = await putActiveStaff(['site:history:admin'], 'deleter');
    const token = await staffSessionFor(historyAdmin.id);
    const mixed = await putActiveStaff(['site:history:moderate', 'network:read'], 'mixed');
    expect(await call('DELETE', `/staff/${mixed.id}`, { token })).toMatchObject({ status: 404 });
    const reader = await staffSessionFor(mixed.id);
    const ours = await putActiveStaff(['site:history:moderate'], 'doomed');
    const oursToken = await staffSessionFor(ours.id);
    expect(await call('DELETE', `/staff/${ours.id}`, { token })).toMatchObject({ status: 200 });
    expect(await call('GET', '/staff/me', { token: oursToken })).toMatchObject({
      status: 401,
      body: { detail: texts.invalid },
    });
    // A network reader sees but may not delete.
    expect(await call('DELETE', `/staff/${historyAdmin.id}`, { token: reader })).toMatchObject({
      status: 403,
      body: { detail: texts.forbidden },
    });
  });

  it('reinvite stops the old invitation and emails a new link; only the new link works', async () => {
    const {
      id,
      email,
      inviteToken: oldToken,
    } = await inviteThroughApi(admin.token, {
      sites: { history: ['moderate'] },
    });
    const firstExecution = (await getStaff(id))!.invitationExecution!;
    await eventually(async () => ((await getStaff(id))?.invitationTaskToken ? true : undefined));

    expect(await call('POST', `/staff/${id}/reinvite`, { token: admin.token })).toMatchObject({
      status: 200,
      body: 'OK',
    });
    expect(await executionStatus(firstExecution)).toBe('ABORTED');
    const emails = await awaitEmails(env.sesUrl, email, 2);
    const newToken = tokenIn(emails.at(-1)!, 'accept');
    expect(newToken).not.toBe(oldToken);
    await eventually(async () => ((await getStaff(id))?.invitationTaskToken ? true : undefined));

    expect(await call('POST', '/staff/accept', { body: { token: oldToken } })).toMatchObject({
      status: 401,
      body: { detail: texts.expired },
    });
    expect(await call('POST', '/staff/accept', { body: { token: newToken } })).toMatchObject({
      status: 200,
      body: { staffId: id },
    });
    expect(await call('POST', `/staff/${id}/reinvite`, { token: admin.token })).toMatchObject({
      status: 409,
      body: { detail: staffMessages.notInvited },
    });
  });
});

describe('the last network admin', () => {
  it('cannot lose network admin or be deleted; with a second admin they can', async () => {
    expect(
      await call('PUT', `/staff/${admin.id}/permissions`, {
        token: admin.token,
        body: { permissions: { network: ['read'] } },
      }),
    ).toMatchObject({ status: 409, body: { detail: staffMessages.lastNetworkAdmin } });
    expect(await call('DELETE', `/staff/${admin.id}`, { token: admin.token })).toMatchObject({
      status: 409,
      body: { detail: staffMessages.lastNetworkAdmin },
    });
    expect(await call('GET', '/staff/me', { token: admin.token })).toMatchObject({
      status: 200,
      body: { permissions: { network: ['admin', 'read'] } },
    });

    const second = await putActiveStaff(['network:admin'], 'second-admin');
    const secondToken = await staffSessionFor(second.id);
    expect(await call('DELETE', `/staff/${admin.id}`, { token: secondToken })).toMatchObject({ status: 200 });
    expect(await call('DELETE', `/staff/${second.id}`, { token: secondToken })).toMatchObject({
      status: 409,
      body: { detail: staffMessages.lastNetworkAdmin },
    });
  });
});
