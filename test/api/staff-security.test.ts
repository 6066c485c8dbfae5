/**
 * The staff findings of the November 2026 security audit (issue 12), replayed against the real components: the Hono
 * app, DynamoDB Local (behind a proxy that can hold one request, so a race is replayed in the order the audit
 * found, deterministically), the SES emulator and the real staff-invitation ASL on the local runtime.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app.js';
import { staffMessages } from '../../api/routes/staff.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { logger } from '../../core/logger.js';
import { hashLinkToken, releaseLinkClaim, type LinkItem } from '../../core/links.js';
import { bootstrapNetworkAdmin, findStaffByEmail, getStaff, scopesOf } from '../../core/staff/repository.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { awaitEmails, emailsTo, type StoredEmail } from '../helpers/inbox.js';
import { eventually, startLocalSfn, type LocalSfn } from '../helpers/local-stepfunctions.js';
import { putActiveMember } from '../helpers/members.js';
import { putActiveStaff, staffSessionFor, uniqueEmail } from '../helpers/staff.js';
import { callApp, type AppCallOptions } from '../helpers/app-request.js';

const PUBLIC_API_URL = 'https://api.alumni.example.org';
const expired = 'This link has expired';

let env: LocalAwsEnv;
let dynamo: FaultProxy;
let ses: FaultProxy;
let sfnProxy: FaultProxy;
let sfn: LocalSfn;
let app: ReturnType<typeof createApp>;
let admin: { id: string; email: string; token: string };

beforeAll(async () => {
  env = await useLocalAws('staff-security');
  // Every DynamoDB request of this file (the API's and the workflow tasks') goes through the proxy.
  dynamo = await startFaultProxy(env.dynamoDbEndpoint);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  ses = await startFaultProxy(env.sesUrl);
  process.env.AWS_ENDPOINT_URL_SES = ses.url;
  sfn = await startLocalSfn();
  // The API's Step Functions calls go through a proxy too (the test's own client talks to the runtime directly).
  sfnProxy = await startFaultProxy(sfn.server.url);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: sfnProxy.url,
    STAFF_INVITATION_STATE_MACHINE_ARN: await sfn.createMachine(
      'staff-invitation',
      'statemachines/staff-invitation.asl.json',
    ),
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
  const email = uniqueEmail('ada');
  const bootstrapped = await bootstrapNetworkAdmin({ email, name: 'Ada Admin' });
  admin = { id: bootstrapped.id, email, token: await staffSessionFor(bootstrapped.id) };
});

afterAll(async () => {
  await sfn?.stop();
  await dynamo?.stop();
  await ses?.stop();
  await sfnProxy?.stop();
});

// ------------------------------------------------------------------------------------------------ helpers

/** Status and body only: the assertions here compare whole answers. */
async function call(method: string, path: string, options?: AppCallOptions) {
  const { status, body } = await callApp(app, method, path, options);
  return { status, body };
}

function tokenIn(email: StoredEmail, page: 'signin' | 'accept'): string {
  const match = new RegExp(`/staff/${page}\\?token=([A-Za-z0-9_-]{43})\\b`).exec(email.body.text ?? '');
  if (!match?.[1]) throw new Error(`No /staff/${page} link in the email`);
  return match[1];
}

async function invite(permissions: object, email = uniqueEmail('invitee')) {
  const response = await call('POST', '/staff', {
    token: admin.token,
    body: { email, name: 'Ivy Invitee', permissions },
  });
  expect(response.status).toBe(201);
  const { id } = response.body as { id: string };
  const [invitation] = await awaitEmails(env.sesUrl, email);
  await waitingForAcceptance(id);
  return { id, email, inviteToken: tokenIn(invitation!, 'accept') };
}

/** Until the invitation execution has stored its task token (it waits for the link). */
function waitingForAcceptance(staffId: string, previous?: string) {
  return eventually(async () => {
    const token = (await getStaff(staffId))?.invitationTaskToken;
    return token && token !== previous ? token : undefined;
  });
}

/** A fresh sign-in link for an active staff user, from the inbox. */
async function signInLink(email: string): Promise<string> {
  const before = (await emailsTo(env.sesUrl, email)).length;
  expect(await call('POST', '/staff/login', { body: { email } })).toMatchObject({ status: 200 });
  return tokenIn((await awaitEmails(env.sesUrl, email, before + 1)).at(-1)!, 'signin');
}

/** The write of a staff session item of `staffId` (a PutItem, or the transaction that puts it). */
const sessionWriteOf =
  (staffId: string) =>
  ({ target, body }: ProxiedRequest) =>
    /\.(PutItem|TransactWriteItems)$/.test(target) &&
    body.includes(`"STAFF#${staffId}"`) &&
    body.includes('"SESSION#');

async function sessionItems(staffId: string) {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :session)',
      ExpressionAttributeValues: { ':pk': keys.staffPartition(staffId), ':session': 'SESSION#' },
      ConsistentRead: true,
    }),
  );
  return Items;
}

/** What a session can do: its permissions, and whether it can still create a history admin. */
async function powersOf(sessionToken: string) {
  const me = await call('GET', '/staff/me', { token: sessionToken });
  const created = await call('POST', '/staff', {
    token: sessionToken,
    body: {
      email: uniqueEmail('foothold'),
      name: 'Foot Hold',
      permissions: { sites: { history: ['admin'] } },
    },
  });
  return {
    me: me.status === 200 ? (me.body as { permissions: object }).permissions : me.status,
    created: created.status,
  };
}

// ------------------------------------------------------------------------------------------------ finding 2

describe('finding 2: a link from before a reinvite', () => {
  it('stays dead after the user accepts the new invitation', async () => {
    const { id, inviteToken: oldLink } = await invite({ sites: { history: ['moderate', 'admin'] } });
    const firstToken = (await getStaff(id))!.invitationTaskToken!;
    expect(await call('POST', `/staff/${id}/reinvite`, { token: admin.token })).toMatchObject({
      status: 200,
    });
    const email = (await getStaff(id))!.email;
    const newLink = tokenIn((await awaitEmails(env.sesUrl, email, 2)).at(-1)!, 'accept');
    await waitingForAcceptance(id, firstToken);

    expect(await call('POST', '/staff/accept', { body: { token: newLink } })).toMatchObject({
      status: 200,
      body: { staffId: id },
    });
    // The audit's demonstration: the old link, tried after the acceptance, signed in for 7 days.
    expect(await call('POST', '/staff/accept', { body: { token: oldLink } })).toEqual({
      status: 401,
      body: { detail: expired },
    });
    expect(await sessionItems(id)).toHaveLength(1);
  });

  it('signs the user in again only through the link that activated them, retried after a released claim', async () => {
    const { id, inviteToken: firstLink } = await invite({ sites: { alumni: ['moderate'] } });
    const firstToken = (await getStaff(id))!.invitationTaskToken!;
    expect(await call('POST', `/staff/${id}/reinvite`, { token: admin.token })).toMatchObject({
      status: 200,
    });
    const email = (await getStaff(id))!.email;
    const link = tokenIn((await awaitEmails(env.sesUrl, email, 2)).at(-1)!, 'accept');
    await waitingForAcceptance(id, firstToken);
    expect(await call('POST', '/staff/accept', { body: { token: link } })).toMatchObject({ status: 200 });

    // What a 503 (activation slower than the wait) leaves: the claim released, the acceptance kept on the link.
    const item = (
      await documentClient.send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.link(hashLinkToken(link)).pk },
          ConsistentRead: true,
        }),
      )
    ).Items![0] as LinkItem;
    expect(item.acceptedAt).toBe((await getStaff(id))!.activatedAt);
    await releaseLinkClaim(link, item.claimId!, ['sessionId']);

    expect(await call('POST', '/staff/accept', { body: { token: link } })).toMatchObject({
      status: 200,
      body: { staffId: id, scopes: ['site:alumni:moderate'] },
    });
    expect(await call('POST', '/staff/accept', { body: { token: firstLink } })).toEqual({
      status: 401,
      body: { detail: expired },
    });
  });
});

// ------------------------------------------------------------------------------------------------ finding 3

describe('finding 3: a sign-in racing a permission change', () => {
  const downgrade = { permissions: { sites: { history: ['moderate'] } } };

  it('a sign-in that read the scopes before a downgrade and writes its session after it gets no old scopes', async () => {
    const user = await putActiveStaff(['site:history:admin', 'site:history:moderate'], 'demoted');
    const link = await signInLink(user.email);

    // The audit's interleaving: the sign-in has read the old scopes; its session write waits while the downgrade
    // commits and revokes the user's sessions; then the write goes through.
    const held = dynamo.holdNext(sessionWriteOf(user.id));
    const redeeming = call('POST', '/staff/redeem', { body: { token: link } });
    await held.arrived;
    expect(
      await call('PUT', `/staff/${user.id}/permissions`, { token: admin.token, body: downgrade }),
    ).toMatchObject({ status: 200 });
    held.release();
    const redeemed = await redeeming;

    expect(redeemed).toMatchObject({ status: 200, body: { scopes: ['site:history:moderate'] } });
    const session = (redeemed.body as { sessionToken: string }).sessionToken;
    expect(await powersOf(session)).toEqual({
      me: { network: [], sites: { history: ['moderate'] } },
      created: 403,
    });
  });

  it('so does accepting an invitation', async () => {
    const { id, inviteToken } = await invite({ sites: { history: ['moderate', 'admin'] } });
    const held = dynamo.holdNext(sessionWriteOf(id));
    const accepting = call('POST', '/staff/accept', { body: { token: inviteToken } });
    await held.arrived;
    expect(
      await call('PUT', `/staff/${id}/permissions`, { token: admin.token, body: downgrade }),
    ).toMatchObject({
      status: 200,
    });
    held.release();
    const accepted = await accepting;

    expect(accepted).toMatchObject({ status: 200, body: { scopes: ['site:history:moderate'] } });
    expect(await powersOf((accepted.body as { sessionToken: string }).sessionToken)).toEqual({
      me: { network: [], sites: { history: ['moderate'] } },
      created: 403,
    });
  });

  it('a sign-in racing a deletion leaves no session behind', async () => {
    const user = await putActiveStaff(['site:history:moderate'], 'deleted');
    const link = await signInLink(user.email);
    const held = dynamo.holdNext(sessionWriteOf(user.id));
    const redeeming = call('POST', '/staff/redeem', { body: { token: link } });
    await held.arrived;
    expect(await call('DELETE', `/staff/${user.id}`, { token: admin.token })).toMatchObject({ status: 200 });
    held.release();

    expect(await redeeming).toMatchObject({ status: 401 });
    expect(await sessionItems(user.id)).toEqual([]);
  });

  it('a session item that outlived a downgrade (written after the revocation) does not count', async () => {
    const user = await putActiveStaff(['site:history:admin', 'site:history:moderate'], 'resurrected');
    const session = await staffSessionFor(user.id);
    const [stored] = await sessionItems(user.id);
    expect(
      await call('PUT', `/staff/${user.id}/permissions`, { token: admin.token, body: downgrade }),
    ).toMatchObject({
      status: 200,
    });
    expect(await sessionItems(user.id)).toEqual([]);
    // Written back as a sign-in's late PutItem would have written it, after the revocation's query.
    await documentClient.send(new PutCommand({ TableName: tableName(), Item: stored }));

    expect(await powersOf(session)).toEqual({ me: 401, created: 401 });
  });
});

// ------------------------------------------------------------------------------------------------ finding 14

describe('finding 14: a site admin’s permission change racing a network admin’s', () => {
  it('is judged against the scopes it replaces: a network grant in between makes the user unseen (404)', async () => {
    const siteAdmin = await putActiveStaff(['site:history:admin'], 'site-admin');
    const siteAdminToken = await staffSessionFor(siteAdmin.id);
    const target = await putActiveStaff(['site:history:moderate'], 'target');

    // The site admin's transaction waits; meanwhile a network admin grants the target `network: read`.
    const held = dynamo.holdNext(
      ({ target: operation, body }) =>
        operation.endsWith('.TransactWriteItems') &&
        body.includes(`"STAFF#${target.id}"`) &&
        body.includes('"PERMISSION#site#history#admin"'),
    );
    const siteAdminChange = call('PUT', `/staff/${target.id}/permissions`, {
      token: siteAdminToken,
      body: { permissions: { sites: { history: ['moderate', 'admin'] } } },
    });
    await held.arrived;
    expect(
      await call('PUT', `/staff/${target.id}/permissions`, {
        token: admin.token,
        body: { permissions: { network: ['read'], sites: { history: ['moderate'] } } },
      }),
    ).toMatchObject({ status: 200 });
    held.release();

    expect(await siteAdminChange).toEqual({ status: 404, body: { detail: staffMessages.notFound } });
    expect(await scopesOf(target.id)).toEqual(['network:read', 'site:history:moderate']);
  });

  it('DELETE /staff/{id} is judged the same way: a network grant in between keeps the user (404)', async () => {
    const siteAdmin = await putActiveStaff(['site:history:admin'], 'site-admin');
    const siteAdminToken = await staffSessionFor(siteAdmin.id);
    const target = await putActiveStaff(['site:history:moderate'], 'target');

    const held = dynamo.holdNext(
      ({ target: operation, body }) =>
        operation.endsWith('.TransactWriteItems') &&
        body.includes(`"STAFF#${target.id}"`) &&
        body.includes('"Delete"'),
    );
    const siteAdminDelete = call('DELETE', `/staff/${target.id}`, { token: siteAdminToken });
    await held.arrived;
    expect(
      await call('PUT', `/staff/${target.id}/permissions`, {
        token: admin.token,
        body: { permissions: { network: ['read'], sites: { history: ['moderate'] } } },
      }),
    ).toMatchObject({ status: 200 });
    held.release();

    expect(await siteAdminDelete).toEqual({ status: 404, body: { detail: staffMessages.notFound } });
    expect(await scopesOf(target.id)).toEqual(['network:read', 'site:history:moderate']);
  });
});

// ------------------------------------------------------------------------------------------------ finding 9

describe('finding 9: POST /staff by a site admin for an address they may not see', () => {
  it('answers as an invitation would, and stores and sends nothing', async () => {
    const siteAdmin = await putActiveStaff(['site:history:admin'], 'prober');
    const token = await staffSessionFor(siteAdmin.id);
    const hidden = await putActiveStaff(['site:alumni:moderate'], 'hidden');
    const body = (email: string) => ({
      email,
      name: 'Pro Be',
      permissions: { sites: { history: ['moderate'] } },
    });

    const fresh = await call('POST', '/staff', { token, body: body(uniqueEmail('fresh')) });
    const taken = await call('POST', '/staff', { token, body: body(hidden.email) });
    const takenByAdmin = await call('POST', '/staff', { token, body: body(admin.email) });
    const shape = (email: string) => ({
      status: 201,
      body: {
        id: expect.any(String) as unknown,
        email,
        name: 'Pro Be',
        status: 'invited',
        createdAt: expect.any(String) as unknown,
        permissions: { network: [], sites: { history: ['moderate'] } },
      },
    });
    expect(fresh).toEqual(shape((fresh.body as { email: string }).email));
    expect(taken).toEqual(shape(hidden.email));
    expect(takenByAdmin).toEqual(shape(admin.email));

    // Nothing was stored or sent: the address is still the hidden user's alone, who got no invitation.
    expect((await findStaffByEmail(hidden.email))?.id).toBe(hidden.id);
    expect(await getStaff((taken.body as { id: string }).id)).toBeUndefined();
    expect(await scopesOf(hidden.id)).toEqual(['site:alumni:moderate']);
    expect(await emailsTo(env.sesUrl, hidden.email)).toEqual([]);
    // Whoever may see the owner still learns that the address is taken.
    const visible = await putActiveStaff(['site:history:moderate'], 'visible');
    expect(await call('POST', '/staff', { token, body: body(visible.email) })).toEqual({
      status: 409,
      body: { detail: staffMessages.emailTaken },
    });
    expect(await call('POST', '/staff', { token: admin.token, body: body(hidden.email) })).toEqual({
      status: 409,
      body: { detail: staffMessages.emailTaken },
    });
  });
});

describe('finding 9: the time POST /staff/login takes', () => {
  /** What the request itself does before it answers: its DynamoDB operations (with the key kinds) and whether it
   * starts the sign-in workflow. The workflow is held at its start, so its own work is not counted. */
  async function workOf(email: string) {
    const started = sfnProxy.holdNext(({ target }) => target.endsWith('.StartExecution'));
    const recording = dynamo.record();
    const answering = call('POST', '/staff/login', { body: { email } });
    const first = await Promise.race([
      started.arrived.then(() => 'workflow started'),
      answering.then(() => 'answered'),
    ]);
    recording.stop();
    started.release();
    expect(await answering).toEqual({ status: 200, body: 'OK' });
    // Let the workflow finish before the next measurement.
    await eventually(async () => {
      const { executions = [] } = await sfn.client.send(
        new ListExecutionsCommand({
          stateMachineArn: process.env.STAFF_SIGN_IN_STATE_MACHINE_ARN,
          statusFilter: 'RUNNING',
        }),
      );
      return executions.length === 0 ? true : undefined;
    });
    const operations = recording.requests.map(({ target, body }) => ({
      operation: target.split('.').pop(),
      keys: [...body.matchAll(/"pk":\{"S":"([A-Z-]+)#/g)].map((match) => match[1]),
    }));
    return { first, operations };
  }

  it('is the same work for an active staff user’s address, an invited one’s and an unknown one', async () => {
    const active = await putActiveStaff(['site:history:moderate'], 'timed');
    const invited = (await invite({ sites: { history: ['moderate'] } })).email;
    const unknown = uniqueEmail('nobody');

    const expected = {
      first: 'workflow started',
      operations: [{ operation: 'PutItem', keys: ['STAFF-SIGNIN'] }],
    };
    // The audit measured about 20 ms for an active address and 6 ms for an unknown one: the lookup and the email
    // were done before answering. Now each request stores the request and starts the workflow, nothing else.
    for (const email of [active.email, unknown, invited, active.email]) {
      expect(await workOf(email)).toEqual(expected);
    }
    // The workflow did the rest: the active user got their links, nobody else anything.
    expect(await awaitEmails(env.sesUrl, active.email, 2)).toHaveLength(2);
    expect(await emailsTo(env.sesUrl, unknown)).toEqual([]);
    expect(await emailsTo(env.sesUrl, invited)).toHaveLength(1);
  });
});

// ------------------------------------------------------------------------------------------------ finding 8

describe('finding 8: a stranger using up a staff user’s sign-in allowance', () => {
  it('floods nothing and does not keep the staff user from signing in', async () => {
    // As at the audit: five at once.
    Object.assign(process.env, { SIGN_IN_EMAIL_BURST: '5', SIGN_IN_EMAIL_INTERVAL_SECONDS: '2' });
    try {
      const staff = await putActiveStaff(['network:admin'], 'locked-out');
      // The audit: nine requests for the address; five emails, then none until midnight.
      for (let attempt = 0; attempt < 9; attempt++) {
        expect(await call('POST', '/staff/login', { body: { email: staff.email } })).toEqual({
          status: 200,
          body: 'OK',
        });
      }
      const sent = await awaitEmails(env.sesUrl, staff.email, 5);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await emailsTo(env.sesUrl, staff.email)).toHaveLength(5);
      // The newest link works; one interval later the staff user gets a fresh one of their own.
      expect(
        await call('POST', '/staff/redeem', { body: { token: tokenIn(sent.at(-1)!, 'signin') } }),
      ).toMatchObject({ status: 200, body: { staffId: staff.id } });
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect(await call('POST', '/staff/login', { body: { email: staff.email } })).toMatchObject({
        status: 200,
      });
      const fresh = (await awaitEmails(env.sesUrl, staff.email, 6)).at(-1)!;
      expect(
        await call('POST', '/staff/redeem', { body: { token: tokenIn(fresh, 'signin') } }),
      ).toMatchObject({ status: 200, body: { staffId: staff.id } });
    } finally {
      delete process.env.SIGN_IN_EMAIL_BURST;
      delete process.env.SIGN_IN_EMAIL_INTERVAL_SECONDS;
    }
  });
});

// ------------------------------------------------------------------------------------------------ SES errors

describe('SES errors in logs and execution histories', () => {
  /** What SES answers in its sandbox for an unverified recipient: the message names the address. */
  const messageRejected = (address: string) => ({
    status: 400,
    contentType: 'text/xml',
    body:
      '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
      '<Code>MessageRejected</Code><Message>Email address is not verified. The following identities failed ' +
      `the check in region US-EAST-1: ${address}</Message></Error>` +
      '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
  });

  /** Every line the logger writes while `run` runs, at every level. */
  async function logLinesOf(run: (lines: string[]) => Promise<void>): Promise<string> {
    const lines: string[] = [];
    logger.setLogLevel('DEBUG');
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        lines.push(String(chunk));
        return true;
      }),
    );
    try {
      await run(lines);
    } finally {
      for (const spy of spies) spy.mockRestore();
      logger.setLogLevel('ERROR');
    }
    return lines.join('');
  }

  it('a refused staff sign-in email, member login email and invitation email log SES’s error name, not the address', async () => {
    const staff = await putActiveStaff(['site:history:moderate'], 'refused');
    const memberId = `refused_${Date.now()}`;
    const memberEmail = `${memberId}@example.com`;
    await putActiveMember({ id: memberId, email: memberEmail });
    const invitee = uniqueEmail('refused-invitee');
    let invitedId = '';

    const logged = await logLinesOf(async (lines) => {
      ses.failNext(1, messageRejected(staff.email));
      expect(await call('POST', '/staff/login', { body: { email: staff.email } })).toEqual({
        status: 200,
        body: 'OK',
      });
      // The sign-in workflow sends (and is refused) after the answer.
      await eventually(() =>
        Promise.resolve(
          lines.some((line) => line.includes('Staff sign-in email not sent')) ? true : undefined,
        ),
      );
      ses.failNext(1, messageRejected(memberEmail));
      expect((await call('POST', `/member/${memberId}/login`)).status).toBe(500);
      ses.failNext(1, messageRejected(invitee));
      const invited = await call('POST', '/staff', {
        token: admin.token,
        body: { email: invitee, name: 'Ref Used', permissions: { sites: { history: ['moderate'] } } },
      });
      expect(invited.status).toBe(201);
      invitedId = (invited.body as { id: string }).id;
      // The invitation workflow fails on the refusal and removes the invitation.
      await eventually(async () => ((await findStaffByEmail(invitee)) ? undefined : true));
    });

    expect(logged).toContain('Staff sign-in email not sent');
    expect(logged).toContain('Unhandled error');
    expect(logged).toContain('MessageRejected');
    for (const address of [staff.email, memberEmail, invitee]) expect(logged).not.toContain(address);

    const { executions = [] } = await sfn.client.send(
      new ListExecutionsCommand({ stateMachineArn: process.env.STAFF_INVITATION_STATE_MACHINE_ARN }),
    );
    const execution = executions.find((candidate) =>
      candidate.name?.startsWith(`staff-invite-${invitedId}-`),
    );
    expect(execution?.status).toBe('FAILED');
    const history = JSON.stringify(
      (await sfn.client.send(new GetExecutionHistoryCommand({ executionArn: execution!.executionArn })))
        .events,
    );
    expect(history).toContain('MessageRejected');
    expect(history).not.toContain(invitee);
  });
});
