import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createSession } from '../../core/auth/sessions.js';
import { generateSigningKeyJwk, loadSigningKey } from '../../core/auth/signing-key.js';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { hashLinkToken, issueLinkToken, type LinkItem, type LinkPurpose } from '../../core/links.js';
import type { MemberItem, MemberStatus } from '../../core/members/model.js';
import { useLocalAws } from '../helpers/aws-env.js';
import {
  receivedTaskToken,
  startLocalSfn,
  statePath,
  historyOf,
  type LocalSfn,
} from '../helpers/local-stepfunctions.js';

let sfn: LocalSfn;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  await useLocalAws('auth');
  sfn = await startLocalSfn();
  // Before the app's SFN client makes its first request: a client resolves its endpoint once.
  process.env.AWS_ENDPOINT_URL_SFN = sfn.server.url;
  delete process.env.SESSION_SIGNING_KEY_FILE;
  process.env.SESSION_SIGNING_KEY = await generateSigningKeyJwk();
  app = createApp();
});

afterAll(async () => {
  await sfn?.stop();
});

// ------------------------------------------------------------------------------------------------------ helpers

let memberCount = 0;
const newMemberId = (label: string) => `${label}_${++memberCount}_${Date.now().toString(36)}`;

async function putMember(memberId: string, status: MemberStatus = 'active', extra: Partial<MemberItem> = {}) {
  const now = new Date().toISOString();
  const consent = { granted: false, since: now };
  const item: MemberItem = {
    ...keys.member(memberId),
    entity: 'member',
    id: memberId,
    status,
    fullName: 'Fred Bloggs',
    email: `${memberId}@example.org`,
    phone: null,
    yearOfGraduation: 2001,
    consent: {
      consentNews: consent,
      consentNetwork: consent,
      consentMembers: consent,
      consentStudents: consent,
    },
    anonymousIds: [],
    registeredAt: now,
    createdAt: now,
    updatedAt: now,
    emailVerifiedAt: status === 'active' ? now : null,
    ...extra,
  };
  await documentClient.send(new PutCommand({ TableName: tableName(), Item: item }));
  return item;
}

async function link(memberId: string, purpose: LinkPurpose = 'login', validForSeconds = 3600) {
  return (await issueLinkToken(memberId, purpose, validForSeconds)).token;
}

async function linkItem(token: string): Promise<LinkItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.link(hashLinkToken(token)), ConsistentRead: true }),
  );
  return Item as LinkItem | undefined;
}

async function sessionIdsOf(memberId: string): Promise<string[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId), ':prefix': keys.sessionPrefix },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => item.sessionId as string);
}

/** Always a promise (Hono's `app.request` may answer synchronously), so callers can `Promise.all` it. */
function call(method: string, path: string, authorization?: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return Promise.resolve(
    app.request(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    }),
  );
}

async function expectStatus(response: Response, status: number, body?: unknown) {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (body !== undefined) expect(json).toEqual(body);
  return json;
}

const checkRequired = (authorization?: string) => call('GET', '/auth/check/required', authorization);
const checkOptional = (authorization?: string) => call('GET', '/auth/check/optional', authorization);
const redeem = (token: unknown) => call('POST', '/auth/redeem', undefined, { token });

interface Redemption {
  sessionToken: string;
  memberId: string;
  expiresAt: string;
}

async function redeemOk(token: string): Promise<Redemption> {
  return (await expectStatus(await redeem(token), 200)) as Redemption;
}

const required = { detail: 'Authorization required' };
const invalid = { detail: 'Invalid or expired token' };
const memberGone = { detail: 'Member no longer exists' };
const used = { detail: 'This link has already been used' };
const expired = { detail: 'This link has expired' };

async function signWith(privateKey: CryptoKey, claims: { sub: string; sid: string; exp: number }) {
  return new SignJWT({ sid: claims.sid })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject(claims.sub)
    .setIssuer('lumina')
    .setAudience('lumina-api')
    .setIssuedAt(claims.exp - 3600)
    .setExpirationTime(claims.exp)
    .sign(privateKey);
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

// -------------------------------------------------------------------------------------------- lumina's checks

describe('GET /auth/check/*', () => {
  // lumina's FastAPI `HTTPBearer`: a header of another scheme, or a Bearer without credentials, is no credential.
  const notBearer = ['', 'Basic Zm9vOmJhcg==', 'Bearer', 'Bearer ', 'Token abc'];

  it('required: 401 "Authorization required" without a header or with a non-Bearer one', async () => {
    await expectStatus(await checkRequired(), 401, required);
    for (const header of notBearer) await expectStatus(await checkRequired(header), 401, required);
    // Bearer credentials that are no token are a bad token, as on lumina.
    await expectStatus(await checkRequired('Bearer a b'), 401, invalid);
  });

  it('optional: nulls without a header or with a non-Bearer one, but a bad Bearer token is refused', async () => {
    await expectStatus(await checkOptional(), 200, { id: null, expiresAt: null });
    for (const header of notBearer) {
      await expectStatus(await checkOptional(header), 200, { id: null, expiresAt: null });
    }
    await expectStatus(await checkOptional('Bearer not.a.jwt'), 401, invalid);
    await expectStatus(await checkOptional('Bearer a b'), 401, invalid);
  });

  it('a login link becomes a session that both checks accept', async () => {
    const memberId = newMemberId('login');
    await putMember(memberId);
    const { sessionToken, memberId: redeemedFor, expiresAt } = await redeemOk(await link(memberId));
    expect(redeemedFor).toBe(memberId);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(13.9 * 24 * 3600 * 1000);

    await expectStatus(await checkRequired(`Bearer ${sessionToken}`), 200, { id: memberId, expiresAt });
    await expectStatus(await checkOptional(`bearer ${sessionToken}`), 200, { id: memberId, expiresAt });
  });

  it('401 "Invalid or expired token" for a tampered JWT, one signed by another key, and an expired one', async () => {
    const memberId = newMemberId('jwt');
    await putMember(memberId);
    const { sessionToken, sessionId } = await createSession(memberId, 'redeem');

    const [header, payload, signature] = sessionToken.split('.') as [string, string, string];
    const tamperedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone_else' }),
    ).toString('base64url');
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    const otherKey = await generateKeyPair('ES256');
    const ownKey = await loadSigningKey();
    const past = Math.floor(Date.now() / 1000) - 60;

    const refused = [
      `${header}.${tamperedPayload}.${signature}`,
      `${header}.${payload}.${flipped}`,
      await signWith(otherKey.privateKey, { sub: memberId, sid: sessionId, exp: inAnHour() }),
      await signWith(ownKey.privateKey, { sub: memberId, sid: sessionId, exp: past }),
      'garbage',
    ];
    for (const token of refused) await expectStatus(await checkRequired(`Bearer ${token}`), 401, invalid);
    // The same session with a good token still works: only the tokens above were wrong.
    await expectStatus(await checkRequired(`Bearer ${sessionToken}`), 200);
  });

  it('401 "Invalid or expired token" when the session item is gone or past validUntil', async () => {
    const memberId = newMemberId('ended');
    await putMember(memberId);
    const gone = await createSession(memberId, 'redeem');
    const lapsed = await createSession(memberId, 'redeem');
    await documentClient.send(
      new DeleteCommand({ TableName: tableName(), Key: keys.session(memberId, gone.sessionId) }),
    );
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.session(memberId, lapsed.sessionId),
        UpdateExpression: 'SET validUntil = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    await expectStatus(await checkRequired(`Bearer ${gone.sessionToken}`), 401, invalid);
    await expectStatus(await checkRequired(`Bearer ${lapsed.sessionToken}`), 401, invalid);
  });

  it('401 "Member no longer exists" when the profile is gone; "Invalid or expired token" for a pending member', async () => {
    const goneId = newMemberId('gone');
    await putMember(goneId);
    const goneSession = await createSession(goneId, 'redeem');
    await documentClient.send(new DeleteCommand({ TableName: tableName(), Key: keys.member(goneId) }));
    await expectStatus(await checkRequired(`Bearer ${goneSession.sessionToken}`), 401, memberGone);

    const pendingId = newMemberId('pending');
    await putMember(pendingId, 'pending');
    const pendingSession = await createSession(pendingId, 'redeem');
    await expectStatus(await checkRequired(`Bearer ${pendingSession.sessionToken}`), 401, invalid);
  });
});

// ---------------------------------------------------------------------------------------------------- redeem

describe('POST /auth/redeem', () => {
  it('redeems a link once: a second use (a double click) is refused', async () => {
    const memberId = newMemberId('once');
    await putMember(memberId);
    const token = await link(memberId);
    const results = await Promise.all([redeem(token), redeem(token)]);
    expect(results.map((response) => response.status).sort()).toEqual([200, 401]);
    await expectStatus(
      results.find((response) => response.status === 401)!,
      401,
      used,
    );
    await expectStatus(await redeem(token), 401, used);
    expect(await sessionIdsOf(memberId)).toHaveLength(1);
    expect((await linkItem(token))?.sessionId).toBe((await sessionIdsOf(memberId))[0]);
  });

  it('refuses an expired, unknown or malformed link with "Invalid or expired token"', async () => {
    const memberId = newMemberId('expired');
    await putMember(memberId);
    const token = await link(memberId);
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.link(hashLinkToken(token)),
        UpdateExpression: 'SET validUntil = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    await expectStatus(await redeem(token), 401, invalid);
    await expectStatus(await redeem('A'.repeat(43)), 401, invalid);
    await expectStatus(await redeem('not a token'), 401, invalid);
    expect(await sessionIdsOf(memberId)).toEqual([]);
  });

  it('refuses a login link of a pending member, or of one who no longer exists', async () => {
    const pendingId = newMemberId('pending_login');
    await putMember(pendingId, 'pending');
    await expectStatus(await redeem(await link(pendingId)), 401, invalid);
    await expectStatus(await redeem(await link(newMemberId('nobody'))), 401, memberGone);
  });

  it('validates the body in lumina’s 422 shape and accepts snake_case keys', async () => {
    const response = await call('POST', '/auth/redeem', undefined, { link_token: 'x' });
    await expectStatus(response, 422, {
      detail: [{ type: 'missing', loc: ['body', 'token'], msg: 'Field required' }],
    });
    await expectStatus(await call('POST', '/auth/redeem', undefined, '{"token": '), 400);

    const memberId = newMemberId('snake');
    await putMember(memberId);
    // camelizeKeys leaves `token` alone and drops nothing: a snake_case client's body parses the same.
    const redeemed = await call('POST', '/auth/redeem', undefined, {
      token: await link(memberId),
      site_id: 'x',
    });
    await expectStatus(redeemed, 200);
  });
});

// ---------------------------------------------------------------------------------------------------- logout

describe('logout', () => {
  it('POST /auth/logout ends the calling session only', async () => {
    const memberId = newMemberId('logout');
    await putMember(memberId);
    const first = await redeemOk(await link(memberId));
    const second = await redeemOk(await link(memberId));

    await expectStatus(await call('POST', '/auth/logout', `Bearer ${first.sessionToken}`), 200, 'OK');
    await expectStatus(await checkRequired(`Bearer ${first.sessionToken}`), 401, invalid);
    await expectStatus(await checkRequired(`Bearer ${second.sessionToken}`), 200);
    await expectStatus(await call('POST', '/auth/logout'), 401, required);
  });

  it('POST /auth/logout-all ends every session of the member', async () => {
    const memberId = newMemberId('everywhere');
    const otherId = newMemberId('bystander');
    await putMember(memberId);
    await putMember(otherId);
    const sessions = [await redeemOk(await link(memberId)), await redeemOk(await link(memberId))];
    const bystander = await redeemOk(await link(otherId));

    await expectStatus(
      await call('POST', '/auth/logout-all', `Bearer ${sessions[0]!.sessionToken}`),
      200,
      'OK',
    );
    for (const { sessionToken } of sessions) {
      await expectStatus(await checkRequired(`Bearer ${sessionToken}`), 401, invalid);
    }
    await expectStatus(await checkRequired(`Bearer ${bystander.sessionToken}`), 200);
  });
});

// ---------------------------------------------------------------------------------- lumina-era sites (DESIGN 3.2)

describe('a link token used as the Bearer token (lumina-era sites)', () => {
  it('works on every call for the session it started, until log out everywhere', async () => {
    const memberId = newMemberId('lumina');
    await putMember(memberId);
    const token = await link(memberId);
    const bearer = `Bearer ${token}`;

    const first = (await expectStatus(await checkRequired(bearer), 200)) as { id: string; expiresAt: string };
    expect(first.id).toBe(memberId);
    for (let i = 0; i < 3; i++) await expectStatus(await checkRequired(bearer), 200, first);
    await expectStatus(await checkOptional(bearer), 200, first);
    expect(await sessionIdsOf(memberId)).toHaveLength(1);
    // It was redeemed by that first use, so it no longer redeems.
    await expectStatus(await redeem(token), 401, used);

    await expectStatus(await call('POST', '/auth/logout-all', bearer), 200, 'OK');
    await expectStatus(await checkRequired(bearer), 401, invalid);
    await expectStatus(await checkOptional(bearer), 401, invalid);
  });

  it('parallel first calls (a site loading) all succeed on one session', async () => {
    const memberId = newMemberId('parallel');
    await putMember(memberId);
    const bearer = `Bearer ${await link(memberId)}`;
    const responses = await Promise.all(Array.from({ length: 4 }, () => checkRequired(bearer)));
    for (const response of responses) await expectStatus(response, 200);
    expect(await sessionIdsOf(memberId)).toHaveLength(1);
  });

  it('logout with the link token ends its session', async () => {
    const memberId = newMemberId('lumina_logout');
    await putMember(memberId);
    const bearer = `Bearer ${await link(memberId)}`;
    await expectStatus(await checkRequired(bearer), 200);
    await expectStatus(await call('POST', '/auth/logout', bearer), 200, 'OK');
    await expectStatus(await checkRequired(bearer), 401, invalid);
  });

  it('is refused once the link was redeemed through POST /auth/redeem (its holder got a session token)', async () => {
    const memberId = newMemberId('no_replay');
    await putMember(memberId);
    const token = await link(memberId);
    const { sessionToken } = await redeemOk(token);
    await expectStatus(await checkRequired(`Bearer ${token}`), 401, invalid);
    await expectStatus(await checkRequired(`Bearer ${sessionToken}`), 200);
  });

  it('an expired or unknown link token is refused', async () => {
    const memberId = newMemberId('lumina_expired');
    await putMember(memberId);
    const token = await link(memberId);
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.link(hashLinkToken(token)),
        UpdateExpression: 'SET validUntil = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    await expectStatus(await checkRequired(`Bearer ${token}`), 401, invalid);
    await expectStatus(await checkRequired(`Bearer ${'B'.repeat(43)}`), 401, invalid);
  });

  it('a staff or relay link, even one just redeemed, is no member credential: refused as invalid at once', async () => {
    for (const purpose of ['staff-login', 'staff-invite', 'relay-report'] as const) {
      const token = (await issueLinkToken(newMemberId(`other_${purpose}`), purpose, 3600)).token;
      // Redeemed a moment ago, as its own page does: the member path must not wait for a member session here.
      await documentClient.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.link(hashLinkToken(token)),
          UpdateExpression: 'SET redeemedAt = :now, sessionId = :session',
          ExpressionAttributeValues: { ':now': new Date().toISOString(), ':session': 'staff-session' },
        }),
      );
      await expectStatus(await checkRequired(`Bearer ${token}`), 401, invalid);
    }
  });
});

// ----------------------------------------------------------------------------------------- registration links

/**
 * The registration workflow's last steps: wait for the verification token, then the real ActivateMember task
 * (tasks/activate-member.ts), given what the registration workflow gives it.
 */
const verificationMachine = {
  StartAt: 'WaitForVerification',
  States: {
    WaitForVerification: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: '${RuntimeCallbackReceiverFunctionArn}',
        Payload: { 'key.$': '$$.Execution.Name', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSecondsPath: '$.timeoutSeconds',
      ResultPath: '$.verification',
      Next: 'ActivateMember',
    },
    ActivateMember: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: '${ActivateMemberFunctionArn}',
        Payload: {
          'memberId.$': '$.memberId',
          'requestId.$': '$.requestId',
          'executionName.$': '$$.Execution.Name',
          'anonymousId.$': '$.anonymousId',
          'verifiedAt.$': '$.verification.verifiedAt',
        },
      },
      ResultPath: null,
      End: true,
    },
  },
};

/** The same wait, but nothing activates the member afterwards. */
const neverActivatesMachine = {
  StartAt: 'WaitForVerification',
  States: {
    WaitForVerification: { ...verificationMachine.States.WaitForVerification, Next: undefined, End: true },
  },
};

let machineCount = 0;

/** A pending member whose registration execution waits for its verification; returns the execution's ARN. */
async function pendingRegistration(memberId: string, definition: object, timeoutSeconds = 600) {
  const machine = await sfn.createMachine(`verify-${++machineCount}`, definition);
  const executionName = `register-${memberId}`;
  const executionArn = await sfn.start(machine, executionName, {
    memberId,
    requestId: executionName,
    anonymousId: randomUUID(),
    timeoutSeconds,
  });
  const taskToken = await receivedTaskToken(executionName);
  await putMember(memberId, 'pending', {
    registrationExecution: executionName,
    verificationTaskToken: taskToken,
    emailVerifiedAt: null,
  });
  return executionArn;
}

describe('registration (verify) links', () => {
  it('redeeming resumes the workflow, which activates the member, then returns a session', async () => {
    const memberId = newMemberId('verify');
    const executionArn = await pendingRegistration(memberId, verificationMachine);
    const token = await link(memberId, 'verify');

    const { sessionToken } = await redeemOk(token);

    const execution = await sfn.finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(statePath(await historyOf(sfn.client, executionArn))).toEqual([
      'WaitForVerification',
      'ActivateMember',
    ]);
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName(), Key: keys.member(memberId), ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ status: 'active', emailVerifiedAt: expect.any(String), gsi1pk: 'MEMBERS' });
    expect(Item?.verificationTaskToken).toBeUndefined();
    expect(Item?.registrationExecution).toBeUndefined();
    expect(Item?.expiresAt).toBeUndefined();
    const address = await documentClient.send(
      new GetCommand({ TableName: tableName(), Key: keys.memberEmail(`${memberId}@example.org`) }),
    );
    expect(address.Item).toMatchObject({ memberId });
    await expectStatus(await checkRequired(`Bearer ${sessionToken}`), 200);
    await expectStatus(await redeem(token), 401, used);
  });

  it('works with the link token as Bearer too (a lumina-era site following a registration link)', async () => {
    const memberId = newMemberId('verify_bearer');
    const executionArn = await pendingRegistration(memberId, verificationMachine);
    const bearer = `Bearer ${await link(memberId, 'verify')}`;
    await expectStatus(await checkRequired(bearer), 200);
    await expectStatus(await checkRequired(bearer), 200);
    expect((await sfn.finished(executionArn)).status).toBe('SUCCEEDED');
  });

  it('"This link has expired" once the registration’s wait has timed out', async () => {
    const memberId = newMemberId('verify_late');
    const executionArn = await pendingRegistration(memberId, verificationMachine, 1);
    const token = await link(memberId, 'verify');
    expect((await sfn.finished(executionArn)).status).toBe('FAILED');
    await expectStatus(await redeem(token), 401, expired);
    expect(await sessionIdsOf(memberId)).toEqual([]);
  });

  it('503 when the member is not activated in time; the link can then be used again', async () => {
    const memberId = newMemberId('verify_slow');
    const executionArn = await pendingRegistration(memberId, neverActivatesMachine);
    const token = await link(memberId, 'verify');

    const response = await redeem(token);
    const body = (await expectStatus(response, 503)) as { detail: string };
    expect(body.detail).toMatch(/taking longer than expected/);
    expect((await sfn.finished(executionArn)).status).toBe('SUCCEEDED');
    expect((await linkItem(token))?.redeemedAt).toBeUndefined();
    expect(await sessionIdsOf(memberId)).toEqual([]);

    // The workflow's activation lands late; the same link now signs the member in.
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.member(memberId),
        UpdateExpression: 'SET #status = :active REMOVE verificationTaskToken',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'active' },
      }),
    );
    await redeemOk(token);
  }, 30_000);
});

// ------------------------------------------------------------------------------------------------- the page

describe('GET /auth (the emailed link page)', () => {
  it('shows a Confirm page under a strict CSP and does not redeem the link', async () => {
    const memberId = newMemberId('page');
    await putMember(memberId);
    const token = await link(memberId);

    const response = await app.request(`/auth?token=${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('Confirm');
    expect(html).not.toContain(token);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);

    // Opening the page (or a mail scanner fetching it) changed nothing.
    expect((await linkItem(token))?.redeemedAt).toBeUndefined();
    await redeemOk(token);
  });

  it('the CSP hash matches the inline script exactly', async () => {
    const response = await app.request('/auth');
    const html = await response.text();
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(script).digest('base64');
    expect(response.headers.get('content-security-policy')).toContain(`'sha256-${hash}'`);
    // And it parses (a syntax error would leave the page inert, with nothing in any test failing): compiled as the
    // classic script a browser runs, not run.
    const { Script } = await import('node:vm');
    expect(() => new Script(script)).not.toThrow();
  });
});

describe('OpenAPI', () => {
  it('documents the auth routes', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, object> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/auth',
        '/auth/check/required',
        '/auth/check/optional',
        '/auth/redeem',
        '/auth/logout',
        '/auth/logout-all',
      ]),
    );
  });
});
