/**
 * lumina's member API against the real stand-ins: DynamoDB Local, the SES emulator (emails read back from its
 * store) and the local Step Functions endpoint, on which `registration` is a machine that only waits, so the tests
 * see exactly which execution POST /member/{id} started, with which name and input.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, ListExecutionsCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { createSession } from '../../core/auth/sessions.js';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { hashLinkToken, issueLinkToken } from '../../core/links.js';
import { logger } from '../../core/logger.js';
import { ConcurrentChangeError, updateProfile } from '../../core/members/account.js';
import type { MemberItem } from '../../core/members/model.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';
import { awaitEmails, emailsTo, linkTokenIn } from '../helpers/inbox.js';
import { startLocalSfn, type LocalSfn } from '../helpers/local-stepfunctions.js';
import { memberSnapshot, putActiveMember, putPendingMember, putSubmission } from '../helpers/members.js';
import { putActiveStaff, staffSessionFor } from '../helpers/staff.js';
import { bootstrapNetworkAdmin } from '../../core/staff/repository.js';

const SITE_URL = 'https://alumni.example.org';

/** A registration machine that only waits, so an execution stays RUNNING while a test looks at it. */
const waitingRegistration = {
  Comment: 'Stand-in for the registration workflow: API tests look at the execution, not at what it does.',
  StartAt: 'Wait',
  States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } },
};

let env: LocalAwsEnv;
let stepFunctions: LocalSfn;
let registrationArn: string;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  env = await useLocalAws('members');
  stepFunctions = await startLocalSfn();
  registrationArn = await stepFunctions.createMachine('registration', waitingRegistration);
  // Before the app's clients make their first request: a client resolves its endpoint once.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: stepFunctions.server.url,
    REGISTRATION_STATE_MACHINE_ARN: registrationArn,
    SITE_URL,
    EMAIL_SENDER: 'no-reply@alumni.localhost',
    SESSION_SIGNING_KEY: await generateSigningKeyJwk(),
  });
  app = createApp();
});

afterAll(async () => {
  await stepFunctions.stop();
});

// ------------------------------------------------------------------------------------------------ helpers

interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (malformed JSON, say). */
  rawBody?: string;
  contentType?: string;
}

async function call(method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await app.request(path, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function sessionFor(memberId: string): Promise<string> {
  return (await createSession(memberId, 'redeem')).sessionToken;
}

const uniqueId = (label: string) => `${label}_${randomUUID().slice(0, 8)}`;

function registration(overrides: Record<string, unknown> = {}) {
  return {
    anonymousId: randomUUID(),
    fullName: 'Fred Bloggs',
    email: `${uniqueId('fred')}@bloggs.com`,
    yearOfGraduation: 1980,
    consent: { consentNews: true, consentNetwork: false, consentMembers: true, consentStudents: false },
    ...overrides,
  };
}

async function executionsFor(memberId: string) {
  const { executions = [] } = await stepFunctions.client.send(
    new ListExecutionsCommand({ stateMachineArn: registrationArn, maxResults: 1000 }),
  );
  return executions.filter((execution) => execution.name?.startsWith(`reg-${memberId}-`));
}

/** What these tests read of a stored submission. */
interface StoredSubmission {
  gsi1pk: string;
  submitter: { id: string };
}

async function getItem(key: { pk: string; sk: string }) {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  return Item;
}

async function queryPartition(pk: string) {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Items;
}

const sha16 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

// ------------------------------------------------------------------------------------------------ tests

describe('GET /member/{id}/check', () => {
  it.each([
    ['fred@bloggs.com', 'fr***@bl***.com'],
    ['alice.bloggs@gmail.co.uk', 'al***@gm***.uk'],
  ])('answers an active member with the masked address (%s → %s)', async (email, maskedEmail) => {
    const id = uniqueId('check');
    await putActiveMember({ id, email });
    const response = await call('GET', `/member/${id}/check`);
    expect(response).toEqual({ status: 200, body: { id, maskedEmail } });
  });

  it('answers 404 for unknown ids and for pending registrations alike', async () => {
    const pending = uniqueId('pending');
    await putPendingMember({ id: pending, email: `${pending}@example.com` });
    for (const id of [uniqueId('nobody'), pending]) {
      expect(await call('GET', `/member/${id}/check`)).toEqual({
        status: 404,
        body: { detail: 'Member not found' },
      });
    }
  });

  it('answers 422 with loc ["path","id"] for an id lumina never issues', async () => {
    const response = await call('GET', `/member/${encodeURIComponent('Fred Bloggs')}/check`);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ detail: [{ loc: ['path', 'id'] }] });
  });
});

describe('POST /member/{id}', () => {
  it('starts the registration workflow named after the request, with ids only in its input', async () => {
    const id = uniqueId('reg');
    const body = registration({ yearOfGraduation: '1980', fullName: '  Fred Bloggs ' });
    expect(await call('POST', `/member/${id}`, { body })).toEqual({ status: 200, body: 'OK' });

    const [execution, ...others] = await executionsFor(id);
    expect(others).toEqual([]);
    const described = await stepFunctions.client.send(
      new DescribeExecutionCommand({ executionArn: execution!.executionArn }),
    );
    // The name hashes the request (keys sorted at every level, the registration as validated: "1980" → 1980,
    // name trimmed), so a repeat is the same execution.
    const validated = {
      anonymousId: body.anonymousId,
      consent: { consentMembers: true, consentNetwork: false, consentNews: true, consentStudents: false },
      email: body.email,
      fullName: 'Fred Bloggs',
      yearOfGraduation: 1980,
    };
    const requestId = `reg-${id}-${sha16(JSON.stringify({ memberId: id, registration: validated }))}`;
    expect(described.name).toBe(requestId);
    // Step Functions keeps inputs for 90 days, out of an erasure's reach: the details go to the table instead.
    expect(described.input).toBe(JSON.stringify({ memberId: id, requestId }));
    expect(await getItem(keys.registrationRequest(requestId))).toMatchObject({
      memberId: id,
      registration: validated,
    });
    expect(described.status).toBe('RUNNING');
    // The API does not write the member: the workflow reserves it.
    expect(await getItem(keys.member(id))).toBeUndefined();
  });

  it('treats a double click, a retry and the same body in snake_case as one registration', async () => {
    const id = uniqueId('twice');
    const body = registration();
    const snake = {
      anonymous_id: body.anonymousId,
      full_name: body.fullName,
      email: body.email,
      year_of_graduation: body.yearOfGraduation,
      consent: { consent_news: true, consent_network: false, consent_members: true, consent_students: false },
    };
    const responses = await Promise.all([
      call('POST', `/member/${id}`, { body }),
      call('POST', `/member/${id}`, { body }),
      call('POST', `/member/${id}`, { body: snake }),
    ]);
    expect(responses).toEqual(Array(3).fill({ status: 200, body: 'OK' }));
    expect(await executionsFor(id)).toHaveLength(1);
  });

  it('starts a fresh execution when the same body was used by a registration that has finished', async () => {
    const id = uniqueId('again');
    const body = registration({ yearOfGraduation: null });
    await call('POST', `/member/${id}`, { body });
    const [first] = await executionsFor(id);
    await stepFunctions.client.send(new StopExecutionCommand({ executionArn: first!.executionArn }));

    expect(await call('POST', `/member/${id}`, { body })).toEqual({ status: 200, body: 'OK' });
    const executions = await executionsFor(id);
    expect(executions).toHaveLength(2);
    const second = executions.find((execution) => execution.executionArn !== first!.executionArn)!;
    expect(second.name).toMatch(new RegExp(`^${first!.name}-\\d{10}$`));
    expect(second.status).toBe('RUNNING');
  });

  it('answers 409 Member already exists for an active or a pending member, starting nothing', async () => {
    const active = uniqueId('taken');
    const pending = uniqueId('squat');
    await putActiveMember({ id: active });
    await putPendingMember({ id: pending });
    for (const id of [active, pending]) {
      expect(await call('POST', `/member/${id}`, { body: registration() })).toEqual({
        status: 409,
        body: { detail: 'Member already exists' },
      });
      expect(await executionsFor(id)).toEqual([]);
    }
  });

  it('answers 422 in lumina shape for a bad body and a bad id, starting nothing', async () => {
    const id = uniqueId('bad');
    const { fullName: _fullName, ...withoutName } = registration({ email: 'not-an-email' });
    const response = await call('POST', `/member/${id}`, { body: withoutName });
    expect(response.status).toBe(422);
    expect((response.body as { detail: unknown[] }).detail).toEqual(
      expect.arrayContaining([
        { type: 'missing', loc: ['body', 'fullName'], msg: 'Field required' },
        expect.objectContaining({ loc: ['body', 'email'], msg: 'value is not a valid email address' }),
      ]),
    );

    const wrongTypes = await call('POST', `/member/${id}`, {
      body: registration({ yearOfGraduation: 'nineteen eighty', consent: { consentNews: 'yes' } }),
    });
    expect(wrongTypes.status).toBe(422);
    const locs = (wrongTypes.body as { detail: { loc: unknown[] }[] }).detail.map((issue) => issue.loc);
    expect(locs).toEqual(
      expect.arrayContaining([
        ['body', 'yearOfGraduation'],
        ['body', 'consent', 'consentNews'],
      ]),
    );

    const longName = await call('POST', `/member/${id}`, {
      body: registration({ fullName: 'x'.repeat(101) }),
    });
    expect(longName.status).toBe(422);
    expect(longName.body).toMatchObject({ detail: [{ loc: ['body', 'fullName'] }] });

    const badId = await call('POST', '/member/Fred-Bloggs', { body: registration() });
    expect(badId.status).toBe(422);
    expect(badId.body).toMatchObject({ detail: [{ loc: ['path', 'id'] }] });
    expect(await executionsFor(id)).toEqual([]);
  });

  it('answers malformed JSON with 400, a wrong content type with 415, a huge body with 413', async () => {
    const id = uniqueId('junk');
    expect(await call('POST', `/member/${id}`, { rawBody: '{"fullName": ' })).toEqual({
      status: 400,
      body: { detail: 'Malformed JSON in request body' },
    });
    expect(
      await call('POST', `/member/${id}`, {
        rawBody: JSON.stringify(registration()),
        contentType: 'text/plain',
      }),
    ).toEqual({ status: 415, body: { detail: 'Unsupported Media Type' } });
    expect(
      await call('POST', `/member/${id}`, { body: registration({ fullName: 'x'.repeat(100_000) }) }),
    ).toEqual({
      status: 413,
      body: { detail: 'Request body too large' },
    });
    expect(await executionsFor(id)).toEqual([]);
  });
});

describe('authentication and authorisation', () => {
  it('answers 401 without a header and for a token that does not verify', async () => {
    const id = uniqueId('auth');
    await putActiveMember({ id });
    expect(await call('GET', `/member/${id}`)).toEqual({
      status: 401,
      body: { detail: 'Authorization required' },
    });
    expect(await call('GET', `/member/${id}`, { token: 'not.a.jwt' })).toEqual({
      status: 401,
      body: { detail: 'Invalid or expired token' },
    });
  });

  it('refuses a session opened for an earlier profile of the id (an erased member whose id was registered again)', async () => {
    const id = uniqueId('reused');
    // A session item left by a sign-in that raced the erasure of the id's earlier profile.
    const stale = await createSession(id, 'redeem', undefined, randomUUID());
    await putActiveMember({ id });
    expect(await call('GET', `/member/${id}`, { token: stale.sessionToken })).toEqual({
      status: 401,
      body: { detail: 'Member no longer exists' },
    });
    // A session of the profile itself works.
    const own = await createSession(id, 'redeem', undefined, (await getItem(keys.member(id)))?.uid as string);
    expect((await call('GET', `/member/${id}`, { token: own.sessionToken })).status).toBe(200);
  });

  it('lets a member act on themselves only, with lumina texts', async () => {
    const me = uniqueId('me');
    const other = uniqueId('other');
    await putActiveMember({ id: me });
    await putActiveMember({ id: other });
    const token = await sessionFor(me);
    const consent = { consentNews: true, consentNetwork: true, consentMembers: true, consentStudents: true };
    const cases: [string, string, string, unknown?][] = [
      ['GET', `/member/${other}`, 'You cannot read another member'],
      ['PUT', `/member/${other}`, 'You cannot update another member', { phone: null, consent }],
      ['DELETE', `/member/${other}`, 'You cannot delete another member'],
      ['GET', `/member/${other}/consent`, 'You cannot read another member'],
      ['GET', `/member/${other}/export`, 'You cannot read another member'],
    ];
    const before = await memberSnapshot(other, `${other}@example.com`);
    for (const [method, path, detail, body] of cases) {
      expect(await call(method, path, { token, body }), `${method} ${path}`).toEqual({
        status: 403,
        body: { detail },
      });
    }
    expect(await memberSnapshot(other, `${other}@example.com`)).toEqual(before);
  });
});

describe('GET /member/{id}', () => {
  it('returns the private shape', async () => {
    const id = uniqueId('self');
    const member = await putActiveMember({ id, email: `${id}@example.com`, phone: '01234 567890' });
    const response = await call('GET', `/member/${id}`, { token: await sessionFor(id) });
    expect(response).toEqual({
      status: 200,
      body: {
        id,
        createdAt: member.createdAt,
        email: `${id}@example.com`,
        emailVerified: true,
        emailVerifiedAt: member.emailVerifiedAt,
        phone: '01234 567890',
        yearOfGraduation: 1980,
        consent: { consentNews: false, consentNetwork: false, consentMembers: false, consentStudents: false },
        anonymousIds: member.anonymousIds,
        isAdmin: false,
      },
    });
  });
});

describe('GET /member and /member/', () => {
  it("is for staff with network:read only: 401 without a valid session, lumina's 403 for a member or without read", async () => {
    const forbidden = { status: 403, body: { detail: 'You do not have permission to perform this action' } };
    const invalid = { status: 401, body: { detail: 'Invalid or expired token' } };
    const id = uniqueId('plain');
    await putActiveMember({ id });
    const memberToken = await sessionFor(id);
    const endedToken = await sessionFor(id);
    expect((await call('POST', '/auth/logout', { token: endedToken })).status).toBe(200);
    // A lumina-era site's Bearer: the emailed link token, a session once a member route has used it.
    const linkSession = (await issueLinkToken(id, 'login', 3600)).token;
    expect((await call('GET', `/member/${id}`, { token: linkSession })).status).toBe(200);
    const unusedLink = (await issueLinkToken(id, 'login', 3600)).token;
    const moderator = await putActiveStaff(['site:history:moderate'], 'moderator');
    const moderatorToken = await staffSessionFor(moderator.id);
    for (const path of ['/member', '/member/']) {
      expect(await call('GET', path)).toEqual({ status: 401, body: { detail: 'Authorization required' } });
      // A valid session without the permission: lumina's answer to a member (a 401 would sign the member out).
      expect(await call('GET', path, { token: memberToken })).toEqual(forbidden);
      expect(await call('GET', path, { token: linkSession })).toEqual(forbidden);
      expect(await call('GET', path, { token: moderatorToken })).toEqual(forbidden);
      // No valid session: an ended one, a link not yet used (it is not used up here), garbage.
      expect(await call('GET', path, { token: endedToken })).toEqual(invalid);
      expect(await call('GET', path, { token: unusedLink })).toEqual(invalid);
      expect(await call('GET', path, { token: 'not.a.token' })).toEqual(invalid);
    }
    expect((await call('GET', `/member/${id}`, { token: unusedLink })).status).toBe(200);
  });

  it('lists every active member in the private shape, past a 1 MB page, without pending ones', async () => {
    // isAdmin: the member's address is an active network admin's (the bootstrapped admin's, here).
    const admin = uniqueId('admin');
    const adminStaff = await bootstrapNetworkAdmin({ email: `${admin}@example.com`, name: 'Ada Admin' });
    await putActiveMember({ id: admin });
    const reader = uniqueId('reader');
    await putActiveMember({ id: reader });
    const readerStaff = await putActiveStaff(['network:read'], 'reader');
    const pending = uniqueId('waiting');
    await putPendingMember({ id: pending });
    // 14 items of ~90 KB: more than one 1 MB page of the index.
    const bulky = Array.from(
      { length: 14 },
      (_, i) => `bulk_${i.toString().padStart(2, '0')}_${randomUUID().slice(0, 4)}`,
    );
    for (const id of bulky) await putActiveMember({ id, fullName: 'x'.repeat(90_000) });
    const firstPage = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'MEMBERS' },
      }),
    );
    expect(firstPage.LastEvaluatedKey).toBeDefined();
    for (const staffId of [adminStaff.id, readerStaff.id]) {
      const token = await staffSessionFor(staffId);
      for (const path of ['/member', '/member/']) {
        const response = await call('GET', path, { token });
        expect(response.status).toBe(200);
        const members = response.body as { id: string; isAdmin: boolean; emailVerified: boolean }[];
        const ids = members.map((member) => member.id);
        expect(ids).toEqual(expect.arrayContaining([admin, reader, ...bulky]));
        expect(ids).not.toContain(pending);
        expect(ids).toEqual([...ids].sort());
        expect(members.every((member) => member.emailVerified)).toBe(true);
        expect(members.filter((member) => member.isAdmin).map((member) => member.id)).toEqual([admin]);
        expect(JSON.stringify(members)).not.toContain('fullName');
      }
    }
    // The member's own profile says so too.
    expect(await call('GET', `/member/${admin}`, { token: await sessionFor(admin) })).toMatchObject({
      status: 200,
      body: { id: admin, isAdmin: true },
    });
  });
});

describe('PUT /member/{id} and GET /member/{id}/consent', () => {
  it('keeps the original grant date of an unchanged consent and records a withdrawal in the ledger', async () => {
    const id = uniqueId('consent');
    const registeredAt = '2026-01-02T03:04:05.000Z';
    await putActiveMember({ id, registeredAt, consent: { consentNews: true, consentNetwork: true } });
    const token = await sessionFor(id);

    const response = await call('PUT', `/member/${id}`, {
      token,
      body: {
        phone: '+44 1234 567890',
        consent: { consentNews: true, consentNetwork: false, consentMembers: true, consentStudents: false },
      },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id,
      phone: '+44 1234 567890',
      consent: { consentNews: true, consentNetwork: false, consentMembers: true, consentStudents: false },
    });

    const stored = (await getItem(keys.member(id))) as MemberItem;
    expect(stored.consent.consentNews).toEqual({ granted: true, since: registeredAt });
    expect(stored.consent.consentStudents).toEqual({ granted: false, since: registeredAt });
    expect(stored.consent.consentNetwork.granted).toBe(false);
    expect(stored.consent.consentNetwork.since > registeredAt).toBe(true);

    const ledger = await call('GET', `/member/${id}/consent`, { token });
    expect(ledger.status).toBe(200);
    const updatedAt = stored.updatedAt;
    expect(ledger.body).toEqual([
      { consent: 'consentMembers', granted: false, at: registeredAt, source: 'registration' },
      { consent: 'consentNetwork', granted: true, at: registeredAt, source: 'registration' },
      { consent: 'consentNews', granted: true, at: registeredAt, source: 'registration' },
      { consent: 'consentStudents', granted: false, at: registeredAt, source: 'registration' },
      { consent: 'consentMembers', granted: true, at: updatedAt, source: 'profile-update' },
      { consent: 'consentNetwork', granted: false, at: updatedAt, source: 'profile-update' },
    ]);
  });

  it('accepts snake_case, keeps the phone when it is absent and clears it with null', async () => {
    const id = uniqueId('snake');
    await putActiveMember({ id, phone: '0123' });
    const token = await sessionFor(id);
    const consent = {
      consent_news: false,
      consent_network: false,
      consent_members: false,
      consent_students: true,
    };
    const kept = await call('PUT', `/member/${id}`, { token, body: { consent } });
    expect(kept.body).toMatchObject({ phone: '0123', consent: { consentStudents: true } });
    const cleared = await call('PUT', `/member/${id}`, { token, body: { phone: null, consent } });
    expect(cleared.body).toMatchObject({ phone: null });
    const ledger = (await call('GET', `/member/${id}/consent`, { token })).body as { source: string }[];
    // Only the change: the second update changed no consent.
    expect(ledger.filter((entry) => entry.source === 'profile-update')).toHaveLength(1);
  });

  it('refuses a bad body with 422, 400 or 415 and changes nothing', async () => {
    const id = uniqueId('strict');
    await putActiveMember({ id });
    const token = await sessionFor(id);
    const before = await memberSnapshot(id, `${id}@example.com`);
    const consent = { consentNews: true, consentNetwork: true, consentMembers: true, consentStudents: true };

    const longPhone = await call('PUT', `/member/${id}`, { token, body: { phone: '1'.repeat(31), consent } });
    expect(longPhone.status).toBe(422);
    expect(longPhone.body).toMatchObject({ detail: [{ loc: ['body', 'phone'] }] });
    const noConsent = await call('PUT', `/member/${id}`, { token, body: { phone: '1' } });
    expect(noConsent.body).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'consent'], msg: 'Field required' }],
    });
    const wrongType = await call('PUT', `/member/${id}`, { token, body: { phone: 5, consent } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body).toMatchObject({ detail: [{ type: 'string_type', loc: ['body', 'phone'] }] });
    expect((await call('PUT', `/member/${id}`, { token, rawBody: '[' })).status).toBe(400);
    expect(
      (
        await call('PUT', `/member/${id}`, {
          token,
          rawBody: 'phone=1',
          contentType: 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
    expect(await memberSnapshot(id, `${id}@example.com`)).toEqual(before);
  });

  it('refuses a write based on a stale read (optimistic concurrency), writing nothing', async () => {
    const id = uniqueId('race');
    const stale = await putActiveMember({ id });
    const consent = {
      consentNews: true,
      consentNetwork: false,
      consentMembers: false,
      consentStudents: false,
    };
    await updateProfile(stale, { consent });
    const before = await memberSnapshot(id, `${id}@example.com`);
    await expect(
      updateProfile(stale, { phone: '1', consent: { ...consent, consentStudents: true } }),
    ).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect(await memberSnapshot(id, `${id}@example.com`)).toEqual(before);
  });

  it('answers concurrent updates with 200 or 409, never a lost ledger entry', async () => {
    const id = uniqueId('racing');
    await putActiveMember({ id });
    const token = await sessionFor(id);
    const responses = await Promise.all(
      [true, false, true, false, true].map((granted) =>
        call('PUT', `/member/${id}`, {
          token,
          body: {
            consent: {
              consentNews: granted,
              consentNetwork: false,
              consentMembers: false,
              consentStudents: false,
            },
          },
        }),
      ),
    );
    for (const response of responses) {
      expect([200, 409]).toContain(response.status);
      if (response.status === 409) {
        expect(response.body).toEqual({
          detail: 'The member was changed by another request; reload it and try again',
        });
      }
    }
    // The ledger's last consentNews entry is the profile's current value.
    const stored = (await getItem(keys.member(id))) as MemberItem;
    const ledger = (await call('GET', `/member/${id}/consent`, { token })).body as {
      consent: string;
      granted: boolean;
    }[];
    const news = ledger.filter((entry) => entry.consent === 'consentNews');
    expect(news.at(-1)?.granted).toBe(stored.consent.consentNews.granted);
  });
});

describe('DELETE /member/{id}', () => {
  async function auditEntries() {
    return queryPartition(keys.audit(new Date().toISOString(), 'x').pk);
  }

  it('erases the member, leaving only anonymized submissions and an audit entry', async () => {
    const id = uniqueId('erase');
    const email = `${id}@example.com`;
    const anonymousId = randomUUID();
    await putActiveMember({ id, email, anonymousId, consent: { consentNews: true } });
    const token = await sessionFor(id);
    await sessionFor(id);
    const own = await putSubmission(id, 'I was in the 1979 panto', email);
    const anonymous = await putSubmission(anonymousId, 'Before I registered', email);
    const auditBefore = await auditEntries();

    expect(await call('DELETE', `/member/${id}`, { token })).toEqual({ status: 200, body: 'OK' });

    expect(await queryPartition(keys.memberPartition(id))).toEqual([]);
    expect(await getItem(keys.memberEmail(email))).toBeUndefined();
    for (const submission of [own, anonymous]) {
      const stored = (await getItem(keys.submission(submission.id))) as StoredSubmission | undefined;
      expect(stored).toMatchObject({ message: submission.message, submitter: { name: 'Former member' } });
      expect(stored?.submitter).not.toHaveProperty('email');
      // A pseudonym, so whoever registers the freed id later does not inherit these submissions.
      expect(stored?.submitter.id).toMatch(/^former-member-[0-9a-f-]{36}$/);
      expect(stored?.gsi1pk).toBe(`SUBMITTER#${stored?.submitter.id}`);
    }
    const audit = (await auditEntries()).filter((item) => !auditBefore.some((old) => old.sk === item.sk));
    expect(audit).toHaveLength(1);
    expect(Object.keys(audit[0]!).sort()).toEqual(['action', 'at', 'createdAt', 'entity', 'pk', 'sk']);
    expect(audit[0]).toMatchObject({ action: 'member-erased', entity: 'audit' });
    expect(JSON.stringify(audit[0])).not.toContain(id);

    expect(await call('GET', `/member/${id}`, { token })).toEqual({
      status: 401,
      body: { detail: 'Member no longer exists' },
    });
    expect((await call('GET', `/member/${id}/check`)).status).toBe(404);
  });

  it('finishes the job when repeated after a partial failure, and erases once when raced', async () => {
    const id = uniqueId('partial');
    const email = `${id}@example.com`;
    await putActiveMember({ id, email });
    const token = await sessionFor(id);
    const submission = await putSubmission(id, 'Hello', email);
    // As if an earlier attempt died after removing the ledger and the email reservation.
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    for (const item of await queryPartition(keys.memberPartition(id))) {
      if (String(item.sk).startsWith(keys.consentPrefix)) {
        await documentClient.send(
          new DeleteCommand({ TableName: tableName(), Key: { pk: item.pk, sk: item.sk } }),
        );
      }
    }
    await documentClient.send(new DeleteCommand({ TableName: tableName(), Key: keys.memberEmail(email) }));
    const auditBefore = await auditEntries();

    const responses = await Promise.all([
      call('DELETE', `/member/${id}`, { token }),
      call('DELETE', `/member/${id}`, { token }),
    ]);
    expect(responses.some((response) => response.status === 200)).toBe(true);
    for (const response of responses) expect([200, 401]).toContain(response.status);

    expect(await queryPartition(keys.memberPartition(id))).toEqual([]);
    expect(await getItem(keys.submission(submission.id))).toMatchObject({
      submitter: { name: 'Former member' },
    });
    expect((await auditEntries()).length - auditBefore.length).toBe(1);
  });
});

describe('POST /member/{id}/login', () => {
  it('answers 404 Member not found for unknown ids; OK for a pending registration, as POST /member/{id}’s 409 tells', async () => {
    expect(await call('POST', `/member/${uniqueId('ghost')}/login`)).toEqual({
      status: 404,
      body: { detail: 'Member not found' },
    });
    // A registration whose workflow has not sent its first email yet: nothing to resend (the resend itself is
    // in test/system/member-identity-security.test.ts, on the real workflow).
    const pending = uniqueId('notyet');
    await putPendingMember({ id: pending, email: `${pending}@example.com` });
    expect(await call('POST', `/member/${pending}/login`)).toEqual({ status: 200, body: 'OK' });
    expect(await emailsTo(env.sesUrl, `${pending}@example.com`)).toEqual([]);
  });

  it('emails one login link to the stored address, valid for an hour, logging neither token nor address', async () => {
    const id = uniqueId('login');
    const email = `${id}@example.com`;
    await putActiveMember({ id, email, fullName: 'Fred <b>Bloggs</b>' });
    const logged: unknown[] = [];
    const spies = (['debug', 'info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => void logged.push(args)),
    );
    try {
      expect(await call('POST', `/member/${id}/login`)).toEqual({ status: 200, body: 'OK' });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    const [message, ...more] = await awaitEmails(env.sesUrl, email);
    expect(more).toEqual([]);
    const text = message!.body.text ?? '';
    const match = /https:\/\/alumni\.example\.org\/auth\?token=([A-Za-z0-9_-]{43})/.exec(text);
    expect(match).not.toBeNull();
    expect(message!.body.html).toContain(`${SITE_URL}/auth?token=${match![1]}`);
    expect(message!.body.html).toContain('Fred &lt;b&gt;Bloggs&lt;/b&gt;');

    const link = await getItem(keys.link(hashLinkToken(match![1]!)));
    expect(link).toMatchObject({ purpose: 'login', memberId: id });
    const validFor = Date.parse(String(link!.validUntil)) - Date.parse(String(link!.createdAt));
    expect(validFor).toBe(3600 * 1000);

    const logText = JSON.stringify(logged);
    expect(logText).not.toContain(match![1]);
    expect(logText).not.toContain(email);
  });

  it('a stranger using up the sign-in allowance neither floods the inbox nor keeps the member from signing in', async () => {
    // The audit (finding 8): five anonymous requests, and the sixth (the member's own) was a 429 until midnight.
    process.env.SIGN_IN_EMAIL_INTERVAL_SECONDS = '2';
    try {
      const id = uniqueId('flooded');
      const email = `${id}@example.com`;
      await putActiveMember({ id, email });
      for (let attempt = 0; attempt < 10; attempt++) {
        expect(await call('POST', `/member/${id}/login`)).toEqual({ status: 200, body: 'OK' });
      }
      // The allowance (3 at once) kept the inbox from flooding.
      const sent = await awaitEmails(env.sesUrl, email, 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await emailsTo(env.sesUrl, email)).toHaveLength(3);

      // The member asks too: the same answer, nothing new sent, and the newest link in their inbox works.
      expect(await call('POST', `/member/${id}/login`)).toEqual({ status: 200, body: 'OK' });
      expect(
        await call('POST', '/auth/redeem', { body: { token: linkTokenIn(sent.at(-1)!) } }),
      ).toMatchObject({ status: 200, body: { memberId: id } });

      // One interval later the member gets a fresh link of their own.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect(await call('POST', `/member/${id}/login`)).toEqual({ status: 200, body: 'OK' });
      const fresh = (await awaitEmails(env.sesUrl, email, 4)).at(-1)!;
      expect(await call('POST', '/auth/redeem', { body: { token: linkTokenIn(fresh) } })).toMatchObject({
        status: 200,
        body: { memberId: id },
      });
      expect(await emailsTo(env.sesUrl, email)).toHaveLength(4);
    } finally {
      delete process.env.SIGN_IN_EMAIL_INTERVAL_SECONDS;
    }
  });
});

describe('GET /member/{id}/export', () => {
  it('returns everything held about the member, without any token', async () => {
    const id = uniqueId('export');
    const email = `${id}@example.com`;
    await putActiveMember({ id, email, fullName: 'Fred Bloggs', consent: { consentMembers: true } });
    const session = await createSession(id, 'redeem');
    const submission = await putSubmission(id, 'My time at the theatre', email);

    const response = await call('GET', `/member/${id}/export`, { token: session.sessionToken });
    expect(response.status).toBe(200);
    const document = response.body as {
      profile: Record<string, unknown>;
      consentLedger: unknown[];
      sessions: { id: string; createdAt: string; validUntil: string }[];
      submissions: Record<string, unknown>[];
    };
    expect(document.profile).toMatchObject({
      id,
      email,
      fullName: 'Fred Bloggs',
      consent: { consentMembers: true },
    });
    expect(document.consentLedger).toHaveLength(4);
    expect(document.sessions).toEqual([
      { id: session.sessionId, createdAt: expect.any(String), validUntil: session.expiresAt },
    ]);
    expect(document.submissions).toEqual([
      expect.objectContaining({ id: submission.id, message: 'My time at the theatre' }),
    ]);
    expect(document.submissions[0]).not.toHaveProperty('pk');
    expect(JSON.stringify(document)).not.toContain(session.sessionToken);
  });
});

describe('OpenAPI', () => {
  it('documents every member route', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /member',
        'GET /member/',
        'GET /member/{id}',
        'GET /member/{id}/check',
        'POST /member/{id}',
        'PUT /member/{id}',
        'DELETE /member/{id}',
        'POST /member/{id}/login',
        'GET /member/{id}/consent',
        'GET /member/{id}/export',
      ]),
    );
  });
});
