/**
 * The security audit of November 2026 (issue 12), member identity, registration and erasure findings, replayed on
 * the whole local system (DynamoDB Local, the SES emulator, the real workflows on the local Step Functions endpoint,
 * the API) exactly as the auditor demonstrated them, from the outside: 1 (an old login link signs in as the next
 * owner of an erased id), 4 (anonymous submissions taken over through `anonymousId`), 5 (the erasure pseudonym is a
 * registrable id), 7 (registered-address oracle), 11 (a pending registration silently blocks the address owner),
 * 12 (relay records pass to the next owner of an id), 16 (line breaks in names), and issue 11's resend of a
 * verification link through `POST /member/{id}/login`.
 */
import { randomUUID } from 'node:crypto';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { hashLinkToken } from '../../core/links.js';
import { memberRelayKey } from '../../core/relay/model.js';
import type { LocalSystem } from '../../infra/local/system.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';
import { awaitEmails, emailsTo, linkTokenIn, type StoredEmail } from '../helpers/inbox.js';
import { eventually, historyOf, sfnClient, statePath } from '../helpers/local-stepfunctions.js';
import { putActiveStaff, staffSessionFor } from '../helpers/staff.js';

let test: TestSystem;
let system: LocalSystem;
let call: TestSystem['call'];

beforeAll(async () => {
  test = await startTestSystem('member-identity');
  ({ system, call } = test);
});

afterAll(() => test?.stop());

const unique = (label: string) => `${label}_${randomUUID().slice(0, 8)}`;
const address = (label: string) => `${label}-${randomUUID().slice(0, 8)}@ex.example`;
const allConsent = { consentNews: true, consentNetwork: true, consentMembers: true, consentStudents: true };

function registrationBody(email: string, overrides: Record<string, unknown> = {}) {
  return { anonymousId: randomUUID(), fullName: 'Test Person', email, consent: allConsent, ...overrides };
}

/** The `count`-th email to `email`, once it has arrived. */
async function nthEmail(email: string, count: number): Promise<StoredEmail> {
  const emails = await awaitEmails(system.urls.inbox, email, count);
  return emails[count - 1]!;
}

/** The `count`-th email to `email` whose subject starts with `subject`, once it has arrived. */
async function nthWithSubject(email: string, subject: string, count = 1): Promise<StoredEmail> {
  return eventually(async () => {
    const emails = (await emailsTo(system.urls.inbox, email)).filter((sent) =>
      sent.subject.startsWith(subject),
    );
    return emails[count - 1];
  }, 10_000);
}

const VERIFICATION = 'Confirm your email address';
const LOGIN = 'Your login link';

/** Redeems a link through POST /auth/redeem and returns the session token. */
async function redeem(token: string): Promise<string> {
  const redeemed = await call('POST', '/auth/redeem', { body: { token } });
  expect(redeemed.status).toBe(200);
  return (redeemed.body as { sessionToken: string }).sessionToken;
}

/** Registers `id` through the API and follows the verification link; returns a session token. */
async function register(id: string, email: string, overrides: Record<string, unknown> = {}) {
  const before = (await emailsTo(system.urls.inbox, email)).filter((sent) =>
    sent.subject.startsWith(VERIFICATION),
  );
  expect(await call('POST', `/member/${id}`, { body: registrationBody(email, overrides) })).toEqual({
    status: 200,
    body: 'OK',
  });
  return redeem(linkTokenIn(await nthWithSubject(email, VERIFICATION, before.length + 1)));
}

/** What these tests read of a submission, of an export and of a 422's problem in the API's answers. */
interface Submission {
  id: string;
  message: string;
  submitter: unknown;
}
interface MemberExport {
  submissions: Submission[];
}
interface Problem {
  detail: unknown;
}

/** Submissions in a listing, whether the answer is lumina's array or a page. */
const itemsOf = (body: unknown) =>
  (Array.isArray(body) ? body : (body as { items: unknown[] }).items) as Submission[];

async function getItem(key: { pk: string; sk: string }) {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  return Item;
}

async function registrationExecutions(memberId: string) {
  const sfn = sfnClient(system.urls.stepFunctions);
  try {
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: system.stateMachines.registration, maxResults: 1000 }),
    );
    return executions.filter((execution) => execution.name?.startsWith(`reg-${memberId}-`));
  } finally {
    sfn.destroy();
  }
}

describe('finding 1: links and sessions are bound to the profile, not to the reusable id', () => {
  it('an old owner’s login link, link-bearer token and session do not sign in as the next owner of the id', async () => {
    const id = unique('m6');
    const oldEmail = address('old-owner');
    const oldSession = await register(id, oldEmail);

    // Two login links requested before the erasure, never used.
    expect(await call('POST', `/member/${id}/login`)).toEqual({ status: 200, body: 'OK' });
    expect(await call('POST', `/member/${id}/login`)).toEqual({ status: 200, body: 'OK' });
    const firstLogin = await nthWithSubject(oldEmail, LOGIN, 1);
    const secondLogin = await nthWithSubject(oldEmail, LOGIN, 2);
    expect(await call('DELETE', `/member/${id}`, { token: oldSession })).toEqual({ status: 200, body: 'OK' });

    const newEmail = address('new-owner');
    const newSession = await register(id, newEmail);
    const updated = await call('PUT', `/member/${id}`, {
      token: newSession,
      body: { phone: '+44 7700 900123', consent: allConsent },
    });
    expect(updated.status).toBe(200);

    const redeemed = await call('POST', '/auth/redeem', { body: { token: linkTokenIn(firstLogin) } });
    expect(redeemed.status).toBe(401);
    const asBearer = await call('GET', `/member/${id}`, { token: linkTokenIn(secondLogin) });
    expect(asBearer.status).toBe(401);
    const withOldSession = await call('GET', `/member/${id}`, { token: oldSession });
    expect(withOldSession.status).toBe(401);
    for (const response of [redeemed, asBearer, withOldSession]) {
      expect(JSON.stringify(response.body)).not.toContain(newEmail);
    }
    // The new owner is unaffected.
    expect((await call('GET', `/member/${id}`, { token: newSession })).body).toMatchObject({
      email: newEmail,
      phone: '+44 7700 900123',
    });
  });
});

describe('finding 4: anonymous submissions are claimed only with the address they gave', () => {
  const submit = (anonymousId: string, name: string, email: string, message: string) =>
    call('POST', '/submissions/message', {
      body: {
        targetType: 'page',
        targetName: 'The 1985 programme',
        targetUrl: 'https://history.example/1985',
        message,
        submitter: { id: anonymousId, name, email },
      },
    });

  it('registering with someone else’s anonymousId claims nothing, and the export shows nobody else’s data', async () => {
    const victimId = randomUUID();
    const victimEmail = address('victor');
    const first = await submit(
      victimId,
      'Victor Victim',
      victimEmail,
      'VICTIM PRIVATE TEXT: please fix my page',
    );
    expect(first.status).toBe(200);

    const mallory = unique('mallory');
    const session = await register(mallory, address('mallory'), { anonymousId: victimId });
    const listed = await call('GET', `/submissions/member/${mallory}`, { token: session });
    expect(listed.status).toBe(200);
    expect(itemsOf(listed.body)).toEqual([]);

    const second = await submit(victimId, 'Victor Victim', victimEmail, 'VICTIM SECOND TEXT');
    expect(second.status).toBe(200);
    const exported = await call('GET', `/member/${mallory}/export`, { token: session });
    expect(exported.status).toBe(200);
    expect((exported.body as MemberExport).submissions).toEqual([]);
    expect(JSON.stringify(exported.body)).not.toContain(victimEmail);
    expect(JSON.stringify(exported.body)).not.toContain('VICTIM');

    const withdrawn = await call('POST', `/submissions/${(first.body as Submission).id}/withdraw`, {
      token: session,
    });
    expect(withdrawn.status).toBe(403);
  });

  it('the submitter’s own registration, with the address they gave, claims their anonymous submissions', async () => {
    const anonymousId = randomUUID();
    const email = address('own');
    const sent = await submit(anonymousId, 'Olive Own', email.toUpperCase(), 'MY OWN TEXT');
    expect(sent.status).toBe(200);
    const other = await submit(anonymousId, 'Olive Own', address('someone-else'), 'NOT MINE');
    expect(other.status).toBe(200);

    const id = unique('olive');
    const session = await register(id, email, { anonymousId });
    const listed = itemsOf((await call('GET', `/submissions/member/${id}`, { token: session })).body);
    expect(listed.map((item) => item.message)).toEqual(['MY OWN TEXT']);
    expect(listed[0]!.submitter).toEqual({ id, verified: true, name: 'Test Person' });
    const exported = await call('GET', `/member/${id}/export`, { token: session });
    expect((exported.body as MemberExport).submissions.map((item) => item.message)).toEqual(['MY OWN TEXT']);
    expect(JSON.stringify(exported.body)).not.toContain('NOT MINE');
  });
});

describe('finding 5: ids the system files submissions under cannot be registered', () => {
  it('refuses the erasure pseudonym and UUIDs as member ids with a 422 on the id', async () => {
    const id = unique('m7');
    const session = await register(id, address('m7'));
    const sent = await call('POST', '/submissions/message', {
      token: session,
      body: {
        targetType: 'page',
        targetName: 'A page',
        targetUrl: 'https://history.example/page',
        message: 'M7 PRIVATE TEXT',
      },
    });
    expect(sent.status).toBe(200);
    expect(await call('DELETE', `/member/${id}`, { token: session })).toEqual({ status: 200, body: 'OK' });
    const stored = await getItem(keys.submission((sent.body as Submission).id));
    const pseudonym = (stored as { submitter: { id: string } }).submitter.id;
    expect(pseudonym).toMatch(/^former-member-/);

    for (const reserved of [pseudonym, randomUUID()]) {
      const response = await call('POST', `/member/${reserved}`, { body: registrationBody(address('eve')) });
      expect(response.status).toBe(422);
      expect((response.body as Problem).detail).toEqual([
        expect.objectContaining({ loc: ['path', 'id'], msg: expect.stringMatching(/must not/) }),
      ]);
    }
    expect(await registrationExecutions(pseudonym)).toEqual([]);
  });
});

describe('finding 7: no registered-address oracle through POST /member/{id}', () => {
  it('answers a probe with a registered address exactly like a probe with a free one', async () => {
    const bobEmail = address('bob');
    await register(unique('bob'), bobEmail);
    const freeEmail = address('never-used');

    const registeredProbe = unique('probe');
    const freeProbe = unique('probe');
    const registeredBody = registrationBody(bobEmail.toUpperCase());
    const freeBody = registrationBody(freeEmail);
    expect(await call('POST', `/member/${registeredProbe}`, { body: registeredBody })).toEqual({
      status: 200,
      body: 'OK',
    });
    expect(await call('POST', `/member/${freeProbe}`, { body: freeBody })).toEqual({
      status: 200,
      body: 'OK',
    });
    // The free address got its link; the owner of the registered one a notice.
    await awaitEmails(system.urls.inbox, freeEmail);
    await eventually(async () => {
      const emails = await emailsTo(system.urls.inbox, bobEmail);
      return emails.some((email) => email.subject.startsWith('Someone tried to register')) || undefined;
    }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const again = [
      await call('POST', `/member/${registeredProbe}`, { body: registeredBody }),
      await call('POST', `/member/${freeProbe}`, { body: freeBody }),
    ];
    expect(again[0]).toEqual(again[1]);
    const other = [
      await call('POST', `/member/${registeredProbe}`, { body: registrationBody(address('x')) }),
      await call('POST', `/member/${freeProbe}`, { body: registrationBody(address('y')) }),
    ];
    expect(other[0]).toEqual(other[1]);
    const login = [
      await call('POST', `/member/${registeredProbe}/login`),
      await call('POST', `/member/${freeProbe}/login`),
    ];
    expect(login[0]).toEqual(login[1]);
    const check = [
      await call('GET', `/member/${registeredProbe}/check`),
      await call('GET', `/member/${freeProbe}/check`),
    ];
    expect(check[0]).toEqual(check[1]);
    // Nothing in any of it can confirm the owner's address: no link to it ever left the service.
    const bobInbox = await emailsTo(system.urls.inbox, bobEmail);
    expect(
      bobInbox.filter(
        (email) => email.body.text?.includes(registeredProbe) && /token=/.test(email.body.text),
      ),
    ).toEqual([]);
  });
});

describe('finding 11: a pending registration does not block the address owner', () => {
  it('the owner’s own registration gets its link, and once verified the squatter’s link is refused', async () => {
    const vicEmail = address('vic');
    const squatter = unique('squatter');
    expect(
      await call('POST', `/member/${squatter}`, {
        body: registrationBody(vicEmail, { fullName: 'Squatter' }),
      }),
    ).toEqual({ status: 200, body: 'OK' });
    const squatterLink = await nthEmail(vicEmail, 1);
    expect(squatterLink.body.text).toContain(squatter);

    const vic = unique('vic');
    expect(
      await call('POST', `/member/${vic}`, { body: registrationBody(vicEmail, { fullName: 'Real Vic' }) }),
    ).toEqual({ status: 200, body: 'OK' });
    const vicLink = await nthEmail(vicEmail, 2);
    expect(vicLink.body.text).toContain(vic);
    await redeem(linkTokenIn(vicLink));
    expect(await call('GET', `/member/${vic}/check`)).toMatchObject({ status: 200 });

    const late = await call('POST', '/auth/redeem', { body: { token: linkTokenIn(squatterLink) } });
    expect(late.status).toBe(401);
    expect((await call('GET', `/member/${squatter}/check`)).status).toBe(404);
  });
});

describe('finding 12: relay records do not pass to the next owner of an id', () => {
  it('a re-registered id inherits neither the pair record nor the block of the erased member', async () => {
    const m8Email = address('m8');
    const m8 = unique('m8');
    await register(m8, m8Email);
    const m6 = unique('m6');
    const oldSession = await register(m6, address('m6'));
    const sent = await call('POST', `/member/${m8}/contact`, {
      token: oldSession,
      body: { message: 'Hello' },
    });
    expect((sent.body as { status: string }).status).toBe('sent');
    const relayed = await eventually(async () => {
      const emails = await emailsTo(system.urls.inbox, m8Email);
      return emails.find((email) => email.subject.includes('A message from')) ?? undefined;
    }, 10_000);
    const reportToken = /\/contact\/report\?token=([A-Za-z0-9_-]+)/.exec(relayed.body.text ?? '')![1]!;
    expect((await call('POST', '/contact/report', { body: { token: reportToken } })).status).toBe(200);
    const reportLink = await getItem(keys.link(hashLinkToken(reportToken)));
    const relayId = reportLink!.relayId as string;

    const oldProfile = await getItem(keys.member(m6));
    expect(await call('DELETE', `/member/${m6}`, { token: oldSession })).toEqual({ status: 200, body: 'OK' });
    // What is kept of the relay for its retention period names neither member any more.
    const retained = await getItem(keys.relay(relayId));
    expect(retained).toMatchObject({ outcome: 'sent', reportedAt: expect.any(String) });
    expect(JSON.stringify(retained)).not.toContain(m6);
    expect(JSON.stringify(retained)).not.toContain(m8);
    // The erased member's own pair records are gone.
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': keys.pairLimit(memberRelayKey({ id: m6, uid: oldProfile!.uid as string }), m8).pk,
        },
      }),
    );
    expect(Items).toEqual([]);

    const newSession = await register(m6, address('new-m6'));
    const fresh = await call('POST', `/member/${m8}/contact`, { token: newSession, body: { message: 'Hi' } });
    expect(fresh).toMatchObject({ status: 200, body: { status: 'sent' } });
  });
});

describe('finding 16: names are single lines without control characters', () => {
  it.each([
    ['CR/LF', 'Evil\r\nBcc: attacker@evil.example'],
    ['NEL', 'Evil\u0085X-Injected: 1'],
    ['a control character', 'Evil\u0007'],
  ])(
    'refuses a member fullName with %s (422 at body.fullName), starting nothing',
    async (_label, fullName) => {
      const id = unique('crlf');
      const response = await call('POST', `/member/${id}`, {
        body: registrationBody(address('crlf'), { fullName }),
      });
      expect(response.status).toBe(422);
      expect((response.body as Problem).detail).toEqual([
        expect.objectContaining({ loc: ['body', 'fullName'] }),
      ]);
      expect(await registrationExecutions(id)).toEqual([]);
    },
  );

  it('refuses a staff name with a line break (422 at body.name), inviting nobody', async () => {
    const admin = await putActiveStaff(['network:admin', 'network:read'], 'admin');
    const token = await staffSessionFor(admin.id);
    const email = address('invitee');
    const response = await call('POST', '/staff', {
      token,
      body: {
        email,
        name: 'Evil\r\nReport: http://evil.example',
        permissions: { sites: { history: ['moderate'] } },
      },
    });
    expect(response.status).toBe(422);
    expect((response.body as Problem).detail).toEqual([expect.objectContaining({ loc: ['body', 'name'] })]);
    expect(await getItem(keys.staffEmail(email))).toBeUndefined();
  });
});

describe('issue 11: POST /member/{id}/login resends a pending registration’s verification link', () => {
  it('answers OK and emails a new link; the previous one stops working; one activation', async () => {
    const id = unique('resend');
    const email = address('resend');
    expect(await call('POST', `/member/${id}`, { body: registrationBody(email) })).toEqual({
      status: 200,
      body: 'OK',
    });
    const first = await nthEmail(email, 1);

    expect(await call('POST', `/member/${id}/login`)).toEqual({ status: 200, body: 'OK' });
    const second = await nthEmail(email, 2);
    expect(second.subject).toBe(first.subject);
    expect(linkTokenIn(second)).not.toBe(linkTokenIn(first));
    expect(second.body.text).toContain(id);

    const old = await call('POST', '/auth/redeem', { body: { token: linkTokenIn(first) } });
    expect(old.status).toBe(401);
    expect((await call('GET', `/member/${id}/check`)).status).toBe(404);

    expect(await call('POST', `/member/${id}/login`)).toEqual({ status: 200, body: 'OK' });
    const third = await nthEmail(email, 3);
    const session = await redeem(linkTokenIn(third));
    // The replaced link stays refused after the activation too.
    expect((await call('POST', '/auth/redeem', { body: { token: linkTokenIn(second) } })).status).toBe(401);
    expect((await call('GET', `/member/${id}`, { token: session })).body).toMatchObject({
      emailVerified: true,
    });
    // The welcome email is the last step: wait for the execution to end before reading its path.
    const execution = await eventually(async () => {
      const [found] = await registrationExecutions(id);
      return found && found.status !== 'RUNNING' ? found : undefined;
    }, 10_000);
    const sfn = sfnClient(system.urls.stepFunctions);
    const path = statePath(await historyOf(sfn, execution.executionArn!));
    sfn.destroy();
    expect(path).toEqual([
      'ValidateRegistration',
      'ReserveMember',
      'RecordConsent',
      'AwaitVerification',
      'ActivateMember',
      'SendWelcomeEmail',
      'Registered',
    ]);
  });

  it('counts resends in the sign-in allowance: always "OK", but no more emails than the allowance', async () => {
    const id = unique('resend');
    const email = address('resend');
    expect((await call('POST', `/member/${id}`, { body: registrationBody(email) })).status).toBe(200);
    await nthEmail(email, 1);
    const answers = [];
    for (let attempt = 0; attempt < 6; attempt += 1)
      answers.push((await call('POST', `/member/${id}/login`)).status);
    // Over the allowance nothing is sent and the answer is the same: the newest link sent still works.
    expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
    // The address's own allowance (any number of ids may name it; SIGN_IN_EMAIL_BURST, 3, at once) holds the
    // registration's first email and two resends.
    await nthEmail(email, 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await emailsTo(system.urls.inbox, email)).toHaveLength(3);
  });
});
